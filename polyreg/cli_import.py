"""Deprecated: moved to :mod:`polyreg.cli.importer`
(this old path works, with a ``DeprecationWarning``, for one release)."""

from ._moved import alias

alias(__name__)
