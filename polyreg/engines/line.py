"""``line``: exact activation patterns along a 1-D path (segment, polyline, ellipse), no LP.

The path is swept layer by layer. Once the breakpoints of layers ``< l`` are known, every
layer-``l`` pre-activation is, on each piece between consecutive breakpoints, an affine
function of the input restricted to the path: ``alpha + beta t`` on a straight segment and
``alpha + beta cos t + delta sin t`` on an ellipse. Its zeros are exact roots: ``-alpha /
beta``, resp. ``t = phi +- arccos(-alpha / R)`` with ``R cos(t - phi) = beta cos t + delta sin
t``. All pieces and all neurons of a layer are handled at once with NumPy.

Conventions
-----------
* The path is computed about its centre (an ellipse's ``c``, the middle of a polyline's
  bounding box) with the first layer's offsets correctly rounded
  (:mod:`polyreg.canonical`), so moving network and path together changes nothing.
* A piece's pattern is ``z > 0`` at its interior points; a neuron identically zero along the
  piece (e.g. the path runs inside its hyperplane) is off there. "Zero" means at most
  ``tol.gradient`` times the magnitude the value is computed from (``|W| m + |b|`` layer by
  layer, per piece, from the centred path's coordinates; invariant when a neuron is
  rescaled); a neuron whose slope along a piece is below ``tol.gradient`` times the slope's
  own magnitude is constant there.
* Each root carries a gap: its float uncertainty (``NOISE`` = 64 ulps of the value's
  magnitude, divided by the slope there) and at least ``tol.merge`` in input distance (an
  absolute distance, so translation and rescaling do not change it). Two breakpoints within
  their gaps are one breakpoint (coinciding roots: several neurons flip together); pieces
  shorter than that are points, not pieces.
* ``flips`` counts, per breakpoint, the neurons whose bit differs on its two sides (the
  Hamming distance of the patterns); a neuron touching zero without changing sign is no flip.
* Two breakpoints within their gaps but farther apart than ``tol.zero`` (input distance;
  or a root that close to a piece's end) are a decision float64 cannot make: are they one
  point, or does a piece shorter than the gap lie between them? On a straight segment the
  roots are rationals (the pre-activations are exact affine functions of the parameter along
  the rational segment), so with ``Tolerances(exact="auto")`` (default) every segment holding
  such a pair is swept again in rational arithmetic (:func:`_exact_segment`: equal roots are
  one breakpoint, a piece's bit is the exact sign at its midpoint); ``exact="never"`` raises
  ``ToleranceError``; ``exact="always"`` sweeps every segment exactly (the reference mode).
  ``stats['exact_decisions']`` counts the segments swept exactly. Roots closer than
  ``tol.zero`` are one breakpoint (the ``zero`` semantics of :mod:`polyreg.tolerances`). An
  ellipse's roots (``arccos``) are not rational: there, pairs in the window are merged as
  float64 says (a tangent touches without crossing), with no exact path.
* Otherwise ``line`` raises ``ToleranceError`` only when the values overflow float64.

As an engine (``method="line"``, :func:`line_regions`) a path is a domain whose regions are
the distinct activation patterns met along it.

:func:`transitions` gives the exact number of neuron flips along a path and the sampled
estimate of Novak et al. (2018), ``sum_i Hamming(pattern(x_i), pattern(x_{i+1}))``
(docs/theory.md §4).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from ..canonical import midpoint
from ..domains import Box, Domain
from ..errors import InvalidDomain, InvalidNetwork, ToleranceError
from ..network import Network
from ..regions import Edge, Region, RegionSet
from ..slices import Path, exact_affine
from ..tolerances import DEFAULT, Tolerances
from ._centred import NOISE


@dataclass(frozen=True, eq=False)
class PathResult:
    """The pieces of a path on which the activation pattern is constant.

    Attributes
    ----------
    path : Path
    knots : ndarray, shape (P + 1,)
        Piece boundaries in the path parameter: ``knots[0]`` and ``knots[-1]`` are the ends of
        the parameter range, every interior knot is a breakpoint (the pattern changes there).
    patterns : ndarray of bool, shape (P, N)
        Pattern of each piece.
    flips : ndarray of int, shape (P - 1,)
        Neurons flipping at each interior knot.
    wrap_flips : int
        Closed paths: neurons flipping where the path closes (``knots[-1]`` back to
        ``knots[0]``); 0 for open paths.
    widths : tuple of int
    stats : dict
        ``seconds``, ``layers`` (breakpoints added per layer), ``merge`` (the least input
        distance between two breakpoints), ``exact_decisions`` (segments swept in rational
        arithmetic, see the module notes) and ``exact_seconds``.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.slices import Path
    >>> from polyreg.engines.line import line
    >>> net = polyreg.Network.from_layers([([[1.0], [-1.0]], [0.0, 0.5]), ([[1.0, 1.0]], [0.0])])
    >>> res = line(net, Path.segment([-1.0], [1.0]))
    >>> res.breakpoints.round(6).tolist(), res.flips.tolist(), res.n_pieces
    ([0.5, 0.75], [1, 1], 3)
    """

    path: Path
    knots: np.ndarray
    patterns: np.ndarray
    flips: np.ndarray
    wrap_flips: int
    widths: tuple[int, ...]
    net: Network = field(repr=False)
    stats: dict = field(default_factory=dict)

    @property
    def intervals(self) -> np.ndarray:
        """``(P, 2)``: the parameter interval ``[t_start, t_end]`` of each piece."""
        return np.column_stack([self.knots[:-1], self.knots[1:]])

    @property
    def n_pieces(self) -> int:
        """Pieces of constant pattern (a closed path's last piece continues its first when
        their patterns agree)."""
        P = self.patterns.shape[0]
        if self.path.closed and P > 1 and self.wrap_flips == 0:
            return P - 1
        return P

    @property
    def breakpoints(self) -> np.ndarray:
        """Parameters where the pattern changes, in order (for a closed path whose pattern
        changes where it closes, ``knots[0]`` comes first)."""
        inner = self.knots[1:-1]
        if self.wrap_flips:
            return np.concatenate([self.knots[:1], inner])
        return inner.copy()

    @property
    def flips_at_breakpoints(self) -> np.ndarray:
        """Neuron flips at each of :attr:`breakpoints`."""
        if self.wrap_flips:
            return np.concatenate([[self.wrap_flips], self.flips])
        return self.flips.copy()

    @property
    def transitions(self) -> int:
        """Total neuron flips along the path (the exact counterpart of Novak et al.'s
        transitions)."""
        return int(self.flips.sum()) + int(self.wrap_flips)

    @property
    def n_regions(self) -> int:
        """Distinct activation patterns met by the path (regions crossed)."""
        return int(np.unique(np.packbits(self.patterns, axis=1), axis=0).shape[0])

    def points(self) -> np.ndarray:
        """Input-space points at the middle of each piece, shape ``(P, n)``."""
        return self.path.at((self.knots[:-1] + self.knots[1:]) / 2)

    @cached_property
    def out_W(self) -> np.ndarray:
        """``(P, n_out, n)``: the output is ``out_W[i] @ x + out_b[i]`` on piece ``i``'s
        activation region (input coordinates); computed on first use."""
        return output_maps(self.net, self.patterns)[0]

    @cached_property
    def out_b(self) -> np.ndarray:
        """``(P, n_out)``, see :attr:`out_W`."""
        return output_maps(self.net, self.patterns)[1]


def output_maps(net: Network, patterns: np.ndarray, batch: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """Output maps ``(out_W, out_b)`` (shapes ``(B, n_out, n)``, ``(B, n_out)``) of many patterns
    at once, by the masked products taken from the output side (``n_out`` rows per layer).

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.random_network([3, 5, 4, 2], seed=0)
    >>> p = net.pattern(np.array([[0.1, 0.2, 0.3]]))
    >>> W, b = output_maps(net, p)
    >>> bool(np.allclose(W[0] @ [0.1, 0.2, 0.3] + b[0], net.forward([0.1, 0.2, 0.3])))
    True
    """
    patterns = np.asarray(patterns, dtype=bool)
    offsets, alpha = net.layer_offsets, net.negative_slope
    Ws, bs = net.weights, net.biases
    L = len(Ws) - 1
    outs_W, outs_b = [], []
    for s in range(0, patterns.shape[0], batch):
        p = patterns[s : s + batch]
        slopes = [np.where(p[:, offsets[l] : offsets[l + 1]], 1.0, alpha) for l in range(L)]
        R = np.broadcast_to(Ws[L], (p.shape[0],) + Ws[L].shape)
        for l in range(L - 1, -1, -1):
            R = (R * slopes[l][:, None, :]) @ Ws[l]
        c = np.broadcast_to(bs[0], (p.shape[0], bs[0].size))
        for l in range(1, L + 1):
            c = (slopes[l - 1] * c) @ Ws[l].T + bs[l]
        outs_W.append(R)
        outs_b.append(c)
    n_out, n = Ws[L].shape[0], Ws[0].shape[1]
    if not outs_W:
        return np.zeros((0, n_out, n)), np.zeros((0, n_out))
    return np.concatenate(outs_W), np.concatenate(outs_b)


# ============================================================================ the sweep
def _initial(
    net: Network, path: Path
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pieces (``lo``, ``hi``), layer-1 coefficients ``(P, nb, n_1)`` and their magnitudes,
    per-piece speed (input distance per unit ``t``), and the centre the path is computed
    about (coordinates centred there, first-layer offsets correctly rounded)."""
    W0 = net.weights[0]
    aW = np.abs(W0)
    if path.kind == "ellipse":
        centre, a, b = path.points
        b0 = exact_affine(W0, centre, net.biases[0])
        coef = np.stack([b0, W0 @ a, W0 @ b], axis=0)[None]
        mag = np.stack([np.abs(b0), aW @ np.abs(a), aW @ np.abs(b)], axis=0)[None]
        speed = np.array([np.sqrt(a @ a + b @ b)])
        lo, hi = np.array([0.0]), np.array([2 * np.pi])
    else:
        pts = path.points
        centre = midpoint(pts.min(axis=0), pts.max(axis=0))
        b0 = exact_affine(W0, centre, net.biases[0])
        starts, steps = path.segments()
        k = np.arange(starts.shape[0], dtype=float)
        base = (starts - centre) - k[:, None] * steps
        coef = np.stack([base @ W0.T + b0, steps @ W0.T], axis=1)
        mag = np.stack([np.abs(base) @ aW.T + np.abs(b0), np.abs(steps) @ aW.T], axis=1)
        speed = np.linalg.norm(steps, axis=1)
        lo, hi = k, k + 1.0
    return lo, hi, coef, mag, speed, centre


def _magnitude_at(mag: np.ndarray, t: np.ndarray, ellipse: bool) -> np.ndarray:
    """Magnitude a value ``alpha + beta t`` (``+ delta sin t``) is computed from, at ``t``
    (``mag`` shaped ``(P', nb, n)`` already indexed by piece): rounding is ~1e-16 of it."""
    if ellipse:
        return mag[:, 0] + mag[:, 1] + mag[:, 2]
    return mag[:, 0] + mag[:, 1] * np.abs(t)[:, None]


def _values(coef: np.ndarray, parent: np.ndarray, t: np.ndarray, ellipse: bool) -> np.ndarray:
    """``z`` (shape ``(P', n)``) at parameters ``t`` of pieces whose coefficients are
    ``coef[parent]`` (``coef`` shaped ``(P, nb, n)``)."""
    z = coef[parent, 0] + coef[parent, 1] * (np.cos(t) if ellipse else t)[:, None]
    if ellipse:
        z += coef[parent, 2] * np.sin(t)[:, None]
    return z


def _next_coefficients(
    coef: np.ndarray, parent: np.ndarray, slope: np.ndarray, W: np.ndarray, b: np.ndarray
) -> np.ndarray:
    """Next layer's coefficients ``W (slope * coef[parent]) + b`` of every sub-piece, shape
    ``(P', nb, n_next)`` (one matrix product over all pieces and basis functions)."""
    P2 = parent.size
    _, nb, n = coef.shape
    scaled = (coef[parent] * slope[:, None, :]).reshape(P2 * nb, n)
    out = (scaled @ W.T).reshape(P2, nb, W.shape[0])
    out[:, 0] += b
    return out


def _roots(
    coef: np.ndarray,
    mag: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    lo_gap: np.ndarray,
    hi_gap: np.ndarray,
    floor: np.ndarray,
    zero: np.ndarray,
    tol: Tolerances,
    ellipse: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Zeros of every neuron strictly inside each piece: ``(piece index, t, gap)`` arrays, and
    the pieces where a root within its gap of an end lies farther than ``zero`` (per piece,
    ``tol.zero`` in ``t``) from it (undecided in float64).

    A root's ``gap`` (in ``t``) is its uncertainty, ``NOISE`` times the magnitude of the value
    over the slope there, and at least ``floor`` of its piece (``tol.merge`` in input
    distance); a root within ``gap`` (plus the end's own gap) of a piece's end is that end.
    A neuron whose slope along the piece is below ``tol.gradient`` times the slope's own
    magnitude is constant there (no root).
    """
    P = coef.shape[0]
    if ellipse:
        alpha, beta, delta = coef[:, 0], coef[:, 1], coef[:, 2]
        R = np.hypot(beta, delta)
        live = (tol.gradient * np.hypot(mag[:, 1], mag[:, 2]) < R) & (np.abs(alpha) <= R)
        with np.errstate(divide="ignore", invalid="ignore"):
            half = np.arccos(np.clip(-alpha / R, -1.0, 1.0))
        phi = np.arctan2(delta, beta)
        t = np.stack([phi + half, phi - half], axis=2) % (2 * np.pi)
        ok = np.repeat(live[:, :, None], 2, axis=2)
        piece = np.broadcast_to(np.arange(P)[:, None, None], t.shape)
        slope = np.abs(-beta[:, :, None] * np.sin(t) + delta[:, :, None] * np.cos(t))
        m = np.repeat((mag[:, 0] + mag[:, 1] + mag[:, 2])[:, :, None], 2, axis=2)
    else:
        alpha, beta = coef[:, 0], coef[:, 1]
        ok = np.abs(beta) > tol.gradient * mag[:, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = -alpha / beta
            m = mag[:, 0] + mag[:, 1] * np.abs(t)
        piece = np.broadcast_to(np.arange(P)[:, None], t.shape)
        slope = np.abs(beta)
    # only roots strictly inside their piece matter: gaps and the rest on those
    with np.errstate(invalid="ignore"):
        to_lo, to_hi = t - lo[piece], hi[piece] - t
        idx = np.flatnonzero(ok & (to_lo > 0) & (to_hi > 0))
    piece, t = piece.ravel()[idx], t.ravel()[idx]
    to_lo, to_hi = to_lo.ravel()[idx], to_hi.ravel()[idx]
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.maximum(NOISE * m.ravel()[idx] / slope.ravel()[idx], floor[piece])
    inside = (to_lo > gap + lo_gap[piece]) & (to_hi > gap + hi_gap[piece])
    # a root snapped onto an end of its piece although farther from it than ``zero`` (in t):
    # float64 cannot tell whether the piece holds one more breakpoint there
    out = ~inside
    undecided = np.unique(piece[out][np.minimum(to_lo[out], to_hi[out]) > zero[piece[out]]])
    return piece[inside], t[inside], gap[inside], undecided


def _split(
    lo: np.ndarray,
    hi: np.ndarray,
    lo_gap: np.ndarray,
    hi_gap: np.ndarray,
    piece: np.ndarray,
    t: np.ndarray,
    gap: np.ndarray,
    zero: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut pieces at roots; a root within its and its predecessor's gaps of the previous root
    (or the piece's start) is merged into it. Returns the new pieces' ``lo``, ``hi``, their
    gaps, the parent index and the (old) pieces where two merged roots lie farther apart than
    ``zero`` (undecided in float64)."""
    order = np.lexsort((t, piece))
    piece, t, gap = piece[order], t[order], gap[order]
    if t.size:
        prev = np.empty_like(t)
        pgap = np.empty_like(t)
        first = np.ones(t.size, dtype=bool)
        first[1:] = piece[1:] != piece[:-1]
        prev[first], pgap[first] = lo[piece[first]], lo_gap[piece[first]]
        prev[~first], pgap[~first] = t[:-1][~first[1:]], gap[:-1][~first[1:]]
        keep = (t - prev) > gap + pgap
        undecided = np.unique(piece[~keep & (t - prev > zero[piece])])
        piece, t, gap = piece[keep], t[keep], gap[keep]
    else:
        undecided = np.zeros(0, dtype=np.int64)
    P = lo.size
    counts = np.bincount(piece, minlength=P) + 1  # sub-pieces per piece
    parent = np.repeat(np.arange(P), counts)
    first_sub = np.cumsum(counts) - counts
    new_lo, new_hi = np.empty(parent.size), np.empty(parent.size)
    new_lg, new_hg = np.empty(parent.size), np.empty(parent.size)
    new_lo[first_sub], new_lg[first_sub] = lo, lo_gap
    last = first_sub + counts - 1
    new_hi[last], new_hg[last] = hi, hi_gap
    # the j-th root of a piece ends sub-piece j and starts sub-piece j + 1
    rank = np.arange(piece.size) - np.searchsorted(piece, piece, side="left")
    pos = first_sub[piece] + rank
    new_hi[pos], new_hg[pos] = t, gap
    new_lo[pos + 1], new_lg[pos + 1] = t, gap
    return new_lo, new_hi, new_lg, new_hg, parent, undecided


def _exact_segment(net: Network, p0: np.ndarray, p1: np.ndarray) -> tuple[list, np.ndarray]:
    """The sweep of one straight segment ``p0 + s (p1 - p0)``, ``s in [0, 1]``, in rational
    arithmetic (:mod:`polyreg.exact`): every pre-activation is ``alpha + beta s`` exactly on a
    piece, its root ``-alpha / beta`` a rational; equal roots are one breakpoint, a piece's
    bit is the exact sign at its midpoint (0 is off). Returns the knots ``0 = s_0 < ... < s_P =
    1`` and the pieces' patterns ``(P, N)``."""
    from ..exact import q, q_mat, q_vec

    a0, d0 = q_vec(p0), q_vec(np.asarray(p1, dtype=np.float64))
    d0 = [v - u for u, v in zip(a0, d0, strict=True)]
    Ws = [np.array(q_mat(W), dtype=object) for W in net.weights[:-1]]
    bs = [np.array(q_vec(b), dtype=object) for b in net.biases[:-1]]
    slope_off = q(float(net.negative_slope))
    A0 = np.array(a0, dtype=object)
    D0 = np.array(d0, dtype=object)
    # pieces: (lo, hi, alpha, beta, bits so far)
    pieces: list[tuple[Any, Any, np.ndarray, np.ndarray, list[bool]]] = [
        (q(0), q(1), Ws[0] @ A0 + bs[0], Ws[0] @ D0, [])]
    for layer in range(len(Ws)):
        out = []
        for lo, hi, alpha, beta, bits in pieces:
            roots = sorted({-a / b for a, b in zip(alpha, beta, strict=True) if b})
            cuts = [lo] + [r for r in roots if lo < r < hi] + [hi]
            for u, v in zip(cuts[:-1], cuts[1:], strict=True):
                mid = (u + v) / 2
                on = [bool(a + b * mid > 0) for a, b in zip(alpha, beta, strict=True)]
                if layer + 1 < len(Ws):
                    sl = np.array([1 if o else slope_off for o in on], dtype=object)
                    W, b = Ws[layer + 1], bs[layer + 1]
                    out.append((u, v, W @ (sl * alpha) + b, W @ (sl * beta), bits + on))
                else:
                    out.append((u, v, alpha, beta, bits + on))
        pieces = out
    knots = [p[0] for p in pieces] + [pieces[-1][1]]
    return knots, np.array([p[4] for p in pieces], dtype=bool).reshape(len(pieces), -1)


def _exact_segments(
    net: Network, path: Path, which: list[int], lo: np.ndarray, hi: np.ndarray,
    bits: np.ndarray, seg: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The float sweep's pieces with those of segments ``which`` replaced by their exact
    sweep (:func:`_exact_segment`, knots rounded to float64 as ``t = j + s``)."""
    P = path.points
    ends = np.vstack([P[1:], P[:1]]) if path.closed else P[1:]
    todo = set(which)
    parts_lo, parts_hi, parts_bits = [], [], []
    bounds = np.searchsorted(seg, np.arange(int(seg.max()) + 2))
    for j in range(int(seg.max()) + 1):
        sl = slice(bounds[j], bounds[j + 1])
        if j in todo:
            knots, pat = _exact_segment(net, P[j], ends[j])
            t = j + np.array([float(v) for v in knots])
            parts_lo.append(t[:-1])
            parts_hi.append(t[1:])
            parts_bits.append(pat)
        else:
            parts_lo.append(lo[sl])
            parts_hi.append(hi[sl])
            parts_bits.append(bits[sl])
    return np.concatenate(parts_lo), np.concatenate(parts_hi), np.vstack(parts_bits)


def line(net: Network, path: Path, *, tol: Tolerances = DEFAULT) -> PathResult:
    """Exact pieces of constant activation pattern along a path.

    Parameters
    ----------
    net : Network
    path : Path
        Segment, polyline (open or closed) or ellipse in the network's input space.
    tol : Tolerances
        ``merge`` sets the breakpoint snapping distance, ``gradient`` which neurons are
        constant (see the module notes).

    Returns
    -------
    PathResult

    Raises
    ------
    InvalidDomain
        ``path`` is not a :class:`~polyreg.slices.Path` or lives in another dimension.

    Notes
    -----
    Cost ``O(P_l n_l (n_{l-1} + log P_l))`` per layer for ``P_l`` pieces; no per-piece Python
    work.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.slices import Path
    >>> net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [0.0])])
    >>> res = line(net, Path.ellipse([0, 0], [1, 0], [0, 1]))  # the unit circle: 4 quadrants
    >>> res.transitions, res.n_pieces, res.n_regions
    (4, 4, 4)
    """
    t0 = time.perf_counter()
    if not isinstance(path, Path):
        raise InvalidDomain(f"line needs a polyreg.slices.Path, got {type(path).__name__}")
    if not isinstance(net, Network):
        raise InvalidNetwork(f"net must be a polyreg.Network, got {type(net).__name__}")
    path.for_inputs(net.n_inputs)
    ellipse = path.kind == "ellipse"
    lo, hi, coef, mag, speed, _centre = _initial(net, path)
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(mag))):
        raise ToleranceError(
            "line: the first layer's values along the path overflow float64; rescale the "
            "network or the path"
        )
    lo_gap, hi_gap = np.zeros(lo.size), np.zeros(lo.size)
    seg = np.arange(lo.size)  # which speed applies to each piece
    offsets, alpha = net.layer_offsets, net.negative_slope
    N = net.n_hidden
    bits = np.zeros((lo.size, N), dtype=bool)
    added = []
    doubt: set[int] = set()  # segments with a breakpoint decision float64 cannot make
    for layer in range(len(net.hidden_widths)):
        sl = slice(offsets[layer], offsets[layer + 1])
        floor = tol.merge / np.maximum(speed[seg], 1e-300)
        zero = tol.zero / np.maximum(speed[seg], 1e-300)
        piece, t, gap, undecided = _roots(coef, mag, lo, hi, lo_gap, hi_gap, floor, zero, tol,
                                          ellipse)
        before = lo.size
        lo, hi, lo_gap, hi_gap, parent, merged = _split(lo, hi, lo_gap, hi_gap, piece, t, gap,
                                                        zero)
        doubt.update(seg[undecided].tolist())
        doubt.update(seg[merged].tolist())
        added.append(int(lo.size - before))
        bits, seg = bits[parent], seg[parent]
        mid = (lo + hi) / 2
        z = _values(coef, parent, mid, ellipse)
        on = z > tol.gradient * _magnitude_at(mag[parent], mid, ellipse)
        bits[:, sl] = on
        if layer + 1 < len(net.hidden_widths):  # the output's coefficients are not needed
            W, b = net.weights[layer + 1], net.biases[layer + 1]
            slope = np.where(on, 1.0, alpha)
            coef = _next_coefficients(coef, parent, slope, W, b)
            mag = _next_coefficients(mag, parent, np.abs(slope), np.abs(W), np.abs(b))
            if not np.all(np.isfinite(coef)):
                raise ToleranceError(
                    f"line: the values of layer {layer + 2} along the path overflow float64"
                )
    exact_stats = {"exact_decisions": 0, "exact_seconds": 0.0}
    if tol.exact == "always" and not ellipse:
        doubt = set(range(int(seg.max()) + 1)) if seg.size else set()
    if doubt and not ellipse:  # an ellipse's roots are not rational: merged as before
        if tol.exact == "never":
            raise ToleranceError(
                "line: two breakpoints along the path lie closer than the merge tolerance but "
                f"farther apart than zero={tol.zero:g}; float64 cannot tell whether they are "
                "one (pass Tolerances(exact='auto') to decide it in rational arithmetic)"
            )
        t_exact = time.perf_counter()
        lo, hi, bits = _exact_segments(net, path, sorted(doubt), lo, hi, bits, seg)
        exact_stats = {"exact_decisions": len(doubt),
                       "exact_seconds": time.perf_counter() - t_exact}
    # merge neighbours with equal patterns (polyline corners, roots of constant neurons)
    packed = np.packbits(bits, axis=1)
    same = np.all(packed[1:] == packed[:-1], axis=1)
    start = np.concatenate([[True], ~same])
    knots = np.concatenate([lo[start], hi[-1:]])
    patterns = bits[start]
    flips = np.unpackbits(packed[start][1:] ^ packed[start][:-1], axis=1).sum(axis=1)
    wrap = 0
    if path.closed and patterns.shape[0] > 1:
        wrap = int(np.unpackbits(np.packbits(patterns[-1]) ^ np.packbits(patterns[0])).sum())
    stats = {"seconds": time.perf_counter() - t0, "layers": added, "merge": tol.merge,
             **exact_stats}
    return PathResult(
        path, knots, patterns, flips.astype(np.int64), wrap, net.widths, net, stats
    )


# ============================================================================ transitions
def transitions(
    net: Network, path: Path, samples: int | None = None, *, tol: Tolerances = DEFAULT
) -> int:
    """Neuron flips along a path: exact, or the sampled estimate of Novak et al. (2018).

    Parameters
    ----------
    net : Network
    path : Path
    samples : int, optional
        ``None``: the exact count, the sum over breakpoints of the neurons flipping there
        (:attr:`PathResult.transitions`). ``K``: the published estimate
        ``sum_i Hamming(pattern(x_i), pattern(x_{i+1}))`` over ``K`` equally spaced
        parameters (a closed path: ``t_i = 2 pi i / K`` resp. ``m i / K``, and the pair
        ``(x_{K-1}, x_0)`` counts; an open path: ``K`` points from start to end inclusive).
        Patterns are the forward pass's (``z > 0``).

    Returns
    -------
    int
        The sampled estimate never exceeds the exact count (between two samples a neuron
        whose bits differ flips at least once) and equals it once every piece holds a sample
        and no neuron flips twice between neighbours.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.slices import Path
    >>> net = polyreg.random_network([2, 16, 16, 1], seed=0)
    >>> e = Path.ellipse_through([1, 0], [0, 1], [-1, -1])
    >>> exact = transitions(net, e)
    >>> transitions(net, e, samples=8) <= exact == transitions(net, e, samples=20000)
    True
    """
    if samples is None:
        return line(net, path, tol=tol).transitions
    K = int(samples)
    if K < 2 or samples != K:
        raise ValueError(f"samples must be an integer >= 2, got {samples!r}")
    path.for_inputs(net.n_inputs)
    lo, hi = path.t_range
    if path.closed:
        t = lo + (hi - lo) * np.arange(K) / K
    else:
        t = np.linspace(lo, hi, K)
    p = net.pattern(path.at(t))
    if path.closed:
        q = np.roll(p, -1, axis=0)
    else:
        p, q = p[:-1], p[1:]
    return int((p != q).sum())


# ============================================================================ as an engine
def line_regions(
    net: Network,
    domain: Domain,
    *,
    tol: Tolerances = DEFAULT,
    progress: bool | None = None,
) -> RegionSet:
    """The ``line`` engine: activation regions met by a path, as a :class:`RegionSet`.

    One region per distinct pattern along the path (a region met several times, e.g. by a
    closed path, is listed once); ``point`` is ``(t,)``, the middle of the region's longest
    piece, and ``radius`` half that piece's parameter length (``(t - r, t + r)`` lies in the
    region); ``out_W``/``out_b`` are in input coordinates. Edges join the regions on the two
    sides of each breakpoint (``neurons`` = ``flipped``, ``point`` = ``(t,)``). A 1-input
    network on a ``Box`` is swept as the segment ``lo -> hi`` (``t`` is then rescaled to the
    input coordinate).

    Examples
    --------
    >>> import polyreg
    >>> from polyreg.slices import Path
    >>> net = polyreg.random_network([2, 8, 8, 1], seed=0)
    >>> rs = polyreg.enumerate_regions(net, Path.segment([-1, -1], [1, 1]), method="line")
    >>> len(rs) == line(net, Path.segment([-1, -1], [1, 1])).n_regions
    True
    """
    t0 = time.perf_counter()
    rescale = None
    if isinstance(domain, Box) and domain.dim == 1:
        domain.for_inputs(net.n_inputs)
        rescale = (float(domain.lo[0]), float(domain.hi[0]))
        path = Path.segment(domain.lo, domain.hi)
    elif isinstance(domain, Path):
        path = domain
    else:
        raise InvalidDomain(
            f"the line engine needs a Path (or a 1-D Box), got {type(domain).__name__}"
        )
    res = line(net, path, tol=tol)
    knots = res.knots
    if rescale is not None:
        knots = rescale[0] + (rescale[1] - rescale[0]) * knots
    packed = np.packbits(res.patterns, axis=1)
    _, first, inverse = np.unique(packed, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(first)  # regions in order of first appearance
    region_of = np.empty_like(order)
    region_of[order] = np.arange(order.size)
    rid = region_of[inverse]
    length = np.diff(knots)
    by_length = np.lexsort((-length, rid))  # per region, its longest piece first
    firsts = np.ones(by_length.size, dtype=bool)
    firsts[1:] = rid[by_length][1:] != rid[by_length][:-1]
    best = by_length[firsts]  # region r's longest piece (regions are 0..R-1, sorted)
    W, b = output_maps(net, res.patterns[best])
    mids = (knots[:-1] + knots[1:]) / 2
    regions = tuple(
        Region(res.patterns[i], mids[i : i + 1].copy(), float(length[i] / 2), W[r], b[r])
        for r, i in enumerate(best.tolist())
    )
    u, v, at = rid[:-1], rid[1:], knots[1:-1]
    if path.closed and res.wrap_flips:
        u, v, at = np.append(u, rid[-1]), np.append(v, rid[0]), np.append(at, knots[0])
    differ = u != v
    lo_uv, hi_uv, at = np.minimum(u, v)[differ], np.maximum(u, v)[differ], at[differ]
    _, first_pair = np.unique(lo_uv * (order.size + 1) + hi_uv, return_index=True)
    first_pair.sort()
    packed_r = packed[order]
    edges = []
    for e in first_pair.tolist():
        a, c = int(lo_uv[e]), int(hi_uv[e])
        f = tuple(np.flatnonzero(np.unpackbits(packed_r[a] ^ packed_r[c])[: net.n_hidden]).tolist())
        edges.append(Edge(a, c, f, f, np.array([at[e]])))
    stats = {
        "engine": "line",
        "seconds": time.perf_counter() - t0,
        "pieces": res.n_pieces,
        "breakpoints": int(res.breakpoints.size),
        "transitions": res.transitions,
        "exact_decisions": res.stats["exact_decisions"],
        "exact_seconds": res.stats["exact_seconds"],
    }
    return RegionSet(regions, tuple(edges), "line", domain, net.widths, stats)
