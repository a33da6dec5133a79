"""``traverse``: output-sensitive graph search over activation regions.

Start from the region at an interior point of the domain; for each region find the facets that
meet the domain's interior and step across each to the neighbour, until no new region appears.
The region adjacency graph of a convex domain is connected, and the region just beyond a facet
is unique (every neuron not vanishing on the whole facet keeps its sign there), so every
full-dimensional region is reached exactly once.

Per region: one LP (SOCP for the L2 ball) for the Chebyshev centre of a newly found region; a
facet is certified without a solve when the foot of the perpendicular from the centre lies
strictly inside it, otherwise one LP on the facet's hyperplane decides.
"""

from __future__ import annotations

import time
from collections import deque

import numpy as np

from ..domains import Ball, Domain, sample
from ..errors import ToleranceError
from ..geometry import foot_point_margins
from ..lp import BallResult, SolveCounter, _domain_margin, inscribed_ball
from ..network import Network
from ..regions import Edge, Region, RegionSet, pattern_key
from ..tolerances import DEFAULT, Tolerances
from ._common import Context, Progress, RegionRows, pattern_across, region_rows


def _meets_domain(ctx: Context, A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether each hyperplane ``a x = b`` can meet the domain's interior (sound filter)."""
    dom = ctx.domain
    if isinstance(dom, Ball):
        q = dom.dual_norm
        return np.abs(A @ dom.center - b) < dom.radius * np.linalg.norm(A, ord=q, axis=1)
    if not dom.bounded:
        return np.ones(A.shape[0], dtype=bool)
    lo, hi = dom.bounding_box()
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    centre = A @ mid - b
    spread = np.abs(A) @ half
    return np.abs(centre) < spread


def find_facets(
    ctx: Context, rr: RegionRows, center: np.ndarray, counter: SolveCounter
) -> list[tuple[int, np.ndarray]]:
    """Rows of ``rr`` whose hyperplane carries a facet of region ∩ domain meeting the domain's
    interior, each with a point in the facet's relative interior.

    Domain rows and neuron rows lying on the domain's boundary are not crossable and are left
    out. One representative row per hyperplane.
    """
    A, b, group, neuron = rr.A, rr.b, rr.group, rr.neuron
    labels, first = np.unique(group, return_index=True)
    on_boundary = np.zeros(labels.size, dtype=bool)
    np.logical_or.at(on_boundary, np.searchsorted(labels, group), neuron < 0)
    reps = first[~on_boundary]
    if reps.size == 0:
        return []
    reps = reps[_meets_domain(ctx, A[reps], b[reps])]
    if reps.size == 0:
        return []
    same = group[:, None] == group[None, :]
    slack = b - A @ center
    margins = foot_point_margins(A, slack, same)[reps]
    feet = center[None, :] + slack[reps, None] * A[reps]
    if isinstance(ctx.domain, Ball) and ctx.domain.norm != np.inf:
        margins = np.minimum(margins, [_domain_margin(f, ctx.domain) for f in feet])
    elif not ctx.domain.bounded:
        margins = np.minimum(margins, 1.0)
    out = []
    for k, margin, foot in zip(reps, margins, feet):
        if margin >= ctx.tol.radius:
            out.append((int(k), foot))
            continue
        res = inscribed_ball(
            A, b, ctx.domain, ctx.tol, counter, on_row=int(k), skip=same[k],
            what=f"facet test of neuron {ctx.net.neuron_name(int(neuron[k]))}",
        )
        if res.full:
            out.append((int(k), res.center))
    return out


def _start(ctx: Context, counter: SolveCounter, seed: int) -> tuple[RegionRows, BallResult]:
    """A full-dimensional region to start from: at the domain's interior point, else at random
    points of the domain (the interior point may lie on a boundary)."""
    rng = np.random.default_rng(seed)
    candidates = np.vstack([ctx.domain.interior_point()[None, :], sample(ctx.domain, 64, rng)])
    for x in candidates:
        rr = region_rows(ctx, ctx.canonical(ctx.net.pattern(x)))
        try:
            ball = inscribed_ball(rr.A, rr.b, ctx.domain, ctx.tol, counter, what="start region")
        except ToleranceError:
            continue
        if ball.full:
            return rr, ball
    raise ToleranceError(
        "could not find a full-dimensional region at the domain's centre or at 64 random "
        "points of it; is the domain thinner than the tolerance?"
    )


def traverse(
    net: Network,
    domain: Domain,
    *,
    tol: Tolerances = DEFAULT,
    progress: bool | None = None,
    max_regions: int | None = None,
    seed: int = 0,
) -> RegionSet:
    """Enumerate every activation region whose interior meets the domain's, by graph search.

    Parameters
    ----------
    net : Network
    domain : Domain
        Box, Ball (norm 1, 2, inf), Polytope or Whole.
    tol : Tolerances
    progress : bool, optional
        Progress line on stderr; default: only when stderr is a terminal.
    max_regions : int, optional
        Stop with an error once more regions than this are found.
    seed : int
        Seed for the fallback start points.

    Returns
    -------
    RegionSet
        Regions (pattern, Chebyshev centre and radius, output map) and facet adjacency.

    Notes
    -----
    Cost: one Chebyshev solve per region plus one solve per facet whose foot-point test fails;
    ``O(N d)`` numpy work per region for the local maps.

    Examples
    --------
    >>> import polyreg
    >>> net = polyreg.random_network([2, 6, 1], seed=0)
    >>> len(polyreg.engines.traverse(net, polyreg.Box.cube(2, -10, 10))) <= 22
    True
    """
    t0 = time.perf_counter()
    ctx = Context.create(net, domain, tol)
    counter = SolveCounter()
    show = Progress(progress)
    rr, ball = _start(ctx, counter, seed)
    regions: list[Region] = []
    index: dict[bytes, int] = {}
    pending: dict[int, tuple[RegionRows, np.ndarray]] = {}
    edges: dict[tuple[int, int], Edge] = {}
    queue: deque[int] = deque()
    rel = tol.gradient

    def add(rr: RegionRows, ball: BallResult) -> int:
        i = len(regions)
        regions.append(Region(rr.pattern, ball.center, ball.radius, rr.maps.out_W, rr.maps.out_b))
        index[pattern_key(rr.pattern)] = i
        pending[i] = (rr, ball.center)
        queue.append(i)
        if max_regions is not None and i + 1 > max_regions:
            raise ToleranceError(f"more than max_regions={max_regions} regions")
        return i

    add(rr, ball)
    while queue:
        i = queue.popleft()
        rr, center = pending.pop(i)
        for k, facet_point in find_facets(ctx, rr, center, counter):
            on_facet = rr.group == rr.group[k]
            zero = rr.zero.copy()
            zero[rr.neuron[on_facet & (rr.neuron >= 0)]] = True
            new = ctx.canonical(pattern_across(net, rr.pattern, zero, rr.A[k], rel))
            key = pattern_key(new)
            j = index.get(key)
            if j is None:
                nr = region_rows(ctx, new)
                j = index.get(pattern_key(nr.pattern))
                if j is None:
                    nb = inscribed_ball(nr.A, nr.b, ctx.domain, tol, counter, what="region")
                    if not nb.full:
                        raise ToleranceError(
                            f"the region across the facet of neuron(s) "
                            f"{[net.neuron_name(int(n)) for n in rr.neuron[on_facet] if n >= 0]} "
                            f"is not full-dimensional (radius {nb.radius:.3g}); the facet test "
                            "and the crossing disagree in float64"
                        )
                    j = add(nr, nb)
                index[key] = j
            pair = (min(i, j), max(i, j))
            if pair not in edges:
                flipped = np.flatnonzero(regions[i].pattern != regions[j].pattern)
                carried = rr.neuron[on_facet & (rr.neuron >= 0)]
                edges[pair] = Edge(pair[0], pair[1], tuple(int(n) for n in np.sort(carried)),
                                   tuple(int(n) for n in flipped), facet_point)
        show(len(regions), len(queue), counter.total)
    show(len(regions), 0, counter.total, final=True)
    seconds = time.perf_counter() - t0
    stats = {
        "engine": "traverse",
        "lps": counter.lp,
        "socps": counter.socp,
        "solves": counter.total,
        "seconds": seconds,
        "stable_neurons": int((~ctx.stab.live).sum()),
    }
    return RegionSet(tuple(regions), tuple(edges.values()), "traverse", ctx.domain,
                     net.widths, stats)
