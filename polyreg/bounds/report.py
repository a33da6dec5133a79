"""Every bound that applies, side by side with the exact answer: the table of ``polyreg bounds``.

A *check* is a function ``(CheckContext) -> BoundRow | None`` (None when the bound does not
apply); :data:`CHECKS` lists them in table order. :func:`check_bounds` runs the enumeration
once and every check on it. A row whose bound fails against the exact value is *violated*: a
bug in the bound or in the enumeration, never to be smoothed over.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..api import enumerate_regions
from ..domains import Ball, Domain
from ..network import Network
from ..regions import RegionSet
from ..tolerances import DEFAULT, Tolerances
from . import counts
from .certify import radius_bounds
from .sensitivity import tangent_sensitivities, tangent_bound

#: relative slack for comparing floating-point bounds (integer counts are compared exactly)
FLOAT_SLACK = 1e-9


@dataclass(frozen=True)
class BoundRow:
    """One bound against its exact counterpart.

    Attributes
    ----------
    name : str
    kind : str
        ``"upper"`` (holds when ``value >= exact``) or ``"lower"`` (``value <= exact``).
    value : int or float
        The bound.
    exact : int or float
        The exact quantity it bounds (computed from the enumeration).
    quantity : str
        What is bounded (``"regions"``, ``"max tangent sensitivity"``).
    note : str
        When the bound is tight (e.g. "equal in general position").
    quantities : dict
        What the bound was computed from.
    """

    name: str
    kind: str
    value: int | float
    exact: int | float
    quantity: str = "regions"
    note: str = ""
    quantities: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        """``value / exact`` (``inf`` when it does not fit a float or ``exact`` is 0)."""
        try:
            return self.value / self.exact if self.exact else np.inf
        except OverflowError:
            return np.inf

    @property
    def holds(self) -> bool:
        exact_ints = isinstance(self.value, (int, np.integer)) and isinstance(
            self.exact, (int, np.integer)
        )
        slack = 0.0 if exact_ints else FLOAT_SLACK * max(abs(float(self.exact)), 1e-300)
        if self.kind == "lower":
            return self.value <= self.exact + slack
        return self.value >= self.exact - slack

    def to_dict(self) -> dict:
        ratio = self.ratio
        return {
            "bound": self.name,
            "kind": self.kind,
            "quantity": self.quantity,
            "value": self.value,
            "exact": self.exact,
            "ratio": float(ratio) if np.isfinite(ratio) else None,
            "holds": self.holds,
            "note": self.note,
            "quantities": self.quantities,
        }


@dataclass(frozen=True)
class CheckContext:
    """What every check gets: the network, the domain, its exact enumeration, tolerances, and
    a cache shared by the checks of one report (results several rows use)."""

    net: Network
    domain: Domain
    regions: RegionSet
    tol: Tolerances
    cache: dict = field(default_factory=dict)
    #: the budget (``max_regions``, ``time_limit``) of the searches the checks run themselves
    budget: dict = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """False when a budget stopped the enumeration: ``len(regions)`` is then only a lower
        bound on the count (an upper bound below it is still certainly violated)."""
        return bool(self.regions.stats.get("complete", True))


Check = Callable[[CheckContext], "BoundRow | None"]


def _count_row(bound: counts.CountBound, exact: int, note: str = "") -> BoundRow:
    return BoundRow(bound.name, "upper", bound.value, exact, "regions", note, bound.quantities)


def check_trivial(ctx: CheckContext) -> BoundRow:
    return _count_row(counts.trivial_bound(ctx.net), len(ctx.regions))


def check_zaslavsky(ctx: CheckContext) -> BoundRow | None:
    if len(ctx.net.hidden_widths) != 1:
        return None
    return _count_row(
        counts.zaslavsky_bound(ctx.net), len(ctx.regions),
        "equal in general position in R^d or a box holding every vertex",
    )


def check_zaslavsky_convex(ctx: CheckContext) -> BoundRow | None:
    if len(ctx.net.hidden_widths) != 1:
        return None
    try:
        bound = counts.zaslavsky_convex_bound(ctx.net, ctx.domain, tol=ctx.tol)
    except ValueError:  # too many subsets to test
        return None
    return _count_row(bound, len(ctx.regions), "equal in general position")


def check_montufar(ctx: CheckContext) -> BoundRow:
    return _count_row(counts.montufar_bound(ctx.net), len(ctx.regions))


def check_serra(ctx: CheckContext) -> BoundRow:
    return _count_row(counts.serra_bound(ctx.net), len(ctx.regions), "tight for one layer")


def check_serra_rank(ctx: CheckContext) -> BoundRow:
    return _count_row(counts.serra_bound(ctx.net, rank=True), len(ctx.regions))


def _local(method: str) -> Check:
    def check(ctx: CheckContext) -> BoundRow | None:
        if method == "exact" and not ctx.complete:
            return None  # live neurons from part of the regions bound nothing
        bound = counts.local_bound(ctx.net, ctx.domain, method, regions=ctx.regions, tol=ctx.tol)
        return _count_row(bound, len(ctx.regions))

    check.__name__ = f"check_local_{method}"
    return check


def check_serra_ramalingam(ctx: CheckContext) -> BoundRow:
    return _count_row(counts.serra_ramalingam_bound(ctx.net, ctx.domain, tol=ctx.tol),
                      len(ctx.regions), "first layer exact (MILP), later layers LP-live + rank")


def check_tangent(ctx: CheckContext) -> BoundRow:
    values = tangent_sensitivities(ctx.net, (r.pattern for r in ctx.regions))
    bound, terms = tangent_bound(ctx.net)
    return BoundRow(
        "tangent-weight-norms", "upper", bound, float(values.max()), "max tangent sensitivity",
        "", {"min_over_regions": float(values.min()), "bound_terms": list(terms)},
    )


#: the robustness radius at a ball's centre is searched in balls up to this many times the
#: domain's radius when the adversarial search finds no point of another class
RADIUS_SEARCH_FACTOR = 4.0


def _radius_bounds(ctx: CheckContext):
    """Robustness radius at the centre of a ``Ball`` domain, in the ball's norm, with its
    adversarial and certified bounds (:func:`polyreg.bounds.certify.radius_bounds`); None for
    other domains. Computed once per report."""
    if not isinstance(ctx.domain, Ball):
        return None
    if "radius" not in ctx.cache:
        ctx.cache["radius"] = radius_bounds(
            ctx.net, ctx.domain.center, ctx.domain.norm,
            max_radius=RADIUS_SEARCH_FACTOR * ctx.domain.radius, tol=ctx.tol, **ctx.budget,
        )
    return ctx.cache["radius"]


def _radius(method: str) -> Check:
    """A check of the robustness radius at a ball's centre: ``"adversarial"`` (upper bound) or
    a certifier of :mod:`polyreg.bounds.certify` (lower bound). Skipped when the domain is not
    a ball or the exact radius was not found."""

    def check(ctx: CheckContext) -> BoundRow | None:
        rb = _radius_bounds(ctx)
        if rb is None or rb.exact is None:
            return None
        if method == "adversarial":
            return BoundRow("radius-adversarial", "upper", rb.upper, rb.exact,
                            "robustness radius", "adversarial search (DeepFool-like, rays)")
        return BoundRow(f"radius-{method}", "lower", rb.lower[method], rb.exact,
                        "robustness radius", "certified by bisection")

    check.__name__ = f"check_radius_{method}"
    return check


#: the checks of ``polyreg bounds``, in table order
CHECKS: tuple[Check, ...] = (
    check_trivial,
    check_zaslavsky,
    check_zaslavsky_convex,
    check_montufar,
    check_serra,
    check_serra_rank,
    _local("interval"),
    _local("lp"),
    _local("exact"),
    check_serra_ramalingam,
    check_tangent,
    _radius("ibp"),
    _radius("crown"),
    _radius("lp"),
    _radius("adversarial"),
)


@dataclass(frozen=True)
class BoundsReport:
    """Answer of :func:`check_bounds`.

    Attributes
    ----------
    regions : int
        Exact number of activation regions in the domain.
    rows : tuple of BoundRow
    summary : dict
        The enumeration's :meth:`RegionSet.summary`.
    seconds : float
        Time spent on the bounds (after the enumeration).
    complete : bool
        False when a budget stopped the enumeration: ``regions`` (and each count row's
        ``exact``) is then a certified lower bound on the count; a row that "holds" is only
        not refuted, a violated upper bound is still certainly violated.
    """

    regions: int
    rows: tuple[BoundRow, ...]
    summary: dict
    seconds: float
    complete: bool = True

    @property
    def violated(self) -> list[BoundRow]:
        return [row for row in self.rows if not row.holds]

    def to_dict(self) -> dict:
        return {
            "regions": self.regions,
            "bounds": [row.to_dict() for row in self.rows],
            "violated": [row.name for row in self.violated],
            "enumeration": self.summary,
            "seconds": self.seconds,
            "complete": self.complete,
            **({} if self.complete else {"stopped": self.summary.get("stopped")}),
        }


def check_bounds(
    net: Network,
    domain: Domain,
    *,
    regions: RegionSet | None = None,
    checks: Sequence[Check] | None = None,
    method: str = "traverse",
    tol: Tolerances = DEFAULT,
    max_regions: int | None = None,
    time_limit: float | None = None,
) -> BoundsReport:
    """Enumerate the regions of ``net`` in ``domain`` (unless given) and run every check.

    Parameters
    ----------
    checks : sequence of callables, optional
        Default :data:`CHECKS` (looked up at call time, so it can be extended).
    max_regions, time_limit : optional
        Budget (:mod:`polyreg.budget`) of the enumeration and of the robustness-radius search.
        When it stops the enumeration the report is incomplete (``complete`` False): the
        count is a lower bound, the ``local-exact`` row is left out.

    Examples
    --------
    >>> import polyreg
    >>> from polyreg.bounds.report import check_bounds
    >>> rep = check_bounds(polyreg.random_network([2, 5, 1], seed=0), polyreg.Box([-1, -1], [1, 1]))
    >>> rep.violated, [r.name for r in rep.rows][:3]
    ([], ['trivial', 'zaslavsky', 'zaslavsky-convex'])
    """
    domain = domain.for_inputs(net.n_inputs)
    budget: dict[str, Any] = {k: v for k, v in (("max_regions", max_regions),
                                                 ("time_limit", time_limit)) if v is not None}
    if regions is None:
        regions = enumerate_regions(net, domain, method=method, tol=tol, progress=False, **budget)
    t0 = time.perf_counter()
    ctx = CheckContext(net, domain, regions, tol, budget=budget)
    rows = []
    for check in CHECKS if checks is None else checks:
        row = check(ctx)
        if row is not None:
            rows.append(row)
    return BoundsReport(len(regions), tuple(rows), regions.summary(), time.perf_counter() - t0,
                        ctx.complete)


def _fmt(value: int | float) -> str:
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}" if abs(int(value)) < 10**15 else f"{float(value):.4g}"
    return f"{value:.6g}"


def format_table(report: BoundsReport) -> str:
    """The report as a text table: bound, value, exact value, ratio, holds / VIOLATED.

    Examples
    --------
    >>> row = BoundRow("made-up", "upper", 3, 4)
    >>> print(format_table(BoundsReport(4, (row,), {}, 0.0)))  # doctest: +NORMALIZE_WHITESPACE
    bound    quantity  value  exact  ratio  status
    made-up  regions   3      4      0.75   VIOLATED
    """
    header = ("bound", "quantity", "value", "exact" if report.complete else "at least",
              "ratio", "status")
    lines = [header]
    for row in report.rows:
        ratio = row.ratio
        ok = "holds" if report.complete else "not refuted"
        lines.append((
            row.name, row.quantity, _fmt(row.value), _fmt(row.exact),
            f"{ratio:.4g}" if np.isfinite(ratio) else "inf",
            ok if row.holds else "VIOLATED",
        ))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in lines
    )
