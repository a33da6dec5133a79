"""Certified lower bounds of the robustness radius (IBP, CROWN, triangle LP) against the exact
radius: soundness of the pre-activation bounds (sampled), their ordering, the bisection, and
lower <= exact <= upper on random, trained and degenerate networks."""

from __future__ import annotations

import numpy as np
import pytest

import polyreg
from polyreg import Ball
from polyreg.bounds import robustness_radius
from polyreg.bounds.certify import (
    METHODS,
    certified_radii,
    certified_radius,
    certifies,
    crown_bounds,
    ibp_bounds,
    lp_bounds,
    margin_lower_bounds,
    margin_network,
)
from polyreg.bounds.robustness import predicted_class
from polyreg.domains import sample

NORMS = [1, 2, "inf"]
ORD = {1: 1, 2: 2, "inf": np.inf}


def net_from(*layers, negative_slope=0.0):
    return polyreg.Network.from_layers(
        [(np.asarray(W, dtype=float), np.asarray(b, dtype=float)) for W, b in layers],
        negative_slope,
    )


def train_mlp(widths, seed=0, steps=300, n=120):
    """A tiny MLP trained by full-batch gradient descent (numpy, well under a second) on
    Gaussian blobs, one blob per class."""
    rng = np.random.default_rng(seed)
    k = widths[-1]
    centres = rng.normal(scale=1.5, size=(k, widths[0]))
    y = rng.integers(0, k, size=n)
    X = centres[y] + rng.normal(scale=0.6, size=(n, widths[0]))
    net = polyreg.random_network(widths, seed=seed)
    Ws, bs = [W.copy() for W in net.weights], [b.copy() for b in net.biases]
    for _ in range(steps):
        acts, zs = [X], []
        for W, b in zip(Ws[:-1], bs[:-1], strict=True):
            zs.append(acts[-1] @ W.T + b)
            acts.append(np.maximum(zs[-1], 0))
        logits = acts[-1] @ Ws[-1].T + bs[-1]
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        delta = (p - np.eye(k)[y]) / n
        for layer in range(len(Ws) - 1, -1, -1):
            gW, gb = delta.T @ acts[layer], delta.sum(0)
            if layer:
                delta = (delta @ Ws[layer]) * (zs[layer - 1] > 0)
            Ws[layer] -= 0.3 * gW
            bs[layer] -= 0.3 * gb
    return polyreg.Network.from_layers(list(zip(Ws, bs, strict=True))), X


@pytest.fixture(scope="module")
def trained():
    return train_mlp([2, 12, 12, 3], seed=1)


def check_sound(net, x, norm, exact_radius=None, upper=None):
    """lower <= exact <= upper for every certifier; each radius is certified by its method."""
    if exact_radius is None:
        res = robustness_radius(net, x, norm)
        if not res.exact:  # no class change within the largest ball: check by sampling
            radii = certified_radii(net, x, norm)
            rng = np.random.default_rng(0)
            for m in METHODS:
                if radii[m].radius > 0:
                    pts = sample(Ball(x, radii[m].radius, norm=norm), 2000, rng)
                    assert np.all(predicted_class(net, pts) == res.label), m
            return radii, np.inf
        exact_radius, upper = res.radius, res.upper_bound
    radii = certified_radii(net, x, norm, upper=exact_radius)
    slack = 1e-9 * (1 + exact_radius)
    for m in METHODS:
        r = radii[m].radius
        assert 0 <= r <= exact_radius + slack, (m, r, exact_radius)
        if r > 0:
            assert certifies(net, x, r, norm, m)
    if upper is not None:
        assert exact_radius <= upper * (1 + 1e-7)
    return radii, exact_radius


# ---------------------------------------------------------------------------- pre-activation bounds
@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("widths,seed,slope", [([2, 6, 6, 3], 0, 0.0), ([3, 8, 8, 8, 2], 1, 0.0),
                                               ([2, 5, 5, 1], 2, 0.1)])
def test_preactivation_bounds_sound_and_ordered(widths, seed, slope, norm):
    base = polyreg.random_network(widths, seed=seed)
    net = polyreg.Network(base.weights, base.biases, slope)
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=0.5, size=widths[0])
    r = 0.4
    pts = sample(Ball(x, r, norm=norm), 2000, rng)
    Z = np.hstack(net.preactivations(pts)[: len(net.hidden_widths)])
    found = {
        "ibp": ibp_bounds(net, x, r, norm),
        "crown": crown_bounds(net, x, r, norm),
        "crown-plain": crown_bounds(net, x, r, norm, intersect=False),
        "lp": lp_bounds(net, x, r, norm),
    }
    for name, (lo, hi) in found.items():
        assert np.all(lo - 1e-12 <= Z) and np.all(hi + 1e-12 >= Z), name
    # CROWN (intersected with IBP) is at least as tight as IBP on every neuron; on every neuron
    # that IBP leaves live (those the LP solves for; stable ones keep their interval bounds), the
    # triangle LP with its own tighter intermediate bounds is at least as tight as CROWN, up to
    # LP_WIDEN
    (ilo, ihi), (clo, chi), (llo, lhi) = found["ibp"], found["crown"], found["lp"]
    assert np.all(clo >= ilo) and np.all(chi <= ihi)
    live = (ilo < 0) & (ihi > 0)
    assert np.all(llo[live] >= clo[live] - 1e-5 * (1 + np.abs(clo[live])))
    assert np.all(lhi[live] <= chi[live] + 1e-5 * (1 + np.abs(chi[live])))
    # layer 1 is exact: attained up to sampling on the sphere
    n1 = widths[1]
    assert np.all(ilo[:n1] == clo[:n1])


def test_crown_plain_tighter_than_ibp_on_most_deep_neurons():
    # an independent check that the back-substitution does something: on a random deep network
    # plain CROWN beats IBP on the large majority of deeper neurons
    net = polyreg.random_network([3, 16, 16, 16, 2], seed=4)
    x = np.array([0.1, -0.2, 0.3])
    ilo, ihi = ibp_bounds(net, x, 0.3, 2)
    clo, chi = crown_bounds(net, x, 0.3, 2, intersect=False)
    deep = slice(16, None)
    assert np.mean((chi - clo)[deep] < (ihi - ilo)[deep]) > 0.8


def test_margin_network_is_the_margin():
    net = polyreg.random_network([3, 5, 4], seed=0)
    x = np.array([0.2, 0.1, -0.3])
    f = net.forward(x)
    m = margin_network(net, 2).preactivations(x)[-1]
    assert m == pytest.approx([f[2] - f[0], f[2] - f[1], f[2] - f[3]], abs=1e-12)
    one = polyreg.random_network([2, 4, 1], seed=0)
    y = np.array([0.4, 0.5])
    assert margin_network(one, 0).preactivations(y)[-1] == pytest.approx(-one.forward(y), abs=1e-12)


# ---------------------------------------------------------------------------- radii: closed forms
def test_one_dimensional_radius():
    # relu(x) - 1: class 1 for x > 1; at x = 3 the radius is 2 and every certifier is exact
    net = net_from(([[1.0]], [0.0]), ([[1.0]], [-1.0]))
    for m in METHODS:
        res = certified_radius(net, np.array([3.0]), 2, m, upper=2.0, rel_tol=1e-6)
        assert 2.0 * (1 - 1e-5) <= res.radius < 2.0
        assert not certifies(net, np.array([3.0]), 2.0, 2, m)


def test_linear_network_every_certifier_near_exact():
    # a network that is linear near x (biases keep every neuron on): the margin x0 + x1 is
    # affine, so CROWN and the LP are exact; IBP bounds a0 and a1 separately (a box around the
    # L2 ball) and certifies only 0.75 / 2 = 0.375
    net = net_from((np.eye(2), [100.0, 100.0]), ([[1.0, 1.0], [0.0, 0.0]], [-200.0, 0.0]))
    x = np.array([0.5, 0.25])
    exact = robustness_radius(net, x, 2).radius
    assert exact == pytest.approx(0.75 / np.sqrt(2), rel=1e-9)
    for m in ("crown", "lp"):
        assert certified_radius(net, x, 2, m, upper=exact).radius == pytest.approx(exact, rel=2e-3)
    assert certified_radius(net, x, 2, "ibp", upper=exact).radius == pytest.approx(0.375, rel=2e-3)


@pytest.mark.parametrize("norm", NORMS)
def test_point_on_the_decision_boundary_gives_zero(norm):
    # f0 = relu(x0), f1 = relu(x1): at x0 = x1 the classes tie; the exact radius is 0
    net = net_from((np.eye(2), [0.0, 0.0]), (np.eye(2), [0.0, 0.0]))
    x = np.array([0.3, 0.3])
    for m in METHODS:
        assert certified_radius(net, x, norm, m, upper=1.0).radius == 0.0


def test_zero_network_and_constant_class():
    # all weights zero: f is constant, the classes tie everywhere -> nothing certified
    zero = net_from((np.zeros((3, 2)), np.zeros(3)), (np.zeros((2, 3)), np.zeros(2)))
    for m in METHODS:
        assert certified_radius(zero, np.array([0.1, 0.2]), 2, m, upper=1.0).radius == 0.0
    # one class everywhere (f = relu(x) + 1 > 0): every radius tried is certified
    const = net_from(([[1.0]], [0.0]), ([[1.0]], [1.0]))
    res = certified_radius(const, np.array([0.3]), 2, "crown", max_steps=20)
    assert res.radius > 100 and res.failed_at == np.inf


def test_dead_and_duplicate_neurons():
    # a dead neuron (bias -100), a duplicated neuron, a zero row: bounds stay sound
    W0 = np.array([[1.0, 0.5], [1.0, 0.5], [0.0, 0.0], [0.3, -1.0], [1.0, 1.0]])
    b0 = np.array([0.1, 0.1, 0.2, 0.0, -100.0])
    net = net_from((W0, b0), ([[1.0, -1.0, 0.5, 1.0, 3.0], [-1.0, 0.5, 0.0, -1.0, 1.0]], [0.0, 0.2]))
    rng = np.random.default_rng(0)
    for x in rng.normal(size=(3, 2)):
        for norm in NORMS:
            check_sound(net, x, norm)


@pytest.mark.parametrize("norm", NORMS)
def test_random_sample_lower_exact_upper(norm):
    rng = np.random.default_rng(7)
    for widths, seed in [([2, 8, 8, 3], 2), ([3, 6, 6, 1], 3), ([2, 10, 2], 5)]:
        net = polyreg.random_network(widths, seed=seed)
        x = rng.normal(scale=0.5, size=widths[0])
        radii, _ = check_sound(net, x, norm)
        assert radii["ibp"].radius <= radii["crown"].radius * (1 + 2e-3) + 1e-12


def test_trained_network(trained):
    net, X = trained
    assert (predicted_class(net, X) >= 0).all()
    for x in X[:3]:
        for norm in NORMS:
            check_sound(net, x, norm)


def test_leaky_relu_radius():
    base = polyreg.random_network([2, 6, 6, 2], seed=9)
    net = polyreg.Network(base.weights, base.biases, 0.1)
    x = np.array([0.2, -0.3])
    radii = certified_radii(net, x, 2)
    pts = sample(Ball(x, radii["lp"].radius, norm=2), 4000, np.random.default_rng(0))
    assert np.all(predicted_class(net, pts) == predicted_class(net, x))


def test_bisection_answer_is_certified_and_bracketed():
    net = polyreg.random_network([2, 8, 8, 3], seed=2)
    x = np.array([0.1, 0.4])
    res = certified_radius(net, x, "inf", "crown")  # no upper bound: grows, then bisects
    assert res.radius > 0 and res.failed_at < np.inf
    assert certifies(net, x, res.radius, "inf", "crown")
    assert not certifies(net, x, res.failed_at, "inf", "crown")
    assert res.failed_at - res.radius <= 1e-3 * res.radius
    assert res.to_dict()["method"] == "crown"


def test_margin_lower_bounds_rejects_unknown_method():
    net = polyreg.random_network([2, 3, 2], seed=0)
    with pytest.raises(ValueError, match="method"):
        margin_lower_bounds(net, np.zeros(2), 0.1, 2, "alpha")
    with pytest.raises(ValueError, match="method"):
        certified_radius(net, np.zeros(2), 2, "alpha")


# ---------------------------------------------------------------------------- slow: hundreds of cases
FAMILY = [([2, 8, 8, 3], 2), ([3, 10, 10, 3], 2), ([4, 10, 1], 5), ([2, 6, 6, 6, 4], 7),
          ([2, 16, 16, 2], 0), ([3, 12, 2], 1), ([2, 5, 5, 5, 5, 2], 3)]


@pytest.mark.slow
@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("widths,seed", FAMILY)
def test_soundness_many_random_cases(widths, seed, norm):
    # 7 architectures x 3 norms x 12 points x 3 certifiers = 756 certified radii
    rng = np.random.default_rng(100 + seed)
    for trial in range(12):
        net = polyreg.random_network(widths, seed=seed * 1000 + trial)
        x = rng.normal(scale=0.7, size=widths[0])
        check_sound(net, x, norm)


@pytest.mark.slow
@pytest.mark.parametrize("norm", NORMS)
def test_soundness_trained_many(norm):
    for seed in range(4):
        net, X = train_mlp([2, 10, 10, 3], seed=seed)
        for x in X[:8]:
            check_sound(net, x, norm)
