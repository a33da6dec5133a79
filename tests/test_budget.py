"""Budgets (``max_regions``, ``time_limit``): clean stops, honest lower bounds, resumable stores."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import polyreg
from polyreg.budget import Budget, BudgetNotSupported, RegionCount, count_text
from polyreg.cli import main

#: a time limit every run reaches at its first check
TINY = 1e-9


@pytest.fixture(scope="module")
def net() -> polyreg.Network:
    return polyreg.random_network([3, 12, 8, 1], seed=1)


@pytest.fixture(scope="module")
def box() -> polyreg.Box:
    return polyreg.Box.cube(3)


@pytest.fixture(scope="module")
def full(net, box) -> polyreg.RegionSet:
    return polyreg.enumerate_regions(net, box, method="traverse")


@pytest.fixture
def net_path(tmp_path: Path, net) -> Path:
    path = tmp_path / "net.npz"
    net.save(path)
    return path


def test_budget_validation():
    with pytest.raises(ValueError, match="max_regions"):
        Budget(max_regions=0)
    with pytest.raises(ValueError, match="time_limit"):
        Budget(time_limit=-1.0)
    with pytest.raises(ValueError, match="time_limit"):
        Budget(time_limit=float("inf"))
    assert Budget.make() is None


# ---------------------------------------------------------------------------- API
@pytest.mark.parametrize("limits, why", [({"max_regions": 5}, "max_regions"),
                                         ({"time_limit": TINY}, "time_limit")])
@pytest.mark.parametrize("method", ["traverse", "auto"])
def test_enumerate_stops(net, box, full, limits, why, method):
    rs = polyreg.enumerate_regions(net, box, method=method, **limits)
    assert rs.stats["complete"] is False
    assert rs.stats["stopped"] == why
    assert 1 <= len(rs) < len(full)
    assert rs.patterns <= full.patterns  # every region found is a real region
    if why == "max_regions":
        assert len(rs) >= 5
    summary = rs.summary()
    assert summary["complete"] is False and summary["stopped"] == why
    json.dumps(summary)


def test_enumerate_budget_not_reached(net, box, full):
    rs = polyreg.enumerate_regions(net, box, method="traverse", max_regions=10**6, time_limit=3600)
    assert rs.stats["complete"] is True and "stopped" not in rs.stats
    assert rs.patterns == full.patterns


def test_max_regions_above_count_is_complete(net, box, full):
    rs = polyreg.enumerate_regions(net, box, method="traverse", max_regions=len(full) + 1)
    assert len(rs) == len(full)
    assert rs.stats["complete"] is True
    # reaching the cap with regions left to expand is a stop, even if they hold nothing new
    rs = polyreg.enumerate_regions(net, box, method="traverse", max_regions=len(full))
    assert len(rs) == len(full) and rs.stats["complete"] is False


def test_count_regions_lower_bound(net, box, full):
    c = polyreg.count_regions(net, box, max_regions=4)
    assert isinstance(c, RegionCount) and isinstance(c, int)
    assert c.complete is False and c.stopped == "max_regions"
    assert 4 <= c < len(full)
    done = polyreg.count_regions(net, box, time_limit=3600)
    assert done == len(full) and done.complete is True
    assert type(polyreg.count_regions(net, box)) is int  # no budget: a plain int


@pytest.mark.parametrize("method", ["traverse", "split"])
def test_iter_regions_budget(net, box, full, method):
    it = polyreg.iter_regions(net, box, method=method, max_regions=3)
    found = list(it)
    assert it.complete is False and it.stopped == "max_regions"
    assert 3 <= len(found) < len(full)
    it = polyreg.iter_regions(net, box, method=method, time_limit=TINY)
    found = list(it)
    assert it.complete is False and it.stopped == "time_limit"
    it = polyreg.iter_regions(net, box, method=method)
    assert it.complete is None
    assert len(list(it)) == len(full) and it.complete is True


@pytest.mark.parametrize("method", ["skeleton", "planar", "milp", "split", "line"])
def test_batch_engines_refuse(net, box, method):
    with pytest.raises(BudgetNotSupported, match="one batch"):
        polyreg.enumerate_regions(net, box, method=method, time_limit=10.0)


def test_workers_refuse(net, box):
    with pytest.raises(BudgetNotSupported, match="one process"):
        polyreg.enumerate_regions(net, box, method="traverse", workers=2, max_regions=3)
    from polyreg.scale.stream import count_streaming

    with pytest.raises(BudgetNotSupported, match="one process"):
        count_streaming(net, box, workers=2, max_regions=3)


def test_slice_refuses(net):
    s = polyreg.Slice([0, 0, 0], [1, 0, 0], [0, 1, 0], polyreg.Box.cube(2))
    with pytest.raises(BudgetNotSupported):
        polyreg.enumerate_regions(net, s, max_regions=3)


def test_count_streaming_budget(net, box, full):
    from polyreg.scale.stream import count_streaming

    s = count_streaming(net, box, max_regions=4)
    assert s["complete"] is False and s["stopped"] == "max_regions"
    assert 4 <= s["regions"] < len(full)
    assert s["edges"] <= len(full.edges)


# ---------------------------------------------------------------------------- store
def test_store_resume_after_budget(tmp_path, net, box, full):
    from polyreg.scale.store import RegionStore, resume, run_walk

    path = tmp_path / "run.sqlite"
    with RegionStore.create(path, net, box) as store:
        s = run_walk(store, max_regions=5)
    assert s["complete"] is False and s["stopped"] == "max_regions" and s["frontier"] > 0
    s = resume(path, time_limit=TINY)
    assert s["complete"] is False and s["stopped"] == "time_limit"
    s = resume(path)
    assert s["complete"] is True
    assert s["regions"] == len(full) and s["edges"] == len(full.edges)
    with RegionStore.open(path) as store:
        assert store.to_region_set().patterns == full.patterns


# ---------------------------------------------------------------------------- CLI
def _json(capsys, argv: list[str]) -> dict:
    assert main([*argv, "--json"]) == 0
    out, _ = capsys.readouterr()
    return json.loads(out)


@pytest.mark.parametrize("flags, why", [(["--max-regions", "5"], "max_regions"),
                                        (["--time-limit", "1e-9"], "time_limit")])
def test_cli_count_enumerate(capsys, tmp_path, net_path, full, flags, why):
    s = _json(capsys, ["count", str(net_path), "--box", "-1", "1", *flags])
    assert s["complete"] is False and s["stopped"] == why and s["regions"] < len(full)
    out = tmp_path / "x.json"
    s = _json(capsys, ["enumerate", str(net_path), "--box", "-1", "1", "--out", str(out), *flags])
    assert s["complete"] is False and s["stopped"] == why
    data = json.loads(out.read_text())
    assert data["complete"] is False and len(data["regions_list"]) == s["regions"]
    assert main(["count", str(net_path), "--box", "-1", "1", *flags]) == 0
    table = capsys.readouterr().out
    assert "regions" in table and "at least" in table and "(stopped: " in table


def test_cli_table_line(capsys, net_path):
    assert main(["count", str(net_path), "--box", "-1", "1", "--max-regions", "5"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.split()[0] == "regions"
    assert "at least" in first and "(stopped: max regions 5)" in first


def test_cli_complete_under_budget(capsys, net_path, full):
    s = _json(capsys, ["count", str(net_path), "--box", "-1", "1", "--time-limit", "3600"])
    assert s["complete"] is True and s["regions"] == len(full)


def test_cli_store_resume(capsys, tmp_path, net_path, full):
    store = tmp_path / "run.sqlite"
    s = _json(capsys, ["count", str(net_path), "--box", "-1", "1", "--store", str(store),
                       "--max-regions", "5"])
    assert s["complete"] is False and s["stopped"] == "max_regions"
    assert main(["resume", str(store), "--time-limit", "1e-9"]) == 0
    text = capsys.readouterr().out
    assert "at least" in text and "polyreg resume" in text
    s = _json(capsys, ["resume", str(store)])
    assert s["complete"] is True and s["regions"] == len(full)


@pytest.mark.parametrize("argv, match", [
    (["--method", "skeleton", "--max-regions", "3"], "one batch"),
    (["--workers", "2", "--max-regions", "3"], "one process"),
    (["--linear", "--max-regions", "3"], "--linear"),
    (["--max-regions", "0"], "at least 1"),
    (["--time-limit", "-1"], "positive"),
])
def test_cli_refusals(capsys, net_path, argv, match):
    with pytest.raises(SystemExit) if match in ("at least 1", "positive") else _nothing():
        status = main(["count", str(net_path), "--box", "-1", "1", *argv])
        assert status == 2
    err = capsys.readouterr().err
    assert match in err


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return False


# ---------------------------------------------------------------------------- robustness, bounds
def test_robustness_budget():
    net = polyreg.random_network([3, 16, 16, 3], seed=2)
    x = np.array([0.1, 0.2, 0.3])
    exact = polyreg.robustness_radius(net, x, 2)
    res = polyreg.robustness_radius(net, x, 2, max_regions=2)
    assert exact.exact and exact.complete
    assert not res.exact and res.complete is False and res.stopped == "max_regions"
    assert res.lower_bound <= exact.radius <= res.upper_bound * (1 + 1e-9)
    d = res.to_dict()
    assert d["complete"] is False and d["stopped"] == "max_regions"
    res = polyreg.robustness_radius(net, x, 2, time_limit=TINY)
    assert res.stopped == "time_limit" and res.lower_bound <= exact.radius


def test_robustness_cli_budget(capsys, tmp_path):
    path = tmp_path / "n.npz"
    polyreg.random_network([3, 16, 16, 3], seed=2).save(path)
    d = _json(capsys, ["robustness", str(path), "--center", "0.1,0.2,0.3", "--max-regions", "2",
                       "--certify", "none"])
    assert d["complete"] is False and d["stopped"] == "max_regions" and d["radius"] is None
    assert main(["robustness", str(path), "--center", "0.1,0.2,0.3", "--max-regions", "2",
                 "--certify", "none"]) == 0
    assert "stopped: max regions 2" in capsys.readouterr().out


def test_bounds_budget(capsys, tmp_path):
    from polyreg.bounds.report import check_bounds, format_table

    net = polyreg.random_network([2, 6, 4, 1], seed=3)
    box = polyreg.Box.cube(2)
    rep = check_bounds(net, box, max_regions=3)
    assert rep.complete is False and rep.to_dict()["stopped"] == "max_regions"
    assert "local-exact" not in [r.name for r in rep.rows]
    assert rep.regions < polyreg.count_regions(net, box)
    assert "not refuted" in format_table(rep) and "at least" in format_table(rep)
    path = tmp_path / "n.npz"
    net.save(path)
    d = _json(capsys, ["bounds", str(path), "--box", "-1", "1", "--max-regions", "3"])
    assert d["complete"] is False and d["violated"] == []
    assert main(["bounds", str(path), "--box", "-1", "1", "--time-limit", "1e-9"]) == 0
    out = capsys.readouterr().out
    assert "at least" in out and "(stopped: time limit" in out


def test_count_text():
    assert count_text({"regions": 5}) == "5"
    assert count_text({"regions": 5, "complete": False, "stopped": "time_limit",
                       "time_limit": 10.0}) == "at least 5 (stopped: time limit 10 s)"
