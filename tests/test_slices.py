"""Slices and paths as domains: construction, validation messages, coordinates, composition."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import polyreg
from polyreg import Ball, Box, Domain, InvalidDomain, Polytope
from polyreg.slices import (
    Path,
    Slice,
    bound_polygon,
    convex_polygon,
    polygon_area,
    slice_network,
)


# ============================================================================ Slice
def test_slice_through_three_points():
    s = Slice.through([1, 0, 0], [2, 0, 0], [1, 3, 1])
    assert isinstance(s, Domain) and s.dim == 2 and s.ambient == 3
    assert s.origin.tolist() == [1, 0, 0] and s.u.tolist() == [1, 0, 0] and s.v.tolist() == [0, 3, 1]
    assert isinstance(s.bound, Box) and s.bound.lo.tolist() == [0, 0] and s.bound.hi.tolist() == [1, 1]
    np.testing.assert_allclose(s.to_input([[0, 0], [1, 0], [0, 1], [1, 1]]),
                               [[1, 0, 0], [2, 0, 0], [1, 3, 1], [2, 3, 1]])
    assert s.for_inputs(3) is s
    assert s.interior_point().tolist() == [0.5, 0.5]
    assert s.contains(np.array([[0.5, 0.5], [1.5, 0.5]])).tolist() == [True, False]
    json.dumps(s.describe())
    assert s.describe()["type"] == "slice" and s.describe()["bound"]["type"] == "box"


@pytest.mark.parametrize(
    "bound, kind",
    [
        (Box([-1, -1], [1, 2]), "box"),
        (Ball([0, 0], 1.0, norm=2), "ball"),
        (Ball([0, 0], 1.0, norm=1), "ball"),
        (Polytope([[-1, 0], [0, -1], [1, 1]], [1, 1, 1]), "polytope"),
        ([[0, 0], [1, 0], [1, 1], [0, 1]], "polytope"),
        ([[0, 0], [0, 1], [1, 1], [1, 0]], "polytope"),  # clockwise is accepted
    ],
)
def test_slice_bounds(bound, kind):
    s = Slice([0, 0, 0], [1, 0, 0], [0, 1, 0], bound)
    assert s.describe()["bound"]["type"] == kind
    poly = s.polygon()
    if kind == "ball" and s.bound.norm == 2:
        assert poly is None
    else:
        assert polygon_area(poly) > 0  # counter-clockwise


@pytest.mark.parametrize(
    "args, message",
    [
        (([0, 0], [1, 1], [2, 2], Box([0, 0], [1, 1])), "u and v are linearly dependent"),
        (([0, 0], [0, 0], [0, 1], Box([0, 0], [1, 1])), "u and v are linearly dependent"),
        (([0, 0, 0], [1, 0], [0, 1], Box([0, 0], [1, 1])), "origin, u and v must have the same length"),
        (([0, np.nan], [1, 0], [0, 1], Box([0, 0], [1, 1])), "origin has non-finite entries"),
        (([0, 0], [1, 0], [0, 1], Box.cube(3)), "must be 2-D, got dimension 3"),
        (([0, 0], [1, 0], [0, 1], [[0, 0], [1, 0]]), "at least 3 vertices"),
        (([0, 0], [1, 0], [0, 1], [[0, 0], [1, 0], [2, 0]]), "zero area"),
        (([0, 0], [1, 0], [0, 1], [[0, 0], [2, 0], [1, 0.2], [2, 2], [0, 2]]), "not convex"),
        (([0, 0], [1, 0], [0, 1], [[0, 0], [0, 0], [1, 1]]), "vertices 0 and 1 coincide"),
        (([0, 0], [1, 0], [0, 1], polyreg.Whole(2)), "bound must be a 2-D Box, Ball, Polytope"),
        (([0, 0], [1, 0], [0, 1], "square"), "bound is not numeric"),
    ],
)
def test_slice_validation(args, message):
    with pytest.raises(InvalidDomain, match=message):
        Slice(*args)


def test_slice_wrong_network_dimension():
    s = Slice.through([0, 0, 0], [1, 0, 0], [0, 1, 0])
    with pytest.raises(InvalidDomain, match="the slice lies in R\\^3"):
        s.for_inputs(4)
    with pytest.raises(InvalidDomain, match="x0, x1 and x2 must have the same length"):
        Slice.through([0, 0, 0], [1, 0], [0, 1, 0])
    with pytest.raises(ValueError, match="slice coordinates must have 2 entries"):
        s.to_input([1, 2, 3])


@given(seed=st.integers(0, 10_000))
def test_composed_network_is_the_network_on_the_plane(seed):
    rng = np.random.default_rng(seed)
    net = polyreg.random_network([4, 6, 5, 2], seed=seed)
    s = Slice.through(*rng.normal(size=(3, 4)), bound=Box([-1, -1], [1, 1]))
    net2, dom2 = slice_network(net, s)
    assert net2.widths == (2, 6, 5, 2) and dom2 is s.bound
    st_ = rng.uniform(-2, 2, size=(20, 2))
    np.testing.assert_allclose(net2.forward(st_), net.forward(s.to_input(st_)), atol=1e-12)
    assert np.array_equal(net2.pattern(st_), net.pattern(s.to_input(st_)))


def test_leaky_slope_survives_composition():
    base = polyreg.random_network([3, 4, 1], seed=0)
    net = polyreg.Network(base.weights, base.biases, negative_slope=0.2)
    assert Slice.through([0, 0, 0], [1, 0, 0], [0, 1, 0]).network(net).negative_slope == 0.2


def test_polygon_helpers():
    assert convex_polygon([[0, 0], [0, 1], [1, 0]]).tolist() == [[1, 0], [0, 1], [0, 0]]
    np.testing.assert_allclose(bound_polygon(Ball([1, 1], 1.0, norm="inf")),
                               [[0, 0], [2, 0], [2, 2], [0, 2]])
    tri = bound_polygon(Polytope([[-1, 0], [0, -1], [1, 1]], [1, 1, 1]))
    assert tri.shape == (3, 2) and polygon_area(tri) == pytest.approx(4.5)
    with pytest.raises(InvalidDomain, match="expected a 2-D domain"):
        bound_polygon(Box.cube(3))


# ============================================================================ Path
def test_path_constructors_and_parameters():
    seg = Path.segment([0, 0], [2, 0])
    assert (seg.kind, seg.closed, seg.t_range, seg.dim, seg.ambient) == ("segment", False, (0.0, 1.0), 1, 2)
    np.testing.assert_allclose(seg.at([0, 0.5, 1]), [[0, 0], [1, 0], [2, 0]])
    poly = Path.polyline([[0, 0], [1, 0], [1, 1]])
    assert poly.t_range == (0.0, 2.0) and poly.n_segments == 2
    np.testing.assert_allclose(poly.at([0.5, 1.5, 2.0]), [[0.5, 0], [1, 0.5], [1, 1]])
    closed = Path.polyline([[0, 0], [1, 0], [1, 1], [0, 0]], closed=True)  # repeated end dropped
    assert closed.points.shape == (3, 2) and closed.t_range == (0.0, 3.0)
    np.testing.assert_allclose(closed.at([2.5]), [[0.5, 0.5]])
    e = Path.ellipse([1, 1], [2, 0], [0, 1])
    assert e.closed and e.t_range == (0.0, 2 * np.pi) and e.n_segments == 0
    np.testing.assert_allclose(e.at([0, np.pi / 2]), [[3, 1], [1, 2]])
    assert e.for_inputs(2) is e
    assert e.interior_point().tolist() == [np.pi]
    assert e.contains(np.array([[1.0], [7.0]])).tolist() == [True, False]
    for p in (seg, poly, closed, e):
        json.dumps(p.describe())


@given(pts=st.lists(st.floats(-5, 5), min_size=9, max_size=9))
def test_ellipse_through_three_points(pts):
    P = np.reshape(pts, (3, 3))
    if np.linalg.norm(P - P.mean(axis=0)) < 1e-6:
        return
    e = Path.ellipse_through(*P)
    np.testing.assert_allclose(e.at(2 * np.pi * np.arange(3) / 3), P, atol=1e-9)
    np.testing.assert_allclose(e.points[0], P.mean(axis=0), atol=1e-12)  # centred at the centroid


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Path.segment([0, 0], [0, 0]), "points 0 and 1 coincide"),
        (lambda: Path.segment([0, 0], [1, 0, 0]), "a has 2 coordinates but b has 3"),
        (lambda: Path.polyline([[0, 0]]), "at least 2 points"),
        (lambda: Path.polyline([[0, 0], [1, 1]], closed=True), "at least 3 distinct points"),
        (lambda: Path.polyline([[0, 0], [1, 1], [1, 1]]), "points 1 and 2 coincide"),
        (lambda: Path.polyline([0, 1, 2]), "list of points"),
        (lambda: Path.ellipse([0, 0], [0, 0], [0, 0]), "a and b are both zero"),
        (lambda: Path.ellipse([0, 0], [1, 0], [0, 1, 0]), "c, a and b must have the same length"),
        (lambda: Path.ellipse_through([0, 0], [1, 0], [0, 1, 0]), "p0, p1 and p2 must have the same length"),
        (lambda: Path("spiral", [[0, 0], [1, 1]]), "path kind must be one of"),
        (lambda: Path("segment", [[0, 0], [1, 1]], closed=True), "a segment cannot be closed"),
        (lambda: Path.polyline([[0, 0], [np.inf, 1]]), "non-finite"),
    ],
)
def test_path_validation(make, message):
    with pytest.raises(InvalidDomain, match=message):
        make()


def test_path_wrong_network_dimension():
    net = polyreg.random_network([3, 4, 1])
    with pytest.raises(InvalidDomain, match="the path lies in R\\^2 but the network takes 3 inputs"):
        polyreg.enumerate_regions(net, Path.segment([0, 0], [1, 1]), method="line")
