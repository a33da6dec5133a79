"""Parallel driver of the ``branch`` engine: independent subtrees of its search in processes.

The search of :class:`polyreg.engines.branch.BranchSearch` is a tree whose subtrees share
nothing: a piece holds its rows, its ball, its bits and the neurons left to decide. So the
driver expands the tree in this process, depth first, until its stack holds
:data:`PIECES_PER_WORKER` pieces per worker (the regions met on the way are kept), then hands
each piece to a process pool (``fork`` where available: the workers start in milliseconds),
closest to the root first, and collects the regions. Pieces are disjoint and every region lies
below exactly one of them, so the union is the enumeration, with no de-duplication.
"""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from .engines._common import Context, Progress
from .engines.branch import BranchCounts, BranchSearch, Piece
from .errors import ToleranceError
from .lp import SolveCounter
from .regions import Region

#: pieces handed out per worker (more balances the load better; each costs a task round trip)
PIECES_PER_WORKER = 24


def _run_pieces(ctx: Context, pieces: list[Piece]) -> tuple[list[Region], SolveCounter,
                                                             BranchCounts]:
    """Worker task: every region below ``pieces``."""
    search = BranchSearch(ctx)
    regions = list(search.run(pieces))
    return regions, search.counter, search.counts


def _pool(workers: int) -> ProcessPoolExecutor:
    import multiprocessing as mp

    from .parallel import _exit_with, process_context

    if "fork" in mp.get_all_start_methods():
        mpctx = mp.get_context("fork")
    else:  # pragma: no cover - platforms without fork
        mpctx = process_context(["polyreg.engines.branch"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=mpctx, initializer=_exit_with,
                               initargs=(os.getpid(),))


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
    search = BranchSearch(ctx)
    show = Progress(progress)
    regions: list[Region] = []
    stack = [search.root()]
    target = PIECES_PER_WORKER * workers
    while stack and len(stack) < target:
        p = stack.pop()
        region = search.step(p, stack)
        if region is not None:
            regions.append(region)
    counter, counts = search.counter, search.counts
    if not stack:
        return regions, counter, counts
    pool = _pool(workers)
    finished = False
    try:
        # the bottom of the stack is closest to the root: the largest subtrees go first
        futures = {pool.submit(_run_pieces, ctx, [p]) for p in stack}
        while futures:
            done, futures = wait(futures, return_when=FIRST_COMPLETED)
            for f in done:
                found, c, k = f.result()
                regions.extend(found)
                counter.lp += c.lp
                counter.socp += c.socp
                counts.add(k)
                if max_regions is not None and len(regions) > max_regions:
                    raise ToleranceError(f"more than max_regions={max_regions} regions")
                show(len(regions), len(futures), counter.total)
        finished = True
    finally:
        # on success the idle workers exit at once; on an error nothing waits for them
        pool.shutdown(wait=finished, cancel_futures=True)
    show(len(regions), 0, counter.total, final=True)
    return regions, counter, counts
