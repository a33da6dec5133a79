"""The one module that talks to solvers: HiGHS (through ``highspy``) and Clarabel.

Everything polyreg asks of a solver is one question: *how large a Euclidean ball fits inside a
polyhedral set intersected with the domain* (optionally with its centre on a given hyperplane,
which answers "is this a facet?"). :func:`inscribed_ball` answers it and classifies the answer
as full-dimensional / empty using :class:`~polyreg.tolerances.Tolerances`, after re-checking the
returned centre against every constraint in float64.

Solver choice (measured, see ``benchmarks/``): polyhedral domains (box, polytope, L1 and L-inf
balls, whole space) are LPs for HiGHS' dual simplex; the L2 ball is a second-order cone program
given to Clarabel directly (the conic solver cvxpy uses; calling it without cvxpy's modelling
layer avoids a per-region canonicalisation that cost several milliseconds per solve).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from enum import Enum

import numpy as np
import scipy.sparse as sp

from .domains import Ball, Domain, Whole
from .errors import SolverFailed, ToleranceError
from .tolerances import Tolerances

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

    @property
    def total(self) -> int:
        return self.lp + self.socp


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


def _highs():
    """A per-thread, reused HiGHS instance (its start-up banner silenced once)."""
    h = getattr(_local, "highs", None)
    if h is None:
        import highspy

        # HiGHS prints a banner to fd 1 the first time an instance is created: keep stdout clean
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
        h.setOptionValue("presolve", "off")
        h.setOptionValue("threads", 1)
        h.setOptionValue("simplex_strategy", 4)  # primal simplex: fastest on these small LPs
        _local.highs = h
        _local.tol = None
    return h


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


def _domain_margin(x: np.ndarray, domain: Domain) -> float:
    """Euclidean distance from ``x`` to the boundary of a domain not given by rows (or +inf)."""
    if isinstance(domain, Ball) and domain.rows() is None:
        dist = np.linalg.norm(x - domain.center, ord=domain.norm)
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

    Returns
    -------
    BallResult

    Raises
    ------
    ToleranceError
        The certified radius lies between ``tol.zero`` and ``tol.radius``.
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
    eq = None
    if on_row is not None:
        keep[on_row] = False
        if skip is not None:
            keep &= ~skip
        eq = (A[on_row], float(b[on_row]))
    Ak, bk = A[keep], b[keep]
    # Polyhedral domain rows are among A's rows; only the L1 ball in high dimension (lifted),
    # the L2 ball (second-order cone) and the whole space (radius cap) are added here.
    if isinstance(domain, Ball) and domain.norm == 2:
        counter.socp += 1
        status, z, opt = _solve_socp_l2(Ak, bk, domain.center, domain.radius, eq, tol, what)
    else:
        counter.lp += 1
        status, z, opt = _margin_lp(Ak, bk, eq, domain, tol, what)
    if status == Status.INFEASIBLE:
        return BallResult(False, None, -np.inf)
    if not domain.bounded and opt > tol.zero:
        # the LP vertex of an unbounded region can lie arbitrarily far out, where float64
        # slacks are meaningless: re-solve for the point nearest the origin keeping half the
        # margin
        counter.lp += 1
        status, z, _ = _margin_lp(Ak, bk, eq, domain, tol, what, t_min=min(opt, WHOLE_CAP) / 2)
        if status != Status.OPTIMAL:  # pragma: no cover - feasible by construction
            raise SolverFailed(f"re-centring the LP {what} failed ({status.value})")
    x = z[: A.shape[1]].copy()
    if eq is not None:  # put the centre exactly on the hyperplane before certifying it
        x -= (eq[0] @ x - eq[1]) * eq[0]
    slack = bk - Ak @ x
    certified = min(float(slack.min()) if slack.size else np.inf, _domain_margin(x, domain))
    if not domain.bounded:
        certified = min(certified, WHOLE_CAP)
    if certified >= tol.radius:
        return BallResult(True, x, certified)
    if opt <= tol.zero:
        return BallResult(False, x, certified)
    if isinstance(domain, Ball) and domain.norm == 2:
        # an interior-point answer near zero: settle it with the simplex method on the ball's
        # bounding box, a superset (zero there means zero in the ball)
        lo, hi = domain.bounding_box()
        eye = np.eye(A.shape[1])
        counter.lp += 1
        status, _, outer = _margin_lp(
            np.vstack([Ak, eye, -eye]), np.concatenate([bk, hi, -lo]), eq, Whole(A.shape[1]),
            tol, what,
        )
        if status == Status.INFEASIBLE or outer <= tol.zero:
            return BallResult(False, x, certified)
    if opt >= tol.radius:
        raise SolverFailed(
            f"the solver's optimum {opt:.3g} for {what} does not check out: its point has "
            f"inscribed radius {certified:.3g}"
        )
    raise ToleranceError(
        f"{what}: the inscribed radius {opt:.3g} lies between the tolerances zero="
        f"{tol.zero:g} and radius={tol.radius:g}; the set is too thin to decide in float64 "
        "(rescale the input or pass other Tolerances)"
    )
