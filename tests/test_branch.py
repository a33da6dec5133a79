"""The ``branch`` engine against ``traverse`` (and ``split`` / ``milp`` through the shared
degenerate families): same canonical patterns, same adjacency when asked for edges, valid
regions; its options, statistics and parallel driver."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import polyreg
from polyreg import Ball, Box, Polytope, Whole
from polyreg.engines import branch, traverse

from conftest import check_region_set, one_layer
from test_engines_agreement import (
    DEGENERATE,
    edge_keys,
    integer_networks,
    make_domain,
    networks,
)


def agree(net, domain, *, edges=False, check=True, flip=True, **opts):
    """``branch`` finds traverse's patterns (and edges with ``edges``)."""
    ref = traverse(net, domain)
    rs = branch(net, domain, edges=edges, **opts)
    assert rs.method == "branch"
    missing, extra = ref.patterns - rs.patterns, rs.patterns - ref.patterns
    assert not missing and not extra, (
        f"branch: {len(missing)} pattern(s) missing, {len(extra)} extra (traverse {len(ref)})"
    )
    if edges:
        assert edge_keys(rs) == edge_keys(ref)
    if check and edges:
        check_region_set(net, domain, rs, n_samples=500, edges_flip_carried=flip)
    elif check:
        check_points(net, domain, rs)
    return ref, rs


def check_points(net, domain, rs):
    """Without edges: every point is inside the domain, has its region's pattern, and the
    stored output map is the network's there."""
    from conftest import canonical_pattern
    from polyreg.regions import pattern_hex

    assert len({r.hex for r in rs}) == len(rs)
    pts = np.array([r.point for r in rs])
    assert np.all(domain.contains(pts))
    for r in rs:
        assert r.radius >= polyreg.Tolerances().radius
        assert pattern_hex(canonical_pattern(net, net.pattern(r.point))) == r.hex
        np.testing.assert_allclose(r.out_W @ r.point + r.out_b, net.forward(r.point),
                                   rtol=1e-9, atol=1e-9)


# ============================================================================ random
@given(net=networks(), kind=st.sampled_from(["box", "l1", "l2", "linf"]),
       shift=st.floats(-0.5, 0.5))
def test_branch_agrees_random(net, kind, shift):
    agree(net, make_domain(kind, net.n_inputs, shift))


@given(net=integer_networks())
def test_branch_agrees_degenerate_random(net):
    agree(net, Box.cube(net.n_inputs, -1.0, 1.0), edges=True, flip=False)


@given(net=integer_networks(), kind=st.sampled_from(["l1", "l2", "linf"]))
def test_branch_agrees_degenerate_random_balls(net, kind):
    domain = {"l1": Ball(np.zeros(net.n_inputs), 1.0, norm=1),
              "l2": Ball(np.zeros(net.n_inputs), 1.0, norm=2),
              "linf": Ball(np.zeros(net.n_inputs), 1.0, norm="inf")}[kind]
    try:
        traverse(net, domain)
    except polyreg.ToleranceError:
        assume(False)
    agree(net, domain, edges=True, flip=False)


@pytest.mark.parametrize("name", list(DEGENERATE))
def test_branch_degenerate_by_hand(name):
    net, domain, expected = DEGENERATE[name]
    bent = name == "bent hyperplane touching zero"
    _, rs = agree(net, domain, edges=True, flip=not bent)
    assert len(rs) == expected


@pytest.mark.parametrize(
    "widths, seed, kind",
    [([2, 8, 8, 1], 0, "box"), ([3, 6, 5, 1], 1, "linf"), ([2, 5, 4, 3, 1], 2, "l1"),
     ([4, 6, 1], 3, "box"), ([1, 6, 6, 6, 1], 4, "box")],
)
def test_branch_fixed_with_edges(widths, seed, kind):
    net = polyreg.random_network(widths, seed=seed)
    agree(net, make_domain(kind, widths[0], 0.1), edges=True)


@pytest.mark.slow
@pytest.mark.parametrize("widths, seed, kind", [([6, 8, 8, 1], 5, "box"),
                                                ([10, 8, 8, 1], 6, "linf")])
def test_branch_fixed_with_edges_larger(widths, seed, kind):
    net = polyreg.random_network(widths, seed=seed)
    agree(net, make_domain(kind, widths[0], 0.1), edges=True)


@pytest.mark.slow
@pytest.mark.parametrize("widths, seed, kind", [([6, 8, 8, 1], 5, "box"),
                                                ([10, 8, 8, 1], 6, "linf")])
def test_branch_fixed_larger_patterns(widths, seed, kind):
    net = polyreg.random_network(widths, seed=seed)
    agree(net, make_domain(kind, widths[0], 0.1))


def test_branch_agrees_with_milp_and_split():
    net = polyreg.random_network([3, 5, 4, 1], seed=7)
    box = Box.cube(3)
    patterns = branch(net, box).patterns
    assert patterns == polyreg.enumerate_regions(net, box, method="milp").patterns
    assert patterns == polyreg.enumerate_regions(net, box, method="split").patterns


def test_polytope_and_whole_space():
    rng = np.random.default_rng(0)
    Q = np.linalg.qr(rng.normal(size=(3, 3)))[0]
    A = np.vstack([Q, -Q, rng.normal(size=(3, 3))])
    poly = Polytope(A, np.concatenate([np.ones(6), rng.uniform(0.3, 1.0, 3)]))
    agree(polyreg.random_network([3, 6, 4, 1], seed=0), poly, edges=True)
    net = one_layer(rng.normal(size=(4, 2)), rng.normal(size=4))
    assert len(branch(net, Whole())) == 1 + 4 + 6
    agree(polyreg.random_network([2, 5, 4, 1], seed=1), Whole(2))


def test_leaky():
    net, box, expected = DEGENERATE["leaky, one layer"]
    deep = polyreg.Network(polyreg.random_network([3, 6, 5, 1], seed=2).weights,
                           polyreg.random_network([3, 6, 5, 1], seed=2).biases, 0.2)
    assert len(branch(net, box)) == expected
    agree(deep, Box.cube(3))


# ============================================================================ options
def test_stats_chebyshev_and_max_regions():
    net = polyreg.random_network([4, 8, 6, 1], seed=3)
    box = Box.cube(4)
    rs = branch(net, box)
    s = rs.stats
    assert s["engine"] == "branch" and s["edges_computed"] is True
    rs = branch(net, box, edges=False)
    s = rs.stats
    assert s["edges_computed"] is False and rs.edges == ()
    dec = s["decisions"]
    splits = dec["ball"] + dec["witness"] + dec["lp_split"]
    assert s["lps"] >= dec["lp_kept"] + dec["lp_split"]
    assert splits + dec["chebyshev"] >= len(rs) - 1
    cheb = branch(net, box, chebyshev=True)
    assert cheb.patterns == rs.patterns
    radius = {r.hex: r.radius for r in cheb}
    for r in rs:
        assert r.radius <= radius[r.hex] * (1 + 1e-9) + 1e-12
    with pytest.raises(polyreg.ToleranceError, match="max_regions=3"):
        branch(net, box, max_regions=3)


def test_public_entry_point_and_auto_options():
    net = polyreg.random_network([3, 6, 1], seed=0)
    rs = polyreg.enumerate_regions(net, Box.cube(3), method="branch")
    assert rs.method == "branch" and len(rs) == len(traverse(net, Box.cube(3)))


def test_high_dimension_against_traverse():
    net = polyreg.random_network([16, 12, 12, 1], seed=3)
    agree(net, Box.cube(16, -0.05, 0.05))
    agree(net, Ball(np.full(16, 0.02), 0.05, norm="inf"))


def test_piece_crosses_processes_without_its_maps():
    # a pickled piece leaves its layer maps behind; the receiving search recomputes them from
    # the bits, the same floats as the search that made it
    import pickle

    import numpy as np

    from polyreg.engines._common import Context
    from polyreg.engines.branch_engine import BranchSearch

    net = polyreg.random_network([4, 8, 6, 5, 1], seed=3)
    ctx = Context.create(net, Box.cube(4, -0.5, 0.5), polyreg.Tolerances())
    search = BranchSearch(ctx)
    stack = [search.root()]
    deep = []
    while stack and len(deep) < 30:
        p = stack.pop()
        if search.step(p, stack) is None and stack[-1].layer > 0:
            deep.append(stack[-2])
    assert deep and max(p.layer for p in deep) >= 1
    other = BranchSearch(ctx)
    for p in deep:
        q = pickle.loads(pickle.dumps(p))
        assert q.G is None and q.N is None
        other._restore(q)
        for name in ("G", "c", "N", "E", "axis"):
            assert np.array_equal(getattr(q, name), getattr(p, name)), name


@pytest.mark.parametrize("exact", ["auto", "never"])
def test_no_room_verdict_on_a_row_highs_drops_an_entry_of(exact):
    # y = 0 and y = 2^-40 x + 2^-6 cross at x = -2^34 inside the box [-2^36, 2^36]^2: the
    # wedge between them beyond the crossing (2^-5 wide at the box's side) needs the 2^-40
    # entry, which HiGHS drops (below 1e-12): the warm LP said "no room" and branch found 3 of
    # the 4 regions. Now the Chebyshev solve decides, in rationals (or ToleranceError)
    net = polyreg.Network.from_layers([(np.array([[0.0, 1.0], [-2.0**-40, 1.0]]),
                                        np.array([0.0, -2.0**-6])), (np.ones((1, 2)), [0.0])])
    box = Box.cube(2, -2.0**36, 2.0**36)
    tol = polyreg.Tolerances(exact=exact)
    if exact == "never":
        with pytest.raises(polyreg.ToleranceError, match="HiGHS drops"):
            branch(net, box, tol=tol, edges=False)
        return
    rs = branch(net, box, tol=tol, edges=False)
    assert rs.patterns == {"00", "40", "80", "c0"}
    assert rs.stats["exact_decisions"] >= 1
