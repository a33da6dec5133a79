"""Deprecated: moved to :mod:`polyreg.engines.split_engine` (this old path works, with a
``DeprecationWarning``, for one release). ``polyreg.engines.split`` itself is the engine function;
``from polyreg.engines.split import X`` warns and gives ``polyreg.engines.split_engine.X``."""

from .._moved import forward

__getattr__ = forward(__name__)
