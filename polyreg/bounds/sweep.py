"""Region counts in balls of several radii around many points (``polyreg around``).

The experiment of Novak et al. 2018 and Zhu, Lin & Tang: how many activation regions meet the
ball ``B_p(x, r)`` around training points, random points, adversarial points, for a few radii
``r``. :func:`sweep_point` answers it for one point and every radius; :func:`sweep` for many
points, optionally in a process pool (``workers``; the engines know nothing of it).

Reusing the largest ball. An open activation region ``P`` meets the open ball ``B_p(x, r)`` iff
``dist_p(x, closure P) < r`` (a nearest point ``y`` of the closure has points of ``P`` arbitrarily
close, and they lie in the ball when ``||y - x|| < r``; conversely a common point is at distance
``< r``). Every region meeting a smaller ball meets the larger one, so one enumeration of the
largest ball and one distance per region (an LP for p = 1, inf, a QP for p = 2:
:func:`polyreg.solvers.nearest_point`) give the exact counts of all smaller balls. A distance within
``DISTANCE_BAND`` ``tol.radius`` (in the ball's scale) of a radius cannot be compared in float64
with confidence: that radius is then enumerated directly instead (``source == "enumerated"``).

Which is faster depends on the norm and on the number of radii, so reuse is an option
(``reuse=True``, ``polyreg around --reuse-largest``), off by default. Measured on a 2-core
machine (4-16-16-2 random network, 6 points): radii (0.1, 0.2, 0.4), L2: 1.13 s either way;
L-inf: 1.04 s reusing, 0.18 s enumerating each (box-shaped balls enumerate fast, and one LP per
region of the largest ball costs more than the small balls). Ten radii from 0.04 to 0.4: L2
1.7 s reusing, 5.3 s enumerating each; L-inf 1.2 s against 0.5 s. On the trained 2-16-16-2
moons network with radii (0.05, 0.1, 0.2, 0.4): 0.32 s against 0.22 s (L2). Reuse pays for
long L2 / L1 sweeps; for a few radii enumerate each.

A budget (``max_regions``) stops an enumeration once more than ``max_regions`` regions are found:
the count reported is then ``max_regions``, a certified lower bound (``complete`` is False).
Smaller radii are then enumerated directly (with the same budget) until one completes; its
enumeration serves the radii below it.

Examples
--------
>>> import numpy as np, polyreg
>>> from polyreg.bounds.sweep import sweep_point
>>> net = polyreg.random_network([2, 8, 8, 2], seed=0)
>>> x = np.array([0.1, -0.2])
>>> counts = sweep_point(net, x, [0.1, 0.3, 0.6], reuse=True)
>>> [c.regions for c in counts] == [polyreg.count_regions(net, polyreg.Ball(x, r))
...                                 for r in (0.1, 0.3, 0.6)]
True
>>> [c.source for c in counts]
['distances', 'distances', 'enumerated']
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..api import canonical_form, enumerate_regions
from ..domains import Ball, extent
from ..solvers import SolveCounter, nearest_point
from ..network import Network
from ..tolerances import DEFAULT, Tolerances
from ._util import norm_name, parse_norm, region_polytope

#: a region's distance to the centre within ``DISTANCE_BAND * tol.radius`` (the effective radius
#: tolerance at the ball's extent) of a radius is not decided from the distance: the radius is
#: enumerated directly. The distances are re-checked solver answers, accurate to far better
#: than this (constraint violations are refused above 1e-6 relative, and are ~1e-10 in practice)
DISTANCE_BAND = 1e3
#: absolute optimality gap of the L2 distance QP (``polyreg.solvers``'s Clarabel settings): when its
#: answer cannot be polished onto the active rows, the distance near ``r`` may exceed the true
#: one by up to ``2 QP_GAP / r``, added to the band for the L2 norm
QP_GAP = 1e-10


@dataclass(frozen=True)
class RadiusCount:
    """Regions meeting one ball ``B_p(x, radius)``.

    Attributes
    ----------
    radius : float
    regions : int
        The exact count, or a certified lower bound when ``complete`` is False.
    complete : bool
        False when the enumeration stopped at the budget.
    source : str
        ``"enumerated"`` (this ball was enumerated) or ``"distances"`` (filtered from a larger
        ball's enumeration by each region's distance to the centre).
    patterns : ndarray of bool, shape (regions, n_hidden)
        The patterns of the regions found.
    """

    radius: float
    regions: int
    complete: bool
    source: str
    patterns: np.ndarray = field(repr=False)


def _enumerate(net: Network, ball: Ball, max_regions: int | None,
               tol: Tolerances) -> tuple[np.ndarray, bool]:
    """Patterns of the regions meeting ``ball`` and whether the enumeration completed; with a
    budget the ``traverse`` walk (in the canonical form :func:`polyreg.enumerate_regions` uses)
    stops after ``max_regions + 1`` regions and reports the first ``max_regions``."""
    if max_regions is None:
        rs = enumerate_regions(net, ball, tol=tol, progress=False)
        return np.array([r.pattern for r in rs], dtype=bool).reshape(-1, net.n_hidden), True
    from ..scale.stream import iter_regions

    cnet, cdomain, _ = canonical_form(net, ball.for_inputs(net.n_inputs), tol)
    found: list[np.ndarray] = []
    complete = True
    for region in iter_regions(cnet, cdomain, tol=tol, chebyshev=False):
        if len(found) == max_regions:
            complete = False
            break
        found.append(region.pattern)
    return np.array(found, dtype=bool).reshape(-1, net.n_hidden), complete


def region_distances(net: Network, x: np.ndarray, patterns: np.ndarray, norm: object,
                     tol: Tolerances = DEFAULT) -> np.ndarray:
    """L_p distance from ``x`` to the closure of each activation region (one LP or QP per
    region not containing ``x``; :func:`polyreg.solvers.nearest_point`).

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [0.0])])
    >>> pats = np.array([[True, True], [False, True], [False, False]])
    >>> region_distances(net, np.array([0.5, 0.25]), pats, 2).round(6).tolist()
    [0.0, 0.5, 0.559017]
    """
    p = parse_norm(norm)
    x = np.asarray(x, dtype=np.float64)
    counter = SolveCounter()
    out = np.empty(len(patterns))
    for i, pattern in enumerate(patterns):
        A, b, _ = region_polytope(net, pattern, tol)
        res = nearest_point(A, b, x, p, tol, counter, what="distance to a region")
        out[i] = res.distance if res.feasible else np.inf
    return out


def sweep_point(
    net: Network,
    x: np.ndarray,
    radii: Sequence[float],
    norm: object = 2,
    *,
    max_regions: int | None = None,
    reuse: bool = False,
    tol: Tolerances = DEFAULT,
) -> list[RadiusCount]:
    """Regions meeting ``B_p(x, r)`` for every radius ``r`` in ``radii`` (in that order).

    Parameters
    ----------
    net : Network
    x : ndarray, shape (d,)
    radii : sequence of float
        Positive radii (any order; repeated values are answered once each).
    norm : 1, 2 or "inf"
    max_regions : int, optional
        Budget per enumeration: once more regions are found, stop and report ``max_regions``
        as a lower bound (``complete=False``).
    reuse : bool
        Answer smaller radii from the largest complete enumeration by region distances (see
        the module docstring); False (default) enumerates every radius.
    tol : Tolerances

    Returns
    -------
    list of RadiusCount
    """
    p = parse_norm(norm)
    x = np.asarray(x, dtype=np.float64)
    radii = [float(r) for r in radii]
    if not radii or any(not (np.isfinite(r) and r > 0) for r in radii):
        raise ValueError(f"radii must be positive numbers, got {radii!r}")
    if max_regions is not None and max_regions < 1:
        raise ValueError(f"max_regions must be a positive integer, got {max_regions!r}")
    answers: dict[float, RadiusCount] = {}
    base: tuple[float, np.ndarray, np.ndarray] | None = None  # (radius, patterns, distances)
    for r in sorted(set(radii), reverse=True):
        ball = Ball(x, r, norm=p)
        if base is not None:
            R, pats, dist = base
            band = DISTANCE_BAND * tol.effective(extent(ball)).radius
            if p == 2:  # an unpolished QP answer: objective |w|^2 / 2 within QP_GAP of optimal
                band += 2.0 * QP_GAP / r
            if not np.any(np.abs(dist - r) <= band):
                inside = dist < r
                answers[r] = RadiusCount(r, int(inside.sum()), True, "distances", pats[inside])
                continue
        pats, complete = _enumerate(net, ball, max_regions, tol)
        answers[r] = RadiusCount(r, len(pats), complete, "enumerated", pats)
        if complete and reuse:
            base = (r, pats, region_distances(net, x, pats, p, tol))
    return [answers[r] for r in radii]


# ---------------------------------------------------------------------------- many points
#: the columns of one row of :func:`sweep` (``x0, x1, ...`` follow ``complete`` when the
#: points have at most :data:`MAX_COORDINATES` coordinates)
SWEEP_COLUMNS = ["index", "label", "class", "ball_radius", "regions", "complete", "source"]

#: points with at most this many coordinates get them in the table
MAX_COORDINATES = 16


@dataclass(frozen=True)
class SweepJob:
    """Everything one worker needs for one point (picklable)."""

    net: Network
    index: int
    x: np.ndarray
    label: str
    radii: tuple[float, ...]
    norm: str
    max_regions: int | None
    reuse: bool
    extra: Any  # a picklable callable (net, x, [RadiusCount]) -> [dict], or None
    tol: Tolerances


def run_job(job: SweepJob) -> list[dict]:
    """The rows of one point: one dict per radius (:data:`SWEEP_COLUMNS`, the coordinates, and
    whatever ``job.extra`` adds)."""
    from .robustness import predicted_class

    counts = sweep_point(job.net, job.x, job.radii, job.norm, max_regions=job.max_regions,
                         reuse=job.reuse, tol=job.tol)
    cls = int(predicted_class(job.net, job.x[None, :])[0])
    coords = ({f"x{k}": float(v) for k, v in enumerate(job.x)}
              if job.x.size <= MAX_COORDINATES else {})
    more = [{}] * len(counts) if job.extra is None else job.extra(job.net, job.x, counts)
    return [{"index": job.index, "label": job.label, "class": cls, "ball_radius": c.radius,
             "regions": c.regions, "complete": c.complete, "source": c.source, **coords, **m}
            for c, m in zip(counts, more, strict=True)]


def sweep(
    net: Network,
    points: np.ndarray,
    radii: Sequence[float],
    norm: object = 2,
    *,
    labels: Sequence[str] | None = None,
    max_regions: int | None = None,
    reuse: bool = False,
    workers: int = 1,
    extra: Any = None,
    tol: Tolerances = DEFAULT,
) -> list[dict]:
    """Rows ``(point, radius)`` of region counts around every point, point by point.

    Parameters
    ----------
    net : Network
    points : ndarray, shape (n, d)
    radii : sequence of float
    norm : 1, 2 or "inf"
    labels : sequence of str, optional
        One group label per point (``""`` when not given).
    max_regions : int, optional
        Budget per point and enumeration (see :func:`sweep_point`).
    reuse : bool
        See :func:`sweep_point`.
    workers : int
        Processes over points (1: in this process).
    extra : callable, optional
        ``extra(net, x, counts) -> list of dict``: more columns for each row of a point
        (``counts`` is the list of :class:`RadiusCount` in the order of ``radii``). A
        module-level function (or a ``functools.partial`` of one) when ``workers > 1``: it is
        pickled.
    tol : Tolerances

    Returns
    -------
    list of dict
        Sorted by point, then in the order of ``radii``.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.random_network([2, 6, 2], seed=1)
    >>> rows = sweep(net, np.zeros((2, 2)), [0.2, 0.5], labels=["a", "b"])
    >>> [(r["index"], r["label"], r["ball_radius"], r["complete"]) for r in rows]
    [(0, 'a', 0.2, True), (0, 'a', 0.5, True), (1, 'b', 0.2, True), (1, 'b', 0.5, True)]
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != net.n_inputs:
        raise ValueError(f"points must have shape (n, {net.n_inputs}), got {points.shape}")
    if labels is not None and len(labels) != len(points):
        raise ValueError(f"{len(labels)} labels for {len(points)} points")
    if workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    jobs = [SweepJob(net, i, x, "" if labels is None else str(labels[i]),
                     tuple(float(r) for r in radii), norm_name(parse_norm(norm)), max_regions,
                     reuse, extra, tol) for i, x in enumerate(points)]
    if workers == 1 or len(jobs) <= 1:
        return [row for job in jobs for row in run_job(job)]
    from concurrent.futures import ProcessPoolExecutor

    from ..scale.processes import exit_with, process_context

    ctx = process_context(["polyreg.bounds.sweep"])
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=ctx,
                             initializer=exit_with, initargs=(os.getpid(),)) as pool:
        results = list(pool.map(run_job, jobs))
    return [row for rows in results for row in rows]


def summarize(rows: Sequence[dict]) -> list[dict]:
    """Per label and radius: points, complete rows, and the mean, quartiles, minimum and
    maximum of the region counts. Where a row is incomplete its count is a lower bound, and
    so is every statistic of its group (``complete < points``).

    Examples
    --------
    >>> rows = [{"label": "a", "ball_radius": 0.1, "regions": n, "complete": True}
    ...         for n in (1, 2, 3, 10)]
    >>> s = summarize(rows)[0]
    >>> s["label"], s["points"], s["regions_median"], s["regions_q1"], s["regions_q3"], s["regions_mean"]
    ('a', 4, 2.5, 1.75, 4.75, 4.0)
    """
    groups: dict[tuple[str, float], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["label"] or "all", float(row["ball_radius"])), []).append(row)
    out = []
    for (label, r), members in sorted(groups.items(), key=lambda kv: (_label_order(rows, kv[0][0]),
                                                                        kv[0][1])):
        counts = np.array([m["regions"] for m in members], dtype=float)
        q1, med, q3 = np.percentile(counts, [25, 50, 75])
        out.append({
            "label": label, "ball_radius": r, "points": len(members),
            "complete": int(sum(bool(m["complete"]) for m in members)),
            "regions_mean": float(counts.mean()), "regions_q1": float(q1),
            "regions_median": float(med), "regions_q3": float(q3),
            "regions_min": int(counts.min()), "regions_max": int(counts.max()),
        })
    return out


def _label_order(rows: Sequence[dict], label: str) -> int:
    """Labels in order of first appearance."""
    for i, row in enumerate(rows):
        if (row["label"] or "all") == label:
            return i
    return len(rows)
