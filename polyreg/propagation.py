"""Bounds on every hidden pre-activation over a domain, and the neurons they prove stable.

A neuron whose sign cannot change over the domain never bounds a region inside it, so the
enumeration engines drop it from every region's constraints (its bit is fixed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .domains import Ball, Domain
from .network import Network
from .tolerances import Tolerances


@dataclass(frozen=True)
class Stability:
    """Per hidden neuron: bounds over the domain and the resulting classification.

    Attributes
    ----------
    lower, upper : ndarray, shape (N,)
        Sound bounds on the pre-activation over the domain (interval propagation; the first
        layer is exact for boxes and balls).
    on, off, live : ndarray of bool, shape (N,)
        Stable on (``lower > 0``), stable off (``upper <= 0``), and the rest.
    """

    lower: np.ndarray
    upper: np.ndarray
    on: np.ndarray
    off: np.ndarray
    live: np.ndarray


def first_layer_bounds(W: np.ndarray, b: np.ndarray, domain: Domain) -> tuple[np.ndarray, np.ndarray]:
    """Exact range of ``W x + b`` over a box or an L_p ball; bounding-box range otherwise."""
    if isinstance(domain, Ball):
        q = domain.dual_norm
        mid = W @ domain.center + b
        spread = domain.radius * np.linalg.norm(W, ord=q, axis=1)
        return mid - spread, mid + spread
    lo, hi = domain.bounding_box()
    if not np.all(np.isfinite(lo)):
        n = W.shape[0]
        zero_row = ~np.any(W != 0, axis=1)
        lower = np.where(zero_row, b, -np.inf)
        upper = np.where(zero_row, b, np.inf)
        return lower, upper
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    centre = W @ mid + b
    spread = np.abs(W) @ half
    return centre - spread, centre + spread


def stability(net: Network, domain: Domain, tol: Tolerances) -> Stability:
    """Interval bound propagation through the network over ``domain``.

    Soundness: the first layer's range is exact (boxes, balls) or a superset (polytopes via
    their bounding box); each later layer applies interval arithmetic to ``W relu(z) + b``,
    which contains every value the layer takes. Bounds are widened by ``tol.stable * scale``
    before classifying, so float rounding never marks a live neuron stable.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.propagation import stability
    >>> net = polyreg.Network.from_layers([([[1.0], [1.0]], [5.0, 0.0]), ([[1.0, 1.0]], [0.0])])
    >>> s = stability(net, polyreg.Box([-1], [1]), polyreg.Tolerances())
    >>> s.on.tolist(), s.live.tolist()
    ([True, False], [False, True])
    """
    alpha = net.negative_slope
    lowers, uppers = [], []
    lo, hi = first_layer_bounds(net.weights[0], net.biases[0], domain)
    for layer in range(len(net.weights) - 1):
        if layer > 0:
            W, b = net.weights[layer], net.biases[layer]
            a_lo = _act(lo, alpha)
            a_hi = _act(hi, alpha)
            Wp, Wn = np.maximum(W, 0), np.minimum(W, 0)
            with np.errstate(invalid="ignore"):
                new_lo = _safe_dot(Wp, a_lo) + _safe_dot(Wn, a_hi) + b
                new_hi = _safe_dot(Wp, a_hi) + _safe_dot(Wn, a_lo) + b
            lo, hi = new_lo, new_hi
        lowers.append(lo)
        uppers.append(hi)
    lower, upper = np.concatenate(lowers), np.concatenate(uppers)
    slack = tol.stable * net.weight_scale() * (1.0 + np.abs(np.nan_to_num(lower, posinf=0, neginf=0)))
    lower = np.nan_to_num(lower, nan=-np.inf)
    upper = np.nan_to_num(upper, nan=np.inf)
    on = lower > slack
    off = upper <= slack
    return Stability(lower, upper, on, off, ~(on | off))


def _act(v: np.ndarray, alpha: float) -> np.ndarray:
    """(Leaky)ReLU of a bound vector that may hold infinities."""
    out = np.maximum(v, 0.0)
    if alpha:
        out = out + alpha * np.minimum(v, 0.0)
    return out


def _safe_dot(W: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``W @ v`` where ``0 * inf`` counts as 0 (unbounded domains)."""
    if np.all(np.isfinite(v)):
        return W @ v
    prod = W * v[None, :]
    prod[W == 0] = 0.0
    return prod.sum(axis=1)
