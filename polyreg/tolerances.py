"""The one place where numerical tolerances live.

All geometric tests in polyreg reduce to one quantity: the radius of the largest Euclidean ball
that fits inside a polyhedral set (a region, a facet inside its hyperplane), computed by an LP or
SOCP and then *re-checked* by evaluating every constraint at the returned centre in float64.
Constraint rows are normalised to unit Euclidean norm first, so radii are distances in input
units. A set is

* **full-dimensional** when the re-checked radius is ``>= radius``;
* **empty / lower-dimensional** when the solver's own optimum is ``<= zero``;
* anything in between is decided in exact rational arithmetic (:mod:`polyreg.exact`; the
  constraint rows are rationals), or with ``Tolerances(exact="never")`` a
  :class:`~polyreg.errors.ToleranceError`: the float decision depends on the tolerance, so
  polyreg does not guess.

Invariance. Every tolerance is measured in coordinates that rescaling a neuron or translating
the input leave unchanged: constraint rows are unit-normalised (a hidden neuron's scale drops
out), the network is first put in canonical form (every hidden row of norm about 1, by exact
power-of-two factors, :mod:`polyreg.canonical`) and :func:`polyreg.enumerate_regions` computes
in coordinates centred on the domain. Float64 cannot resolve distances below a few ulps of the
coordinates it computes with, so :meth:`Tolerances.effective` raises ``radius``, ``zero`` and
``merge`` to floors proportional to the domain's *extent* (the largest coordinate magnitude of
the domain in the working coordinates): below ``RADIUS_FLOOR * extent`` (about 1.1e-13 times
it) nothing is certified.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

#: float64 machine epsilon
EPS = float(np.finfo(np.float64).eps)
#: floors relative to the domain's extent (see :meth:`Tolerances.effective`): 2^-43 (about 512
#: ulps) for ``radius``, 2^-45 for ``merge``; at extent 1e4 the default tolerances are above
#: them. ``zero`` has no floor: an "empty" verdict needs a solver optimum at or below the
#: absolute ``zero``, so a thin but real set in a huge domain lands between ``zero`` and the
#: floored ``radius`` and is decided exactly (``exact="auto"``) or refused (``ToleranceError``),
#: never dropped
RADIUS_FLOOR = 2.0**-43
MERGE_FLOOR = 2.0**-45
#: largest domain extent (in the coordinates the engines run in: centred on the domain by
#: ``enumerate_regions``) that polyreg accepts: there float64 still resolves sets of width
#: about 2^-7 ~ 0.008 (2^-47 times the extent); beyond, small regions could not be told from
#: empty ones, so such a domain is refused rather than counted
MAX_EXTENT = 2.0**40
#: values of :attr:`Tolerances.exact`
EXACT_MODES = ("auto", "never", "always")

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
        Two unit-normalised constraint rows ``[a | b]`` farther apart than this (Euclidean) lie
        on different hyperplanes; closer than ``zero`` on the same one (repeated, scaled or
        opposite neurons; a neuron on the domain boundary); in between float64 cannot tell,
        and ``exact`` decides as for the radius (their exact rows are compared).
    gradient : float
        A pre-activation whose gradient norm is below ``gradient * scale`` is constant on the
        region (``scale`` is the product of the layer weight norms *of the canonical network*,
        whose hidden rows have norm about 1, so it does not change when a neuron is rescaled);
        with ``|value|`` below the same bound it is identically zero, hence off.
    stable : float
        Relative slack for bound propagation: bounds are widened by ``stable`` (at least the
        float64 rounding bound) times the magnitude they are computed from, ``|W| |a| + |b|``
        layer by layer, so the widening scales with the neuron and float rounding never marks
        a live neuron stable (a neuron is stable-on when its widened lower bound is positive,
        stable-off when its widened upper bound is at most 0).
    solver_feasibility : float
        Primal/dual feasibility tolerance handed to HiGHS and Clarabel.
    exact : {"auto", "never", "always"}
        What to do with a decision whose float64 answer lies between ``zero`` and ``radius``
        (or, for "same hyperplane", between ``zero`` and ``merge``):
        ``"auto"`` (default) decides it in exact rational arithmetic (:mod:`polyreg.exact`;
        counted in ``stats['exact_decisions']``); ``"never"`` raises
        :class:`~polyreg.errors.ToleranceError`; ``"always"`` re-decides every
        full-dimensionality and facet decision exactly (the reference mode, slow).

    Examples
    --------
    >>> from polyreg import Tolerances
    >>> Tolerances().radius
    1e-09
    >>> Tolerances(radius=1e-7).radius
    1e-07
    >>> Tolerances().exact, Tolerances(exact="never").exact
    ('auto', 'never')
    """

    radius: float = 1e-9
    zero: float = 1e-12
    merge: float = 1e-10
    gradient: float = 1e-12
    stable: float = 1e-12
    solver_feasibility: float = 1e-10
    exact: str = "auto"

    def __post_init__(self) -> None:
        if self.exact not in EXACT_MODES:
            raise ValueError(
                f"tolerance exact must be one of {', '.join(EXACT_MODES)}, got {self.exact!r}"
            )
        for name in ("radius", "zero", "merge", "gradient", "stable", "solver_feasibility"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and value > 0):
                raise ValueError(f"tolerance {name} must be a positive number, got {value!r}")
        if self.zero >= self.radius:
            raise ValueError(
                f"tolerance zero ({self.zero}) must be below tolerance radius ({self.radius})"
            )

    def effective(self, extent: float) -> Tolerances:
        """These tolerances for a domain of the given extent (largest coordinate magnitude of
        the domain, in the coordinates the computation runs in): ``radius`` and ``merge``
        raised to at least ``RADIUS_FLOOR``, ``MERGE_FLOOR`` times
        ``extent`` (float64 resolves nothing finer, and the solvers work in a frame scaled so
        that their feasibility tolerance stays a tenth of ``radius``); the others unchanged.

        Examples
        --------
        >>> t = Tolerances().effective(1.0)
        >>> t.radius, t.zero
        (1e-09, 1e-12)
        >>> Tolerances().effective(1e3).radius
        1e-09
        >>> big = Tolerances().effective(1e9)
        >>> float(big.radius / 1e9 / RADIUS_FLOOR), big.zero
        (1.0, 1e-12)
        """
        extent = float(extent)
        if not np.isfinite(extent) or extent <= 0:
            return self
        radius = max(self.radius, RADIUS_FLOOR * extent)
        zero = self.zero  # no floor: see RADIUS_FLOOR
        merge = max(self.merge, MERGE_FLOOR * extent)
        if (radius, zero, merge) == (self.radius, self.zero, self.merge):
            return self
        return replace(self, radius=radius, zero=zero, merge=merge)


DEFAULT = Tolerances()
