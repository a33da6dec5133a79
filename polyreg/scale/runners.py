"""Where parts run: in this process (:class:`SerialRunner`), a process pool
(:class:`PoolRunner`) or a ``dask.distributed`` cluster (:class:`DaskRunner`);
:func:`make_runner` picks one."""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any, Protocol
from collections.abc import Callable, Iterator


from ..errors import PolyregError


from .parts import LIVE_EVERY, PartJob, PartResult, _init_worker, run_part
from .processes import default_workers, process_context


#: seconds to wait for a dask scheduler given by address
CONNECT_TIMEOUT = 30.0


class Runner(Protocol):
    """Runs jobs somewhere and yields ``(job, result or exception)`` as they complete."""

    workers: int

    def run(self, jobs: list[PartJob]) -> Iterator[tuple[PartJob, PartResult | BaseException]]:
        ...  # pragma: no cover

    def close(self) -> None:
        ...  # pragma: no cover


class SerialRunner:
    """Runs parts one after the other in this process."""

    workers = 1

    def run(self, jobs: list[PartJob]) -> Iterator[tuple[PartJob, PartResult | BaseException]]:
        for job in jobs:
            try:
                yield job, run_part(job)
            except PolyregError as exc:
                yield job, exc

    def close(self) -> None:
        pass


class PoolRunner:
    """A pool of ``workers`` processes (``forkserver`` where available, else ``spawn``).

    Workers end by themselves when this process dies (:func:`_exit_with`).
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        ctx = process_context(["polyreg.scale.parallel", "polyreg.engines.traverse_engine"])
        #: (job id, regions owned so far) per worker process, for live progress
        self.live = ctx.Array("q", [-1, 0] * workers, lock=False)
        self.next_slot = ctx.Value("i", 0)
        #: called about every :data:`LIVE_EVERY` seconds while parts run (set by :func:`drive`)
        self.tick: Callable[[], None] | None = None
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                        initializer=_init_worker,
                                        initargs=(os.getpid(), self.live, self.next_slot))
        # start the processes in the background, while the caller plans the partition
        import threading

        threading.Thread(target=lambda: [self.pool.submit(int) for _ in range(workers)],
                         name="polyreg-pool-start", daemon=True).start()

    def run(self, jobs: list[PartJob]) -> Iterator[tuple[PartJob, PartResult | BaseException]]:
        futures = {self.pool.submit(run_part, job): job for job in jobs}
        try:
            while futures:
                done, _ = wait(list(futures), return_when=FIRST_COMPLETED,
                               timeout=None if self.tick is None else LIVE_EVERY)
                if not done and self.tick is not None:
                    self.tick()
                for f in done:
                    job = futures.pop(f)
                    exc = f.exception()
                    yield job, (exc if exc is not None else f.result())
        finally:
            for f in futures:
                f.cancel()
            if any(not f.done() for f in futures):  # stopped early (error, Ctrl-C): no waiting
                self.abort()

    def live_counts(self) -> dict[int, int]:
        """``{job id: regions owned so far}`` of the parts under way (as last published)."""
        vals = list(self.live)
        return {int(vals[k]): int(vals[k + 1]) for k in range(0, len(vals), 2) if vals[k] >= 0}

    def abort(self) -> None:
        """Stop the worker processes now (parts under way are lost)."""
        for proc in list(getattr(self.pool, "_processes", {}).values()):
            proc.terminate()
        self.pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskRunner:
    """Submits parts to a ``dask.distributed`` client (its scheduler places them)."""

    def __init__(self, client: Any, owned: bool = False) -> None:
        self.client = client
        self.owned = owned  # close the client with the runner (we connected it)
        try:
            self.workers = max(1, sum(client.nthreads().values()))
        except Exception:  # pragma: no cover - a client without workers yet
            self.workers = 1

    def run(self, jobs: list[PartJob]) -> Iterator[tuple[PartJob, PartResult | BaseException]]:
        from dask.distributed import as_completed

        futures = {}
        for job in jobs:
            f = self.client.submit(run_part, job, pure=False)
            futures[f.key] = (f, job)
        try:
            for f in as_completed([f for f, _ in futures.values()]):
                _, job = futures.pop(f.key)
                if f.status == "error":
                    yield job, f.exception()
                else:
                    yield job, f.result()
        finally:
            for f, _ in futures.values():
                f.cancel()

    def close(self) -> None:
        if self.owned:
            self.client.close()


def make_runner(workers: int | None = None, client: Any = None) -> Runner:
    """A :class:`DaskRunner` for ``client``, else a pool of ``workers`` processes (one: serial).

    ``client`` may be a ``dask.distributed.Client`` or a scheduler address ``"tcp://host:port"``.
    """
    if client is not None:
        if isinstance(client, str):
            try:
                from dask.distributed import Client
            except ImportError as exc:
                raise PolyregError(
                    "a dask scheduler needs dask.distributed: pip install 'polyreg[scale]'"
                ) from exc
            try:
                return DaskRunner(Client(client, timeout=CONNECT_TIMEOUT), owned=True)
            except (OSError, TimeoutError, ValueError) as exc:
                raise PolyregError(f"cannot reach the dask scheduler {client!r}: {exc}") from exc
        return DaskRunner(client)
    workers = default_workers() if workers is None else int(workers)
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    return SerialRunner() if workers == 1 else PoolRunner(workers)
