"""One part's search (:func:`run_part`): the ``traverse`` walk with the part's cuts added, what
it owns and the keys it reports on its cuts (:class:`PartResult`), with live progress from
pool workers. Runs in worker processes."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Iterator


from ..domains import Domain
from ..solvers import SolveCounter, inscribed_ball
from ..network import Network
from ..regions import Region
from ..tolerances import Tolerances


from .partition import Part
from .processes import exit_with


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
    exit_with(main_pid)
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
    from ..engines.traverse_engine import Expanded, start_state, walk

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
