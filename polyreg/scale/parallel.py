"""Partitioned enumeration: the domain cut into slabs, one graph search per slab, in parallel.

The domain is cut by ``k - 1`` hyperplanes ``x[axis] = c`` into ``k`` *parts* (slabs, convex:
each part's adjacency graph is connected). Each part runs the ``traverse`` search
(:func:`polyreg.engines.traverse_engine.walk`) with its cuts added to the constraint rows, so it finds
exactly the regions whose interior meets the part's interior. A region crossing a cut is found
by the parts on both sides; ownership makes every region count once.

Ownership rule
--------------
Parts are ordered along the axis. **A region belongs to the lowest part whose interior it
meets.** Each part decides it alone: it owns a region unless the region has a facet on the
part's lower cut (the region then extends into the part below, which finds it too). No key is
exchanged between parts; the driver only checks, cut by cut, that the regions part ``j``
reports on its lower cut are exactly those part ``j - 1`` reports on its upper cut (equal in
exact arithmetic). A mismatch (a cut within the tolerances of a vertex) or a cut found to lie
on a neuron's hyperplane is repaired by merging the two parts and searching the merged part
again. Edges are merged by the pair of patterns.

Partition
---------
One axis, the longest side of the domain's bounding box. Cuts sit at quantiles of an
estimated region density: random segments through the domain count pattern changes
(crossings per unit length ``lam``, smoothed along the axis), a sample weighs ``lam ** p``
(:func:`density_exponent`). Each cut is then shifted by an irrational fraction (a multiple of
the golden ratio) of a thousandth of the extent, and moved when it coincides with a
first-layer neuron's hyperplane. The pool takes parts densest (estimated) first, each to the
next free worker; :func:`parts_per_worker` gives 4 parts per worker up to 2 inputs and fewer
above, where more of the regions cross each cut.

Runners: in-process (``workers=1``), a process pool (``workers=N``) or a ``dask.distributed``
``Client`` (``client=...``); the work is the same function, :func:`run_part`.

Modules: :mod:`~polyreg.scale.partition` (the cuts), :mod:`~polyreg.scale.parts` (one part's
search, in a worker), :mod:`~polyreg.scale.runners` (serial, pool, dask),
:mod:`~polyreg.scale.processes` (worker processes), :mod:`~polyreg.scale.merge`; this module
drives them (:func:`drive`, :func:`traverse_parts`, :func:`count_parts`) and re-exports their
names.
"""

from __future__ import annotations

import time
from typing import Any, Protocol
from collections.abc import Callable


from ..domains import Domain
from ..errors import ToleranceError
from ..network import Network
from ..regions import RegionSet
from ..tolerances import DEFAULT, Tolerances


from .merge import merge_regions
from .partition import (  # noqa: F401  (re-exported: this module's names before the split)
    Part,
    Partition,
    default_parts,
    density_exponent,
    parts_per_worker,
    plan_partition,
)
from .parts import LIVE_EVERY, PartJob, PartResult, run_part  # noqa: F401  (re-exported)
from .processes import _exit_with, default_workers, process_context  # noqa: F401  (re-exported)
from .runners import (  # noqa: F401  (re-exported)
    CONNECT_TIMEOUT,
    DaskRunner,
    PoolRunner,
    Runner,
    SerialRunner,
    make_runner,
)


# ---------------------------------------------------------------------------- driver
class Sink(Protocol):
    """Where accepted part results go (memory, a store)."""

    def add(self, result: PartResult) -> None:
        ...  # pragma: no cover

    def drop(self, part: Part) -> None:
        ...  # pragma: no cover


def drive(
    net: Network,
    domain: Domain,
    partition: Partition,
    runner: Runner,
    *,
    tol: Tolerances = DEFAULT,
    chebyshev: bool = True,
    collect: bool = True,
    seed: int = 0,
    done: dict[Part, PartResult] | None = None,
    sink: Sink | None = None,
    on_partition: Callable[[Partition], None] | None = None,
    progress: Callable[[dict], None] | None = None,
) -> tuple[Partition, dict[Part, PartResult]]:
    """Run every part not in ``done``, check the cuts, merge parts where a cut is bad, repeat.

    Returns the final partition and a result per part (``done`` results count as run; a
    store passes the results it holds to resume). ``sink.add`` sees each result as it
    arrives, ``sink.drop`` each part merged away. Errors other than tolerance errors of a part
    with cuts propagate.
    """
    results: dict[Part, PartResult] = dict(done or {})
    t0 = time.perf_counter()
    next_id = 0
    while True:
        parts = partition.parts()
        # densest first: the estimate flattens density peaks, so a part that looks dense is
        # likely larger than its estimated weight; the small sparse parts fill the tail
        todo = sorted((p for p in parts if p not in results), key=lambda p: (-p.density,
                                                                             -p.weight))
        jobs = [PartJob(net, domain, tol, p, chebyshev, collect, seed, next_id + k)
                for k, p in enumerate(todo)]
        next_id += len(jobs)
        bad: set[float] = set()
        finished: set[int] = set()

        def running(finished: set[int] = finished) -> int:
            """Regions owned so far by the parts under way (workers publish them)."""
            live = runner.live_counts() if hasattr(runner, "live_counts") else {}
            return sum(n for j, n in live.items() if j not in finished)

        if progress is not None and hasattr(runner, "tick"):
            def tick(parts: list[Part] = parts) -> None:
                _report(progress, parts, results, t0, running())

            runner.tick = tick
        for job, out in runner.run(jobs):
            finished.add(job.job_id)
            if isinstance(out, BaseException):
                bad |= _bad_cuts(job.part, out)
                continue
            results[job.part] = out
            if sink is not None:
                sink.add(out)
            if progress is not None:
                _report(progress, parts, results, t0, running())
        for a, b in zip(parts[:-1], parts[1:], strict=True):
            if a in results and b in results and results[a].upper_keys != results[b].lower_keys:
                bad.add(a.hi)  # type: ignore[arg-type]  # a part followed by another has a hi
        if not bad:
            return partition, {p: results[p] for p in parts}
        partition = partition.without(bad)
        keep = set(partition.parts())
        for p in list(results):
            if p not in keep:
                del results[p]
                if sink is not None:
                    sink.drop(p)
        if on_partition is not None:
            on_partition(partition)


def _bad_cuts(part: Part, exc: BaseException) -> set[float]:
    """The cuts to remove after ``part`` failed with ``exc`` (re-raised when none can help)."""
    from ..engines._common import CutCoincides

    own = [c for c in (part.lo, part.hi) if c is not None]
    if isinstance(exc, CutCoincides):
        lower = 0 if part.lo is not None else None  # the row order of Part.cut_rows
        return {part.lo if exc.cut == lower else part.hi}  # type: ignore[arg-type]  # the cut it hit
    if isinstance(exc, ToleranceError) and own:
        return set(own)
    raise exc


def _report(progress: Callable[[dict], None], parts: list[Part],
            results: dict[Part, PartResult], t0: float, running: int = 0) -> None:
    """Report the parts done (and ``running``: regions owned so far by parts under way)."""
    done = [p for p in parts if p in results]
    share = sum(p.weight for p in done) / max(sum(p.weight for p in parts), 1e-300)
    progress({
        "regions": sum(results[p].owned for p in done) + running,
        "parts_done": len(done),
        "parts": len(parts),
        "fraction": share,
        "seconds": time.perf_counter() - t0,
    })


# ---------------------------------------------------------------------------- entry points


def traverse_parts(
    net: Network,
    domain: Domain,
    *,
    workers: int | None = None,
    client: Any = None,
    parts: int | None = None,
    runner: Runner | None = None,
    tol: Tolerances = DEFAULT,
    chebyshev: bool = True,
    seed: int = 0,
    progress: Callable[[dict], None] | None = None,
) -> RegionSet:
    """Every activation region, found part by part on ``workers`` processes or a dask client.

    The same regions (patterns) as :func:`polyreg.engines.traverse`; regions are listed part
    after part along the cut axis. Points: each region's Chebyshev centre (with
    ``chebyshev=True``, recomputed over the whole domain for regions crossing a cut).

    Parameters
    ----------
    net, domain : Network, Domain
    workers : int, optional
        Processes (default: the number of cores; 1 runs in this process).
    client : dask.distributed.Client or str, optional
        Run the parts on this dask cluster instead (a ``tcp://host:port`` address is connected).
    parts : int, optional
        Number of parts (default :func:`parts_per_worker` times ``workers``; 1 for one
        worker).
    runner : Runner, optional
        An existing runner to reuse (not closed here); overrides ``workers`` and ``client``.
    tol, chebyshev, seed
        As for :func:`polyreg.engines.traverse`.
    progress : callable, optional
        Called with a dict (``regions``, ``parts_done``, ``parts``, ``fraction``, ``seconds``)
        after each part.

    Returns
    -------
    RegionSet
        ``stats`` adds ``workers``, ``parts`` and ``found`` (regions found counting every part
        that found them: the cost of the cuts).

    Examples
    --------
    >>> import polyreg
    >>> net = polyreg.random_network([2, 8, 1], seed=0)
    >>> box = polyreg.Box.cube(2)
    >>> a = traverse_parts(net, box, workers=1, parts=3)
    >>> a.patterns == polyreg.enumerate_regions(net, box).patterns
    True
    """
    from ..engines._common import Context

    t0 = time.perf_counter()
    domain = domain.for_inputs(net.n_inputs)
    runner, partition, results = _run_partitioned(
        net, domain, workers, client, parts, runner, tol=tol, chebyshev=chebyshev, collect=True,
        seed=seed, progress=progress)
    parts_ = partition.parts()
    regions, edges = merge_regions([results[p].regions for p in parts_],
                                   [results[p].edges for p in parts_])
    stats = _stats(results, runner, partition, t0)
    stats["stable_neurons"] = int((~Context.create(net, domain, tol).stab.live).sum())
    return RegionSet(regions, edges, "traverse", domain, net.widths, stats)


def _run_partitioned(
    net: Network, domain: Domain, workers: int | None, client: Any, parts: int | None,
    runner: Runner | None, **options: Any,
) -> tuple[Runner, Partition, dict[Part, PartResult]]:
    """Plan the slabs and :func:`drive` them on ``runner`` (made from ``workers``/``client``
    and closed here when not given); ``options`` go to :func:`drive`."""
    own = runner is None
    runner = make_runner(workers, client) if runner is None else runner
    try:
        partition = plan_partition(net, domain, default_parts(parts, runner.workers, net.n_inputs),
                                   seed=options.get("seed", 0))
        partition, results = drive(net, domain, partition, runner, **options)
    finally:
        if own:
            runner.close()
    return runner, partition, results


def _stats(results: dict[Part, PartResult], runner: Runner, partition: Partition,
           t0: float) -> dict:
    lps = sum(r.stats.get("lps", 0) for r in results.values())
    socps = sum(r.stats.get("socps", 0) for r in results.values())
    return {
        "engine": "traverse",
        "lps": lps,
        "socps": socps,
        "solves": lps + socps,
        "seconds": time.perf_counter() - t0,
        "workers": runner.workers,
        "parts": len(partition.parts()),
        "found": sum(r.found for r in results.values()),
    }


def count_parts(
    net: Network,
    domain: Domain,
    *,
    workers: int | None = None,
    client: Any = None,
    parts: int | None = None,
    runner: Runner | None = None,
    tol: Tolerances = DEFAULT,
    seed: int = 0,
    progress: Callable[[dict], None] | None = None,
) -> dict:
    """Count regions and edges part by part, keeping no region (count-only).

    Memory per worker: the visited patterns and the frontier of its part; in the driver, the
    patterns on the cuts only.

    Returns
    -------
    dict
        ``regions``, ``edges`` and the statistics of :func:`traverse_parts`.

    Examples
    --------
    >>> import polyreg
    >>> net = polyreg.random_network([2, 8, 1], seed=0)
    >>> c = count_parts(net, polyreg.Box.cube(2), workers=1, parts=3)
    >>> rs = polyreg.enumerate_regions(net, polyreg.Box.cube(2))
    >>> (c["regions"], c["edges"]) == (len(rs), len(rs.edges))
    True
    """
    t0 = time.perf_counter()
    domain = domain.for_inputs(net.n_inputs)
    runner, partition, results = _run_partitioned(
        net, domain, workers, client, parts, runner, tol=tol, chebyshev=False, collect=False,
        seed=seed, progress=progress)
    cut_edges: set = set()
    for r in results.values():
        cut_edges |= r.cut_edges
    out = {
        "regions": sum(r.owned for r in results.values()),
        "edges": sum(r.local_edges for r in results.values()) + len(cut_edges),
    }
    out.update(_stats(results, runner, partition, t0))
    return out
