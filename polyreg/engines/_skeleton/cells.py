"""Cells of the 1-skeleton's subdivision, read from the vertices' sign vectors, with their
facets (``skeleton``'s second stage, see :mod:`polyreg.engines.skeleton`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .complex import Complex, Inconsistent


@dataclass
class Cells:
    """Cells of the (symbolically perturbed) complex read from vertex sign vectors.

    ``bits`` (C, n_live) live-neuron bits per cell; ``points`` (C, d) a point inside each cell;
    ``inc_cell``, ``inc_vert`` the cell-vertex incidences (None when read by :func:`read_cells_min`);
    ``f_off``, ``f_on``, ``f_col`` (F,) the facets (cells on the off / on side of live neuron
    ``f_col``) and ``f_point`` (F, d) a point in each facet's relative interior.
    """

    bits: np.ndarray
    points: np.ndarray
    inc_cell: np.ndarray | None
    inc_vert: np.ndarray | None
    f_off: np.ndarray
    f_on: np.ndarray
    f_col: np.ndarray
    f_point: np.ndarray


def _fill_signs(m: int) -> np.ndarray:
    """All ``2**m`` sign vectors in {-1, +1}^m, row ``f`` has sign ``+`` at bit ``i`` of ``f``."""
    return np.where((np.arange(1 << m)[:, None] >> np.arange(m)) & 1, 1, -1).astype(np.int64)


def read_cells(cx: Complex, facets: bool = True) -> Cells:
    """Every cell around every vertex: a vertex with ``m`` neuron zeros borders the ``2**m``
    cells obtained by filling them with +/- (all exist in general position, which the symbolic
    perturbation guarantees); facets are the pairs of fillings differing in one zero (none
    read with ``facets=False``: the cells are the same)."""
    nV, d, ndom = cx.nV, cx.d, cx.ndom
    Zc = cx.Zc[:nV]
    isn = Zc >= ndom
    m = isn.sum(axis=1)
    Sd = cx.S[:nV, :ndom].astype(np.int64)
    Hn1 = cx.H1[:nV] - (Sd * cx.w1[:ndom]).sum(axis=1)
    Hn2 = cx.H2[:nV] - (Sd * cx.w2[:ndom]).sum(axis=1)
    h1s, h2s, verts, fills, groups = [], [], [], [], []
    pos = 0
    for mm in range(d + 1):
        vg = np.flatnonzero(m == mm)
        if vg.size == 0:
            continue
        F = 1 << mm
        Zn = Zc[vg][isn[vg]].reshape(vg.size, mm)
        sign = _fill_signs(mm)
        h1s.append((Hn1[vg][:, None] + (sign[None] * cx.w1[Zn][:, None, :]).sum(axis=2)).ravel())
        h2s.append((Hn2[vg][:, None] + (sign[None] * cx.w2[Zn][:, None, :]).sum(axis=2)).ravel())
        verts.append(np.repeat(vg, F))
        fills.append(np.tile(np.arange(F), vg.size))
        groups.append((mm, vg, Zn, pos))
        pos += vg.size * F
    h1, h2 = np.concatenate(h1s), np.concatenate(h2s)
    vert, fill = np.concatenate(verts), np.concatenate(fills)
    _, first, inv = np.unique(h1, return_index=True, return_inverse=True)
    inv = inv.ravel()
    if not np.array_equal(h2[first][inv], h2):
        raise Inconsistent("hash collision among cell sign vectors")
    n_cells = first.size
    # bits of each cell from one incidence: the vertex's signs with its zeros filled
    rv, rf = vert[first], fill[first]
    bits = cx.S[rv, ndom:] > 0
    rz = isn[rv]
    rank = np.cumsum(rz, axis=1) - 1
    rows, cols = np.nonzero(rz)
    bits[rows, Zc[rv][rows, cols] - ndom] = ((rf[rows] >> rank[rows, cols]) & 1).astype(bool)
    count = np.bincount(inv, minlength=n_cells)
    X = cx.X[:nV]
    points = np.column_stack(
        [np.bincount(inv, weights=X[vert, j], minlength=n_cells) for j in range(d)]
    ) / count[:, None]
    # facets: at each vertex, fillings f (bit i off) and f | 1 << i share the facet on zero i
    offs, ons, fcols, fverts = [], [], [], []
    for mm, vg, Zn, start in groups if facets else ():
        F = 1 << mm
        base = start + np.arange(vg.size)[:, None] * F
        for i in range(mm):
            f_off = np.flatnonzero(((np.arange(F) >> i) & 1) == 0)
            io = (base + f_off[None, :]).ravel()
            offs.append(inv[io])
            ons.append(inv[io + (1 << i)])
            fcols.append(np.repeat(Zn[:, i], F // 2))
            fverts.append(np.repeat(vg, F // 2))
    if offs:
        off, on = np.concatenate(offs), np.concatenate(ons)
        col, fv = np.concatenate(fcols) - ndom, np.concatenate(fverts)
        n_live = cx.M - ndom
        _, ffirst, finv = np.unique(off * n_live + col, return_index=True, return_inverse=True)
        finv = finv.ravel()
        fcount = np.bincount(finv)
        f_point = np.column_stack(
            [np.bincount(finv, weights=X[fv, j]) for j in range(d)]
        ) / fcount[:, None]
        f_off, f_on, f_col = off[ffirst], on[ffirst], col[ffirst]
    else:
        f_off = f_on = f_col = np.zeros(0, dtype=np.int64)
        f_point = np.zeros((0, d))
    return Cells(bits, points, inv, vert, f_off, f_on, f_col, f_point)


def _expand(opts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every choice per row of ``opts`` (rows, k) masks (bit 0: the - side, bit 1: the +
    side): ``(row, plus)`` with ``plus`` (n, k) bool. Rows with an empty mask give nothing."""
    cnt = (opts & 1) + (opts >> 1)
    alive = np.flatnonzero(np.all(cnt > 0, axis=1))
    both = opts[alive] == 3
    rep = 1 << both.sum(axis=1)
    row = np.repeat(alive, rep)
    sub = np.arange(row.size) - np.repeat(np.cumsum(rep) - rep, rep)
    rank = np.cumsum(both, axis=1) - 1
    o = opts[row]
    plus = np.where(o == 3, (sub[:, None] >> np.maximum(rank[np.repeat(np.arange(alive.size),
                                                                         rep)], 0)) & 1,
                    o == 2).astype(bool)
    return row, plus


def read_cells_min(cx: Complex, seed: int) -> Cells:
    """Cells and facets read at their lowest vertex for a random linear order (general
    position only): a face's edges at its lowest vertex all go up, so each cell and each facet
    is produced once, with the barycentre of its simplex of edges there as interior point."""
    nV, d, ndom = cx.nV, cx.d, cx.ndom
    nbr = cx.nbr[:nV]
    ell = np.random.default_rng(seed + 1).normal(size=d)
    X = cx.X[:nV]
    f = X @ ell
    fn = f[nbr]
    up = (fn > f[:, None]) | ((fn == f[:, None]) & (nbr > np.arange(nV)[:, None]))
    opts = up[:, 0::2] + 2 * up[:, 1::2].astype(np.int64)  # (nV, d) masks
    Zc = cx.Zc[:nV]
    neuron = Zc >= ndom
    Sd = cx.S[:nV, :ndom].astype(np.int64)
    Hn1 = cx.H1[:nV] - (Sd * cx.w1[:ndom]).sum(axis=1)
    Hn2 = cx.H2[:nV] - (Sd * cx.w2[:ndom]).sum(axis=1)
    w1z = np.where(neuron, cx.w1[Zc], 0)
    w2z = np.where(neuron, cx.w2[Zc], 0)
    # cells
    v, plus = _expand(opts)
    sgn = np.where(plus, 1, -1)
    h1 = Hn1[v] + (sgn * w1z[v]).sum(axis=1)
    h2 = Hn2[v] + (sgn * w2z[v]).sum(axis=1)
    order = np.argsort(h1)
    h1s = h1[order]
    if np.any(h1s[1:] == h1s[:-1]):
        raise Inconsistent("a cell has two lowest vertices")
    ends = X[nbr[v[:, None], 2 * np.arange(d) + plus]]
    points = (X[v] + (ends - X[v][:, None, :]).sum(axis=1) / (d + 1))[order]
    bits = cx.S[v, ndom:] > 0
    rows, cols = np.nonzero(neuron[v])
    bits[rows, Zc[v][rows, cols] - ndom] = plus[rows, cols]
    bits, h2 = bits[order], h2[order]
    # facets: at its lowest vertex, the facet on neuron zero i has all other edges going up
    offs, ons, fcols, fpts = [], [], [], []
    for i in range(d):
        sel = np.flatnonzero(neuron[:, i])
        o = opts[sel].copy()
        o[:, i] = 1
        r, pl = _expand(o)
        vv = sel[r]
        sg = np.where(pl, 1, -1)
        sg[:, i] = 0
        base1 = Hn1[vv] + (sg * w1z[vv]).sum(axis=1)
        base2 = Hn2[vv] + (sg * w2z[vv]).sum(axis=1)
        pair = []
        for side in (-1, 1):
            k1 = base1 + side * w1z[vv, i]
            pos = np.minimum(np.searchsorted(h1s, k1), h1s.size - 1)
            if not (np.array_equal(h1s[pos], k1) and np.array_equal(h2[pos],
                                                                    base2 + side * w2z[vv, i])):
                raise Inconsistent("a facet's cell was not read at its lowest vertex")
            pair.append(pos)
        others = np.delete(np.arange(d), i)
        e = X[nbr[vv[:, None], 2 * others + pl[:, others]]] - X[vv][:, None, :]
        offs.append(pair[0])
        ons.append(pair[1])
        fcols.append(Zc[vv, i] - ndom)
        fpts.append(X[vv] + e.sum(axis=1) / d)
    return Cells(
        bits, points, None, None, np.concatenate(offs), np.concatenate(ons),
        np.concatenate(fcols), np.concatenate(fpts) if fpts else np.zeros((0, d)),
    )
