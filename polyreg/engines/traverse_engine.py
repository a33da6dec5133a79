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
from dataclasses import dataclass, field, replace
from collections.abc import Callable, Iterator

import numpy as np

from ..budget import Budget
from ..domains import Domain, sample
from ..errors import ToleranceError
from ..solvers import BallResult, SolveCounter, inscribed_ball
from ..network import Network
from ..regions import Edge, Region, RegionSet, pattern_key
from ..tolerances import DEFAULT, Tolerances
from ._common import (
    domain_radius,
    CUT,
    Context,
    Progress,
    Reduction,
    RegionRows,
    patterns_across,
    exact_rows,
    reduce_dimension,
    region_rows,
    step_inside,
)
from .facets import find_facets


def _part_points(ctx: Context, counter: SolveCounter, rng: np.random.Generator) -> np.ndarray:
    """Candidate start points inside the part ``domain ∩ cuts``: the centre of its largest
    inscribed ball, then 64 random points of that ball (shrunk by 10 %)."""
    A = np.vstack([ctx.dom_A, ctx.cut_A])
    b = np.concatenate([ctx.dom_b, ctx.cut_b])
    ball = inscribed_ball(A, b, ctx.domain, ctx.tol, counter, what="part of the domain")
    if not ball.full or ball.center is None:
        raise ToleranceError("the part of the domain between the cuts is empty or too thin")
    d = A.shape[1]
    u = rng.normal(size=(64, d))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    r = 0.9 * ball.radius * rng.uniform(size=(64, 1)) ** (1.0 / d)
    return np.vstack([ball.center[None, :], ball.center + r * u])


def _start(ctx: Context, counter: SolveCounter, seed: int) -> tuple[RegionRows, BallResult]:
    """A full-dimensional region to start from: at the domain's interior point, else at random
    points of the domain (the interior point may lie on a boundary). With cuts, at points of
    the part."""
    rng = np.random.default_rng(seed)
    if ctx.cut_b.size:
        candidates = _part_points(ctx, counter, rng)
    else:
        candidates = np.vstack(
            [ctx.domain.interior_point()[None, :], sample(ctx.domain, 64, rng)]
        )
    for x in candidates:
        rr = region_rows(ctx, ctx.canonical(ctx.net.pattern(x)), counter)
        try:
            ball = inscribed_ball(rr.A, rr.b, ctx.domain, ctx.tol, counter, what="start region",
                                  exact=exact_rows(ctx, rr))
        except ToleranceError:
            continue
        if ball.full:
            return rr, ball
    raise ToleranceError(
        "could not find a full-dimensional region at the domain's centre or at 64 random "
        "points of it; is the domain thinner than the tolerance?"
    )


def _interior_across(
    ctx: Context, nr: RegionRows, q: np.ndarray, u: np.ndarray, counter: SolveCounter
) -> BallResult:
    """Certified interior point of the region ``nr`` that lies just across a facet at ``q``
    (direction ``u``): a point on the ray ``q + t u`` when its inscribed radius passes the
    tolerance, else the region's Chebyshev centre by LP (authoritative)."""
    point, radius = step_inside(nr.A, nr.b, q, u)
    radius = domain_radius(ctx, point, radius)
    if radius >= ctx.tol.radius and ctx.tol.exact != "always":
        return BallResult(True, point, radius)
    return inscribed_ball(nr.A, nr.b, ctx.domain, ctx.tol, counter, what="region",
                          exact=exact_rows(ctx, nr))


@dataclass
class WalkState:
    """Everything a graph search needs to go on: visited patterns and the frontier.

    ``known`` maps a pattern key (also the keys of non-canonical spellings met on the way) to
    the region's index; ``keys[i]`` is region ``i``'s canonical key; ``frontier`` holds the
    indices still to expand, with their rows (``RegionRows``; ``maps`` may be None: expanding
    does not need them) and interior points. A store can rebuild it from
    disk to resume a run (see ``polyreg.scale.store``).
    """

    known: dict[bytes, int] = field(default_factory=dict)
    keys: list[bytes] = field(default_factory=list)
    frontier: deque = field(default_factory=deque)
    #: keys of regions found here but owned by another worker (``walk(owns=...)``); such a
    #: region's entry in ``known`` is ``-1 - m`` for ``foreign[m]``
    foreign: list[bytes] = field(default_factory=list)

    def key_of(self, j: int) -> bytes:
        """Key of the region with index ``j`` in ``known``: canonical for this worker's own
        regions; for a foreign one, as first met here (its owner resolves the spelling)."""
        return self.keys[j] if j >= 0 else self.foreign[-1 - j]

    def mark_foreign(self, key: bytes) -> int:
        """Record ``key`` as found here and owned elsewhere; its (negative) index."""
        j = -1 - len(self.foreign)
        self.foreign.append(key)
        self.known[key] = j
        return j


@dataclass(frozen=True)
class Found:
    """A region found by :func:`walk` (``index`` is its position in discovery order)."""

    index: int
    region: Region


@dataclass(frozen=True)
class Foreign:
    """A region met by :func:`walk` that another worker owns (``owns(key)`` was False): it is
    neither registered nor expanded here. ``key`` is the pattern as spelled across the facet
    (canonical but for neurons identically zero on the region, which only ``region_rows``
    finds); the owner steps in at ``point`` (on the facet) in direction ``direction``."""

    key: bytes
    point: np.ndarray
    direction: np.ndarray


@dataclass(frozen=True)
class Crossing:
    """Region ``source`` (canonical key, this worker's) has a facet at ``point`` carried by
    ``neurons`` whose far side is the region spelled ``target``, owned by another worker: the
    owner, who knows the target's canonical key, decides whether it reports the edge."""

    source: bytes
    target: bytes
    neurons: tuple[int, ...]
    point: np.ndarray


@dataclass(frozen=True)
class Expanded:
    """Region ``index`` has had every facet crossed; ``edges`` are its new adjacency edges;
    ``cuts`` the context's cut rows (indices) that carry a facet of it (never crossed)."""

    index: int
    edges: tuple[Edge, ...]
    cuts: tuple[int, ...] = ()


def start_state(ctx: Context, counter: SolveCounter, seed: int) -> tuple[WalkState, Found]:
    """A fresh search state holding the start region (at its Chebyshev centre)."""
    rr, ball = _start(ctx, counter, seed)
    state = WalkState()
    return state, _register(state, rr, ball)


def _register(state: WalkState, rr: RegionRows, ball: BallResult) -> Found:
    assert ball.center is not None  # a region's inscribed ball is full
    i = len(state.keys)
    key = pattern_key(rr.pattern)
    state.keys.append(key)
    state.known[key] = i
    found = Found(i, Region(rr.pattern, ball.center, ball.radius, rr.maps.out_W, rr.maps.out_b))
    # the frontier keeps the rows only: the local maps (N x d) are not needed to expand it, and
    # the frontier, not the visited set, is what dominates a long count's memory
    state.frontier.append((i, replace(rr, maps=None), ball.center))  # type: ignore[arg-type]  # no maps kept
    return found


def _across(ctx: Context, nr: RegionRows, q: np.ndarray, u: np.ndarray, counter: SolveCounter,
            carried: np.ndarray | None) -> BallResult:
    """:func:`_interior_across`, raising when the region across is not full-dimensional
    (``carried``: the neurons on the facet, None when not known here)."""
    nb = _interior_across(ctx, nr, q, u, counter)
    if not nb.full:
        names = "?" if carried is None else [ctx.net.neuron_name(int(n)) for n in carried]
        raise ToleranceError(
            f"the region across the facet of neuron(s) {names} is not "
            f"full-dimensional (radius {nb.radius:.3g}); the facet test and "
            "the crossing disagree in float64"
        )
    return nb


def adopt(
    ctx: Context,
    state: WalkState,
    key: bytes,
    point: np.ndarray,
    direction: np.ndarray,
    counter: SolveCounter,
    *,
    owns: Callable[[bytes], bool],
    chebyshev: bool = True,
) -> tuple[int, Found | None]:
    """Take a region another worker met (:class:`Foreign`: spelled ``key``, crossing at
    ``point`` in ``direction``). Returns its index here and, when it is new and owned here, the
    :class:`Found` region (registered, on the frontier). A negative index: owned by yet another
    worker (the spelling was not canonical); ``state.key_of(index)`` is its canonical key."""
    j = state.known.get(key)
    if j is not None:
        return j, None
    nr = region_rows(ctx, np.unpackbits(np.frombuffer(key, np.uint8))[: ctx.net.n_hidden]
                     .astype(bool), counter)
    ckey = pattern_key(nr.pattern)
    j = state.known.get(ckey)
    found = None
    if j is None:
        if not owns(ckey):
            j = state.mark_foreign(ckey)
        else:
            q, u = np.asarray(point, dtype=float), np.asarray(direction, dtype=float)
            nb = _across(ctx, nr, q, u, counter, None)
            if chebyshev:
                nb = _chebyshev_ball(ctx, nr, nb, counter)
            found = _register(state, nr, nb)
            j = found.index
    state.known[key] = j
    return j, found


def walk(
    ctx: Context,
    state: WalkState,
    counter: SolveCounter,
    *,
    chebyshev: bool = True,
    accept: Callable[[np.ndarray], bool] | None = None,
    owns: Callable[[bytes], bool] | None = None,
) -> Iterator[Found | Foreign | Crossing | Expanded]:
    """Expand the frontier of ``state`` until it is empty, yielding each new region when found
    and each region's edges when it has been expanded (streaming: nothing is kept but the
    visited keys and the frontier).

    ``accept(point)``, when given, decides whether a newly found region is expanded further
    (used to partition work: a region is found but not expanded outside its owner's part).
    With cuts in ``ctx`` the search stays inside the part: each :class:`Expanded` lists the
    cuts that carry a facet of the region (the region extends beyond them).

    ``owns(key)``, when given, shares the search among workers (``polyreg.scale.frontier``): a new
    region whose key this worker does not own is yielded as :class:`Foreign` (its rows and
    interior point are left to the owner) and neither registered nor expanded; a facet towards
    such a region is yielded as a :class:`Crossing`. An edge is reported from the endpoint with
    the smaller canonical key (without ``owns``: from the endpoint found first).
    """
    net, tol = ctx.net, ctx.tol
    while state.frontier:
        i, rr, center = state.frontier.popleft()
        facets = find_facets(ctx, rr, center, counter)
        hit: tuple[int, ...] = ()
        if ctx.cut_b.size and facets:
            hit = tuple(sorted({CUT - int(rr.neuron[k]) for k, _ in facets if rr.neuron[k] <= CUT}))
            facets = [(k, q) for k, q in facets if rr.neuron[k] > CUT]
        new_edges: list[Edge] = []
        if facets:
            ks = np.array([k for k, _ in facets])
            on_facet = rr.group[ks][:, None] == rr.group[None, :]  # (F, rows)
            zero = np.repeat(rr.zero[None, :], ks.size, axis=0)
            rows_f, cols = np.nonzero(on_facet & (rr.neuron >= 0)[None, :])
            zero[rows_f, rr.neuron[cols]] = True
            news = patterns_across(net, rr.pattern, zero, rr.A[ks], tol.gradient)
        for f, (k, q) in enumerate(facets):
            new = ctx.canonical(news[f])
            key = pattern_key(new)
            j = state.known.get(key)
            if j is None and owns is not None and not owns(key):
                j = state.mark_foreign(key)  # its owner computes its rows and interior point
                yield Foreign(key, q, rr.A[k])
            if j is None:
                nr = region_rows(ctx, new, counter)
                ckey = pattern_key(nr.pattern)
                j = state.known.get(ckey)
                if j is None and owns is not None and not owns(ckey):
                    j = state.mark_foreign(ckey)
                    yield Foreign(ckey, q, rr.A[k])
                elif j is None:
                    nb = _across(ctx, nr, q, rr.A[k], counter,
                                 rr.neuron[on_facet[f] & (rr.neuron >= 0)])
                    if chebyshev:
                        nb = _chebyshev_ball(ctx, nr, nb, counter)
                    found = _register(state, nr, nb)
                    if accept is not None and not accept(found.region.point):
                        state.frontier.pop()
                    j = found.index
                    yield found
                state.known[key] = j
            carried = rr.neuron[on_facet[f] & (rr.neuron >= 0)]
            if j < 0:  # owned by another worker, which decides about the edge
                yield Crossing(state.keys[i], state.key_of(j),
                               tuple(int(n) for n in np.sort(carried)), q)
                continue
            # each edge once: from the region found first, or with the smaller key when shared
            if (j > i) if owns is None else (state.keys[j] > state.keys[i]):
                other = np.unpackbits(np.frombuffer(state.keys[j], np.uint8))[: net.n_hidden]
                new_edges.append(Edge(
                    i, j, tuple(int(n) for n in np.sort(carried)),
                    tuple(int(n) for n in np.flatnonzero(rr.pattern != other.astype(bool))), q,
                ))
        yield Expanded(i, tuple(new_edges), hit)


def _chebyshev_ball(
    ctx: Context, rr: RegionRows, fallback: BallResult, counter: SolveCounter
) -> BallResult:
    """The Chebyshev centre and radius of a region (one solve); ``fallback`` if larger."""
    ball = inscribed_ball(rr.A, rr.b, ctx.domain, ctx.tol, counter, what="Chebyshev centre",
                          exact=exact_rows(ctx, rr))
    if not ball.full or ball.radius < fallback.radius:
        return fallback
    return ball


def traverse(
    net: Network,
    domain: Domain,
    *,
    tol: Tolerances = DEFAULT,
    progress: bool | None = None,
    max_regions: int | None = None,
    chebyshev: bool = True,
    reduce: bool = True,
    seed: int = 0,
    workers: int | None = None,
    client: object = None,
    parts: int | None = None,
    time_limit: float | None = None,
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
        Budget: stop once at least this many regions are found (checked after each region's
        expansion). The result then holds the regions found so far, ``stats["complete"]`` is
        False and ``stats["stopped"]`` says why (:mod:`polyreg.budget`).
    time_limit : float, optional
        Budget: stop after this many seconds (checked after each region's expansion).
    chebyshev : bool
        Report each region's Chebyshev centre and radius (one LP/SOCP per region). With
        False, ``point``/``radius`` are a certified interior point and the radius of a ball
        around it inside the region (a lower bound on the Chebyshev radius): faster counting.
    reduce : bool
        For an L2 ball or the whole space, work in the row space of the first layer when its
        rank is below the input dimension (exact; see ``_common.Reduction``).
    seed : int
        Seed for the fallback start points.
    workers, client, parts
        Accepted for the signature only: this engine runs in one process. ``workers > 1``,
        ``parts`` or a dask ``client`` are run by :func:`polyreg.enumerate_regions` (which
        hands them to the ``polyreg.scale`` package); given here they raise ``ValueError``.

    Returns
    -------
    RegionSet
        Regions (pattern, interior point and radius, output map) and facet adjacency.

    Notes
    -----
    Cost per region: ``O(N d)`` numpy work for the local maps and a convex hull in the polar
    (d <= 6, polyhedral domains) or one solve per facet not certified by its foot point; one
    solve when the cheap interior point across a facet fails its certificate; one more with
    ``chebyshev=True``. :func:`walk` is the streaming form.

    Examples
    --------
    >>> import polyreg
    >>> net = polyreg.random_network([2, 6, 1], seed=0)
    >>> len(polyreg.engines.traverse(net, polyreg.Box.cube(2, -10, 10))) <= 22
    True
    """
    t0 = time.perf_counter()
    reduction = reduce_dimension(net, domain.for_inputs(net.n_inputs)) if reduce else None
    if reduction is not None:
        small = traverse(reduction.net, reduction.domain, tol=tol, progress=progress,
                         max_regions=max_regions, chebyshev=chebyshev, seed=seed,
                         workers=workers, client=client, parts=parts, time_limit=time_limit)
        return lift(small, reduction, net, domain, t0)
    budget = Budget.make(max_regions, time_limit)
    if (workers is not None and workers != 1) or client is not None or parts not in (None, 1):
        raise ValueError(
            "the traverse engine runs in one process: for workers, parts or a dask client call "
            "polyreg.enumerate_regions(net, domain, method='traverse', workers=...)")
    ctx = Context.create(net, domain, tol)
    counter = SolveCounter()
    show = Progress(progress)
    state, first = start_state(ctx, counter, seed)  # its point is the Chebyshev centre
    regions: list[Region] = [first.region]
    edges: list[Edge] = []
    stopped = None
    for event in walk(ctx, state, counter, chebyshev=chebyshev):
        if isinstance(event, Found):
            regions.append(event.region)
        else:
            assert isinstance(event, Expanded)  # without owns=, walk yields Found and Expanded
            edges.extend(event.edges)
            show(len(regions), len(state.frontier), counter.total)
            # a budget stops between expansions: the edges of expanded regions are all there
            if budget is not None and state.frontier and (stopped := budget.exceeded(len(regions))):
                break
    show(len(regions), 0, counter.total, final=True)
    seconds = time.perf_counter() - t0
    stats = {
        "engine": "traverse",
        "lps": counter.lp,
        "socps": counter.socp,
        "solves": counter.total,
        "seconds": seconds,
        "stable_neurons": int((~ctx.stab.live).sum()),
        **counter.exact_stats(),
    }
    if budget is not None:
        stats.update(budget.stats(stopped))
    return RegionSet(tuple(regions), tuple(edges), "traverse", ctx.domain, net.widths, stats)


def lift(small: RegionSet, red: Reduction, net: Network, domain: Domain, t0: float) -> RegionSet:
    """Regions found in the reduced coordinates (:func:`~polyreg.engines._common.reduce_dimension`),
    expressed in the original input space; ``t0`` is the run's start (``time.perf_counter()``).

    Examples
    --------
    >>> import polyreg
    >>> from polyreg.engines._common import reduce_dimension
    >>> net = polyreg.random_network([3, 2, 4, 1], seed=0)
    >>> ball = polyreg.Ball([0.0, 0.0, 0.0], 1.0)
    >>> red = reduce_dimension(net, ball)
    >>> small = traverse(red.net, red.domain, reduce=False)
    >>> rs = lift(small, red, net, ball, 0.0)
    >>> rs.patterns == traverse(net, ball).patterns, rs.regions[0].point.shape
    (True, (3,))
    """
    regions = []
    for r in small.regions:
        W, b = red.lift_map(r.out_W, r.out_b)
        regions.append(Region(r.pattern, red.lift_point(r.point), r.radius, W, b))
    edges = tuple(
        Edge(e.u, e.v, e.neurons, e.flipped, red.lift_point(e.point)) for e in small.edges
    )
    stats = dict(small.stats, seconds=time.perf_counter() - t0, reduced_dim=red.U.shape[1])
    return RegionSet(tuple(regions), edges, "traverse", domain.for_inputs(net.n_inputs),
                     net.widths, stats)


#: the engine and its public stepping API (what ``polyreg.scale`` drives in worker processes)
__all__ = [
    "Crossing", "Expanded", "Foreign", "Found", "WalkState", "adopt", "find_facets", "lift",
    "start_state", "traverse", "walk",
]
