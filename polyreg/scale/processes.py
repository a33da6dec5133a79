"""Worker processes: how many (:func:`default_workers`), how they start
(:func:`process_context`: forkserver or spawn) and how they end with the process that started
them (:func:`exit_with`). Used by the slabs (:mod:`polyreg.scale.parallel`), the shared
frontier, branch's pool and the bounds sweep."""

from __future__ import annotations

import os
import time
from typing import Any





def default_workers() -> int:
    """Number of cores this process may use (``os.sched_getaffinity`` where available).

    Examples
    --------
    >>> default_workers() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def exit_with(main_pid: int, every: float = 1.0) -> None:
    """Worker initialiser: end this worker once the process that started the pool is gone.

    A pool worker blocks on its task queue, whose pipe it holds both ends of, so it would
    outlive a parent killed by ``kill -9`` (and keep the fork server alive); a daemon thread
    checks the parent every ``every`` seconds instead.

    Examples
    --------
    >>> import os
    >>> exit_with(os.getpid(), every=3600.0)  # this process is alive: the watcher just waits
    """
    import threading

    def watch() -> None:
        while True:
            time.sleep(every)
            try:
                os.kill(main_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # pragma: no cover - a reused pid of another user
                os._exit(1)

    threading.Thread(target=watch, name="polyreg-parent-watch", daemon=True).start()


def process_context(preload: list[str]) -> Any:
    """The multiprocessing context for worker processes: ``forkserver`` where available (with
    ``preload`` imported once in the server), else ``spawn``.

    Examples
    --------
    >>> process_context(["polyreg.scale.parallel"]).get_start_method() in ("forkserver", "spawn")
    True
    """
    import multiprocessing as mp

    methods = mp.get_all_start_methods()
    ctx = mp.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(preload)
    return ctx


_exit_with = exit_with  # the name before polyreg.scale.processes
