"""The driver above the engines: one ``traverse`` or ``branch`` search run by several processes.

The engines run in one process and know nothing of workers. Given ``workers > 1``, ``parts``
or a dask ``client``, :func:`polyreg.enumerate_regions` calls :func:`traverse_parallel`, which
reduces the dimension when the engine would, then chooses the shared frontier (workers on this
machine: :mod:`polyreg.scale.frontier`) or domain slabs (``parts`` or a dask client:
:mod:`polyreg.scale.parallel`), both driving the engine's stepping API
(:func:`polyreg.engines.traverse_engine.walk` and its events). ``branch`` with ``workers > 1`` goes
to :func:`branch_workers`, which cuts its search tree into pieces for a process pool
(:mod:`polyreg.scale.branchpool`).
"""

from __future__ import annotations

import time
from typing import Any

from ..budget import Budget, check_engine
from ..domains import Domain
from ..errors import ToleranceError
from ..engines._common import Context, lift_regions, reduce_dimension
from ..engines.branch_engine import assemble, branch
from ..engines.traverse_engine import lift
from .branchpool import branch_parallel
from .frontier import traverse_shared
from ..network import Network
from .parallel import traverse_parts
from ..regions import RegionSet
from ..tolerances import DEFAULT, Tolerances


def is_parallel(options: dict[str, Any]) -> bool:
    """Whether engine ``options`` ask for more than this process (``workers``, ``parts``, ``client``).

    Examples
    --------
    >>> is_parallel({"workers": 2}), is_parallel({"workers": 1, "parts": None, "chebyshev": False})
    (True, False)
    """
    workers, parts = options.get("workers"), options.get("parts")
    return (workers is not None and workers != 1) or options.get("client") is not None or (
        parts not in (None, 1))


def traverse_parallel(
    net: Network, domain: Domain, *, workers: int | None = None, client: object = None,
    parts: int | None = None, tol: Tolerances = DEFAULT, chebyshev: bool = True,
    reduce: bool = True, seed: int = 0, progress: bool | None = None,
    max_regions: int | None = None, time_limit: float | None = None,
) -> RegionSet:
    """:func:`polyreg.engines.traverse` run by several processes; same patterns.

    With ``workers > 1`` only, processes share one search frontier, each region owned by the
    hash of its pattern (:func:`polyreg.scale.frontier.traverse_shared`; listed in key order).
    With ``parts`` or a dask ``client``, the domain is cut into slabs searched in parallel
    (:func:`polyreg.scale.parallel.traverse_parts`; listed part by part). ``progress`` is not
    shown; budgets (``max_regions``, ``time_limit``) are refused
    (:class:`polyreg.budget.BudgetNotSupported`).

    Examples
    --------
    >>> import polyreg
    >>> net = polyreg.random_network([2, 6, 1], seed=0)
    >>> box = polyreg.Box.cube(2, -10, 10)
    >>> rs = traverse_parallel(net, box, workers=1, parts=2)
    >>> sorted(rs.patterns) == sorted(polyreg.engines.traverse(net, box).patterns)
    True
    """
    t0 = time.perf_counter()
    if reduce and (red := reduce_dimension(net, domain.for_inputs(net.n_inputs))) is not None:
        # the engine's reduction first (an L2 ball or R^d with a low-rank first layer), then the
        # processes on the reduced problem, lifted back as the engine lifts it
        small = traverse_parallel(red.net, red.domain, workers=workers, client=client, parts=parts,
                                  tol=tol, chebyshev=chebyshev, seed=seed, time_limit=time_limit,
                                  max_regions=max_regions)
        return lift(small, red, net, domain, t0)
    if Budget.make(max_regions, time_limit) is not None:
        check_engine("traverse", parallel=True)
    if workers is not None and workers > 1 and client is None and parts in (None, 1):
        return traverse_shared(net, domain.for_inputs(net.n_inputs), workers, tol=tol,
                               chebyshev=chebyshev, seed=seed)
    return traverse_parts(net, domain, workers=workers, client=client, parts=parts, tol=tol,
                          chebyshev=chebyshev, seed=seed)


def branch_workers(
    net: Network, domain: Domain, *, workers: int | None = None, tol: Tolerances = DEFAULT,
    progress: bool | None = None, max_regions: int | None = None, chebyshev: bool = False,
    edges: bool = True, reduce: bool = True,
) -> RegionSet:
    """:func:`polyreg.engines.branch` with ``workers`` processes; the same regions and counts.

    The engine's reduction first (as :func:`polyreg.engines.branch` does), then the search tree
    cut into pieces searched by a process pool
    (:func:`polyreg.scale.branchpool.branch_parallel`) and the result assembled as the engine
    assembles it (:func:`polyreg.engines.branch_engine.assemble`). ``workers`` of None or 1 runs the
    engine itself.

    Raises
    ------
    ToleranceError
        More than ``max_regions`` regions, or a piece too thin to decide in float64.

    Examples
    --------
    >>> import polyreg
    >>> net = polyreg.random_network([3, 8, 1], seed=0)
    >>> box = polyreg.Box.cube(3)
    >>> rs = branch_workers(net, box, workers=2, edges=False)
    >>> rs.patterns == polyreg.engines.branch(net, box, edges=False).patterns, rs.stats["workers"]
    (True, 2)
    """
    if workers is None or workers <= 1:
        return branch(net, domain, tol=tol, progress=progress, max_regions=max_regions,
                      chebyshev=chebyshev, edges=edges, workers=workers, reduce=reduce)
    t0 = time.perf_counter()
    domain = domain.for_inputs(net.n_inputs)
    if reduce and (red := reduce_dimension(net, domain)) is not None:
        small = branch_workers(red.net, red.domain, workers=workers, tol=tol, progress=progress,
                               max_regions=max_regions, chebyshev=chebyshev, edges=edges)
        return lift_regions(small, red, net, domain, t0)
    ctx = Context.create(net, domain, tol)
    regions, counter, counts = branch_parallel(ctx, workers, max_regions=max_regions,
                                               progress=progress)
    if max_regions is not None and len(regions) > max_regions:
        raise ToleranceError(f"more than max_regions={max_regions} regions")
    return assemble(ctx, regions, counter, counts, chebyshev=chebyshev, edges=edges,
                    workers=workers, t0=t0)
