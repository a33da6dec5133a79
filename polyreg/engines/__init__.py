"""Enumeration engines: one module each, all ``(network, domain, **options) -> RegionSet``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .auto import auto
from .branch import branch
from .homog import homog
from .line import line_regions
from .milp import milp
from .planar import planar
from .skeleton import skeleton
from .split import split
from .traverse import traverse

if TYPE_CHECKING:
    from ..regions import RegionSet

#: engine name -> ``engine(net, domain, *, tol, progress, **options) -> RegionSet``
ENGINES: dict[str, Callable[..., RegionSet]]

ENGINES = {"traverse": traverse, "split": split, "milp": milp, "planar": planar, "line": line_regions,
           "skeleton": skeleton, "branch": branch, "homog": homog,
           "auto": auto}

__all__ = [
    "ENGINES", "auto", "branch", "homog", "line_regions", "milp", "planar", "skeleton", "split",
    "traverse",
]
