"""Run one measurement in a forked child with a wall-clock limit, and print the result table
(shared by the benchmarks ``highd.py`` and ``l2.py``).

The child runs ``child(conn, fn, args, kwargs)``, which measures ``fn(*args, **kwargs)`` and
sends one row through ``conn``; past ``timeout`` seconds the child is killed and the caller's
``timeout_row`` is returned instead.
"""

from __future__ import annotations

import multiprocessing as mp
import os
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


def print_table(header: list[str], rows: list[list[str]]) -> None:
    """Print ``rows`` under ``header`` in aligned columns, then the load average (the
    measurements' context on a shared machine)."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    print(f"\nloadavg_1min at the end {os.getloadavg()[0]:.2f}")
