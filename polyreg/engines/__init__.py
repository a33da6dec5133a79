"""Enumeration engines: one module each, all ``(network, domain, **options) -> RegionSet``."""

from __future__ import annotations

from .traverse import traverse

ENGINES = {"traverse": traverse}

__all__ = ["ENGINES", "traverse"]
