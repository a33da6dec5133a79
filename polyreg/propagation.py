"""Bounds on every hidden pre-activation over a domain, and the neurons they prove stable.

A neuron whose sign cannot change over the domain never bounds a region inside it, so the
enumeration engines drop it from every region's constraints (its bit is fixed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, overload

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


@overload
def first_layer_bounds(
    W: np.ndarray, b: np.ndarray, domain: Domain, with_magnitude: Literal[False] = False
) -> tuple[np.ndarray, np.ndarray]: ...
@overload
def first_layer_bounds(
    W: np.ndarray, b: np.ndarray, domain: Domain, with_magnitude: Literal[True]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...
def first_layer_bounds(
    W: np.ndarray, b: np.ndarray, domain: Domain, with_magnitude: bool = False
) -> tuple[np.ndarray, np.ndarray] | tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact range of ``W x + b`` over a box or an L_p ball; bounding-box range otherwise.

    With ``with_magnitude``, also the magnitude the bounds are computed from (``|W| |x| + |b|``
    over the domain's bounding set), which bounds their float64 rounding error relatively.
    """
    absb = np.abs(b)
    if isinstance(domain, Ball):
        q = domain.dual_norm
        mid = W @ domain.center + b
        spread = domain.radius * np.linalg.norm(W, ord=q, axis=1)
        mag = np.abs(W) @ np.abs(domain.center) + absb + spread
        out = (mid - spread, mid + spread)
        return (*out, mag) if with_magnitude else out
    lo, hi = domain.bounding_box()
    if not np.all(np.isfinite(lo)):
        zero_row = ~np.any(W != 0, axis=1)
        lower = np.where(zero_row, b, -np.inf)
        upper = np.where(zero_row, b, np.inf)
        mag = np.where(zero_row, absb, np.inf)
        return (lower, upper, mag) if with_magnitude else (lower, upper)
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    centre = W @ mid + b
    spread = np.abs(W) @ half
    mag = np.abs(W) @ (np.abs(mid) + half) + absb
    out = (centre - spread, centre + spread)
    return (*out, mag) if with_magnitude else out


def stability(net: Network, domain: Domain, tol: Tolerances) -> Stability:
    """Interval bound propagation through the network over ``domain``.

    Soundness: the first layer's range is exact (boxes, balls) or a superset (polytopes via
    their bounding box); each later layer applies interval arithmetic to ``W relu(z) + b``,
    which contains every value the layer takes. Every bound is widened by its float64 rounding
    error bound, ``max(tol.stable, 4 (n + 2) eps)`` times the magnitude it is computed from
    (``|W| |a| + |b|``, ``n`` the fan-in), before the next layer uses it: so the widening scales
    with each neuron (rescaling a neuron changes nothing), never depends on the size of the
    domain beyond the rounding, and float rounding never marks a live neuron stable. A neuron is
    stable on when its widened lower bound is positive, stable off when its widened upper bound
    is at most zero.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.propagation import stability
    >>> net = polyreg.Network.from_layers([([[1.0], [1.0]], [5.0, 0.0]), ([[1.0, 1.0]], [0.0])])
    >>> s = stability(net, polyreg.Box([-1], [1]), polyreg.Tolerances())
    >>> s.on.tolist(), s.live.tolist()
    ([True, False], [False, True])
    """
    with np.errstate(over="ignore", invalid="ignore"):  # infinite bounds (unbounded domains)
        return _stability(net, domain, tol)


def _stability(net: Network, domain: Domain, tol: Tolerances) -> Stability:
    alpha = net.negative_slope
    eps = float(np.finfo(np.float64).eps)
    lowers, uppers = [], []
    W0 = net.weights[0]
    lo, hi, mag = first_layer_bounds(W0, net.biases[0], domain, with_magnitude=True)
    rel = max(tol.stable, 4 * (W0.shape[1] + 2) * eps)
    lo, hi = lo - rel * mag, hi + rel * mag
    for layer in range(len(net.weights) - 1):
        if layer > 0:
            W, b = net.weights[layer], net.biases[layer]
            a_lo = _act(lo, alpha)
            a_hi = _act(hi, alpha)
            Wp, Wn = np.maximum(W, 0), np.minimum(W, 0)
            rel = max(tol.stable, 4 * (W.shape[1] + 2) * eps)
            new_lo = _safe_dot(Wp, a_lo) + _safe_dot(Wn, a_hi) + b
            new_hi = _safe_dot(Wp, a_hi) + _safe_dot(Wn, a_lo) + b
            mag_lo = _safe_dot(Wp, np.abs(a_lo)) - _safe_dot(Wn, np.abs(a_hi)) + np.abs(b)
            mag_hi = _safe_dot(Wp, np.abs(a_hi)) - _safe_dot(Wn, np.abs(a_lo)) + np.abs(b)
            lo, hi = new_lo - rel * mag_lo, new_hi + rel * mag_hi
        lo = np.nan_to_num(lo, nan=-np.inf)
        hi = np.nan_to_num(hi, nan=np.inf)
        lowers.append(lo)
        uppers.append(hi)
    lower, upper = np.concatenate(lowers), np.concatenate(uppers)
    on = lower > 0
    off = upper <= 0
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
