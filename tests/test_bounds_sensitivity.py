"""Sensitivity (docs/theory.md §4-5): softmax Jacobian norms, tangent sensitivity and its bound."""

from __future__ import annotations

import numpy as np
import pytest

import polyreg
from polyreg import Ball, Box
from polyreg.bounds import (
    jacobian_norms,
    softmax_jacobian,
    tangent_bound,
    tangent_sensitivities,
    tangent_sensitivity,
)


def softmax_probs(net: polyreg.Network, x: np.ndarray) -> np.ndarray:
    f = net.forward(x)
    if net.n_outputs == 1:
        f = np.concatenate([[0.0], f])
    e = np.exp(f - f.max())
    return e / e.sum()


def param_gradient(net: polyreg.Network, x: np.ndarray, output: int | None) -> np.ndarray:
    """grad_W of f (one output, or all outputs stacked) by plain backpropagation."""
    acts = [x]
    slopes = []
    a = x
    for W, b in zip(net.weights[:-1], net.biases[:-1], strict=True):
        z = W @ a + b
        s = np.where(z > 0, 1.0, net.negative_slope)
        slopes.append(s)
        a = s * z
        acts.append(a)
    outs = range(net.n_outputs) if output is None else [output]
    grads = []
    for o in outs:
        delta = np.eye(net.n_outputs)[o]
        parts = []
        for m in range(len(net.weights) - 1, -1, -1):
            parts.append(np.outer(delta, acts[m]).ravel())
            if m:
                delta = (net.weights[m].T @ delta) * slopes[m - 1]
        grads.append(np.concatenate(parts))
    return np.concatenate(grads)


@pytest.mark.parametrize("widths,seed", [([2, 6, 3], 0), ([3, 5, 5, 1], 1), ([2, 4, 4, 4, 2], 2)])
def test_softmax_jacobian_matches_finite_differences(widths, seed):
    net = polyreg.random_network(widths, seed=seed)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(5, widths[0]))
    for x in X:
        h = 1e-6 * margin_safe(net, x)
        fd = np.column_stack([
            (softmax_probs(net, x + h * e) - softmax_probs(net, x - h * e)) / (2 * h)
            for e in np.eye(widths[0])
        ])
        res = softmax_jacobian(net, x)
        assert res.jacobian == pytest.approx(fd, abs=1e-6)
        assert res.norm == pytest.approx(np.linalg.norm(fd), rel=1e-5, abs=1e-9)
        assert res.probabilities.sum() == pytest.approx(1.0)
    assert jacobian_norms(net, X) == pytest.approx([softmax_jacobian(net, x).norm for x in X])
    with pytest.raises(ValueError, match="points must have shape"):
        jacobian_norms(net, X[:, :1])


def margin_safe(net: polyreg.Network, x: np.ndarray) -> float:
    """A step inside the region of x (finite differences stay in one affine piece)."""
    from polyreg.bounds import margin

    return min(1.0, margin(net, x, 2).margin)


@pytest.mark.parametrize("output", [None, 0])
@pytest.mark.parametrize("widths,seed", [([2, 6, 3], 0), ([3, 5, 5, 2], 1)])
def test_tangent_sensitivity_matches_finite_differences(widths, seed, output):
    net = polyreg.random_network(widths, seed=seed)
    for x in np.random.default_rng(seed + 10).normal(size=(4, widths[0])):
        h = 0.5 * margin_safe(net, x)
        jac = np.column_stack([
            (param_gradient(net, x + h * e, output) - param_gradient(net, x - h * e, output))
            / (2 * h)
            for e in np.eye(widths[0])
        ])
        ts = tangent_sensitivity(net, net.pattern(x), output)
        assert ts.value == pytest.approx(np.linalg.norm(jac), rel=1e-7)
        assert ts.value**2 == pytest.approx(sum(ts.terms))


@pytest.mark.parametrize("slope", [0.0, 0.2])
@pytest.mark.parametrize(
    "widths,seed,domain",
    [([2, 8, 8, 3], 0, Box.cube(2, -2, 2)), ([3, 6, 6, 6, 1], 1, Ball([0.0, 0.0, 0.0], 1.5)),
     ([2, 10, 4], 2, Ball([0.5, 0.5], 2.0, norm=1))],
)
def test_tangent_bound_holds_on_every_region(widths, seed, domain, slope):
    base = polyreg.random_network(widths, seed=seed)
    net = polyreg.Network(base.weights, base.biases, negative_slope=slope)
    rs = polyreg.enumerate_regions(net, domain)
    for output in (None, 0):
        values = tangent_sensitivities(net, (r.pattern for r in rs), output)
        bound, terms = tangent_bound(net, output)
        assert np.all(values <= bound * (1 + 1e-12))
        assert values.min() >= 0
        # layer by layer too
        for r in rs:
            ts = tangent_sensitivity(net, r.pattern, output)
            assert all(t <= b * (1 + 1e-12) for t, b in zip(ts.terms, terms, strict=True))
    assert len(set(np.round(values, 12))) > 1  # it really varies over the regions


def test_tangent_bound_is_tight_for_one_linear_path():
    net = polyreg.Network.from_layers([([[2.0]], [1.0]), ([[3.0]], [0.0])])
    ts = tangent_sensitivity(net, np.array([True]))
    assert ts.value == pytest.approx(ts.bound)
    off = tangent_sensitivity(net, np.array([False]))
    assert off.terms == (0.0, 0.0)  # dead unit: f is constant in x and in W0


def test_tangent_validation():
    net = polyreg.random_network([2, 3, 2])
    with pytest.raises(ValueError, match=r"pattern has shape \(2,\), expected \(3,\)"):
        tangent_sensitivity(net, np.zeros(2, dtype=bool))
    with pytest.raises(ValueError, match="output must lie in"):
        tangent_sensitivity(net, np.zeros(3, dtype=bool), output=2)
