"""Distances to polyhedra (margins, robustness radii, the L2 ball's rational fallback):
:func:`nearest_point` in the L1 and L-inf norms (LPs through :func:`~polyreg.solvers.solve_milp`)
and the L2 norm (a QP for Clarabel)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..errors import SolverFailed
from ..tolerances import Tolerances
from . import conic
from .milp import solve_milp
from .status import NearestResult, SolveCounter, Status


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
    >>> from polyreg.solvers import nearest_point
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
        status, w = conic.solve(sp.identity(d, format="csc"), np.zeros(d), sp.vstack(blocks).tocsc(),
                                np.concatenate(rhs), cones, tol, f"QP {what}")
        if status == Status.INFEASIBLE or w is None:
            return NearestResult(False, None, np.inf)
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
