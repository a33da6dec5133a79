"""The 1-skeleton of the subdivision (``skeleton``'s first stage): vertices with their sign
vectors and edges, cut by one neuron after another (see :mod:`polyreg.engines.skeleton`)."""

from __future__ import annotations

import sys
import time

import numpy as np

from ...domains import Ball, Box
from ...errors import ToleranceError
from .._common import Context, format_seconds


class Inconsistent(Exception):
    """The float64 sign decisions produced a combinatorially impossible skeleton."""


# ---------------------------------------------------------------------------- the complex
class Complex:
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
        #: a domain column whose side is moved inwards (see :meth:`cut`), or -1
        self.inward = -1

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
        shift of the hyperplane to one side (``clip``: a domain facet, always outwards). With
        ``inward`` set, that domain side is first shifted inwards by an infinitesimal
        dominating every other: a tie at a vertex on it takes the sign the column has at the
        other end of the one edge leaving the side (the column is affine along the edge, so
        that is its sign just inside), and the hyperplane's shift where that end is a tie too.
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
            if self.inward >= 0 and not clip:
                self._ties_inward(tie, pos, neg, s, nb)
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

    def _ties_inward(self, tie: np.ndarray, pos: np.ndarray, neg: np.ndarray, s: np.ndarray,
                     nb: np.ndarray) -> None:
        """Ties on the ``inward`` side: the sign at the other end of the edge leaving it."""
        tv = np.flatnonzero(tie)
        slot = self.Zc[tv] == self.inward
        on = slot.any(axis=1)
        tv = tv[on]
        up = nb[tv, 2 * slot[on].argmax(axis=1)]  # leaving the side inwards (its sign -1)
        s[tv[pos[up]]] = 1
        s[tv[neg[up]]] = -1

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
        raise Inconsistent("a 2-face is crossed at an odd number of edges")
    order = np.argsort(keys1)
    s1 = keys1[order]
    a1, b1 = s1[0::2], s1[1::2]
    if not np.array_equal(a1, b1) or np.any(a1[1:] == a1[:-1]):
        raise Inconsistent("a 2-face is crossed at other than two edges")
    fa, fb = order[0::2], order[1::2]
    if not np.array_equal(keys2[fa], keys2[fb]) or np.any(own[fa] == own[fb]):
        raise Inconsistent("hash collision or a 2-face crossed twice by one edge")
    return (own[fa], at[fa], plus[fa]), (own[fb], at[fb], plus[fb])


# ---------------------------------------------------------------------------- the subdivision
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


class SkeletonProgress:
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


def build(
    ctx: Context, seed: int, max_vertices: int, show: SkeletonProgress, inward: int = -1
) -> tuple[Complex, np.ndarray]:
    """Subdivide the domain by every neuron, layer after layer; returns the complex and the
    neurons bound propagation called stable that the vertices contradict (they are cut as
    live ones; a confirmed stable neuron's column just takes its sign). ``inward`` (a
    coordinate, or -1): the domain's lower side in that coordinate is shifted inwards first
    (:meth:`Complex.cut`)."""
    net, tol = ctx.net, ctx.tol
    d = net.n_inputs
    lo, hi, CA, Cb = _box_and_clips(ctx)
    N = net.n_hidden
    ndom = 2 * d + Cb.size
    cx = Complex(d, ndom + N, ndom, seed)
    cx.box(lo, hi)
    if inward >= 0:
        cx.inward = d + inward  # the column of x_inward >= lo_inward
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
