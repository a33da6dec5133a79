"""Pieces every LP-based engine shares: a region's constraint rows, crossing a facet, progress."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field, replace
from collections.abc import Callable
from typing import overload

import numpy as np

from ..domains import Domain, normalize_rows
from ..geometry import group_rows
from ..network import LocalMaps, Network
from ..errors import ToleranceError
from ..exact import RowsFn
from ..solvers import WHOLE_CAP, SolveCounter, domain_margin as _domain_margin, inscribed_ball
from ..propagation import Stability
from ..regions import Edge, Region, RegionSet
from ..tolerances import Tolerances

ProgressFn = Callable[[dict], None]


class CutCoincides(ToleranceError):
    """A cut of a part carries a facet that also lies on a neuron's hyperplane (the partition
    must move that cut; :mod:`polyreg.scale.parallel` does so by merging the two parts)."""

    def __init__(self, message: str, cut: int) -> None:
        super().__init__(message)
        self.cut = cut

    def __reduce__(self) -> tuple:  # picklable across processes (args differ from __init__'s)
        return (type(self), (str(self), self.cut))


#: label of a domain row in :attr:`RegionRows.neuron`; cut row ``j`` is labelled ``CUT - j``
DOMAIN_ROW = -1
CUT = -2


@dataclass(frozen=True)
class Context:
    """What an enumeration fixes once: network, domain, stable neurons, domain rows, scales.

    ``cut_A x <= cut_b`` (unit rows, empty by default) restricts the enumeration to one *part*
    of the domain (see :mod:`polyreg.scale.parallel`): every region row set gets them after the
    domain's rows, labelled ``CUT - j``; the search reports facets on them but never crosses
    them. Stable neurons are those of the whole domain, so patterns are canonical alike in
    every part.
    """

    net: Network
    domain: Domain
    tol: Tolerances
    stab: Stability
    dom_A: np.ndarray
    dom_b: np.ndarray
    scale: np.ndarray
    cut_A: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    cut_b: np.ndarray = field(default_factory=lambda: np.zeros(0))
    #: largest coordinate magnitude of the domain (``domains.extent``): a constant
    #: pre-activation is identically zero below ``tol.gradient * scale * max(1, extent)``
    extent: float = 1.0

    def constant_floor(self, k: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
        """Per neuron ``k``: gradient norm below which its pre-activation is constant, and the
        value below which such a constant is zero (rounding grows with the extent)."""
        small = self.tol.gradient * self.scale[k]
        return small, small * max(1.0, self.extent)

    def rows_key(self, A: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """Unit rows ``[a | b]`` as compared for "same hyperplane": ``b`` divided by
        ``max(1, extent)`` and the threshold ``tol.merge`` likewise, so that two rows merge when
        their normals differ by at most ``merge / max(1, extent)`` and their offsets by at most
        ``merge`` (two hyperplanes within about ``merge`` of each other across the domain)."""
        f = max(1.0, self.extent)
        return A, b / f, self.tol.merge / f

    @classmethod
    def create(
        cls,
        net: Network,
        domain: Domain,
        tol: Tolerances,
        cuts: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> Context:
        """The context of ``(net, domain)``; with ``cuts = (A, b)``, of the part
        ``domain ∩ {A x <= b}`` (rows are normalised here).

        Examples
        --------
        >>> import numpy as np, polyreg
        >>> net = polyreg.random_network([2, 4, 1], seed=0)
        >>> ctx = Context.create(net, polyreg.Box.cube(2), polyreg.Tolerances(),
        ...                      cuts=(np.array([[2.0, 0.0]]), np.array([0.5])))
        >>> ctx.cut_A.tolist(), ctx.cut_b.tolist()
        ([[1.0, 0.0]], [0.25])
        """
        from ..canonical import canonical_network
        from ..domains import check_thickness, extent
        from ..propagation import stability

        domain = domain.for_inputs(net.n_inputs)
        # exact power-of-two rescaling: same patterns and maps, tolerances mean the same thing
        # however the neurons are scaled; radius/zero/merge floored relative to the domain's
        # extent (what float64 resolves there); a domain thinner than that is refused
        net = canonical_network(net)
        size = extent(domain)
        tol = tol.effective(size)
        check_thickness(domain, tol.radius, size)
        rows = domain.rows()
        if rows is None:
            dom_A, dom_b = np.zeros((0, net.n_inputs)), np.zeros(0)
        else:
            dom_A, dom_b = normalize_rows(*rows)
        ctx = cls(net, domain, tol, stability(net, domain, tol), dom_A, dom_b, net.weight_scale(),
                  extent=size)
        return ctx if cuts is None else ctx.with_cuts(*cuts)

    def with_cuts(self, A: np.ndarray, b: np.ndarray) -> Context:
        """This context restricted to ``{A x <= b}`` (replacing earlier cuts)."""
        A = np.atleast_2d(np.asarray(A, dtype=np.float64))
        b = np.atleast_1d(np.asarray(b, dtype=np.float64))
        if A.shape != (b.size, self.net.n_inputs):
            raise ValueError(
                f"cut rows have shape {A.shape} and {b.shape}; expected (k, {self.net.n_inputs})"
            )
        if np.any(np.linalg.norm(A, axis=1) == 0):
            raise ValueError("a cut row is zero")
        A, b = normalize_rows(A, b)
        return replace(self, cut_A=A, cut_b=b)

    def without_cuts(self) -> Context:
        """The context of the whole domain."""
        return replace(self, cut_A=np.zeros((0, 0)), cut_b=np.zeros(0))

    def canonical(self, pattern: np.ndarray) -> np.ndarray:
        """Pattern with the stable bits forced to their proven values."""
        p = pattern.copy()
        p[self.stab.on] = True
        p[self.stab.off] = False
        return p


@dataclass(frozen=True)
class RegionRows:
    """The half-spaces of one region inside the domain.

    Attributes
    ----------
    pattern : canonical pattern (identically-zero neurons set off)
    maps : local affine maps for that pattern
    A, b : unit rows; neuron rows first, then the domain's rows
    neuron : pattern index of each row, -1 for a domain row, ``CUT - j`` for cut row ``j``
    group : label per row, equal for rows on the same hyperplane
    zero : bool (N,), neurons identically zero on the region (off, no split)
    """

    pattern: np.ndarray
    maps: LocalMaps
    A: np.ndarray
    b: np.ndarray
    neuron: np.ndarray
    group: np.ndarray
    zero: np.ndarray


def region_rows(ctx: Context, pattern: np.ndarray,
                counter: SolveCounter | None = None) -> RegionRows:
    """Constraint rows of the region with ``pattern``: ``s_k (g_k x + c_k) >= 0`` for every live
    neuron with a non-constant pre-activation, plus the domain's rows and the context's cuts."""
    net = ctx.net
    maps = net.local_maps(pattern)
    live = np.flatnonzero(ctx.stab.live)
    g, c = maps.G[live], maps.c[live]
    gnorm = np.linalg.norm(g, axis=1)
    small, small_c = ctx.constant_floor(live)
    constant = gnorm <= small
    zero = np.zeros(net.n_hidden, dtype=bool)
    zero[live[constant & (np.abs(c) <= small_c)]] = True
    if zero.any() and pattern[zero].any():
        pattern = pattern.copy()
        pattern[zero] = False
    keep = ~constant
    idx = live[keep]
    sign = np.where(pattern[idx], 1.0, -1.0)
    A = -sign[:, None] * g[keep] / gnorm[keep, None]
    b = sign * c[keep] / gnorm[keep]
    A = np.vstack([A, ctx.dom_A])
    b = np.concatenate([b, ctx.dom_b])
    neuron = np.concatenate([idx, np.full(ctx.dom_b.size, DOMAIN_ROW)])
    if ctx.cut_b.size:
        A = np.vstack([A, ctx.cut_A])
        b = np.concatenate([b, ctx.cut_b])
        neuron = np.concatenate([neuron, CUT - np.arange(ctx.cut_b.size)])
    rr = RegionRows(pattern, maps, A, b, neuron, group_rows(*ctx.rows_key(A, b)), zero)
    return _exact_groups(ctx, rr, counter)


def _exact_groups(ctx: Context, rr: RegionRows, counter: SolveCounter | None) -> RegionRows:
    """``rr`` with its groups (rows on one hyperplane) checked: a member farther from its
    group's first row than float64 can trust (:func:`merge_window`) is re-grouped by its exact
    row (:func:`polyreg.exact.same_hyperplane`); with ``Tolerances(exact="never")``,
    :class:`ToleranceError`."""
    group = rr.group
    m = group.size
    if m < 2:
        return rr
    labels, first, counts = np.unique(group, return_index=True, return_counts=True)
    pos = np.searchsorted(labels, group)
    multi = counts[pos] > 1
    if not multi.any():
        return rr
    Ak, bk, _ = ctx.rows_key(rr.A, rr.b)
    R = np.hstack([Ak, bk[:, None]])
    rep = first[pos]
    sure, _ = merge_window(ctx, np.sum((R - R[rep]) ** 2, axis=1))
    doubt = multi & (np.arange(m) != rep) & ~sure
    if not doubt.any():
        return rr
    from ..exact import same_hyperplane

    keys, signs = rr_keys(ctx, rr)
    bad = np.unique(group[doubt])
    todo = np.flatnonzero(np.isin(group, bad))
    # counts the decision (raises with exact="never"); the classes are formed below
    same_planes(ctx, rr.pattern, [keys[todo[0]]], [signs[todo[0]]],
                counter if counter is not None else SolveCounter(), "rows of one hyperplane")
    rows = exact_key_rows(ctx, rr.pattern, [keys[i] for i in todo], [signs[i] for i in todo])
    new = group.copy()
    top = int(group.max()) + 1
    for g in bad.tolist():
        members = [n for n, i in enumerate(todo) if group[i] == g]
        classes: list[int] = []  # index into members of each class's first row
        for n in members:
            match = next((c for c in classes if same_hyperplane(rows[c], rows[n]) == 1), None)
            if match is None:
                classes.append(n)
                label = g if len(classes) == 1 else top
                if len(classes) > 1:
                    top += 1
            else:
                label = int(new[todo[match]])
            new[todo[n]] = label
    # number the groups in order of first appearance, as group_rows does
    _, first_label = np.unique(new, return_index=True)
    renumber = np.empty(int(new.max()) + 1, dtype=np.int64)
    renumber[new[np.sort(first_label)]] = np.arange(first_label.size)
    return replace(rr, group=renumber[new])


def exact_rows(ctx: Context, rr: RegionRows) -> RowsFn:
    """The exact rational rows of ``rr`` (row for row like ``rr.A``), computed when called:
    neuron rows from the network's weights for the region's pattern
    (:func:`polyreg.exact.network_rows`), then the domain's rows and the cuts as given."""

    def rows() -> tuple[list, list]:
        from ..exact import network_rows, q_mat, q_vec

        idx = rr.neuron[rr.neuron >= 0]
        net = ctx.net
        A, b = network_rows(net.weights, net.biases, net.negative_slope, rr.pattern, idx,
                            np.where(rr.pattern[idx], 1.0, -1.0))
        dom = ctx.domain.rows()
        if dom is not None and ctx.dom_b.size:
            A += q_mat(dom[0])
            b += q_vec(dom[1])
        if ctx.cut_b.size:
            A += q_mat(ctx.cut_A)
            b += q_vec(ctx.cut_b)
        return A, b

    return rows


# ---------------------------------------------------------------------------- same hyperplane
def merge_window(ctx: Context, d2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split "same hyperplane" candidates by how far float64 can be trusted.

    ``d2`` holds squared distances of rows ``[a | b]`` in the :meth:`Context.rows_key` frame.
    Returns ``(sure, doubt)``: ``sure`` within ``tol.zero`` (scaled like ``merge``), the same
    hyperplane as float64 says; ``doubt`` within ``merge`` but farther than that: a different
    hyperplane a hair away, or the same one computed along other paths, which float64 cannot
    tell apart (decided by :func:`same_planes` in rational arithmetic, or refused with
    ``Tolerances(exact="never")``). With ``exact="always"`` every candidate is in doubt."""
    f = max(1.0, ctx.extent)
    merge, lower = ctx.tol.merge / f, ctx.tol.zero / f
    within = d2 <= merge * merge
    if ctx.tol.exact == "always":
        return np.zeros_like(within), within
    doubt = within & (d2 > lower * lower)
    return within & ~doubt, doubt


def exact_key_rows(
    ctx: Context, pattern: np.ndarray, keys: list[int], signs: list[float]
) -> list[list]:
    """Exact rows ``[a | b]`` (``a x <= b``) named by keys: ``k >= 0`` neuron ``k``'s row on
    side ``signs[i]`` (``+1``: its on side ``-g x <= c``) for ``pattern``'s earlier layers;
    ``-1 - j`` the domain's row ``j``, then the context's cut rows."""
    from ..exact import network_rows, q_mat, q_vec

    net = ctx.net
    neurons = [k for k in keys if k >= 0]
    nsig = [sg for k, sg in zip(keys, signs, strict=True) if k >= 0]
    nA, nb = network_rows(net.weights, net.biases, net.negative_slope, pattern,
                          np.array(neurons, dtype=np.int64), np.array(nsig)) if neurons else ([], [])
    dom = ctx.domain.rows()
    dA: list = []
    db: list = []
    if dom is not None and ctx.dom_b.size:
        dA, db = q_mat(dom[0]), q_vec(dom[1])
    if ctx.cut_b.size:
        dA, db = dA + q_mat(ctx.cut_A), db + q_vec(ctx.cut_b)
    out, it = [], 0
    for k in keys:
        if k >= 0:
            out.append(list(nA[it]) + [nb[it]])
            it += 1
        else:
            out.append(list(dA[-1 - k]) + [db[-1 - k]])
    return out


def key_rows_fn(ctx: Context, pattern: np.ndarray, keys: list[int]) -> RowsFn:
    """The exact rows ``(A, b)`` named by ``keys`` (:func:`exact_key_rows`; a neuron's row on
    the side of its bit in ``pattern``), computed when called (an ``exact=`` argument of
    :func:`polyreg.solvers.inscribed_ball`)."""
    pattern = pattern.copy()
    keys = list(keys)

    def rows() -> tuple[list, list]:
        signs = [1.0 if k < 0 or pattern[k] else -1.0 for k in keys]
        R = exact_key_rows(ctx, pattern, keys, signs)
        return [r[:-1] for r in R], [r[-1] for r in R]

    return rows


def rr_keys(ctx: Context, rr: RegionRows) -> tuple[list[int], list[float]]:
    """Keys and signs (:func:`exact_key_rows`) of a region's rows, row for row."""
    n_dom = ctx.dom_b.size
    keys: list[int] = []
    for j, k in enumerate(rr.neuron.tolist()):
        if k >= 0:
            keys.append(k)
        elif k == DOMAIN_ROW:
            keys.append(-1 - (j - int(np.sum(rr.neuron >= 0))))
        else:
            keys.append(-1 - n_dom - (CUT - k))
    signs = [1.0 if k < 0 or rr.pattern[k] else -1.0 for k in keys]
    return keys, signs


def domain_keys(ctx: Context) -> list[int]:
    """Keys of the domain's rows (:func:`exact_key_rows`)."""
    return [-1 - j for j in range(ctx.dom_b.size)]


def same_planes(
    ctx: Context, pattern: np.ndarray, keys: list[int], signs: list[float], counter: SolveCounter,
    what: str,
) -> list[int]:
    """Per row ``i >= 1`` named by ``keys``/``signs`` (see :func:`exact_key_rows`), whether it
    lies on row 0's hyperplane, decided exactly (:func:`polyreg.exact.same_hyperplane`: ``1``
    the same half-space, ``-1`` the opposite one, ``0`` another hyperplane); counted in
    ``counter.exact``. With ``Tolerances(exact="never")``: :class:`ToleranceError`."""
    if ctx.tol.exact == "never":
        raise ToleranceError(
            f"{what}: two rows lie within the merge tolerance {ctx.tol.merge:g} of one "
            f"hyperplane but farther than zero={ctx.tol.zero:g}; float64 cannot tell whether "
            "they are one (pass Tolerances(exact='auto') to decide it in rational arithmetic)"
        )
    from ..exact import same_hyperplane

    t0 = time.perf_counter()
    rows = exact_key_rows(ctx, pattern, keys, signs)
    out = [same_hyperplane(rows[0], r) for r in rows[1:]]
    counter.exact += 1
    counter.exact_seconds += time.perf_counter() - t0
    return out


def coinciding_bit(
    ctx: Context, pattern: np.ndarray, keys: list[int], k: int,
    d2_on: np.ndarray, d2_off: np.ndarray, counter: SolveCounter,
) -> bool | None:
    """Neuron ``k``'s bit when its hyperplane carries one of a cell's rows (named by ``keys``,
    see :func:`exact_key_rows`; a neuron's row on the side of its bit in ``pattern``, the
    cell's): True when a row is its on side ``-g x <= c``,
    False when one is its off side, None when none is (the neuron may cut the cell).
    ``d2_on``/``d2_off``: squared distances of the rows to the on side's row and to its
    opposite (:meth:`Context.rows_key` frame); float64 where sure, exact in the window
    (:func:`merge_window`)."""
    reach = ctx.tol.merge / max(1.0, ctx.extent)
    if not (d2_on.size and min(float(d2_on.min()), float(d2_off.min())) <= reach * reach):
        return None  # no row within the merge tolerance (the usual case)
    sure_on, doubt_on = merge_window(ctx, d2_on)
    if sure_on.any():
        return True
    sure_off, doubt_off = merge_window(ctx, d2_off)
    if sure_off.any():
        return False
    cand = np.flatnonzero(doubt_on | doubt_off)
    if cand.size == 0:
        return None
    signs = [1.0 if keys[i] < 0 or pattern[keys[i]] else -1.0 for i in cand]
    verdict = same_planes(ctx, pattern, [k] + [keys[i] for i in cand], [1.0] + signs, counter,
                          f"neuron {ctx.net.neuron_name(k)} on a row of its cell")
    for v in verdict:
        if v:
            return v > 0
    return None


def domain_radius(ctx: Context, x: np.ndarray, r: float) -> float:
    """The radius ``r`` of a ball around ``x`` (inside a region's rows) shrunk so that the ball
    also lies in the domain, capped at :data:`polyreg.solvers.WHOLE_CAP` in an unbounded domain (as
    the solves cap it): the interior-point certificate the engines share (float64). A
    polyhedral domain's rows are among the region's rows already; a ball's are not.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.random_network([2, 4, 1], seed=0)
    >>> ctx = Context.create(net, polyreg.Ball([0.0, 0.0], 1.0), polyreg.Tolerances())
    >>> round(float(domain_radius(ctx, np.array([0.75, 0.0]), 0.5)), 6)
    0.25
    """
    r = min(r, _domain_margin(x, ctx.domain))
    return min(r, WHOLE_CAP) if not ctx.domain.bounded else r


def certified_radius(ctx: Context, A: np.ndarray, b: np.ndarray, x: np.ndarray) -> float:
    """Radius of a Euclidean ball around ``x`` inside ``{A x <= b}`` ∩ domain (float64; rows of
    unit norm), :func:`domain_radius` of the least row slack.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.random_network([2, 4, 1], seed=0)
    >>> ctx = Context.create(net, polyreg.Box.cube(2), polyreg.Tolerances())
    >>> round(float(certified_radius(ctx, np.array([[1.0, 0.0]]), np.array([0.1]), np.zeros(2))), 6)
    0.1
    """
    r = float((b - A @ x).min()) if b.size else np.inf
    return domain_radius(ctx, x, r)


def region_ball(
    ctx: Context, rr: RegionRows, counter: SolveCounter, what: str = "region"
) -> tuple[np.ndarray, float]:
    """A certified interior point and inscribed radius of the region ``rr`` from the solver,
    decided in exact arithmetic where float64 cannot (:func:`polyreg.solvers.inscribed_ball` with
    :func:`exact_rows`); :class:`~polyreg.errors.ToleranceError` when it has no interior."""
    ball = inscribed_ball(rr.A, rr.b, ctx.domain, ctx.tol, counter, what=what,
                          exact=exact_rows(ctx, rr))
    if not ball.full or ball.center is None:
        raise ToleranceError(f"region {rr.pattern.astype(int)} lost its interior")
    return ball.center, ball.radius


def patterns_across(
    net: Network, pattern: np.ndarray, zero: np.ndarray, directions: np.ndarray, rel: float
) -> np.ndarray:
    """Patterns just beyond facets of one region, reached by moving from each along a direction.

    Parameters
    ----------
    pattern : bool (N,)
        The region's pattern.
    zero : bool (F, N)
        Per facet, the neurons that vanish on the whole facet: those whose hyperplane carries it
        and those identically zero on the region. Every other neuron keeps its bit (continuity:
        it is non-zero at every relative-interior point of the facet).
    directions : (F, d)
        Per facet, a direction crossing it (the outward normal).
    rel : float
        A directional derivative below ``rel`` times its magnitude scale counts as zero (off).

    Returns
    -------
    bool (F, N)

    Notes
    -----
    Layer by layer, a flagged neuron's new bit is the sign of its directional derivative computed
    with the *new* bits of the earlier layers: the first-order term of ``z(q + eps u)`` at a facet
    point ``q`` where ``z(q) = 0``. Exact, and vectorised over facets.
    """
    F = directions.shape[0]
    new = np.repeat(pattern[None, :], F, axis=0)
    offsets = net.layer_offsets
    alpha = net.negative_slope
    S = directions.T
    for layer in range(len(net.weights) - 1):
        W = net.weights[layer]
        sigma = W @ S
        seg = slice(offsets[layer], offsets[layer + 1])
        z = zero[:, seg].T
        bits = new[:, seg].T
        if z.any():
            scale = np.abs(W) @ np.abs(S) + 1e-300
            bits = np.where(z, sigma > rel * scale, bits)
            new[:, seg] = bits.T
        S = np.where(bits, 1.0, alpha) * sigma
    return new


def step_inside(
    A: np.ndarray, b: np.ndarray, q: np.ndarray, u: np.ndarray, samples: int = 48
) -> tuple[np.ndarray, float]:
    """A point ``q + t u`` (``t > 0``) with large least slack for ``A x <= b``.

    Maximises the concave piecewise-linear ``t -> min_j (b - A (q + t u))_j`` over a geometric
    grid of ``t`` up to the first zero of a decreasing row. Returns the point and its least
    slack (its certified inscribed radius for unit rows).
    """
    s0 = b - A @ q
    c = A @ u
    down = c > 0
    limits = s0[down] / c[down]
    t_max = float(limits[limits > 0].min()) if np.any(limits > 0) else 1.0
    ts = t_max * np.geomspace(1e-9, 1.0, samples)
    values = (s0[:, None] - c[:, None] * ts[None, :]).min(axis=0)
    best = int(np.argmax(values))
    return q + ts[best] * u, float(values[best])


class Progress:
    """Throttled progress line on stderr (only when stderr is a terminal and not quiet)."""

    def __init__(self, enabled: bool | None = None, every: float = 0.5) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.every = every
        self.t0 = self.last = time.perf_counter()

    def __call__(
        self,
        regions: int,
        frontier: int,
        solves: int | None,
        final: bool = False,
        fraction: float | None = None,
    ) -> None:
        """Draw the line: regions, frontier (``>= 0``), regions/s, solves/s (LPs and SOCPs;
        left out when ``solves`` is None), elapsed time, and an ETA when ``fraction`` (of the
        work done) is known.

        Examples
        --------
        >>> import contextlib, io
        >>> buf = io.StringIO()
        >>> with contextlib.redirect_stderr(buf):
        ...     Progress(True)(10, 3, 20, final=True, fraction=0.5)
        >>> "solves/s" in buf.getvalue() and "elapsed 0:00" in buf.getvalue()
        True
        """
        if not self.enabled:
            return
        now = time.perf_counter()
        if not final and now - self.last < self.every:
            return
        self.last = now
        elapsed = max(now - self.t0, 1e-9)
        end = "\n" if final else ""
        eta = ""
        if fraction is not None and 0 < fraction < 1 and not final:
            eta = f"  ETA {format_seconds(elapsed * (1 - fraction) / fraction)}"
        front = f"  frontier {frontier:>8,}" if frontier >= 0 else ""
        rate = "" if solves is None else f"  solves/s {solves / elapsed:>8,.0f}"
        sys.stderr.write(
            f"\rregions {regions:>9,}{front}  regions/s {regions / elapsed:>8,.0f}{rate}"
            f"  elapsed {format_seconds(elapsed)}{eta}" + end
        )
        sys.stderr.flush()


def format_seconds(seconds: float) -> str:
    """``"1:02:03"`` / ``"2:03"`` for a duration.

    Examples
    --------
    >>> format_seconds(3723.4), format_seconds(59)
    ('1:02:03', '0:59')
    """
    s = int(round(seconds))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


class ScaleProgress:
    """Progress of a long run: regions found, frontier (or parts), regions/s, ETA when the
    done fraction is known. A ``tqdm`` bar when tqdm is installed, else :class:`Progress`.

    ``enabled=None``: only when stderr is a terminal.

    Examples
    --------
    >>> p = ScaleProgress(enabled=False)
    >>> p.update(10, frontier=3); p.close()
    """

    def __init__(self, enabled: bool | None = None, every: float = 0.5) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.line = Progress(self.enabled, every)
        self.bar = None
        self.every = every
        self.last = 0.0
        if self.enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                pass
            else:
                self.bar = tqdm(total=None, unit=" regions", file=sys.stderr, dynamic_ncols=True,
                                mininterval=every, smoothing=0.1)

    def update(
        self,
        regions: int,
        *,
        frontier: int | None = None,
        solves: int | None = None,
        fraction: float | None = None,
        parts: tuple[int, int] | None = None,
    ) -> None:
        """Show ``regions`` found so far; ``fraction`` of the work done gives an ETA."""
        if not self.enabled:
            return
        if self.bar is None:
            self.line(regions, -1 if frontier is None else frontier, solves, fraction=fraction)
            return
        now = time.perf_counter()
        self.bar.n = regions
        if now - self.last < self.every:
            return
        self.last = now
        post = {}
        if frontier is not None:
            post["frontier"] = f"{frontier:,}"
        if parts is not None:
            post["parts"] = f"{parts[0]}/{parts[1]}"
        if solves is not None:
            post["solves/s"] = f"{solves / max(now - self.line.t0, 1e-9):,.0f}"
        if fraction is not None and 0 < fraction < 1:
            elapsed = now - self.line.t0
            post["ETA"] = format_seconds(elapsed * (1 - fraction) / fraction)
        self.bar.set_postfix(post, refresh=False)
        self.bar.refresh()

    def close(self, regions: int | None = None) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if regions is not None:
                self.line(regions, -1, None, final=True)
            return
        if regions is not None:
            self.bar.n = regions
        self.bar.close()


@dataclass(frozen=True)
class Reduction:
    """An exact change of variables ``x = origin + U y`` onto the row space of the first layer.

    The network only sees ``W0 x``, so every activation region is a cylinder along the null
    space of ``W0``. For the L2 ball and the whole space the problem in ``y`` (rank-many
    coordinates) has the same regions, patterns, Chebyshev radii and adjacency: the L2 ball's
    shadow on the subspace is the ball of the same radius around the projected centre, and the
    Chebyshev ball of a cylinder ∩ ball can be centred in the subspace.
    """

    net: Network
    domain: Domain
    origin: np.ndarray
    U: np.ndarray

    @overload
    def lift_point(self, y: np.ndarray) -> np.ndarray: ...
    @overload
    def lift_point(self, y: None) -> None: ...
    def lift_point(self, y: np.ndarray | None) -> np.ndarray | None:
        return None if y is None else self.origin + self.U @ y

    def lift_map(self, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``W y + b`` as a map of ``x`` (``y = U^T (x - origin)``)."""
        Wx = W @ self.U.T
        return Wx, b - Wx @ self.origin


def reduce_dimension(net: Network, domain: Domain, rel: float = 1e-12) -> Reduction | None:
    """The :class:`Reduction` of ``(net, domain)`` when it pays (first-layer rank below the input
    dimension and an L2 ball or the whole space), else None."""
    from ..domains import Ball, Whole

    W0 = net.weights[0]
    d = net.n_inputs
    if not ((isinstance(domain, Ball) and domain.norm == 2) or isinstance(domain, Whole)):
        return None
    if W0.shape[0] >= d:
        return None
    _, sv, Vt = np.linalg.svd(W0, full_matrices=False)
    rank = int(np.sum(sv > rel * max(sv.max(initial=0.0), 1e-300)))
    if rank >= d or rank == 0:
        return None
    U = Vt[:rank].T  # (d, rank) orthonormal basis of the row space
    origin = domain.center if isinstance(domain, Ball) else np.zeros(d)
    layers = [(W0 @ U, net.biases[0] + W0 @ origin)]
    layers += list(zip(net.weights[1:], net.biases[1:], strict=True))
    small = Network.from_layers(layers, negative_slope=net.negative_slope)
    if isinstance(domain, Ball):
        small_domain: Domain = Ball(np.zeros(rank), domain.radius, norm=2)
    else:
        small_domain = Whole(rank)
    return Reduction(small, small_domain, origin, U)


def lift_regions(small: RegionSet, red: Reduction, net: Network, domain: Domain,
                 t0: float) -> RegionSet:
    """Regions found in the reduced coordinates of ``red``, expressed in the input space of
    ``net`` (points lifted, output maps composed with the projection; radii and patterns are
    those of the reduced problem: see :class:`Reduction`). ``stats['seconds']`` counts from
    ``t0``; ``stats['reduced_dim']`` is the reduced dimension."""
    regions = []
    for r in small.regions:
        W, b = red.lift_map(r.out_W, r.out_b)
        regions.append(Region(r.pattern, red.lift_point(r.point), r.radius, W, b))
    edges = tuple(Edge(e.u, e.v, e.neurons, e.flipped, red.lift_point(e.point))
                  for e in small.edges)
    stats = dict(small.stats, seconds=time.perf_counter() - t0, reduced_dim=red.U.shape[1])
    return RegionSet(tuple(regions), edges, small.method, domain.for_inputs(net.n_inputs),
                     net.widths, stats)
