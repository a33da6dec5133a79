"""Sensitivity of a network to its input (docs/theory.md §4-5).

* :func:`softmax_jacobian` / :func:`jacobian_norms`: ``||d softmax(f(x)) / dx||_F`` at points
  (Novak et al. 2018, "Sensitivity and Generalization in Neural Networks").
* :func:`tangent_sensitivity`: ``||d/dx grad_W f||_F`` on an activation region, constant there
  (Daroczy 2020, "Tangent Space Sensitivity and Distribution of Linear Regions in ReLU
  Networks"), with an input-independent bound from layer-wise weight norms that holds on every
  region.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Iterable

import numpy as np

from ..network import Network
from ._util import check_point


@dataclass(frozen=True)
class JacobianResult:
    """Answer of :func:`softmax_jacobian`.

    Attributes
    ----------
    norm : float
        ``||d softmax(f(x)) / dx||_F``.
    jacobian : ndarray, shape (k, d)
        ``d softmax / dx`` (``k = n_outputs``, or 2 for a single output).
    probabilities : ndarray, shape (k,)
    logit_jacobian : ndarray, shape (n_outputs, d)
        ``d f / dx`` (the region's output map).
    """

    norm: float
    jacobian: np.ndarray = field(repr=False)
    probabilities: np.ndarray = field(repr=False)
    logit_jacobian: np.ndarray = field(repr=False)


def _softmax(v: np.ndarray) -> np.ndarray:
    e = np.exp(v - v.max())
    return e / e.sum()


def softmax_jacobian(net: Network, x: np.ndarray) -> JacobianResult:
    """The Jacobian of ``softmax(f(x))`` with respect to ``x`` and its Frobenius norm.

    ``J = (diag(p) - p p^T) W_x`` with ``p = softmax(f(x))`` and ``W_x`` the output map of the
    activation region of ``x`` (its ``z > 0`` pattern; on a boundary this is a one-sided
    derivative). A single output ``f`` is read as the logit of a two-class problem:
    ``softmax([0, f])``.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.bounds import softmax_jacobian
    >>> net = polyreg.Network.from_layers([([[1.0]], [0.0]), ([[1.0], [-1.0]], [0.0, 0.0])])
    >>> r = softmax_jacobian(net, np.array([0.5]))      # logits (0.5, -0.5)
    >>> bool(np.isclose(r.norm, 2 * np.sqrt(2) * r.probabilities.prod()))
    True
    """
    x = check_point(net, x)
    maps = net.local_maps(net.pattern(x))
    W, b = maps.out_W, maps.out_b
    if net.n_outputs == 1:
        W = np.vstack([np.zeros_like(W), W])
        b = np.concatenate([[0.0], b])
    p = _softmax(W @ x + b)
    J = (np.diag(p) - np.outer(p, p)) @ W
    return JacobianResult(float(np.linalg.norm(J)), J, p, maps.out_W)


def jacobian_norms(net: Network, points: np.ndarray) -> np.ndarray:
    """:func:`softmax_jacobian` norms at many points, shape ``(n,)`` for ``points`` ``(n, d)``.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.bounds import jacobian_norms
    >>> net = polyreg.random_network([2, 5, 3], seed=0)
    >>> jacobian_norms(net, np.zeros((4, 2))).shape
    (4,)
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != net.n_inputs:
        raise ValueError(
            f"points must have shape (n, {net.n_inputs}), got {points.shape}"
        )
    return np.array([softmax_jacobian(net, x).norm for x in points])


@dataclass(frozen=True)
class TangentSensitivity:
    """Answer of :func:`tangent_sensitivity`.

    Attributes
    ----------
    value : float
        ``||d/dx grad_W f||_F`` on the region.
    terms : tuple of float
        Per weight matrix ``W_m`` (``m = 0..L``, output layer last):
        ``||delta^m||_F^2 ||J_{m-1}||_F^2``; ``value**2`` is their sum.
    bound : float
        The input-independent weight-norm bound (the same for every region).
    bound_terms : tuple of float
        Its per-layer squares.
    """

    value: float
    terms: tuple[float, ...]
    bound: float
    bound_terms: tuple[float, ...]


def tangent_bound(net: Network, output: int | None = None) -> tuple[float, tuple[float, ...]]:
    """Weight-norm bound on :func:`tangent_sensitivity`, valid on every region.

    With ``E`` the selected rows of the identity (one output, or all), ``||delta^m||_F <=
    ||E W_L||_F prod_{m<k<L} ||W_k||_2`` (``||E||_F`` for ``m = L``) and ``||J_{m-1}||_F <=
    ||W_0||_F prod_{0<k<m} ||W_k||_2`` (``sqrt(d)`` for ``m = 0``): submultiplicativity,
    ``||AB||_F <= ||A||_F ||B||_2``, and ``||D||_2 <= 1`` for the diagonal activation slopes
    (ReLU and LeakyReLU with slope < 1).

    Returns
    -------
    bound : float
    terms : tuple of float
        Per weight matrix, the bound on ``||delta^m||_F^2 ||J_{m-1}||_F^2``.

    Examples
    --------
    >>> import polyreg
    >>> from polyreg.bounds import tangent_bound
    >>> net = polyreg.Network.from_layers([([[2.0]], [0.0]), ([[3.0]], [0.0])])
    >>> bound, terms = tangent_bound(net)
    >>> round(bound, 6), [round(t, 6) for t in terms]  # sqrt(3^2 * 1 + 1 * 2^2)
    (3.605551, [9.0, 4.0])
    """
    Ws = net.weights
    L = len(Ws) - 1
    E = np.eye(net.n_outputs) if output is None else np.eye(net.n_outputs)[[output]]
    spec = [float(np.linalg.norm(W, 2)) for W in Ws]
    terms = []
    for m in range(L + 1):
        if m == L:
            delta = float(np.linalg.norm(E))
        else:
            delta = float(np.linalg.norm(E @ Ws[L])) * float(np.prod(spec[m + 1 : L]))
        if m == 0:
            jac = float(np.sqrt(net.n_inputs))
        else:
            jac = float(np.linalg.norm(Ws[0])) * float(np.prod(spec[1:m]))
        terms.append(delta**2 * jac**2)
    return float(np.sqrt(sum(terms))), tuple(terms)


def tangent_sensitivity(
    net: Network, pattern: np.ndarray, output: int | None = None
) -> TangentSensitivity:
    """Tangent sensitivity ``||d/dx grad_W f||_F`` on the activation region of ``pattern``.

    Inside a region ``df/dW^m_{ij} = delta^m_i a^{m-1}_j(x)`` with ``delta^m = df/dz^m``
    constant, so ``||d/dx grad_W f||_F^2 = sum_m ||delta^m||_2^2 ||J_{m-1}||_F^2``,
    ``J_{-1} = I``, ``J_{m-1} = D^{m-1} W^{m-1} ... D^0 W^0`` (docs/theory.md §5; bias gradients do not
    depend on ``x``). For several outputs, ``delta^m`` is the matrix of all outputs' deltas
    (Frobenius norm), or one row with ``output``.

    Parameters
    ----------
    net : Network
    pattern : ndarray of bool, shape (N,)
    output : int, optional
        One output; default all of them.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.bounds import tangent_sensitivity
    >>> net = polyreg.Network.from_layers([([[2.0]], [0.0]), ([[3.0]], [0.0])])
    >>> t = tangent_sensitivity(net, np.array([True]))
    >>> [round(v, 6) for v in t.terms], round(t.value, 6)  # (3^2 * 1, 1 * 2^2)
    ([9.0, 4.0], 3.605551)
    >>> t.value <= t.bound
    True
    """
    pattern = np.asarray(pattern, dtype=bool)
    if pattern.shape != (net.n_hidden,):
        raise ValueError(f"pattern has shape {pattern.shape}, expected ({net.n_hidden},)")
    if output is not None and not (0 <= int(output) < net.n_outputs):
        raise ValueError(f"output must lie in [0, {net.n_outputs}), got {output}")
    Ws = net.weights
    L = len(Ws) - 1
    o = net.layer_offsets
    slopes = [np.where(pattern[o[m] : o[m + 1]], 1.0, net.negative_slope) for m in range(L)]
    jac_sq = [float(net.n_inputs)]
    J = np.eye(net.n_inputs)
    for m in range(L):
        J = slopes[m][:, None] * (Ws[m] @ J)
        jac_sq.append(float(np.sum(J * J)))
    delta = np.eye(net.n_outputs) if output is None else np.eye(net.n_outputs)[[int(output)]]
    delta_sq = [0.0] * (L + 1)
    delta_sq[L] = float(np.sum(delta * delta))
    for m in range(L - 1, -1, -1):
        delta = (delta @ Ws[m + 1]) * slopes[m][None, :]
        delta_sq[m] = float(np.sum(delta * delta))
    terms = tuple(delta_sq[m] * jac_sq[m] for m in range(L + 1))
    bound, bound_terms = tangent_bound(net, output)
    return TangentSensitivity(float(np.sqrt(sum(terms))), terms, bound, bound_terms)


def tangent_sensitivities(
    net: Network, patterns: Iterable[np.ndarray], output: int | None = None
) -> np.ndarray:
    """:func:`tangent_sensitivity` values for many patterns (e.g. ``r.pattern for r in
    regions``), shape ``(n,)``.

    Examples
    --------
    >>> import polyreg
    >>> from polyreg.bounds import tangent_sensitivities
    >>> net = polyreg.Network.from_layers([([[2.0]], [0.0]), ([[3.0]], [0.0])])
    >>> rs = polyreg.enumerate_regions(net, polyreg.Box([-1], [1]))
    >>> sorted(tangent_sensitivities(net, (r.pattern for r in rs)).round(6).tolist())
    [0.0, 3.605551]
    """
    return np.array([tangent_sensitivity(net, p, output).value for p in patterns])
