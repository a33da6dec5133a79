"""``milp``: every activation region from a mixed-integer model, one solve per region.

The model (HiGHS branch and bound through :func:`polyreg.solvers.solve_milp`) has the input ``x``,
every hidden activation ``a``, a binary ``delta_k`` per live neuron (``z_k > 0`` is on) and,
per live neuron, the local gradient ``g_k`` of its pre-activation under the chosen pattern.
With big-M constants ``L_k <= z_k <= U_k`` over the domain (interval propagation, tightened by
LP over the triangle relaxation):

* ReLU / LeakyReLU (``a = max(z, alpha z)``)::

      a >= z,  a >= alpha z,
      a <= z + (1 - alpha)(-L)(1 - delta),  a <= alpha z + (1 - alpha) U delta

* gradients: ``g = W^1`` on the first layer; ``g^l = W^l J^{l-1}`` with ``J_j = g_j`` (on),
  ``alpha g_j`` (off) and ``J_j = alpha g_j + (1 - alpha) P_j``, ``P_j = delta_j g_j`` by big-M
  on the gradient bounds ``|g_j| <= Gb_j`` (interval arithmetic) for live neurons;
* the margin: ``u_k >= |g_k|`` and::

      z_k - eps sum(u_k) >= (L_k - eps Ub_k)(1 - delta_k)       (on: z >= eps ||g||_1)
      z_k + eps sum(u_k) <= (U_k + eps Ub_k) delta_k             (off: z <= -eps ||g||_1)

  so a feasible ``(x, delta)`` has the closed L-inf ball of radius ``eps`` around ``x`` inside
  the region of pattern ``delta`` (``z_k(y) = z_k(x) + g_k (y - x)`` keeps its sign), and the
  ball inside the domain (``a x + eps ||a||_1 <= b`` per domain row). A neuron identically zero
  on a region has ``g = 0`` and ``z = 0``: the margin holds for either bit, so such regions are
  found too (a fixed margin on ``z`` alone would miss every region where some live neuron is
  identically zero).

Each solution is verified with :func:`~polyreg.solvers.inscribed_ball` on the region's own rows and
then cut off by a no-good cut; the loop ends when the model is infeasible. By default
(``decompose=True``) the loop runs layer by layer: the model truncated after layer ``l``, with
the bits of the earlier layers fixed to one of their patterns found before, enumerates the
patterns of layer ``l`` (the same margin, hence the same certificate, since a region lies inside
the cell of its earlier layers).

What is certified
-----------------
* Every region reported is full-dimensional (re-checked inscribed ball ``>= tol.radius``).
* Every region whose intersection with the domain contains a closed L-inf ball of radius
  ``eps`` - in particular every region with Chebyshev radius ``>= eps sqrt(d)`` there - is
  reported, up to HiGHS' feasibility tolerance ``feasibility`` (the final infeasible solve is
  the proof).
* With ``edges=True`` (default) the gap below ``eps`` is closed exactly: each region's facets
  meeting the domain's interior are found (``facets.find_facets``) and must all be shared with
  reported regions. Across a facet the region is unique, and the adjacency graph of a convex
  domain is connected, so when every facet is matched no region is missing
  (``stats['closure_certified']``); otherwise a :class:`~polyreg.errors.ToleranceError` names
  an unmatched facet (rerun with a smaller ``eps``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..domains import Ball, Domain, Polytope, Whole
from ..errors import InvalidDomain, ToleranceError
from ..solvers import SolveCounter, Status, inscribed_ball, solve_milp
from ..network import Network
from ..regions import Edge, Region, RegionSet, pattern_key
from ..tolerances import DEFAULT, Tolerances
from ._common import Context, Progress, RegionRows, exact_rows, region_rows
from .assembly import facet_edges, regions_from_patterns

#: default margin ``eps`` relative to the domain's half-width (largest half side of its
#: bounding box)
EPS_REL = 1e-6

#: largest domain extent (largest coordinate magnitude) milp accepts: its MILPs are solved in
#: input units, where HiGHS' feasibility tolerances are absolute
MAX_EXTENT = 1e6

#: relative widening of LP-tightened bounds before they are used as big-M constants
BOUND_SAFETY = 1e-6


@dataclass
class _Bounds:
    """Pre-activation bounds and the neurons they prove stable (interval bounds, then LP)."""

    lower: np.ndarray
    upper: np.ndarray
    on: np.ndarray
    off: np.ndarray

    @property
    def live(self) -> np.ndarray:
        return ~(self.on | self.off)


class _Model:
    """Rows and columns of one (MI)LP, built from dense expression vectors.

    An expression is a vector of length ``n + 1``: coefficients of the ``n`` columns, then a
    constant.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.col_lo = np.full(n, -np.inf)
        self.col_hi = np.full(n, np.inf)
        self.integer = np.zeros(n, dtype=bool)
        self._rows: list[tuple[np.ndarray, np.ndarray]] = []
        self.row_lo: list[float] = []
        self.row_hi: list[float] = []

    def zero(self) -> np.ndarray:
        return np.zeros(self.n + 1)

    def var(self, col: int) -> np.ndarray:
        v = self.zero()
        v[col] = 1.0
        return v

    def const(self, value: float) -> np.ndarray:
        v = self.zero()
        v[-1] = value
        return v

    def add(self, expr: np.ndarray, lo: float = -np.inf, hi: float = np.inf) -> None:
        """The row ``lo <= expr <= hi``."""
        idx = np.flatnonzero(expr[:-1])
        self._rows.append((idx, expr[idx]))
        self.row_lo.append(lo - expr[-1])
        self.row_hi.append(hi - expr[-1])

    def matrix(self) -> sp.csr_matrix:
        if not self._rows:
            return sp.csr_matrix((0, self.n))
        indptr = np.concatenate([[0], np.cumsum([r[0].size for r in self._rows])])
        indices = np.concatenate([r[0] for r in self._rows])
        data = np.concatenate([r[1] for r in self._rows])
        return sp.csr_matrix((data, indices, indptr), shape=(len(self._rows), self.n))


@dataclass
class _Layout:
    """Column indices: input, activations, binaries, gradient products, gradient bounds."""

    x: np.ndarray  # (d,)
    a: np.ndarray  # (N,), -1 beyond the modelled layers
    delta: np.ndarray  # (N,), -1 unless live
    P: np.ndarray  # (N, d), -1 unless live and feeding a later hidden layer (margin only)
    u: np.ndarray  # (N, d), -1 unless live beyond the first layer (margin only)
    lift: np.ndarray  # (2 d,) L1-ball lift columns, or empty
    n: int


def _check_domain(domain: Domain) -> None:
    if isinstance(domain, Whole) or not domain.bounded:
        raise InvalidDomain(
            "milp needs a bounded polyhedral domain (big-M constants come from bounds over it); "
            "the whole space has none: use method='traverse' or a Box"
        )
    if isinstance(domain, Ball) and domain.norm == 2:
        raise InvalidDomain(
            "milp does not support the L2 ball (HiGHS has no second-order cones); use a Box, a "
            "Polytope, or a Ball with norm 1 or inf, or method='traverse'/'split'"
        )


def _layout(ctx: Context, live: np.ndarray, upto: int, margin: bool, lift: bool) -> _Layout:
    net = ctx.net
    d, N = net.n_inputs, net.n_hidden
    offsets = net.layer_offsets
    end = offsets[upto]
    n = 0

    def take(k: int) -> np.ndarray:
        nonlocal n
        cols = np.arange(n, n + k)
        n += k
        return cols

    x = take(d)
    a = np.full(N, -1)
    a[:end] = take(end)
    delta = np.full(N, -1)
    idx = np.flatnonzero(live[:end])
    delta[idx] = take(idx.size)
    P = np.full((N, d), -1)
    u = np.full((N, d), -1)
    if margin:
        feeding = live.copy()
        feeding[offsets[len(net.hidden_widths) - 1] :] = False
        feeding[end:] = False
        for k in np.flatnonzero(feeding):
            P[k] = take(d)
        later = live.copy()
        later[: offsets[1]] = False
        later[end:] = False
        for k in np.flatnonzero(later):
            u[k] = take(d)
    lift_cols = take(2 * d) if lift else np.zeros(0, dtype=int)
    return _Layout(x, a, delta, P, u, lift_cols, n)


def _build(
    ctx: Context, bounds: _Bounds, upto: int, *, margin: bool, eps: float
) -> tuple[_Model, _Layout]:
    """The model over the hidden layers ``< upto``: domain, ReLU rows and (with ``margin``,
    binaries integer) the gradient and margin rows; without, the LP relaxation."""
    net, dom = ctx.net, ctx.domain
    d = net.n_inputs
    alpha = net.negative_slope
    offsets = net.layer_offsets
    n_layers = len(net.hidden_widths)
    lift = isinstance(dom, Ball) and dom.norm == 1 and dom.rows() is None
    live = bounds.live
    lay = _layout(ctx, live, upto, margin, lift)
    m = _Model(lay.n)
    # --- domain: the L-inf ball of radius eps around x inside it
    lo, hi = dom.bounding_box()
    m.col_lo[lay.x], m.col_hi[lay.x] = lo + eps, hi - eps
    if ctx.dom_b.size:
        for row, rhs in zip(ctx.dom_A, ctx.dom_b, strict=True):
            e = m.zero()
            e[lay.x] = row
            m.add(e, hi=rhs - eps * np.abs(row).sum())
    elif lift:  # x - c = p - q, sum(p + q) <= r - eps d
        assert isinstance(dom, Ball)  # only the L1 ball is lifted
        p, q = lay.lift[:d], lay.lift[d:]
        m.col_lo[lay.lift] = 0.0
        for i in range(d):
            e = m.zero()
            e[lay.x[i]], e[p[i]], e[q[i]] = 1.0, -1.0, 1.0
            m.add(e, lo=dom.center[i], hi=dom.center[i])
        e = m.zero()
        e[lay.lift] = 1.0
        m.add(e, hi=dom.radius - eps * d)
    # --- layers
    # per neuron of the previous layer: (expressions of the gradient of its activation, shape
    # (d, n + 1); elementwise bound on their absolute values, shape (d,))
    prev_J: list[tuple[np.ndarray, np.ndarray]] = []
    for layer in range(upto):
        W, b = net.weights[layer], net.biases[layer]
        ks = range(offsets[layer], offsets[layer + 1])
        cur_J: list[tuple[np.ndarray, np.ndarray]] = []
        for row, k in enumerate(ks):
            z = m.zero()
            if layer == 0:
                z[lay.x] = W[row]
            else:
                z[lay.a[offsets[layer - 1] : offsets[layer]]] = W[row]
            z[-1] = b[row]
            L, U = float(bounds.lower[k]), float(bounds.upper[k])
            ak = m.var(lay.a[k])
            m.col_lo[lay.a[k]] = L if L >= 0 else alpha * L
            m.col_hi[lay.a[k]] = U if U >= 0 else alpha * U
            if bounds.on[k]:
                m.add(ak - z, 0.0, 0.0)
            elif bounds.off[k]:
                m.add(ak - alpha * z, 0.0, 0.0)
            else:
                dk = m.var(lay.delta[k])
                m.col_lo[lay.delta[k]], m.col_hi[lay.delta[k]] = 0.0, 1.0
                m.integer[lay.delta[k]] = margin
                m.add(ak - z, lo=0.0)
                if alpha:
                    m.add(ak - alpha * z, lo=0.0)
                m.add(ak - z - (1 - alpha) * L * dk, hi=-(1 - alpha) * L)
                m.add(ak - alpha * z - (1 - alpha) * U * dk, hi=0.0)
            if not margin:
                continue
            # gradient of z_k, its bound, the margin rows
            if layer == 0:
                g = np.zeros((d, m.n + 1))
                g[:, -1] = W[row]
                gb = np.abs(W[row])
            else:
                g = sum(W[row, j] * prev_J[j][0] for j in range(len(prev_J)) if W[row, j] != 0)
                if isinstance(g, int):
                    g = np.zeros((d, m.n + 1))
                gb = sum(abs(W[row, j]) * prev_J[j][1] for j in range(len(prev_J)))
                gb = np.asarray(gb, dtype=float) * np.ones(d)
            if live[k]:
                dk = m.var(lay.delta[k])
                if layer == 0:
                    S, Ub = m.const(float(np.abs(W[row]).sum())), float(np.abs(W[row]).sum())
                else:
                    S = m.zero()
                    for i in range(d):
                        col = lay.u[k, i]
                        m.col_lo[col], m.col_hi[col] = 0.0, gb[i]
                        ui = m.var(col)
                        m.add(ui - g[i], lo=0.0)
                        m.add(ui + g[i], lo=0.0)
                        S[col] = 1.0
                    Ub = float(gb.sum())
                m.add(z - eps * S + (L - eps * Ub) * dk, lo=L - eps * Ub)
                m.add(z + eps * S - (U + eps * Ub) * dk, hi=0.0)
            if layer == n_layers - 1:
                continue
            # J_k: the gradient of a_k
            if bounds.on[k]:
                J, Jb = g, gb
            elif bounds.off[k]:
                J, Jb = alpha * g, alpha * gb
            else:
                dk = m.var(lay.delta[k])
                J = alpha * g
                for i in range(d):
                    col = lay.P[k, i]
                    m.col_lo[col], m.col_hi[col] = -gb[i], gb[i]
                    Pi = m.var(col)
                    m.add(Pi - gb[i] * dk, hi=0.0)
                    m.add(-Pi - gb[i] * dk, hi=0.0)
                    m.add(g[i] - Pi + gb[i] * dk, hi=gb[i])
                    m.add(Pi - g[i] + gb[i] * dk, hi=gb[i])
                    J = J.copy()
                    J[i, col] += 1 - alpha
                Jb = gb
            cur_J.append((J, Jb))
        prev_J = cur_J
    return m, lay


def _tighten(ctx: Context, time_limit: float | None) -> tuple[_Bounds, int]:
    """Interval bounds, tightened per live neuron by two LPs over the triangle relaxation of the
    earlier layers (the first layer only for polytopes, where intervals use the bounding box).
    Every LP bound is widened by ``BOUND_SAFETY`` (relative) before use."""
    stab = ctx.stab
    lower = np.array(stab.lower, dtype=float)
    upper = np.array(stab.upper, dtype=float)
    bounds = _Bounds(lower, upper, stab.on.copy(), stab.off.copy())
    net = ctx.net
    offsets = net.layer_offsets
    lps = 0
    for layer in range(len(net.hidden_widths)):
        ks = [k for k in range(offsets[layer], offsets[layer + 1]) if bounds.live[k]]
        if not ks or (layer == 0 and not isinstance(ctx.domain, Polytope)):
            continue
        m, lay = _build(ctx, bounds, layer, margin=False, eps=0.0)
        A = m.matrix()
        W, b = net.weights[layer], net.biases[layer]
        for k in ks:
            row = k - offsets[layer]
            cost = np.zeros(m.n)
            if layer == 0:
                cost[lay.x] = W[row]
            else:
                cost[lay.a[offsets[layer - 1] : offsets[layer]]] = W[row]
            vals = []
            for sign in (1.0, -1.0):
                res = solve_milp(
                    sign * cost, A, np.array(m.row_lo), np.array(m.row_hi), m.col_lo, m.col_hi,
                    m.integer, feasibility=1e-9, time_limit=time_limit,
                    what=f"bound LP of neuron {net.neuron_name(k)}",
                )
                lps += 1
                if res.status != Status.OPTIMAL:  # pragma: no cover - the domain is non-empty
                    raise ToleranceError(
                        f"the bound LP of neuron {net.neuron_name(k)} is infeasible"
                    )
                vals.append(sign * res.objective + b[row])
            lo_k, hi_k = vals
            pad = BOUND_SAFETY * (1.0 + abs(lo_k) + abs(hi_k)) * ctx.scale[k]
            lower[k] = max(lower[k], lo_k - pad)
            upper[k] = min(upper[k], hi_k + pad)
            if lower[k] > 0:
                bounds.on[k] = True
            elif upper[k] < 0:
                bounds.off[k] = True
        # later layers: interval propagation from the tightened bounds
        if layer + 1 < len(net.hidden_widths):
            _propagate(net, bounds, layer + 1)
    return bounds, lps


def _propagate(net: Network, bounds: _Bounds, layer: int) -> None:
    """Re-derive interval bounds of hidden layer ``layer`` onwards from the previous layer's."""
    alpha = net.negative_slope
    offsets = net.layer_offsets
    for l in range(layer, len(net.hidden_widths)):
        prev = slice(offsets[l - 1], offsets[l])
        lo, hi = bounds.lower[prev], bounds.upper[prev]
        a_lo = np.maximum(lo, 0) + alpha * np.minimum(lo, 0)
        a_hi = np.maximum(hi, 0) + alpha * np.minimum(hi, 0)
        W, b = net.weights[l], net.biases[l]
        Wp, Wn = np.maximum(W, 0), np.minimum(W, 0)
        cur = slice(offsets[l], offsets[l + 1])
        bounds.lower[cur] = np.maximum(bounds.lower[cur], Wp @ a_lo + Wn @ a_hi + b)
        bounds.upper[cur] = np.minimum(bounds.upper[cur], Wp @ a_hi + Wn @ a_lo + b)
        # stability is only decided on the exact interval values of ctx.stab or by LP: the
        # propagated bounds serve as big-M constants


@dataclass
class _Run:
    """Counters and settings shared by the solves of one enumeration."""

    feasibility: float
    time_limit: float | None
    counter: SolveCounter
    show: Progress
    milps: int = 0
    rejected: int = 0


def _enumerate_under(
    ctx: Context,
    m: _Model,
    A0: sp.csr_matrix,
    lay: _Layout,
    bounds: _Bounds,
    prefix: np.ndarray,
    free: np.ndarray,
    final: bool,
    run: _Run,
    found: dict[bytes, tuple[np.ndarray, np.ndarray, float]],
) -> list[np.ndarray]:
    """Every pattern of the free neurons ``free`` the model admits with the other live bits
    fixed to ``prefix``, by repeated solves with no-good cuts.

    With ``final`` the patterns are complete: each is verified (``region_rows`` +
    ``inscribed_ball``) and recorded in ``found``; a solution that fails is cut and counted in
    ``run.rejected``. Otherwise each is a cell of the layers modelled so far, returned with the
    neurons identically zero on it set off. Either way the cut removes every pattern that
    agrees with the solution outside the neurons identically zero there (they are one region
    or cell: such a neuron's output is the zero function whatever its bit).
    """
    net, tol = ctx.net, ctx.tol
    col_lo, col_hi = m.col_lo.copy(), m.col_hi.copy()
    fixed = np.flatnonzero(bounds.live & (lay.delta >= 0))
    fixed = fixed[~np.isin(fixed, free)]
    col_lo[lay.delta[fixed]] = col_hi[lay.delta[fixed]] = prefix[fixed].astype(float)
    cols = lay.delta[free]
    row_lo0, row_hi0 = np.array(m.row_lo), np.array(m.row_hi)
    cuts: list[tuple[np.ndarray, np.ndarray, float]] = []
    out: list[np.ndarray] = []
    while True:
        if cuts:
            C = sp.csr_matrix(
                (np.concatenate([c[1] for c in cuts]),
                 (np.repeat(np.arange(len(cuts)), [c[0].size for c in cuts]),
                  np.concatenate([c[0] for c in cuts]))),
                shape=(len(cuts), m.n),
            )
            A = sp.vstack([A0, C]).tocsr()
            row_lo = np.concatenate([row_lo0, [c[2] for c in cuts]])
            row_hi = np.concatenate([row_hi0, np.full(len(cuts), np.inf)])
        else:
            A, row_lo, row_hi = A0, row_lo0, row_hi0
        res = solve_milp(
            np.zeros(m.n), A, row_lo, row_hi, col_lo, col_hi, m.integer,
            feasibility=run.feasibility, time_limit=run.time_limit,
            what=f"region MILP (after {len(found)} regions)",
        )
        run.milps += 1
        if res.status == Status.INFEASIBLE or res.x is None:
            return out
        pattern = prefix.copy()
        pattern[free] = res.x[cols] > 0.5
        keep = np.ones(free.size, dtype=bool)
        if final:
            rr = region_rows(ctx, ctx.canonical(pattern))
            ball = inscribed_ball(
                rr.A, rr.b, ctx.domain, tol, run.counter, what="region found by MILP",
                exact=exact_rows(ctx, rr),
            )
            key = pattern_key(rr.pattern)
            if ball.full and ball.center is not None and key not in found:
                found[key] = (rr.pattern, ball.center, ball.radius)
                keep = ~rr.zero[free]
            elif not ball.full:
                run.rejected += 1
        else:
            maps = net.local_maps(pattern)
            small, small_c = ctx.constant_floor(free)
            zero = (np.linalg.norm(maps.G[free], axis=1) <= small) & (np.abs(maps.c[free]) <= small_c)
            keep = ~zero
            cell = pattern.copy()
            cell[free[zero]] = False
            out.append(cell)
        run.show(len(found), len(out), run.milps + run.counter.total)
        if not keep.any():
            return out  # every free neuron is identically zero here: nothing else to find
        bits = pattern[free][keep]
        cuts.append((cols[keep], np.where(bits, -1.0, 1.0), 1.0 - float(bits.sum())))


def milp(
    net: Network,
    domain: Domain,
    *,
    tol: Tolerances = DEFAULT,
    progress: bool | None = None,
    eps: float | None = None,
    tighten: bool = True,
    decompose: bool = True,
    feasibility: float = 1e-7,
    time_limit: float | None = None,
    max_regions: int | None = None,
    edges: bool = True,
) -> RegionSet:
    """Enumerate every activation region whose interior meets the domain's with a
    mixed-integer model and no-good cuts (the slow reference).

    Parameters
    ----------
    net : Network
    domain : Domain
        Box, Polytope, or Ball with norm 1 or inf. The L2 ball and the whole space are refused.
    tol : Tolerances
        Verification of every region found (``inscribed_ball``).
    progress : bool, optional
        Progress line on stderr; default: only when stderr is a terminal.
    eps : float, optional
        The model's margin: the L-inf radius of a ball that must fit in a region for the model
        to find it. Default ``EPS_REL`` times the domain's half-width.
    tighten : bool
        Tighten the big-M bounds by LP over the triangle relaxation (two small LPs per live
        neuron beyond the first layer, and in the first layer for a polytope).
    decompose : bool
        Enumerate layer by layer: the patterns of layer ``l``'s binaries are enumerated with
        the model truncated after layer ``l``, once per pattern of the earlier layers (fixed).
        The same model and cuts, split into many small solves with few cuts each (much faster
        than one model collecting a cut per region). False: one model, all binaries free.
    feasibility : float
        HiGHS' primal and integrality feasibility tolerance for the region MILPs. A looser
        tolerance only enlarges the feasible set (more candidates, each verified), so it never
        costs completeness; HiGHS 1.16 was measured to wrongly prove some of these models
        infeasible at 1e-9 and to fail numerically on some at 1e-6.
    time_limit : float, optional
        Seconds per solve; running out raises :class:`~polyreg.errors.SolverFailed` ('limit').
    max_regions : int, optional
        Stop with an error once more regions than this are found.
    edges : bool
        Compute the facet adjacency (:func:`~polyreg.engines.assembly.facet_edges`) and the
        closure certificate (see the module docstring); with False, no edges, and
        completeness is certified only for regions holding an L-inf ball of radius ``eps``.

    Returns
    -------
    RegionSet
        Regions with their Chebyshev centres; ``stats`` has ``milps`` (solves, including the
        infeasible ones that close each enumeration), ``rejected`` (solutions that failed
        verification), ``binaries``, ``bound_lps``, ``eps``, ``complete_for_radius``
        (``eps * sqrt(d)``: every region with a larger Chebyshev radius is certified found by
        the model alone) and ``closure_certified`` (None without edges).

    Raises
    ------
    InvalidDomain
        L2 ball or whole space.
    SolverFailed
        HiGHS failed or ran out of time.
    ToleranceError
        A region thinner than ``eps`` was missed (closure check), or a verification is too
        thin to decide.

    Notes
    -----
    One MILP per region plus one per enumeration closed (with ``decompose``, per pattern of
    the earlier layers); each has up to ``N`` binaries and ``O(N d)`` continuous columns and
    rows, so the cost is exponential in the worst case: meant for small networks.

    Examples
    --------
    >>> import polyreg
    >>> from polyreg.engines import milp, traverse
    >>> net = polyreg.random_network([2, 5, 3, 1], seed=0)
    >>> box = polyreg.Box.cube(2, -2, 2)
    >>> milp(net, box).patterns == traverse(net, box).patterns
    True
    """
    t0 = time.perf_counter()
    _check_domain(domain)
    ctx = Context.create(net, domain, tol)
    _check_domain(ctx.domain)
    if ctx.extent > MAX_EXTENT:
        raise InvalidDomain(
            f"milp solves its MILPs in input units with HiGHS' tolerances (about 1e-7): a "
            f"domain reaching {ctx.extent:.3g} from the origin (beyond {MAX_EXTENT:.0e}) is "
            "out of their reach; use method='traverse' or 'split', or centre the domain "
            "(polyreg.enumerate_regions does)"
        )
    d = net.n_inputs
    lo, hi = ctx.domain.bounding_box()
    if eps is None:
        eps = EPS_REL * float(np.max(hi - lo)) / 2
    if not (isinstance(eps, (int, float)) and np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive number, got {eps!r}")
    run = _Run(feasibility, time_limit, SolveCounter(), Progress(progress))
    bound_lps = 0
    if tighten:
        bounds, bound_lps = _tighten(ctx, time_limit)
    else:
        bounds = _Bounds(ctx.stab.lower.copy(), ctx.stab.upper.copy(), ctx.stab.on.copy(),
                         ctx.stab.off.copy())
    n_layers = len(net.hidden_widths)
    offsets = net.layer_offsets
    live = bounds.live
    found: dict[bytes, tuple[np.ndarray, np.ndarray, float]] = {}
    levels = list(range(n_layers)) if decompose else [n_layers - 1]
    prefixes = [bounds.on.copy()]  # proven bits; live ones come from the solutions
    for layer in levels:
        first = offsets[layer] if decompose else 0
        free = np.flatnonzero(live[first : offsets[layer + 1]]) + first
        final = layer == n_layers - 1
        if free.size == 0 and not final:
            continue
        m, lay = _build(ctx, bounds, layer + 1, margin=True, eps=eps)
        A0 = m.matrix()
        nxt: list[np.ndarray] = []
        for prefix in prefixes:
            nxt.extend(_enumerate_under(ctx, m, A0, lay, bounds, prefix, free, final, run, found))
            if max_regions is not None and len(found) > max_regions:
                raise ToleranceError(f"more than max_regions={max_regions} regions")
        prefixes = nxt
    run.show(len(found), 0, run.milps + run.counter.total, final=True)
    regions, rows = regions_from_patterns(ctx, list(found.values()), run.counter, chebyshev=False)
    edge_list: list[Edge] = []
    closure = None
    if edges:
        edge_list, _ = facet_edges(ctx, rows, run.counter)
        closure = _closure(ctx, regions, rows, edge_list, run.counter, eps)
    stats = {
        "engine": "milp",
        "milps": run.milps,
        "rejected": run.rejected,
        "binaries": int(live.sum()),
        "bound_lps": bound_lps,
        "lps": run.counter.lp,
        "socps": run.counter.socp,
        "solves": run.counter.total + run.milps + bound_lps,
        **run.counter.exact_stats(),
        "seconds": time.perf_counter() - t0,
        "stable_neurons": int((~live).sum()),
        "eps": eps,
        "complete_for_radius": eps * float(np.sqrt(d)),
        "closure_certified": closure,
        "edges_computed": edges,
    }
    return RegionSet(tuple(regions), tuple(edge_list), "milp", ctx.domain, net.widths, stats)


def _closure(
    ctx: Context, regions: list[Region], rows: list[RegionRows], edge_list: list[Edge],
    counter: SolveCounter, eps: float,
) -> bool:
    """Exact completeness check: every facet of every region (meeting the domain's interior)
    is shared with a reported region. Raises ToleranceError naming an unmatched facet."""
    from .facets import find_facets

    degree = np.zeros(len(regions), dtype=int)
    for e in edge_list:
        degree[e.u] += 1
        degree[e.v] += 1
    for i, (region, rr) in enumerate(zip(regions, rows, strict=True)):
        facets = find_facets(ctx, rr, region.point, counter)
        if len(facets) > degree[i]:
            where = ", ".join(ctx.net.neuron_name(int(rr.neuron[k])) for k, _ in facets)
            raise ToleranceError(
                f"the MILP with margin eps={eps:g} missed a region: region {region.hex} has "
                f"{len(facets)} facets (neurons {where}) but only {degree[i]} reported "
                "neighbours; rerun with a smaller eps"
            )
        if len(facets) < degree[i]:
            raise ToleranceError(
                f"region {region.hex} has {degree[i]} neighbours but {len(facets)} facets; the "
                "facet tests disagree in float64"
            )
    return True
