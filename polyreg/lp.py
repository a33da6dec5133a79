"""The one module that talks to solvers: HiGHS (through ``highspy``) and Clarabel.

Most of what the engines ask is one question: *how large a Euclidean ball fits inside a
polyhedral set intersected with the domain* (optionally with its centre on a given hyperplane,
which answers "is this a facet?"). :func:`inscribed_ball` answers it and classifies the answer
as full-dimensional / empty using :class:`~polyreg.tolerances.Tolerances`, after re-checking the
returned centre against every constraint in float64. The rest: :func:`solve_milp` (the ``milp``
engine and LP-tightened bounds), :func:`nearest_point` and :func:`solve_lp_in_l2_ball`
(margins and robustness radii). Every solver status is mapped onto :class:`Status`; anything
but optimal / infeasible raises :class:`~polyreg.errors.SolverFailed`.

Solver choice (measured, see ``benchmarks/``): polyhedral domains (box, polytope, L1 and L-inf
balls, whole space) are LPs for HiGHS' primal simplex with presolve off (about 70 us per small
LP here, against 180 us with the defaults and 900 us through ``scipy.optimize.linprog``); the L2
ball is a second-order cone program given to Clarabel directly (the conic solver cvxpy uses;
calling it without cvxpy's modelling layer avoids a per-solve canonicalisation that costs
milliseconds, and building its matrix as one dense block made each solve about 4x faster).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from .domains import Ball, Domain, Whole
from .errors import SolverFailed, ToleranceError
from .tolerances import Tolerances

if TYPE_CHECKING:
    from .exact import RowsFn

#: radius cap for unbounded domains (whole space): regions there may contain arbitrarily large
#: balls; the LP maximises min(radius, WHOLE_CAP)
WHOLE_CAP = 1.0


class Status(Enum):
    """The small status vocabulary every solver answer is mapped onto."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    LIMIT = "limit"
    NUMERICAL = "numerical"


@dataclass
class SolveCounter:
    """Number of solver calls, by kind (mutable; one per enumeration)."""

    lp: int = 0
    socp: int = 0
    #: decisions settled in rational arithmetic (:mod:`polyreg.exact`) and their seconds
    exact: int = 0
    exact_seconds: float = 0.0

    @property
    def total(self) -> int:
        return self.lp + self.socp

    def exact_stats(self) -> dict:
        """``exact_decisions`` and ``exact_seconds``, for an engine's ``stats``."""
        return {"exact_decisions": self.exact, "exact_seconds": self.exact_seconds}


@dataclass(frozen=True)
class BallResult:
    """Answer of :func:`inscribed_ball`.

    Attributes
    ----------
    full : bool
        The set is full-dimensional (for a facet query: a facet meeting the domain's interior).
    center : ndarray or None
        A point whose certified inscribed radius is ``radius`` (on the hyperplane for a facet
        query).
    radius : float
        Certified radius at ``center`` (re-checked in float64), <= the solver's optimum.
    """

    full: bool
    center: np.ndarray | None
    radius: float


_local = threading.local()


def _new_highs():
    """A new HiGHS instance with its output off. HiGHS prints a banner to fd 1 the first time an
    instance is created: fd 1 is pointed at /dev/null meanwhile, to keep stdout clean."""
    import highspy

    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    h.setOptionValue("output_flag", False)
    return h


def _highs():
    """A per-thread, reused HiGHS instance for the LPs."""
    h = getattr(_local, "highs", None)
    if h is None:
        h = _new_highs()
        h.setOptionValue("presolve", "off")
        h.setOptionValue("threads", 1)
        h.setOptionValue("simplex_strategy", 4)  # primal simplex: fastest on these small LPs
        _local.highs = h
        _local.tol = None
    return h


#: HiGHS option sets tried in turn, each on a fresh instance, when the fast settings of
#: :func:`_highs` end in a status that is neither optimal nor a certificate (``Unknown``, a
#: solve error, an iteration limit: seen on ill-conditioned nearest-point and vertex LPs of
#: deep random networks, where the primal simplex without presolve stalls): HiGHS' defaults
#: (presolve on, its own simplex choice), the dual simplex with presolve on, then the
#: interior point method with crossover. An answer found so is checked by the caller like
#: any other (re-certified slacks, exact path); when all fail, :class:`SolverFailed`.
RETRY_OPTIONS: tuple[dict[str, object], ...] = (
    {"presolve": "on", "simplex_strategy": 0},
    {"presolve": "on", "simplex_strategy": 1, "simplex_scale_strategy": 4},
    {"presolve": "on", "solver": "ipm", "run_crossover": "on"},
)
#: retries made by :func:`_solve_lp` in this process (statistics, and the tests)
RETRIES = {"attempts": 0, "rescued": 0}


def _settled(status: object) -> bool:
    """Whether a HiGHS model status settles an LP (optimal, or a certificate)."""
    import highspy

    MS = highspy.HighsModelStatus
    return status in (MS.kOptimal, MS.kInfeasible, MS.kUnbounded, MS.kUnboundedOrInfeasible)


def _run_fresh(lp, feasibility: float, options: dict[str, object],
               time_limit: float | None = None):
    """Solve ``lp`` on a new HiGHS instance with ``options``: ``(instance, model status)``."""
    h = _new_highs()
    h.setOptionValue("threads", 1)
    h.setOptionValue("primal_feasibility_tolerance", feasibility)
    h.setOptionValue("dual_feasibility_tolerance", feasibility)
    h.setOptionValue("mip_feasibility_tolerance", feasibility)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    for key, value in options.items():
        h.setOptionValue(key, value)
    h.passModel(lp)
    h.run()
    return h, h.getModelStatus()


def _retry(lp, feasibility: float, status, *, mip: bool = False,
           time_limit: float | None = None):
    """Re-solve an LP (or MILP) the first settings left undecided with :data:`RETRY_OPTIONS`
    in turn (a MILP without the interior point set); ``(instance, status)`` of the first that
    decides it, else of the last attempt."""
    h = None
    for options in RETRY_OPTIONS:
        if mip and options.get("solver") == "ipm":
            continue
        RETRIES["attempts"] += 1
        h, status = _run_fresh(lp, feasibility, options, time_limit)
        if _settled(status):
            RETRIES["rescued"] += 1
            break
    return h, status


def _solve_lp(
    cost: np.ndarray,
    A: np.ndarray,
    row_lo: np.ndarray,
    row_hi: np.ndarray,
    col_lo: np.ndarray,
    col_hi: np.ndarray,
    tol: Tolerances,
    what: str,
) -> tuple[Status, np.ndarray | None, float]:
    """Minimise ``cost @ z`` s.t. ``row_lo <= A z <= row_hi``, ``col_lo <= z <= col_hi``
    (``A`` dense; passed to HiGHS column-wise with its zeros dropped)."""
    import highspy

    h = _highs()
    if _local.tol != tol.solver_feasibility:
        h.setOptionValue("primal_feasibility_tolerance", tol.solver_feasibility)
        h.setOptionValue("dual_feasibility_tolerance", tol.solver_feasibility)
        _local.tol = tol.solver_feasibility
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = A.shape[1]
    lp.num_row_ = A.shape[0]
    lp.col_cost_ = cost
    lp.col_lower_ = np.where(np.isfinite(col_lo), col_lo, -inf)
    lp.col_upper_ = np.where(np.isfinite(col_hi), col_hi, inf)
    lp.row_lower_ = np.where(np.isfinite(row_lo), row_lo, -inf)
    lp.row_upper_ = np.where(np.isfinite(row_hi), row_hi, inf)
    nz = A.T != 0
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(nz.sum(axis=1))]).astype(np.int32)
    lp.a_matrix_.index_ = np.nonzero(nz)[1].astype(np.int32)
    lp.a_matrix_.value_ = A.T[nz]
    lp.a_matrix_.num_col_ = A.shape[1]
    lp.a_matrix_.num_row_ = A.shape[0]
    h.passModel(lp)
    h.run()
    model_status = h.getModelStatus()
    MS = highspy.HighsModelStatus
    if not _settled(model_status):
        h, model_status = _retry(lp, tol.solver_feasibility, model_status)
    if model_status == MS.kOptimal:
        z = np.asarray(h.getSolution().col_value, dtype=np.float64)
        return Status.OPTIMAL, z, float(cost @ z)
    if model_status == MS.kInfeasible:
        return Status.INFEASIBLE, None, np.inf
    if model_status in (MS.kUnbounded, MS.kUnboundedOrInfeasible):
        return Status.UNBOUNDED, None, -np.inf
    if model_status in (MS.kTimeLimit, MS.kIterationLimit, MS.kSolutionLimit, MS.kInterrupt):
        status = Status.LIMIT
    else:
        status = Status.NUMERICAL
    raise SolverFailed(
        f"HiGHS returned status {h.modelStatusToString(model_status)!r} ({status.value}) "
        f"on the LP {what}"
    )


def _solve_socp_l2(
    A: np.ndarray,
    b: np.ndarray,
    center: np.ndarray,
    radius: float,
    eq: tuple[np.ndarray, float] | None,
    tol: Tolerances,
    what: str,
) -> tuple[Status, np.ndarray | None, float]:
    """max t s.t. A x + t <= b, ||x - center||_2 + t <= radius, [a_eq x = b_eq]."""
    import clarabel

    m, d = A.shape
    n = d + 1
    n_eq = 0 if eq is None else 1
    rows = n_eq + m + 1 + d
    M = np.zeros((rows, n))
    rhs = np.empty(rows)
    cones = []
    if eq is not None:
        M[0, :d] = eq[0]
        rhs[0] = eq[1]
        cones.append(clarabel.ZeroConeT(1))
    if m:
        M[n_eq : n_eq + m, :d] = A
        M[n_eq : n_eq + m, d] = 1.0
        rhs[n_eq : n_eq + m] = b
        cones.append(clarabel.NonnegativeConeT(m))
    r = n_eq + m  # (radius - t, x - center) in the second-order cone
    M[r, d] = 1.0
    rhs[r] = radius
    M[r + 1 + np.arange(d), np.arange(d)] = -1.0
    rhs[r + 1 :] = -center
    cones.append(clarabel.SecondOrderConeT(d + 1))
    Amat = sp.csc_matrix(M)
    q = np.zeros(n)
    q[-1] = -1.0
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_feas = min(1e-8, tol.solver_feasibility * 100)
    settings.tol_gap_abs = 1e-10
    settings.tol_gap_rel = 1e-10
    solver = clarabel.DefaultSolver(sp.csc_matrix((n, n)), q, Amat, rhs, cones, settings)
    sol = solver.solve()
    status = str(sol.status)
    if status in ("Solved", "AlmostSolved"):
        z = np.asarray(sol.x, dtype=np.float64)
        return Status.OPTIMAL, z, float(z[-1])
    if status in ("PrimalInfeasible", "AlmostPrimalInfeasible"):
        return Status.INFEASIBLE, None, np.inf
    raise SolverFailed(f"Clarabel returned status {status!r} on the SOCP {what}")


def _domain_margin(x: np.ndarray, domain: Domain, p: np.ndarray | None = None) -> float:
    """Euclidean distance from ``x`` (``x + p`` with a reference point ``p``) to the boundary
    of a domain not given by rows (or +inf)."""
    if isinstance(domain, Ball) and domain.rows() is None:
        centre = domain.center if p is None else domain.center - p
        v = x - centre
        big = float(np.abs(v).max(initial=0.0))
        dist = big * np.linalg.norm(v / big, ord=domain.norm) if big > 0 else 0.0  # no overflow
        factor = 1.0 if domain.norm == 2 else np.sqrt(domain.dim)
        return (domain.radius - dist) / factor
    return np.inf


def _margin_lp(
    Ak: np.ndarray,
    bk: np.ndarray,
    eq: tuple[np.ndarray, float] | None,
    domain: Domain,
    tol: Tolerances,
    what: str,
    t_min: float | None = None,
) -> tuple[Status, np.ndarray | None, float]:
    """The LP ``max t`` s.t. ``Ak x + t <= bk``, ``[a_eq x = b_eq]``, domain margin ``t``.

    The domain part: nothing for polyhedral domains (their rows are in ``Ak``), a cap
    ``t <= WHOLE_CAP`` for the whole space, the lifted ``x - u + v = c``,
    ``sum(u + v) + sqrt(d) t <= r`` for an L1 ball without explicit rows. With ``t_min``, instead
    minimise ``||x||_inf`` subject to ``t >= t_min`` (re-centring). Returns the optimal ``t``.
    """
    d = Ak.shape[1]
    l1 = isinstance(domain, Ball) and domain.norm == 1 and domain.rows() is None
    recentre = t_min is not None
    n_aux = 2 * d if l1 else 0
    n = d + 1 + n_aux + recentre
    cost = np.zeros(n)
    col_lo = np.concatenate([np.full(d + 1, -np.inf), np.zeros(n_aux + recentre)])
    col_hi = np.full(n, np.inf)
    if not domain.bounded:
        col_hi[d] = WHOLE_CAP
    if recentre:
        cost[-1] = 1.0
        col_lo[d] = t_min
    else:
        cost[d] = -1.0
    mk = Ak.shape[0]
    rows = mk + (eq is not None) + (d + 1 if l1 else 0) + (2 * d if recentre else 0)
    M = np.zeros((rows, n))
    M[:mk, :d] = Ak
    M[:mk, d] = 1.0
    lo = np.full(rows, -np.inf)
    hi = np.zeros(rows)
    hi[:mk] = bk
    r = mk
    idx = np.arange(d)
    if eq is not None:
        M[r, :d] = eq[0]
        lo[r] = hi[r] = eq[1]
        r += 1
    if l1:  # x - u + v = c ; sum(u + v) + sqrt(d) t <= r
        assert isinstance(domain, Ball)
        M[r + idx, idx] = 1.0
        M[r + idx, d + 1 + idx] = -1.0
        M[r + idx, 2 * d + 1 + idx] = 1.0
        lo[r : r + d] = hi[r : r + d] = domain.center
        r += d
        M[r, d] = np.sqrt(d)
        M[r, d + 1 : d + 1 + n_aux] = 1.0
        hi[r] = domain.radius
        r += 1
    if recentre:  # -s <= x_i <= s
        M[r + idx, idx] = 1.0
        M[r + idx, -1] = -1.0
        M[r + d + idx, idx] = -1.0
        M[r + d + idx, -1] = -1.0
    status, z, value = _solve_lp(cost, M, lo, hi, col_lo, col_hi, tol, what)
    return status, z, (-value if not recentre else value)


def inscribed_ball(
    A: np.ndarray,
    b: np.ndarray,
    domain: Domain,
    tol: Tolerances,
    counter: SolveCounter,
    *,
    on_row: int | None = None,
    skip: np.ndarray | None = None,
    what: str = "inscribed ball",
    exact: RowsFn | None = None,
) -> BallResult:
    """Largest Euclidean ball inside ``{A x <= b} ∩ domain``, classified.

    Parameters
    ----------
    A, b : ndarray, shapes (m, d), (m,)
        Constraint rows of unit Euclidean norm. The domain's own rows (``domain.rows()``, when
        not None) must already be among them.
    domain : Domain
    tol : Tolerances
    counter : SolveCounter
        Incremented per solve.
    on_row : int, optional
        Facet query: the centre must lie on the hyperplane of row ``on_row``; that row and the
        rows flagged in ``skip`` (its duplicates) are not margin constraints.
    skip : ndarray of bool, optional
    what : str
        Names the problem in error messages.
    exact : callable, optional
        Returns the exact rational rows ``(A, b)`` of the same set (:mod:`polyreg.exact`;
        row for row like ``A`` when ``on_row`` is given), called only when a decision goes
        to rational arithmetic; default: ``A`` and ``b`` themselves, as the rationals they are.

    Returns
    -------
    BallResult

    Raises
    ------
    ToleranceError
        The certified radius lies between ``tol.zero`` and ``tol.radius`` and
        ``tol.exact == "never"`` (otherwise the decision is made in rationals,
        :func:`_exact_ball`, counted in ``counter.exact``), or rational arithmetic cannot
        decide either (an L2 ball or a row-less L1 ball, see :func:`_exact_ball`).
    SolverFailed
        The solver reported a status other than optimal/infeasible, or its point does not
        check out.

    Examples
    --------
    >>> import numpy as np
    >>> from polyreg import Box, Tolerances
    >>> from polyreg.lp import inscribed_ball, SolveCounter
    >>> box = Box([-1, -1], [1, 1]); A, b = box.rows()
    >>> res = inscribed_ball(A, b, box, Tolerances(), SolveCounter())
    >>> res.full, round(res.radius, 9)
    (True, 1.0)
    """
    m, d = A.shape
    keep = np.ones(m, dtype=bool)
    if on_row is not None:
        keep[on_row] = False
        if skip is not None:
            keep &= ~skip
    # Solve in the frame u = (x - p) / s (p the domain's interior point, s a power of two, 1
    # unless the domain is huge): the solver sees numbers of moderate size wherever the domain
    # lies and however large it is (HiGHS takes bounds >= 1e20 for infinite), and the answer
    # is certified in shifted coordinates x - p.
    p, s = _frame(domain, tol)
    Ak = A[keep]
    bk = b[keep] - Ak @ p if p is not None else b[keep]
    eq = None
    if on_row is not None:
        beq = float(b[on_row] - A[on_row] @ p) if p is not None else float(b[on_row])
        eq = (A[on_row], beq)
    dom_u = _framed_domain(domain, p, s)
    eq_u = None if eq is None else (eq[0], eq[1] / s)
    # Polyhedral domain rows are among A's rows; only the L1 ball in high dimension (lifted),
    # the L2 ball (second-order cone) and the whole space (radius cap) are added here.
    l2 = isinstance(domain, Ball) and domain.norm == 2
    if l2:
        counter.socp += 1
        assert isinstance(dom_u, Ball)
        status, z, opt = _solve_socp_l2(Ak, bk / s, dom_u.center, dom_u.radius, eq_u, tol, what)
    else:
        counter.lp += 1
        status, z, opt = _margin_lp(Ak, bk / s, eq_u, dom_u, tol, what)
    args = (A, b, keep, on_row, domain, tol, counter, what, exact)
    if status == Status.INFEASIBLE:
        if tol.exact == "always":
            return _exact_ball(*args, None, ())
        return BallResult(False, None, -np.inf)
    if status != Status.OPTIMAL or z is None:
        raise SolverFailed(
            f"the solver reported the {what} as {status.value}, but the inscribed radius is "
            "bounded (numerical trouble)"
        )
    opt *= s
    if not domain.bounded and opt > tol.zero:
        # the LP vertex of an unbounded region can lie arbitrarily far out, where float64
        # slacks are meaningless: re-solve for the point nearest the origin keeping half the
        # margin
        counter.lp += 1
        status, z, _ = _margin_lp(Ak, bk / s, eq_u, dom_u, tol, what,
                                  t_min=min(opt, WHOLE_CAP) / 2 / s)
        if status != Status.OPTIMAL or z is None:  # pragma: no cover - feasible by construction
            raise SolverFailed(f"re-centring the LP {what} failed ({status.value})")
    x = z[: A.shape[1]] * s  # in shifted coordinates x - p
    if eq is not None:  # put the centre exactly on the hyperplane before certifying it
        x -= (eq[0] @ x - eq[1]) * eq[0]
    slack = bk - Ak @ x
    certified = min(float(slack.min()) if slack.size else np.inf,
                    _domain_margin(x, domain, p))
    if p is not None:
        # x - p is certified; the point returned, p + x, is rounded by up to an ulp of p
        certified -= 2 * np.spacing(float(np.abs(p).max())) * np.sqrt(d)
        x = p + x
    if not domain.bounded:
        certified = min(certified, WHOLE_CAP)
    # rows tight at the solver's optimum (within tol.radius of the least slack): the basis
    # the rational path verifies first
    order = np.argsort(slack)[: 2 * (d + 1)]
    if order.size:
        order = order[slack[order] <= slack[order[0]] + tol.radius]
    active = [int(i) for i in np.flatnonzero(keep)[order]]
    if tol.exact == "always":
        return _exact_ball(*args, x, active)
    if certified >= tol.radius:
        return BallResult(True, x, certified)
    # the conic solver's optimum is accurate to about 1e-10 only: near zero it does not prove
    # emptiness (a cap of height 1e-10 comes out at 1e-13); with exact="auto" such answers
    # go on to the bounding-box LP and the rational decision below
    conic_doubt = l2 and tol.exact == "auto" and opt > -tol.radius
    if opt <= tol.zero and not conic_doubt:
        return BallResult(False, x, certified)
    if l2:
        # an interior-point answer near zero: settle it with the simplex method on the ball's
        # bounding box, a superset (zero there means zero in the ball)
        lo, hi = dom_u.bounding_box()
        eye = np.eye(A.shape[1])
        counter.lp += 1
        status, _, outer = _margin_lp(
            np.vstack([Ak, eye, -eye]), np.concatenate([bk / s, hi, -lo]), eq_u,
            Whole(A.shape[1]), tol, what,
        )
        if status == Status.INFEASIBLE or (status == Status.OPTIMAL and outer * s <= tol.zero):
            return BallResult(False, x, certified)
    if tol.exact == "auto":
        return _exact_ball(*args, x, active)
    if opt >= tol.radius:
        raise SolverFailed(
            f"the solver's optimum {opt:.3g} for {what} does not check out: its point has "
            f"inscribed radius {certified:.3g}"
        )
    raise ToleranceError(
        f"{what}: the inscribed radius {opt:.3g} lies between the tolerances zero="
        f"{tol.zero:g} and radius={tol.radius:g}; the set is too thin to decide in float64 "
        "(rescale the input, pass other Tolerances, or Tolerances(exact='auto'))"
    )


def _exact_ball(
    A: np.ndarray,
    b: np.ndarray,
    keep: np.ndarray,
    on_row: int | None,
    domain: Domain,
    tol: Tolerances,
    counter: SolveCounter,
    what: str,
    rows: RowsFn | None,
    hint: np.ndarray | None,
    active: Sequence[int],
) -> BallResult:
    """The decision of :func:`inscribed_ball` in rational arithmetic (:mod:`polyreg.exact`).

    Polyhedral domains (their rows among ``A``) and the whole space: exact. The L2 ball: the
    polyhedral part's relative interior exactly, then the squared distance from the ball's
    centre to it exactly from the active set of a float nearest point (Clarabel); when that
    active set fails the KKT check, :class:`ToleranceError`. A row-less L1 ball (dimension
    above ``Ball.L1_ROWS_MAX_DIM``): only a certificate of interior (the float point, checked
    exactly); otherwise :class:`ToleranceError`. The returned centre is an exact interior
    point rounded to float64 (it may lie within rounding of the boundary of a set thinner
    than the tolerances), its radius the float estimate of that point's inscribed radius.
    """
    t0 = time.perf_counter()
    counter.exact += 1
    try:
        return _exact_decision(A, b, keep, on_row, domain, tol, counter, what, rows, hint,
                               active)
    finally:
        counter.exact_seconds += time.perf_counter() - t0


def _exact_decision(
    A: np.ndarray,
    b: np.ndarray,
    keep: np.ndarray,
    on_row: int | None,
    domain: Domain,
    tol: Tolerances,
    counter: SolveCounter,
    what: str,
    rows: RowsFn | None,
    hint: np.ndarray | None,
    active: Sequence[int],
) -> BallResult:
    from . import exact as ex

    Aq, bq = rows() if rows is not None else (ex.q_mat(A), ex.q_vec(b))
    if on_row is not None and len(Aq) != A.shape[0]:
        raise ValueError(f"exact rows for {what}: {len(Aq)} rows, the float rows {A.shape[0]}")
    if on_row is None:
        idx = list(range(len(Aq)))
        pos = {int(i): int(i) for i in active}
        E, f = [], []
    else:
        idx = [int(i) for i in np.flatnonzero(keep)]
        pos = {int(i): n for n, i in enumerate(idx)}
        E, f = [Aq[on_row]], [bq[on_row]]
    Ak, bk = [Aq[i] for i in idx], [bq[i] for i in idx]
    act = [pos[int(i)] for i in active if int(i) in pos]
    res = ex.interior(Ak, bk, E, f, hint=hint, active=act)
    if not res.full or res.point is None:
        return BallResult(False, None, -np.inf)
    point = res.point
    if isinstance(domain, Ball) and domain.rows() is None:
        c = ex.q_vec(domain.center)
        r = ex.q(float(domain.radius))
        if domain.norm == 2:
            point = _exact_in_l2(ex, Ak, bk, E, f, point, hint, c, r, tol, counter, what)
        elif domain.norm == 1:
            inside = None if hint is None else _l1_inside(ex, Ak, bk, E, f, hint, c, r)
            if inside is None:
                raise ToleranceError(
                    f"{what}: undecided in float64 and, for an L1 ball without explicit rows, "
                    "no exact certificate of interior was found (rational arithmetic decides "
                    "only its polyhedral part)"
                )
            point = inside
        if point is None:
            return BallResult(False, None, -np.inf)
    x = ex.to_float(point)
    Af = A[keep] if on_row is not None else A
    bf = b[keep] if on_row is not None else b
    radius = float(np.min(bf - Af @ x, initial=WHOLE_CAP))
    radius = min(radius, _domain_margin(x, domain))
    return BallResult(True, x, radius)


def _l1_inside(ex, A, b, E, f, hint, c, r):
    """An exact point strictly inside the polyhedron and the L1 ball near ``hint``, or None."""
    x = ex.project(ex.q_vec(hint), E, f)
    least = ex.check_point(A, b, E, f, x)
    if least is None or least <= 0:
        return None
    return x if sum(abs(xi - ci) for xi, ci in zip(x, c, strict=True)) < r else None


def _exact_in_l2(ex, A, b, E, f, inner, hint, c, r, tol, counter, what):
    """An exact point strictly inside ``{A x <= b, E x = f}`` (relative interior, which
    contains ``inner``) and the open ball ``B(c, r)``; None when there is none."""
    r2 = r * r

    def in_ball(x):
        return sum(((xi - ci) ** 2 for xi, ci in zip(x, c, strict=True)), ex.q(0)) < r2

    if hint is not None:
        x = ex.project(ex.q_vec(hint), E, f)
        least = ex.check_point(A, b, E, f, x)
        if least is not None and least > 0 and in_ball(x):
            return x
    if in_ball(inner):
        return inner
    # the nearest point of the closed polyhedron to c: rational, from its active set
    Af, bf = ex.to_float_rows(A, b)
    Ef, ff = ex.to_float_rows(E, f)
    near = nearest_point(Af, bf, ex.to_float(c), 2, tol, counter,
                         A_eq=Ef if E else None, b_eq=ff if E else None, what=what)
    if not near.feasible or near.point is None:  # pragma: no cover - the set has an interior
        raise ToleranceError(f"{what}: the float nearest point disagrees with rational arithmetic")
    norms = np.linalg.norm(Af, axis=1) if Af.size else np.zeros(0)
    slack = (bf - Af @ near.point) / np.where(norms > 0, norms, 1.0) if Af.size else np.zeros(0)
    for eps in (1e-12, 1e-10, 1e-8, 1e-6):
        act = [int(i) for i in np.flatnonzero(slack <= eps * (1.0 + np.abs(bf)))]
        dist2 = ex.nearest_sq_distance(A, b, E, f, c, act)
        if dist2 is None:
            continue
        if dist2 >= r2:
            return None
        # the nearest point y lies in the open ball; move it towards the interior point
        y = ex.nearest_point_exact(A, b, E, f, c, act)
        lam = ex.q(0.5)
        for _ in range(2000):
            x = [yi + lam * (ii - yi) for yi, ii in zip(y, inner, strict=True)]
            if in_ball(x):
                return x
            lam /= 2
        break  # pragma: no cover - lam -> 0 reaches the open ball
    raise ToleranceError(
        f"{what}: undecided in float64, and rational arithmetic could not settle the L2 ball "
        "(the float nearest point's active set fails the KKT conditions)"
    )


def _frame(domain: Domain, tol: Tolerances) -> tuple[np.ndarray | None, float]:
    """Reference point ``p`` (None: the origin) and power-of-two scale ``s >= 1`` of the frame
    :func:`inscribed_ball` solves in: the domain's interior point, and the scale at which
    ``tol.radius`` is ten times the solvers' feasibility tolerance (1 unless the tolerances
    were raised for a domain of large extent, see :meth:`Tolerances.effective`)."""
    ratio = tol.radius / (10 * tol.solver_feasibility)
    s = float(2.0 ** np.round(np.log2(ratio))) if ratio > 1 else 1.0
    if not domain.bounded:
        return None, s
    p = domain.center if isinstance(domain, Ball) else domain.interior_point()
    return (p if np.any(p) else None), s


def _framed_domain(domain: Domain, p: np.ndarray | None, s: float) -> Domain:
    """The domain in the frame ``u = (x - p) / s`` where the solve needs more than its rows
    (balls without rows; the whole space is its own frame)."""
    if not isinstance(domain, Ball) or domain.rows() is not None or (p is None and s == 1.0):
        return domain
    centre = domain.center - p if p is not None else domain.center
    return Ball(centre / s, domain.radius / s, norm=domain.norm)


# ---------------------------------------------------------------------------- mixed-integer
@dataclass(frozen=True)
class MilpResult:
    """Answer of :func:`solve_milp`.

    Attributes
    ----------
    status : Status
        ``OPTIMAL`` or ``INFEASIBLE`` (every other outcome raises :class:`SolverFailed`).
    x : ndarray or None
        The solution (integer columns rounded to the nearest integer), None when infeasible.
    objective : float
        ``cost @ x`` (``+inf`` when infeasible).
    """

    status: Status
    x: np.ndarray | None
    objective: float


def _highs_milp():
    """A per-thread, reused HiGHS instance for mixed-integer models (presolve on; its start-up
    banner silenced like :func:`_highs`'s)."""
    h = getattr(_local, "highs_milp", None)
    if h is None:
        h = _new_highs()
        h.setOptionValue("threads", 1)
        h.setOptionValue("mip_rel_gap", 0.0)
        _local.highs_milp = h
    return h


def solve_milp(
    cost: np.ndarray,
    A: np.ndarray | sp.spmatrix | sp.sparray,
    row_lo: np.ndarray,
    row_hi: np.ndarray,
    col_lo: np.ndarray,
    col_hi: np.ndarray,
    integrality: np.ndarray,
    *,
    feasibility: float = 1e-7,
    time_limit: float | None = None,
    what: str = "MILP",
) -> MilpResult:
    """Minimise ``cost @ z`` s.t. ``row_lo <= A z <= row_hi``, ``col_lo <= z <= col_hi``,
    ``z[integrality]`` integer, with HiGHS' branch and bound.

    Validates the shapes, solves, maps HiGHS' model status onto :class:`Status`, and re-checks
    the returned point against every row, bound and integrality itself (scipy's
    ``_check_result`` idea). A model without integer columns is solved as an LP.

    Parameters
    ----------
    cost : ndarray, shape (n,)
    A : ndarray or scipy.sparse matrix, shape (m, n)
    row_lo, row_hi : ndarray, shape (m,)
        Row bounds; ``-inf`` / ``+inf`` for none.
    col_lo, col_hi : ndarray, shape (n,)
        Column bounds; ``-inf`` / ``+inf`` for none.
    integrality : ndarray of bool, shape (n,)
        True for integer columns (binary with bounds 0 and 1).
    feasibility : float
        HiGHS' primal and MIP feasibility tolerance (absolute row violation, and distance of an
        integer column from an integer). The re-check allows ``100 * feasibility`` times the
        row's magnitude.
    time_limit : float, optional
        Seconds; running out raises :class:`SolverFailed` whose message contains ``'limit'``.
    what : str
        Names the problem in error messages.

    Returns
    -------
    MilpResult
        Status ``OPTIMAL`` (with the point) or ``INFEASIBLE``.

    Raises
    ------
    ValueError
        Inconsistent shapes.
    SolverFailed
        Any other HiGHS outcome (unbounded, time or iteration limit, numerical trouble), or a
        returned point that does not check out.

    Examples
    --------
    >>> import numpy as np
    >>> from polyreg.lp import solve_milp
    >>> # max x + y s.t. 2x + 2y <= 3, x, y binary
    >>> res = solve_milp(np.array([-1.0, -1.0]), np.array([[2.0, 2.0]]), np.array([-np.inf]),
    ...                  np.array([3.0]), np.zeros(2), np.ones(2), np.array([True, True]))
    >>> res.status.value, round(res.objective, 6)
    ('optimal', -1.0)
    """
    import highspy

    cost = np.asarray(cost, dtype=np.float64)
    Acsc = sp.csc_matrix(A, dtype=np.float64)
    m, n = Acsc.shape
    row_lo, row_hi = np.asarray(row_lo, np.float64), np.asarray(row_hi, np.float64)
    col_lo, col_hi = np.asarray(col_lo, np.float64), np.asarray(col_hi, np.float64)
    integrality = np.asarray(integrality, dtype=bool)
    for name, arr, size in (
        ("cost", cost, n), ("col_lo", col_lo, n), ("col_hi", col_hi, n),
        ("integrality", integrality, n), ("row_lo", row_lo, m), ("row_hi", row_hi, m),
    ):
        if arr.shape != (size,):
            raise ValueError(f"{name} has shape {arr.shape} but A has shape {(m, n)}")
    h = _highs_milp()
    inf = highspy.kHighsInf
    h.setOptionValue("primal_feasibility_tolerance", feasibility)
    h.setOptionValue("mip_feasibility_tolerance", feasibility)
    h.setOptionValue("time_limit", float(time_limit) if time_limit is not None else inf)
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = m
    lp.col_cost_ = cost
    lp.col_lower_ = np.where(np.isfinite(col_lo), col_lo, -inf)
    lp.col_upper_ = np.where(np.isfinite(col_hi), col_hi, inf)
    lp.row_lower_ = np.where(np.isfinite(row_lo), row_lo, -inf)
    lp.row_upper_ = np.where(np.isfinite(row_hi), row_hi, inf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = Acsc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = Acsc.indices.astype(np.int32)
    lp.a_matrix_.value_ = Acsc.data
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = m
    if integrality.any():
        VT = highspy.HighsVarType
        lp.integrality_ = [VT.kInteger if flag else VT.kContinuous for flag in integrality]
    t_start = time.monotonic()
    h.passModel(lp)
    h.run()
    model_status = h.getModelStatus()
    MS = highspy.HighsModelStatus
    if not _settled(model_status) and model_status not in (MS.kTimeLimit, MS.kInterrupt):
        left = None if time_limit is None else max(time_limit - (time.monotonic() - t_start),
                                                   1e-3)
        h, model_status = _retry(lp, feasibility, model_status, mip=bool(integrality.any()),
                                 time_limit=left)
    if model_status == MS.kInfeasible:
        return MilpResult(Status.INFEASIBLE, None, np.inf)
    if model_status != MS.kOptimal:
        if model_status in (MS.kUnbounded, MS.kUnboundedOrInfeasible):
            status = Status.UNBOUNDED
        elif model_status in (
            MS.kTimeLimit, MS.kIterationLimit, MS.kSolutionLimit, MS.kInterrupt,
            MS.kHighsInterrupt,  # type: ignore[attr-defined]  # at run time; not in highspy's stubs
            MS.kMemoryLimit, MS.kObjectiveBound, MS.kObjectiveTarget,
        ):
            status = Status.LIMIT
        else:
            status = Status.NUMERICAL
        raise SolverFailed(
            f"HiGHS returned status {h.modelStatusToString(model_status)!r} ({status.value}) "
            f"on the {what}"
        )
    z = np.asarray(h.getSolution().col_value, dtype=np.float64)
    # re-check the point: bounds, rows, integrality (relative to each row's magnitude)
    slack = 100 * feasibility
    z_int = np.where(integrality, np.round(z), z)
    if np.any(np.abs(z - z_int) > slack):
        raise SolverFailed(f"HiGHS' point for the {what} is not integral")
    bad_col = (z_int < col_lo - slack * (1 + np.abs(col_lo))) | (
        z_int > col_hi + slack * (1 + np.abs(col_hi))
    )
    activity = Acsc @ z
    scale = 1.0 + abs(Acsc) @ np.abs(z)
    bad_row = (activity < row_lo - slack * scale) | (activity > row_hi + slack * scale)
    if bad_col.any() or bad_row.any():
        raise SolverFailed(
            f"HiGHS' point for the {what} violates {int(bad_row.sum())} row(s) and "
            f"{int(bad_col.sum())} bound(s) beyond the tolerance"
        )
    return MilpResult(Status.OPTIMAL, z_int, float(cost @ z_int))


# ---------------------------------------------------------------------------- distances (bounds)
@dataclass(frozen=True)
class NearestResult:
    """Answer of :func:`nearest_point`.

    Attributes
    ----------
    feasible : bool
        The set is non-empty.
    point : ndarray or None, shape (d,)
        A nearest point of the set (None when empty).
    distance : float
        ``||point - x||_p`` recomputed in float64 (``+inf`` when empty).
    violation : float
        Largest violation of a unit-normalised constraint row at ``point`` (re-checked).
    """

    feasible: bool
    point: np.ndarray | None
    distance: float
    violation: float = 0.0


def _unit_rows(
    A: np.ndarray, b: np.ndarray, name: str, equality: bool
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Rows scaled to unit Euclidean norm, zero rows dropped; False when a zero row is
    unsatisfiable (``0 <= b < 0``, or ``0 = b != 0``)."""
    A = np.atleast_2d(np.asarray(A, dtype=np.float64))
    b = np.atleast_1d(np.asarray(b, dtype=np.float64))
    if A.shape[0] != b.shape[0]:
        raise ValueError(f"{name} has {A.shape[0]} rows but its right-hand side {b.shape[0]}")
    norms = np.linalg.norm(A, axis=1)
    scale = np.abs(A).max(axis=1, initial=0.0) + np.abs(b) + 1.0
    zero = norms <= 1e-14 * scale
    bz = b[zero]
    ok = bool(np.all(np.abs(bz) <= 1e-12 * scale[zero])) if equality else bool(np.all(bz >= 0))
    keep = ~zero
    return A[keep] / norms[keep, None], b[keep] / norms[keep], ok


def _clarabel_settings(tol: Tolerances):
    import clarabel

    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_feas = min(1e-8, tol.solver_feasibility * 100)
    settings.tol_gap_abs = 1e-10
    settings.tol_gap_rel = 1e-10
    return settings


def _polish_least_norm(
    w: np.ndarray, Au: np.ndarray, ru: np.ndarray, Ae: np.ndarray, re: np.ndarray
) -> np.ndarray:
    """Sharpen an interior-point answer of ``min ||w||_2`` s.t. ``Au w <= ru``, ``Ae w = re``:
    the least-norm point of the rows active at ``w``, kept when it is feasible and no longer
    than ``w`` (then it is the optimum to float64 accuracy). A row is active when its slack is
    below ``1e-7``; when that set gives nothing better, below ``1e-3``, ``1e-2``, ``1e-1`` times
    ``||w||`` (an interior-point answer stops a little inside the set, which matters when ``x``
    lies just outside it and ``||w||`` is tiny)."""
    slack = ru - Au @ w
    size = float(np.linalg.norm(w))
    tried: set[bytes] = set()
    for threshold in (1e-7, 1e-3 * size, 1e-2 * size, 1e-1 * size):
        active = np.flatnonzero(slack <= max(threshold, 1e-7))
        if active.tobytes() in tried:
            continue
        tried.add(active.tobytes())
        M = np.vstack([Ae, Au[active]])
        if M.shape[0] == 0:
            continue
        rhs = np.concatenate([re, ru[active]])
        v = np.linalg.lstsq(M, rhs, rcond=None)[0]
        ok = (
            np.all(Au @ v <= ru + 1e-12 * (1.0 + np.abs(ru)))
            and np.all(np.abs(M @ v - rhs) <= 1e-12 * (1.0 + np.abs(rhs)))
            and float(v @ v) <= float(w @ w) * (1.0 + 1e-9) + 1e-300
        )
        if ok:
            return v
    return w


def nearest_point(
    A: np.ndarray | None,
    b: np.ndarray,
    x: np.ndarray,
    norm: int | float | str,
    tol: Tolerances,
    counter: SolveCounter | None = None,
    *,
    A_eq: np.ndarray | None = None,
    b_eq: np.ndarray | None = None,
    what: str = "nearest point",
) -> NearestResult:
    """The point of ``{y : A y <= b, A_eq y = b_eq}`` nearest to ``x`` in the L_p norm.

    ``p = 1`` and ``p = inf`` are LPs for HiGHS (through :func:`solve_milp`, without integer
    columns); ``p = 2`` is the QP ``min ||y - x||_2^2 / 2`` for Clarabel. Rows are scaled to unit
    Euclidean norm and the problem is shifted to ``w = y - x`` before solving; the answer is
    re-checked against every row in float64.

    Parameters
    ----------
    A, b : ndarray, shapes (m, d), (m,)
        Inequalities (``m`` may be 0).
    x : ndarray, shape (d,)
    norm : 1, 2, inf or "inf"
    tol : Tolerances
    counter : SolveCounter, optional
        Incremented per solve (``lp`` for p = 1, inf; ``socp`` for the QP).
    A_eq, b_eq : ndarray, optional, shapes (k, d), (k,)
        Equalities.
    what : str
        Names the problem in error messages.

    Returns
    -------
    NearestResult

    Raises
    ------
    SolverFailed
        A solver status other than optimal / infeasible, or a point violating a row by more
        than ``1e-6 (1 + |b_i|)`` (unit rows).

    Examples
    --------
    >>> import numpy as np
    >>> from polyreg import Tolerances
    >>> from polyreg.lp import nearest_point
    >>> A, b = np.array([[1.0, 1.0]]), np.array([-2.0])        # x + y <= -2
    >>> [round(nearest_point(A, b, np.zeros(2), p, Tolerances()).distance, 6) for p in (1, 2, "inf")]
    [2.0, 1.414214, 1.0]
    """
    x = np.asarray(x, dtype=np.float64)
    d = x.size
    norms: dict[object, float] = {1: 1, 2: 2, "1": 1, "2": 2, "inf": np.inf, np.inf: np.inf}
    p = norms.get(norm)
    if p is None:
        raise ValueError(f"norm must be 1, 2 or 'inf', got {norm!r}")
    A = np.zeros((0, d)) if A is None else np.asarray(A, dtype=np.float64).reshape(-1, d)
    Au, bu, ok = _unit_rows(A, np.asarray(b, dtype=np.float64).reshape(-1), "A", False)
    if A_eq is None:
        Ae, be, ok_e = np.zeros((0, d)), np.zeros(0), True
    else:
        A_eq = np.asarray(A_eq, dtype=np.float64).reshape(-1, d)
        Ae, be, ok_e = _unit_rows(A_eq, np.asarray(b_eq, dtype=np.float64).reshape(-1), "A_eq", True)
    if not (ok and ok_e):
        return NearestResult(False, None, np.inf)
    ru = bu - Au @ x
    re = be - Ae @ x
    mu, me = Au.shape[0], Ae.shape[0]
    if np.all(ru >= 0) and np.all(re == 0):  # x itself is feasible: no solve
        return NearestResult(True, x.copy(), 0.0)
    if p == 2:
        import clarabel

        if counter is not None:
            counter.socp += 1
        blocks, rhs, cones = [], [], []
        if me:
            blocks.append(sp.csr_matrix(Ae))
            rhs.append(re)
            cones.append(clarabel.ZeroConeT(me))
        if mu:
            blocks.append(sp.csr_matrix(Au))
            rhs.append(ru)
            cones.append(clarabel.NonnegativeConeT(mu))
        if not blocks:
            return NearestResult(True, x.copy(), 0.0)
        solver = clarabel.DefaultSolver(
            sp.identity(d, format="csc"), np.zeros(d), sp.vstack(blocks).tocsc(),
            np.concatenate(rhs), cones, _clarabel_settings(tol),
        )
        sol = solver.solve()
        status = str(sol.status)
        if status in ("PrimalInfeasible", "AlmostPrimalInfeasible"):
            return NearestResult(False, None, np.inf)
        if status not in ("Solved", "AlmostSolved"):
            raise SolverFailed(f"Clarabel returned status {status!r} on the QP {what}")
        w = np.asarray(sol.x, dtype=np.float64)
        w = _polish_least_norm(w, Au, ru, Ae, re)
    else:
        if counter is not None:
            counter.lp += 1
        eye = np.eye(d)
        if p == np.inf:  # variables (w, t): min t, -t <= w_i <= t
            n_aux = 1
            aux = -np.ones((d, 1))
            cost = np.concatenate([np.zeros(d), [1.0]])
        else:  # variables (w, s): min sum s, -s_i <= w_i <= s_i
            n_aux = d
            aux = -eye
            cost = np.concatenate([np.zeros(d), np.ones(d)])
        M = np.vstack([
            np.hstack([Au, np.zeros((mu, n_aux))]),
            np.hstack([Ae, np.zeros((me, n_aux))]),
            np.hstack([eye, aux]),
            np.hstack([-eye, aux]),
        ])
        lo = np.concatenate([np.full(mu, -np.inf), re, np.full(2 * d, -np.inf)])
        hi = np.concatenate([ru, re, np.zeros(2 * d)])
        col_lo = np.concatenate([np.full(d, -np.inf), np.zeros(n_aux)])
        col_hi = np.full(d + n_aux, np.inf)
        res = solve_milp(cost, M, lo, hi, col_lo, col_hi, np.zeros(d + n_aux, dtype=bool),
                         feasibility=tol.solver_feasibility, what=f"LP {what}")
        if res.status == Status.INFEASIBLE or res.x is None:
            return NearestResult(False, None, np.inf)
        w = res.x[:d]
    viol = 0.0
    if mu:
        viol = max(viol, float(np.max((Au @ w - ru) / (1.0 + np.abs(bu)))))
    if me:
        viol = max(viol, float(np.max(np.abs(Ae @ w - re) / (1.0 + np.abs(be)))))
    if viol > 1e-6:
        raise SolverFailed(f"the solver's point for the {what} violates a constraint by {viol:.3g}")
    return NearestResult(True, x + w, float(np.linalg.norm(w, ord=p)), max(viol, 0.0))


@dataclass(frozen=True)
class ConicResult:
    """Answer of :func:`solve_lp_in_l2_ball`: ``status`` (optimal or infeasible), the point
    ``x`` (None when infeasible) and ``objective`` (``+inf`` when infeasible)."""

    status: Status
    x: np.ndarray | None
    objective: float


def solve_lp_in_l2_ball(
    cost: np.ndarray,
    A: np.ndarray,
    row_lo: np.ndarray,
    row_hi: np.ndarray,
    col_lo: np.ndarray,
    col_hi: np.ndarray,
    center: np.ndarray,
    radius: float,
    tol: Tolerances,
    counter: SolveCounter | None = None,
    *,
    what: str = "LP in an L2 ball",
) -> ConicResult:
    """Minimise ``cost @ z`` s.t. ``row_lo <= A z <= row_hi``, ``col_lo <= z <= col_hi`` and
    ``||z[:d] - center||_2 <= radius`` (``d = center.size``): a second-order cone program for
    Clarabel. Rows with ``row_lo == row_hi`` are equalities.

    Raises
    ------
    ValueError
        Inconsistent shapes.
    SolverFailed
        A status other than solved / infeasible.

    Examples
    --------
    >>> import numpy as np
    >>> from polyreg import Tolerances
    >>> from polyreg.lp import solve_lp_in_l2_ball
    >>> res = solve_lp_in_l2_ball(np.array([1.0, 1.0]), np.zeros((0, 2)), np.zeros(0),
    ...                           np.zeros(0), np.full(2, -np.inf), np.full(2, np.inf),
    ...                           np.zeros(2), 1.0, Tolerances())
    >>> round(res.objective, 6)
    -1.414214
    """
    import clarabel

    cost = np.asarray(cost, dtype=np.float64)
    A = np.asarray(A, dtype=np.float64)
    n = cost.size
    center = np.asarray(center, dtype=np.float64)
    d = center.size
    if A.ndim != 2 or A.shape[1] != n or d > n:
        raise ValueError(f"A has shape {A.shape} but cost has {n} entries (ball dimension {d})")
    row_lo, row_hi = np.asarray(row_lo, np.float64), np.asarray(row_hi, np.float64)
    col_lo, col_hi = np.asarray(col_lo, np.float64), np.asarray(col_hi, np.float64)
    eq = np.isfinite(row_lo) & (row_lo == row_hi)
    eye = np.eye(n)
    fin_lo, fin_hi = np.isfinite(col_lo), np.isfinite(col_hi)
    up = ~eq & np.isfinite(row_hi)
    down = ~eq & np.isfinite(row_lo)
    nonneg_A = np.vstack([A[up], -A[down], eye[fin_hi], -eye[fin_lo]])
    nonneg_b = np.concatenate([row_hi[up], -row_lo[down], col_hi[fin_hi], -col_lo[fin_lo]])
    blocks, rhs, cones = [], [], []
    if eq.any():
        blocks.append(sp.csr_matrix(A[eq]))
        rhs.append(row_hi[eq])
        cones.append(clarabel.ZeroConeT(int(eq.sum())))
    if nonneg_A.shape[0]:
        blocks.append(sp.csr_matrix(nonneg_A))
        rhs.append(nonneg_b)
        cones.append(clarabel.NonnegativeConeT(nonneg_A.shape[0]))
    soc = np.zeros((d + 1, n))
    soc[1:, :d] = -np.eye(d)
    blocks.append(sp.csr_matrix(soc))
    rhs.append(np.concatenate([[float(radius)], -center]))
    cones.append(clarabel.SecondOrderConeT(d + 1))
    if counter is not None:
        counter.socp += 1
    solver = clarabel.DefaultSolver(
        sp.csc_matrix((n, n)), cost, sp.vstack(blocks).tocsc(), np.concatenate(rhs), cones,
        _clarabel_settings(tol),
    )
    sol = solver.solve()
    status = str(sol.status)
    if status in ("PrimalInfeasible", "AlmostPrimalInfeasible"):
        return ConicResult(Status.INFEASIBLE, None, np.inf)
    if status not in ("Solved", "AlmostSolved"):
        raise SolverFailed(f"Clarabel returned status {status!r} on the SOCP {what}")
    z = np.asarray(sol.x, dtype=np.float64)
    return ConicResult(Status.OPTIMAL, z, float(cost @ z))


# ---------------------------------------------------------------------------- incremental LPs
class RowStackLP:
    """One HiGHS model kept alive across many small LPs over the same or nested polyhedra.

    The feasible set is ``{x : col_lo <= x <= col_hi, A x <= b}`` for a stack of rows: rows are
    pushed (:meth:`push`) and popped back to an earlier height (:meth:`truncate`) as a
    depth-first search descends and backtracks, so HiGHS keeps its factorisation and basis
    between solves (a hot start: a new objective or one new row costs a few simplex
    iterations, not a model rebuild). :meth:`maximize` is the only query: ``max u . x`` over
    the set.

    Parameters
    ----------
    col_lo, col_hi : ndarray, shape (d,)
        Bounds on ``x`` (``-inf`` / ``inf`` allowed).
    tol : Tolerances
        ``solver_feasibility`` is handed to HiGHS.
    counter : SolveCounter
        ``lp`` is incremented per solve.

    Examples
    --------
    >>> import numpy as np
    >>> from polyreg import Tolerances
    >>> from polyreg.lp import RowStackLP, SolveCounter
    >>> lp = RowStackLP(np.zeros(2), np.ones(2), Tolerances(), SolveCounter())
    >>> lp.push(np.array([[1.0, 1.0]]), np.array([1.5]))
    >>> value, x = lp.maximize(np.array([1.0, 1.0]))
    >>> round(value, 9), lp.height
    (1.5, 1)
    >>> lp.truncate(0); round(lp.maximize(np.array([1.0, 1.0]))[0], 9)
    2.0
    """

    def __init__(self, col_lo: np.ndarray, col_hi: np.ndarray, tol: Tolerances,
                 counter: SolveCounter) -> None:
        import highspy

        self._hs = highspy
        self.d = int(np.asarray(col_lo).size)
        self.counter = counter
        h = _new_highs()
        h.setOptionValue("presolve", "off")
        h.setOptionValue("threads", 1)
        # a new objective keeps the basis primal feasible: primal simplex from it (about 7%
        # less CPU than HiGHS' default choice here)
        h.setOptionValue("simplex_strategy", 4)
        h.setOptionValue("primal_feasibility_tolerance", tol.solver_feasibility)
        h.setOptionValue("dual_feasibility_tolerance", tol.solver_feasibility)
        inf = highspy.kHighsInf
        lo = np.where(np.isfinite(col_lo), col_lo, -inf).astype(np.float64)
        hi = np.where(np.isfinite(col_hi), col_hi, inf).astype(np.float64)
        h.addVars(self.d, lo, hi)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.h = h
        self._idx = np.arange(self.d, dtype=np.int32)
        self.height = 0
        self._what = "LP over a cell"

    def push(self, A: np.ndarray, b: np.ndarray) -> None:
        """Add the rows ``A x <= b`` on top of the stack."""
        A = np.atleast_2d(np.asarray(A, dtype=np.float64))
        m = A.shape[0]
        if m == 0:
            return
        inf = self._hs.kHighsInf
        starts = (np.arange(m, dtype=np.int32) * self.d)
        index = np.tile(self._idx, m)
        self.h.addRows(m, np.full(m, -inf), np.asarray(b, dtype=np.float64), m * self.d,
                       starts, index, A.ravel())
        self.height += m

    def truncate(self, height: int) -> None:
        """Pop rows until ``height`` remain."""
        if height < self.height:
            gone = np.arange(height, self.height, dtype=np.int32)
            self.h.deleteRows(gone.size, gone)
            self.height = height

    def maximize(self, u: np.ndarray) -> tuple[float, np.ndarray | None]:
        """``(max u . x, argmax)`` over the current set; ``(-inf, None)`` when it is empty.

        Raises
        ------
        SolverFailed
            Unbounded, or any status but optimal / infeasible.
        """
        h = self.h
        self.counter.lp += 1
        h.changeColsCost(self.d, self._idx, np.asarray(u, dtype=np.float64))
        h.run()
        MS = self._hs.HighsModelStatus
        status = h.getModelStatus()
        if status not in (MS.kOptimal, MS.kInfeasible):
            # a hot start gone wrong (seen in 784 dimensions): once more from scratch, with
            # HiGHS' default strategy
            self.counter.lp += 1
            h.clearSolver()
            h.setOptionValue("simplex_strategy", 0)
            h.run()
            h.setOptionValue("simplex_strategy", 4)
            status = h.getModelStatus()
        if status == MS.kOptimal:
            x = np.asarray(h.getSolution().col_value, dtype=np.float64)
            return float(np.dot(u, x)), x
        if status == MS.kInfeasible:
            return -np.inf, None
        raise SolverFailed(
            f"HiGHS returned status {h.modelStatusToString(status)!r} on the {self._what}"
        )

    def row_duals(self) -> np.ndarray:
        """The row duals of the last :meth:`maximize`, bottom row first: multipliers
        ``lam >= 0`` (up to the solver's tolerance) with ``u = A^T lam`` plus the bounds' part
        at the optimum.

        Examples
        --------
        >>> import numpy as np
        >>> from polyreg import Tolerances
        >>> from polyreg.lp import RowStackLP, SolveCounter
        >>> lp = RowStackLP(np.full(2, -9.0), np.full(2, 9.0), Tolerances(), SolveCounter())
        >>> lp.push(np.array([[1.0, 1.0], [1.0, -1.0]]), np.array([1.0, 0.5]))
        >>> _ = lp.maximize(np.array([1.0, 0.2]))
        >>> lp.row_duals().round(9).tolist()
        [0.6, 0.4]
        """
        return np.asarray(self.h.getSolution().row_dual, dtype=np.float64)
