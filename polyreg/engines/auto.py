"""``auto``: pick the fastest exact engine for the domain and the input dimension.

The rule (every engine is exact, so the choice only changes the time; the measurements, one
row per domain and dimension with the command that reproduces them, are the table "auto's
rule" in ``benchmarks/README.md``: ``benchmarks/auto_rules.py``, ``benchmarks/skeleton.py``,
``benchmarks/highd.py``):

* a :class:`~polyreg.slices.Path` -> ``line`` (1-D breakpoint sweep);
* a :class:`~polyreg.slices.Slice`, or a 2-input network on a round disk -> ``planar``
  (polygon clipping; it also returns the regions' polygons);
* a bounded polyhedral domain with explicit rows (box, polytope, L-inf ball, L1 ball up to
  :data:`L1_SKELETON_MAX_DIM` dimensions) in at most :data:`SKELETON_MAX_DIM` dimensions ->
  ``skeleton`` (vertex/edge
  subdivision, no LP in general position). In the plane ``skeleton`` and ``planar`` take the
  same time within 10% on wide networks, and ``skeleton`` is 20-25% faster on deep ones;
* a bounded polyhedral domain with explicit rows in more dimensions (and L1 balls from 4
  inputs on, which have rows up to 6) -> ``branch`` (depth-first
  neuron splitting, 1-3 LPs per region against traverse's 6-16; 10-70x faster than traverse
  in 10 to 64 inputs, ``benchmarks/highd.py``; at 8 inputs ``skeleton`` is still faster on
  narrow networks, 3.5 s against 19 s for 23,338 regions of a [8, 16, 16, 1] network);
* the whole space in at most :data:`HOMOG_MAX_DIM` dimensions -> ``homog`` (the 1 + 2d box
  faces of a cube in the homogenised space, the sides skipped where a vertex scan proves
  them empty: 0.10 s against traverse's 11 s for 2,375 regions of a [4, 8, 8, 1] network,
  2.8 s against 92 s for 16,573 regions of a [7, 8, 8, 1] one, 4.9 s against 77 s for
  13,726 regions of an [8, 8, 8, 1] one);
* an L2 ball in at least :data:`L2_BRANCH_MIN_DIM` dimensions (the first layer's rank, the
  dimension both engines work in) -> ``branch`` (far sides decided by float64-certified
  primal/dual certificates, almost no SOCP: 0.001-0.01 SOCPs per region against traverse's
  2-17; ``benchmarks/l2.py``, CPU seconds: 2.6x faster at d = 4, 5x at d = 5, 7x at d = 6,
  20x at d = 8, and 34-47x on the 64-input digits MLP). At d = 3 traverse's facet SOCPs are
  few (0.4-1.1 per region) and the two are even (0.9-2.7x either way on [3, 8, 8, 1] and
  [3, 16, 16, 1], traverse 2.5x faster on a deep [3, 32, 32, 32, 1]): traverse stays;
* everything else (L2 balls in d = 3, the whole space in more dimensions) -> ``traverse``.

An engine that is not registered in :data:`polyreg.engines.ENGINES` is skipped.
"""

from __future__ import annotations

import inspect
from dataclasses import replace
from collections.abc import Callable

import numpy as np

from ..domains import Ball, Domain, Whole
from ..network import Network
from ..regions import RegionSet

#: largest input dimension where ``skeleton`` is preferred to ``traverse`` (its 1-skeleton has
#: up to ~30 vertices per region at d = 8; traverse is 25-70x slower there, see the benchmark)
SKELETON_MAX_DIM = 8
#: largest input dimension where an L1 ball (2^d rows: skeleton first enumerates the ball's
#: own vertices and edges) goes to ``skeleton``; above it ``branch`` is faster (4 inputs: 1.2 s
#: against 1.5 s, 6 inputs: 0.55 s against 3.3 s)
L1_SKELETON_MAX_DIM = 3
#: largest input dimension where the whole space goes to ``homog`` (1 + 2d cube faces; measured
#: up to 8 inputs, see ``benchmarks/README.md``; its side scan uses skeleton's first stage,
#: 8 inputs at most)
HOMOG_MAX_DIM = 8
#: smallest dimension (rank of the first layer, at most the input dimension) where an L2 ball
#: goes to ``branch`` (see the module docstring for the measurements)
L2_BRANCH_MIN_DIM = 4


def choose(net: Network, domain: Domain) -> str:
    """Name of the engine :func:`auto` runs for ``(net, domain)``.

    Examples
    --------
    >>> import polyreg
    >>> from polyreg.engines.auto import choose
    >>> choose(polyreg.random_network([4, 8, 1]), polyreg.Box.cube(4))
    'skeleton'
    >>> choose(polyreg.random_network([3, 8, 1]), polyreg.Ball([0.0] * 3, 1.0))
    'traverse'
    >>> choose(polyreg.random_network([4, 8, 1]), polyreg.Ball([0.0] * 4, 1.0))
    'branch'
    >>> choose(polyreg.random_network([12, 8, 1]), polyreg.Box.cube(12))
    'branch'
    """
    from . import ENGINES

    from ..slices import Path, Slice

    if isinstance(domain, Path):
        return "line" if "line" in ENGINES else "traverse"
    if isinstance(domain, Slice) and "planar" in ENGINES:
        return "planar"
    d = domain.dim if isinstance(domain, Slice) else net.n_inputs
    inner = domain.bound if isinstance(domain, Slice) else domain
    polyhedral = inner.bounded and inner.rows() is not None
    if d == 2 and not polyhedral and isinstance(inner, Ball) and "planar" in ENGINES:
        return "planar"
    l1 = isinstance(inner, Ball) and inner.norm == 1 and d > L1_SKELETON_MAX_DIM
    if polyhedral and d <= SKELETON_MAX_DIM and not l1 and "skeleton" in ENGINES:
        return "skeleton"
    if polyhedral and not isinstance(domain, Slice) and "branch" in ENGINES:
        return "branch"
    if isinstance(domain, Whole) and d <= HOMOG_MAX_DIM and "homog" in ENGINES:
        return "homog"
    if (isinstance(domain, Ball) and domain.norm == 2 and "branch" in ENGINES
            and min(d, int(np.linalg.matrix_rank(net.weights[0]))) >= L2_BRANCH_MIN_DIM):
        return "branch"
    return "traverse"


def auto(net: Network, domain: Domain, **opts: object) -> RegionSet:
    """Enumerate with the engine :func:`choose` picks; same signature as every engine.

    Options the chosen engine does not take are dropped (``reduce`` means nothing to
    ``skeleton``, for instance); an option no registered engine takes is an error.

    Returns
    -------
    RegionSet
        The chosen engine's result with ``method == "auto"``, ``stats["method"] == "auto"``
        and ``stats["engine"]`` the engine that ran (as the engine reports it: ``skeleton``
        says ``traverse`` if it had to fall back).

    Raises
    ------
    TypeError
        An option that no engine accepts.

    Examples
    --------
    >>> import polyreg
    >>> from polyreg.engines.auto import auto
    >>> rs = auto(polyreg.random_network([3, 8, 1], seed=0), polyreg.Box.cube(3))
    >>> rs.stats["engine"], rs.summary()["method"]
    ('skeleton', 'auto')
    """
    from . import ENGINES

    name = choose(net, domain)
    return run_as_auto(name, ENGINES[name], net, domain, opts)


def run_as_auto(
    name: str, run: Callable[..., RegionSet], net: Network, domain: Domain, opts: dict
) -> RegionSet:
    """``run`` (the engine ``name`` that :func:`choose` picked, or the parallel driver of that
    engine) with the options it takes, labelled as ``auto``'s result (:func:`auto`'s
    contract: an option no registered engine takes is a ``TypeError``).

    Examples
    --------
    >>> import polyreg
    >>> from polyreg.engines import ENGINES
    >>> net = polyreg.random_network([3, 8, 1], seed=0)
    >>> rs = run_as_auto("skeleton", ENGINES["skeleton"], net, polyreg.Box.cube(3), {"reduce": True})
    >>> rs.method, rs.stats["engine"]
    ('auto', 'skeleton')
    """
    from . import ENGINES

    params = inspect.signature(run).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    known: set[str] = set()
    for other in ENGINES.values():
        if other is not auto:
            known.update(inspect.signature(other).parameters)
    unknown = sorted(set(opts) - known)
    if unknown:
        raise TypeError(f"no engine takes the option(s) {', '.join(unknown)}")
    kwargs = {k: v for k, v in opts.items() if takes_any or k in params}
    rs = run(net, domain, **kwargs)
    stats = dict(rs.stats)
    stats.setdefault("engine", name)
    stats["method"] = "auto"
    return replace(rs, method="auto", stats=stats)
