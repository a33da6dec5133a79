"""Mixed-integer programs (and LPs with a sparse matrix) for HiGHS' branch and bound:
:func:`solve_milp`, for the ``milp`` engine, LP-tightened bounds and the L1 / L-inf nearest
points."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..errors import SolverFailed
from . import highs
from .highs import configure
from .status import MilpResult, Status, highs_status


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
    >>> from polyreg.solvers import solve_milp
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
    h = configure(highs.milp_instance(), {
        "primal_feasibility_tolerance": feasibility, "mip_feasibility_tolerance": feasibility,
        "time_limit": float(time_limit) if time_limit is not None else highspy.kHighsInf,
    })
    lp = highs.model(cost, (m, n), (Acsc.indptr.astype(np.int32), Acsc.indices.astype(np.int32),
                                    Acsc.data), row_lo, row_hi, col_lo, col_hi, integrality)
    h, model_status = highs.run(h, lp, feasibility, mip=bool(integrality.any()),
                                time_limit=time_limit)
    status = highs_status(model_status)
    if status == Status.INFEASIBLE:
        return MilpResult(Status.INFEASIBLE, None, np.inf)
    if status != Status.OPTIMAL:
        raise highs.failure(h, model_status, what)
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
