"""The ``skeleton`` engine (vertex/edge subdivision) and the ``auto`` engine choice.

``skeleton`` must give exactly ``traverse``'s regions (canonical patterns) and adjacency, on
random networks in d = 1..8 and on degenerate ones (hyperplanes through vertices, coincident
hyperplanes, hyperplanes on the domain's boundary, identically zero neurons, non-simple domain
vertices), without falling back to ``traverse``; its skeleton lies in the domain and, in the
plane, satisfies Euler's relation.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import polyreg
from polyreg import Ball, Box, Polytope, Whole
from polyreg.engines import ENGINES
from polyreg.engines.auto import choose
from polyreg.engines.skeleton import MAX_DIM, SkeletonRegionSet, skeleton
from polyreg.engines.traverse_engine import traverse
from polyreg.errors import InvalidDomain, ToleranceError

from conftest import check_region_set, lines_through, net_from, one_layer, region_volumes

SQ = Box([-1.0, -1.0], [1.0, 1.0])
X = [1.0, 0.0]
Y = [0.0, 1.0]
TRIANGLE = Polytope([[-1, 0], [0, -1], [1, 1]], [1, 1, 1])


def _pairs(rs: polyreg.RegionSet) -> set[tuple[str, str]]:
    return {tuple(sorted((rs[e.u].hex, rs[e.v].hex))) for e in rs.edges}


def agree(net: polyreg.Network, domain: polyreg.Domain, *, check: bool = True,
          carried: bool = True) -> SkeletonRegionSet:
    """Run both engines; assert the same patterns and the same adjacency (no fallback)."""
    rs = skeleton(net, domain)
    rt = traverse(net, domain, chebyshev=False)
    assert "fallback" not in rs.stats, rs.stats["fallback"]
    assert rs.stats["engine"] == "skeleton"
    assert rs.patterns == rt.patterns
    assert _pairs(rs) == _pairs(rt)
    if carried:  # the neurons carrying each shared facet (traverse: as seen from one side)
        carry_s = {tuple(sorted((rs[e.u].hex, rs[e.v].hex))): e.neurons for e in rs.edges}
        for e in rt.edges:
            assert set(e.neurons) <= set(carry_s[tuple(sorted((rt[e.u].hex, rt[e.v].hex)))])
    if check:
        check_region_set(net, domain, rs, n_samples=500, edges_flip_carried=False)
    same_without_edges(rs, skeleton(net, domain, edges=False))
    return rs


def same_without_edges(rs: SkeletonRegionSet, bare: SkeletonRegionSet) -> None:
    """``edges=False`` gives the same regions (patterns, points, radii, in order), no edges."""
    assert bare.edges == () and bare.stats["edges_computed"] is False
    assert rs.stats["edges_computed"] is True
    assert [r.pattern.tobytes() for r in bare] == [r.pattern.tobytes() for r in rs]
    np.testing.assert_allclose([r.point for r in bare], [r.point for r in rs], rtol=0, atol=0)
    assert [r.radius for r in bare] == [r.radius for r in rs]


def euler_2d(rs: SkeletonRegionSet) -> None:
    """V - E + F = 1 for the subdivision of a convex polygon (F: cells of the skeleton, which
    are the regions unless degenerate slivers were dropped)."""
    V, E = len(rs.vertices), len(rs.edges_xy)
    assert V - E + rs.stats["cells"] == 1
    if rs.stats["slivers"] == 0:
        assert V - E + len(rs) == 1


# ============================================================================ random networks
def _domain(kind: str, d: int, rng: np.random.Generator) -> polyreg.Domain:
    c = rng.uniform(-0.3, 0.3, size=d)
    if kind == "box":
        return Box(c - rng.uniform(0.5, 1.5, size=d), c + rng.uniform(0.5, 1.5, size=d))
    if kind == "linf":
        return Ball(c, 1.0, norm="inf")
    if kind == "l1":
        return Ball(c, 1.5, norm=1)
    # a random polytope: a rotated cube cut by d random half-spaces
    Q = np.linalg.qr(rng.normal(size=(d, d)))[0]
    A = np.vstack([Q, -Q, rng.normal(size=(d, d))])
    return Polytope(A, np.concatenate([np.ones(2 * d), rng.uniform(0.3, 1.0, d)]))


@st.composite
def random_cases(draw):
    d = draw(st.integers(2, 6))
    depth = draw(st.integers(1, 3 if d <= 3 else 2))
    top = 8 if d <= 3 else (6 if d <= 4 else 4)
    hidden = draw(st.lists(st.integers(2, top), min_size=depth, max_size=depth))
    seed = draw(st.integers(0, 2**32 - 1))
    kinds = ["box", "linf", "polytope"] + (["l1"] if d <= 4 else [])
    kind = draw(st.sampled_from(kinds))
    net = polyreg.random_network([d, *hidden, 1], seed=seed)
    return net, _domain(kind, d, np.random.default_rng(seed))


@given(case=random_cases())
def test_agrees_with_traverse_random(case):
    net, domain = case
    rs = agree(net, domain, check=False)
    assert rs.stats["ties"] == 0 or not isinstance(domain, Box)


@st.composite
def integer_networks(draw):
    # weights and biases in {-1, -0.5, 0, 0.5, 1}: repeated, parallel and concurrent
    # hyperplanes, zero rows, hyperplanes through vertices and along the domain's sides
    d = draw(st.integers(2, 4))
    depth = draw(st.integers(1, 3))
    hidden = draw(st.lists(st.integers(2, 5), min_size=depth, max_size=depth))
    widths = [d, *hidden, 1]
    layers = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:], strict=True):
        W = draw(st.lists(st.integers(-2, 2), min_size=fan_in * fan_out, max_size=fan_in * fan_out))
        b = draw(st.lists(st.integers(-2, 2), min_size=fan_out, max_size=fan_out))
        layers.append((np.reshape(W, (fan_out, fan_in)) / 2.0, np.array(b) / 2.0))
    return polyreg.Network.from_layers(layers), draw(st.sampled_from(["box", "linf", "l1"]))


@given(case=integer_networks())
def test_agrees_with_traverse_degenerate(case):
    net, kind = case
    d = net.n_inputs
    domain = {"box": Box.cube(d), "linf": Ball(np.zeros(d), 1.0, norm="inf"),
              "l1": Ball(np.zeros(d), 1.0, norm=1)}[kind]
    agree(net, domain, carried=False)


@pytest.mark.parametrize("d, widths, seed", [
    (1, [1, 8, 8, 1], 3), (2, [2, 10, 8, 1], 0), (3, [3, 8, 6, 1], 1), (4, [4, 8, 6, 1], 2),
    (5, [5, 6, 5, 2], 3), (6, [6, 6, 5, 1], 4), (3, [3, 4, 4, 4, 1], 5),
])
def test_agrees_with_traverse_fixed(d, widths, seed):
    net = polyreg.random_network(widths, seed=seed)
    for kind in ["box", "linf", "polytope"] + (["l1"] if d <= 6 else []):
        agree(net, _domain(kind, d, np.random.default_rng(seed)))


@pytest.mark.slow
@pytest.mark.parametrize("d, widths", [(7, [7, 8, 6, 1]), (8, [8, 8, 6, 1]), (6, [6, 10, 8, 1]),
                                       (4, [4, 16, 16, 1]), (2, [2, 32, 32, 32, 1])])
def test_agrees_with_traverse_large(d, widths):
    net = polyreg.random_network(widths, seed=d)
    agree(net, Box.cube(d), check=True)


@pytest.mark.parametrize("widths", [[2, 6, 5, 1], [3, 5, 4, 1], [4, 5, 4, 1]])
def test_agrees_with_split(widths):
    net = polyreg.random_network(widths, seed=7)
    box = Box.cube(widths[0])
    assert skeleton(net, box).patterns == ENGINES["split"](net, box).patterns


def test_agrees_with_split_degenerate():
    # lines through one point, a repeated neuron, a relu copy in the next layer
    W, b = lines_through([0.1, 0.0], 4)
    net = net_from((np.vstack([W, W[:1]]), np.append(b, b[0])),
                   (np.eye(5)[:3] + np.eye(5)[1:4], np.zeros(3)), ([[1, -1, 1]], [0.0]))
    assert skeleton(net, SQ).patterns == ENGINES["split"](net, SQ).patterns
    agree(net, SQ, carried=False)


def test_leaky_relu_and_many_outputs():
    base = polyreg.random_network([3, 7, 6, 4], seed=2)
    net = polyreg.Network(base.weights, base.biases, 0.2)
    rs = agree(net, Box.cube(3))
    rt = {r.hex: r for r in traverse(net, Box.cube(3))}
    for r in rs:
        np.testing.assert_allclose(r.out_W, rt[r.hex].out_W, atol=1e-12)
        np.testing.assert_allclose(r.out_b, rt[r.hex].out_b, atol=1e-12)


# ============================================================================ degenerate, by hand
def _count(net, domain, expected, **kwargs):
    rs = agree(net, domain, **kwargs)
    assert len(rs) == expected
    if isinstance(domain, Box):
        vol = np.prod(domain.hi - domain.lo)
        np.testing.assert_allclose(region_volumes(net, domain, rs).sum(), vol, rtol=1e-9)
    return rs


@pytest.mark.parametrize("k", [2, 3, 4, 6, 9])
def test_lines_through_one_point(k):
    # k lines through the box centre: 2k sectors; the symbolic perturbation makes small
    # slivers near the centre, which certification drops
    W, b = lines_through([0.0, 0.0], k)
    rs = _count(one_layer(W, b), SQ, 2 * k)
    euler_2d(rs)
    if k >= 3:
        assert rs.stats["ties"] > 0 and rs.stats["slivers"] > 0


@pytest.mark.parametrize("k", [2, 3, 5])
def test_lines_through_a_polytope_vertex(k):
    # k lines through the triangle's corner (-1, -1): k + 1 wedges
    angles = np.linspace(0.1, np.pi / 2 - 0.1, k)
    W = np.column_stack([np.sin(angles), -np.cos(angles)])
    b = -W @ np.array([-1.0, -1.0])
    _count(one_layer(W, b), TRIANGLE, k + 1)


def test_planes_through_one_point_in_3d():
    W = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]]
    _count(one_layer(W, np.zeros(4)), Box.cube(3), 14)


@pytest.mark.parametrize("scale", [1.0, 2.0, -1.0])
def test_coincident_hyperplanes(scale):
    # a repeated (scaled, or opposite) neuron adds no region
    W = np.array([[1.0, 0.3], [0.2, -1.0], [0.5, 0.5]])
    b = np.array([0.1, 0.2, -0.1])
    net = one_layer(np.vstack([W, scale * W[:1]]), np.append(b, scale * b[0]))
    _count(net, SQ, 7)  # the three lines meet pairwise inside the square: 1 + 3 + 3


@pytest.mark.parametrize(
    "w, b", [(X, -1.0), ([-1.0, 0.0], 1.0), ([2.0, 0.0], 2.0), ([0.0, -1.0], -1.0)],
)
def test_hyperplane_on_domain_boundary(w, b):
    _count(one_layer([X, Y, w], [-0.3, 0.2, b]), SQ, 4)


def test_hyperplane_on_polytope_boundary():
    net = one_layer([X, Y, [1, 1], [-2, -2]], [0, 0, -1, 2])
    _count(net, TRIANGLE, 4)


def test_hyperplane_touching_a_corner():
    # x + y = 2 touches the square only at (1, 1): no split
    _count(one_layer([X, Y, [1, 1]], [-0.3, 0.2, -2.0]), SQ, 4)


@pytest.mark.parametrize("bias", [0.0, 1.0, -1.0])
def test_zero_weight_neuron(bias):
    rs = _count(one_layer([X, [0.0, 0.0], Y], [-0.3, bias, 0.2]), SQ, 4)
    assert all(r.pattern[1] == (bias > 0) for r in rs)


def test_second_layer_cancellation():
    # z3 = relu(x) - relu(x) is identically zero: off everywhere, no boundary
    net = net_from(
        ([X, X, Y], [0, 0, 0]), ([[1, -1, 0], [1, -1, 1]], [0.0, -0.5]), ([[1, 1]], [0.0])
    )
    rs = _count(net, SQ, 6)
    assert not any(r.pattern[3] for r in rs)


def test_second_layer_neuron_zero_on_half_the_domain():
    net = net_from(
        ([X, [-1, 0], Y], [0, 0, 0]), ([[0, 1, 0], [0, 1, 1]], [0.0, -0.5]), ([[1, 1]], [0.0])
    )
    rs = _count(net, SQ, 7)
    for r in rs:
        assert r.pattern[3] == (r.point[0] < 0)


def test_bent_hyperplane_touching_zero():
    net = net_from(
        ([X, [-1, 0], Y], [0, 0, 0]), ([[1, 1, 0], [1, 1, 0]], [0.0, -0.5]), ([[1, 1]], [0.0])
    )
    rs = _count(net, SQ, 8, carried=False)
    assert all(r.pattern[3] for r in rs)


def test_deep_degenerate_chain():
    net = net_from(
        ([X, Y], [-0.3, 0.2]), ([[1, 0], [0, 1]], [0, 0]), ([[1, 0], [0, 1]], [0, 0]),
        ([[1, 1]], [0.0]),
    )
    _count(net, SQ, 4)


def test_non_simple_domain_vertices():
    # the octahedron (L1 ball in 3-D) has 4 facets at each vertex, resolved symbolically
    net = polyreg.random_network([3, 6, 5, 1], seed=4)
    rs = agree(net, Ball(np.zeros(3), 1.0, norm=1))
    assert rs.stats["ties"] > 0


def test_redundant_polytope_rows():
    # repeated and redundant rows (one through a vertex) describe the same square
    A = [[1, 0], [-1, 0], [0, 1], [0, -1], [1, 0], [1, 1], [2, 0]]
    b = [1, 1, 1, 1, 1, 2, 3]
    net = polyreg.random_network([2, 8, 6, 1], seed=1)
    rs = agree(net, Polytope(A, b))
    assert rs.patterns == skeleton(net, SQ).patterns


# ============================================================================ skeleton invariants
@pytest.mark.parametrize("seed", range(4))
def test_euler_relation_in_the_plane(seed):
    net = polyreg.random_network([2, 12, 10, 1], seed=seed)
    for domain in (SQ, TRIANGLE, Ball([0.1, -0.2], 0.9, norm=1)):
        euler_2d(skeleton(net, domain))


@pytest.mark.parametrize("d", [2, 3, 5])
def test_vertices_lie_in_the_domain(d):
    net = polyreg.random_network([d, 8, 6, 1], seed=d)
    rng = np.random.default_rng(d)
    for kind in ("box", "linf", "l1", "polytope"):
        domain = _domain(kind, d, rng)
        rs = skeleton(net, domain)
        assert rs.vertices.shape == (rs.stats["vertices"], d)
        assert np.all(domain.contains(rs.vertices, margin=-1e-9))
        E = rs.edges_xy
        assert E.shape[1] == 2 and np.all(E[:, 0] < E[:, 1]) and E.max() < len(rs.vertices)
        # every vertex has at least d edges (a simple complex), each edge is on >= d-1 zeros
        assert np.all(np.bincount(E.ravel(), minlength=len(rs.vertices)) >= d)


def test_skeleton_vertices_are_on_hyperplanes():
    # in general position each vertex lies on exactly d zero sets (neurons or domain sides)
    net = polyreg.random_network([2, 6, 1], seed=3)
    rs = skeleton(net, SQ)
    z = net.preactivations(rs.vertices)[0]
    on_neuron = (np.abs(z) < 1e-9).sum(axis=1)
    on_side = (np.abs(np.abs(rs.vertices) - 1.0) < 1e-12).sum(axis=1)
    assert np.all(on_neuron + on_side == 2)


def test_result_metadata():
    net = polyreg.random_network([3, 6, 1], seed=0)
    rs = skeleton(net, Box.cube(3))
    assert isinstance(rs, SkeletonRegionSet) and rs.method == "skeleton"
    s = rs.summary()
    assert s["engine"] == "skeleton" and s["regions"] == len(rs)
    for key in ("vertices", "skeleton_edges", "cells", "ties", "slivers", "lps", "seconds"):
        assert key in s
    assert polyreg.count_regions(net, Box.cube(3), method="skeleton") == len(rs)


def test_chebyshev_option_gives_larger_radii():
    net = polyreg.random_network([2, 8, 1], seed=0)
    a = skeleton(net, SQ)
    b = skeleton(net, SQ, chebyshev=True)
    assert a.patterns == b.patterns
    ra = {r.hex: r.radius for r in a}
    assert all(r.radius >= ra[r.hex] - 1e-12 for r in b)
    assert b.stats["lps"] == len(b)


def test_slice_domain_matches_planar():
    from polyreg.slices import Slice

    net = polyreg.random_network([5, 10, 8, 1], seed=0)
    slc = Slice.through([0.1] * 5, [1, 0, 0, 0, 0], [0, 1, 0.5, 0, 0])
    rs = skeleton(net, slc)
    rp = ENGINES["planar"](net, slc)
    assert rs.patterns == rp.patterns and _pairs(rs) == _pairs(rp)
    assert rs.widths == net.widths and rs.domain is slc


@pytest.mark.parametrize("domain, match", [
    (Ball([0.0, 0.0], 1.0), "not an L2 ball"),
    (Whole(2), "not the whole space"),
])
def test_rejects_non_polyhedral_domains(domain, match):
    with pytest.raises(InvalidDomain, match=match):
        skeleton(polyreg.random_network([2, 4, 1]), domain)


def test_rejects_high_dimension():
    d = MAX_DIM + 1
    with pytest.raises(InvalidDomain, match=f"at most {MAX_DIM} inputs"):
        skeleton(polyreg.random_network([d, 4, 1]), Box.cube(d))


def test_max_vertices():
    with pytest.raises(ToleranceError, match="max_vertices=10"):
        skeleton(polyreg.random_network([2, 8, 1], seed=0), SQ, max_vertices=10)


# ============================================================================ auto
@pytest.mark.parametrize("widths, domain, expected", [
    ([3, 8, 1], Box.cube(3), "skeleton"),
    ([2, 8, 1], TRIANGLE, "skeleton"),
    ([4, 8, 1], Ball(np.zeros(4), 1.0, norm="inf"), "skeleton"),
    ([3, 8, 1], Ball(np.zeros(3), 1.0, norm=1), "skeleton"),
    ([4, 8, 1], Ball(np.zeros(4), 1.0, norm=1), "branch"),
    ([8, 8, 1], Box.cube(8), "skeleton"),
    ([9, 8, 1], Box.cube(9), "branch"),
    ([3, 8, 1], Ball(np.zeros(3), 1.0), "traverse"),
    ([4, 8, 1], Ball(np.zeros(4), 1.0), "branch"),     # L2 balls from 4 dimensions
    ([12, 3, 1], Ball(np.zeros(12), 1.0), "traverse"),  # ... of the first layer's row space
    ([12, 6, 1], Ball(np.zeros(12), 1.0), "branch"),
    ([2, 8, 1], Ball(np.zeros(2), 1.0), "planar"),
    ([7, 8, 1], Ball(np.zeros(7), 1.0, norm=1), "traverse"),
    ([3, 8, 1], Whole(3), "homog"),
    ([6, 8, 1], Whole(6), "homog"),
    ([7, 8, 1], Whole(7), "homog"),
    ([8, 8, 1], Whole(8), "homog"),
    ([9, 8, 1], Whole(9), "traverse"),
])
def test_auto_choice(widths, domain, expected):
    if expected not in ENGINES:
        pytest.skip(f"{expected} is not registered")
    net = polyreg.random_network(widths, seed=0)
    assert choose(net, domain) == expected


def test_auto_runs_and_reports_the_engine():
    net = polyreg.random_network([3, 6, 5, 1], seed=1)
    rs = polyreg.enumerate_regions(net, Box.cube(3), method="auto")
    assert rs.stats["engine"] == "skeleton" and rs.summary()["method"] == "auto"
    assert rs.patterns == traverse(net, Box.cube(3)).patterns
    # options meant for another engine are dropped, unknown ones rejected
    ball = Ball(np.zeros(3), 1.0)
    assert polyreg.enumerate_regions(net, ball, method="auto", reduce=False).stats["engine"] == (
        "traverse")
    with pytest.raises(TypeError, match="no engine takes"):
        polyreg.enumerate_regions(net, Box.cube(3), method="auto", bogus=1)


# ============================================================================ invariance
from hypothesis import HealthCheck, assume, settings

from lowdim_transforms import count, move, small_networks, transform, variants

TINY_TRIANGLE_NET = polyreg.Network.from_layers(
    [([[1, 0], [0, 1], [-1, -1]], [0.0, 0.0, 1e-6]), ([[1, 1, 1]], [0.0])]
)


@pytest.mark.parametrize("norm", [np.inf, 1])
def test_tiny_triangle_in_a_large_ball(norm):
    assert len(skeleton(TINY_TRIANGLE_NET, Ball([0.0, 0.0], 1e4, norm=norm))) == 7


def test_tiny_triangle_far_from_the_origin():
    c = np.array([1e5, 1e5])
    W0 = np.array([[1.0, 0], [0, 1], [-1, -1]])
    net = polyreg.Network.from_layers([(W0, np.array([0, 0, 1e-5]) - W0 @ c), ([[1, 1, 1]], [0.0])])
    rs = skeleton(net, Box(c - 1, c + 1))
    assert len(rs) == 7
    check_region_set(net, Box(c - 1, c + 1), rs)


@pytest.mark.parametrize("dom", [Ball([0.0, 0.0], 1e300, norm=np.inf), Box([0.0, 0.0], [1e-13, 1.0]),
                                 Ball([0.0, 0.0], 1e-300, norm=np.inf)])
def test_degenerate_extents_are_refused_never_zero(dom):
    with pytest.raises((InvalidDomain, ToleranceError)):
        skeleton(TINY_TRIANGLE_NET, dom)


def test_rescaled_neurons_are_not_called_stable():
    # bound propagation's slack grew with the weights' scale and called these neurons stable;
    # the skeleton checks every stable claim at its vertices
    sq = Box.cube(2)
    net = polyreg.Network.from_layers([(1e12 * np.eye(2), [0.0, 0.0]), ([[1.0, 1.0]], [0.0])])
    assert len(skeleton(net, sq)) == 4
    net = polyreg.Network.from_layers([([[1e5, 0], [0, 1]], [-99999.99, 0]), ([[1.0, 1.0]], [0.0])])
    assert len(skeleton(net, sq)) == 4


SKELETON_DOMAINS = [Box.cube(2), Box.cube(2, -2.0, 2.0), Ball([0.0, 0.0], 1.0, norm=1),
                    Ball([0.0, 0.0], 1.5, norm=np.inf)]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from(SKELETON_DOMAINS))
def test_property_invariant_degenerate(data, dom):
    net = data.draw(small_networks(degenerate=True))
    base = count(skeleton, net, dom, "skeleton")
    assume(base is not None)
    factors, shift, perms = data.draw(variants(net, exact=True))
    moved = count(skeleton, transform(net, factors, shift, perms), move(dom, shift), "skeleton")
    assert moved == base


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from(SKELETON_DOMAINS))
def test_property_invariant_random(data, dom):
    net = data.draw(small_networks(degenerate=False))
    base = count(skeleton, net, dom, "skeleton")
    assume(base is not None)
    factors, shift, perms = data.draw(variants(net, exact=False))
    moved = count(skeleton, transform(net, factors, shift, perms), move(dom, shift), "skeleton")
    assert moved == base


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from(SKELETON_DOMAINS), st.booleans())
def test_property_invariant_thorough(data, dom, exact):
    net = data.draw(small_networks(degenerate=exact))
    base = count(skeleton, net, dom, "skeleton")
    assume(base is not None)
    factors, shift, perms = data.draw(variants(net, exact=exact))
    assert count(skeleton, transform(net, factors, shift, perms), move(dom, shift), "skeleton") == base
