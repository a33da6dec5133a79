"""Deprecated: moved to the package :mod:`polyreg.solvers`
(this old path works, with a ``DeprecationWarning``, for one release)."""

from ._moved import alias

alias(__name__)
