"""Deprecated: moved to :mod:`polyreg.engines.traverse_engine` (this old path works, with a
``DeprecationWarning``, for one release). ``polyreg.engines.traverse`` itself is the engine function;
``from polyreg.engines.traverse import X`` warns and gives ``polyreg.engines.traverse_engine.X``."""

from .._moved import forward

__getattr__ = forward(__name__)
