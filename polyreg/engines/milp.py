"""Deprecated: moved to :mod:`polyreg.engines.milp_engine` (this old path works, with a
``DeprecationWarning``, for one release). ``polyreg.engines.milp`` itself is the engine function;
``from polyreg.engines.milp import X`` warns and gives ``polyreg.engines.milp_engine.X``."""

from .._moved import forward

__getattr__ = forward(__name__)
