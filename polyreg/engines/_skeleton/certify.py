"""Canonical patterns, certified interior points and output maps of the cells (``skeleton``'s
third stage, see :mod:`polyreg.engines.skeleton`): a forward pass certifies most cells, the
rest go through :func:`polyreg.engines._cells.certify_cells`."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ...exact import RowsFn
from ...solvers import SolveCounter
from ...network import Network
from .._cells import certify_cells
from .._common import Context, exact_rows, region_rows
from .cells import Cells
from .complex import Complex

#: memory budget of one chunk of the batched per-region computations
_CHUNK_BYTES = 64 * 2**20


def _chunks(n: int, per_row: int) -> Iterator[slice]:
    """Slices of ``range(n)`` whose rows of ``per_row`` float64 values fit the chunk budget."""
    step = max(1, _CHUNK_BYTES // (8 * max(per_row, 1)))
    return (slice(s, min(n, s + step)) for s in range(0, n, step))


def _fast_radius(ctx: Context, P: np.ndarray, points: np.ndarray) -> np.ndarray:
    """A certified inscribed radius of each pattern's region at its point, from one plain
    forward pass: ``min_k s_k z_k(p) / scale_k`` over live neurons (``|g_k| <= scale_k`` on
    every region, so this bounds the distance to each row's hyperplane from below; it is
    <= 0 when ``p`` is not in the region) and the domain's slack."""
    net = ctx.net
    out = np.full(P.shape[0], np.inf)
    inv_scale = np.where(ctx.stab.live, 1.0 / ctx.scale, 0.0)
    stable = ~ctx.stab.live
    offsets, alpha = net.layer_offsets, net.negative_slope
    width = max(W.shape[0] for W in net.weights)
    for sl in _chunks(P.shape[0], 3 * width):
        a, rad = points[sl], out[sl]
        for layer in range(len(net.weights) - 1):
            z = a @ net.weights[layer].T + net.biases[layer]
            seg = slice(offsets[layer], offsets[layer + 1])
            v = np.where(P[sl, seg], z, -z)
            v *= inv_scale[seg]
            if stable[seg].any():
                v[:, stable[seg]] = np.inf
            np.minimum(rad, v.min(axis=1), out=rad)
            a = np.maximum(z, alpha * z) if alpha else np.maximum(z, 0.0)
        if ctx.dom_b.size:
            np.minimum(rad, (ctx.dom_b - points[sl] @ ctx.dom_A.T).min(axis=1), out=rad)
    return out


def _exact_maps(ctx: Context, P: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Canonical patterns (identically zero neurons off, constant ones by their sign) and the
    least slack of each region's rows at its point (``region_rows``' rows), from the masked
    recurrence on ``d + 1`` columns per pattern (one matrix product per layer)."""
    net, tol = ctx.net, ctx.tol
    d, N, C = net.n_inputs, net.n_hidden, P.shape[0]
    alpha, offsets, L = net.negative_slope, net.layer_offsets, len(net.weights)
    pattern = np.empty((C, N), dtype=bool)
    radius = np.empty(C)
    small = tol.gradient * ctx.scale[:, None]
    live = ctx.stab.live[:, None]
    width = max(W.shape[0] for W in net.weights)
    for sl in _chunks(C, (N + 3 * width) * (d + 1)):
        Pc, pc = P[sl], points[sl]
        r = Pc.shape[0]
        W0, b0 = net.weights[0], net.biases[0]
        T = np.empty((W0.shape[0], r, d + 1))
        T[:, :, :d] = W0[:, None, :]
        T[:, :, d] = b0[:, None]
        G = np.empty((N, r, d + 1))
        G[offsets[0] : offsets[1]] = T
        for layer in range(1, L - 1):
            A = T * np.where(Pc[:, offsets[layer - 1] : offsets[layer]].T, 1.0, alpha)[:, :, None]
            W, b = net.weights[layer], net.biases[layer]
            T = (W @ A.reshape(A.shape[0], -1)).reshape(W.shape[0], r, d + 1)
            T[:, :, d] += b[:, None]
            G[offsets[layer] : offsets[layer + 1]] = T
        g, c = G[:, :, :d], G[:, :, d]
        gn = np.sqrt(np.einsum("nrd,nrd->nr", g, g))
        zp = np.einsum("nrd,rd->nr", g, pc) + c
        const = gn <= small
        bits = Pc.T.copy()
        fix = live & const
        bits[fix] = (c > small)[fix]
        rows = live & ~const
        with np.errstate(divide="ignore", invalid="ignore"):
            slack = np.where(rows, np.where(bits, zp, -zp) / np.where(rows, gn, 1.0), np.inf)
        rad = slack.min(axis=0) if N else np.full(r, np.inf)
        if ctx.dom_b.size:
            rad = np.minimum(rad, (ctx.dom_b[:, None] - ctx.dom_A @ pc.T).min(axis=0))
        pattern[sl] = bits.T
        radius[sl] = rad
    return pattern, radius


def out_maps(net: Network, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Output maps ``f(x) = W x + b`` of many patterns: shapes (C, n_out, d) and (C, n_out).

    Backward through the masked layers (``n_out`` rows per pattern) when there are fewer
    outputs than ``d + 1``, else forward (``d + 1`` columns per pattern)."""
    d, n_out, C = net.n_inputs, net.n_outputs, P.shape[0]
    alpha, offsets, L = net.negative_slope, net.layer_offsets, len(net.weights)
    out_W, out_b = np.empty((C, n_out, d)), np.empty((C, n_out))
    width = max(W.shape[1] for W in net.weights)
    for sl in _chunks(C, 3 * width * max(n_out, d + 1)):
        Pc = P[sl]
        r = Pc.shape[0]
        if n_out < d + 1:
            V = np.broadcast_to(net.weights[-1], (r,) + net.weights[-1].shape)
            ob = np.broadcast_to(net.biases[-1], (r, n_out)).copy()
            for layer in range(L - 2, -1, -1):
                slope = np.where(Pc[:, offsets[layer] : offsets[layer + 1]], 1.0, alpha)
                V = V * slope[:, None, :]
                ob += V @ net.biases[layer]
                W = net.weights[layer]
                V = (V.reshape(r * n_out, -1) @ W).reshape(r, n_out, W.shape[1])
            out_W[sl], out_b[sl] = V, ob
        else:
            T = np.empty((r, d + 1, net.weights[0].shape[0]))
            T[:, :d] = net.weights[0].T
            T[:, d] = net.biases[0]
            for layer in range(1, L):
                A = T * np.where(Pc[:, offsets[layer - 1] : offsets[layer]], 1.0, alpha)[:, None]
                W, b = net.weights[layer], net.biases[layer]
                T = (A.reshape(-1, A.shape[2]) @ W.T).reshape(r, d + 1, W.shape[0])
                T[:, d] += b
            out_W[sl] = T[:, :d].transpose(0, 2, 1)
            out_b[sl] = T[:, d]
    return out_W, out_b


def certify(
    ctx: Context, cx: Complex, cells: Cells, live: np.ndarray, counter: SolveCounter
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Canonical pattern of every cell, and the real regions among them: ``(P, best, points,
    radius)`` with ``best`` the representative cell of each region (one per canonical
    pattern, the best certificate), its certified point and radius."""
    net, tol = ctx.net, ctx.tol
    C = cells.bits.shape[0]
    if live.size == net.n_hidden:
        P = cells.bits.copy()
    else:
        P = np.zeros((C, net.n_hidden), dtype=bool)
        P[:, live] = cells.bits
        P[:, ctx.stab.on] = True
    # cells touching a tie may hold identically zero neurons: their canonical pattern and
    # certificate come from their local maps; all others are certified by a forward pass
    radius = _fast_radius(ctx, P, cells.points)
    touched = np.zeros(C, dtype=bool)
    if cx.ties:
        sus = cx.sus[: cx.nV]
        assert cells.inc_cell is not None and cells.inc_vert is not None  # read with ties
        touched = np.bincount(cells.inc_cell, weights=sus[cells.inc_vert], minlength=C) > 0
    exact = touched | (radius < tol.radius)
    if exact.any():
        P[exact], radius[exact] = _exact_maps(ctx, P[exact], cells.points[exact])
    elif radius.size and radius.min() >= tol.radius and tol.exact != "always":
        # the cells' sign vectors are distinct, and so are their patterns: all certified
        return P, np.arange(C), cells.points, radius
    packed = np.packbits(P, axis=1)
    keys = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, group = np.unique(keys, return_inverse=True)
    group = group.ravel()
    order = np.lexsort((-radius, group))
    first = np.ones(C, dtype=bool)
    first[1:] = group[order[1:]] != group[order[:-1]]
    best = order[first]
    points = cells.points[best]
    radius = radius[best]
    def rows(i: int) -> tuple[np.ndarray, np.ndarray, RowsFn | None]:
        rr = region_rows(ctx, P[best[i]])
        return rr.A, rr.b, exact_rows(ctx, rr)

    real = certify_cells(points, radius, rows, ctx.domain, tol, counter, what="skeleton cell")
    return P, best[real], points[real], radius[real]
