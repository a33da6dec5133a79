"""Old import paths of modules that moved (issue 16): each old module is a two-line shim
calling :func:`alias` (or, where the old path is also the name of a function, :func:`forward`),
kept for one release."""

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
