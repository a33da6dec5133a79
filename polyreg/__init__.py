"""polyreg: exact polyhedral region enumeration for piecewise-linear (ReLU) networks.

Examples
--------
>>> import numpy as np, polyreg
>>> net = polyreg.random_network([2, 8, 1], seed=0)
>>> regions = polyreg.enumerate_regions(net, polyreg.Box([-1, -1], [1, 1]))
>>> len(regions) == regions.graph.number_of_nodes()
True
"""

from __future__ import annotations

from .api import count_regions, enumerate_regions
from .domains import Ball, Box, Domain, Polytope, Whole
from .errors import InvalidDomain, InvalidNetwork, PolyregError, SolverFailed, ToleranceError
from .network import Network, load, random_network
from .regions import Edge, Region, RegionSet
from .stream import iter_regions
from .tolerances import Tolerances
from .slices import Path, Slice
from .bounds import margin, robustness_radius

__version__ = "0.1.0"

__all__ = [
    "Ball", "Box", "Domain", "Edge", "InvalidDomain", "InvalidNetwork", "Network",
    "Polytope", "PolyregError", "Region", "RegionSet", "SolverFailed", "ToleranceError",
    "Path", "Slice", "Tolerances", "Whole", "count_regions", "enumerate_regions", "iter_regions",
    "load", "margin", "random_network", "robustness_radius",
]
