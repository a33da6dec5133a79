"""Shared-frontier search on one machine: ``N`` processes walk one region graph together.

Every region is *owned* by one worker, chosen by a hash of its pattern (:func:`owner_of`).
Each worker runs the ordinary ``traverse`` search (:func:`polyreg.engines.traverse_engine.walk` with
``owns=``) and expands only the regions it owns. Stepping across a facet into a region owned by
another worker, it computes nothing more about it: it sends the owner the pattern, the facet
point and the crossing direction (``("r", key, point, direction)``) and the crossing itself
(``("e", source, target, neurons, point)``), in batches. The owner computes the region's rows
and certified interior point once (:func:`polyreg.engines.traverse_engine.adopt`, a no-op for a region
it knows) and decides each crossing with the rule :func:`walk` applies to its own: an edge is
reported from the endpoint with the smaller canonical key. So each region's rows, interior
point and facets are computed once, by its owner, and the hash spreads the work evenly
whatever the shape of the region density: unlike domain slabs (:mod:`polyreg.scale.parallel`)
nothing is searched twice.

The hash is taken of the pattern as spelled across the facet. It differs from the canonical
pattern only where a neuron is identically zero on the region, which only the owner's rows
reveal; the owner then forwards both messages to the canonical key's owner. Messages from one
worker to another arrive in order, so a crossing always reaches an owner after its region.

Termination
-----------
Shared counters under one lock: ``busy[k]`` (worker ``k`` has work) and ``outstanding``
(batches sent and not yet taken). A sender counts a batch before putting it on the queue, a
receiver marks itself busy and takes the batch off the count in one locked step, and a worker
marks itself idle only with an empty frontier and nothing left to send. So the work left is
always held by a busy worker or an outstanding batch, and the driver stops the workers when,
in one locked read, no worker is busy and no batch is outstanding.

This is the local (``workers=N`` processes) runner of :func:`polyreg.engines.traverse` and
:func:`polyreg.scale.stream.count_streaming`; resumable stores and ``dask.distributed`` use slabs,
whose parts are units of work that can be retried or resumed on their own.
"""

from __future__ import annotations

import os
import queue
import time
import traceback
import zlib
from dataclasses import dataclass
from typing import Any
from collections.abc import Callable

from ..domains import Domain
from ..errors import PolyregError
from ..network import Network
from ..regions import Region, RegionSet
from ..tolerances import DEFAULT, Tolerances

#: regions per message between workers
BATCH = 64
#: a worker reads its inbox after this many expanded regions
POLL_EVERY = 32
#: seconds a worker (or the driver) waits per poll when idle
IDLE_WAIT = 0.005


def owner_of(key: bytes, workers: int) -> int:
    """The worker (``0 .. workers - 1``) that owns the region with pattern key ``key``.

    Examples
    --------
    >>> owner_of(b"\\x01\\x02", 4) == owner_of(b"\\x01\\x02", 4) < 4
    True
    """
    return zlib.crc32(key) % workers


@dataclass(frozen=True)
class Job:
    """What one worker needs (picklable)."""

    net: Network
    domain: Domain
    tol: Tolerances
    workers: int
    index: int
    chebyshev: bool = False
    collect: bool = False
    seed: int = 0


class _Shared:
    """The counters of the termination rule: ``busy[k]`` and ``outstanding``, one lock."""

    def __init__(self, ctx: Any, workers: int) -> None:
        self.workers = workers
        # busy flags, outstanding batches, then regions owned per worker (progress)
        self.table = ctx.Array("q", 2 * workers + 1)
        for k in range(workers):
            self.table[k] = 1

    def sent(self, batches: int) -> None:
        with self.table.get_lock():
            self.table[self.workers] += batches

    def taken(self, k: int, regions: int) -> None:
        with self.table.get_lock():
            self.table[k] = 1
            self.table[self.workers] -= 1
            self.table[self.workers + 1 + k] = regions

    def idle(self, k: int, regions: int) -> None:
        with self.table.get_lock():
            self.table[k] = 0
            self.table[self.workers + 1 + k] = regions

    def finished(self) -> bool:
        with self.table.get_lock():
            return self.table[self.workers] == 0 and not any(self.table[: self.workers])

    def regions(self) -> int:
        return int(sum(self.table[self.workers + 1:]))


def _work(job: Job, inboxes: list, results: Any, shared: _Shared, stop: Any,
          main_pid: int) -> None:
    """One worker: walk the regions it owns, exchange the others, report at the end."""
    from .processes import exit_with

    exit_with(main_pid)
    try:
        results.put(("done", job.index, _search(job, inboxes, shared, stop)))
    except BaseException as exc:
        try:
            results.put(("error", job.index, exc, traceback.format_exc()))
        except Exception:  # pragma: no cover - an exception that does not pickle
            results.put(("error", job.index, PolyregError(repr(exc)), traceback.format_exc()))


def _search(job: Job, inboxes: list, shared: _Shared, stop: Any) -> dict:
    import numpy as np

    from ..engines._common import Context
    from ..engines.traverse_engine import (
        Crossing,
        Expanded,
        Found,
        Foreign,
        WalkState,
        adopt,
        start_state,
        walk,
    )
    from ..solvers import SolveCounter

    t0, c0 = time.perf_counter(), time.process_time()
    me, K = job.index, job.workers
    n_hidden = job.net.n_hidden
    ctx = Context.create(job.net, job.domain, job.tol)
    counter = SolveCounter()

    def owns(key: bytes) -> bool:
        return owner_of(key, K) == me

    state, first = start_state(ctx, counter, job.seed)  # the same start region everywhere
    owned, edges, messages = 0, 0, 0
    regions: list[Region] = []
    edge_list: list[tuple] = []
    if owns(state.keys[0]):
        owned = 1
        if job.collect:
            regions.append(first.region)
    else:
        start_key = state.keys[0]
        state = WalkState()
        state.mark_foreign(start_key)
    out: list[list] = [[] for _ in range(K)]
    inbox = inboxes[me]

    def send(key: bytes, item: tuple) -> None:
        k = owner_of(key, K)
        out[k].append(item)
        if len(out[k]) >= BATCH:
            flush(k)

    def flush(k: int) -> None:
        nonlocal messages
        if out[k]:
            shared.sent(1)
            inboxes[k].put(out[k])
            out[k] = []
            messages += 1

    def edge(source: bytes, target: bytes, neurons: tuple, point: np.ndarray) -> None:
        """The crossing ``source -> target`` (``target`` canonical and owned here)."""
        nonlocal edges
        if source < target:  # reported from the smaller key, as walk does for its own
            edges += 1
            if job.collect:
                a = np.unpackbits(np.frombuffer(source, np.uint8))[:n_hidden]
                b = np.unpackbits(np.frombuffer(target, np.uint8))[:n_hidden]
                edge_list.append((source, target, neurons,
                                  tuple(int(n) for n in np.flatnonzero(a != b)), point))

    def take(batch: list) -> None:
        nonlocal owned
        for item in batch:
            if item[0] == "r":  # a region met by another worker: ("r", key, point, direction)
                j, found = adopt(ctx, state, item[1], item[2], item[3], counter, owns=owns,
                                 chebyshev=job.chebyshev)
                if found is not None:
                    owned += 1
                    if job.collect:
                        regions.append(found.region)
                elif j < 0 and state.key_of(j) != item[1]:  # spelled here, owned elsewhere
                    send(state.key_of(j), ("r", state.key_of(j), item[2], item[3]))
            else:  # a facet towards a region known here: ("e", source, target, neurons, q)
                j = state.known[item[2]]
                if j >= 0:
                    edge(item[1], state.keys[j], item[3], item[4])
                else:
                    send(state.key_of(j), ("e", item[1], state.key_of(j), item[3], item[4]))

    def drain() -> None:
        while True:
            try:
                batch = inbox.get_nowait()
            except queue.Empty:
                return
            shared.taken(me, owned)
            take(batch)

    while True:
        expanded = 0
        for ev in walk(ctx, state, counter, chebyshev=job.chebyshev, owns=owns):
            if isinstance(ev, Crossing):
                send(ev.target, ("e", ev.source, ev.target, ev.neurons, ev.point))
            elif isinstance(ev, Foreign):
                send(ev.key, ("r", ev.key, ev.point, ev.direction))
            elif isinstance(ev, Found):
                owned += 1
                if job.collect:
                    regions.append(ev.region)
            elif isinstance(ev, Expanded):
                edges += len(ev.edges)
                if job.collect:
                    edge_list.extend((state.keys[e.u], state.keys[e.v], e.neurons,
                                      e.flipped, e.point) for e in ev.edges)
                expanded += 1
                if expanded % POLL_EVERY == 0:
                    drain()
                    for k in range(K):  # a neighbour waiting on a part-filled batch
                        if len(out[k]) >= BATCH // 4:
                            flush(k)
        for k in range(K):
            flush(k)
        drain()
        if state.frontier or any(out):
            continue
        shared.idle(me, owned)
        while True:  # idle: wait for a batch or the end
            try:
                batch = inbox.get(timeout=IDLE_WAIT)
            except queue.Empty:
                if stop.is_set():
                    return {"owned": owned, "edges": edges, "regions": regions,
                            "edge_list": edge_list, "lps": counter.lp, "socps": counter.socp,
                            "messages": messages, "seconds": time.perf_counter() - t0,
                            "cpu": time.process_time() - c0}
                continue
            shared.taken(me, owned)
            take(batch)
            break


def run_shared(
    net: Network,
    domain: Domain,
    workers: int,
    *,
    tol: Tolerances = DEFAULT,
    chebyshev: bool = False,
    collect: bool = False,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> list[dict]:
    """Run the shared-frontier search on ``workers`` processes; one result dict per worker
    (``owned``, ``edges``, ``regions``, ``edge_list``, ``lps``, ``socps``, ``messages``,
    ``seconds``, ``cpu``). ``progress(regions)`` is called about twice a second."""
    from .processes import process_context

    if workers < 2:
        raise ValueError(f"the shared frontier needs at least 2 workers, got {workers}")
    ctx = process_context(["polyreg.scale.frontier", "polyreg.engines.traverse_engine"])
    shared = _Shared(ctx, workers)
    inboxes = [ctx.Queue() for _ in range(workers)]
    results = ctx.Queue()
    stop = ctx.Event()
    procs = [ctx.Process(target=_work, name=f"polyreg-frontier-{k}", daemon=True,
                         args=(Job(net, domain, tol, workers, k, chebyshev, collect, seed),
                               inboxes, results, shared, stop, os.getpid()))
             for k in range(workers)]
    for p in procs:
        p.start()
    out: dict[int, dict] = {}
    last = time.monotonic()
    try:
        while len(out) < workers:
            try:
                msg = results.get(timeout=IDLE_WAIT if not stop.is_set() else 0.5)
            except queue.Empty:
                msg = None
            if msg is not None:
                if msg[0] == "error":
                    raise msg[2]
                out[msg[1]] = msg[2]
                continue
            if not stop.is_set() and shared.finished():
                stop.set()
            dead = [p for p in procs if p.exitcode not in (None, 0)]
            if dead:
                raise PolyregError(f"worker process {dead[0].name} ended with exit code "
                                   f"{dead[0].exitcode} before reporting (killed, out of memory, or the main "
                                   "module starts processes without `if __name__ == '__main__':`)")
            if progress is not None and time.monotonic() - last > 0.5:
                last = time.monotonic()
                progress(shared.regions())
    finally:
        stop.set()
        if len(out) < workers:
            for p in procs:
                p.terminate()
        for p in procs:
            p.join(timeout=5)
        for q in [*inboxes, results]:
            q.cancel_join_thread()
            q.close()
    return [out[k] for k in range(workers)]


def _totals(parts: list[dict], workers: int, t0: float) -> dict:
    lps = sum(p["lps"] for p in parts)
    socps = sum(p["socps"] for p in parts)
    return {"engine": "traverse", "lps": lps, "socps": socps, "solves": lps + socps,
            "seconds": time.perf_counter() - t0, "workers": workers, "parts": 1,
            "found": sum(p["owned"] for p in parts),
            "messages": sum(p["messages"] for p in parts),
            "cpu": [p["cpu"] for p in parts]}


def count_shared(
    net: Network,
    domain: Domain,
    workers: int,
    *,
    tol: Tolerances = DEFAULT,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Count regions and edges on ``workers`` processes sharing one frontier (count-only).

    Returns
    -------
    dict
        ``regions``, ``edges``, ``engine``, ``lps``, ``socps``, ``solves``, ``seconds``,
        ``workers``, ``parts`` (1: no domain cut), ``found`` (= ``regions``: nothing is
        searched twice), ``messages`` (batches exchanged), ``cpu`` (seconds per worker).

    Examples
    --------
    >>> import polyreg
    >>> net = polyreg.random_network([2, 8, 1], seed=0)
    >>> c = count_shared(net, polyreg.Box.cube(2), workers=2)
    >>> rs = polyreg.enumerate_regions(net, polyreg.Box.cube(2), method="traverse")
    >>> (c["regions"], c["edges"]) == (len(rs), len(rs.edges))
    True
    """
    t0 = time.perf_counter()
    domain = domain.for_inputs(net.n_inputs)
    parts = run_shared(net, domain, workers, tol=tol, seed=seed, progress=progress)
    out = {"regions": sum(p["owned"] for p in parts), "edges": sum(p["edges"] for p in parts)}
    out.update(_totals(parts, workers, t0))
    return out


def traverse_shared(
    net: Network,
    domain: Domain,
    workers: int,
    *,
    tol: Tolerances = DEFAULT,
    chebyshev: bool = True,
    seed: int = 0,
) -> RegionSet:
    """Every activation region, found by ``workers`` processes sharing one frontier.

    The regions of :func:`polyreg.engines.traverse`, listed in the order of their pattern keys
    (the order found depends on the timing of the workers); edges between them.

    Examples
    --------
    >>> import polyreg
    >>> net = polyreg.random_network([2, 8, 1], seed=0)
    >>> box = polyreg.Box.cube(2)
    >>> rs = traverse_shared(net, box, workers=2)
    >>> rs.patterns == polyreg.enumerate_regions(net, box, method="traverse").patterns
    True
    """
    from ..engines._common import Context

    t0 = time.perf_counter()
    domain = domain.for_inputs(net.n_inputs)
    parts = run_shared(net, domain, workers, tol=tol, chebyshev=chebyshev, collect=True,
                       seed=seed)
    from .merge import merge_regions

    found = sorted((r for p in parts for r in p["regions"]), key=lambda r: r.key)
    regions, edges = merge_regions([found], [p["edge_list"] for p in parts])
    if len(regions) != len(found):
        raise PolyregError("two workers reported the same region (ownership violated)")
    stats = _totals(parts, workers, t0)
    stats["stable_neurons"] = int((~Context.create(net, domain, tol).stab.live).sum())
    return RegionSet(regions, edges, "traverse", domain, net.widths, stats)
