"""Checks specific to the ``milp`` engine and :func:`polyreg.solvers.solve_milp`: refused domains,
options, what is certified (margin ``eps`` and the closure check), and the solver status
vocabulary."""

from __future__ import annotations

import numpy as np
import pytest

import polyreg
from polyreg import Ball, Box, Polytope, Whole
from polyreg.engines import milp, traverse
from polyreg.solvers import MilpResult, Status, solve_milp

from conftest import check_region_set, one_layer


# ============================================================================ domains
def test_refuses_l2_ball():
    net = polyreg.random_network([2, 4, 1], seed=0)
    with pytest.raises(polyreg.InvalidDomain, match="does not support the L2 ball"):
        milp(net, Ball([0.0, 0.0], 1.0, norm=2))
    with pytest.raises(polyreg.InvalidDomain, match="L2 ball"):
        polyreg.enumerate_regions(net, Ball([0.0, 0.0], 1.0), method="milp")


def test_refuses_whole_space():
    net = polyreg.random_network([2, 4, 1], seed=0)
    with pytest.raises(polyreg.InvalidDomain, match="bounded polyhedral domain"):
        milp(net, Whole())


def test_wrong_dimension():
    net = polyreg.random_network([2, 4, 1], seed=0)
    with pytest.raises(polyreg.InvalidDomain, match="dimension 3 but the network takes 2"):
        milp(net, Box.cube(3))


@pytest.mark.parametrize("eps", [0.0, -1e-3, float("nan"), float("inf")])
def test_bad_eps(eps):
    net = polyreg.random_network([2, 4, 1], seed=0)
    with pytest.raises(ValueError, match="eps must be a positive number"):
        milp(net, Box.cube(2), eps=eps)


@pytest.mark.parametrize(
    "domain",
    [
        Box([-1.0, -0.5], [0.5, 1.0]),
        Ball([0.1, 0.2], 1.0, norm="inf"),
        Ball([0.1, 0.2], 1.2, norm=1),
        Polytope([[-1, 0], [0, -1], [1, 1]], [1, 1, 1]),
    ],
    ids=["box", "linf", "l1", "triangle"],
)
def test_polyhedral_domains(domain):
    net = polyreg.random_network([2, 5, 4, 1], seed=1)
    rs = milp(net, domain)
    assert rs.patterns == traverse(net, domain).patterns
    check_region_set(net, domain, rs)


def test_l1_ball_lifted_in_7d():
    net = polyreg.random_network([7, 3, 1], seed=2)
    ball = Ball(np.full(7, 0.05), 1.0, norm=1)
    assert ball.rows() is None  # the model lifts it: x - c = p - q, sum(p + q) <= r - 7 eps
    assert milp(net, ball).patterns == traverse(net, ball).patterns


# ============================================================================ options, stats
def test_stats():
    net = polyreg.random_network([2, 6, 4, 1], seed=3)
    rs = milp(net, Box.cube(2))
    s = rs.stats
    assert s["engine"] == "milp" and rs.method == "milp"
    assert s["milps"] >= len(rs) + 1  # one per region, one infeasible at least
    assert s["rejected"] == 0
    assert s["closure_certified"] is True and s["edges_computed"] is True
    assert s["eps"] == pytest.approx(1e-6)
    assert s["complete_for_radius"] == pytest.approx(1e-6 * np.sqrt(2))
    assert 0 < s["binaries"] <= net.n_hidden
    assert s["bound_lps"] > 0  # the second layer's bounds were tightened
    check_region_set(net, Box.cube(2), rs)


@pytest.mark.parametrize(
    "options", [{"decompose": False}, {"tighten": False}, {"eps": 1e-4}, {"edges": False}],
    ids=["one-model", "interval-bounds", "eps", "no-edges"],
)
def test_options_agree(options):
    net = polyreg.random_network([2, 5, 4, 1], seed=4)
    box = Box.cube(2)
    rs = milp(net, box, **options)
    assert rs.patterns == traverse(net, box).patterns
    if options.get("edges") is False:
        assert rs.edges == () and rs.stats["closure_certified"] is None


def test_leaky_relu():
    base = polyreg.random_network([2, 4, 4, 1], seed=5)
    net = polyreg.Network(base.weights, base.biases, 0.2)
    assert milp(net, Box.cube(2)).patterns == traverse(net, Box.cube(2)).patterns


def test_every_neuron_stable():
    # both neurons keep one sign on the box: a single region, no binaries
    net = one_layer([[1.0, 0.0], [0.0, 1.0]], [5.0, -5.0])
    rs = milp(net, Box.cube(2))
    assert len(rs) == 1 and rs.stats["binaries"] == 0


def test_max_regions():
    net = polyreg.random_network([2, 8, 1], seed=0)
    with pytest.raises(polyreg.ToleranceError, match="max_regions=2"):
        milp(net, Box.cube(2), max_regions=2)


def test_time_limit():
    net = polyreg.random_network([2, 4, 1], seed=0)
    with pytest.raises(polyreg.SolverFailed, match="limit"):
        milp(net, Box.cube(2), time_limit=0.0)


# ============================================================================ certificate
THIN = one_layer([[1.0], [1.0]], [0.0, -1e-3])  # breakpoints 0 and 1e-3: a region 1e-3 wide


def test_thin_region_found_with_default_eps():
    rs = milp(THIN, Box([-1.0], [1.0]))
    assert len(rs) == 3 and rs.stats["closure_certified"] is True


def test_thin_region_missed_by_margin_is_detected():
    # eps = 0.01 exceeds the middle region's L-inf radius 5e-4: the model cannot see it, and
    # the closure check (facets without a reported neighbour) says so
    with pytest.raises(polyreg.ToleranceError, match="missed a region"):
        milp(THIN, Box([-1.0], [1.0]), eps=0.01)
    # without edges there is no closure check: only the margin certificate, stated in stats
    rs = milp(THIN, Box([-1.0], [1.0]), eps=0.01, edges=False)
    assert len(rs) == 2
    assert rs.stats["closure_certified"] is None
    assert rs.stats["complete_for_radius"] == pytest.approx(0.01)


# ============================================================================ solve_milp
def test_solve_milp_optimal():
    # max x + y s.t. 2x + 2y <= 3, x, y binary: one of them
    res = solve_milp(np.array([-1.0, -1.0]), np.array([[2.0, 2.0]]), np.array([-np.inf]),
                     np.array([3.0]), np.zeros(2), np.ones(2), np.array([True, True]))
    assert isinstance(res, MilpResult)
    assert res.status == Status.OPTIMAL and res.objective == -1.0
    assert set(res.x.tolist()) == {0.0, 1.0}


def test_solve_milp_continuous_is_an_lp():
    res = solve_milp(np.array([-1.0, -1.0]), np.array([[2.0, 2.0]]), np.array([-np.inf]),
                     np.array([3.0]), np.zeros(2), np.ones(2), np.array([False, False]))
    assert res.status == Status.OPTIMAL and res.objective == pytest.approx(-1.5)


def test_solve_milp_infeasible():
    # x + y = 1.5 has no binary solution
    res = solve_milp(np.zeros(2), np.array([[1.0, 1.0]]), np.array([1.5]), np.array([1.5]),
                     np.zeros(2), np.ones(2), np.array([True, True]))
    assert res.status == Status.INFEASIBLE and res.x is None and res.objective == np.inf


def test_solve_milp_unbounded():
    with pytest.raises(polyreg.SolverFailed, match="unbounded"):
        solve_milp(np.array([-1.0]), np.zeros((0, 1)), np.zeros(0), np.zeros(0), np.zeros(1),
                   np.full(1, np.inf), np.array([True]))


def test_solve_milp_time_limit():
    rng = np.random.default_rng(0)
    w = rng.integers(1000, 2000, size=60).astype(float)
    with pytest.raises(polyreg.SolverFailed, match=r"\(limit\)"):
        solve_milp(-w - rng.integers(0, 10, size=60), w[None, :], np.array([-np.inf]),
                   np.array([w.sum() / 2 + 0.5]), np.zeros(60), np.ones(60), np.ones(60, bool),
                   time_limit=0.0)
    # the limit does not stick to the next solve
    res = solve_milp(np.array([1.0]), np.zeros((0, 1)), np.zeros(0), np.zeros(0), np.zeros(1),
                     np.ones(1), np.array([True]))
    assert res.status == Status.OPTIMAL


def test_solve_milp_shapes():
    with pytest.raises(ValueError, match="col_hi has shape"):
        solve_milp(np.zeros(2), np.zeros((1, 2)), np.zeros(1), np.ones(1), np.zeros(2),
                   np.ones(3), np.zeros(2, bool))
    with pytest.raises(ValueError, match="row_lo has shape"):
        solve_milp(np.zeros(2), np.zeros((1, 2)), np.zeros(2), np.ones(1), np.zeros(2),
                   np.ones(2), np.zeros(2, bool))
