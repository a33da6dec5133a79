"""Partitioned enumeration: the domain cut into slabs, one graph search per slab, in parallel.

The domain is cut by ``k - 1`` hyperplanes ``x[axis] = c`` into ``k`` *parts* (slabs, convex:
each part's adjacency graph is connected). Each part runs the ``traverse`` search
(:func:`polyreg.engines.traverse.walk`) with its cuts added to the constraint rows, so it finds
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
"""

from __future__ import annotations

import math
import os
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Protocol
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from ..domains import Domain, sample
from ..errors import PolyregError, ToleranceError
from ..lp import SolveCounter, inscribed_ball
from ..network import Network
from ..regions import Edge, Region, RegionSet
from ..tolerances import DEFAULT, Tolerances

#: seconds to wait for a dask scheduler given by address
CONNECT_TIMEOUT = 30.0

_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0


def parts_per_worker(d: int) -> int:
    """Default parts per worker for ``d`` inputs: 4 up to d = 2, 2 for d = 3, else 1.

    Each cut makes the regions crossing it be searched twice (once per side); their number
    grows like ``n ** ((d - 1) / d)`` for ``n`` regions, so higher dimensions get fewer cuts
    (and rely more on the density estimate for balance).
    """
    return 4 if d <= 2 else 2 if d == 3 else 1


def default_workers() -> int:
    """Number of cores this process may use (``os.sched_getaffinity`` where available)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# ---------------------------------------------------------------------------- partition
@dataclass(frozen=True)
class Part:
    """The slab ``lo < x[axis] < hi`` of the domain (``None``: no cut on that side).

    ``weight`` and ``density`` (not part of equality) are the estimated share of the regions
    and that share over the part's share of the domain's volume.

    Examples
    --------
    >>> p = Part(0, -0.5, 0.25)
    >>> A, b, lower, upper = p.cut_rows(2)
    >>> A.tolist(), b.tolist(), lower, upper
    ([[-1.0, 0.0], [1.0, 0.0]], [0.5, 0.25], 0, 1)
    """

    axis: int
    lo: float | None
    hi: float | None
    weight: float = field(default=1.0, compare=False)
    density: float = field(default=1.0, compare=False)

    def cut_rows(self, d: int) -> tuple[np.ndarray, np.ndarray, int | None, int | None]:
        """Rows ``A x <= b`` of the cuts and the row index of the lower and upper cut."""
        rows: list[np.ndarray] = []
        rhs: list[float] = []
        lower = upper = None
        e = np.zeros(d)
        e[self.axis] = 1.0
        if self.lo is not None:
            lower = len(rows)
            rows.append(0.0 - e)
            rhs.append(-self.lo)
        if self.hi is not None:
            upper = len(rows)
            rows.append(e)
            rhs.append(self.hi)
        return np.array(rows).reshape(-1, d), np.array(rhs, dtype=float), lower, upper

    def describe(self) -> dict:
        return {"axis": self.axis, "lo": self.lo, "hi": self.hi}


@dataclass(frozen=True)
class Partition:
    """Cuts ``x[axis] = c`` (sorted), the estimated region share of each part and its share of
    the domain's volume.

    Examples
    --------
    >>> p = Partition(1, (0.0, 0.5))
    >>> [(q.lo, q.hi) for q in p.parts()]
    [(None, 0.0), (0.0, 0.5), (0.5, None)]
    >>> [(q.lo, q.hi) for q in p.without([0.0]).parts()]
    [(None, 0.5), (0.5, None)]
    """

    axis: int
    cuts: tuple[float, ...]
    weights: tuple[float, ...] | None = None
    volumes: tuple[float, ...] | None = None

    def parts(self) -> list[Part]:
        bounds = [None, *self.cuts, None]
        n = len(bounds) - 1
        w = self.weights or (1.0 / n,) * n
        v = self.volumes or w
        return [Part(self.axis, bounds[i], bounds[i + 1], w[i], w[i] / max(v[i], 1e-12))
                for i in range(n)]

    def without(self, cuts: Iterable[float]) -> Partition:
        """The partition with ``cuts`` removed (their neighbouring parts merged)."""
        drop = set(cuts)
        keep = tuple(c for c in self.cuts if c not in drop)

        def merge(values: tuple[float, ...] | None) -> tuple[float, ...] | None:
            if values is None:
                return None
            merged: list[float] = [values[0]]
            for c, x in zip(self.cuts, values[1:], strict=True):
                if c in drop:
                    merged[-1] += x
                else:
                    merged.append(x)
            return tuple(merged)

        return Partition(self.axis, keep, merge(self.weights), merge(self.volumes))


def _segments_density(
    net: Network, x: np.ndarray, length: float, rng: np.random.Generator, steps: int = 64
) -> np.ndarray:
    """Pattern changes per unit length along a random segment of ``length`` centred at each
    point (``steps`` forward passes each)."""
    n, d = x.shape
    u = rng.normal(size=(n, d))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    out = np.empty(n)
    t = length * (np.arange(steps) / (steps - 1) - 0.5)
    chunk = max(1, 8_000_000 // max(steps * net.n_hidden, 1))
    for s in range(0, n, chunk):
        pts = x[s : s + chunk, None, :] + t[None, :, None] * u[s : s + chunk, None, :]
        pat = net.pattern(pts.reshape(-1, d)).reshape(pts.shape[0], steps, -1)
        out[s : s + chunk] = np.any(pat[:, 1:] != pat[:, :-1], axis=-1).sum(axis=1)
    return out / length


def plan_partition(
    net: Network, domain: Domain, n_parts: int, *, seed: int = 0, samples: int = 1024
) -> Partition:
    """Cut ``domain`` into ``n_parts`` slabs of about equal estimated region count.

    Parameters
    ----------
    net : Network
    domain : Domain
        Box, Ball (any norm), Polytope or Whole (checked against ``net``).
    n_parts : int
        Number of parts (>= 1).
    seed : int
        Seed of the density sample and of the cut shifts.
    samples : int
        Random points of the density estimate (each a segment of 64 forward passes).

    Returns
    -------
    Partition

    Examples
    --------
    >>> import polyreg
    >>> net = polyreg.random_network([2, 16, 1], seed=0)
    >>> p = plan_partition(net, polyreg.Box([-1, -2], [1, 2]), 4)
    >>> p.axis, len(p.cuts), all(-2 < c < 2 for c in p.cuts)
    (1, 3, True)
    """
    if n_parts < 1:
        raise ValueError(f"n_parts must be at least 1, got {n_parts}")
    domain = domain.for_inputs(net.n_inputs)
    rng = np.random.default_rng(seed)
    x = sample(domain, samples, rng)
    if domain.bounded:
        lo, hi = domain.bounding_box()
    else:
        lo, hi = np.quantile(x, 0.001, axis=0), np.quantile(x, 0.999, axis=0)
    ext = hi - lo
    axis = int(np.argmax(ext))
    if n_parts == 1:
        return Partition(axis, (), (1.0,), (1.0,))
    d = net.n_inputs
    lam = _segments_density(net, x, float(ext.max()) / 20.0, rng)
    order = np.argsort(x[:, axis])
    xs = x[order, axis]
    # crossings per unit length, smoothed along the axis, to the power DENSITY_EXPONENT
    window = max(1, samples // 32)
    smooth = np.convolve(lam[order], np.ones(window) / window, mode="same")
    w = np.empty(samples)
    w[order] = (smooth + lam.mean() / 20 + 1e-12) ** density_exponent(d)
    cw = np.cumsum(w[order])
    cw /= cw[-1]
    targets = np.arange(1, n_parts) / n_parts
    raw = np.interp(targets, cw, xs)
    width = ext[axis]
    margin = 1e-3 * width
    cuts: list[float] = []
    for k, c in enumerate(raw):
        c += (((k + 1) * _GOLDEN + seed * math.sqrt(2.0)) % 1.0 - 0.5) * 1e-3 * width
        c = float(np.clip(c, lo[axis] + margin, hi[axis] - margin))
        c = _avoid_neurons(net, axis, c, width)
        if not cuts or c > cuts[-1] + margin:
            cuts.append(c)
    bounds = np.concatenate([[-np.inf], cuts, [np.inf]])
    inside = [(x[:, axis] > a) & (x[:, axis] <= b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    share = np.array([w[m].sum() for m in inside])
    share = share / max(share.sum(), 1e-300)
    volume = np.array([m.mean() for m in inside])
    return Partition(axis, tuple(cuts), tuple(float(s) for s in share),
                     tuple(float(v) for v in volume))


def density_exponent(d: int) -> float:
    """Regions per unit volume are taken as ``lam ** density_exponent(d)`` (``lam``: pattern
    changes per unit length along random segments).

    1 in 1-D (exact); 2.5 in 2-D and 3 above: fitted on random ReLU networks (one to four
    hidden layers), where region density grows faster than the ``lam ** d`` of a Poisson
    arrangement in the plane; on five 2-D networks the worst of 8 slab shares it predicts is
    off by a factor 1.2-1.9 (1.3-2.6 with ``lam ** 2``).
    """
    return 1.0 if d <= 1 else 2.5 if d == 2 else 3.0


def _avoid_neurons(net: Network, axis: int, c: float, width: float) -> float:
    """Move cut ``c`` off every first-layer hyperplane ``x[axis] = const``."""
    W, b = net.weights[0], net.biases[0]
    others = np.delete(np.abs(W), axis, axis=1).max(axis=1, initial=0.0)
    wa = W[:, axis]
    parallel = (np.abs(wa) > 0) & (others <= 1e-12 * np.abs(wa))
    spots = -b[parallel] / wa[parallel]
    for _ in range(100):
        if not np.any(np.abs(spots - c) <= 1e-7 * width):
            break
        c += 1e-5 * width * _GOLDEN
    return c


# ---------------------------------------------------------------------------- one part
@dataclass(frozen=True)
class PartJob:
    """Everything :func:`run_part` needs (picklable; sent to a worker)."""

    net: Network
    domain: Domain
    tol: Tolerances
    part: Part
    chebyshev: bool = True
    collect: bool = True
    seed: int = 0
    #: the driver's number for this job (live progress, see :data:`_LIVE`); -1: none
    job_id: int = -1


#: in a pool worker: ``(array, slot)``, where the worker publishes ``(job id, regions owned so
#: far)`` of the part it runs at ``array[2 slot : 2 slot + 2]`` (live progress); None elsewhere
_LIVE: Any = None
#: seconds between two publications of a part's progress, and between two progress updates of
#: the driver while parts run
LIVE_EVERY = 0.5


def _init_worker(main_pid: int, live: Any = None, next_slot: Any = None) -> None:
    """Pool worker initialiser: :func:`_exit_with`, and a slot of the live-progress array."""
    global _LIVE
    _exit_with(main_pid)
    if live is not None and next_slot is not None:
        with next_slot.get_lock():
            slot = int(next_slot.value)
            next_slot.value += 1
        if 2 * slot + 1 < len(live):
            _LIVE = (live, slot)


def _publish(job: PartJob, owned: int) -> None:
    if _LIVE is not None and job.job_id >= 0:
        live, slot = _LIVE
        live[2 * slot + 1] = owned
        live[2 * slot] = job.job_id


@dataclass
class PartResult:
    """What one part found.

    Attributes
    ----------
    part : Part
    owned : int
        Regions this part owns (no facet on its lower cut).
    found : int
        Regions found in the part (owned or not).
    lower_keys, upper_keys : set of bytes
        Patterns of the regions with a facet on the lower / upper cut.
    regions : list of Region
        Owned regions (``collect``), in the order found.
    edges : list of tuple
        ``(key_u, key_v, neurons, flipped, point)`` per edge found (``collect``).
    local_edges : int
        Edges that no other part can find (count-only runs).
    cut_edges : set of tuple
        Pattern pairs of the other edges (count-only; merged across parts).
    stats : dict
        ``lps``, ``socps``, ``seconds`` (wall clock), ``cpu`` (process CPU seconds).
    """

    part: Part
    owned: int = 0
    found: int = 0
    lower_keys: set = field(default_factory=set)
    upper_keys: set = field(default_factory=set)
    regions: list = field(default_factory=list)
    edges: list = field(default_factory=list)
    local_edges: int = 0
    cut_edges: set = field(default_factory=set)
    stats: dict = field(default_factory=dict)


def run_part(job: PartJob) -> PartResult:
    """Enumerate the regions whose interior meets ``job.part`` (see the module's ownership rule).

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [0.0])])
    >>> box = polyreg.Box([-1, -1], [1, 1])
    >>> low = run_part(PartJob(net, box, polyreg.Tolerances(), Part(0, None, 0.3)))
    >>> high = run_part(PartJob(net, box, polyreg.Tolerances(), Part(0, 0.3, None)))
    >>> low.found, low.owned, high.found, high.owned   # the cut x = 0.3 crosses 2 regions
    (4, 4, 2, 0)
    >>> low.upper_keys == high.lower_keys
    True
    """
    from ..engines._common import Context, region_rows
    from ..engines.traverse import Expanded, start_state, walk

    t0, c0 = time.perf_counter(), time.process_time()
    net, domain, tol = job.net, job.domain.for_inputs(job.net.n_inputs), job.tol
    A, b, lower, upper = job.part.cut_rows(net.n_inputs)
    ctx = Context.create(net, domain, tol, cuts=(A, b) if b.size else None)
    counter = SolveCounter()
    state, first = start_state(ctx, counter, job.seed)
    res = PartResult(job.part)
    pending: dict[int, Region] = {}
    full = ctx.without_cuts()

    def events() -> Iterator:
        yield first
        yield from walk(ctx, state, counter, chebyshev=job.chebyshev)

    published = time.monotonic()
    for ev in events():
        if _LIVE is not None and time.monotonic() - published >= LIVE_EVERY:
            published = time.monotonic()
            _publish(job, res.owned)
        if not isinstance(ev, Expanded):
            res.found += 1
            if job.collect:
                pending[ev.index] = ev.region
            continue
        key = state.keys[ev.index]
        below = lower is not None and lower in ev.cuts
        if below:
            res.lower_keys.add(key)
        if upper is not None and upper in ev.cuts:
            res.upper_keys.add(key)
        region = pending.pop(ev.index, None)
        if not below:
            res.owned += 1
            if job.collect and region is not None:
                if ev.cuts and job.chebyshev:  # the centre of the whole region, not its slice
                    rr = region_rows(full, region.pattern)
                    ball = inscribed_ball(rr.A, rr.b, domain, tol, counter,
                                          what="Chebyshev centre")
                    if ball.full and ball.center is not None and ball.radius >= region.radius:
                        region = Region(region.pattern, ball.center, ball.radius,
                                        region.out_W, region.out_b)
                res.regions.append(region)
        for e in ev.edges:
            ku, kv = state.keys[e.u], state.keys[e.v]
            if job.collect:
                res.edges.append((ku, kv, e.neurons, e.flipped, e.point))
            elif ev.cuts:
                res.cut_edges.add((ku, kv) if ku < kv else (kv, ku))
            else:  # the whole region lies inside this part: so does the facet
                res.local_edges += 1
    res.stats = {"lps": counter.lp, "socps": counter.socp,
                 "seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0}
    return res


# ---------------------------------------------------------------------------- runners
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


def _exit_with(main_pid: int, every: float = 1.0) -> None:
    """Worker initialiser: end this worker once the process that started the pool is gone.

    A pool worker blocks on its task queue, whose pipe it holds both ends of, so it would
    outlive a parent killed by ``kill -9`` (and keep the fork server alive); a daemon thread
    checks the parent every ``every`` seconds instead.
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
    ``preload`` imported once in the server), else ``spawn``."""
    import multiprocessing as mp

    methods = mp.get_all_start_methods()
    ctx = mp.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(preload)
    return ctx


class PoolRunner:
    """A pool of ``workers`` processes (``forkserver`` where available, else ``spawn``).

    Workers end by themselves when this process dies (:func:`_exit_with`).
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        ctx = process_context(["polyreg.scale.parallel", "polyreg.engines.traverse"])
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
def default_parts(parts: int | None, workers: int, d: int) -> int:
    """``parts`` checked, or the default for ``workers`` and ``d`` inputs (1 for one worker)."""
    if parts is not None:
        if parts < 1:
            raise ValueError(f"parts must be at least 1, got {parts}")
        return int(parts)
    return parts_per_worker(d) * workers if workers > 1 else 1


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


def merge_regions(
    region_lists: Iterable[list[Region]], edge_lists: Iterable[list[tuple]]
) -> tuple[tuple[Region, ...], tuple[Edge, ...]]:
    """Regions listed once each (first occurrence kept, in order) and edges given as
    ``(key_u, key_v, neurons, flipped, point)`` re-indexed into them, once per pair."""
    regions: list[Region] = []
    index: dict[bytes, int] = {}
    for rs in region_lists:
        for r in rs:
            if r.key not in index:
                index[r.key] = len(regions)
                regions.append(r)
    edges: dict[tuple[int, int], Edge] = {}
    for es in edge_lists:
        for ku, kv, neurons, flipped, point in es:
            u, v = sorted((index[ku], index[kv]))
            if (u, v) not in edges:
                edges[(u, v)] = Edge(u, v, neurons, flipped, point)
    return tuple(regions), tuple(edges[k] for k in sorted(edges))


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
