"""Exact robustness radius against adversarial points (upper bounds) and sampling (lower side)."""

from __future__ import annotations

import numpy as np
import pytest

import polyreg
from polyreg import Ball
from polyreg.bounds import adversarial_search, predicted_class, robustness_radius
from polyreg.domains import sample


def net_from(*layers):
    """``net_from((W0, b0), (W1, b1), ...)`` from nested lists (kept local: ``conftest`` may
    name another directory's module when the whole suite is collected)."""
    return polyreg.Network.from_layers(
        [(np.asarray(W, dtype=float), np.asarray(b, dtype=float)) for W, b in layers]
    )


NORMS = [1, 2, "inf"]
ORD = {1: 1, 2: 2, "inf": np.inf}
CASES = [([2, 8, 8, 3], 2), ([3, 10, 10, 3], 2), ([4, 10, 1], 5), ([2, 6, 6, 6, 4], 7)]


def gap_at(net: polyreg.Network, y: np.ndarray, label: int) -> float:
    """max_j (f_j - f_label)(y) by a forward pass (>= 0 means "not class label", closed)."""
    f = net.forward(y)
    if net.n_outputs == 1:
        return float(f[0] if label == 0 else -f[0])
    return float(np.max(np.delete(f, label) - f[label]))


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("widths,seed", CASES)
def test_radius_against_adversarial_points(widths, seed, norm):
    net = polyreg.random_network(widths, seed=seed)
    rng = np.random.default_rng(seed)
    for x in rng.normal(scale=0.5, size=(2, widths[0])):
        res = robustness_radius(net, x, norm)
        assert res.exact and 0 < res.radius < np.inf
        assert res.label == predicted_class(net, x)
        # upper bounds: every adversarial point found is at least as far
        assert res.radius <= res.upper_bound * (1 + 1e-7)
        for s in (1, 2):
            adv = adversarial_search(net, x, norm, samples=400, seed=s)
            assert res.radius <= adv.distance * (1 + 1e-7)
            if adv.point is not None:
                assert predicted_class(net, adv.point) != res.label
        # the nearest point: at distance radius, on the decision boundary, other classes nearby
        y = res.point
        assert np.linalg.norm(y - x, ord=ORD[norm]) == pytest.approx(res.radius, rel=1e-9)
        scale = 1 + np.abs(net.forward(y)).max()
        assert abs(gap_at(net, y, res.label)) <= 1e-7 * scale
        near = y + 1e-7 * rng.normal(size=(400, widths[0]))
        assert np.any(predicted_class(net, near) != res.label)
        # nothing of another class strictly inside (sampled)
        inside = sample(Ball(x, res.radius * (1 - 1e-6), norm=norm), 3000, rng)
        assert np.all(predicted_class(net, inside) == res.label)


def test_one_dimensional_exact():
    # f = relu(x) - relu(x - 1) - 0.5 changes sign at x = 0.5 only: class 1 on (0.5, inf)
    net = net_from(([[1.0], [1.0]], [0.0, -1.0]), ([[1.0, -1.0]], [-0.5]))
    for x0, expected in ((-1.0, 1.5), (0.2, 0.3), (3.0, 2.5)):
        res = robustness_radius(net, np.array([x0]), 2)
        assert res.radius == pytest.approx(expected, abs=1e-9)
        assert res.point == pytest.approx([0.5], abs=1e-9)
        assert res.other == 1 - res.label


def test_no_change_within_max_radius():
    # the class never changes: f = relu(x) + 1 > 0 everywhere
    net = net_from(([[1.0]], [0.0]), ([[1.0]], [1.0]))
    res = robustness_radius(net, np.array([0.3]), 2, max_radius=8.0)
    assert not res.exact and res.radius == np.inf and res.point is None
    assert res.to_dict()["radius"] is None
    assert res.lower_bound == 8.0 and res.to_dict()["lower_bound"] == 8.0


def test_max_radius_is_a_cap_below_the_adversarial_bound():
    # f = relu(x) - 1 changes sign at x = 1: the adversarial search finds 0.75 from x = 0.25,
    # but a cap of 0.2 must not enumerate beyond 0.2, and answers "radius > 0.2"
    net = net_from(([[1.0]], [0.0]), ([[1.0]], [-1.0]))
    res = robustness_radius(net, np.array([0.25]), 2, max_radius=0.2)
    assert not res.exact and res.ball_radius == pytest.approx(0.2)
    assert res.lower_bound == pytest.approx(0.2)
    assert res.upper_bound == pytest.approx(0.75, abs=1e-9)
    exact = robustness_radius(net, np.array([0.25]), 2, max_radius=1.0)
    assert exact.exact and exact.radius == pytest.approx(0.75, abs=1e-9)
    assert exact.lower_bound == exact.radius


def test_max_radius_cap_bounds_the_work():
    # a 2-D network with many regions: a small cap enumerates only a small ball
    net = polyreg.random_network([2, 32, 32, 2], seed=3)
    x = np.array([0.1, -0.2])
    full = robustness_radius(net, x, 2)
    capped = robustness_radius(net, x, 2, max_radius=full.radius / 4)
    assert not capped.exact and capped.lower_bound == pytest.approx(full.radius / 4)
    assert capped.regions <= full.regions
    assert capped.lower_bound <= full.radius


def test_max_radius_must_be_positive():
    net = net_from(([[1.0]], [0.0]), ([[1.0]], [-1.0]))
    with pytest.raises(ValueError, match="max_radius"):
        robustness_radius(net, np.array([0.25]), 2, max_radius=0.0)


def test_without_search_grows_balls():
    net = polyreg.random_network([2, 8, 8, 3], seed=2)
    x = np.array([0.2, -0.1])
    a = robustness_radius(net, x, "inf", search=False)
    b = robustness_radius(net, x, "inf")
    assert a.radius == pytest.approx(b.radius, rel=1e-9)
    assert a.upper_bound == np.inf


def test_tie_at_the_centre_gives_zero():
    net = net_from(([[1.0]], [0.0]), ([[1.0], [1.0]], [0.0, 0.0]))  # f_0 == f_1 everywhere
    res = robustness_radius(net, np.array([0.5]), 2)
    assert res.radius == 0.0


def test_validation():
    net = polyreg.random_network([2, 4, 3])
    with pytest.raises(ValueError, match="norm must be 1, 2 or 'inf'"):
        robustness_radius(net, np.zeros(2), "two")
    with pytest.raises(ValueError, match="x has 1 coordinates"):
        robustness_radius(net, np.zeros(1))


def test_robustness_through_a_thin_strip_is_decided_exactly():
    """Two parallel hyperplanes 2e-10 apart make a strip of inradius 1e-10 in every ball the
    search enumerates: float64 alone stops (exact="never"), the default decides it exactly."""
    W = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    net = polyreg.Network.from_layers([
        (W, np.array([0.0, -2e-10, 0.0])),
        (np.array([[0.0, 0.0, 1.0], [0.0, 0.0, -1.0]]), np.array([0.0, 0.5])),
    ])
    x = np.array([0.3, 0.6])  # the class changes at y = 0.25
    with pytest.raises(polyreg.ToleranceError, match="between the tolerances"):
        robustness_radius(net, x, "inf", tol=polyreg.Tolerances(exact="never"), progress=False)
    res = robustness_radius(net, x, "inf", progress=False)
    assert res.exact and res.radius == pytest.approx(0.35, abs=1e-9)


def test_label_decided_exactly_when_float_rounds_the_output():
    """f = relu(x0 + x1 + x2) - 0.5 at (1e16, 1, -1e16) is 0.5 exactly (class 1), -0.5 in
    float64: the class is taken from the rational forward pass."""
    from polyreg import Tolerances
    from polyreg.bounds.robustness import _exact_label

    net = polyreg.Network.from_layers([([[1.0, 1.0, 1.0]], [0.0]), ([[1.0]], [-0.5])])
    x = np.array([1e16, 1.0, -1e16])
    assert _exact_label(net, x, Tolerances()) == 1
    assert _exact_label(net, x, Tolerances(exact="never")) == 0


# ---------------------------------------------------------------------------- exact decisions
def _sliver_net(w: float, shift: float = 0.0, scale: float = 1.0) -> polyreg.Network:
    """In ``u = (x_1 - shift) / scale``: ``f = relu(u + 10) - 11 + w - 2 relu(u - 1)
    + 2 relu(-u - 3)``. Class 1 (``f > 0``) on ``[1 - w, 1 + w]`` (a sliver of width ``2 w``
    next to the kink ``u = 1``; empty when ``w < 0``: its closure's feasibility margin is
    ``w``) and on ``u <= -7 + w``; the point ``u = 0`` has class 0."""
    W1 = np.array([[1.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]]) / scale
    b1 = np.array([10.0, -1.0, -3.0, 0.0]) - W1 @ np.full(2, shift)
    return polyreg.Network.from_layers([(W1, b1), (np.array([[1.0, -2.0, 2.0, 0.0]]),
                                                   np.array([-11.0 + w]))])


@pytest.mark.parametrize("norm", [1, 2, "inf"])
@pytest.mark.parametrize("shift, scale", [(0.0, 1.0), (1e3, 1.0), (-2.5e4, 0.5), (7.0, 2.0)])
@pytest.mark.parametrize("w", [-5e-11, -2e-10])
def test_radius_forced_window(norm, shift, scale, w):
    """The class-1 sliver at ``u = 1`` is empty by ``|w|`` (between the tolerances): float64
    calls it feasible (radius ``scale``); exact="never" refuses, the default decides the LP in
    rationals: the radius is ``(7 - w) scale``, as with exact="always"."""
    from polyreg import Tolerances, ToleranceError

    net = _sliver_net(w / scale, shift, scale)
    x = np.full(2, shift)
    with pytest.raises(ToleranceError):
        robustness_radius(net, x, norm, tol=Tolerances(exact="never"))
    auto = robustness_radius(net, x, norm)
    always = robustness_radius(net, x, norm, tol=Tolerances(exact="always"))
    assert auto.exact and always.exact and auto.label == always.label == 0
    assert auto.radius == pytest.approx(7.0 * scale, abs=1e-8 * scale)
    assert always.radius == pytest.approx(auto.radius, abs=1e-9 * scale)
    assert auto.other == always.other == 1
    assert auto.exact_decisions >= 1 and always.exact_decisions >= auto.exact_decisions
    assert auto.to_dict()["exact_decisions"] == auto.exact_decisions


@pytest.mark.parametrize("norm", [1, 2, "inf"])
def test_radius_feasible_sliver_agrees(norm):
    # w > 0: the sliver exists (width 2e-10); float64 and rationals find it at 1 - w
    from polyreg import Tolerances

    net = _sliver_net(1e-10)
    auto = robustness_radius(net, np.zeros(2), norm)
    always = robustness_radius(net, np.zeros(2), norm, tol=Tolerances(exact="always"))
    assert auto.radius == pytest.approx(1.0 - 1e-10, abs=1e-9)  # Clarabel: ~1e-10 (L2)
    assert always.radius == pytest.approx(1.0 - 1e-10, abs=1e-13)


@pytest.mark.parametrize("norm", [1, 2, "inf"])
def test_radius_always_agrees_on_a_random_network(norm):
    from polyreg import Tolerances

    net = polyreg.random_network([3, 6, 3], seed=5)
    x = np.full(3, 0.1)
    fast = robustness_radius(net, x, norm)
    ref = robustness_radius(net, x, norm, tol=Tolerances(exact="always"))
    assert fast.exact_decisions == 0 and ref.exact_decisions > 0
    assert ref.radius == pytest.approx(fast.radius, rel=1e-7, abs=1e-9)
    assert ref.other == fast.other and ref.label == fast.label


@pytest.mark.parametrize("norm", [1, 2])
def test_radius_at_the_ball_radius_is_decided_exactly(norm):
    # the class changes at distance exactly 1 = max_radius: "inside the ball?" lies within the
    # window, decided in rationals (exact="never" refuses to guess)
    from polyreg import Tolerances, ToleranceError

    net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), ([[1.0, 0.3]], [-1.0])])
    x = np.array([0.0, -0.5])
    with pytest.raises(ToleranceError, match="within the tolerance"):
        robustness_radius(net, x, norm, max_radius=1.0, tol=Tolerances(exact="never"))
    res = robustness_radius(net, x, norm, max_radius=1.0)
    assert res.exact and res.radius == pytest.approx(1.0, abs=1e-12) and res.exact_decisions == 1
