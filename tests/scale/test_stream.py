"""Streaming: ``polyreg.iter_regions`` yields the regions of ``traverse`` as found; count-only
runs keep no region; progress reporting."""

from __future__ import annotations

import itertools
import json
import tracemalloc

import numpy as np
import pytest

import polyreg
from polyreg import Ball, Box, Polytope, Whole
from polyreg.cli import main
from polyreg.scale.stream import count_streaming, iter_regions

DOMAINS = {
    "box": Box([-1.0, -1.0, -1.0], [1.0, 0.5, 1.0]),
    "l1": Ball([0.0, 0.2, 0.0], 1.2, norm=1),
    "l2": Ball([0.0, 0.2, 0.0], 1.0, norm=2),
    "linf": Ball([0.0, 0.2, 0.0], 0.8, norm="inf"),
    "polytope": Polytope(np.vstack([np.eye(3), -np.eye(3), [[1.0, 1.0, 1.0]]]),
                         np.array([1.0, 1, 1, 1, 1, 1, 1.5])),
    "whole": Whole(3),
}


def enum(net, domain, **options):
    """``polyreg.enumerate_regions`` with the ``traverse`` engine (the one these features run)."""
    return polyreg.enumerate_regions(net, domain, method="traverse", **options)


@pytest.mark.parametrize("kind", sorted(DOMAINS))
def test_iter_regions_is_traverse_in_order(kind):
    net = polyreg.random_network([3, 5, 4, 1] if kind == "whole" else [3, 7, 5, 1], seed=11)
    domain = DOMAINS[kind]
    ref = enum(net, domain)
    got = list(iter_regions(net, domain))
    assert [r.hex for r in got] == [r.hex for r in ref]
    np.testing.assert_array_equal([r.point for r in got], [r.point for r in ref])
    np.testing.assert_array_equal([r.radius for r in got], [r.radius for r in ref])
    summary = count_streaming(net, domain)
    assert (summary["regions"], summary["edges"]) == (len(ref), len(ref.edges))
    assert summary["domain"] == ref.domain.describe()
    assert summary["widths"] == list(net.widths)


def test_iter_regions_of_a_reduced_problem():
    net = polyreg.random_network([4, 2, 6, 1], seed=2)  # rank-2 first layer in R^4
    ball = Ball([0.1, 0.0, -0.2, 0.3], 1.5)
    ref = enum(net, ball)
    got = list(iter_regions(net, ball))
    assert [r.hex for r in got] == [r.hex for r in ref]
    for r in got:
        assert r.point.shape == (4,)
        np.testing.assert_allclose(r.out_W @ r.point + r.out_b, net.forward(r.point), atol=1e-9)
    assert count_streaming(net, ball)["regions"] == len(ref)


def test_iter_regions_is_lazy():
    # a network with thousands of regions: the first few come at once
    net = polyreg.random_network([2, 64, 64, 1], seed=0)
    box = Box.cube(2, -3, 3)
    it = iter_regions(net, box, chebyshev=False)
    first = list(itertools.islice(it, 5))
    assert len(first) == 5 and len({r.hex for r in first}) == 5
    it.close()


def test_count_keeps_no_region():
    net = polyreg.random_network([2, 16, 16, 1], seed=1)
    box = Box.cube(2, -2, 2)
    tracemalloc.start()
    try:
        rs = enum(net, box, chebyshev=False)
        _, peak_enum = tracemalloc.get_traced_memory()
        del rs
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        count_streaming(net, box)
        _, peak_count = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak_count - base < 0.5 * peak_enum


def test_count_streaming_parts_and_workers():
    net = polyreg.random_network([2, 10, 8, 1], seed=3)
    box = Box.cube(2)
    ref = enum(net, box)
    s = count_streaming(net, box, workers=1, parts=4)
    assert (s["regions"], s["edges"], s["parts"]) == (len(ref), len(ref.edges), 4)
    s2 = count_streaming(net, box, workers=2)
    assert (s2["regions"], s2["edges"], s2["workers"]) == (len(ref), len(ref.edges), 2)


def test_bad_input():
    net = polyreg.random_network([2, 4, 1], seed=0)
    with pytest.raises(polyreg.InvalidNetwork, match="net must be a polyreg.Network"):
        next(iter_regions("net.npz", Box.cube(2)))  # type: ignore[arg-type]  # the wrong type on purpose
    with pytest.raises(polyreg.InvalidDomain, match="domain must be a polyreg domain"):
        count_streaming(net, [[-1, 1]])  # type: ignore[arg-type]  # the wrong type on purpose
    with pytest.raises(polyreg.InvalidDomain, match="dimension 3"):
        next(iter_regions(net, Box.cube(3)))


def test_exported_from_the_package():
    assert polyreg.iter_regions is iter_regions


# ---------------------------------------------------------------------------- progress
def test_progress_line_and_eta(capsys, monkeypatch):
    from polyreg.engines import _common

    monkeypatch.setitem(__import__("sys").modules, "tqdm", None)  # force the plain line
    p = _common.ScaleProgress(enabled=True, every=0.0)
    assert p.bar is None
    p.update(100, frontier=7, solves=3, fraction=0.25)
    p.close(120)
    err = capsys.readouterr().err
    assert "regions" in err and "frontier" in err and "regions/s" in err and "ETA" in err


def test_progress_with_tqdm(capsys):
    pytest.importorskip("tqdm")
    from polyreg.engines._common import ScaleProgress

    p = ScaleProgress(enabled=True, every=0.0)
    assert p.bar is not None
    p.update(50, frontier=4, fraction=0.5, parts=(2, 4))
    p.close(60)
    err = capsys.readouterr().err
    assert "regions" in err and "ETA" in err and "2/4" in err


def test_quiet_count_prints_nothing_on_stderr(tmp_path, capsys):
    path = tmp_path / "net.npz"
    polyreg.random_network([2, 8, 1], seed=0).save(path)
    traverse = ["--method", "traverse"]
    assert main(["count", str(path), "--box", "-1", "1", "--quiet", *traverse]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "regions" in out
    assert main(["count", str(path), "--box", "-1", "1", "--json", *traverse]) == 0
    summary = json.loads(capsys.readouterr().out)
    ref = enum(polyreg.load(path), Box.cube(2))
    assert (summary["regions"], summary["edges"]) == (len(ref), len(ref.edges))
    assert summary["workers"] == 1  # a small run stays in one process by default
    assert summary["method"] == "traverse"


def test_auto_picks_streaming_traverse_only_where_it_would(tmp_path, capsys):
    path = tmp_path / "net.npz"
    polyreg.random_network([3, 8, 1], seed=0).save(path)
    # an L2 ball in 3-D: auto runs traverse, here as a streaming count
    assert main(["count", str(path), "--ball", "1", "--center", "0,0,0", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["engine"] == "traverse" and summary["method"] == "auto" and "workers" in summary
    ref = enum(polyreg.load(path), Ball([0.0, 0.0, 0.0], 1.0))
    assert summary["regions"] == len(ref)
    # a box: auto's own choice, untouched
    assert main(["count", str(path), "--box", "-1", "1", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert "workers" not in summary


@pytest.mark.parametrize("kind", sorted(DOMAINS))
def test_iter_regions_split_streams_the_split_regions(kind):
    net = polyreg.random_network([3, 5, 4, 1] if kind == "whole" else [3, 7, 5, 1], seed=11)
    domain = DOMAINS[kind]
    ref = polyreg.enumerate_regions(net, domain, method="split")
    got = list(iter_regions(net, domain, method="split"))
    assert len(got) == len(ref) and {r.hex for r in got} == ref.patterns
    radius = {r.hex: r.radius for r in ref}
    np.testing.assert_allclose([r.radius for r in got], [radius[r.hex] for r in got],
                               rtol=1e-7)


def test_iter_regions_split_on_a_degenerate_network():
    # three lines through one point, one of them twice, and a dead neuron: 6 regions
    W = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 2.0], [0.0, 0.0]])
    net = polyreg.Network.from_layers([(W, np.zeros(5)), (np.ones((1, 5)), np.zeros(1))])
    got = list(iter_regions(net, Box.cube(2), method="split", chebyshev=False))
    assert {r.hex for r in got} == enum(net, Box.cube(2)).patterns and len(got) == 6


def test_iter_regions_unknown_method():
    net = polyreg.random_network([2, 4, 1], seed=0)
    with pytest.raises(ValueError, match="'traverse' or 'split'"):
        next(iter_regions(net, Box.cube(2), method="skeleton"))
