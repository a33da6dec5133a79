"""polyreg: exact polyhedral region enumeration for piecewise-linear (ReLU) networks.

The public names are imported on first use (PEP 562), so ``import polyreg`` and the command
line start without loading SciPy, NetworkX, HiGHS or cvxpy; submodules
(``polyreg.engines``, ``polyreg.bounds``, ``polyreg.io``, ...) load on attribute access too.

Examples
--------
>>> import numpy as np, polyreg
>>> net = polyreg.random_network([2, 8, 1], seed=0)
>>> regions = polyreg.enumerate_regions(net, polyreg.Box([-1, -1], [1, 1]))
>>> len(regions) == regions.graph.number_of_nodes()
True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> the submodule defining it (imported on first access)
_PUBLIC: dict[str, str] = {
    "count_regions": "api", "enumerate_regions": "api",
    "Ball": "domains", "Box": "domains", "Domain": "domains", "Polytope": "domains",
    "Whole": "domains",
    "InvalidDomain": "errors", "InvalidNetwork": "errors", "PolyregError": "errors",
    "SolverFailed": "errors", "ToleranceError": "errors",
    "Network": "network", "load": "network", "random_network": "network",
    "Edge": "regions", "Region": "regions", "RegionSet": "regions",
    "iter_regions": "scale.stream",
    "Tolerances": "tolerances",
    "Path": "slices", "Slice": "slices",
    "margin": "bounds", "robustness_radius": "bounds",
}

__all__ = [
    "Ball", "Box", "Domain", "Edge", "InvalidDomain", "InvalidNetwork", "Network",
    "Polytope", "PolyregError", "Region", "RegionSet", "SolverFailed", "ToleranceError",
    "Path", "Slice", "Tolerances", "Whole", "count_regions", "enumerate_regions", "iter_regions",
    "load", "margin", "random_network", "robustness_radius",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from .api import count_regions, enumerate_regions
    from .bounds import margin, robustness_radius
    from .domains import Ball, Box, Domain, Polytope, Whole
    from .errors import InvalidDomain, InvalidNetwork, PolyregError, SolverFailed, ToleranceError
    from .network import Network, load, random_network
    from .regions import Edge, Region, RegionSet
    from .slices import Path, Slice
    from .scale.stream import iter_regions
    from .tolerances import Tolerances


def __getattr__(name: str) -> Any:
    """A public name (:data:`_PUBLIC`) or a submodule, imported on first access."""
    module = _PUBLIC.get(name)
    if module is not None:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
        globals()[name] = value  # later accesses skip this function
        return value
    if not name.startswith("__"):
        try:
            return importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
