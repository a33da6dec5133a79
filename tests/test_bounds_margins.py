"""Margins (docs/theory.md §1): the closed form against enumeration and against LP distances."""

from __future__ import annotations

import numpy as np
import pytest

import polyreg
from polyreg import Ball, Box
from polyreg.bounds import linear_region_margin, lp_distance_to_boundary, margin
from polyreg.bounds._util import domain_distance
from polyreg.regions import pattern_hex


def net_from(*layers):
    """``net_from((W0, b0), (W1, b1), ...)`` from nested lists (kept local: ``conftest`` may
    name another directory's module when the whole suite is collected)."""
    return polyreg.Network.from_layers(
        [(np.asarray(W, dtype=float), np.asarray(b, dtype=float)) for W, b in layers]
    )


NORMS = [1, 2, "inf"]
ORD = {1: 1, 2: 2, "inf": np.inf}

#: (widths, network seed, point seed)
CASES = [([2, 6, 6, 2], 0, 1), ([3, 8, 8, 3], 1, 2), ([4, 10, 1], 2, 3), ([2, 5, 5, 5, 1], 3, 4)]


def points_for(net: polyreg.Network, seed: int, n: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).normal(scale=0.6, size=(n, net.n_inputs))


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("widths,net_seed,pt_seed", CASES)
def test_margin_ball_inside_and_beyond(widths, net_seed, pt_seed, norm):
    net = polyreg.random_network(widths, seed=net_seed)
    for x in points_for(net, pt_seed):
        eps = margin(net, x, norm).margin
        assert 0 < eps < np.inf
        inside = polyreg.enumerate_regions(net, Ball(x, (1 - 1e-3) * eps, norm=norm))
        assert len(inside) == 1
        assert inside[0].hex == pattern_hex(net.pattern(x))
        beyond = polyreg.enumerate_regions(net, Ball(x, (1 + 1e-2) * eps, norm=norm))
        assert len(beyond) >= 2


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("widths,net_seed,pt_seed", CASES[:3])
def test_closed_form_equals_lp_distance(widths, net_seed, pt_seed, norm):
    net = polyreg.random_network(widths, seed=net_seed)
    for x in points_for(net, pt_seed):
        res = margin(net, x, norm)
        lp = lp_distance_to_boundary(net, x, norm, prune=False)
        assert lp.distance == pytest.approx(res.margin, rel=1e-7, abs=1e-10)
        assert lp.neuron == res.neuron
        pruned = lp_distance_to_boundary(net, x, norm)
        assert pruned.distance == pytest.approx(res.margin, rel=1e-7, abs=1e-10)
        assert pruned.solves <= lp.solves


@pytest.mark.parametrize("norm", NORMS)
def test_nearest_point_and_direction(norm):
    net = polyreg.random_network([3, 8, 8, 2], seed=5)
    x = np.array([0.1, -0.2, 0.3])
    res = margin(net, x, norm)
    assert res.neuron_name == net.neuron_name(res.neuron)
    # the reported point lies on the attaining hyperplane at distance margin
    maps = net.local_maps(net.pattern(x))
    y = res.point
    assert maps.G[res.neuron] @ y + maps.c[res.neuron] == pytest.approx(0, abs=1e-12)
    assert np.linalg.norm(y - x, ord=ORD[norm]) == pytest.approx(res.margin, rel=1e-12)
    # towards that point the directional margin is the margin; along others it is larger
    toward = margin(net, x, norm, direction=y - x)
    assert toward.directional_margin == pytest.approx(res.margin, rel=1e-9)
    assert toward.directional_neuron == res.neuron
    rng = np.random.default_rng(0)
    for u in rng.normal(size=(20, 3)):
        r = margin(net, x, norm, direction=u)
        assert r.directional_margin >= res.margin * (1 - 1e-12)
        if np.isfinite(r.directional_margin):  # the ray really leaves the region there
            u1 = r.direction
            t = r.directional_margin
            assert np.array_equal(net.pattern(x + 0.999 * t * u1), net.pattern(x))
            assert not np.array_equal(net.pattern(x + 1.001 * t * u1), net.pattern(x))


def test_zero_gradient_rules():
    # neuron 1:0 = relu(x0 - 5) is off near 0; 2:0 = relu(1:0) has gradient 0 and value 0;
    # 2:1 = 1:0 - 1 is constant -1: neither counts. 1:1 = x1 gives the margin.
    net = net_from(
        ([[1.0, 0.0], [0.0, 1.0]], [-5.0, 0.0]),
        ([[1.0, 0.0], [1.0, 0.0]], [0.0, -1.0]),
        ([[1.0, 1.0]], [0.0]),
    )
    res = margin(net, np.array([0.0, 0.25]), 2)
    assert res.margin == pytest.approx(0.25)
    assert res.neuron_name == "1:1"
    # on a boundary with a non-zero gradient: margin 0
    assert margin(net, np.array([0.0, 0.0]), 2).margin == 0.0
    # no neuron can change sign in the region: infinite
    dead = net_from(([[0.0, 0.0]], [1.0]), ([[1.0]], [0.0]))
    r = margin(dead, np.zeros(2), "inf")
    assert r.margin == np.inf and r.neuron is None and r.to_dict()["margin"] is None


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize(
    "domain",
    [Box([-1, -0.5], [1, 2]), Ball([0.2, 0.1], 1.0, norm=2), Ball([0.2, 0.1], 1.0, norm=1),
     Ball([0.2, 0.1], 1.0, norm="inf"),
     polyreg.Polytope(np.array([[-1.0, 0], [0, -1], [1, 1]]), np.array([1.0, 1, 1]))],
)
def test_domain_margin_is_largest_inscribed_ball(domain, norm):
    """The L_p ball of radius domain_margin fits in the domain; slightly larger does not."""
    x = np.array([0.3, -0.1])
    t = domain_distance(x, domain, float(ORD[norm]))
    assert t > 0
    angles = np.linspace(0, 2 * np.pi, 2001)
    circle = np.column_stack([np.cos(angles), np.sin(angles)])
    circle /= np.linalg.norm(circle, ord=ORD[norm], axis=1, keepdims=True)
    assert np.all(domain.contains(x + t * (1 - 1e-9) * circle))
    assert not np.all(domain.contains(x + t * (1 + 1e-3) * circle))
    net = polyreg.random_network([2, 4, 1], seed=0)
    res = margin(net, x, norm, domain=domain)
    assert res.domain_margin == pytest.approx(t)
    assert res.cut_margin == min(res.margin, t)


def test_linear_margin_merges_regions_with_one_map():
    # relu(x) + relu(x - 1) - relu(x - 1): the neurons at x = 1 do not change the output
    net = net_from(([[1.0], [1.0], [1.0]], [0.0, -1.0, -1.0]), ([[1.0, 1.0, -1.0]], [0.0]))
    res = linear_region_margin(net, np.array([1.5]), 2)
    assert res.exact
    assert res.activation_margin == pytest.approx(0.5)
    assert res.margin == pytest.approx(1.5)
    assert res.point == pytest.approx([0.0], abs=1e-9)


@pytest.mark.parametrize("norm", NORMS)
def test_linear_margin_against_enumeration(norm):
    """On a narrow net many neurons feed only dead units: linear margins exceed activation
    margins, and balls just inside / outside see one map / two maps."""
    net = polyreg.random_network([2, 8, 2, 1], seed=11, bias_scale=1.0)
    larger = 0
    for x in points_for(net, 7, n=6):
        res = linear_region_margin(net, x, norm)
        assert res.exact
        assert res.margin >= res.activation_margin * (1 - 1e-9)
        larger += res.margin > res.activation_margin * (1 + 1e-6)
        x_map = net.local_maps(net.pattern(x))
        inside = polyreg.enumerate_regions(net, Ball(x, (1 - 1e-3) * res.margin, norm=norm))
        assert all(np.allclose(r.out_W, x_map.out_W) and np.allclose(r.out_b, x_map.out_b)
                   for r in inside)
        beyond = polyreg.enumerate_regions(net, Ball(x, (1 + 1e-2) * res.margin, norm=norm))
        assert any(not (np.allclose(r.out_W, x_map.out_W) and np.allclose(r.out_b, x_map.out_b))
                   for r in beyond)
    assert larger >= 1


def test_margin_validation():
    net = polyreg.random_network([2, 4, 1], seed=0)
    with pytest.raises(ValueError, match="norm must be 1, 2 or 'inf'"):
        margin(net, np.zeros(2), 3)
    with pytest.raises(ValueError, match="x has 3 coordinates but the network takes 2 inputs"):
        margin(net, np.zeros(3))
    with pytest.raises(ValueError, match="x has non-finite entries"):
        margin(net, np.array([np.nan, 0.0]))
    with pytest.raises(ValueError, match="direction is the zero vector"):
        margin(net, np.zeros(2), direction=np.zeros(2))
    with pytest.raises(ValueError, match="x lies outside the domain"):
        margin(net, np.array([5.0, 0.0]), domain=Box([-1, -1], [1, 1]))
    with pytest.raises(polyreg.InvalidDomain, match="dimension 3"):
        margin(net, np.zeros(2), domain=Box.cube(3))
    with pytest.raises(ValueError, match="initial_radius must be a positive number"):
        linear_region_margin(net, np.zeros(2), initial_radius=-1.0)


def test_margin_pattern_decided_exactly_when_float_rounds_the_sign_away():
    """z = x0 + x1 + x2 at (1e16, 1, -1e16) is 1 exactly, 0 in float64 (1e16 + 1 rounds to
    1e16): the pattern is taken from the rational forward pass (on), margin 1 / sqrt(3)."""
    from polyreg import Tolerances

    net = polyreg.Network.from_layers([([[1.0, 1.0, 1.0]], [0.0]), ([[1.0]], [-0.5])])
    x = np.array([1e16, 1.0, -1e16])
    exact = margin(net, x, 2)
    assert exact.pattern == "80" and round(exact.margin, 9) == round(1 / np.sqrt(3), 9)
    float_only = margin(net, x, 2, tol=Tolerances(exact="never"))
    assert float_only.pattern == "00" and float_only.margin == 0.0
