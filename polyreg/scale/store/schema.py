"""The store's file format: the SQLite schema and its identifiers, the encoding of arrays,
patterns and domains in it, and the checks a store must pass before it is read
(:func:`validate_schema`, :func:`validate_rows`). See :mod:`polyreg.scale.store`."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
from typing import TYPE_CHECKING, overload

import numpy as np

from ...domains import Ball, Box, Domain, Polytope, Whole
from ...errors import InvalidDomain, PolyregError
from ...graph.build import map_hash  # noqa: F401  (a store's map hashes are the graph's)
from ...network import Network

if TYPE_CHECKING:
    from .regionstore import RegionStore


#: schema version (``PRAGMA user_version``) of the stores this release writes and reads
SCHEMA_VERSION = 1
#: ``PRAGMA application_id`` of a polyreg store ("plyr")
APPLICATION_ID = 0x706C7972
#: the file format's name in ``meta.params`` (not the module path: stores on disk keep it)
FORMAT = "polyreg.store"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE arrays (name TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE regions (
    id INTEGER PRIMARY KEY,
    pattern BLOB NOT NULL UNIQUE,
    point BLOB NOT NULL,
    radius REAL NOT NULL,
    map_hash TEXT NOT NULL,
    expanded INTEGER NOT NULL DEFAULT 0,
    part INTEGER
);
CREATE INDEX regions_frontier ON regions(id) WHERE expanded = 0;
CREATE TABLE edges (
    u INTEGER NOT NULL REFERENCES regions(id),
    v INTEGER NOT NULL REFERENCES regions(id),
    neurons TEXT NOT NULL,
    flipped TEXT NOT NULL,
    point BLOB,
    UNIQUE (u, v),
    CHECK (u < v)
);
CREATE TABLE parts (
    id INTEGER PRIMARY KEY,
    axis INTEGER NOT NULL,
    lo REAL,
    hi REAL,
    weight REAL NOT NULL,
    density REAL NOT NULL DEFAULT 1,
    status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'dropped')),
    owned INTEGER,
    found INTEGER
);
CREATE TABLE cut_keys (
    part INTEGER NOT NULL, side INTEGER NOT NULL, pattern BLOB NOT NULL,
    PRIMARY KEY (part, side, pattern)
) WITHOUT ROWID;
CREATE TABLE edge_keys (
    ka BLOB NOT NULL, kb BLOB NOT NULL, neurons TEXT NOT NULL, flipped TEXT NOT NULL,
    point BLOB, PRIMARY KEY (ka, kb)
) WITHOUT ROWID;
"""


class StoreError(PolyregError, ValueError):
    """A store file that is missing, corrupted, foreign (not written by polyreg) or of another
    schema version."""


# ---------------------------------------------------------------------------- encoding
def network_sha256(net: Network) -> str:
    """SHA-256 of a network's arrays (shapes, float64 bytes, negative slope).

    Examples
    --------
    >>> import polyreg
    >>> len(network_sha256(polyreg.random_network([2, 3, 1], seed=0)))
    64
    """
    h = hashlib.sha256()
    for k, (W, b) in enumerate(zip(net.weights, net.biases, strict=True)):
        for name, arr in ((f"W{k}", W), (f"b{k}", b)):
            a = np.ascontiguousarray(arr, dtype="<f8")
            h.update(f"{name}{a.shape}".encode())
            h.update(a.tobytes())
    h.update(repr(float(net.negative_slope)).encode())
    return h.hexdigest()




def _npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(arr), allow_pickle=False)
    return buf.getvalue()


def _from_npy(data: bytes) -> np.ndarray:
    return np.load(io.BytesIO(data), allow_pickle=False)


@overload
def _vec(data: bytes) -> np.ndarray: ...


@overload
def _vec(data: None) -> None: ...


def _vec(data: bytes | None) -> np.ndarray | None:
    return None if data is None else np.frombuffer(data, dtype="<f8").copy()


def unpack_pattern(key: bytes, n: int) -> np.ndarray:
    """The bool pattern (length ``n``) of a packed key (:func:`polyreg.regions.pattern_key`).

    Examples
    --------
    >>> import numpy as np
    >>> from polyreg.regions import pattern_key
    >>> unpack_pattern(pattern_key(np.array([True, False, True])), 3).tolist()
    [True, False, True]
    """
    return np.unpackbits(np.frombuffer(key, dtype=np.uint8))[:n].astype(bool)


def domain_from_description(desc: dict, arrays: dict[str, np.ndarray] | None = None) -> Domain:
    """Rebuild a domain from ``Domain.describe()`` (polytope rows from ``arrays`` if given).

    Examples
    --------
    >>> import polyreg
    >>> b = polyreg.Ball([0.0, 1.0], 0.5, norm="inf")
    >>> domain_from_description(b.describe()).describe() == b.describe()
    True
    """
    kind = desc.get("type")
    try:
        if kind == "box":
            return Box(desc["lo"], desc["hi"])
        if kind == "ball":
            return Ball(desc["center"], desc["radius"], norm=desc["norm"])
        if kind == "polytope":
            if arrays is not None and "domain_A" in arrays:
                return Polytope(arrays["domain_A"], arrays["domain_b"])
            return Polytope(np.array(desc["A"], dtype=float), np.array(desc["b"], dtype=float))
        if kind == "whole":
            return Whole(desc["dim"])
    except (KeyError, TypeError, InvalidDomain) as exc:
        raise StoreError(f"the store's domain description is invalid: {exc}") from exc
    raise StoreError(f"the store's domain has unknown type {kind!r}")


# ---------------------------------------------------------------------------- validation
#: the columns of every table a store must have
TABLES: dict[str, tuple[str, ...]] = {
    "meta": ("key", "value"),
    "arrays": ("name", "data"),
    "regions": ("id", "pattern", "point", "radius", "map_hash", "expanded", "part"),
    "edges": ("u", "v", "neurons", "flipped", "point"),
    "parts": ("id", "axis", "lo", "hi", "weight", "density", "status", "owned", "found"),
    "cut_keys": ("part", "side", "pattern"),
    "edge_keys": ("ka", "kb", "neurons", "flipped", "point"),
}


#: run parameters every store holds, with their JSON types
_PARAMS: dict[str, tuple[type, ...]] = {
    "format": (str,), "schema_version": (int,), "mode": (str,), "network_sha256": (str,),
    "negative_slope": (int, float), "domain": (dict,), "tolerances": (dict,), "seed": (int,),
    "chebyshev": (bool,),
}


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def validate_schema(conn: sqlite3.Connection, path: str | os.PathLike[str]) -> None:
    """Check a store's tables, columns and ``meta`` entries (``params``, ``stats``,
    ``complete``) before anything reads them.

    Raises
    ------
    StoreError
        Naming what is wrong: a missing table or column, a missing or malformed meta entry
        (not JSON, a stats entry that is not an object of numbers, ...), an unknown format,
        schema version or mode.

    Examples
    --------
    >>> import sqlite3
    >>> validate_schema(sqlite3.connect(":memory:"), "x.sqlite")
    Traceback (most recent call last):
    ...
    polyreg.scale.store.schema.StoreError: x.sqlite: malformed store: table 'meta' is missing
    """
    name = str(path)
    for table, columns in TABLES.items():
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if not have:
            raise StoreError(f"{name}: malformed store: table {table!r} is missing")
        missing = [c for c in columns if c not in have]
        if missing:
            raise StoreError(f"{name}: malformed store: table {table!r} lacks column(s) "
                             f"{', '.join(missing)}")
    meta = {}
    for key in ("params", "stats", "complete"):
        rows = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchall()
        if len(rows) != 1 or not isinstance(rows[0][0], str):
            raise StoreError(f"{name}: malformed store: meta entry {key!r} is missing or not text")
        meta[key] = rows[0][0]
    try:
        params = json.loads(meta["params"])
        stats = json.loads(meta["stats"])
    except json.JSONDecodeError as exc:
        raise StoreError(f"{name}: malformed store: meta entry is not JSON: {exc}") from exc
    if not isinstance(params, dict):
        raise StoreError(f"{name}: malformed store: meta 'params' is a {type(params).__name__}, "
                         "not an object")
    for key, types in _PARAMS.items():
        if key not in params:
            raise StoreError(f"{name}: malformed store: run parameter {key!r} is missing")
        if not isinstance(params[key], types) or (bool not in types
                                                  and isinstance(params[key], bool)):
            raise StoreError(f"{name}: malformed store: run parameter {key!r} is "
                             f"{params[key]!r}")
    if params["format"] != FORMAT:
        raise StoreError(f"{name}: unknown store format {params['format']!r} (expected "
                         f"{FORMAT!r})")
    if params["schema_version"] != SCHEMA_VERSION:
        raise StoreError(f"{name}: store schema version {params['schema_version']} in its "
                         f"parameters; this polyreg reads version {SCHEMA_VERSION}")
    if params["mode"] not in ("walk", "parts"):
        raise StoreError(f"{name}: malformed store: unknown mode {params['mode']!r}")
    if not isinstance(stats, dict):
        raise StoreError(f"{name}: malformed store: meta 'stats' is a {type(stats).__name__}, "
                         "not an object")
    for key, value in stats.items():
        if not _number(value) or value < 0:
            raise StoreError(f"{name}: malformed store: stats entry {key!r} is {value!r}, "
                             "not a number >= 0")
    if meta["complete"] not in ("0", "1"):
        raise StoreError(f"{name}: malformed store: meta 'complete' is {meta['complete']!r}")


def validate_rows(store: RegionStore) -> None:
    """Check a store's rows against its network: pattern and point blobs of the right size
    (padding bits zero), radii numbers >= 0, edges between stored regions with JSON neuron
    lists, and a run marked complete that really is (no frontier, no pending part).

    One pass of SQL over the tables (no row is decoded in Python).

    Raises
    ------
    StoreError
        Naming the table and what is wrong.
    """
    conn, name = store.conn, str(store.path)
    n = store.net.n_hidden
    nbytes = (n + 7) // 8
    size = 8 * store.wnet.n_inputs

    def count(sql: str, *args: object) -> int:
        return int(conn.execute(sql, args).fetchone()[0])

    bad = count("SELECT COUNT(*) FROM regions WHERE typeof(pattern) != 'blob' "
                "OR length(pattern) != ?", nbytes)
    if bad:
        raise StoreError(f"{name}: malformed store: {bad} region pattern(s) are corrupted "
                         f"(not {nbytes}-byte blobs)")
    if n % 8:
        mask = 0xFF >> (n % 8)  # bits after the n-th must be zero
        for (last,) in conn.execute("SELECT DISTINCT substr(pattern, -1, 1) FROM regions"):
            if bytes(last)[0] & mask:
                raise StoreError(f"{name}: malformed store: a region pattern is corrupted "
                                 "(padding bits set)")
    bad = count("SELECT COUNT(*) FROM regions WHERE typeof(point) != 'blob' "
                "OR length(point) != ? OR typeof(radius) NOT IN ('real', 'integer') "
                "OR NOT radius >= 0 OR expanded NOT IN (0, 1) OR typeof(map_hash) != 'text'",
                size)
    if bad:
        raise StoreError(f"{name}: malformed store: {bad} region row(s) are corrupted (point, "
                         "radius, map hash or expanded flag)")
    bad = count("SELECT COUNT(*) FROM edges WHERE u NOT IN (SELECT id FROM regions) "
                "OR v NOT IN (SELECT id FROM regions) "
                "OR (point IS NOT NULL AND (typeof(point) != 'blob' OR length(point) != ?))",
                size)
    if bad:
        raise StoreError(f"{name}: malformed store: {bad} edge row(s) are corrupted (unknown "
                         "region or bad point)")
    try:
        bad = count("SELECT COUNT(*) FROM edges WHERE NOT json_valid(neurons) "
                    "OR NOT json_valid(flipped) OR json_type(neurons) != 'array' "
                    "OR json_type(flipped) != 'array'")
    except sqlite3.OperationalError:  # pragma: no cover - SQLite without JSON functions
        bad = 0
    if bad:
        raise StoreError(f"{name}: malformed store: {bad} edge row(s) have neuron lists that "
                         "are not JSON arrays")
    if store._meta("complete") == "1":
        if store.n_regions() == 0:
            raise StoreError(f"{name}: malformed store: marked complete but holds no region")
        if store.params["mode"] == "walk" and store.n_frontier():
            raise StoreError(f"{name}: malformed store: marked complete but {store.n_frontier()} "
                             "region(s) were never expanded")
        if store.params["mode"] == "parts" and count(
                "SELECT COUNT(*) FROM parts WHERE status = 'pending'"):
            raise StoreError(f"{name}: malformed store: marked complete with parts pending")
