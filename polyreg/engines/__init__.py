"""Enumeration engines: one module each, all ``(network, domain, **options) -> RegionSet``."""

from __future__ import annotations

from .split import split
from .traverse import traverse

ENGINES = {"traverse": traverse, "split": split}

__all__ = ["ENGINES", "split", "traverse"]
