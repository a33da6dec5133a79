"""Enumeration engines against oracles: exact counts (Zaslavsky, 1-D sweeps, hand counts of
degenerate arrangements) and invariants (sampling, adjacency, volumes).

Every test runs for every engine in :data:`ENGINES` through the public entry point
``polyreg.enumerate_regions(net, domain, method=m)``; a new engine is tested by adding its name.
"""

from __future__ import annotations

from math import comb

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import polyreg
from polyreg import Ball, Box, Polytope, Whole
from polyreg.regions import pattern_from_hex, pattern_hex

from conftest import (
    arrangement_box,
    check_region_set,
    lines_through,
    net_from,
    one_layer,
    patterns_1d,
    region_volumes,
    zaslavsky,
)

ENGINES = ["traverse"]

engines = pytest.mark.parametrize("method", ENGINES)


def enum(net, domain, method):
    return polyreg.enumerate_regions(net, domain, method=method)


def serra_bound(widths: tuple[int, ...]) -> int:
    """Serra, Tjandraatmadja & Ramalingam 2018, Theorem 1, as a recursion (docs/theory.md §2)."""
    hidden = widths[1:-1]

    def f(layer: int, dim: int) -> int:
        if layer == len(hidden):
            return 1
        n = hidden[layer]
        return sum(comb(n, j) * f(layer + 1, min(dim, n - j)) for j in range(min(dim, n) + 1))

    return f(0, widths[0])


# ============================================================================ (a) Zaslavsky
def _general_position(d: int, m: int, seed: int):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, d)), rng.normal(size=m)


ZASLAVSKY_FAST = [(d, m) for d in (1, 2, 3, 4) for m in (1, 2, 3, 5, 8)]
ZASLAVSKY_SLOW = [(5, 3), (5, 6), (5, 8), (5, 10), (4, 12), (3, 16), (2, 25), (1, 30)]


def _zaslavsky_case(method, d, m):
    W, b = _general_position(d, m, seed=100 * d + m)
    box = arrangement_box(W, b)
    rs = enum(one_layer(W, b), box, method)
    assert len(rs) == zaslavsky(m, d)
    # each pattern is realised exactly once, and pattern bits are the hyperplane sides
    assert len(rs.patterns) == len(rs)
    check_region_set(one_layer(W, b), box, rs, n_samples=500)


@engines
@pytest.mark.parametrize("d, m", ZASLAVSKY_FAST)
def test_one_layer_general_position_in_box(method, d, m):
    _zaslavsky_case(method, d, m)


@pytest.mark.slow
@engines
@pytest.mark.parametrize("d, m", ZASLAVSKY_SLOW)
def test_one_layer_general_position_in_box_large(method, d, m):
    _zaslavsky_case(method, d, m)


@engines
@pytest.mark.parametrize("m", [1, 2, 3, 4, 6])
def test_whole_plane_general_position(method, m):
    # m lines in general position cut the plane into 1 + m + C(m, 2) regions, unbounded ones
    # included
    W, b = _general_position(2, m, seed=7 + m)
    net = one_layer(W, b)
    rs = enum(net, Whole(), method)
    assert len(rs) == 1 + m + comb(m, 2)
    check_region_set(net, Whole(2), rs, n_samples=500)


@engines
@pytest.mark.parametrize("d, m", [(1, 4), (3, 4), (3, 6)])
def test_whole_space_general_position(method, d, m):
    W, b = _general_position(d, m, seed=31 * d + m)
    assert len(enum(one_layer(W, b), Whole(d), method)) == zaslavsky(m, d)


@engines
def test_whole_plane_two_layers_by_hand(method):
    # h0 = relu(1 - x/2 - y/2) (line x + y = 2), h1 = relu(1 - x + y) (line x - y = 1): 4
    # quadrants. z2 = -h0/2 + h1/2 - 1; z3 = -h1/2 - 1 < 0 everywhere (dead).
    #   h0 off, h1 off: z2 = -1                                   1
    #   h0 on,  h1 off: z2 = (x + y)/4 - 3/2 < 0 since x + y < 2     1
    #   h0 off, h1 on : z2 = (y - x - 1)/2, the line y = x + 1 splits {x + y > 2, y > x - 1}  2
    #   h0 on,  h1 on : z2 = -x/4 + 3y/4 - 1: -1 at the wedge's apex (1.5, 0.5), -> +inf
    #                   along x + y = 2 as x -> -inf: split                               2
    # total 6 (a box [-1000, 1000]^2 gives 6 too)
    net = net_from(
        ([[-0.5, -0.5], [-1.0, 1.0]], [1.0, 1.0]), ([[-0.5, 0.5], [0.0, -0.5]], [-1.0, -1.0]),
        ([[1.0, 1.0]], [0.0]),
    )
    rs = enum(net, Whole(), method)
    assert len(rs) == 6
    check_region_set(net, Whole(2), rs)


@engines
def test_whole_space_deep_network_emits_no_warning(method):
    import warnings

    net = polyreg.random_network([2, 3, 3, 1], seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        enum(net, Whole(), method)


# ============================================================================ (b) 1-D input
@engines
@pytest.mark.parametrize("seed", range(6))
def test_1d_one_layer_counts_breakpoints(method, seed):
    # regions on an interval = 1 + distinct breakpoints -b_i / w_i strictly inside it
    rng = np.random.default_rng(seed)
    m = 3 + seed
    w = rng.normal(size=m)
    b = rng.normal(size=m) * 1.5  # some breakpoints fall outside [-1, 2]
    lo, hi = -1.0, 2.0
    bp = -b / w
    inside = np.unique(bp[(bp > lo) & (bp < hi)])
    net = one_layer(w[:, None], b)
    rs = enum(net, Box([lo], [hi]), method)
    assert len(rs) == 1 + inside.size
    assert rs.patterns == set(patterns_1d(net, lo, hi))


@engines
def test_1d_one_layer_with_shared_breakpoints(method):
    # breakpoints 0.5 (three neurons: w, 2w and -w), -0.25 (two) and 3 (outside [-1, 1]), plus a
    # zero-weight neuron: distinct breakpoints inside are {-0.25, 0.5}, so 3 regions
    w = np.array([1.0, 2.0, -1.0, 4.0, -0.5, 1.0, 0.0])
    b = np.array([-0.5, -1.0, 0.5, 1.0, -0.125, -3.0, 0.3])
    net = one_layer(w[:, None], b)
    rs = enum(net, Box([-1.0], [1.0]), method)
    assert len(rs) == 3
    check_region_set(net, Box([-1.0], [1.0]), rs)


@engines
@pytest.mark.parametrize(
    "widths, seed",
    [([1, 4, 4, 1], 0), ([1, 5, 5, 1], 1), ([1, 3, 3, 3, 1], 2), ([1, 8, 6, 4, 1], 3),
     ([1, 2, 2, 2, 2, 2, 1], 4), ([1, 10, 10, 1], 5)],
)
def test_1d_deep_matches_analytic_sweep(method, widths, seed):
    lo, hi = -3.0, 3.0
    net = polyreg.random_network(widths, seed=seed)
    expected = patterns_1d(net, lo, hi)
    assert len(set(expected)) == len(expected)  # a pattern's region is convex: one interval
    rs = enum(net, Box([lo], [hi]), method)
    assert len(rs) == len(expected)
    assert rs.patterns == set(expected)
    # a fine grid meets no pattern the sweep missed
    grid = np.linspace(lo, hi, 100_001)[:, None]
    assert {pattern_hex(p) for p in np.unique(net.pattern(grid), axis=0)} <= set(expected)
    # the adjacency graph is the path of the intervals, left to right
    g = rs.graph
    order = {h: i for i, h in enumerate(expected)}
    pos = [order[g.nodes[v]["pattern"]] for v in g.nodes]
    got = sorted(tuple(sorted((pos[u], pos[v]))) for u, v in g.edges)
    assert got == [(i, i + 1) for i in range(len(expected) - 1)]


@engines
@pytest.mark.parametrize("norm", [1, 2, "inf"])
def test_1d_ball_is_an_interval(method, norm):
    net = polyreg.random_network([1, 6, 6, 1], seed=11)
    rs = enum(net, Ball([0.5], 2.0, norm=norm), method)
    assert rs.patterns == set(patterns_1d(net, -1.5, 2.5))


# ============================================================================ (c) sampling
SAMPLING_CASES = [
    (2, [2, 8, 6, 1], 0),
    (3, [3, 6, 6, 1], 1),
    (4, [4, 6, 5, 1], 2),
    (5, [5, 6, 4, 2], 3),
    (6, [6, 6, 5, 1], 4),
    (3, [3, 4, 4, 4, 1], 5),
]


def _domains(d: int, seed: int):
    c = np.random.default_rng(seed).uniform(-0.5, 0.5, size=d)
    return {
        "box": Box(c - 1.0, c + np.linspace(0.5, 1.5, d)),
        "l1": Ball(c, 1.5, norm=1),
        "l2": Ball(c, 1.0, norm=2),
        "linf": Ball(c, 0.8, norm="inf"),
    }


@engines
@pytest.mark.parametrize("kind", ["box", "l1", "l2", "linf"])
@pytest.mark.parametrize("d, widths, seed", SAMPLING_CASES)
def test_sampling_consistency(method, d, widths, seed, kind):
    net = polyreg.random_network(widths, seed=seed)
    domain = _domains(d, seed)[kind]
    rs = enum(net, domain, method)
    check_region_set(net, domain, rs, n_samples=3000, seed=seed)
    assert len(rs) <= serra_bound(net.widths)


@engines
@pytest.mark.parametrize("seed", range(3))
def test_sampling_consistency_polytope(method, seed):
    # a random bounded polytope around the origin: a rotated cube cut by 3 random half-spaces
    rng = np.random.default_rng(seed)
    Q = np.linalg.qr(rng.normal(size=(3, 3)))[0]
    A = np.vstack([Q, -Q, rng.normal(size=(3, 3))])
    poly = Polytope(A, np.concatenate([np.ones(6), rng.uniform(0.3, 1.0, 3)]))
    net = polyreg.random_network([3, 6, 5, 1], seed=seed)
    rs = enum(net, poly, method)
    check_region_set(net, poly, rs, n_samples=3000, seed=seed)


@engines
def test_result_metadata(method):
    net = polyreg.random_network([2, 5, 1], seed=0)
    rs = enum(net, Box.cube(2), method)
    assert rs.method == method
    assert rs.widths == (2, 5, 1)
    s = rs.summary()
    assert s["regions"] == len(rs) and s["edges"] == len(rs.edges) and s["method"] == method
    assert s["domain"] == {"type": "box", "lo": [-1.0, -1.0], "hi": [1.0, 1.0]}
    data = rs.to_dict()
    assert data["schema"] == "polyreg.regions/1"
    assert [r["pattern"] for r in data["regions_list"]] == [r.hex for r in rs]
    assert polyreg.count_regions(net, Box.cube(2), method=method) == len(rs)
    for r in rs:
        np.testing.assert_array_equal(pattern_from_hex(r.hex, net.n_hidden), r.pattern)


# ============================================================================ (d) by hand
@engines
def test_hand_checked_three_lines(method, data_dir):
    # Hidden hyperplanes x = 0, y = 0, x + y = 0.5 in [-1, 1]^2. The axes cut the box into
    # 4 quadrants. The line x + y = 0.5 runs from (-0.5, 1) through (0, 0.5) and (0.5, 0) to
    # (1, -0.5): it crosses the quadrants (-, +), (+, +) and (+, -) and misses (-, -) (where
    # x + y < 0), splitting 3 of them: 4 + 3 = 7. (Check: 1 + 3 lines meeting the box
    # + 3 intersection points (0,0), (0,0.5), (0.5,0) inside it = 7.)
    net = polyreg.load(data_dir / "hand_2d.npz")
    box = Box([-1, -1], [1, 1])
    rs = enum(net, box, method)
    assert len(rs) == 7
    # the 7 patterns (x>0, y>0, x+y>0.5): all but (off, off, on) -- x<0, y<0 forces x+y<0 --
    # which is the one combination missing from 2^3 = 8
    bits = {tuple(r.pattern.tolist()) for r in rs}
    assert bits == set(__import__("itertools").product([False, True], repeat=3)) - {
        (False, False, True)
    }
    # adjacency: 7 regions, interior edges = segments of the 3 lines inside the box:
    # x = 0 is cut at y = 0 and y = 0.5 (3 pieces), y = 0 at x = 0 and x = 0.5 (3 pieces),
    # x + y = 0.5 at (0, 0.5) and (0.5, 0) (3 pieces): 9 edges
    assert len(rs.edges) == 9
    check_region_set(net, box, rs)
    np.testing.assert_allclose(region_volumes(net, box, rs).sum(), 4.0, rtol=1e-9)


# ============================================================================ (e) degenerate
SQ = Box([-1.0, -1.0], [1.0, 1.0])
X = [1.0, 0.0]
Y = [0.0, 1.0]


def _count_and_check(method, net, domain, expected, **kwargs):
    rs = enum(net, domain, method)
    assert len(rs) == expected
    check_region_set(net, domain, rs, **kwargs)
    if isinstance(domain, Box):
        vol = np.prod(domain.hi - domain.lo)
        np.testing.assert_allclose(region_volumes(net, domain, rs).sum(), vol, rtol=1e-9)
    return rs


@engines
@pytest.mark.parametrize(
    "extra_w, extra_b",
    [(X, -0.3), ([2.0, 0.0], -0.6), ([-1.0, 0.0], 0.3), ([-3.0, 0.0], 0.9)],
    ids=["duplicate", "scaled", "opposite", "scaled-opposite"],
)
def test_repeated_hyperplane(method, extra_w, extra_b):
    # x = 0.3 and y = -0.2 make 4 regions; a second neuron on x = 0.3 adds none
    net = one_layer([X, Y, extra_w], [-0.3, 0.2, extra_b])
    _count_and_check(method, net, SQ, 4)


@engines
def test_many_copies_of_one_hyperplane(method):
    # five neurons on x = 0.3 (both orientations, several scales) and y = -0.2: 4 regions
    W = [X, [2, 0], [-1, 0], [0.5, 0], [-7, 0], Y]
    b = [-0.3, -0.6, 0.3, -0.15, 2.1, 0.2]
    _count_and_check(method, one_layer(W, b), SQ, 4)


@engines
def test_duplicate_neuron_literal(method):
    # lines 0.9 x + 0.7 y = 0.2 (twice), x = 0.1, y = -0.2 in [-1, 1]^2: all three meet the
    # box and their three intersections (0.1, 0.157), (0.378, -0.2), (0.1, -0.2) lie inside:
    # 1 + 3 + 3 = 7 regions (the doubled line must be crossed once, as one hyperplane)
    W = [[-0.9, -0.7], [-0.9, -0.7], X, Y]
    _count_and_check(method, one_layer(W, [0.2, 0.2, -0.1, 0.2]), SQ, 7)


@engines
def test_duplicate_neuron_literal_control(method):
    # the same arrangement with the line once: 7 regions
    _count_and_check(method, one_layer([[-0.9, -0.7], X, Y], [0.2, -0.1, 0.2]), SQ, 7)


@engines
def test_second_layer_copy_in_3d(method):
    # the plane 0.5 x + 0.5 y + z + 1 = 0 cuts [-1, 1]^3 (value -1 at (-1,-1,-1), 1 at the
    # centre): 2 regions. The layer-2 neuron 0.5 relu(z1) is positive exactly where z1 is:
    # same boundary, still 2 (the copy's row must not block the facet)
    net = net_from(([[0.5, 0.5, 1.0]], [1.0]), ([[0.5]], [0.0]), ([[1.0]], [0.0]))
    _count_and_check(method, net, Box.cube(3), 2)


@engines
def test_repeated_hyperplane_general_position_sweep(method):
    # m Gaussian hyperplanes in general position plus one copy (c w_0, c b_0) of the first,
    # c in {1, 2, -1, 3}, in a box holding every vertex: the copy adds nothing, so the count
    # is still Zaslavsky's sum_{i<=d} C(m, i)
    failures = []
    for d in (2, 3):
        for m in (3, 4):
            for seed in range(6):
                W, b = _general_position(d, m, seed)
                box = arrangement_box(W, b)
                for c in (1.0, 2.0, -1.0, 3.0):
                    net = one_layer(np.vstack([W, c * W[:1]]), np.append(b, c * b[0]))
                    got = len(enum(net, box, method))
                    if got != zaslavsky(m, d):
                        failures.append((d, m, seed, c, got, zaslavsky(m, d)))
    assert not failures, f"(d, m, seed, copy scale, got, expected): {failures}"


@engines
@pytest.mark.parametrize("k", [1, 2, 3, 4, 6, 9])
def test_lines_through_box_centre(method, k):
    # k distinct lines through the origin, the box centre: 2k sectors
    W, b = lines_through([0.0, 0.0], k)
    _count_and_check(method, one_layer(W, b), SQ, 2 * k)


@engines
@pytest.mark.parametrize("k", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("norm", [2, 1, "inf"])
def test_lines_through_ball_centre(method, k, norm):
    # k distinct lines through the ball's centre: 2k sectors, whatever the norm
    c = np.array([0.3, -0.2])
    W, b = lines_through(c, k, phase=0.37)
    _count_and_check(method, one_layer(W, b), Ball(c, 0.5, norm=norm), 2 * k)


@engines
def test_planes_through_one_point_in_3d(method):
    # three coordinate planes through the centre plus the plane x + y + z = 0: the octants
    # (+,+,+) and (-,-,-) lie on one side of it, each of the 6 mixed octants is split: 14
    W = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]]
    _count_and_check(method, one_layer(W, np.zeros(4)), Box.cube(3), 14)


@engines
@pytest.mark.parametrize("bias", [0.0, 1.0, -1.0], ids=["zero", "positive", "negative"])
def test_zero_weight_neuron(method, bias):
    # a neuron with all-zero weights is constant (off for bias <= 0, on for bias > 0): no split
    net = one_layer([X, [0.0, 0.0], Y], [-0.3, bias, 0.2])
    rs = _count_and_check(method, net, SQ, 4)
    assert all(r.pattern[1] == (bias > 0) for r in rs)


@engines
def test_zero_weight_neurons_in_deeper_layer(method):
    # second layer: an all-zero row with zero bias (always off) and one with positive bias
    net = net_from(([X, Y], [-0.3, 0.2]), ([[0, 0], [0, 0]], [0.0, 2.0]), ([[1, 1]], [0.0]))
    rs = _count_and_check(method, net, SQ, 4)
    assert {tuple(r.pattern[2:].tolist()) for r in rs} == {(False, True)}


@engines
def test_dead_first_layer_neuron(method):
    # x - 5 < 0 on the whole box: never on, no split
    net = one_layer([X, Y, X], [-0.3, 0.2, -5.0])
    rs = _count_and_check(method, net, SQ, 4)
    assert not any(r.pattern[2] for r in rs)


@engines
def test_dead_neuron_interval_bounds_cannot_prove(method):
    # z = relu(x) + relu(-x) - 1.5 = |x| - 1.5 < 0 on [-1, 1]^2, but interval arithmetic only
    # gives z <= 1 + 1 - 1.5 = 0.5: the neuron is live for the bounds and dead in fact.
    # Layer 1 (x, -x, y) makes 4 regions; the dead neuron adds none.
    net = net_from(([X, [-1, 0], Y], [0, 0, 0]), ([[1, 1, 0]], [-1.5]), ([[1]], [0.0]))
    rs = _count_and_check(method, net, SQ, 4)
    assert not any(r.pattern[3] for r in rs)


@engines
@pytest.mark.parametrize(
    "w, b", [(X, -1.0), ([-1.0, 0.0], 1.0), ([2.0, 0.0], 2.0), ([0.0, -1.0], -1.0)],
    ids=["x=1 off", "x=1 on", "x=-1 on", "y=-1 off"],
)
def test_hyperplane_on_domain_boundary(method, w, b):
    # a hyperplane lying on a side of the box never splits it: 4 regions from x = 0.3, y = -0.2
    net = one_layer([X, Y, w], [-0.3, 0.2, b])
    _count_and_check(method, net, SQ, 4)


@engines
def test_hyperplane_on_polytope_boundary(method):
    # triangle x >= -1, y >= -1, x + y <= 1 (vertices (-1,-1), (2,-1), (-1,2)); x = 0 and y = 0
    # cross it and meet inside: 1 + 2 + 1 = 4 regions; the neuron x + y - 1 vanishes on the
    # hypotenuse (both orientations) and splits nothing
    tri = Polytope([[-1, 0], [0, -1], [1, 1]], [1, 1, 1])
    net = one_layer([X, Y, [1, 1], [-2, -2]], [0, 0, -1, 2])
    _count_and_check(method, net, tri, 4)


@engines
def test_second_layer_cancellation(method):
    # layer 1: h0 = relu(x), h1 = relu(x) (a duplicate), h2 = relu(y): 4 regions.
    # layer 2: z3 = h0 - h1 is identically 0 (always off, never a boundary);
    #          z4 = h0 - h1 + h2 - 0.5 = relu(y) - 0.5 splits the two y > 0 regions at y = 0.5.
    # 4 + 2 = 6.
    net = net_from(
        ([X, X, Y], [0, 0, 0]), ([[1, -1, 0], [1, -1, 1]], [0.0, -0.5]), ([[1, 1]], [0.0])
    )
    rs = _count_and_check(method, net, SQ, 6)
    assert not any(r.pattern[3] for r in rs)


@engines
def test_second_layer_neuron_zero_on_half_the_domain(method):
    # layer 1: h0 = relu(x), h1 = relu(-x), h2 = relu(y) -> 4 quadrants.
    # z3 = h1 = relu(-x): identically 0 for x > 0 (off there), equal to -x > 0 for x < 0:
    #   its boundary is x = 0, already there: no new region.
    # z4 = h1 + h2 - 0.5, per quadrant:
    #   x>0, y>0: y - 0.5           -> split at y = 0.5               2
    #   x>0, y<0: -0.5              -> constant, off                  1
    #   x<0, y>0: -x + y - 0.5      -> line from (-0.5, 0) to (0, 0.5) 2
    #   x<0, y<0: -x - 0.5          -> split at x = -0.5              2
    # total 7
    net = net_from(
        ([X, [-1, 0], Y], [0, 0, 0]), ([[0, 1, 0], [0, 1, 1]], [0.0, -0.5]), ([[1, 1]], [0.0])
    )
    rs = _count_and_check(method, net, SQ, 7)
    for r in rs:
        assert r.pattern[3] == (r.point[0] < 0)


@engines
def test_bent_hyperplane_touching_zero(method):
    # layer 1: relu(x), relu(-x), relu(y); layer 2: z3 = |x| (zero only on x = 0, on elsewhere)
    # and z4 = |x| - 0.5 (zero on x = +-0.5). x splits into 4 intervals, y into 2: 8 regions.
    # z3's zero set carries the facets on x = 0 but its bit is on on both sides, so there an
    # edge carries a neuron it does not flip.
    net = net_from(
        ([X, [-1, 0], Y], [0, 0, 0]), ([[1, 1, 0], [1, 1, 0]], [0.0, -0.5]), ([[1, 1]], [0.0])
    )
    rs = _count_and_check(method, net, SQ, 8, edges_flip_carried=False)
    assert all(r.pattern[3] for r in rs)
    for e in rs.edges:
        assert set(e.flipped) - {3} == set(e.flipped)
        assert set(e.neurons) - {3} <= set(e.flipped)


@engines
def test_deep_degenerate_chain(method):
    # every layer copies relu of the previous one: layer 2 = relu(relu(x - 0.3)) has the same
    # boundary as layer 1 (x = 0.3) on the right and is identically 0 on the left; y = -0.2 in
    # layer 1 too: 4 regions
    net = net_from(
        ([X, Y], [-0.3, 0.2]), ([[1, 0], [0, 1]], [0, 0]), ([[1, 0], [0, 1]], [0, 0]),
        ([[1, 1]], [0.0]),
    )
    _count_and_check(method, net, SQ, 4)


@engines
@pytest.mark.parametrize("alpha", [0.1, 0.5])
def test_leaky_one_layer_same_regions(method, alpha):
    # one hidden layer: LeakyReLU has the same boundaries as ReLU
    W, b = _general_position(2, 5, seed=3)
    base = one_layer(W, b)
    leaky = polyreg.Network(base.weights, base.biases, alpha)
    box = arrangement_box(W, b)
    rs = enum(leaky, box, method)
    assert len(rs) == zaslavsky(5, 2)
    check_region_set(leaky, box, rs, n_samples=500)


# ============================================================================ property test
@st.composite
def small_networks(draw, integer_weights: bool = False):
    d = draw(st.integers(2, 3))
    depth = draw(st.integers(1, 2))
    hidden = draw(st.lists(st.integers(2, 6), min_size=depth, max_size=depth))
    widths = [d, *hidden, 1]
    if not integer_weights:
        return polyreg.random_network(widths, seed=draw(st.integers(0, 2**32 - 1)))
    layers = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:], strict=True):
        W = draw(st.lists(st.integers(-2, 2), min_size=fan_in * fan_out, max_size=fan_in * fan_out))
        b = draw(st.lists(st.integers(-2, 2), min_size=fan_out, max_size=fan_out))
        layers.append((np.reshape(W, (fan_out, fan_in)) / 2.0, np.array(b) / 2.0))
    return polyreg.Network.from_layers(layers)


def _check_invariants(method, net, domain):
    rs = enum(net, domain, method)
    check_region_set(net, domain, rs, n_samples=1000, edges_flip_carried=False)
    assert len(rs) <= min(serra_bound(net.widths), 2**net.n_hidden)
    # activation regions >= distinct affine maps of the output
    maps = {tuple(np.round(np.concatenate([r.out_W.ravel(), r.out_b]), 9)) for r in rs}
    assert len(maps) <= len(rs)
    if isinstance(domain, Box):
        vol = np.prod(domain.hi - domain.lo)
        np.testing.assert_allclose(region_volumes(net, domain, rs).sum(), vol, rtol=1e-7)


@pytest.mark.parametrize("method", ENGINES)
@given(net=small_networks(), kind=st.sampled_from(["box", "l1", "l2", "linf"]))
def test_region_invariants_random(method, net, kind):
    d = net.n_inputs
    domain = {
        "box": Box.cube(d, -1.0, 1.0),
        "l1": Ball(np.full(d, 0.1), 1.5, norm=1),
        "l2": Ball(np.full(d, 0.1), 1.0, norm=2),
        "linf": Ball(np.full(d, 0.1), 1.0, norm="inf"),
    }[kind]
    _check_invariants(method, net, domain)


@pytest.mark.parametrize("method", ENGINES)
@given(net=small_networks(integer_weights=True))
def test_region_invariants_degenerate(method, net):
    # weights and biases in {-1, -0.5, 0, 0.5, 1}: repeated, parallel and concurrent
    # hyperplanes, zero rows, hyperplanes through the centre and along the sides of the box
    _check_invariants(method, net, Box.cube(net.n_inputs, -1.0, 1.0))



@pytest.mark.parametrize("domain_kind", ["ball2", "whole"])
def test_row_space_reduction_is_exact(domain_kind):
    # 12 inputs, first layer of width 4: regions are cylinders; the reduced 4-D problem must give
    # the same patterns, points with the stated pattern, and the same adjacency
    net = polyreg.random_network([12, 4, 5, 1], seed=3)
    rng = np.random.default_rng(0)
    domain = (Ball(rng.normal(size=12) * 0.1, 1.5, norm=2) if domain_kind == "ball2"
              else polyreg.Whole())
    reduced = polyreg.enumerate_regions(net, domain)
    full = polyreg.enumerate_regions(net, domain, reduce=False)
    assert reduced.stats["reduced_dim"] == 4
    assert reduced.patterns == full.patterns
    assert len(reduced.edges) == len(full.edges)
    for region in reduced:
        assert np.array_equal(net.pattern(region.point), region.pattern)
        assert np.allclose(net.forward(region.point), region.out_W @ region.point + region.out_b,
                           atol=1e-9)
    if domain_kind == "ball2":
        # the Chebyshev radii (unique; an engine's own radius is that of a ball it certified
        # around the point its search found, which depends on the search's path)
        assert all(domain.contains(r.point) for r in reduced)
        radii_r = sorted(r.radius for r in polyreg.enumerate_regions(net, domain, chebyshev=True))
        radii_f = sorted(r.radius for r in polyreg.enumerate_regions(net, domain, chebyshev=True,
                                                                     reduce=False))
        assert np.allclose(radii_r, radii_f, rtol=1e-6, atol=1e-8)
