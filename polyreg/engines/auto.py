"""``auto``: pick the fastest exact engine for the domain and the input dimension.

The rule (measured with ``benchmarks/skeleton.py``; every engine is exact, so the choice only
changes the time):

* a :class:`~polyreg.slices.Path` -> ``line`` (1-D breakpoint sweep);
* a :class:`~polyreg.slices.Slice`, or a 2-input network on a round disk -> ``planar``
  (polygon clipping; it also returns the regions' polygons);
* a bounded polyhedral domain with explicit rows (box, polytope, L-inf ball, L1 ball up to
  dimension 6) in at most :data:`SKELETON_MAX_DIM` dimensions -> ``skeleton`` (vertex/edge
  subdivision, no LP in general position). In the plane ``skeleton`` and ``planar`` take the
  same time within 10% on wide networks, and ``skeleton`` is 20-25% faster on deep ones;
* everything else (L2 balls in d >= 3, the whole space, high dimensions) -> ``traverse``.

An engine that is not registered in :data:`polyreg.engines.ENGINES` is skipped.
"""

from __future__ import annotations

import inspect
from dataclasses import replace

from ..domains import Ball, Domain
from ..network import Network
from ..regions import RegionSet

#: largest input dimension where ``skeleton`` is preferred to ``traverse`` (its 1-skeleton has
#: up to ~30 vertices per region at d = 8; traverse is 25-70x slower there, see the benchmark)
SKELETON_MAX_DIM = 8


def choose(net: Network, domain: Domain) -> str:
    """Name of the engine :func:`auto` runs for ``(net, domain)``.

    Examples
    --------
    >>> import polyreg
    >>> from polyreg.engines.auto import choose
    >>> choose(polyreg.random_network([4, 8, 1]), polyreg.Box.cube(4))
    'skeleton'
    >>> choose(polyreg.random_network([4, 8, 1]), polyreg.Ball([0.0] * 4, 1.0))
    'traverse'
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
    if polyhedral and d <= SKELETON_MAX_DIM and "skeleton" in ENGINES:
        return "skeleton"
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
    engine = ENGINES[name]
    params = inspect.signature(engine).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    known: set[str] = set()
    for other in ENGINES.values():
        if other is not auto:
            known.update(inspect.signature(other).parameters)
    unknown = sorted(set(opts) - known)
    if unknown:
        raise TypeError(f"no engine takes the option(s) {', '.join(unknown)}")
    kwargs = {k: v for k, v in opts.items() if takes_any or k in params}
    rs = engine(net, domain, **kwargs)
    stats = dict(rs.stats)
    stats.setdefault("engine", name)
    stats["method"] = "auto"
    return replace(rs, method="auto", stats=stats)
