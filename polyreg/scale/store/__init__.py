"""A region store: an enumeration written to SQLite as it runs, resumable after a crash.

One file (stdlib :mod:`sqlite3`, WAL journal) holds the run's parameters (network arrays and
their SHA-256, domain, tolerances, engine, versions), every region found (pattern, interior
point, radius, hash of its affine map, whether it has been expanded) and every adjacency edge.

Two modes:

* **walk** (one process): the ``traverse`` search itself. Region ``i`` is the ``i``-th found;
  the frontier is the set of regions not yet expanded. Each batch of expansions commits in one
  transaction together with the regions they discovered and their edges, so a run killed at
  any moment (``kill -9`` included) resumes from the last commit and ends with exactly the
  rows of an uninterrupted run (the search is deterministic).
* **parts** (``workers > 1`` or dask): the domain cut into parts (:mod:`polyreg.scale.parallel`);
  each finished part commits its owned regions in one transaction; resuming runs the parts
  not yet done. Regions are unique by pattern; edges are resolved from pattern pairs when the
  last part is done.

Schema (``PRAGMA user_version`` = :data:`SCHEMA_VERSION`, ``application_id`` =
:data:`APPLICATION_ID`): tables ``meta(key, value)``, ``arrays(name, data)`` (``.npy`` bytes),
``regions(id, pattern UNIQUE, point, radius, map_hash, expanded, part)``,
``edges(u, v, neurons, flipped, point, UNIQUE(u, v))``, ``parts``, ``cut_keys``, ``edge_keys``.
``pattern`` is ``np.packbits`` of the bool pattern; ``point`` float64 bytes (in the search's
coordinates, see ``meta.params.reduced``); ``neurons``/``flipped`` JSON lists.

Modules: :mod:`~polyreg.scale.store.schema` (schema, encoding, validation),
:mod:`~polyreg.scale.store.regionstore` (:class:`RegionStore`: open, lock, read),
:mod:`~polyreg.scale.store.runs` (walk and parts modes, resume),
:mod:`~polyreg.scale.store.export` (JSON, GraphML, ``.npz``).
"""

from __future__ import annotations

from .export import EXPORT_FORMATS, export
from .schema import (
    APPLICATION_ID,
    FORMAT,
    SCHEMA_VERSION,
    TABLES,
    StoreError,
    domain_from_description,
    map_hash,
    network_sha256,
    unpack_pattern,
    validate_rows,
    validate_schema,
)
from .regionstore import RegionStore
from .runs import _StoreSink, resume, run_parts, run_walk  # noqa: F401  (_StoreSink: benchmarks)

__all__ = [
    "APPLICATION_ID", "EXPORT_FORMATS", "FORMAT", "SCHEMA_VERSION", "TABLES", "RegionStore",
    "StoreError", "domain_from_description", "export", "map_hash", "network_sha256", "resume",
    "run_parts", "run_walk", "unpack_pattern", "validate_rows", "validate_schema",
]
