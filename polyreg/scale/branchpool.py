"""Parallel driver of the ``branch`` engine: independent subtrees of its search in processes.

The search of :class:`polyreg.engines.branch_engine.BranchSearch` is a tree whose subtrees share
nothing: a piece holds its rows, its ball, its bits and the neurons left to decide. So the
driver searches in this process, depth first, for :data:`SERIAL_SECONDS` (a small search ends
there, with no process started), then cuts the pieces closest to the root until there are
:data:`PIECES_PER_WORKER` per worker (the regions met on the way are kept) and hands them to
a process pool (``fork`` where available: the workers start in milliseconds; each keeps one
search and its HiGHS model across its tasks), largest first, two waiting per worker. A task
returns its regions and the pieces it has not finished (its stack), which go back to the front
of the queue as two tasks (the bottom piece, the largest, then the rest in the order it had),
after a time slice (:data:`SLICE_SECONDS`) or as soon as a worker idles: once the queue is
empty and fewer tasks are out than workers, the driver raises a flag shared with the workers
(a byte of shared memory, read after every step) and every running task returns what it
holds, so a large subtree is cut again and shared the moment another worker has nothing to
do. Pieces are disjoint and every region lies below exactly one of them, so the
union is the enumeration, with no de-duplication.
"""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

import numpy as np

from ..engines._common import Context, Progress
from ..engines.branch_engine import BranchCounts, BranchSearch, Piece
from ..errors import ToleranceError
from ..solvers import SolveCounter
from ..regions import Region

#: pieces handed out per worker (more balances the load better; each costs a task round trip)
PIECES_PER_WORKER = 8
#: seconds of search in this process before any worker starts (small searches end here, with
#: no pool to start: ~10 ms)
SERIAL_SECONDS = 0.01
#: seconds a worker searches below its pieces before it returns what is left (progress and
#: ``max_regions`` are checked between tasks; an idle worker gets a share sooner, by the flag)
SLICE_SECONDS = 0.1

#: this worker process's context ("ctx", from the pool's initialiser) and its search, reused across
#: its tasks (its HiGHS model stays warm)
_WORKER: dict = {}


def _pack(regions: list[Region]) -> tuple[np.ndarray, ...]:
    """Regions as a few stacked arrays (one pickle of five arrays instead of five per region:
    a worker's results cross the process boundary about ten times faster)."""
    if not regions:
        return (np.zeros(0),) * 5
    return (np.array([r.pattern for r in regions], dtype=bool),
            np.array([r.point for r in regions]), np.array([r.radius for r in regions]),
            np.array([r.out_W for r in regions]), np.array([r.out_b for r in regions]))


def _unpack(packed: tuple[np.ndarray, ...]) -> list[Region]:
    """The regions of :func:`_pack`."""
    patterns, points, radii, out_W, out_b = packed
    return [Region(patterns[i], points[i], float(radii[i]), out_W[i], out_b[i])
            for i in range(len(radii))]


#: row label classes of the worker processes: a worker labels rows in the residue class of its
#: process id modulo this (above the largest process id on Linux, 2**22), so labels of two live
#: processes never meet
LABEL_STRIDE = 1 << 22


def _start_worker(main_pid: int, ctx: Context, share: Any) -> None:
    """Worker initialiser: the enumeration's context, given once per worker (inherited, not
    pickled, under ``fork``; a domain's rows in hundreds of inputs are megabytes), the shared
    flag ``share`` (nonzero: return what you hold) and
    :func:`~polyreg.scale.processes.exit_with`."""
    from .processes import exit_with

    _WORKER.clear()
    _WORKER["ctx"] = ctx
    _WORKER["share"] = share
    exit_with(main_pid)


def _run_pieces(token: int, top: int, pieces: list[Piece], budget: float
                ) -> tuple[tuple[np.ndarray, ...], list[Piece], SolveCounter, BranchCounts]:
    """Worker task: the regions below ``pieces`` (a stack, bottom first: the last is searched
    first) found within ``budget`` seconds or until the driver's shared flag is raised (a
    worker idles), packed (:func:`_pack`), and the pieces left (the search's stack, bottom
    first: the largest), for the driver to hand out again.
    ``token`` names the enumeration, ``top`` is the largest row label the driver gave out.

    The worker's search and its LP model live on across its tasks. Row labels are unique
    across the processes (the driver's are at most ``top``; each worker draws its own above
    ``top`` from the residue class of its process id, :data:`LABEL_STRIDE`), so the model keeps
    the rows a new piece shares with the last one, whoever split it (its basis stays warm: a
    cold start costs hundreds of simplex iterations in hundreds of inputs)."""
    import time

    search = _WORKER.get(token)
    if search is None:
        search = _WORKER[token] = BranchSearch(_WORKER["ctx"])
        search.label_slot, search.label_stride = os.getpid() % LABEL_STRIDE, LABEL_STRIDE
        search._row_counter = search.label_slot
    search.counter, search.counts = SolveCounter(), BranchCounts()
    if search.lp is not None:
        search.lp.counter = search.counter
    search._fresh_ids(pieces, top)
    regions = []
    stack = list(pieces)
    share = _WORKER["share"]
    t_end = time.perf_counter() + budget
    while stack:  # one step at least: every task makes progress
        region = search.step(stack.pop(), stack)
        if region is not None:
            regions.append(region)
        if share[0] or time.perf_counter() >= t_end:
            break
    return _pack(regions), stack, search.counter, search.counts


def _pool(workers: int, ctx: Context) -> tuple[ProcessPoolExecutor, Any]:
    """The pool and the flag its workers share with the driver (one byte, no lock: one
    writer): an anonymous shared mapping under ``fork`` (microseconds; multiprocessing's shared
    ctypes cost ~7 ms on their first use in a process, a tenth of a small count), else a
    shared ctypes array."""
    import multiprocessing as mp

    from .processes import process_context

    share: Any
    if "fork" in mp.get_all_start_methods():
        import mmap

        mpctx = mp.get_context("fork")
        share = mmap.mmap(-1, 1)  # MAP_SHARED | MAP_ANONYMOUS: inherited by the workers
    else:  # pragma: no cover - platforms without fork
        import ctypes

        mpctx = process_context(["polyreg.engines.branch_engine"])
        share = mpctx.RawArray(ctypes.c_byte, 1)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=mpctx,
                               initializer=_start_worker, initargs=(os.getpid(), ctx, share))
    return pool, share


def branch_parallel(
    ctx: Context,
    workers: int,
    *,
    max_regions: int | None = None,
    progress: bool | None = None,
) -> tuple[list[Region], SolveCounter, BranchCounts]:
    """The regions of ``branch`` on ``ctx`` with ``workers`` processes.

    Returns
    -------
    (regions, counter, counts)
        The regions (those found while cutting the tree first, then piece by piece as they
        finish), and the solve and decision counts summed over all processes.

    Examples
    --------
    >>> import polyreg
    >>> from polyreg.engines._common import Context
    >>> net = polyreg.random_network([3, 8, 1], seed=0)
    >>> ctx = Context.create(net, polyreg.Box.cube(3), polyreg.Tolerances())
    >>> regions, _, _ = branch_parallel(ctx, 2)
    >>> len(regions) == len(polyreg.engines.branch(net, polyreg.Box.cube(3)))
    True
    """
    import time
    from collections import deque

    search = BranchSearch(ctx)
    show = Progress(progress)
    regions: list[Region] = []
    stack = [search.root()]
    t_end = time.perf_counter() + SERIAL_SECONDS
    while stack and time.perf_counter() < t_end:  # depth first, as one process would
        p = stack.pop()
        region = search.step(p, stack)
        if region is not None:
            regions.append(region)
    # then cut the largest pieces (closest to the root: the bottom of the stack) until there
    # are enough to share
    target = PIECES_PER_WORKER * workers
    queue = deque(stack)
    while queue and len(queue) < target:
        p = queue.popleft()
        out: list[Piece] = []
        region = search.step(p, out)
        if region is not None:
            regions.append(region)
        queue.extend(out)
    counter, counts = search.counter, search.counts
    if not queue:
        return regions, counter, counts
    pool, share = _pool(workers, ctx)
    tasks = deque([p] for p in queue)  # stacks of pieces (bottom first), one per task
    finished = False
    try:
        token = int.from_bytes(os.urandom(8), "little")
        top = search._row_counter
        futures: set = set()
        while tasks or futures:
            # the front of the queue is closest to the root (the largest pieces): handed out
            # first, two waiting per worker; a task returns the pieces it did not finish
            # (its stack), which go back to the front: the bottom piece (the largest) as a
            # task of its own, the rest as one task (one round trip, searched in the order
            # the stack had)
            if tasks:
                share[0] = 0
            while tasks and len(futures) < 2 * workers:
                futures.add(pool.submit(_run_pieces, token, top, tasks.popleft(),
                                        SLICE_SECONDS))
            if len(futures) < workers:  # a worker idles: every task returns what it holds
                share[0] = 1
            done, futures = wait(futures, return_when=FIRST_COMPLETED)
            for f in done:
                found, left, c, k = f.result()
                regions.extend(_unpack(found))
                if len(left) > 1:
                    tasks.appendleft(left[1:])
                if left:
                    tasks.appendleft(left[:1])
                counter.lp += c.lp
                counter.socp += c.socp
                counter.exact += c.exact
                counter.exact_seconds += c.exact_seconds
                counts.add(k)
            if max_regions is not None and len(regions) > max_regions:
                raise ToleranceError(f"more than max_regions={max_regions} regions")
            show(len(regions), len(futures) + sum(map(len, tasks)), counter.total)
        finished = True
    finally:
        # on success the idle workers exit at once; on an error nothing waits for them
        pool.shutdown(wait=finished, cancel_futures=True)
    show(len(regions), 0, counter.total, final=True)
    return regions, counter, counts
