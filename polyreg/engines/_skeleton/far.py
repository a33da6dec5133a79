"""Where a box may hold a vertex of ``d`` neuron hyperplanes: the skeleton's first stage alone
(no cells), read for :mod:`polyreg.engines.homog`'s proof that the cube's sides hold nothing
new (see that module)."""

from __future__ import annotations

import numpy as np

from ...domains import Box
from ...network import Network
from ...tolerances import DEFAULT, Tolerances
from .complex import SkeletonProgress, build


def neuron_vertices(net: Network, box: Box, inward: int, *, tol: Tolerances = DEFAULT,
                    max_vertices: int | None = None) -> np.ndarray:
    """Every point of ``box`` where ``d`` of the network's hyperplanes may meet off its lower
    side in coordinate ``inward`` (rows, input coordinates), and points of that side where a
    tie leaves it undecided.

    The skeleton of the box is built with that lower side shifted inwards by an infinitesimal
    (:meth:`~polyreg.engines._skeleton.complex.Complex.cut`), so that a neuron identically
    zero along the side (as at ``t = 0`` in :mod:`~polyreg.engines.homog`) makes no vertex
    there. A vertex of the subdivision off that side, where ``d`` or more hyperplanes meet, is
    a skeleton vertex that (a) has only neuron hyperplanes among its ``d`` zeros (the general
    case), or (b) was touched by a tie (``d`` hyperplanes and more constraints through one
    point: a side of the box, or more hyperplanes, where the last of them cut finds the vertex
    already there). On the side itself the skeleton's ties are decided with the magnitudes
    of the edges' ends (interpolated vertices), not exact zeros: a hyperplane nearly parallel to
    another can cross it at a distance from the side. So a vertex on the side touched by a tie
    is returned too when a forward pass there gives some neuron a sign, decided against its own
    magnitude (``tol.stable``), other than the skeleton's. Every such skeleton vertex is
    returned (some may be none of the true vertices: the answer errs on the side of more).
    The decisions are otherwise the skeleton's own (a value within ``tol.stable`` of its
    magnitude ``|W| |a| + |b|`` is a tie, any other sign is trusted), as for every count
    ``skeleton`` makes.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([(np.eye(2), [-0.5, -0.25]), (np.ones((1, 2)), [0.0])])
    >>> neuron_vertices(net, polyreg.Box.cube(2), 1).tolist()
    [[0.5, 0.25]]
    >>> neuron_vertices(net, polyreg.Box([-1.0, 0.5], [1.0, 1.0]), 1).shape
    (0, 2)
    """
    from ..skeleton import centred_context, vertex_budget

    cnet, cbox, c, ctx = centred_context(net, box, tol)
    if max_vertices is None:
        max_vertices = vertex_budget(cnet, cbox)
    cx, _ = build(ctx, 0, max_vertices, SkeletonProgress(False), inward=inward)
    n, d = cx.nV, cnet.n_inputs
    Zc = cx.Zc[:n]
    on_side = (Zc == d + inward).any(axis=1)
    flagged = ~on_side & ((Zc >= cx.ndom).all(axis=1) | cx.sus[:n])
    suspect = np.flatnonzero(on_side & cx.sus[:n])
    if suspect.size:
        flagged[suspect] = _undecided(cnet, cx.X[suspect], cx.S[suspect, cx.ndom:],
                                      Zc[suspect] - cx.ndom, tol.stable)
        rest = suspect[~flagged[suspect]]
        flagged[rest] = _not_concurrent(net, cx.X[rest] + c, Zc[rest] - cx.ndom, inward,
                                        tol.stable)
    return cx.X[:n][flagged] + c


def _not_concurrent(net: Network, X: np.ndarray, zeros: np.ndarray, inward: int,
                    stable: float) -> np.ndarray:
    """For vertices ``X`` on the side (``x_inward`` at its lower bound, 0 for
    :mod:`~polyreg.engines.homog`'s ``tau``), whether the first-layer hyperplanes through them
    (zero columns ``zeros``, or values within ``stable`` of their magnitude) cannot all pass
    exactly through one point of the side: restricted to the side (column ``inward`` dropped),
    ``[W | b]`` of those neurons has rank ``d``, decided in rationals. Then the tie hides
    hyperplanes that meet off the side, at a distance float64 does not resolve (two lines
    crossing at ``x = -2^55`` meet on a side of the cube of half-width 2^12 at ``tau ~
    2^-31``); concurrent ones (parallel neurons meeting only at infinity) have rank below
    ``d``. Only vertices with ``d`` or more such hyperplanes are asked."""
    from ... import exact as ex

    d = net.n_inputs
    W, b = net.weights[0], net.biases[0]
    bad = np.zeros(X.shape[0], dtype=bool)
    if not X.shape[0]:
        return bad
    tie = _through(X, X @ W.T + b, W, b, np.arange(W.shape[0]), zeros, stable)
    side = np.delete(W, inward, axis=1)
    for j in np.flatnonzero(tie.sum(axis=1) >= d):
        M = np.column_stack([side[tie[j]], b[tie[j]]])
        bad[j] = len(ex.independent_rows(ex.q_mat(M))) >= d
    return bad


def _undecided(net: Network, X: np.ndarray, signs: np.ndarray, zeros: np.ndarray,
               stable: float) -> np.ndarray:
    """For vertices ``X`` on the side, whether some neuron other than their zero columns
    ``zeros`` has there, by a forward pass with its own magnitude, a decided sign other than the
    one the skeleton gave it (``signs``): a tie the skeleton snapped (its magnitudes at
    interpolated vertices are those of the edge's ends) that hides a crossing off the side.
    Zero columns and values within the tolerance go on as exact zeros (the float model)."""
    bad = np.zeros(X.shape[0], dtype=bool)
    a = X
    alpha = net.negative_slope
    offsets = net.layer_offsets
    for layer, (W, b) in enumerate(zip(net.weights[:-1], net.biases[:-1], strict=True)):
        cols = np.arange(offsets[layer], offsets[layer + 1])
        z = a @ W.T + b
        through = _through(a, z, W, b, cols, zeros, stable)
        bad |= (~through & (np.where(z > 0, 1, -1) != signs[:, cols])).any(axis=1)
        z = np.where(through, 0.0, z)  # zero columns and ties are zeros
        a = np.maximum(z, alpha * z) if alpha else np.maximum(z, 0.0)
    return bad


def _through(a: np.ndarray, z: np.ndarray, W: np.ndarray, b: np.ndarray, cols: np.ndarray,
             zeros: np.ndarray, stable: float) -> np.ndarray:
    """Which of a layer's neurons (pattern indices ``cols``, values ``z = a W^T + b`` at the
    points ``a``) pass through each point: a zero column of the vertex (``zeros``) or a value
    within ``stable`` of its own magnitude ``|W| |a| + |b|``."""
    decided = np.abs(z) > stable * (np.abs(a) @ np.abs(W).T + np.abs(b))
    return ~decided | (zeros[:, :, None] == cols[None, None, :]).any(axis=1)
