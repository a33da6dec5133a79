"""The one place where numerical tolerances live.

All geometric tests in polyreg reduce to one quantity: the radius of the largest Euclidean ball
that fits inside a polyhedral set (a region, a facet inside its hyperplane), computed by an LP or
SOCP and then *re-checked* by evaluating every constraint at the returned centre in float64.
Constraint rows are normalised to unit Euclidean norm first, so radii are distances in input
units. A set is

* **full-dimensional** when the re-checked radius is ``>= radius``;
* **empty / lower-dimensional** when the solver's own optimum is ``<= zero``;
* anything in between is a :class:`~polyreg.errors.ToleranceError`: the decision depends on
  the tolerance, so polyreg refuses to guess.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tolerances:
    """Numerical tolerances, passed down explicitly (never a module-level global).

    Parameters
    ----------
    radius : float
        Smallest certified inscribed-ball radius (input units) that makes a region or a facet
        count as full-dimensional.
    zero : float
        Solver optimum at or below which a region or facet is empty / lower-dimensional.
    merge : float
        Two unit-normalised constraint rows ``[a | b]`` closer than this (Euclidean) lie on the
        same hyperplane (repeated, scaled or opposite neurons; a neuron on the domain boundary).
    gradient : float
        A pre-activation whose gradient norm is below ``gradient * scale`` is constant on the
        region (``scale`` is the product of the layer weight norms); with ``|value|`` below the
        same bound it is identically zero, hence off.
    stable : float
        Relative slack for bound propagation: a neuron is stable-on when its lower bound exceeds
        ``stable * scale``, stable-off when its upper bound is below ``stable * scale``.
    solver_feasibility : float
        Primal/dual feasibility tolerance handed to HiGHS and Clarabel.

    Examples
    --------
    >>> from polyreg import Tolerances
    >>> Tolerances().radius
    1e-09
    >>> Tolerances(radius=1e-7).radius
    1e-07
    """

    radius: float = 1e-9
    zero: float = 1e-12
    merge: float = 1e-10
    gradient: float = 1e-12
    stable: float = 1e-12
    solver_feasibility: float = 1e-10

    def __post_init__(self) -> None:
        for name in ("radius", "zero", "merge", "gradient", "stable", "solver_feasibility"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and value > 0):
                raise ValueError(f"tolerance {name} must be a positive number, got {value!r}")
        if self.zero >= self.radius:
            raise ValueError(
                f"tolerance zero ({self.zero}) must be below tolerance radius ({self.radius})"
            )


DEFAULT = Tolerances()
