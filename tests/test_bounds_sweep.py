"""Region counts around points for several radii (polyreg.bounds.sweep)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import polyreg
from polyreg.bounds.sweep import region_distances, summarize, sweep, sweep_point


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10**6), norm=st.sampled_from([1, 2, "inf"]))
def test_reuse_agrees_with_direct_enumeration(seed, norm):
    """Counting smaller balls from the largest ball's regions and their distances gives the
    counts of enumerating every ball."""
    rng = np.random.default_rng(seed)
    net = polyreg.random_network([3, 6, 5, 2], seed=seed)
    x = rng.normal(scale=0.5, size=3)
    radii = sorted(rng.uniform(0.05, 0.6, size=3).round(3).tolist(), reverse=True)
    reused = sweep_point(net, x, radii, norm, reuse=True)
    direct = [polyreg.count_regions(net, polyreg.Ball(x, r, norm=norm)) for r in radii]
    assert [c.regions for c in reused] == direct
    assert all(c.complete for c in reused)
    assert [c.source for c in reused][1:] == ["distances", "distances"] or len(set(radii)) < 3


def test_distances_decide_membership():
    """A region meets B(x, r) iff its distance to x is < r: checked against sampling."""
    net = polyreg.random_network([2, 8, 8, 1], seed=4)
    x = np.array([0.2, -0.1])
    rs = polyreg.enumerate_regions(net, polyreg.Ball(x, 0.5))
    pats = np.array([r.pattern for r in rs])
    dist = region_distances(net, x, pats, 2)
    assert dist.min() == 0.0 and np.all(dist < 0.5)
    # every region's interior point is at least as far as its distance
    for r, dd in zip(rs, dist, strict=True):
        assert np.linalg.norm(r.point - x) >= dd - 1e-9


def test_budget_gives_a_lower_bound():
    net = polyreg.random_network([2, 10, 10, 2], seed=0)
    x = np.zeros(2)
    n = polyreg.count_regions(net, polyreg.Ball(x, 1.0))
    (c,) = sweep_point(net, x, [1.0], max_regions=4)
    assert (c.regions, c.complete, c.source) == (4, False, "enumerated") and n > 4
    (c,) = sweep_point(net, x, [1.0], max_regions=n)  # exactly at the budget: complete
    assert (c.regions, c.complete) == (n, True)
    with pytest.raises(ValueError, match="max_regions"):
        sweep_point(net, x, [1.0], max_regions=0)
    with pytest.raises(ValueError, match="radii"):
        sweep_point(net, x, [0.0])


def test_sweep_rows_and_summary():
    net = polyreg.random_network([2, 6, 2], seed=1)
    pts = np.array([[0.0, 0.0], [0.5, 0.5], [-0.5, 0.2]])
    rows = sweep(net, pts, [0.3, 0.1], labels=["a", "b", "a"])
    assert [(r["index"], r["ball_radius"]) for r in rows] == [
        (0, 0.3), (0, 0.1), (1, 0.3), (1, 0.1), (2, 0.3), (2, 0.1)]
    assert rows[0]["x0"] == 0.0 and rows[2]["x1"] == 0.5
    summary = summarize(rows)
    assert [(s["label"], s["ball_radius"]) for s in summary] == [
        ("a", 0.1), ("a", 0.3), ("b", 0.1), ("b", 0.3)]
    with pytest.raises(ValueError, match="labels"):
        sweep(net, pts, [0.1], labels=["a"])


def test_train_moons_example_end_to_end(tmp_path, capsys):
    """examples/train_moons.py trains in seconds and its files feed ``polyreg around``."""
    import subprocess
    import sys
    from pathlib import Path

    from polyreg.cli import main

    script = Path(__file__).resolve().parent.parent / "examples" / "train_moons.py"
    subprocess.run([sys.executable, str(script), "--steps", "300", "--points", "4",
                    "--outdir", str(tmp_path)], check=True, capture_output=True)
    net = polyreg.load(tmp_path / "moons.npz")
    assert net.widths == (2, 16, 16, 2)
    assert main(["around", str(tmp_path / "moons.npz"), "--points", str(tmp_path / "X.npy"),
                 "--labels", str(tmp_path / "groups.npy"), "--radius", "0.05,0.2",
                 "--certify", "none", "--out", str(tmp_path / "a.csv")]) == 0
    text = capsys.readouterr()[0]
    assert "train   0.05" in text and "random  0.2" in text and "wrote 16 rows" in text
