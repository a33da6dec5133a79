"""Run one measurement in a forked child with a wall-clock limit (shared by the benchmarks).

The child runs ``child(conn, fn, args, kwargs)``, which measures ``fn(*args, **kwargs)`` and
sends one row through ``conn``; past ``timeout`` seconds the child is killed and the caller's
``timeout_row`` is returned instead.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable


def run_forked(child: Callable, fn: Callable, args: tuple, kwargs: dict, timeout: float,
               timeout_row: tuple) -> tuple:
    """The row ``child`` sent, or ``timeout_row`` when it did not send one within ``timeout`` s."""
    ctx = mp.get_context("fork")
    parent, end = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=child, args=(end, fn, args, kwargs))
    proc.start()
    end.close()
    if parent.poll(timeout):
        out = parent.recv()
        proc.join()
        return out
    proc.kill()
    proc.join()
    return timeout_row
