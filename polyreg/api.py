"""The public entry points: validate once, dispatch to an engine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from .canonical import uncentre
from .domains import Ball, Box, Domain, Polytope, Whole
from .errors import InvalidDomain, InvalidNetwork
from .network import Network
from .regions import RegionSet
from .tolerances import DEFAULT, Tolerances


def enumerate_regions(
    net: Network,
    domain: Domain,
    *,
    method: str = "auto",
    tol: Tolerances = DEFAULT,
    progress: bool | None = None,
    max_regions: int | None = None,
    time_limit: float | None = None,
    **options: object,
) -> RegionSet:
    """Every activation region of ``net`` whose interior meets ``domain``'s interior.

    Parameters
    ----------
    net : Network
    domain : Domain
        ``Box``, ``Ball`` (norm 1, 2 or inf), ``Polytope`` or ``Whole``.
    method : str
        Engine name (``polyreg.engines.ENGINES``); ``"auto"`` (default) picks the fastest exact
        engine for the domain and dimension and records it in ``stats["engine"]``.
    tol : Tolerances
    progress : bool, optional
        Progress on stderr (default: when stderr is a terminal).
    max_regions : int, optional
        Budget: stop once at least this many regions are found (:mod:`polyreg.budget`).
    time_limit : float, optional
        Budget: stop after this many seconds. A run its budget stopped returns the regions
        found so far with ``stats["complete"] = False`` and ``stats["stopped"]`` (their number
        is a certified lower bound, not the count); with a budget ``stats["complete"]`` is
        always present. Budgets are honoured by ``traverse`` in one process (``auto`` runs
        traverse under a budget); other engines and worker processes refuse them
        (:class:`polyreg.budget.BudgetNotSupported`).

    Returns
    -------
    RegionSet

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [0.0])])
    >>> len(polyreg.enumerate_regions(net, polyreg.Ball([0.0, 0.0], 1.0)))
    4
    >>> polyreg.enumerate_regions(net, polyreg.Ball([0.0, 0.0], 1.0), max_regions=2).stats[
    ...     "complete"]
    False
    """
    from .budget import Budget, check_engine
    from .engines import ENGINES

    if not isinstance(net, Network):
        raise InvalidNetwork(f"net must be a polyreg.Network, got {type(net).__name__}")
    if not isinstance(domain, Domain):
        raise InvalidDomain(f"domain must be a polyreg domain, got {type(domain).__name__}")
    domain = domain.for_inputs(net.n_inputs)
    _check_domain_method(domain, method)
    if method not in ENGINES:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(sorted(ENGINES))}")
    budget = Budget.make(max_regions, time_limit)
    auto_budget = False
    if budget is not None:
        workers, parts = options.get("workers"), options.get("parts")
        parallel = workers not in (None, 1) or parts not in (None, 1) or options.get("client") is not None
        check_engine(method, parallel=parallel)
        if type(domain) not in (Box, Ball, Polytope, Whole):
            check_engine("line" if type(domain).__name__ == "Path" else "planar")
        auto_budget, method = method == "auto", "traverse"
        options.update(max_regions=max_regions, time_limit=time_limit)
    if type(domain) not in (Box, Ball, Polytope, Whole):  # slices and paths: as given
        return ENGINES[method](net, domain, tol=tol, progress=progress, **options)
    cnet, cdomain, c = canonical_form(net, domain, tol)
    rs = _run(method, cnet, cdomain, tol=tol, progress=progress, **options)
    rs = uncentre(rs, c, domain)
    if auto_budget:  # auto's choice under a budget: the engine that can stop at any region
        rs = replace(rs, method="auto", stats={**rs.stats, "method": "auto"})
    return rs


def _run(method: str, net: Network, domain: Domain, **options: Any) -> RegionSet:
    """The engine ``method`` on ``(net, domain)``; a ``traverse`` search asked to run in several
    processes (``workers``, ``parts``, ``client``) or a ``branch`` search with ``workers > 1``
    goes to its driver in ``polyreg.scale`` (``scale/drive.py``)."""
    from .engines import ENGINES
    from .engines.auto import choose, run_as_auto
    from .scale.drive import branch_workers, is_parallel, traverse_parallel

    if not is_parallel(options):
        return ENGINES[method](net, domain, **options)
    drivers: dict[str, Callable[..., RegionSet]] = {"traverse": traverse_parallel,
                                                    "branch": branch_workers}
    if method in drivers:
        return drivers[method](net, domain, **options)
    if method == "auto" and (chosen := choose(net, domain)) in drivers:
        return run_as_auto(chosen, drivers[chosen], net, domain, options)
    return ENGINES[method](net, domain, **options)


def canonical_form(net: Network, domain: Domain, tol: Tolerances) -> tuple[Network, Domain, np.ndarray]:
    """The network and domain every engine runs on, and the shift ``c`` back to the user's
    coordinates (``x = c + u``): hidden neurons rescaled by powers of two to unit-norm rows
    (exact), coordinates centred on the domain (:mod:`polyreg.canonical`). Refuses
    (:class:`~polyreg.errors.InvalidDomain`) a domain thinner than the radius tolerance.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([(1e12 * np.eye(2), np.zeros(2)),
    ...                                    (np.ones((1, 2)), [0.0])])
    >>> cnet, cdom, c = canonical_form(net, polyreg.Box([-1, -1], [1, 1]), polyreg.Tolerances())
    >>> np.linalg.norm(cnet.weights[0], axis=1).round(3).tolist(), c.tolist()
    ([0.909, 0.909], [0.0, 0.0])
    """
    from .canonical import canonical_network, centre
    from .domains import check_thickness, extent

    cnet, cdomain, c = centre(canonical_network(net), domain)
    size = extent(cdomain)
    check_thickness(cdomain, tol.effective(size).radius, size)
    return cnet, cdomain, c


def _check_domain_method(domain: Domain, method: str) -> None:
    """Slices and paths have engines of their own: say so instead of failing inside another."""
    kind = type(domain).__name__
    if kind == "Slice" and method not in ("planar", "skeleton", "auto"):
        raise InvalidDomain(
            f"a Slice domain needs method='planar' or 'skeleton' (got {method!r}); for another "
            "engine run it on the composed 2-input network Slice.network(net)"
        )
    if kind == "Path" and method not in ("line", "auto"):
        raise InvalidDomain(f"a Path domain needs method='line' (got {method!r})")


def count_regions(net: Network, domain: Domain, **kwargs: Any) -> int:
    """Number of activation regions (see :func:`enumerate_regions`).

    With a budget (``max_regions=``, ``time_limit=``) the answer is a
    :class:`polyreg.budget.RegionCount`: an ``int`` with ``complete`` (False: the run was
    stopped and the number is only a lower bound) and ``stopped``.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([([[1.0], [-1.0]], [0.0, 0.5]), ([[1.0, 1.0]], [0.0])])
    >>> polyreg.count_regions(net, polyreg.Box([-1], [1]))
    3
    >>> polyreg.count_regions(net, polyreg.Box([-1], [1]), max_regions=1)
    RegionCount(2, complete=False, stopped='max_regions')
    """
    rs = enumerate_regions(net, domain, **kwargs)
    if kwargs.get("max_regions") is None and kwargs.get("time_limit") is None:
        return len(rs)
    from .budget import RegionCount

    return RegionCount(len(rs), bool(rs.stats.get("complete", True)), rs.stats.get("stopped"))
