"""The ``line`` sweep and transitions along paths.

* 1-D networks: the pieces are the analytic sweep's (``conftest.patterns_1d``), one layer gives
  ``1 + distinct breakpoints`` pieces, and ``traverse`` finds the same regions;
* a segment in the plane crosses exactly the ``planar`` regions whose polygons it meets;
* ellipses and closed polylines: every sampled pattern is a piece's, exact transitions are
  ``>=`` the sampled estimate of Novak et al. and equal to it when the sampling is fine.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import polyreg
from polyreg import Box, InvalidDomain
from polyreg.cli import main
from polyreg.engines.line import PathResult, line, line_regions, output_maps, transitions
from polyreg.engines.planar import planar
from polyreg.regions import pattern_hex
from polyreg.slices import Path, Slice

from conftest import net_from, one_layer, patterns_1d

X = [1.0, 0.0]
Y = [0.0, 1.0]


def hexes(res: PathResult) -> list[str]:
    return [pattern_hex(p) for p in res.patterns]


def sampled_hexes(net, path: Path, K: int) -> set[str]:
    lo, hi = path.t_range
    t = np.linspace(lo, hi, K, endpoint=not path.closed)
    return {pattern_hex(p) for p in np.unique(net.pattern(path.at(t)), axis=0)}


# ============================================================================ 1-D networks
@pytest.mark.parametrize("seed", range(5))
def test_one_layer_counts_distinct_breakpoints(seed):
    rng = np.random.default_rng(seed)
    m = 4 + seed
    w, b = rng.normal(size=m), rng.normal(size=m) * 1.5
    lo, hi = -1.0, 2.0
    bp = -b / w
    inside = np.unique(bp[(bp > lo) & (bp < hi)])
    res = line(one_layer(w[:, None], b), Path.segment([lo], [hi]))
    assert res.n_pieces == 1 + inside.size
    np.testing.assert_allclose(lo + (hi - lo) * res.breakpoints, inside, rtol=1e-12)
    assert res.flips.tolist() == [1] * inside.size


def test_one_layer_shared_breakpoints():
    # breakpoints 0.5 (three neurons), -0.25 (two), 3 (outside), a zero-weight neuron
    w = np.array([1.0, 2.0, -1.0, 4.0, -0.5, 1.0, 0.0])
    b = np.array([-0.5, -1.0, 0.5, 1.0, -0.125, -3.0, 0.3])
    res = line(one_layer(w[:, None], b), Path.segment([-1.0], [1.0]))
    np.testing.assert_allclose(-1 + 2 * res.breakpoints, [-0.25, 0.5])
    assert res.flips.tolist() == [2, 3] and res.transitions == 5 and res.n_pieces == 3


@pytest.mark.parametrize(
    "widths, seed",
    [([1, 4, 4, 1], 0), ([1, 5, 5, 1], 1), ([1, 3, 3, 3, 1], 2), ([1, 8, 6, 4, 1], 3),
     ([1, 2, 2, 2, 2, 2, 1], 4), ([1, 10, 10, 1], 5)],
)
def test_deep_1d_matches_analytic_sweep_and_traverse(widths, seed):
    net = polyreg.random_network(widths, seed=seed)
    res = line(net, Path.segment([-3.0], [3.0]))
    assert hexes(res) == patterns_1d(net, -3.0, 3.0)
    rs = polyreg.enumerate_regions(net, Box([-3.0], [3.0]), method="line")
    tr = polyreg.enumerate_regions(net, Box([-3.0], [3.0]), method="traverse")
    assert rs.patterns == tr.patterns
    pairs = lambda r: {frozenset((r[e.u].hex, r[e.v].hex)) for e in r.edges}  # noqa: E731 - a one-line helper
    assert pairs(rs) == pairs(tr)
    for r in rs:  # as an engine on a 1-D box, points are input coordinates
        assert pattern_hex(net.pattern(r.point)) == r.hex
        assert r.point[0] - r.radius >= -3.0 and r.point[0] + r.radius <= 3.0


# ============================================================================ segments in the plane
def _segment_length_in(P: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Length of the segment a -> b inside the counter-clockwise convex polygon P."""
    t0, t1, d = 0.0, 1.0, b - a
    for p, q in zip(P, np.roll(P, -1, axis=0), strict=True):
        n = np.array([q[1] - p[1], p[0] - q[0]])  # outward normal
        num, den = n @ (p - a), n @ d
        if den == 0:
            if num < 0:
                return 0.0
        elif den > 0:
            t1 = min(t1, num / den)
        else:
            t0 = max(t0, num / den)
    return max(0.0, t1 - t0) * float(np.linalg.norm(d))


@pytest.mark.parametrize("seed", range(4))
def test_segment_crosses_the_planar_regions(seed):
    net = polyreg.random_network([2, 10, 10, 1], seed=seed)
    rs = planar(net, Box.cube(2, -2, 2))
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(-2, 2, 2), rng.uniform(-2, 2, 2)
    crossed = {r.hex for r, P in zip(rs, rs.polygons, strict=True) if _segment_length_in(P, a, b) > 1e-9}
    res = line(net, Path.segment(a, b))
    assert set(hexes(res)) == crossed
    assert res.n_pieces == len(crossed)  # a convex region meets a segment once


def test_segment_in_a_slice_matches_planar_on_the_slice():
    net = polyreg.random_network([6, 12, 12, 1], seed=3)
    rng = np.random.default_rng(3)
    slc = Slice.through(*rng.normal(size=(3, 6)), bound=Box([-1, -1], [2, 2]))
    rs = planar(net, slc)
    a, b = np.array([-0.8, 1.7]), np.array([1.9, -0.6])
    crossed = {r.hex for r, P in zip(rs, rs.polygons, strict=True) if _segment_length_in(P, a, b) > 1e-9}
    res = line(net, Path.segment(slc.to_input(a), slc.to_input(b)))
    assert set(hexes(res)) == crossed


def test_segment_through_a_crossing_flips_two_at_once():
    # the diagonal passes through the crossing of x = 0 and y = 0
    res = line(one_layer([X, Y], [0.0, 0.0]), Path.segment([-1, -1], [1, 1]))
    assert res.breakpoints.tolist() == [0.5] and res.flips.tolist() == [2]
    assert res.n_pieces == 2 and res.transitions == 2


def test_segment_inside_a_hyperplane_keeps_that_neuron_off():
    # the segment runs along x = 0: neuron 0 is zero on it (off), y = 0 splits it
    res = line(one_layer([X, Y, [-1, 0]], [0.0, 0.0, 0.0]), Path.segment([0, -1], [0, 1]))
    assert res.n_pieces == 2
    assert [p.tolist() for p in res.patterns] == [[False, False, False], [False, True, False]]


def test_second_layer_bends():
    # layer 2: relu(x) + relu(-x) - 0.5 = |x| - 0.5: zeros at x = +-0.5 on the x axis
    net = net_from(([X, [-1, 0]], [0, 0]), ([[1, 1]], [-0.5]), ([[1]], [0.0]))
    res = line(net, Path.segment([-1, 0], [1, 0]))
    np.testing.assert_allclose(res.breakpoints, [0.25, 0.5, 0.75])
    assert res.flips.tolist() == [1, 2, 1]


def test_output_maps_match_the_forward_pass():
    net = polyreg.random_network([3, 8, 8, 2], seed=1)
    res = line(net, Path.polyline([[0, 0, 0], [1, 1, 0], [1, -1, 1]]))
    x = res.points()
    np.testing.assert_allclose(
        np.einsum("pij,pj->pi", res.out_W, x) + res.out_b, net.forward(x), atol=1e-12
    )
    maps = [net.local_maps(p) for p in res.patterns]
    np.testing.assert_allclose(res.out_W, [m.out_W for m in maps], atol=1e-12)
    W, b = output_maps(net, res.patterns[:0])
    assert W.shape == (0, 2, 3) and b.shape == (0, 2)


# ============================================================================ closed paths
def test_unit_circle_through_four_quadrants():
    net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [0.0])])
    a, b = np.array([np.cos(0.3), np.sin(0.3)]), np.array([-np.sin(0.3), np.cos(0.3)])
    res = line(net, Path.ellipse([0, 0], a, b))  # starts inside the first quadrant
    np.testing.assert_allclose(res.breakpoints, np.pi / 2 * np.arange(1, 5) - 0.3)
    assert res.wrap_flips == 0 and res.n_pieces == 4 and res.transitions == 4
    assert res.patterns.shape[0] == 5  # the last piece continues the first
    on_axis = line(net, Path.ellipse([0, 0], [1, 0], [0, 1]))  # starts at (1, 0), on y = 0
    assert on_axis.wrap_flips == 1 and on_axis.breakpoints[0] == 0.0
    np.testing.assert_allclose(on_axis.breakpoints, np.pi / 2 * np.arange(4))
    assert on_axis.transitions == 4 and on_axis.n_pieces == 4


def test_tangent_line_is_no_flip():
    # x = 1 and y = 1 touch the unit circle at t = 0 and t = pi / 2 without crossing it
    net = one_layer([X, Y, [1, 0], [0, 1]], [-1.0, -1.0, 0.0, 0.0])
    res = line(net, Path.ellipse([0, 0], [1, 0], [0, 1]))
    assert res.transitions == 4 and res.n_regions == 4
    assert not res.patterns[:, :2].any()


@pytest.mark.parametrize("seed", range(4))
def test_ellipse_exact_vs_sampled(seed):
    net = polyreg.random_network([3, 12, 12, 1], seed=seed)
    pts = np.random.default_rng(seed).normal(size=(3, 3))
    e = Path.ellipse_through(*pts)
    res = line(net, e)
    exact = transitions(net, e)
    assert exact == res.transitions == int(res.flips_at_breakpoints.sum())
    assert [transitions(net, e, samples=k) <= exact for k in (3, 10, 100)] == [True] * 3
    assert transitions(net, e, samples=100_000) == exact
    assert sampled_hexes(net, e, 100_000) == set(hexes(res))


def test_closed_polyline_is_its_segments():
    net = polyreg.random_network([2, 10, 10, 1], seed=2)
    P = np.array([[-1.0, -0.5], [1.2, -0.8], [0.9, 1.1], [-0.7, 0.8]])
    closed = line(net, Path.polyline(P, closed=True))
    total = sum(
        line(net, Path.segment(a, b)).transitions
        for a, b in zip(P, np.roll(P, -1, axis=0), strict=True)
    )
    assert closed.transitions == total  # the corners lie inside regions
    assert transitions(net, Path.polyline(P, closed=True), samples=50_000) == total


def test_line_engine_on_a_path():
    net = polyreg.random_network([2, 8, 8, 1], seed=4)
    e = Path.ellipse([0.1, 0.0], [1.5, 0.2], [-0.1, 1.2])
    res = line(net, e)
    rs = polyreg.enumerate_regions(net, e, method="line")
    assert len(rs) == res.n_regions and rs.patterns == set(hexes(res))
    assert len({r.hex for r in rs}) == len(rs)
    assert rs.summary()["domain"]["type"] == "path" and rs.stats["transitions"] == res.transitions
    for r in rs:
        assert pattern_hex(net.pattern(e.at(r.point[0]))) == r.hex
        assert r.radius > 0
    # consecutive pieces are adjacent; the closed path's adjacency graph is connected
    import networkx as nx

    assert nx.is_connected(rs.graph)
    json.dumps(rs.to_dict())


def test_line_errors():
    net = polyreg.random_network([2, 4, 1])
    with pytest.raises(InvalidDomain, match="line needs a polyreg.slices.Path"):
        line(net, Box.cube(2))
    with pytest.raises(InvalidDomain, match="the path lies in R\\^3 but the network takes 2"):
        line(net, Path.segment([0, 0, 0], [1, 1, 1]))
    with pytest.raises(InvalidDomain, match="the line engine needs a Path"):
        line_regions(net, Box.cube(2))
    with pytest.raises(ValueError, match="samples must be an integer >= 2"):
        transitions(net, Path.segment([0, 0], [1, 1]), samples=1)


# ============================================================================ property tests
@st.composite
def networks(draw):
    d = draw(st.integers(1, 3))
    depth = draw(st.integers(1, 3))
    widths = [d, *draw(st.lists(st.integers(1, 8), min_size=depth, max_size=depth)), 1]
    return polyreg.random_network(widths, seed=draw(st.integers(0, 2**32 - 1)))


@given(net=networks(), seed=st.integers(0, 1000), closed=st.booleans())
def test_property_sampled_never_exceeds_exact(net, seed, closed):
    pts = np.random.default_rng(seed).normal(size=(4, net.n_inputs)) * 2
    path = (
        Path.polyline(pts, closed=closed) if net.n_inputs > 1 or not closed
        else Path.segment(pts[0], pts[1])
    )
    res = line(net, path)
    for K in (5, 50, 500):
        assert transitions(net, path, samples=K) <= res.transitions
    assert sampled_hexes(net, path, 5000) <= set(hexes(res))
    if not path.closed:
        assert res.n_pieces == 1 + res.breakpoints.size  # regions crossed = 1 + changes


# ============================================================================ command line
def test_cli_path(tmp_path, capsys):
    path = tmp_path / "net.npz"
    net = polyreg.random_network([3, 8, 8, 1], seed=2)
    net.save(path)
    pts = np.array([[1.0, 0, 0], [0, 1, 0], [0, 0, 1]])
    np.save(tmp_path / "pts.npy", pts)
    assert main(["path", str(path), "--through", str(tmp_path / "pts.npy"), "--ellipse",
                 "--samples", "1000", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    e = Path.ellipse_through(*pts)
    assert got["transitions"] == transitions(net, e) and got["path"] == "ellipse"
    assert got["sampled_transitions"] == transitions(net, e, samples=1000)
    assert len(got["breakpoint_t"]) == len(got["flips"]) == got["breakpoints"]
    assert main(["path", str(path), "--through", "1,0,0", "--through", "0,1,0",
                 "--through", "0,0,1", "--closed"]) == 0
    out = capsys.readouterr().out
    assert "polyline (closed)" in out and "transitions" in out


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--through", "1,0,0"], "at least 2 points"),
        (["--through", "1,0", "--through", "0,1"], "2 coordinates but the network takes 3"),
        (["--through", "1,0,0", "--through", "1,0,0"], "coincide"),
        (["--through", "1,0,0", "--through", "0,1,0", "--ellipse"], "exactly 3 points"),
        (["--through", "1,0,0", "--through", "0,1,0", "--samples", "1"], "--samples must be at least 2"),
        (["--through", "x,0,0", "--through", "0,1,0"], "'x' is not a number"),
    ],
)
def test_cli_path_bad_input(tmp_path, capsys, extra, message):
    path = tmp_path / "net.npz"
    polyreg.random_network([3, 4, 1], seed=0).save(path)
    assert main(["path", str(path), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("polyreg: error:") and message in err


# ============================================================================ larger (slow)
@pytest.mark.slow
def test_long_polyline_in_a_wide_network():
    net = polyreg.random_network([64, 128, 128, 10], seed=0)
    pts = np.random.default_rng(0).normal(size=(30, 64))
    path = Path.polyline(pts, closed=True)
    res = line(net, path)
    assert res.breakpoints.size > 1000
    assert transitions(net, path, samples=200) <= res.transitions
    t = np.linspace(0, 30, 300_000, endpoint=False)
    assert {pattern_hex(p) for p in np.unique(net.pattern(path.at(t)), axis=0)} <= set(hexes(res))


# ============================================================================ invariance
from hypothesis import HealthCheck, assume, settings

from lowdim_transforms import count, move, small_networks, transform, variants


def test_path_far_from_the_origin_keeps_its_pieces():
    # the triangle of three lines (inradius 2.9e-6) crossed by a diagonal segment: the same
    # pieces at the origin and at (1e5, 1e5) with the network moved along (the old snap,
    # 1e-10 * |x|, merged breakpoints there)
    W0 = np.array([[1.0, 0], [0, 1], [-1, -1]])
    b0 = np.array([0.0, 0.0, 1e-5])
    for c in (np.zeros(2), np.array([1e5, 1e5])):
        net = polyreg.Network.from_layers([(W0, b0 - W0 @ c), ([[1.0, 1.0, 1.0]], [0.0])])
        for a, b, n in (([-1, -1], [1, 1], 3), ([-1, -1 + 1e-6], [1, 1 + 1e-6], 4)):
            res = line(net, Path.segment(c + a, c + b))
            assert res.n_regions == n


def test_rescaled_neuron_keeps_its_breakpoint():
    # a row of norm 1e-9 or 1e9 crossing the segment at x = 0.25: one breakpoint either way
    for s in (1e-9, 1.0, 1e9):
        net = polyreg.Network.from_layers([([[s, 0.0]], [-0.25 * s]), ([[1.0 / s]], [0.0])])
        assert line(net, Path.segment([-1, 0], [1, 0])).breakpoints.round(12).tolist() == [0.625]


PATHS = [Path.segment([-1.0, -2.0], [2.0, 1.0]),
         Path.polyline([[-2.0, 0.0], [0.0, 2.0], [2.0, 0.0]], closed=True),
         Path.ellipse([0.0, 0.0], [2.0, 0.0], [0.0, 1.0])]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from(PATHS), st.booleans())
def test_property_invariant(data, path, exact):
    net = data.draw(small_networks(degenerate=exact))
    base = count(line_regions, net, path, "line")
    assume(base is not None)
    factors, shift, perms = data.draw(variants(net, exact=exact))
    moved = count(line_regions, transform(net, factors, shift, perms), move(path, shift), "line")
    assert moved == base


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from(PATHS), st.booleans())
def test_property_invariant_thorough(data, path, exact):
    net = data.draw(small_networks(degenerate=exact))
    base = count(line_regions, net, path, "line")
    assume(base is not None)
    factors, shift, perms = data.draw(variants(net, exact=exact))
    assert count(line_regions, transform(net, factors, shift, perms), move(path, shift), "line") == base
