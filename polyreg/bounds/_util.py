"""Small helpers shared by the bound modules: norms, input checks, a region's polytope, the
distance from a point to a domain's boundary."""

from __future__ import annotations

import numpy as np

from ..domains import Ball, Box, Domain, Polytope, Whole
from ..network import LocalMaps, Network
from ..tolerances import Tolerances

_NORMS = {1: 1.0, 2: 2.0, "1": 1.0, "2": 2.0, "inf": np.inf, "Inf": np.inf, np.inf: np.inf}


def parse_norm(norm: object) -> float:
    """``1``, ``2`` or ``inf`` (also the strings ``"1"``, ``"2"``, ``"inf"``) as a float.

    Examples
    --------
    >>> parse_norm("inf"), parse_norm(2)
    (inf, 2.0)
    """
    try:
        return _NORMS[norm]
    except (KeyError, TypeError):
        raise ValueError(f"norm must be 1, 2 or 'inf', got {norm!r}") from None


def norm_name(p: float) -> str:
    """``"1"``, ``"2"`` or ``"inf"``."""
    return "inf" if p == np.inf else str(int(p))


def dual_norm(p: float) -> float:
    """The dual exponent ``q`` with ``1/p + 1/q = 1``."""
    return {1.0: np.inf, 2.0: 2.0, np.inf: 1.0}[float(p)]


def check_point(net: Network, x: object, name: str = "x") -> np.ndarray:
    """``x`` as a finite float vector with one coordinate per network input."""
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} is not a numeric vector: {exc}") from exc
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a vector, got an array of shape {arr.shape}")
    if arr.size != net.n_inputs:
        raise ValueError(
            f"{name} has {arr.size} coordinates but the network takes {net.n_inputs} inputs"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} has non-finite entries")
    return arr


def nonconstant(net: Network, maps: LocalMaps, tol: Tolerances) -> np.ndarray:
    """Neurons whose pre-activation is not constant on the region (``||g_k||_2`` above
    ``tol.gradient`` times the neuron's weight scale, the rule of the enumeration engines)."""
    return np.linalg.norm(maps.G, axis=1) > tol.gradient * net.weight_scale()


def rounding_bounds(net: Network, x: np.ndarray) -> list[np.ndarray]:
    """Per layer (the last one is the output), a bound on the float64 rounding of the
    pre-activations at ``x``: 64 ulps of the magnitude they are computed from (``|W| m + |b|``
    layer by layer from ``m = |x|``)."""
    m = np.abs(np.asarray(x, dtype=np.float64))
    out = []
    for W, b in zip(net.weights, net.biases, strict=True):
        m = np.abs(W) @ m + np.abs(b)
        out.append(64 * np.finfo(np.float64).eps * m)
    return out


def exact_preactivations(net: Network, x: np.ndarray, tol: Tolerances) -> list[list] | None:
    """The pre-activations of every layer at ``x`` (the last is the output) as exact
    rationals (:func:`polyreg.exact.forward_exact`) when float64 cannot decide a sign there
    (some pre-activation, or the gap between the two largest outputs, within its rounding
    bound :func:`rounding_bounds`), or always with ``tol.exact == "always"``; None when
    float64 decides (or with ``tol.exact == "never"``)."""
    if tol.exact == "never":
        return None
    if tol.exact != "always":
        a = np.asarray(x, dtype=np.float64)
        doubt = False
        bounds = rounding_bounds(net, a)
        for layer, (W, b) in enumerate(zip(net.weights, net.biases, strict=True)):
            z = W @ a + b
            if layer + 1 < len(net.weights):
                doubt |= bool(np.any(np.abs(z) <= bounds[layer]))
            elif z.size > 1:  # the class: the two largest outputs
                top = np.sort(z)[-2:]
                doubt |= bool(top[1] - top[0] <= 2 * bounds[layer].max())
            else:
                doubt |= bool(abs(z[0]) <= bounds[layer][0])
            a = np.where(z > 0, z, net.negative_slope * z)
        if not doubt:
            return None
    from ..exact import forward_exact

    return forward_exact(net.weights, net.biases, net.negative_slope, x)


def region_polytope(
    net: Network, pattern: np.ndarray, tol: Tolerances
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The closed polytope of an activation region: rows ``A y <= b`` and their neurons.

    Row ``k`` is ``-s_k g_k . y <= s_k c_k`` (``s_k = +1`` on, ``-1`` off) for every neuron with a
    non-constant pre-activation on the region; constant neurons never change sign there.

    Returns
    -------
    A : ndarray, shape (m, d)
    b : ndarray, shape (m,)
    neurons : ndarray of int, shape (m,)
        Pattern index of each row.
    """
    pattern = np.asarray(pattern, dtype=bool)
    maps = net.local_maps(pattern)
    keep = nonconstant(net, maps, tol)
    s = np.where(pattern, 1.0, -1.0)[keep]
    return -s[:, None] * maps.G[keep], s * maps.c[keep], np.flatnonzero(keep)


def domain_distance(x: np.ndarray, domain: Domain, p: float) -> float:
    """L_p distance from ``x`` (inside the domain) to the domain's boundary.

    Boxes and polytopes: ``min_i (b_i - a_i . x) / ||a_i||_q``; balls in their own norm:
    ``R - ||x - c||``; an L2 ball measured in L1 / L-inf and an L1 ball measured in another norm
    in closed form (the largest L_p ball around ``x`` inside the domain); ``+inf`` for ``Whole``.

    Raises
    ------
    ValueError
        ``x`` lies outside the domain.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> round(domain_distance(np.zeros(2), polyreg.Ball([0, 0], 1.0, norm=2), np.inf), 6)
    0.707107
    """
    q = dual_norm(p)
    d = x.size
    if isinstance(domain, Whole):
        return np.inf
    if isinstance(domain, (Box, Polytope)):
        A, b = domain.rows()
        value = float(np.min((b - A @ x) / np.linalg.norm(A, ord=q, axis=1)))
    elif isinstance(domain, Ball):
        v = x - domain.center
        R = domain.radius
        pb = domain.norm
        if pb == p:
            value = R - float(np.linalg.norm(v, ord=p))
        elif pb == np.inf:
            value = float(np.min(R - np.abs(v)))
        elif pb == 1:
            value = (R - float(np.abs(v).sum())) / float(np.linalg.norm(np.ones(d), ord=q))
        else:  # L2 ball measured in L1 or L-inf: largest t with max_{y in tB_p} ||v + y||_2 <= R
            n2 = float(v @ v)
            if n2 > R * R:
                value = -1.0
            elif p == 1:
                m = float(np.abs(v).max())
                value = -m + float(np.sqrt(m * m + R * R - n2))
            else:
                s1 = float(np.abs(v).sum())
                value = (-s1 + float(np.sqrt(s1 * s1 - d * (n2 - R * R)))) / d
    else:  # pragma: no cover - every domain type is handled above
        raise ValueError(f"unsupported domain {type(domain).__name__}")
    if value < 0:
        raise ValueError("x lies outside the domain")
    return value


def same_map(W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray, rel: float = 1e-9) -> bool:
    """Whether two affine maps are equal up to ``rel`` times their magnitude."""
    scale = 1.0 + max(float(np.abs(W1).max(initial=0)), float(np.abs(b1).max(initial=0)))
    return bool(
        np.all(np.abs(W1 - W2) <= rel * scale) and np.all(np.abs(b1 - b2) <= rel * scale)
    )
