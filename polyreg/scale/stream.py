"""Streaming enumeration: regions as they are found, and counts that keep no region.

:func:`iter_regions` yields each activation region the moment the ``traverse`` search finds it
(:func:`polyreg.engines.traverse_engine.walk`); nothing is kept but the visited patterns and the
frontier. :func:`count_streaming` counts regions and edges the same way, in one process or part
by part in several (:mod:`polyreg.scale.parallel`).
"""

from __future__ import annotations

import time
from typing import Any
from collections.abc import Iterator

from ..domains import Domain
from ..errors import InvalidDomain, InvalidNetwork
from ..network import Network
from ..regions import Region
from ..tolerances import DEFAULT, Tolerances


def _check(net: Network, domain: Domain) -> Domain:
    if not isinstance(net, Network):
        raise InvalidNetwork(f"net must be a polyreg.Network, got {type(net).__name__}")
    if not isinstance(domain, Domain):
        raise InvalidDomain(f"domain must be a polyreg domain, got {type(domain).__name__}")
    return domain.for_inputs(net.n_inputs)


def working_space(net: Network, domain: Domain, reduce: bool = True) -> tuple[Network, Domain, Any]:
    """The network and domain the search runs on, and the ``Reduction`` back to the inputs
    (None when the search runs on the inputs themselves; see ``engines._common.Reduction``)."""
    from ..engines._common import reduce_dimension

    red = reduce_dimension(net, domain) if reduce else None
    if red is None:
        return net, domain, None
    return red.net, red.domain, red


class RegionStream:
    """The iterator :func:`iter_regions` returns: regions as found, then (once exhausted)
    whether the run was complete.

    Attributes
    ----------
    complete : bool or None
        None while regions remain to be read; then True, or False when a budget
        (``max_regions``, ``time_limit``) stopped the search: the regions read are a certified
        lower bound on the count, not the count.
    stopped : str or None
        ``"max_regions"`` or ``"time_limit"`` when a budget stopped the search.
    """

    def __init__(self, regions: Iterator[Region], status: dict) -> None:
        self._regions = regions
        self._status = status

    def __iter__(self) -> RegionStream:
        return self

    def __next__(self) -> Region:
        return next(self._regions)

    def close(self) -> None:
        """Stop the search (the generator's ``close``)."""
        close = getattr(self._regions, "close", None)
        if close is not None:
            close()

    @property
    def complete(self) -> bool | None:
        return self._status.get("complete")

    @property
    def stopped(self) -> str | None:
        return self._status.get("stopped")


def iter_regions(
    net: Network,
    domain: Domain,
    *,
    tol: Tolerances = DEFAULT,
    chebyshev: bool = True,
    reduce: bool = True,
    seed: int = 0,
    progress: bool | None = False,
    method: str = "traverse",
    max_regions: int | None = None,
    time_limit: float | None = None,
) -> RegionStream:
    """Yield every activation region of ``net`` whose interior meets ``domain``'s, as found.

    The regions of :func:`polyreg.enumerate_regions` (``method="traverse"``), in the same
    order, without holding them: memory stays bounded by the visited patterns and the search
    frontier.

    Parameters
    ----------
    net : Network
    domain : Domain
        ``Box``, ``Ball`` (norm 1, 2 or inf), ``Polytope`` or ``Whole``.
    tol : Tolerances
    chebyshev : bool
        Each region's point is its Chebyshev centre (one LP more per region); with False a
        certified interior point.
    reduce : bool
        Work in the first layer's row space where that is exact (L2 ball, whole space).
    seed : int
        Seed of the fallback start points.
    progress : bool, optional
        Progress on stderr (None: when stderr is a terminal).
    method : {"traverse", "split"}
        ``traverse``: graph search, memory ~ visited keys + frontier. ``split``: the layer-wise
        subdivision run depth first (:func:`polyreg.engines.split_engine.iter_split`), memory ~ keys +
        the cells on the current path; ``seed`` and ``reduce`` do not apply.
    max_regions, time_limit : optional
        Budget (:mod:`polyreg.budget`): stop once at least ``max_regions`` regions have been
        yielded or ``time_limit`` seconds have passed (traverse: checked after each region's
        expansion; split: after each region). The iterator's ``complete`` is then False.

    Returns
    -------
    RegionStream
        An iterator of :class:`Region`; its ``complete`` and ``stopped`` attributes tell,
        once it is exhausted, whether a budget cut the search short.

    Examples
    --------
    >>> import polyreg
    >>> net = polyreg.random_network([2, 6, 1], seed=0)
    >>> first = next(polyreg.iter_regions(net, polyreg.Box.cube(2)))
    >>> first.pattern.shape
    (6,)
    >>> sum(1 for _ in polyreg.iter_regions(net, polyreg.Box.cube(2))) == len(
    ...     polyreg.enumerate_regions(net, polyreg.Box.cube(2)))
    True
    >>> it = polyreg.iter_regions(net, polyreg.Box.cube(2), max_regions=2)
    >>> len(list(it)) >= 2, it.complete, it.stopped
    (True, False, 'max_regions')
    """
    from ..budget import Budget

    domain = _check(net, domain)
    if method not in ("traverse", "split"):
        raise ValueError(f"iter_regions streams method 'traverse' or 'split', not {method!r}")
    budget = Budget.make(max_regions, time_limit)
    status: dict = {}
    return RegionStream(_iter_regions(net, domain, tol, chebyshev, reduce, seed, progress, method,
                                      budget, status), status)


def _iter_regions(net: Network, domain: Domain, tol: Tolerances, chebyshev: bool, reduce: bool,
                  seed: int, progress: bool | None, method: str, budget: Any,
                  status: dict) -> Iterator[Region]:
    from ..engines._common import Context, ScaleProgress
    from ..engines.traverse_engine import Found, start_state, walk
    from ..solvers import SolveCounter

    show = ScaleProgress(progress)
    n = 0
    stopped = None
    if method == "split":
        from ..engines.split_engine import iter_split

        try:
            for region in iter_split(net, domain, tol=tol, chebyshev=chebyshev):
                n += 1
                yield region
                show.update(n)
                if budget is not None and (stopped := budget.exceeded(n)):
                    break
            status.update(budget.stats(stopped) if budget is not None else {"complete": True})
        finally:
            show.close(n)
        return
    wnet, wdomain, red = working_space(net, domain, reduce)
    ctx = Context.create(wnet, wdomain, tol)
    counter = SolveCounter()
    state, first = start_state(ctx, counter, seed)

    def lift(r: Region) -> Region:
        if red is None:
            return r
        W, b = red.lift_map(r.out_W, r.out_b)
        return Region(r.pattern, red.lift_point(r.point), r.radius, W, b)

    try:
        n += 1
        yield lift(first.region)
        for event in walk(ctx, state, counter, chebyshev=chebyshev):
            if isinstance(event, Found):
                n += 1
                yield lift(event.region)
            else:
                show.update(n, frontier=len(state.frontier), solves=counter.total)
                if budget is not None and state.frontier and (stopped := budget.exceeded(n)):
                    break
        status.update(budget.stats(stopped) if budget is not None else {"complete": True})
    finally:
        show.close(n)


def count_streaming(
    net: Network,
    domain: Domain,
    *,
    tol: Tolerances = DEFAULT,
    workers: int | None = 1,
    client: Any = None,
    parts: int | None = None,
    reduce: bool = True,
    seed: int = 0,
    progress: bool | None = False,
    max_regions: int | None = None,
    time_limit: float | None = None,
) -> dict:
    """Count activation regions and adjacency edges without keeping any region.

    One process (``workers=1``, the default) walks the region graph keeping only the visited
    patterns and the frontier; ``workers > 1`` processes share that walk, each owning the
    regions its hash picks (:func:`polyreg.scale.frontier.count_shared`); with ``parts`` or a dask
    ``client`` the domain is cut into slabs instead (:func:`polyreg.scale.parallel.count_parts`).

    Parameters
    ----------
    net, domain, tol, reduce, seed
        As for :func:`iter_regions`.
    workers : int, optional
        Processes; None: the number of cores.
    client : dask.distributed.Client or str, optional
    parts : int, optional
        Number of parts (default: :func:`polyreg.scale.parallel.parts_per_worker` per worker).
    progress : bool, optional
    max_regions, time_limit : optional
        Budget (:mod:`polyreg.budget`, one process only): stop after the expansion during
        which the limit is reached; the result then has ``complete`` False, ``stopped``, and
        ``regions`` is a certified lower bound (``edges``: the edges of the expanded regions).

    Returns
    -------
    dict
        The keys of :meth:`polyreg.RegionSet.summary` (``regions``, ``edges``, ``method``,
        ``domain``, ``widths``, ``engine``, ``lps``, ``socps``, ``solves``, ``seconds``,
        ``stable_neurons``) plus ``workers``, ``parts`` (and ``complete`` with a budget).

    Examples
    --------
    >>> import polyreg
    >>> net = polyreg.random_network([2, 6, 1], seed=0)
    >>> s = count_streaming(net, polyreg.Box.cube(2))
    >>> rs = polyreg.enumerate_regions(net, polyreg.Box.cube(2))
    >>> (s["regions"], s["edges"]) == (len(rs), len(rs.edges))
    True
    """
    from ..engines._common import Context, ScaleProgress
    from ..engines.traverse_engine import Expanded, Found, start_state, walk
    from ..solvers import SolveCounter
    from ..budget import Budget, check_engine
    from .parallel import count_parts
    from .processes import default_workers

    t0 = time.perf_counter()
    budget = Budget.make(max_regions, time_limit)
    if budget is not None:
        check_engine("traverse", parallel=workers != 1 or client is not None
                     or parts not in (None, 1))
    domain = _check(net, domain)
    wnet, wdomain, _ = working_space(net, domain, reduce)
    ctx = Context.create(wnet, wdomain, tol)
    show = ScaleProgress(progress)
    base = {"method": "traverse", "domain": domain.describe(), "widths": list(net.widths)}
    stable = int((~ctx.stab.live).sum())
    if client is None and parts in (None, 1) and (workers or default_workers()) > 1:
        from .frontier import count_shared

        try:
            c = count_shared(wnet, wdomain, workers or default_workers(), tol=tol, seed=seed,
                             progress=lambda n: show.update(n))
        finally:
            show.close()
        return {"regions": c.pop("regions"), "edges": c.pop("edges"), **base, **c,
                "stable_neurons": stable, "seconds": time.perf_counter() - t0}
    if (workers is not None and workers != 1) or client is not None or parts not in (None, 1):
        def report(info: dict) -> None:
            show.update(info["regions"], fraction=info["fraction"],
                        parts=(info["parts_done"], info["parts"]))

        try:
            c = count_parts(wnet, wdomain, workers=workers, client=client, parts=parts, tol=tol,
                            seed=seed, progress=report)
        finally:
            show.close()
        return {"regions": c.pop("regions"), "edges": c.pop("edges"), **base, **c,
                "stable_neurons": stable, "seconds": time.perf_counter() - t0}
    counter = SolveCounter()
    state, _ = start_state(ctx, counter, seed)
    regions, edges = 1, 0
    stopped = None
    try:
        for event in walk(ctx, state, counter, chebyshev=False):
            if isinstance(event, Found):
                regions += 1
            else:
                assert isinstance(event, Expanded)  # without owns=, walk yields Found and Expanded
                edges += len(event.edges)
                show.update(regions, frontier=len(state.frontier), solves=counter.total)
                if budget is not None and state.frontier and (stopped := budget.exceeded(regions)):
                    break
    finally:
        show.close(regions)
    return {
        "regions": regions, "edges": edges, **base, "engine": "traverse", "lps": counter.lp,
        "socps": counter.socp, "solves": counter.total, "seconds": time.perf_counter() - t0,
        "stable_neurons": stable, "workers": 1, "parts": 1,
        **(budget.stats(stopped) if budget is not None else {}),
    }
