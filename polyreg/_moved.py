"""Old import paths of modules that moved (issue 16): each old module is a two-line shim
calling :func:`alias`, kept for one release."""

from __future__ import annotations

import importlib
import sys
import warnings

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
