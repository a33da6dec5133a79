"""Enumeration engines: one module each, all ``(network, domain, **options) -> RegionSet``."""

from __future__ import annotations

from .auto import auto
from .branch import branch
from .homog import homog
from .line import line_regions
from .milp import milp
from .planar import planar
from .skeleton import skeleton
from .split import split
from .traverse import traverse

ENGINES = {"traverse": traverse, "split": split, "milp": milp, "planar": planar, "line": line_regions,
           "skeleton": skeleton, "branch": branch, "homog": homog,
           "auto": auto}

__all__ = ["ENGINES", "auto", "branch", "homog", "line_regions", "milp", "planar", "skeleton", "split", "traverse"]
