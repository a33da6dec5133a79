"""Checks specific to the ``split`` engine: options, statistics, domains, and its adjacency
(computed after the subdivision) against an exact facet count per region."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest

import polyreg
from polyreg import Ball, Box, Polytope, Whole
from polyreg.engines import split, traverse
from polyreg.engines._common import Context, region_rows
from polyreg.engines.assembly import facet_edges
from polyreg.engines.facets import find_facets
from polyreg.solvers import SolveCounter

from conftest import check_region_set, one_layer, zaslavsky


def test_stats_and_cells():
    net = polyreg.random_network([3, 6, 5, 1], seed=0)
    rs = split(net, Box.cube(3))
    s = rs.stats
    assert s["engine"] == "split" and rs.method == "split"
    assert s["cells_per_layer"][-1] == len(rs)
    assert s["cells_per_layer"] == sorted(s["cells_per_layer"])  # cells only ever split
    assert s["edges_computed"] is True
    assert s["edge_candidates"] >= len(rs.edges)
    assert s["solves"] == s["lps"] + s["socps"] > 0
    assert s["cheap_decisions"] + s["solved_decisions"] > 0
    check_region_set(net, Box.cube(3), rs)


def test_through_public_entry_point():
    net = polyreg.random_network([2, 5, 1], seed=0)
    rs = polyreg.enumerate_regions(net, Box.cube(2), method="split")
    assert rs.method == "split"
    assert polyreg.count_regions(net, Box.cube(2), method="split") == len(rs)


def test_without_edges():
    net = polyreg.random_network([2, 6, 4, 1], seed=1)
    rs = split(net, Box.cube(2), edges=False)
    assert rs.edges == () and rs.stats["edges_computed"] is False
    assert rs.patterns == split(net, Box.cube(2)).patterns


def test_without_chebyshev():
    net = polyreg.random_network([3, 6, 4, 1], seed=2)
    fast = split(net, Box.cube(3), chebyshev=False)
    full = split(net, Box.cube(3))
    assert fast.patterns == full.patterns
    cheb = {r.hex: r.radius for r in full}
    for r in fast:
        assert 0 < r.radius <= cheb[r.hex] * (1 + 1e-9) + 1e-12
    check_region_set(net, Box.cube(3), fast)


def test_max_regions():
    net = polyreg.random_network([2, 8, 1], seed=0)
    with pytest.raises(polyreg.ToleranceError, match="max_regions=3"):
        split(net, Box.cube(2), max_regions=3)


def test_wrong_dimension():
    net = polyreg.random_network([2, 4, 1], seed=0)
    with pytest.raises(polyreg.InvalidDomain, match="dimension 3 but the network takes 2"):
        split(net, Box.cube(3))


@pytest.mark.parametrize("m", [1, 3, 5])
def test_whole_plane(m):
    rng = np.random.default_rng(m)
    W, b = rng.normal(size=(m, 2)), rng.normal(size=m)
    net = one_layer(W, b)
    rs = split(net, Whole())
    assert len(rs) == 1 + m + comb(m, 2)
    check_region_set(net, Whole(2), rs, n_samples=300)


def test_l2_ball_and_l1_lifted():
    net = polyreg.random_network([2, 6, 5, 1], seed=3)
    for domain in (Ball([0.1, -0.1], 1.0, norm=2), Ball([0.1, -0.1], 1.0, norm=1)):
        rs = split(net, domain)
        assert rs.patterns == traverse(net, domain).patterns
        check_region_set(net, domain, rs)
    # L1 ball in 7-D: lifted in the LPs (no 2^7 rows)
    net7 = polyreg.random_network([7, 4, 1], seed=4)
    ball7 = Ball(np.zeros(7), 1.0, norm=1)
    assert ball7.rows() is None
    assert split(net7, ball7).patterns == traverse(net7, ball7).patterns


def test_one_layer_general_position():
    rng = np.random.default_rng(5)
    W, b = rng.normal(size=(6, 3)), rng.normal(size=6)
    from conftest import arrangement_box

    box = arrangement_box(W, b)
    assert len(split(one_layer(W, b), box)) == zaslavsky(6, 3)


@pytest.mark.parametrize(
    "widths, seed", [([2, 6, 6, 1], 0), ([3, 5, 5, 1], 1), ([2, 4, 4, 4, 1], 2)]
)
def test_edges_match_facet_counts(widths, seed):
    # each region's degree equals its number of facets meeting the domain's interior (the
    # region across a facet is unique): the post-hoc adjacency misses nothing
    net = polyreg.random_network(widths, seed=seed)
    box = Box.cube(widths[0])
    rs = split(net, box)
    ctx = Context.create(net, box, polyreg.Tolerances())
    degree = np.zeros(len(rs), dtype=int)
    for e in rs.edges:
        degree[e.u] += 1
        degree[e.v] += 1
    for i, r in enumerate(rs):
        facets = find_facets(ctx, region_rows(ctx, r.pattern), r.point, SolveCounter())
        assert len(facets) == degree[i]


def test_facet_edges_skips_domain_boundary():
    # a neuron lying on the box's side never makes an edge; x = 0.3 makes one
    net = one_layer([[1.0, 0.0], [-1.0, 0.0]], [-0.3, -1.0])
    ctx = Context.create(net, Box.cube(2), polyreg.Tolerances())
    rows = [region_rows(ctx, np.array(p)) for p in ([False, False], [True, False])]
    edges, tested = facet_edges(ctx, rows, SolveCounter())
    assert [(e.u, e.v, e.neurons, e.flipped) for e in edges] == [(0, 1, (0,), (0,))]
    np.testing.assert_allclose(edges[0].point[0], 0.3)


def test_polytope_with_neuron_on_its_side():
    tri = Polytope([[-1, 0], [0, -1], [1, 1]], [1, 1, 1])
    net = one_layer([[1, 0], [0, 1], [1, 1], [-2, -2]], [0, 0, -1, 2])
    rs = split(net, tri)
    assert len(rs) == 4
    check_region_set(net, tri, rs)
