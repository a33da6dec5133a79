"""Enumeration engines: one module each, all ``(network, domain, **options) -> RegionSet``.

``polyreg.engines.<name>`` is the engine function; the module of an engine whose function would
shadow it is ``engines/<name>_engine.py`` (``traverse_engine``, ``branch_engine``,
``split_engine``, ``milp_engine``; docs/architecture.md). The old module paths
(``polyreg.engines.traverse`` as a module, ...) are shims, imported here first so that the
function names bound below are never rebound to those modules by a later import."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

# the deprecated old module paths first (see polyreg._moved.FORWARDED): once in sys.modules, a
# later ``import polyreg.engines.traverse`` does not set the package attribute again
from . import branch as _old_branch, milp as _old_milp, split as _old_split  # noqa: F401
from . import traverse as _old_traverse  # noqa: F401
from .auto import auto
from .branch_engine import branch
from .homog import homog
from .line import line_regions
from .milp_engine import milp
from .planar import planar
from .skeleton import skeleton
from .split_engine import split
from .traverse_engine import traverse

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
