"""Deprecated: moved to :mod:`polyreg.engines.branch_engine` (this old path works, with a
``DeprecationWarning``, for one release). ``polyreg.engines.branch`` itself is the engine function;
``from polyreg.engines.branch import X`` warns and gives ``polyreg.engines.branch_engine.X``."""

from .._moved import forward

__getattr__ = forward(__name__)
