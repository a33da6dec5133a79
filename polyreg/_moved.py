"""Old import paths of modules that moved (issue 16): each old module is a two-line shim
calling :func:`alias` (or, where the old path is also the name of a function, :func:`forward`),
kept for one release. Names that moved out of a module that stays (:data:`MOVED_NAMES`) are
served by the module's ``__getattr__`` calling :func:`moved_name`."""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Callable

#: old module -> new module (the old paths warn and give the new module itself)
MOVED: dict[str, str] = {
    "polyreg.stream": "polyreg.scale.stream",
    "polyreg.store": "polyreg.scale.store",
    "polyreg.parallel": "polyreg.scale.parallel",
    "polyreg.frontier": "polyreg.scale.frontier",
    "polyreg.branchpool": "polyreg.scale.branchpool",
    "polyreg.cli_bounds": "polyreg.cli.bounds",
    "polyreg.cli_fixtures": "polyreg.cli.fixtures",
    "polyreg.cli_import": "polyreg.cli.importer",
    "polyreg.cli_lowdim": "polyreg.cli.lowdim",
    "polyreg.cli_plot": "polyreg.cli.plot",
    "polyreg.cli_scale": "polyreg.cli.scale",
    "polyreg.lp": "polyreg.solvers",
}


def alias(old: str) -> None:
    """Make the module ``old`` (being imported) the module it moved to, with a
    ``DeprecationWarning`` at the importer.

    Examples
    --------
    >>> import sys, pytest, polyreg.scale.store
    >>> _ = sys.modules.pop("polyreg.store", None)  # imported before: no second warning
    >>> with pytest.warns(DeprecationWarning, match="import polyreg.scale.store"):
    ...     import polyreg.store as old
    >>> old is polyreg.scale.store
    True
    """
    new = MOVED[old]
    warnings.warn(f"{old} is deprecated and will be removed in the next release: import {new}",
                  DeprecationWarning, stacklevel=2)
    sys.modules[old] = importlib.import_module(new)


#: ``old module.name`` -> ``new module:name`` (names moved out of a module that stays)
MOVED_NAMES: dict[str, str] = {
    **{f"polyreg.engines.skeleton.{old}": f"polyreg.engines._skeleton.{new}" for old, new in {
        "_Inconsistent": "complex:Inconsistent", "_Complex": "complex:Complex",
        "_match_two_faces": "complex:_match_two_faces", "_box_and_clips": "complex:_box_and_clips",
        "_Progress": "complex:SkeletonProgress", "_build": "complex:build",
        "_Cells": "cells:Cells", "_fill_signs": "cells:_fill_signs", "_cells": "cells:read_cells",
        "_expand": "cells:_expand", "_cells_min": "cells:read_cells_min",
        "_CHUNK_BYTES": "certify:_CHUNK_BYTES", "_chunks": "certify:_chunks",
        "_fast_radius": "certify:_fast_radius", "_exact_maps": "certify:_exact_maps",
        "_out_maps": "certify:out_maps", "_certify": "certify:certify",
        "_flipped": "adjacency:flipped_neurons", "_exact_edges": "adjacency:exact_edges",
    }.items()},
    "polyreg.engines.skeleton._gc_paused": "polyreg.engines._cells:gc_paused",
    "polyreg.engines.planar._gc_paused": "polyreg.engines._cells:gc_paused",
    "polyreg.engines._centred.centre_of": "polyreg.canonical:middle",
    "polyreg.engines._centred.translate": "polyreg.canonical:shift_domain",
    "polyreg.engines._centred.exact_affine": "polyreg.slices:exact_affine",
}


def moved_name(module: str, name: str) -> object:
    """The object ``module.name`` became (see :data:`MOVED_NAMES`), with a
    ``DeprecationWarning`` at the importer; ``AttributeError`` for any other name.

    Examples
    --------
    >>> import pytest
    >>> with pytest.warns(DeprecationWarning, match="polyreg.canonical:middle"):
    ...     f = moved_name("polyreg.engines._centred", "centre_of")
    >>> f.__name__
    'middle'
    """
    new = MOVED_NAMES.get(f"{module}.{name}")
    if new is None:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    warnings.warn(f"{module}.{name} is deprecated and will be removed in the next release: use "
                  f"{new}", DeprecationWarning, stacklevel=3)
    where, attr = new.split(":")
    return getattr(importlib.import_module(where), attr)


#: old engine module -> new module, where the package attribute of the old name is the engine
#: function (``polyreg.engines.traverse``): the old module stays a module of its own whose
#: attributes warn and forward (:func:`forward`), so that importing it never rebinds the
#: package attribute to a module
FORWARDED: dict[str, str] = {
    "polyreg.engines.traverse": "polyreg.engines.traverse_engine",
    "polyreg.engines.branch": "polyreg.engines.branch_engine",
    "polyreg.engines.split": "polyreg.engines.split_engine",
    "polyreg.engines.milp": "polyreg.engines.milp_engine",
}


def forward(old: str) -> Callable[[str], object]:
    """The module-level ``__getattr__`` of the shim module ``old``: every attribute read warns
    with a ``DeprecationWarning`` and comes from the module it moved to.

    Examples
    --------
    >>> import pytest, polyreg.engines.traverse_engine as new
    >>> getattr_ = forward("polyreg.engines.traverse")
    >>> with pytest.warns(DeprecationWarning, match="import polyreg.engines.traverse_engine"):
    ...     walk = getattr_("walk")
    >>> walk is new.walk
    True
    """
    new = FORWARDED[old]

    def __getattr__(name: str) -> object:
        module = importlib.import_module(new)
        if name.startswith("__") or not hasattr(module, name):
            # the import machinery and tools (pytest's ``pytestmark``) probing: no warning
            raise AttributeError(f"module {old!r} has no attribute {name!r}")
        warnings.warn(f"{old} is deprecated and will be removed in the next release: import {new}",
                      DeprecationWarning, stacklevel=2)
        return getattr(module, name)

    return __getattr__
