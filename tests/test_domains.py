"""polyreg.domains: validation (InvalidDomain with a message naming the problem), membership,
bounding boxes, sampling, and the dimension check at the public entry point."""

from __future__ import annotations

import numpy as np
import pytest

import polyreg
from polyreg import Ball, Box, InvalidDomain, Polytope, Whole
from polyreg.domains import sample

from conftest import net_from


# ---------------------------------------------------------------------------- Ball
@pytest.mark.parametrize("radius", [0.0, -1.0, np.inf, np.nan])
def test_ball_radius_must_be_positive(radius):
    with pytest.raises(InvalidDomain, match=r"radius must be a positive finite number"):
        Ball([0.0, 0.0], radius)


def test_ball_radius_not_a_number():
    with pytest.raises(InvalidDomain, match=r"radius must be a number, got 'big'"):
        Ball([0.0, 0.0], "big")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_ball_centre_must_be_finite(bad):
    with pytest.raises(InvalidDomain, match=r"center has non-finite entries"):
        Ball([0.0, bad], 1.0)


def test_ball_centre_must_be_a_vector():
    with pytest.raises(InvalidDomain, match=r"center must be a vector, got shape \(2, 2\)"):
        Ball(np.zeros((2, 2)), 1.0)


@pytest.mark.parametrize("norm", [3, 0, "two", 1.5])
def test_ball_norm_must_be_1_2_or_inf(norm):
    with pytest.raises(InvalidDomain, match=r"norm must be 1, 2 or inf, got"):
        Ball([0.0, 0.0], 1.0, norm=norm)


@pytest.mark.parametrize(
    "norm, expected", [(1, 1), (2, 2), ("1", 1), ("2", 2), ("inf", np.inf), (np.inf, np.inf)]
)
def test_ball_norm_spellings(norm, expected):
    ball = Ball([0.0, 0.0], 1.0, norm=norm)
    assert ball.norm == expected
    assert ball.describe()["norm"] == ("inf" if expected == np.inf else expected)


@pytest.mark.parametrize("norm, q", [(1, np.inf), (2, 2), (np.inf, 1)])
def test_ball_dual_norm(norm, q):
    assert Ball([0.0], 1.0, norm=norm).dual_norm == q


def test_ball_membership():
    c = np.array([1.0, -1.0])
    x = c + np.array([[0.6, 0.6], [0.3, 0.3], [0.9, 0.0], [1.1, 0.0]])
    assert Ball(c, 1.0, norm=1).contains(x).tolist() == [False, True, True, False]
    assert Ball(c, 1.0, norm=2).contains(x).tolist() == [True, True, True, False]
    assert Ball(c, 1.0, norm="inf").contains(x).tolist() == [True, True, True, False]


# ---------------------------------------------------------------------------- Box
@pytest.mark.parametrize(
    "lo, hi, match",
    [
        ([0.0, 1.0], [1.0, 1.0], r"box is empty: lo\[1\] = 1\.0 is not below hi\[1\] = 1\.0"),
        ([2.0, 0.0], [1.0, 1.0], r"box is empty: lo\[0\] = 2\.0 is not below hi\[0\] = 1\.0"),
        ([0.0, 0.0], [1.0, 1.0, 1.0], r"lo has 2 coordinates but hi has 3"),
        ([0.0, np.nan], [1.0, 1.0], r"lo has non-finite entries"),
        ([0.0, 0.0], [1.0, np.inf], r"hi has non-finite entries"),
        ([0.0, "a"], [1.0, 1.0], r"lo is not numeric"),
    ],
)
def test_box_validation(lo, hi, match):
    with pytest.raises(InvalidDomain, match=match):
        Box(lo, hi)


def test_box_basics():
    box = Box([-1, 0], [1, 2])
    assert box.dim == 2
    assert box.interior_point().tolist() == [0.0, 1.0]
    assert box.contains(np.array([[0, 0], [1, 2], [1.01, 1]])).tolist() == [True, True, False]
    assert box.contains(np.array([0.95, 1.0]), margin=0.1).item() is False
    A, b = box.rows()
    assert np.all(A @ np.array([0.0, 1.0]) < b)
    assert box.describe() == {"type": "box", "lo": [-1.0, 0.0], "hi": [1.0, 2.0]}
    cube = Box.cube(3, -2, 5)
    assert cube.lo.tolist() == [-2.0] * 3 and cube.hi.tolist() == [5.0] * 3


# ---------------------------------------------------------------------------- Polytope
def test_polytope_empty():
    # x <= -1 and -x <= -1 (x >= 1)
    A = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    with pytest.raises(InvalidDomain, match=r"polytope is empty or not full-dimensional"):
        Polytope(A, [-1.0, -1.0, 1.0, 1.0])


def test_polytope_not_full_dimensional():
    # x <= 0 and -x <= 0 pin the first coordinate: a segment in the plane
    A = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    with pytest.raises(
        InvalidDomain, match=r"polytope is empty or not full-dimensional .*inscribed ball"
    ):
        Polytope(A, [0.0, 0.0, 1.0, 1.0])


def test_polytope_unbounded():
    with pytest.raises(InvalidDomain, match=r"polytope is unbounded \(in coordinate 0\)"):
        Polytope(np.eye(2), [1.0, 1.0])


def test_polytope_unbounded_in_second_coordinate():
    A = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(InvalidDomain, match=r"polytope is unbounded \(in coordinate 1\)"):
        Polytope(A, [1.0, 1.0, 1.0])


def test_polytope_zero_row_with_negative_rhs():
    A = np.array([[0.0, 0.0], [1.0, 0.0]])
    with pytest.raises(InvalidDomain, match=r"zero row of A has a negative b"):
        Polytope(A, [-1.0, 1.0])


@pytest.mark.parametrize(
    "A, b, match",
    [
        (np.eye(2), [1.0, 1.0, 1.0], r"A has 2 rows but b has 3 entries"),
        (np.ones(2), [1.0, 1.0], r"A must be a matrix"),
        (np.array([[np.nan, 1.0], [1.0, 0.0]]), [1.0, 1.0], r"A has non-finite entries"),
        (np.eye(2), [np.inf, 1.0], r"b has non-finite entries"),
    ],
)
def test_polytope_malformed(A, b, match):
    with pytest.raises(InvalidDomain, match=match):
        Polytope(A, b)


def test_polytope_triangle():
    tri = Polytope(np.array([[-2.0, 0], [0, -1], [1, 1]]), np.array([0.0, 0, 1]))
    assert tri.dim == 2
    lo, hi = tri.bounding_box()
    np.testing.assert_allclose(lo, [0, 0], atol=1e-9)
    np.testing.assert_allclose(hi, [1, 1], atol=1e-9)
    assert tri.contains(tri.interior_point(), margin=1e-3)
    # rows are stored unit-normalised
    np.testing.assert_allclose(np.linalg.norm(tri.A, axis=1), 1.0)
    assert tri.contains(np.array([[0.2, 0.2], [0.6, 0.6]])).tolist() == [True, False]


def test_polytope_drops_harmless_zero_rows():
    A = np.array([[0.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    p = Polytope(A, [1.0, 1.0, 1.0, 1.0, 1.0])
    assert p.A.shape == (4, 2)


# ---------------------------------------------------------------------------- Whole
def test_whole_takes_dimension_from_network():
    net = net_from((np.eye(3), np.zeros(3)), (np.ones((1, 3)), [0.0]))
    assert Whole().for_inputs(3).dim == 3
    assert Whole(3).for_inputs(3).dim == 3
    assert Whole(3).bounded is False
    assert np.all(Whole(2).contains(np.ones((5, 2)) * 1e9))
    rs = polyreg.enumerate_regions(net, Whole())
    assert rs.domain.dim == 3
    assert len(rs) == 8


# ---------------------------------------------------------------------------- dimension check
@pytest.mark.parametrize(
    "domain, name, dim",
    [
        (Ball([0.0, 0.0, 0.0], 1.0), "Ball", 3),
        (Box([0.0], [1.0]), "Box", 1),
        (Polytope(np.vstack([np.eye(3), -np.eye(3)]), np.ones(6)), "Polytope", 3),
        (Whole(4), "Whole", 4),
    ],
)
def test_domain_dimension_must_match_network(domain, name, dim):
    net = polyreg.random_network([2, 3, 1], seed=0)
    with pytest.raises(
        InvalidDomain, match=rf"{name} has dimension {dim} but the network takes 2 inputs"
    ):
        polyreg.enumerate_regions(net, domain)


def test_enumerate_rejects_non_domains_and_non_networks():
    net = polyreg.random_network([2, 3, 1], seed=0)
    with pytest.raises(InvalidDomain, match=r"domain must be a polyreg domain, got tuple"):
        polyreg.enumerate_regions(net, (0, 1))
    with pytest.raises(polyreg.InvalidNetwork, match=r"net must be a polyreg.Network, got dict"):
        polyreg.enumerate_regions({}, Box([0, 0], [1, 1]))
    with pytest.raises(ValueError, match=r"unknown method 'nope'; choose one of .*traverse"):
        polyreg.enumerate_regions(net, Box([0, 0], [1, 1]), method="nope")


# ---------------------------------------------------------------------------- sampling
TRIANGLE = Polytope(np.array([[-1.0, 0, 0], [0, -1, 0], [0, 0, -1], [1, 1, 1]]), np.array([0, 0, 0, 1.0]))


@pytest.mark.parametrize(
    "domain",
    [
        Box([-1, 0, 2], [1, 0.5, 3]),
        Ball([1.0, 2.0, 3.0], 0.5, norm=1),
        Ball([1.0, 2.0, 3.0], 0.5, norm=2),
        Ball([1.0, 2.0, 3.0], 0.5, norm="inf"),
        TRIANGLE,
    ],
    ids=["box", "l1", "l2", "linf", "simplex"],
)
def test_samples_lie_in_domain_and_fill_it(domain):
    pts = sample(domain, 4000, np.random.default_rng(0))
    assert pts.shape == (4000, 3)
    assert np.all(domain.contains(pts))
    # they are spread out: they reach close to every face of the bounding box
    lo, hi = domain.bounding_box()
    span = hi - lo
    assert np.all(pts.min(axis=0) < lo + 0.35 * span)
    assert np.all(pts.max(axis=0) > hi - 0.35 * span)
    # the domain's interior point is inside it
    assert domain.contains(domain.interior_point())


def test_sample_whole_space():
    pts = sample(Whole(2), 1000, np.random.default_rng(0))
    assert pts.shape == (1000, 2)
    assert 2.0 < pts.std() < 4.0


def test_sample_is_reproducible():
    a = sample(Ball([0.0, 0.0], 1.0), 10, np.random.default_rng(3))
    b = sample(Ball([0.0, 0.0], 1.0), 10, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
