"""Clarabel, the conic solver (the one cvxpy uses, called without cvxpy's modelling layer, which
would cost milliseconds of canonicalisation per solve): its settings and status mapping once
(:func:`solve`), and :func:`solve_lp_in_l2_ball`. The inscribed ball's SOCP
(:mod:`polyreg.solvers.ball`) and the L2 nearest point's QP (:mod:`polyreg.solvers.nearest`)
go through :func:`solve` too."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from ..errors import SolverFailed
from ..tolerances import Tolerances
from .status import ConicResult, SolveCounter, Status, clarabel_status


def settings(tol: Tolerances) -> Any:
    """Clarabel's settings: quiet, feasibility ``min(1e-8, 100 * tol.solver_feasibility)``,
    absolute and relative gap ``1e-10``."""
    import clarabel

    s = clarabel.DefaultSettings()
    s.verbose = False
    s.tol_feas = min(1e-8, tol.solver_feasibility * 100)
    s.tol_gap_abs = 1e-10
    s.tol_gap_rel = 1e-10
    return s


def solve(P: Any, q: np.ndarray, A: Any, b: np.ndarray, cones: list, tol: Tolerances,
          what: str) -> tuple[Status, np.ndarray | None]:
    """Minimise ``z P z / 2 + q z`` s.t. ``b - A z`` in ``cones`` with Clarabel:
    ``(OPTIMAL, z)`` or ``(INFEASIBLE, None)``.

    Raises
    ------
    SolverFailed
        Any other Clarabel status (the message names the problem ``what``).

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp, clarabel
    >>> from polyreg import Tolerances
    >>> status, z = solve(sp.csc_matrix((1, 1)), np.ones(1), sp.csc_matrix([[-1.0]]),
    ...                   np.array([-2.0]), [clarabel.NonnegativeConeT(1)], Tolerances(), "LP")
    >>> status.value, round(float(z[0]), 6)     # min z s.t. z >= 2
    ('optimal', 2.0)
    """
    import clarabel

    sol = clarabel.DefaultSolver(P, q, A, b, cones, settings(tol)).solve()
    name = str(sol.status)
    status = clarabel_status(name)
    if status == Status.OPTIMAL:
        return status, np.asarray(sol.x, dtype=np.float64)
    if status == Status.INFEASIBLE:
        return status, None
    raise SolverFailed(f"Clarabel returned status {name!r} on the {what}")


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
    >>> from polyreg.solvers import solve_lp_in_l2_ball
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
    status, z = solve(sp.csc_matrix((n, n)), cost, sp.vstack(blocks).tocsc(), np.concatenate(rhs),
                      cones, tol, f"SOCP {what}")
    if status == Status.INFEASIBLE or z is None:
        return ConicResult(Status.INFEASIBLE, None, np.inf)
    return ConicResult(Status.OPTIMAL, z, float(cost @ z))
