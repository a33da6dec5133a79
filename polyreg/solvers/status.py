"""The solver layer's small vocabulary: :class:`Status` (every solver answer is mapped onto
it), :class:`SolveCounter` (solves per enumeration), the answers of the solver functions, and
the mapping of HiGHS' and Clarabel's statuses onto :class:`Status`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np


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
    """Answer of :func:`~polyreg.solvers.inscribed_ball`.

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


@dataclass(frozen=True)
class MilpResult:
    """Answer of :func:`~polyreg.solvers.solve_milp`.

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


@dataclass(frozen=True)
class NearestResult:
    """Answer of :func:`~polyreg.solvers.nearest_point`.

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


@dataclass(frozen=True)
class ConicResult:
    """Answer of :func:`~polyreg.solvers.solve_lp_in_l2_ball`: ``status`` (optimal or
    infeasible), the point ``x`` (None when infeasible) and ``objective`` (``+inf`` when
    infeasible)."""

    status: Status
    x: np.ndarray | None
    objective: float


def highs_status(model_status: object) -> Status:
    """A HiGHS model status (``highspy.HighsModelStatus``) as a :class:`Status`.

    Examples
    --------
    >>> import highspy
    >>> highs_status(highspy.HighsModelStatus.kTimeLimit).value
    'limit'
    """
    import highspy

    MS = highspy.HighsModelStatus
    if model_status == MS.kOptimal:
        return Status.OPTIMAL
    if model_status == MS.kInfeasible:
        return Status.INFEASIBLE
    if model_status in (MS.kUnbounded, MS.kUnboundedOrInfeasible):
        return Status.UNBOUNDED
    if model_status in (
        MS.kTimeLimit, MS.kIterationLimit, MS.kSolutionLimit, MS.kInterrupt,
        MS.kHighsInterrupt,  # type: ignore[attr-defined]  # at run time; not in highspy's stubs
        MS.kMemoryLimit, MS.kObjectiveBound, MS.kObjectiveTarget,
    ):
        return Status.LIMIT
    return Status.NUMERICAL


def clarabel_status(status: str) -> Status:
    """A Clarabel solve status (``str(solution.status)``) as a :class:`Status`: solved and
    almost solved are optimal, (almost) primal infeasible is infeasible, the rest numerical.

    Examples
    --------
    >>> clarabel_status("AlmostSolved").value, clarabel_status("MaxIterations").value
    ('optimal', 'numerical')
    """
    if status in ("Solved", "AlmostSolved"):
        return Status.OPTIMAL
    if status in ("PrimalInfeasible", "AlmostPrimalInfeasible"):
        return Status.INFEASIBLE
    return Status.NUMERICAL
