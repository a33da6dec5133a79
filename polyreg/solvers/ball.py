"""The question most engine steps ask: *how large a Euclidean ball fits inside a polyhedral
set intersected with the domain* (optionally with its centre on a given hyperplane, which
answers "is this a facet?"). :func:`inscribed_ball` answers it and classifies the answer as
full-dimensional / empty using :class:`~polyreg.tolerances.Tolerances`, after re-checking the
returned centre against every constraint in float64; where float64 cannot decide, the rational
fallback (:mod:`polyreg.solvers.fallback`) does.

Polyhedral domains (box, polytope, L1 and L-inf balls, whole space) make it an LP for HiGHS
(:func:`~polyreg.solvers.highs.solve_lp`); the L2 ball makes it a second-order cone program
for Clarabel (:mod:`polyreg.solvers.conic`; building its matrix as one dense block made each
solve about 4x faster).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from ..domains import Ball, Domain, Whole
from ..errors import SolverFailed, ToleranceError
from ..tolerances import Tolerances
from . import conic
from .fallback import exact_ball
from .frame import WHOLE_CAP, domain_margin, frame, framed_domain
from .highs import SMALL_MATRIX_VALUE, solve_lp
from .status import BallResult, SolveCounter, Status

if TYPE_CHECKING:
    from ..exact import RowsFn


def _socp_l2(
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
    status, z = conic.solve(sp.csc_matrix((n, n)), q, Amat, rhs, cones, tol, f"SOCP {what}")
    if status == Status.OPTIMAL and z is not None:
        return Status.OPTIMAL, z, float(z[-1])
    return Status.INFEASIBLE, None, np.inf
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
    status, z, value = solve_lp(cost, M, lo, hi, col_lo, col_hi, tol, what)
    return status, z, (-value if not recentre else value)


def _drops_entries(Ak: np.ndarray, eq: tuple[np.ndarray, float] | None) -> bool:
    """Whether the LP's rows have a nonzero entry HiGHS drops (below ``SMALL_MATRIX_VALUE``)."""
    rows = Ak if eq is None else np.vstack([Ak, eq[0]])
    return bool(np.any((rows != 0) & (np.abs(rows) < SMALL_MATRIX_VALUE)))


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
        :func:`~polyreg.solvers.fallback.exact_ball`, counted in ``counter.exact``), or
        rational arithmetic cannot decide either (an L2 ball or a row-less L1 ball, see
        :func:`~polyreg.solvers.fallback.exact_ball`).
    SolverFailed
        The solver reported a status other than optimal/infeasible, or its point does not
        check out.

    Examples
    --------
    >>> import numpy as np
    >>> from polyreg import Box, Tolerances
    >>> from polyreg.solvers import inscribed_ball, SolveCounter
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
    p, s = frame(domain, tol)
    Ak = A[keep]
    bk = b[keep] - Ak @ p if p is not None else b[keep]
    eq = None
    if on_row is not None:
        beq = float(b[on_row] - A[on_row] @ p) if p is not None else float(b[on_row])
        eq = (A[on_row], beq)
    dom_u = framed_domain(domain, p, s)
    eq_u = None if eq is None else (eq[0], eq[1] / s)
    # Polyhedral domain rows are among A's rows; only the L1 ball in high dimension (lifted),
    # the L2 ball (second-order cone) and the whole space (radius cap) are added here.
    l2 = isinstance(domain, Ball) and domain.norm == 2
    if l2:
        counter.socp += 1
        assert isinstance(dom_u, Ball)
        status, z, opt = _socp_l2(Ak, bk / s, dom_u.center, dom_u.radius, eq_u, tol, what)
    else:
        counter.lp += 1
        status, z, opt = _margin_lp(Ak, bk / s, eq_u, dom_u, tol, what)
    args = (A, b, keep, on_row, domain, tol, counter, what, exact)
    # HiGHS drops matrix entries below SMALL_MATRIX_VALUE: an "empty" answer of such an LP is
    # about another set (a row's tiny tilt gone), so rationals decide it, or with exact="never"
    # ToleranceError (checked only for an "empty" answer)
    def doubt() -> bool:
        if l2 or not _drops_entries(Ak, eq):
            return False
        if tol.exact == "never":
            raise ToleranceError(
                f"{what}: the LP has a row entry below {SMALL_MATRIX_VALUE:g} (relative to the "
                "row's norm), which HiGHS drops, and says the set is empty: float64 cannot "
                "decide it (Tolerances(exact='auto') decides it in rational arithmetic)")
        return True

    if status == Status.INFEASIBLE:
        if tol.exact == "always" or doubt():
            return exact_ball(*args, None, ())
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
                    domain_margin(x, domain, p))
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
        return exact_ball(*args, x, active)
    if certified >= tol.radius:
        return BallResult(True, x, certified)
    # the conic solver's optimum is accurate to about 1e-10 only: near zero it does not prove
    # emptiness (a cap of height 1e-10 comes out at 1e-13); with exact="auto" such answers
    # go on to the bounding-box LP and the rational decision below
    conic_doubt = l2 and tol.exact == "auto" and opt > -tol.radius
    if opt <= tol.zero and not conic_doubt and not doubt():
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
        return exact_ball(*args, x, active)
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
