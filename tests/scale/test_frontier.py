"""Shared-frontier search (``polyreg.scale.frontier``): the same regions, edges and Chebyshev radii as
one process, with 2 and 4 workers, on random and degenerate networks in every kind of domain."""

from __future__ import annotations

import multiprocessing as mp

import numpy as np
import pytest

import polyreg
from polyreg import Ball, Box, Polytope, Whole
from polyreg.scale.frontier import _Shared, count_shared, owner_of, run_shared, traverse_shared
from polyreg.scale.stream import count_streaming

from conftest import check_region_set, lines_through, one_layer


def enum(net, domain):
    return polyreg.enumerate_regions(net, domain, method="traverse")


def _edge_set(rs: polyreg.RegionSet) -> set[frozenset]:
    return {frozenset((rs[e.u].hex, rs[e.v].hex)) for e in rs.edges}


def _poly3() -> Polytope:
    rng = np.random.default_rng(3)
    Q = np.linalg.qr(rng.normal(size=(3, 3)))[0]
    A = np.vstack([Q, -Q, rng.normal(size=(2, 3))])
    return Polytope(A, np.concatenate([np.ones(6), [0.6, 0.8]]))


RANDOM = {
    "box2": ([2, 12, 10, 1], Box([-1.0, -1.5], [1.0, 1.0])),
    "box3": ([3, 10, 8, 1], Box.cube(3)),
    "l1": ([3, 8, 6, 1], Ball([0.1, 0.0, -0.1], 1.2, norm=1)),
    "l2": ([3, 8, 6, 1], Ball([0.1, 0.0, -0.1], 1.0, norm=2)),
    "linf": ([3, 8, 6, 1], Ball([0.1, 0.0, -0.1], 0.8, norm="inf")),
    "polytope": ([3, 7, 6, 1], _poly3()),
    "whole": ([2, 10, 1], Whole(2)),
}

SQ = Box([-1.0, -1.0], [1.0, 1.0])
_W, _b = lines_through(np.array([0.2, -0.1]), 6)
DEGENERATE = {
    # two neurons on x = 0.3 (opposite orientations) and one on y = -0.2: 4 regions
    "opposite": (one_layer([[1.0, 0.0], [-2.0, 0.0], [0.0, 1.0]], [-0.3, 0.6, 0.2]), SQ),
    # six lines through one point, a dead neuron and a line on the box's side x = 1
    "concurrent": (one_layer(np.vstack([_W, [[0.0, 0.0], [1.0, 0.0]]]),
                             np.concatenate([_b, [-1.0, -1.0]])), SQ),
    # weights in {-1, 0, 1}: repeated, parallel and zero rows, a second layer on top
    "integer": (polyreg.Network.from_layers([
        (np.array([[1, 0], [0, 1], [1, 1], [1, 0], [-1, -1], [0, 0]], float),
         np.array([0, 0, 0, 0, 0, 1], float)),
        (np.array([[1, -1, 0, 1, 0, 0], [0, 0, 1, 0, 1, 0], [1, 1, 1, 0, 0, -1]], float),
         np.zeros(3)),
        (np.ones((1, 3)), np.zeros(1)),
    ]), SQ),
}


@pytest.fixture(scope="module")
def cases():
    out = {}
    for name, (widths, domain) in RANDOM.items():
        net = polyreg.random_network(widths, seed=7)
        out[name] = (net, domain, enum(net, domain))
    for name, (net, domain) in DEGENERATE.items():
        out[name] = (net, domain, enum(net, domain))
    return out


@pytest.mark.parametrize("workers", [2, 4])
@pytest.mark.parametrize("case", sorted(RANDOM) + sorted(DEGENERATE))
def test_same_regions_edges_and_counts(case, workers, cases):
    net, domain, ref = cases[case]
    rs = traverse_shared(net, domain, workers)
    assert rs.patterns == ref.patterns
    assert len(rs) == len(ref)  # no region twice
    assert _edge_set(rs) == _edge_set(ref) and len(rs.edges) == len(ref.edges)
    assert [r.key for r in rs] == sorted(r.key for r in rs)  # listed in key order
    c = count_shared(net, domain, workers)
    assert (c["regions"], c["edges"], c["found"]) == (len(ref), len(ref.edges), len(ref))
    assert c["workers"] == workers and len(c["cpu"]) == workers


def test_points_are_chebyshev_centres(cases):
    net, domain, ref = cases["box2"]
    rs = traverse_shared(net, domain, 2)
    check_region_set(net, domain, rs, n_samples=2000)
    radius = {r.hex: r.radius for r in ref}
    np.testing.assert_allclose([r.radius for r in rs], [radius[r.hex] for r in rs], rtol=1e-7)


def test_public_entry_points_use_it():
    net = polyreg.random_network([3, 10, 1], seed=2)
    ball = Ball([0.0, 0.1, 0.0], 1.0)
    ref = enum(net, ball)
    rs = polyreg.enumerate_regions(net, ball, method="traverse", workers=2)
    assert rs.patterns == ref.patterns and rs.stats["workers"] == 2 and rs.stats["parts"] == 1
    s = count_streaming(net, ball, workers=2)
    assert (s["regions"], s["edges"], s["parts"]) == (len(ref), len(ref.edges), 1)
    # the L2 ball in R^5 with a first layer of width 3 is reduced first, then shared
    net = polyreg.random_network([5, 3, 6, 1], seed=2)
    ball = Ball([0.1, 0.0, -0.2, 0.3, 0.0], 1.5)
    assert polyreg.enumerate_regions(net, ball, method="traverse", workers=2).patterns == (
        enum(net, ball).patterns)


def test_max_regions_with_workers_is_refused():
    # a budget runs in one process (polyreg.budget): workers cannot stop part-way
    from polyreg.budget import BudgetNotSupported

    net = polyreg.random_network([2, 10, 1], seed=2)
    with pytest.raises(BudgetNotSupported, match="one process"):
        polyreg.enumerate_regions(net, SQ, method="traverse", workers=2, max_regions=3)


def test_worker_error_reaches_the_caller():
    # no region is full-dimensional at a radius tolerance larger than the box: every worker
    # fails to start; the driver raises the worker's error and leaves no process behind
    net = polyreg.random_network([2, 6, 1], seed=0)
    # (the box is now refused as thinner than the radius tolerance, in each worker)
    with pytest.raises((polyreg.ToleranceError, polyreg.InvalidDomain), match="full-dimensional"):
        count_shared(net, SQ, 2, tol=polyreg.Tolerances(radius=5.0))
    assert not [p for p in mp.active_children() if p.name.startswith("polyreg-frontier")]


def test_owner_of_is_stable_and_spread():
    keys = [np.packbits(np.random.default_rng(k).random(40) < 0.5).tobytes()
            for k in range(4000)]
    owners = np.array([owner_of(k, 4) for k in keys])
    assert owners.min() >= 0 and owners.max() <= 3
    assert np.all(np.bincount(owners, minlength=4) > 850)  # ~1000 each
    assert [owner_of(k, 4) for k in keys] == list(owners)


def test_termination_counters():
    shared = _Shared(mp.get_context("spawn"), 2)
    assert not shared.finished()  # workers start busy
    shared.idle(0, 5)
    shared.sent(1)  # worker 1 sends a batch to worker 0, then goes idle
    shared.idle(1, 7)
    assert not shared.finished()  # the batch is still outstanding
    shared.taken(0, 5)
    assert not shared.finished()  # worker 0 is busy with it
    shared.idle(0, 6)
    assert shared.finished() and shared.regions() == 13


def test_bad_worker_count():
    with pytest.raises(ValueError, match="at least 2 workers"):
        run_shared(polyreg.random_network([2, 4, 1], seed=0), SQ, 1)


def test_adopt_forwards_a_non_canonical_spelling():
    # in the integer network some neuron is identically zero on a region: the spelling with its
    # bit on is not canonical; a receiver that does not own the canonical key marks it foreign
    from polyreg.engines._common import Context, region_rows
    from polyreg.engines.traverse_engine import WalkState, adopt
    from polyreg.solvers import SolveCounter
    from polyreg.regions import pattern_key

    net, box = DEGENERATE["integer"]
    ctx = Context.create(net, box, polyreg.Tolerances())
    pairs = []
    for r in enum(net, box):
        for k in np.flatnonzero(~r.pattern):
            p = r.pattern.copy()
            p[k] = True
            p = ctx.canonical(p)
            if pattern_key(p) != r.key and region_rows(ctx, p).pattern.tobytes() == (
                    r.pattern.tobytes()):
                pairs.append((pattern_key(p), r))
    assert pairs, "the integer network should have a non-canonical spelling"
    spelled, region = pairs[0]
    state = WalkState()
    j, found = adopt(ctx, state, spelled, region.point, np.zeros(2), SolveCounter(),
                     owns=lambda key: key == spelled)
    assert j < 0 and found is None and state.key_of(j) == region.key
    assert state.known[spelled] == j


def test_command_line_workers_share_a_frontier(tmp_path, capsys):
    import json

    from polyreg.cli import main

    net = polyreg.random_network([3, 10, 8, 1], seed=5)
    path = tmp_path / "net.npz"
    net.save(path)
    ball = Ball([0.0, 0.0, 0.0], 1.0)
    ref = enum(net, ball)
    argv = ["--ball", "1", "--center", "0,0,0", "--workers", "2", "--quiet"]
    assert main(["count", str(path), *argv, "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert (s["regions"], s["edges"], s["workers"], s["parts"]) == (len(ref), len(ref.edges), 2, 1)
    out = tmp_path / "regions.json"
    assert main(["enumerate", str(path), *argv, "--out", str(out)]) == 0
    capsys.readouterr()
    data = json.loads(out.read_text())
    assert {r["pattern"] for r in data["regions_list"]} == ref.patterns
    assert len(data["edges_list"]) == len(ref.edges)
