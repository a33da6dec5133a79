"""``skeleton``: vertex/edge subdivision of a polytope domain (no LP in general position).

The 1-skeleton of the subdivision is kept as vertices (coordinates, one sign per domain facet
and per neuron so far: +1, -1, or 0 on it) and edges (index pairs). Neurons are added one at a
time in layer order; a neuron is affine on every cell of the current complex, so its value at
a vertex is the (continuous) pre-activation there, carried along edges by interpolation. An edge
whose endpoints have opposite signs is split at the interpolated zero; two new vertices are
joined when their split edges lie on a common 2-face of the old complex, found by matching the
sign vectors of the split edges with one zero released (to + or -, domain facets only inwards).
The idea is Berzins' (ICML 2023, "Polyhedral complex extraction from ReLU networks using edge
subdivision"); this is an independent float64 implementation with exact degenerate handling.

Exactness (see :func:`skeleton`, Notes): sign decisions follow a symbolic perturbation of the
biases, so the combinatorics are always those of a network in general position; every region
is then certified against its own constraint rows (an LP decides the few that the cheap
certificate cannot), and adjacency around degenerate spots is recomputed exactly.

Thresholds. The skeleton is built in coordinates centred on the domain (first-layer offsets
``b + W centre`` correctly rounded, :mod:`polyreg.engines._centred`), so translating network
and domain together changes nothing. A vertex lies on a neuron's hyperplane when its value is
within ``tol.stable`` times the magnitude it is computed from, ``|W| |a| + |b|`` at that
vertex (invariant when a neuron is rescaled; no absolute floor); on a domain facet, within
``tol.stable`` times ``|A| |x| + |b|``. Stable neurons from bound propagation are trusted only
where every vertex agrees (their maximum over each cell is at a vertex); a contradicted one is
cut as a live neuron (``stats['unconfirmed_stable']``). Non-box domains start from their
bounding box widened by ``1e-6`` of its width. Refused: domains thinner than ``tol.zero``,
farther than ``1e150`` from their centre or within ``1e-150`` of it (``InvalidDomain``);
values that overflow float64, or no certified region at all (``ToleranceError``, never an
empty result).
"""

from __future__ import annotations

import gc
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from collections.abc import Iterator

import numpy as np

from ..domains import Ball, Box, Domain
from ..errors import InvalidDomain, ToleranceError
from ..lp import SolveCounter, inscribed_ball
from ..network import Network
from ..propagation import Stability
from ..regions import Edge, Region, RegionSet, pattern_key
from ..tolerances import DEFAULT, Tolerances
from ._centred import centre_of, check_extent, exact_affine, translate
from ._common import Context, exact_rows, format_seconds, patterns_across, region_rows

#: largest input dimension accepted (the 1-skeleton grows quickly with d)
MAX_DIM = 8

#: bytes the skeleton's vertex arrays may take by default (see ``max_vertices``)
MEMORY_BUDGET = 4 * 2**30

#: memory budget of one chunk of the batched per-region computations
_CHUNK_BYTES = 64 * 2**20


class _Inconsistent(Exception):
    """The float64 sign decisions produced a combinatorially impossible skeleton."""


@dataclass(frozen=True, eq=False, repr=False)  # the short RegionSet repr
class SkeletonRegionSet(RegionSet):
    """A :class:`~polyreg.regions.RegionSet` plus the 1-skeleton it was read from.

    Attributes
    ----------
    vertices : ndarray, shape (V, d)
        Vertices of the subdivision of the domain by every neuron's zero set. In degenerate
        position several vertices may coincide (the symbolic perturbation separates them).
    edges_xy : ndarray of int, shape (E, 2)
        Skeleton edges as index pairs into ``vertices`` (``vertices[edges_xy]`` has shape
        ``(E, 2, d)``); not to be confused with :attr:`edges`, the region adjacency.
    """

    vertices: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    edges_xy: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))


# ---------------------------------------------------------------------------- the complex
class _Complex:
    """Growable arrays of the 1-skeleton; rows are vertices.

    ``X`` (cap, d) coordinates; ``S`` (cap, M) int8 signs per column (domain facets first, then
    live neurons), 0 on the column's hyperplane; ``Zc`` (cap, d) the ``d`` zero columns of each
    vertex (general position, which the symbolic perturbation guarantees); ``nbr`` (cap, 2 d)
    the edges: ``nbr[v, 2 i + (sign > 0)]`` is the vertex reached by leaving zero column
    ``Zc[v, i]`` to that sign (``v`` itself: no such edge); ``H1``, ``H2`` two 64-bit hashes of
    the sign vectors; ``sus`` vertices touched by a tie; ``Z`` (cap, n_l) the current layer's
    pre-activations and ``Zm`` the magnitudes they are computed from (``|W| |a| + |b|``).
    """

    def __init__(self, d: int, M: int, ndom: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        lo, hi = np.iinfo(np.int64).min, np.iinfo(np.int64).max
        self.w1 = rng.integers(lo, hi, size=M, dtype=np.int64)
        self.w2 = rng.integers(lo, hi, size=M, dtype=np.int64)
        self.d, self.M, self.ndom = d, M, ndom
        cap = 1024
        self.X = np.zeros((cap, d))
        self.S = np.zeros((cap, M), dtype=np.int8)
        self.Zc = np.zeros((cap, d), dtype=np.int32)
        self.nbr = np.zeros((cap, 2 * d), dtype=np.int64)
        self.H1 = np.zeros(cap, dtype=np.int64)
        self.H2 = np.zeros(cap, dtype=np.int64)
        self.sus = np.zeros(cap, dtype=bool)
        self.Z: np.ndarray | None = None
        self.Zm: np.ndarray | None = None
        self.nV = 0
        self.ties = 0

    def _reserve(self, nv: int) -> None:
        cap = self.X.shape[0]
        if self.nV + nv <= cap:
            return
        new = max(2 * cap, self.nV + nv)
        for name in ("X", "S", "Zc", "nbr", "H1", "H2", "sus", "Z", "Zm"):
            old = getattr(self, name)
            if old is not None:
                arr = np.zeros((new,) + old.shape[1:], dtype=old.dtype)
                arr[: self.nV] = old[: self.nV]
                setattr(self, name, arr)

    def set_layer(self, Z: np.ndarray, Zm: np.ndarray) -> None:
        """Install the next layer's pre-activations ``Z`` (nV, n_l) at the current vertices,
        with their magnitudes ``Zm``."""
        buf = np.zeros((self.X.shape[0], Z.shape[1]))
        buf[: self.nV] = Z
        self.Z = buf
        buf = np.zeros((self.X.shape[0], Z.shape[1]))
        buf[: self.nV] = Zm
        self.Zm = buf

    def edges(self) -> np.ndarray:
        """Skeleton edges as index pairs ``(u, v)``, ``u < v``, shape (E, 2)."""
        nb = self.nbr[: self.nV]
        v, slot = np.nonzero(nb > np.arange(self.nV)[:, None])
        return np.column_stack([v, nb[v, slot]])

    # -- initial complex
    def box(self, lo: np.ndarray, hi: np.ndarray) -> None:
        """The box ``lo <= x <= hi``: columns ``i`` (``x_i <= hi_i``) and ``d + i``."""
        d = self.d
        n = 2**d
        bits = ((np.arange(n)[:, None] >> np.arange(d)) & 1).astype(bool)
        self._reserve(n)
        self.X[:n] = np.where(bits, hi, lo)
        self.S[:n, :d] = np.where(bits, 0, -1)
        self.S[:n, d : 2 * d] = np.where(bits, -1, 0)
        self.Zc[:n] = np.where(bits, np.arange(d), d + np.arange(d))
        idx = np.arange(n)
        self.nbr[:n, 0::2] = idx[:, None] ^ (1 << np.arange(d))  # inwards: the other corner
        self.nbr[:n, 1::2] = idx[:, None]
        self.nV = n
        S64 = self.S[:n, : 2 * d].astype(np.int64)
        self.H1[:n] = (S64 * self.w1[: 2 * d]).sum(axis=1)
        self.H2[:n] = (S64 * self.w2[: 2 * d]).sum(axis=1)

    # -- one hyperplane
    def cut(self, col: int, z: np.ndarray, tau: np.ndarray, clip: bool, krow: int = -1) -> int:
        """Add the zero set of column ``col`` with values ``z`` (nV,) at the vertices.

        ``|z| <= tau`` is a tie (the vertex lies on the hyperplane), resolved by a symbolic
        shift of the hyperplane to one side (``clip``: a domain facet, always outwards).
        With ``clip`` the vertices strictly outside are removed afterwards. Returns the number
        of edges split.
        """
        nV, d = self.nV, self.d
        nb = self.nbr[:nV]
        pos = z > tau
        neg = z < -tau
        s = pos.astype(np.int8)
        s *= 2
        s -= 1
        n_tie = nV - int(np.count_nonzero(pos)) - int(np.count_nonzero(neg))
        tie = None
        if n_tie:
            tie = ~(pos | neg)
            self.ties += n_tie
            sigma = -1
            if not clip:  # the side that splits fewer edges (both are valid perturbations)
                tv = np.flatnonzero(tie)
                cost_plus = np.count_nonzero(neg[nb[tv]])
                cost_minus = np.count_nonzero(pos[nb[tv]])
                sigma = 1 if cost_plus <= cost_minus else -1
            if sigma == 1:
                s[tie] = 1
            self.sus[:nV] |= tie
        self.S[:nV, col] = s
        # split edges, listed from their + end: (u, slot su) -> x
        plus = np.flatnonzero(pos) if not n_tie else np.flatnonzero(s > 0)
        iu, su = np.nonzero(s[nb[plus]] < 0)
        u = plus[iu]
        ns = u.size
        if ns:
            self._reserve(ns)
            nb = self.nbr[:nV]
            x = nb[u, su]
            sx = np.argmax(nb[x] == u[:, None], axis=1)
            zu, zx = z[u], z[x]
            with np.errstate(divide="ignore", invalid="ignore"):
                t = zu / (zu - zx)
            if tie is not None:  # i.e. n_tie
                t = np.where(tie[u], 0.0, np.where(tie[x], 1.0, t))
            t = np.clip(t, 0.0, 1.0)
            w = np.arange(nV, nV + ns)
            X = self.X
            X[w] = (1.0 - t)[:, None] * X[u] + t[:, None] * X[x]
            if self.Z is not None and self.Zm is not None:  # set together by set_layer
                Z = self.Z
                Z[w] = (1.0 - t)[:, None] * Z[u] + t[:, None] * Z[x]
                Z[w, krow] = 0.0
                self.Zm[w] = np.maximum(self.Zm[u], self.Zm[x])
            # the edge keeps u's zeros but the one it leaves (position su // 2)
            keep = np.ones((ns, d), dtype=bool)
            keep[np.arange(ns), su // 2] = False
            Ze = self.Zc[u][keep].reshape(ns, d - 1)
            self.Zc[w, : d - 1] = Ze
            self.Zc[w, d - 1] = col
            cu = self.Zc[u, su // 2]
            sxc = self.S[x, cu]
            sx64 = sxc.astype(np.int64)
            self.S[w] = self.S[u]
            self.S[w, cu] = sxc
            self.S[w, col] = 0
            self.H1[w] = self.H1[u] + sx64 * self.w1[cu]
            self.H2[w] = self.H2[u] + sx64 * self.w2[cu]
            # a vertex between two vertices touched by ties may carry a tie-decided sign
            self.sus[w] = self.sus[u] & self.sus[x]
            if tie is not None:  # i.e. n_tie
                self.sus[w] |= tie[u] | tie[x]
            nbr = self.nbr
            nbr[u, su] = w
            nbr[x, sx] = w
            nbr[w] = w[:, None]
            nbr[w, 2 * d - 1] = u
            nbr[w, 2 * d - 2] = x
            if d > 1:
                a, b = _match_two_faces(self.H1[w], self.H2[w], Ze, self.w1, self.w2, self.ndom)
                # a, b: (split edge, position, plus) of both ends of each new edge
                nbr[w[a[0]], 2 * a[1] + a[2]] = w[b[0]]
                nbr[w[b[0]], 2 * b[1] + b[2]] = w[a[0]]
            self.nV += ns
        sw = s.astype(np.int64)
        self.H1[:nV] += sw * self.w1[col]
        self.H2[:nV] += sw * self.w2[col]
        if clip:
            keep_v = np.ones(self.nV, dtype=bool)
            keep_v[:nV] = s < 0
            self._compact(keep_v)
        return ns

    def fill(self, col: int, sign: int) -> None:
        """Column ``col`` takes ``sign`` at every vertex (a neuron stable on the domain)."""
        self.S[: self.nV, col] = sign
        self.H1[: self.nV] += sign * self.w1[col]
        self.H2[: self.nV] += sign * self.w2[col]

    def _compact(self, keep: np.ndarray) -> None:
        """Drop the vertices not in ``keep``; edges to them become empty slots."""
        n = int(keep.sum())
        new_index = np.cumsum(keep) - 1
        for name in ("X", "S", "Zc", "nbr", "H1", "H2", "sus"):
            arr = getattr(self, name)
            arr[:n] = arr[: self.nV][keep]
        nb = self.nbr[:n]
        gone = ~keep[nb]
        nb[:] = np.where(gone, np.arange(n)[:, None], new_index[nb])
        self.nV = n


def _match_two_faces(
    He1: np.ndarray, He2: np.ndarray, Ze: np.ndarray, w1: np.ndarray, w2: np.ndarray, ndom: int
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Pairs of split edges on a common 2-face.

    A split edge's 2-faces have its sign vector with one zero column released: a neuron column
    to + or -, a domain column inwards (-). Each crossed 2-face is a convex polygon with exactly
    two split edges, so each key must occur exactly twice (checked on a second hash). Returns
    ``(edge, position, plus)`` of the first and of the second member of each pair.
    """
    ns, k = Ze.shape
    wc1, wc2 = w1[Ze], w2[Ze]
    neuron = Ze >= ndom
    edge = np.broadcast_to(np.arange(ns)[:, None], Ze.shape)
    posn = np.broadcast_to(np.arange(k), Ze.shape)
    keys1 = np.concatenate([(He1[:, None] - wc1).ravel(), (He1[:, None] + wc1)[neuron]])
    keys2 = np.concatenate([(He2[:, None] - wc2).ravel(), (He2[:, None] + wc2)[neuron]])
    own = np.concatenate([edge.ravel(), edge[neuron]])
    at = np.concatenate([posn.ravel(), posn[neuron]])
    plus = np.concatenate([np.zeros(ns * k, dtype=np.int64), np.ones(int(neuron.sum()), np.int64)])
    if keys1.size % 2:
        raise _Inconsistent("a 2-face is crossed at an odd number of edges")
    order = np.argsort(keys1)
    s1 = keys1[order]
    a1, b1 = s1[0::2], s1[1::2]
    if not np.array_equal(a1, b1) or np.any(a1[1:] == a1[:-1]):
        raise _Inconsistent("a 2-face is crossed at other than two edges")
    fa, fb = order[0::2], order[1::2]
    if not np.array_equal(keys2[fa], keys2[fb]) or np.any(own[fa] == own[fb]):
        raise _Inconsistent("hash collision or a 2-face crossed twice by one edge")
    return (own[fa], at[fa], plus[fa]), (own[fb], at[fb], plus[fb])


# ---------------------------------------------------------------------------- cells and facets
@dataclass
class _Cells:
    """Cells of the (symbolically perturbed) complex read from vertex sign vectors.

    ``bits`` (C, n_live) live-neuron bits per cell; ``points`` (C, d) a point inside each cell;
    ``inc_cell``, ``inc_vert`` the cell-vertex incidences (None when read by :func:`_cells_min`);
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


def _cells(cx: _Complex) -> _Cells:
    """Every cell around every vertex: a vertex with ``m`` neuron zeros borders the ``2**m``
    cells obtained by filling them with +/- (all exist in general position, which the symbolic
    perturbation guarantees); facets are the pairs of fillings differing in one zero."""
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
        raise _Inconsistent("hash collision among cell sign vectors")
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
    for mm, vg, Zn, start in groups:
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
    return _Cells(bits, points, inv, vert, f_off, f_on, f_col, f_point)


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


def _cells_min(cx: _Complex, seed: int) -> _Cells:
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
        raise _Inconsistent("a cell has two lowest vertices")
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
                raise _Inconsistent("a facet's cell was not read at its lowest vertex")
            pair.append(pos)
        others = np.delete(np.arange(d), i)
        e = X[nbr[vv[:, None], 2 * others + pl[:, others]]] - X[vv][:, None, :]
        offs.append(pair[0])
        ons.append(pair[1])
        fcols.append(Zc[vv, i] - ndom)
        fpts.append(X[vv] + e.sum(axis=1) / d)
    return _Cells(
        bits, points, None, None, np.concatenate(offs), np.concatenate(ons),
        np.concatenate(fcols), np.concatenate(fpts) if fpts else np.zeros((0, d)),
    )


# ---------------------------------------------------------------------------- certification
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


def _out_maps(net: Network, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


# ---------------------------------------------------------------------------- the engine
def _box_and_clips(ctx: Context) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The starting box and the rows that clip it down to the domain."""
    dom = ctx.domain
    d = dom.dim
    if isinstance(dom, Box) or (isinstance(dom, Ball) and dom.norm == np.inf):
        lo, hi = dom.bounding_box()
        return lo, hi, np.zeros((0, d)), np.zeros(0)
    lo, hi = dom.bounding_box()
    # widened so that no side of the box lies on a facet: the clips then cut cleanly (the
    # coordinates are centred on the domain, so a fraction of its width is enough)
    pad = 1e-6 * (hi - lo)
    return lo - pad, hi + pad, ctx.dom_A, ctx.dom_b


def _check_domain(domain: Domain, d: int) -> None:
    if not domain.bounded or domain.rows() is None or domain.dim != d:
        kind = f"a {type(domain).__name__}"
        if isinstance(domain, Ball):
            kind = f"an L{'inf' if domain.norm == np.inf else int(domain.norm)} ball in {d}-D"
        elif not domain.bounded:
            kind = "the whole space"
        raise InvalidDomain(
            "the skeleton engine needs a bounded polyhedral domain with explicit rows (box, "
            f"polytope, L-inf ball, L1 ball up to dimension {Ball.L1_ROWS_MAX_DIM}, or a "
            f"slice of one), not {kind}; use method='auto'"
        )
    if d > MAX_DIM:
        raise InvalidDomain(
            f"the skeleton engine takes at most {MAX_DIM} inputs (the 1-skeleton grows too "
            f"fast), the network has {d}; use method='traverse'"
        )


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while many objects are created (restored after)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Progress:
    """Throttled ``skeleton`` progress line on stderr."""

    def __init__(self, enabled: bool | None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else bool(enabled)
        self.last = 0.0
        self.t0 = time.perf_counter()

    def __call__(self, text: str, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if final or now - self.last >= 0.5:
            self.last = now
            elapsed = format_seconds(now - self.t0)
            sys.stderr.write(f"\rskeleton: {text}  elapsed {elapsed}" + ("\n" if final else ""))
            sys.stderr.flush()


def _build(
    ctx: Context, seed: int, max_vertices: int, show: _Progress
) -> tuple[_Complex, np.ndarray]:
    """Subdivide the domain by every neuron, layer after layer; returns the complex and the
    neurons bound propagation called stable that the vertices contradict (they are cut as
    live ones; a confirmed stable neuron's column just takes its sign)."""
    net, tol = ctx.net, ctx.tol
    d = net.n_inputs
    lo, hi, CA, Cb = _box_and_clips(ctx)
    N = net.n_hidden
    ndom = 2 * d + Cb.size
    cx = _Complex(d, ndom + N, ndom, seed)
    cx.box(lo, hi)
    rel = tol.stable
    for r in range(Cb.size):
        X = cx.X[: cx.nV]
        z = X @ CA[r] - Cb[r]
        cx.cut(2 * d + r, z, rel * (np.abs(X) @ np.abs(CA[r]) + abs(Cb[r])), clip=True)
    column = ndom + np.arange(N)
    wrong = np.zeros(N, dtype=bool)
    offsets = net.layer_offsets
    alpha = net.negative_slope
    inputs = cx.X[: cx.nV]
    for layer in range(len(net.weights) - 1):
        W, b = net.weights[layer], net.biases[layer]
        cx.set_layer(inputs @ W.T + b, np.abs(inputs) @ np.abs(W).T + np.abs(b))
        assert cx.Z is not None and cx.Zm is not None  # set_layer sets them
        if not np.all(np.isfinite(cx.Z[: cx.nV])):
            raise ToleranceError(
                f"skeleton: the pre-activations of layer {layer + 1} overflow float64 "
                "(weights times the domain's extent); rescale the network or the inputs"
            )
        for k in range(offsets[layer], offsets[layer + 1]):
            j = k - offsets[layer]
            n = cx.nV
            tau = rel * cx.Zm[:n, j]
            if not ctx.stab.live[k]:  # trust bound propagation only where the vertices agree
                z = cx.Z[:n, j]
                if (ctx.stab.on[k] and np.all(z >= -tau)) or (ctx.stab.off[k] and np.all(z <= tau)):
                    cx.fill(int(column[k]), 1 if ctx.stab.on[k] else -1)
                    continue
                wrong[k] = True
            cx.cut(int(column[k]), cx.Z[:n, j], tau, clip=False, krow=j)
            if cx.nV > max_vertices:
                raise ToleranceError(
                    f"the skeleton has more than max_vertices={max_vertices} vertices after "
                    f"neuron {net.neuron_name(k)}; use method='traverse'"
                )
            show(f"neuron {net.neuron_name(k)}  vertices {cx.nV:,}")
        Zl = cx.Z[: cx.nV]
        inputs = np.maximum(Zl, alpha * Zl) if alpha else np.maximum(Zl, 0.0)
    cx.Z = cx.Zm = None
    return cx, wrong


def skeleton(
    net: Network,
    domain: Domain,
    *,
    tol: Tolerances = DEFAULT,
    progress: bool | None = None,
    chebyshev: bool = False,
    seed: int = 0,
    max_vertices: int | None = None,
) -> SkeletonRegionSet:
    """Enumerate every activation region of a polyhedral domain by vertex/edge subdivision.

    Parameters
    ----------
    net : Network
    domain : Domain
        ``Box``, ``Polytope``, L-inf ``Ball`` or L1 ``Ball`` with explicit rows (``d <= 6``);
        at most :data:`MAX_DIM` inputs. Or a :class:`~polyreg.slices.Slice` with such a bound:
        then points, radii, output maps and the skeleton are in slice coordinates ``(s, t)``.
    tol : Tolerances
        ``tol.stable`` (relative to the magnitude of a neuron's inputs) decides when a vertex
        lies on a hyperplane; ``tol.radius`` / ``tol.zero`` certify regions as everywhere else.
    progress : bool, optional
        Progress line on stderr; default: only when stderr is a terminal.
    chebyshev : bool
        Report each region's Chebyshev centre and radius (one LP per region). With False
        (default) ``point`` is a point inside the region read from the skeleton and ``radius``
        a certified lower bound on the distance from it to the region's boundary.
    seed : int
        Seed of the random 64-bit hash weights of sign vectors and of the linear order that
        reads the cells (results do not depend on it).
    max_vertices : int, optional
        Stop with :class:`~polyreg.errors.ToleranceError` beyond this many skeleton vertices.
        Default: as many as fit in :data:`MEMORY_BUDGET` bytes (a vertex takes about
        ``M + 28 d + 8 w + 25`` bytes, ``M`` the domain facets plus the neurons, ``w`` the
        widest layer; arrays grow by doubling).

    Returns
    -------
    SkeletonRegionSet
        Regions (pattern, certified interior point and radius, output map), facet adjacency,
        and the skeleton (``vertices``, ``edges_xy``). ``stats['engine']`` is ``"skeleton"``
        (``"traverse"`` if the skeleton had to fall back, with ``stats['fallback']``).

    Raises
    ------
    InvalidDomain
        Round (L2) balls, the whole space, paths, L1 balls without explicit rows, or more
        than :data:`MAX_DIM` inputs.
    ToleranceError
        A region or facet too thin to decide in float64 (as ``traverse``), or too many
        vertices.

    Notes
    -----
    *General position is never assumed.* A value ``|z| <= tol.stable * (|w| . |a| + |b|)`` at
    a vertex (``a`` the layer's inputs there, in coordinates centred on the domain) is a
    *tie*: the vertex lies on the hyperplane. All ties of a neuron
    go to one side (the one splitting fewer edges): symbolically the neuron's bias gets an
    infinitesimal ``+-eps_k`` dominating every earlier neuron's, and a domain facet an outward
    one. The skeleton is then exactly that of a network in general position: every real region
    is a cell of it, with its pattern, and the other cells are slivers of zero volume.

    *Cells.* A vertex with ``m`` neuron zeros borders the ``2^m`` cells obtained by filling
    them with +/- (all exist in general position, also where a deeper neuron bends along an
    earlier one). Without ties each cell and each facet is read once, at its lowest vertex for
    a random linear order (all its edges there go up), with the barycentre of its simplex of
    edges as interior point; otherwise from every vertex (all fillings, deduplicated), with the
    mean of the cell's vertices. Canonical patterns (stable bits forced, identically zero
    neurons off, constant ones by their sign) come from the cell's local maps wherever a tie
    was involved.

    *Certificates.* A cell's radius is ``min_k s_k z_k(p) / scale_k`` over live neurons (one
    forward pass; ``scale_k`` bounds the gradient norm on every region) and the domain's
    slack; below ``tol.radius``, the least slack of its ``region_rows``; below that,
    :func:`~polyreg.lp.inscribed_ball` decides (slivers come out empty, too thin to decide
    raises :class:`~polyreg.errors.ToleranceError` as in ``traverse``).

    *Adjacency.* Two cells filling a vertex's zeros differently in one neuron share a facet.
    Regions touching a tie or a sliver instead get their facets from ``traverse``'s exact
    facet test (:func:`~polyreg.engines.facets.find_facets`), so facets carried by
    coincident neurons, or bridged by slivers, are found as ``traverse`` finds them. Should
    float64 ever produce an impossible skeleton (a 2-face crossed at other than two edges, a
    cell read twice, a neighbour missing) the engine falls back to ``traverse``
    (``stats['fallback']`` says why).

    Cost: per neuron ``O(V d)`` vectorised work plus ``O(M)`` per new vertex; then one forward
    and one backward pass through the masked network per region.

    Examples
    --------
    >>> import polyreg
    >>> from polyreg.engines.skeleton import skeleton
    >>> net = polyreg.random_network([2, 6, 1], seed=0)
    >>> rs = skeleton(net, polyreg.Box.cube(2, -10, 10))
    >>> len(rs) == len(polyreg.enumerate_regions(net, polyreg.Box.cube(2, -10, 10),
    ...                                          method="traverse"))
    True
    >>> rs.vertices.shape[1], rs.edges_xy.shape[1]
    (2, 2)
    """
    from ..slices import Slice, slice_network

    t0 = time.perf_counter()
    given = domain.for_inputs(net.n_inputs)
    widths = net.widths
    if isinstance(given, Slice):  # the composed 2-input network on the slice's bound
        net, domain = slice_network(net, given)
    else:
        domain = given
    _check_domain(domain, net.n_inputs)
    lo, hi = domain.bounding_box()
    if float(np.min(hi - lo)) / 2 <= tol.zero:  # an upper bound on the domain's inradius
        raise InvalidDomain(
            f"the domain is thinner than tol.zero={tol.zero:g} (inscribed radius at most "
            f"{float(np.min(hi - lo)) / 2:.3g}): it has no full-dimensional region"
        )
    # coordinates centred on the domain (exact first-layer offsets, see ._centred)
    orig_net, orig_domain = net, domain
    centre = centre_of(domain)
    if np.any(centre):
        b0 = exact_affine(net.weights[0], centre, net.biases[0])
        net = Network.from_layers(
            [(net.weights[0], b0)] + list(zip(net.weights[1:], net.biases[1:], strict=True)),
            negative_slope=net.negative_slope,
        )
        domain = translate(domain, centre)
    clo, chi = domain.bounding_box()
    check_extent(float(np.max(np.maximum(np.abs(clo), np.abs(chi)))), "skeleton")
    ctx = Context.create(net, domain, tol)
    show = _Progress(progress)
    if max_vertices is None:
        dom_rows = domain.rows()
        rows = (0 if dom_rows is None else dom_rows[1].size) + 2 * net.n_inputs + net.n_hidden
        per_vertex = rows + 28 * net.n_inputs + 8 * max(net.widths) + 25
        max_vertices = MEMORY_BUDGET // (2 * per_vertex)
    try:
        rs = _skeleton(ctx, seed, max_vertices, chebyshev, show, t0)
    except _Inconsistent as exc:
        from .traverse_engine import traverse

        trs = traverse(net, domain, tol=tol, progress=progress, chebyshev=chebyshev, seed=seed)
        stats = dict(trs.stats, fallback=str(exc), seconds=time.perf_counter() - t0)
        rs = SkeletonRegionSet(trs.regions, trs.edges, "skeleton", trs.domain, trs.widths, stats)
    if len(rs) == 0:
        raise ToleranceError(
            f"skeleton found no region of inscribed radius >= tol.radius={tol.radius:g} in the "
            "domain (is the domain itself thinner than that?)"
        )
    if np.any(centre):  # back to the input coordinates
        regions = tuple(
            Region(r.pattern, r.point + centre, r.radius, r.out_W, r.out_b - r.out_W @ centre)
            for r in rs.regions
        )
        edges = tuple(
            Edge(e.u, e.v, e.neurons, e.flipped, None if e.point is None else e.point + centre)
            for e in rs.edges
        )
        verts = rs.vertices + centre if rs.vertices.size else rs.vertices
        rs = SkeletonRegionSet(regions, edges, "skeleton", orig_domain, rs.widths, rs.stats,
                               vertices=verts, edges_xy=rs.edges_xy)
    net, domain = orig_net, orig_domain
    if given is not domain or rs.widths != widths:
        rs = SkeletonRegionSet(rs.regions, rs.edges, "skeleton", given, widths, rs.stats,
                               vertices=rs.vertices, edges_xy=rs.edges_xy)
    return rs


def _skeleton(
    ctx: Context, seed: int, max_vertices: int, chebyshev: bool, show: _Progress, t0: float
) -> SkeletonRegionSet:
    net = ctx.net
    counter = SolveCounter()
    cx, wrong = _build(ctx, seed, max_vertices, show)
    if wrong.any():  # stability claims the skeleton's vertices contradict: those are live
        st = ctx.stab
        ctx = replace(ctx, stab=Stability(st.lower, st.upper, st.on & ~wrong, st.off & ~wrong,
                                          st.live | wrong))
    t_skel = time.perf_counter()
    cells = None
    if cx.ties == 0:
        try:
            cells = _cells_min(cx, seed)
        except _Inconsistent:
            cells = None
    live = np.arange(net.n_hidden)  # every neuron has a column (stable ones a constant sign)
    while True:
        if cells is None:
            cells = _cells(cx)
        P, best, points, radius = _certify(ctx, cx, cells, live, counter)
        C, R = P.shape[0], best.size
        slivers = C - R
        degenerate = cx.ties > 0 or slivers > 0
        if degenerate and cells.inc_cell is None:  # rare: re-read with incidences
            cells = None
            continue
        break
    t_read = time.perf_counter()
    cell_region = np.full(C, -1)
    cell_region[best] = np.arange(R)
    patterns = P[best]
    out_W, out_b = _out_maps(net, patterns)
    with _gc_paused():  # many small objects: the cyclic collector would rescan them
        regions = list(map(Region, patterns, points, radius.tolist(), out_W, out_b))
    # adjacency: skeleton facets, and exact facet tests around degenerate spots
    ra, rb = cell_region[cells.f_off], cell_region[cells.f_on]
    ok = (ra >= 0) & (rb >= 0)
    affected = np.zeros(R, dtype=bool)
    if degenerate:
        sus = cx.sus[: cx.nV].copy()
        assert cells.inc_cell is not None and cells.inc_vert is not None  # re-read above
        sus[cells.inc_vert[cell_region[cells.inc_cell] < 0]] = True
        cell_aff = np.bincount(cells.inc_cell, weights=sus[cells.inc_vert], minlength=C) > 0
        affected = cell_aff[best]
        ok &= ~affected[np.maximum(ra, 0)] & ~affected[np.maximum(rb, 0)]
    ra, rb = ra[ok], rb[ok]
    neuron = live[cells.f_col[ok]]
    fpoint = cells.f_point[ok]
    flipped = _flipped(patterns, ra, rb, neuron) if degenerate else None
    lo, hi = np.minimum(ra, rb).tolist(), np.maximum(ra, rb).tolist()
    single = [(k,) for k in range(net.n_hidden)]
    carried = list(map(single.__getitem__, neuron.tolist()))
    with _gc_paused():
        edges = list(map(Edge, lo, hi, carried, flipped or carried, fpoint))
    if affected.any():
        edges.extend(_exact_edges(ctx, regions, np.flatnonzero(affected), counter))
    if chebyshev:
        regions = [_chebyshev(ctx, r, counter) for r in regions]
    seconds = time.perf_counter() - t0
    E = cx.edges()
    show(f"{R:,} regions, {cx.nV:,} vertices, {E.shape[0]:,} edges", final=True)
    stats = {
        "engine": "skeleton",
        "lps": counter.lp,
        "socps": counter.socp,
        "solves": counter.total,
        **counter.exact_stats(),
        "seconds": seconds,
        "skeleton_seconds": t_skel - t0,
        "read_seconds": t_read - t0,
        "stable_neurons": int((~ctx.stab.live).sum()),
        "unconfirmed_stable": int(wrong.sum()),
        "vertices": cx.nV,
        "skeleton_edges": int(E.shape[0]),
        "cells": C,
        "ties": cx.ties,
        "slivers": int(slivers),
        "degenerate_regions": int(affected.sum()),
    }
    return SkeletonRegionSet(
        tuple(regions), tuple(edges), "skeleton", ctx.domain, net.widths, stats,
        vertices=cx.X[: cx.nV].copy(), edges_xy=E,
    )


def _certify(
    ctx: Context, cx: _Complex, cells: _Cells, live: np.ndarray, counter: SolveCounter
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
    # with exact="always" every cell is re-decided by a (rational) solve
    real = radius >= tol.radius if tol.exact != "always" else np.zeros(radius.size, dtype=bool)
    for i in np.flatnonzero(~real):
        rr = region_rows(ctx, P[best[i]])
        ball = inscribed_ball(rr.A, rr.b, ctx.domain, tol, counter, what="skeleton cell",
                              exact=exact_rows(ctx, rr))
        if ball.full:
            real[i] = True
            points[i], radius[i] = ball.center, ball.radius
    return P, best[real], points[real], radius[real]


def _flipped(patterns: np.ndarray, ra: np.ndarray, rb: np.ndarray, neuron: np.ndarray) -> list:
    """Differing bits of each region pair (the carried neuron alone unless degenerate)."""
    out: list = [(int(k),) for k in neuron.tolist()]
    if ra.size == 0:
        return out
    step = max(1, 2**24 // max(patterns.shape[1], 1))
    for s in range(0, ra.size, step):
        diff = patterns[ra[s : s + step]] != patterns[rb[s : s + step]]
        single = diff.sum(axis=1) == 1
        single &= diff[np.arange(diff.shape[0]), neuron[s : s + step]]
        for i in np.flatnonzero(~single):
            out[s + i] = tuple(int(k) for k in np.flatnonzero(diff[i]))
    return out


def _exact_edges(
    ctx: Context, regions: list[Region], which: np.ndarray, counter: SolveCounter
) -> list[Edge]:
    """Facets of the regions ``which`` found as ``traverse`` finds them (exact). An edge found
    from both sides carries the union of the neurons each side sees on the facet (a neuron
    identically zero on one side carries it only as seen from the other)."""
    from .facets import find_facets

    index = {r.key: i for i, r in enumerate(regions)}
    found: dict[tuple[int, int], tuple[set, np.ndarray]] = {}
    for i in which.tolist():
        region = regions[i]
        rr = region_rows(ctx, region.pattern)
        facets = find_facets(ctx, rr, region.point, counter)
        if not facets:
            continue
        ks = np.array([k for k, _ in facets])
        on_facet = rr.group[ks][:, None] == rr.group[None, :]
        zero = np.repeat(rr.zero[None, :], ks.size, axis=0)
        rows_f, cols = np.nonzero(on_facet & (rr.neuron >= 0)[None, :])
        zero[rows_f, rr.neuron[cols]] = True
        news = patterns_across(ctx.net, rr.pattern, zero, rr.A[ks], ctx.tol.gradient)
        for f, (_k, q) in enumerate(facets):
            new = ctx.canonical(news[f])
            j = index.get(pattern_key(new))
            if j is None:
                j = index.get(pattern_key(region_rows(ctx, new).pattern))
            if j is None:
                raise _Inconsistent(
                    f"the region across a facet of region {region.hex} is not in the skeleton"
                )
            carried = set(rr.neuron[on_facet[f] & (rr.neuron >= 0)].tolist())
            pair = (min(i, j), max(i, j))
            if pair in found:
                found[pair][0].update(carried)
            else:
                found[pair] = (carried, q)
    out = []
    for (u, v), (carried, q) in found.items():
        flipped = np.flatnonzero(regions[u].pattern != regions[v].pattern)
        out.append(Edge(u, v, tuple(sorted(int(n) for n in carried)),
                        tuple(int(n) for n in flipped), q))
    return out


def _chebyshev(ctx: Context, region: Region, counter: SolveCounter) -> Region:
    """The region with its Chebyshev centre and radius (one solve)."""
    rr = region_rows(ctx, region.pattern)
    ball = inscribed_ball(rr.A, rr.b, ctx.domain, ctx.tol, counter, what="Chebyshev centre",
                          exact=exact_rows(ctx, rr))
    if not ball.full or ball.center is None or ball.radius < region.radius:  # pragma: no cover
        return region  # certified already
    return Region(region.pattern, ball.center, ball.radius, region.out_W, region.out_b)
