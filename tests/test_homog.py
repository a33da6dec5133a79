"""``homog``: the whole space from the 2^d simplex facets of the homogenised network, against
``traverse`` on the whole space (patterns and adjacency), on random and degenerate networks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import polyreg
from polyreg import Box, Whole
from polyreg.engines import homog, traverse
from polyreg.engines.homog import facet_network, facets, simplex

from conftest import check_region_set, one_layer
from test_branch import check_points
from test_engines_agreement import edge_keys, integer_networks


@st.composite
def small_networks(draw):
    d = draw(st.integers(1, 3))
    depth = draw(st.integers(1, 2))
    hidden = draw(st.lists(st.integers(1, 4), min_size=depth, max_size=depth))
    return polyreg.random_network([d, *hidden, 1], seed=draw(st.integers(0, 2**32 - 1)))


@given(net=small_networks())
def test_agrees_with_traverse_random(net):
    d = net.n_inputs
    ref = traverse(net, Whole(d))
    rs = homog(net)
    assert rs.patterns == ref.patterns
    assert edge_keys(rs) == edge_keys(ref)
    check_points(net, Whole(d), rs)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cross_polytope_facets_agree(seed):
    net = polyreg.random_network([2, 5, 4, 1], seed=seed)
    ref = traverse(net, Whole(net.n_inputs), chebyshev=False)
    assert homog(net, faces="cross", edges=False).patterns == ref.patterns


@given(net=small_networks(), scale=st.sampled_from([0.125, 1.0, 64.0]))
def test_cube_faces_any_half_width(net, scale):
    # any L > 0 is exact: a small cube puts everything on the sides, a large one on the top
    import sys

    mod = sys.modules["polyreg.engines.homog"]
    ref = traverse(net, Whole(net.n_inputs), chebyshev=False)
    half = mod.cube_half_width(net) * scale
    orig = mod.cube_half_width
    try:
        mod.cube_half_width = lambda n: half
        rs = homog(net, edges=False, prove_sides=False)
    finally:
        mod.cube_half_width = orig
    assert rs.patterns == ref.patterns and rs.stats["cube_half_width"] == half
    check_points(net, Whole(net.n_inputs), rs)


@given(net=integer_networks(max_d=2, max_width=4))
def test_agrees_with_traverse_degenerate(net):
    try:
        ref = traverse(net, Whole(net.n_inputs))
    except polyreg.ToleranceError:
        assume(False)
    rs = homog(net)
    assert rs.patterns == ref.patterns
    check_region_set(net, Whole(net.n_inputs), rs, n_samples=300, edges_flip_carried=False)


@given(seed=st.integers(0, 2**31), d=st.integers(1, 4), scale=st.floats(0.01, 0.99))
def test_facet_network_is_the_homogenised_one(seed, d, scale):
    rng = np.random.default_rng(seed)
    net = polyreg.random_network([d, 5, 4, 2], seed=seed)
    for s in facets(d):
        # a point of the facet's simplex: s_i x_i >= 0, s . x <= 1
        w = rng.dirichlet(np.ones(d + 1))[:d] * scale
        x = s * w
        assert np.all(simplex(s).contains(x))
        t = 1.0 - s @ x
        h = facet_network(net, s)
        np.testing.assert_allclose(h.forward(x), t * net.forward(x / t), rtol=1e-9, atol=1e-12)
        offsets = net.layer_offsets
        keep = np.concatenate([np.arange(offsets[i], offsets[i + 1]) + i
                               for i in range(len(offsets) - 1)])
        assert np.array_equal(h.pattern(x)[keep], net.pattern(x / t))
        assert h.pattern(x)[np.setdiff1d(np.arange(h.n_hidden), keep)].all()


@given(seed=st.integers(0, 2**31), d=st.integers(1, 4))
def test_side_network_is_the_homogenised_one(seed, d):
    from polyreg.engines.homog import cube_faces

    rng = np.random.default_rng(seed)
    net = polyreg.random_network([d, 5, 4, 2], seed=seed)
    half = 4.0
    faces = cube_faces(net, half)
    assert len(faces) == 1 + 2 * d and faces[0][0] is net and faces[0][2] is None
    for fnet, box, keep, to_point in faces[1:]:
        w = rng.uniform(box.lo, box.hi)
        w[-1] = max(w[-1], 1e-3)  # tau > 0
        y = to_point(w[None, :])[0]
        t = w[-1] / half
        np.testing.assert_allclose(fnet.forward(w), t * net.forward(y), rtol=1e-9, atol=1e-12)
        assert np.array_equal(fnet.pattern(w)[keep], net.pattern(y))
        assert fnet.pattern(w)[np.setdiff1d(np.arange(fnet.n_hidden), keep)].all()
        assert np.isclose(np.abs(y).max() * t, half)  # on the side |x|_inf = L


@pytest.mark.parametrize("d, seed", [(6, 4), (5, 3)])
def test_sides_degenerate_at_infinity(d, seed):
    # at t = 0 a second-layer neuron whose inputs are all off is identically zero: the sides
    # are degenerate along tau = 0; the vertex scan shifts that side inwards and proves every
    # side empty of new regions: the regions are those of a box holding every vertex (checked
    # here against branch on that box)
    net = polyreg.random_network([d, 8, 8, 1], seed=seed)
    rs = homog(net, edges=False)
    assert rs.stats["facet_method"] == "auto" and rs.stats["facets_retried"] == 0
    assert rs.stats["sides_skipped"] == 2 * d
    ref = polyreg.enumerate_regions(net, Box.cube(d, -1e4, 1e4), method="branch", edges=False)
    assert rs.patterns == ref.patterns
    check_points(net, Whole(d), rs)


@given(net=small_networks())
def test_proven_sides_agree_with_every_side(net):
    # the sides the vertex scan proves empty of new regions are skipped: the same regions
    every = homog(net, edges=False, prove_sides=False)
    rs = homog(net, edges=False)
    assert rs.patterns == every.patterns
    check_points(net, Whole(net.n_inputs), rs)


@given(net=integer_networks(max_d=3, max_width=4))
def test_proven_sides_degenerate(net):
    try:
        ref = traverse(net, Whole(net.n_inputs), chebyshev=False)
    except polyreg.ToleranceError:
        assume(False)
    assert homog(net, edges=False).patterns == ref.patterns


def _two_lines(k):
    # y = 0 and y = 2^-k x + 1: they cross at x = -2^k, and the region between them beyond
    # that point exists only there
    return polyreg.Network.from_layers([(np.array([[0.0, 1.0], [-2.0**-k, 1.0]]),
                                         np.array([0.0, -1.0])), (np.ones((1, 2)), [0.0])])


@pytest.mark.parametrize("k, moved", [(4, False), (20, True), (30, False), (39, False)])
def test_far_vertex(k, moved):
    # k = 20: the scan finds the vertex and moves the cube beyond it (no side enumerated);
    # k = 30, 39: beyond FAR_MAX, the side holding it is enumerated
    import sys

    mod = sys.modules["polyreg.engines.homog"]
    rs = homog(_two_lines(k), edges=False)
    assert len(rs) == 4
    if moved:
        assert rs.stats["top_half_width"] > 2.0**k and rs.stats["sides_skipped"] == 4
    if k >= 30:
        assert rs.stats["sides_skipped"] < 4
    assert rs.stats["far_rounds"] <= mod.FAR_ROUNDS


@pytest.mark.parametrize("k", [41, 55, 80])
def test_vertex_beyond_float64_goes_to_branch(k):
    # the lines cross at x = -2^k: on every side the wedge beyond the crossing is a sliver
    # below tol.zero (k = 41 on the first cube) or below an ulp of the face (k >= 55), and
    # the scan saw nothing (homog counted 3). The scan now reports a tie at tau = 0 of
    # first-layer hyperplanes that cannot meet there exactly, and branch decides in R^d
    import sys

    mod = sys.modules["polyreg.engines.homog"]
    rs = homog(_two_lines(k), edges=False)
    assert rs.patterns == {"00", "40", "80", "c0"}
    assert "homog_fallback" in rs.stats and rs.stats["engine"] == "branch"
    with pytest.raises(mod.FarVertex):
        homog(_two_lines(k), edges=False, fallback=False)
    # the same pair under a third line and a second layer: the answer of split (traverse
    # refuses this one: a facet crossing it cannot decide in float64, ToleranceError)
    from polyreg.engines import split

    deep = polyreg.Network.from_layers([
        (np.array([[0.0, 1.0], [-2.0**-k, 1.0], [1.0, 0.5]]), np.array([0.0, -1.0, 0.3])),
        (np.array([[1.0, -1.0, 0.5], [0.5, 1.0, -1.0]]), np.array([0.1, -0.2])),
        (np.ones((1, 2)), [0.0])])
    rs = homog(deep, edges=False)
    assert "homog_fallback" in rs.stats
    assert rs.patterns == split(deep, Whole(2)).patterns and len(rs) == 14


def test_neuron_vertices_tell_parallel_from_nearly_parallel():
    # on the side x = -L (coordinates y, tau; tau = 0 the directions), y = 0 and y = 1 meet
    # only at tau = 0, exactly: nothing to report; y = 0 and y = 2^-55 x + 1 meet at tau ~
    # 2^-31, a tie on tau = 0 in float64 that rationals show cannot be one point
    import sys

    from polyreg.engines._skeleton.far import neuron_vertices

    mod = sys.modules["polyreg.engines.homog"]
    parallel = polyreg.Network.from_layers([([[0.0, 1.0], [0.0, 1.0]], [0.0, -1.0]),
                                            ([[1.0, 1.0]], [0.0])])
    for net, found in ((parallel, 0), (_two_lines(55), 1)):
        fnet, fdom, _, _ = mod.cube_faces(net, 4096.0)[1]
        got = neuron_vertices(fnet, fdom, 1)
        assert got.shape[0] == found
        assert np.all(got[:, 1] == 0.0)
    assert homog(parallel, edges=False).patterns == traverse(parallel, Whole(2)).patterns


def test_neuron_vertices_ignore_a_neuron_zero_along_the_side():
    from polyreg.engines._skeleton.far import neuron_vertices

    # relu(y) is identically zero along y = 0 (the side shifted inwards), and y itself lies on
    # it: no vertex of two hyperplanes off the side; x = 0 and y = 0.5 meet at (0, 0.5)
    net = polyreg.Network.from_layers([([[0.0, 1.0], [1.0, 0.0]], [0.0, 0.0]),
                                       ([[1.0, 0.0]], [0.0]), ([[1.0]], [0.0])])
    assert neuron_vertices(net, Box([-1.0, 0.0], [1.0, 1.0]), 1).shape == (0, 2)
    net = polyreg.Network.from_layers([([[0.0, 1.0], [1.0, 0.0]], [-0.5, 0.0]),
                                       ([[1.0, 1.0]], [0.0])])
    assert neuron_vertices(net, Box([-1.0, 0.0], [1.0, 1.0]), 1).tolist() == [[0.0, 0.5]]


@pytest.mark.parametrize("error", ["tolerance", "inconsistent"])
def test_a_failed_scan_enumerates_every_side(monkeypatch, error):
    import sys

    from polyreg.engines._skeleton.complex import Inconsistent

    mod = sys.modules["polyreg.engines.homog"]
    exc = polyreg.ToleranceError("too many") if error == "tolerance" else Inconsistent("float")

    def fail(net, tol):
        raise exc

    monkeypatch.setattr(mod, "far_sides", fail)
    net = polyreg.random_network([3, 5, 4, 1], seed=1)
    rs = homog(net, edges=False)
    assert rs.stats["sides_skipped"] == 0 and rs.stats["facets"] == 7
    assert rs.patterns == traverse(net, Whole(3), chebyshev=False).patterns


def test_rank_deficient_first_layer_enumerates_every_side():
    import sys

    mod = sys.modules["polyreg.engines.homog"]
    net = polyreg.Network.from_layers([([[1.0, 2.0], [2.0, 4.0], [-1.0, -2.0]], [0.0, 1.0, 3.0]),
                                       ([[1.0, 1.0, 1.0]], [0.0])])
    assert not mod.pointed(net)
    rs = homog(net, edges=False)
    assert rs.stats["far_rounds"] == 0 and rs.stats["sides_skipped"] == 0
    assert rs.patterns == traverse(net, Whole(2), chebyshev=False).patterns


def test_one_layer_counts_and_stats():
    rng = np.random.default_rng(1)
    net = one_layer(rng.normal(size=(5, 3)), rng.normal(size=5))
    rs = homog(net, edges=False)
    assert len(rs) == 1 + 5 + 10 + 10  # Zaslavsky, 5 planes in general position in R^3
    assert rs.stats["facets"] == 7 - rs.stats["sides_skipped"]
    assert rs.stats["facet_regions"] >= len(rs)
    assert homog(net, edges=False, prove_sides=False).stats["facets"] == 7
    assert homog(net, faces="cross", edges=False).stats["facets"] == 8
    assert rs.stats["edges_computed"] is False and rs.edges == ()
    assert polyreg.enumerate_regions(net, Whole(3)).stats["engine"] == "homog"
    assert homog(net, facet_method="branch", edges=False).patterns == rs.patterns


def test_fallback_to_traverse(monkeypatch):
    import sys

    mod = sys.modules["polyreg.engines.homog"]
    net = polyreg.random_network([2, 5, 1], seed=3)

    def thin(*args, **kwargs):
        raise polyreg.ToleranceError("too thin")

    monkeypatch.setattr(mod, "branch", thin)
    monkeypatch.setitem(polyreg.engines.ENGINES, "thin", thin)
    rs = homog(net, facet_method="thin")
    assert rs.stats["homog_fallback"] == "too thin" and rs.method == "traverse"
    assert rs.patterns == traverse(net, Whole(2)).patterns
    with pytest.raises(polyreg.ToleranceError, match="too thin"):
        homog(net, facet_method="thin", fallback=False)


def test_rejects_other_domains():
    net = polyreg.random_network([2, 3, 1], seed=0)
    with pytest.raises(polyreg.InvalidDomain, match="whole space"):
        homog(net, Box.cube(2))
    with pytest.raises(polyreg.InvalidDomain, match="at most"):
        homog(polyreg.random_network([11, 2, 1], seed=0))
    with pytest.raises(ValueError, match="faces"):
        homog(net, faces="sphere")


def test_batched_maps_match_local_maps():
    # the merged regions' maps are computed for many patterns at once (LeakyReLU too)
    import numpy as np

    from polyreg.engines.homog import _batched_maps

    rng = np.random.default_rng(3)
    for slope in (0.0, 0.1):
        net = polyreg.random_network([3, 5, 4, 2], seed=1)
        net = polyreg.Network.from_layers(list(zip(net.weights, net.biases, strict=True)),
                                          negative_slope=slope)
        P = rng.random((7, net.n_hidden)) < 0.5
        G, c, W, b = _batched_maps(net, P)
        for i in range(7):
            m = net.local_maps(P[i])
            assert np.allclose(G[i], m.G) and np.allclose(c[i], m.c)
            assert np.allclose(W[i], m.out_W) and np.allclose(b[i], m.out_b)
