"""HiGHS (through ``highspy``): the one place its instances are created and configured, its
models built, its statuses read and undecided solves retried, and the dense LP the inscribed
ball asks (:func:`solve_lp`).

Solver choice (measured, see ``benchmarks/``): the LPs are for HiGHS' primal simplex with
presolve off (:data:`FAST_LP`: about 70 us per small LP here, against 180 us with the defaults
and 900 us through ``scipy.optimize.linprog``), on one reused instance per thread.

highspy 1.16.0 is excluded in ``pyproject.toml``: its ``Highs.run`` counts the physical cores
(five files read under ``/sys/devices/system/cpu`` and a ``sched_getaffinity`` call) on every
call, whatever the ``threads`` option, which took a hot-started 10-variable LP from about 61 us
(1.12-1.15) to 96 us, and the ``branch`` engine's search on a 10-input network from 2.1 to 2.5 s.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import numpy as np

from ..errors import SolverFailed
from ..tolerances import Tolerances
from .status import Status, highs_status

_local = threading.local()

#: the options of the fast LP instances (:func:`lp_instance`, ``RowStackLP``): primal simplex,
#: no presolve, one thread; fastest on these small LPs. ``log_dev_level`` 1: HiGHS then skips
#: formatting a report line at the end of every simplex solve (``HEkk::returnFromSolve``) that
#: ``output_flag`` off discards anyway, about 4 us of 72 per hot-started 10-variable LP
#: (nothing is printed: output stays off)
FAST_LP: dict[str, object] = {"presolve": "off", "threads": 1, "simplex_strategy": 4,
                             "log_dev_level": 1}

#: HiGHS option sets tried in turn, each on a fresh instance, when the fast settings of
#: :func:`lp_instance` end in a status that is neither optimal nor a certificate (``Unknown``, a
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
#: retries made by :func:`run` in this process (statistics, and the tests)
RETRIES = {"attempts": 0, "rescued": 0}


#: the least matrix entry HiGHS keeps (its option ``small_matrix_value``, whose least allowed
#: value this is; HiGHS' default, 1e-9, dropped real components of unit rows)
SMALL_MATRIX_VALUE = 1e-12


def new_highs() -> Any:
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
    # HiGHS drops matrix entries below this (default 1e-9) when a model or rows are passed: a
    # unit row's component of 1e-10 is a real tilt (two nearly parallel hyperplanes then meet
    # 1e10 away, and an unbounded region beyond that point was lost); 1e-12 is HiGHS' least
    h.setOptionValue("small_matrix_value", SMALL_MATRIX_VALUE)
    return h


def configure(h: Any, options: dict[str, object]) -> Any:
    """Set HiGHS ``options`` on the instance ``h``; returns ``h``."""
    for key, value in options.items():
        h.setOptionValue(key, value)
    return h


def feasibility(value: float, *, mip: bool = False) -> dict[str, object]:
    """HiGHS' primal and dual (with ``mip``: and MIP) feasibility tolerance options."""
    options: dict[str, object] = {"primal_feasibility_tolerance": value,
                                  "dual_feasibility_tolerance": value}
    if mip:
        options["mip_feasibility_tolerance"] = value
    return options


def lp_instance() -> Any:
    """A per-thread, reused HiGHS instance for the LPs (:data:`FAST_LP`)."""
    h = getattr(_local, "highs", None)
    if h is None:
        h = configure(new_highs(), FAST_LP)
        _local.highs = h
        _local.tol = None
    return h


def milp_instance() -> Any:
    """A per-thread, reused HiGHS instance for mixed-integer models (presolve on; its start-up
    banner silenced like :func:`lp_instance`'s)."""
    h = getattr(_local, "highs_milp", None)
    if h is None:
        h = configure(new_highs(), {"threads": 1, "mip_rel_gap": 0.0})
        _local.highs_milp = h
    return h


def model(
    cost: np.ndarray,
    shape: tuple[int, int],
    colwise: tuple[np.ndarray, np.ndarray, np.ndarray],
    row_lo: np.ndarray,
    row_hi: np.ndarray,
    col_lo: np.ndarray,
    col_hi: np.ndarray,
    integrality: np.ndarray | None = None,
) -> Any:
    """A ``highspy.HighsLp``: minimise ``cost @ z`` s.t. ``row_lo <= A z <= row_hi``,
    ``col_lo <= z <= col_hi`` (infinite bounds as HiGHS' infinity), ``A`` of ``shape`` given
    column-wise as ``(start, index, value)``; integer columns where ``integrality`` is True."""
    import highspy

    m, n = shape
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = m
    lp.col_cost_ = cost
    lp.col_lower_ = np.where(np.isfinite(col_lo), col_lo, -inf)
    lp.col_upper_ = np.where(np.isfinite(col_hi), col_hi, inf)
    lp.row_lower_ = np.where(np.isfinite(row_lo), row_lo, -inf)
    lp.row_upper_ = np.where(np.isfinite(row_hi), row_hi, inf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = colwise
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = m
    if integrality is not None and integrality.any():
        VT = highspy.HighsVarType
        lp.integrality_ = [VT.kInteger if flag else VT.kContinuous for flag in integrality]
    return lp


def settled(status: object) -> bool:
    """Whether a HiGHS model status settles an LP (optimal, or a certificate)."""
    import highspy

    MS = highspy.HighsModelStatus
    return status in (MS.kOptimal, MS.kInfeasible, MS.kUnbounded, MS.kUnboundedOrInfeasible)


def run_fresh(lp: Any, tolerance: float, options: dict[str, object],
              time_limit: float | None = None) -> tuple[Any, object]:
    """Solve ``lp`` on a new HiGHS instance with ``options``: ``(instance, model status)``."""
    h = configure(new_highs(), {"threads": 1, **feasibility(tolerance, mip=True)})
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    configure(h, options)
    h.passModel(lp)
    h.run()
    return h, h.getModelStatus()


def retry(lp: Any, tolerance: float, status: object, *, mip: bool = False,
          time_limit: float | None = None) -> tuple[Any, object]:
    """Re-solve an LP (or MILP) the first settings left undecided with :data:`RETRY_OPTIONS`
    in turn (a MILP without the interior point set); ``(instance, status)`` of the first that
    decides it, else of the last attempt."""
    h = None
    for options in RETRY_OPTIONS:
        if mip and options.get("solver") == "ipm":
            continue
        RETRIES["attempts"] += 1
        h, status = run_fresh(lp, tolerance, options, time_limit)
        if settled(status):
            RETRIES["rescued"] += 1
            break
    return h, status


def run(h: Any, lp: Any, tolerance: float, *, mip: bool = False,
        time_limit: float | None = None) -> tuple[Any, object]:
    """Solve ``lp`` on ``h``; a status that settles nothing (other than a time limit or an
    interrupt) goes to :func:`retry`, with the time left. ``(instance, model status)``."""
    import highspy

    MS = highspy.HighsModelStatus
    t_start = time.monotonic()
    h.passModel(lp)
    h.run()
    model_status = h.getModelStatus()
    if not settled(model_status) and model_status not in (MS.kTimeLimit, MS.kInterrupt):
        left = None if time_limit is None else max(time_limit - (time.monotonic() - t_start),
                                                   1e-3)
        h, model_status = retry(lp, tolerance, model_status, mip=mip, time_limit=left)
    return h, model_status


def failure(h: Any, model_status: object, what: str) -> SolverFailed:
    """The :class:`SolverFailed` for a HiGHS status that answers nothing."""
    return SolverFailed(
        f"HiGHS returned status {h.modelStatusToString(model_status)!r} "
        f"({highs_status(model_status).value}) on the {what}"
    )


def solve_lp(
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
    (``A`` dense; passed to HiGHS column-wise with its zeros dropped) on the thread's
    :func:`lp_instance`: ``(status, z, cost @ z)``, ``(INFEASIBLE, None, inf)`` or
    ``(UNBOUNDED, None, -inf)``.

    Raises
    ------
    SolverFailed
        Any other status, after :func:`retry`.

    Examples
    --------
    >>> import numpy as np
    >>> from polyreg import Tolerances
    >>> status, z, value = solve_lp(np.ones(2), np.array([[1.0, 2.0]]), np.ones(1),
    ...                             np.full(1, np.inf), np.zeros(2), np.full(2, np.inf),
    ...                             Tolerances(), "example")
    >>> status.value, round(value, 9)
    ('optimal', 0.5)
    """
    h = lp_instance()
    if _local.tol != tol.solver_feasibility:
        configure(h, feasibility(tol.solver_feasibility))
        _local.tol = tol.solver_feasibility
    nz = A.T != 0
    colwise = (np.concatenate([[0], np.cumsum(nz.sum(axis=1))]).astype(np.int32),
               np.nonzero(nz)[1].astype(np.int32), A.T[nz])
    lp = model(cost, A.shape, colwise, row_lo, row_hi, col_lo, col_hi)
    h, model_status = run(h, lp, tol.solver_feasibility)
    status = highs_status(model_status)
    if status == Status.OPTIMAL:
        z = np.asarray(h.getSolution().col_value, dtype=np.float64)
        return Status.OPTIMAL, z, float(cost @ z)
    if status == Status.INFEASIBLE:
        return Status.INFEASIBLE, None, np.inf
    if status == Status.UNBOUNDED:
        return Status.UNBOUNDED, None, -np.inf
    raise failure(h, model_status, f"LP {what}")
