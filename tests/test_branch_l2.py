"""``branch`` in L2 balls (:mod:`polyreg.engines._branch_l2`): the certificates against the
conic solver, and the counts against ``traverse`` (and ``split``) on random networks, networks
wider than their first layer (the row-space reduction) and degenerate networks: repeated,
scaled, opposite and dead neurons, hyperplanes tangent to the sphere, the centre on a
hyperplane, concurrent hyperplanes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import polyreg
from polyreg import Ball, Tolerances
from polyreg.engines import branch, traverse
from polyreg.engines._branch_l2 import active_set, dual_bound, segment_in_rows, walk_witness
from polyreg.solvers import solve_lp_in_l2_ball

from conftest import net_from
from test_branch import agree, check_points
from test_engines_agreement import edge_keys, integer_networks, networks


# ============================================================================ certificates
@st.composite
def pieces(draw):
    """A random polyhedron ``A x <= b`` (unit rows) holding the point ``x0``, inside or around
    the ball ``B(c, R)`` that also holds ``x0``, and a unit objective ``u``."""
    d = draw(st.integers(2, 8))
    m = draw(st.integers(0, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    A = rng.normal(size=(m, d))
    A /= np.linalg.norm(A, axis=1)[:, None]
    c = rng.normal(size=d)
    R = float(draw(st.floats(0.1, 3.0)))
    x0 = c + 0.5 * R * rng.uniform(-1, 1, d) / np.sqrt(d)
    b = A @ x0 + rng.uniform(0.01, 1.5 * R, m)
    u = rng.normal(size=d)
    u /= np.linalg.norm(u)
    return A, b, c, R, x0, u


def socp_max(A, b, c, R, u) -> float:
    d = c.size
    res = solve_lp_in_l2_ball(-u, A.reshape(-1, d), np.full(b.size, -np.inf), b,
                              np.full(d, -np.inf), np.full(d, np.inf), c, R, Tolerances())
    return -res.objective


@settings(max_examples=60)
@given(piece=pieces(), lam_seed=st.integers(0, 1000))
def test_dual_bound_bounds_the_maximum_for_any_multipliers(piece, lam_seed):
    A, b, c, R, _, u = piece
    lam = np.random.default_rng(lam_seed).exponential(size=b.size) - 0.3  # negatives -> 0
    assert dual_bound(A, b, lam, u, c, R) >= socp_max(A, b, c, R, u) - 1e-8


@settings(max_examples=60)
@given(piece=pieces())
def test_active_set_pair_brackets_the_maximum(piece):
    """The active set's multipliers bound the maximum from above; its point, pulled into the
    rows from x0, is a feasible point (a lower bound); on these pieces both are tight."""
    A, b, c, R, x0, u = piece
    best = socp_max(A, b, c, R, u)
    lam, y = active_set(A, b - A @ c, u, R, 30)
    upper = dual_bound(A, b, lam, u, c, R)
    assert upper >= best - 1e-8
    z = segment_in_rows(A, b, x0, c + y)
    assert np.all(A @ z <= b + 1e-9) and np.linalg.norm(z - c) <= R * (1 + 1e-9)
    assert u @ z <= best + 1e-8
    w = walk_witness(A, b, x0, u, c, R)
    assert np.all(A @ w <= b + 1e-9) and np.linalg.norm(w - c) <= R * (1 + 1e-9)
    assert u @ w >= u @ x0 - 1e-12


def test_active_set_exact_on_a_cap():
    """Two rows cutting the unit disk: the maximum of y is at their corner or on the arc."""
    A = np.array([[1.0, 1.0], [-1.0, 1.0]]) / np.sqrt(2)
    b = np.array([0.5, 0.5])
    u = np.array([0.0, 1.0])
    lam, y = active_set(A, b, u, 1.0)
    assert np.allclose(y, [0.0, 0.5 * np.sqrt(2)])
    assert dual_bound(A, b, lam, u, np.zeros(2), 1.0) == pytest.approx(0.5 * np.sqrt(2))


# ============================================================================ counts
def agree_l2(net, domain, *, edges=False, split=False):
    """branch = traverse (patterns; edges with ``edges``); with ``split``, split's too."""
    ref, rs = agree(net, domain, edges=edges, flip=False)
    if split:
        sp = polyreg.enumerate_regions(net, domain, method="split")
        assert sp.patterns == ref.patterns
    return ref, rs


@settings(max_examples=15)
@given(net=networks(max_d=5), shift=st.floats(-0.5, 0.5), radius=st.floats(0.2, 2.0))
def test_branch_l2_agrees_random(net, shift, radius):
    agree_l2(net, Ball(np.full(net.n_inputs, shift), radius, norm=2))


@pytest.mark.parametrize("widths, seed, radius", [
    ([6, 10, 8, 1], 0, 0.6), ([8, 12, 10, 1], 1, 0.2), ([3, 8, 8, 8, 1], 2, 1.0),
    ([12, 5, 6, 1], 3, 1.0),   # 12 inputs, rank 5: the row-space reduction
    ([9, 4, 7, 2], 4, 2.0),
])
def test_branch_l2_fixed(widths, seed, radius):
    net = polyreg.random_network(widths, seed=seed)
    c = np.random.default_rng(seed).normal(size=widths[0]) * 0.2
    ref, rs = agree_l2(net, Ball(c, radius, norm=2), split=widths[0] <= 3)
    if widths[1] < widths[0]:
        assert rs.stats["reduced_dim"] == widths[1]


def test_branch_l2_reduction_with_edges_and_chebyshev():
    net = polyreg.random_network([7, 4, 5, 1], seed=5)
    ball = Ball(np.linspace(-0.2, 0.3, 7), 1.2, norm=2)
    ref, rs = agree(net, ball, edges=True, flip=False)
    assert rs.stats["reduced_dim"] == 4 and len(rs.edges) == len(ref.edges)
    cheb = branch(net, ball, chebyshev=True, edges=False)
    radius = {r.hex: r.radius for r in ref}  # traverse reports Chebyshev radii
    for r in cheb:
        assert r.radius == pytest.approx(radius[r.hex], rel=1e-6, abs=1e-9)
    flat = branch(net, ball, reduce=False, edges=False)
    assert flat.patterns == ref.patterns and "reduced_dim" not in flat.stats


def test_branch_l2_few_socps():
    """The certificates decide almost every far side: few conic solves per region (the SOCP
    path took 1.5-2 per region)."""
    net = polyreg.random_network([16, 10, 10, 1], seed=1)
    ball = Ball(np.zeros(16), 0.3, norm=2)
    rs = branch(net, ball, edges=False)
    dec = rs.stats["decisions"]
    assert len(rs) > 100
    assert rs.stats["socps"] <= 0.1 * len(rs)
    assert dec["l2_kept"] > 0 and dec["l2_split"] > 0
    check_points(net, ball, rs)


# ============================================================================ degenerate
E = np.eye(3)
R3 = 1.0


def _degenerate(name: str) -> polyreg.Network:
    """3-input networks in the unit ball at the origin."""
    rng = np.random.default_rng(7)
    base = rng.normal(size=(4, 3))
    bb = rng.normal(size=4) * 0.3
    extra = {
        "repeated": (base[:1], bb[:1]),
        "scaled": (3.0 * base[:1], 3.0 * bb[:1]),
        "opposite": (-base[:1], -bb[:1]),
        "dead": (np.zeros((2, 3)), np.array([0.0, -1.0])),
        "tangent": (E[:2], np.array([-R3, R3])),                 # x0 = 1 and x1 = -1
        "through centre": (np.array([[1.0, 2.0, -1.0], [0.0, 1.0, 1.0]]), np.zeros(2)),
        "concurrent": (E, -np.full(3, 0.3)),                      # three planes through a point
    }[name]
    W1 = np.vstack([base, extra[0]])
    b1 = np.concatenate([bb, extra[1]])
    W2 = rng.normal(size=(5, W1.shape[0]))
    b2 = rng.normal(size=5) * 0.3
    if name in ("repeated", "opposite"):  # the second layer sees the duplicate too
        W2[:, -1] = W2[:, 0]
    return net_from((W1, b1), (W2, b2), (np.ones((1, 5)), [0.0]))


@pytest.mark.parametrize("name", ["repeated", "scaled", "opposite", "dead", "tangent",
                                  "through centre", "concurrent"])
def test_branch_l2_degenerate(name):
    net = _degenerate(name)
    agree_l2(net, Ball(np.zeros(3), R3, norm=2), edges=True, split=True)


def test_branch_l2_tangent_one_layer_exact_counts():
    """Planes tangent to the sphere do not cut it: x0 = +-1, x1 = 1 touch the unit ball; x2 = 0
    and x0 + x1 = 0 cut it into 4 pieces."""
    W = np.array([[1.0, 0, 0], [1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0], [1.0, 1.0, 0]])
    b = np.array([-1.0, 1.0, -1.0, 0.0, 0.0])
    net = net_from((W, b), (np.ones((1, 5)), [0.0]))
    ball = Ball(np.zeros(3), 1.0, norm=2)
    _, rs = agree_l2(net, ball, edges=True, split=True)
    assert len(rs) == 4


@settings(max_examples=15)
@given(net=integer_networks(), radius=st.sampled_from([0.5, 1.0, np.sqrt(2.0), 2.0]))
def test_branch_l2_degenerate_random(net, radius):
    """Integer weights: planes through the centre, tangent to the sphere (radius 1, sqrt 2
    with integer offsets), repeated and opposite neurons."""
    ball = Ball(np.zeros(net.n_inputs), radius, norm=2)
    try:
        ref = traverse(net, ball)
    except polyreg.ToleranceError:
        assume(False)
    rs = branch(net, ball)
    assert rs.patterns == ref.patterns
    assert edge_keys(rs) == edge_keys(ref)
