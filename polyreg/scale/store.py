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
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, overload
from collections.abc import Callable, Iterator

import numpy as np

from .._files import (
    FileLock,
    OutputError,
    clean_stale,
    open_output,
    resolve,
    same_file,
    temp_path,
)
from ..domains import Ball, Box, Domain, Polytope, Whole
from ..errors import InvalidDomain, InvalidNetwork, PolyregError
from ..network import Network
from ..regions import Edge, Region, RegionSet, pattern_key
from ..tolerances import DEFAULT, Tolerances

SCHEMA_VERSION = 1
#: ``PRAGMA application_id`` of a polyreg store ("plyr")
APPLICATION_ID = 0x706C7972
FORMAT = "polyreg.store"  # the file format's name (not the module path: stores on disk keep it)

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


def map_hash(W: np.ndarray, b: np.ndarray, digits: int = 10) -> str:
    """16 hex characters identifying an affine map ``W x + b`` (entries rounded to ``digits``
    decimals; the rule of ``polyreg.graph.map_hash``). Equal maps hash alike; maps equal only
    up to rounding may straddle a rounding boundary, so the hash groups, it does not decide.

    Examples
    --------
    >>> import numpy as np
    >>> map_hash(np.eye(2), np.zeros(2)) == map_hash(np.eye(2) + 1e-14, np.zeros(2))
    True
    """
    data = np.concatenate([np.ravel(W), np.ravel(b)]).astype(np.float64)
    data = np.round(data, digits) + 0.0
    shape = np.array(np.shape(W), dtype=np.int64)
    return hashlib.sha256(shape.tobytes() + data.tobytes()).hexdigest()[:16]


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
    polyreg.scale.store.StoreError: x.sqlite: malformed store: table 'meta' is missing
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


# ---------------------------------------------------------------------------- the store
class RegionStore:
    """An open store file. Create with :meth:`create`, open with :meth:`open`.

    Attributes
    ----------
    path : Path
    params : dict
        The run's parameters (``meta.params``).
    net : Network
    domain : Domain
    tol : Tolerances

    Examples
    --------
    >>> import os, tempfile, polyreg
    >>> net = polyreg.random_network([2, 6, 1], seed=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "run.sqlite")
    >>> with RegionStore.create(path, net, polyreg.Box.cube(2)) as store:
    ...     summary = run_walk(store)
    >>> with RegionStore.open(path) as store:
    ...     store.n_regions() == summary["regions"] == len(store.to_region_set())
    True
    """

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn
        self._lock: FileLock | None = None
        self.params: dict = json.loads(self._meta("params"))
        arrays = {}
        for name, data in conn.execute("SELECT name, data FROM arrays"):
            try:
                arrays[name] = _from_npy(data)
            except (ValueError, TypeError, OSError, EOFError) as exc:
                raise StoreError(f"{path}: stored array {name!r} is corrupted: {exc}") from exc
        layers = []
        k = 0
        while f"W{k}" in arrays:
            layers.append((arrays[f"W{k}"], arrays[f"b{k}"]))
            k += 1
        try:
            self.net = Network.from_layers(layers, negative_slope=self.params["negative_slope"])
        except (InvalidNetwork, KeyError) as exc:
            raise StoreError(f"{path}: the stored network is invalid: {exc}") from exc
        if network_sha256(self.net) != self.params.get("network_sha256"):
            raise StoreError(f"{path}: the stored network does not match its SHA-256 (corrupted)")
        self.domain = domain_from_description(self.params["domain"], arrays)
        try:
            self.tol = Tolerances(**self.params["tolerances"])
        except (TypeError, ValueError) as exc:
            raise StoreError(f"{path}: the stored tolerances are invalid: {exc}") from exc
        from .stream import working_space

        self.wnet, self.wdomain, self.reduction = working_space(
            self.net, self.domain, self.params.get("reduce", True)
        )
        if bool(self.params.get("reduced")) != (self.reduction is not None):
            raise StoreError(f"{path}: the stored coordinates do not match the network")
        validate_rows(self)

    # ------------------------------------------------------------------ opening
    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        net: Network,
        domain: Domain,
        *,
        tol: Tolerances = DEFAULT,
        chebyshev: bool = False,
        reduce: bool = True,
        seed: int = 0,
        mode: str = "walk",
        network_path: str | None = None,
    ) -> RegionStore:
        """Create a new store (fails if ``path`` exists). The file appears atomically: it is
        written under a temporary name and renamed once its parameters are committed.

        ``mode`` is ``"walk"`` (one process, resumable region by region) or ``"parts"``.
        A symbolic link ``path`` gets the store at its target. The returned store holds the
        run's lock (:class:`~polyreg._files.FileLock`, released by :meth:`close`).

        Raises
        ------
        StoreError
            ``path`` exists, or its directory does not.
        polyreg._files.Busy
            Another process is creating or running a store at ``path``.
        """
        path = Path(path)
        if mode not in ("walk", "parts"):
            raise ValueError(f"mode must be 'walk' or 'parts', got {mode!r}")
        target = resolve(path)  # a symbolic link: the store is created at its target
        if not target.parent.is_dir():
            raise StoreError(f"store directory {str(target.parent)!r} does not exist")
        lock = FileLock(target, "this store", "written")  # Busy: another run creates it
        try:
            if os.path.lexists(target):  # a dangling link names a new store
                raise StoreError(
                    f"store {str(path)!r} exists: continue it with `polyreg resume {path}` or "
                    "choose another file"
                )
            cls._build(target, net, domain, tol=tol, chebyshev=chebyshev, reduce=reduce,
                       seed=seed, mode=mode, network_path=network_path)
            return cls.open(path, lock=lock)
        except BaseException:
            lock.release()
            raise

    @staticmethod
    def _build(path: Path, net: Network, domain: Domain, *, tol: Tolerances, chebyshev: bool,
               reduce: bool, seed: int, mode: str, network_path: str | None) -> None:
        """Write a new store at ``path`` (a temporary file renamed into place)."""
        from .. import __version__
        from .stream import working_space

        domain = domain.for_inputs(net.n_inputs)
        _, _, red = working_space(net, domain, reduce)
        params = {
            "format": FORMAT,
            "schema_version": SCHEMA_VERSION,
            "polyreg_version": __version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "engine": "traverse",
            "mode": mode,
            "network_sha256": network_sha256(net),
            "network_path": None if network_path is None else str(network_path),
            "widths": list(net.widths),
            "negative_slope": float(net.negative_slope),
            "domain": domain.describe(),
            "tolerances": asdict(tol),
            "chebyshev": bool(chebyshev),
            "reduce": bool(reduce),
            "reduced": red is not None,
            "seed": int(seed),
        }
        clean_stale(path)  # temporary stores of killed runs
        tmp = temp_path(path)
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("BEGIN")
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            rows = [("params", json.dumps(params)), ("stats", json.dumps({})),
                    ("complete", "0")]
            conn.executemany("INSERT INTO meta VALUES (?, ?)", rows)
            arrays = []
            for k, (W, b) in enumerate(zip(net.weights, net.biases, strict=True)):
                arrays += [(f"W{k}", _npy(W)), (f"b{k}", _npy(b))]
            if isinstance(domain, Polytope):
                arrays += [("domain_A", _npy(domain.A)), ("domain_b", _npy(domain.b))]
            conn.executemany("INSERT INTO arrays VALUES (?, ?)", arrays)
            conn.execute("COMMIT")
            conn.close()
        except BaseException:
            conn.close()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(tmp) + suffix).unlink(missing_ok=True)
            raise
        os.replace(tmp, path)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        check: bool = True,
        lock: bool | FileLock = False,
    ) -> RegionStore:
        """Open an existing store, checking it is a polyreg store of this schema version with
        well-formed content (:func:`validate_schema`, :func:`validate_rows`).

        ``lock=True`` takes the run's exclusive lock (to run it: :func:`resume`); it is
        released by :meth:`close`, or when the process dies.

        Raises
        ------
        StoreError
            Missing file, not an SQLite database, another application's database, another
            schema version, corrupted content (``PRAGMA quick_check`` with ``check``) or
            malformed content (missing tables, wrong types, corrupted blobs).
        polyreg._files.Busy
            ``lock`` and another process is running the store.
        """
        path = Path(path)
        held: FileLock | None = None
        if lock is True:
            if not path.is_file():
                raise StoreError(f"store {str(path)!r} does not exist")
            held = FileLock(path, "this store", "resumed")
        elif isinstance(lock, FileLock):
            held = lock
        try:
            store = cls._open(path, check)
        except BaseException:
            if held is not None:
                held.release()
            raise
        store._lock = held
        return store

    @classmethod
    def _open(cls, path: Path, check: bool) -> RegionStore:
        if not path.is_file():
            raise StoreError(f"store {str(path)!r} does not exist")
        try:
            with open(path, "rb") as handle:
                head = handle.read(16)
        except OSError as exc:
            raise StoreError(f"cannot read store {str(path)!r}: {exc}") from exc
        if head != b"SQLite format 3\x00":
            raise StoreError(f"{str(path)!r} is not a polyreg store (not an SQLite database)")
        try:
            conn = sqlite3.connect(path, isolation_level=None)
            app = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if app != APPLICATION_ID:
                conn.close()
                raise StoreError(
                    f"{str(path)!r} is not a polyreg store (an SQLite database of another "
                    "application)"
                )
            if version != SCHEMA_VERSION:
                conn.close()
                raise StoreError(
                    f"{str(path)!r} has store schema version {version}; this polyreg reads "
                    f"version {SCHEMA_VERSION}"
                )
            if check:
                verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
                if verdict != "ok":
                    conn.close()
                    raise StoreError(f"{str(path)!r} is corrupted: {verdict}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            try:
                validate_schema(conn, path)
                return cls(path, conn)
            except BaseException:
                conn.close()
                raise
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{str(path)!r} is corrupted or not a polyreg store: {exc}") from exc
        except (KeyError, TypeError, json.JSONDecodeError) as exc:
            raise StoreError(f"{str(path)!r} has malformed run parameters: {exc!r}") from exc

    def close(self) -> None:
        """Close the database and release the run's lock if this store holds it."""
        try:
            self.conn.close()
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    @contextmanager
    def running(self) -> Iterator[RegionStore]:
        """Hold the run's exclusive lock for the block (already held: nothing to do)."""
        if self._lock is not None:
            yield self
            return
        self._lock = FileLock(self.path, "this store", "resumed")
        try:
            yield self
        finally:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> RegionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ access
    def _meta(self, key: str) -> str:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise StoreError(f"{self.path}: meta entry {key!r} is missing")
        return row[0]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (rolled back on an exception)."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: {exc}") from exc

    @property
    def complete(self) -> bool:
        return self._meta("complete") == "1"

    @property
    def stats(self) -> dict:
        return json.loads(self._meta("stats"))

    def n_regions(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM regions").fetchone()[0]

    def n_edges(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM edges").fetchone()[0]

    def n_frontier(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM regions WHERE expanded = 0").fetchone()[0]

    @overload
    def _lift(self, y: np.ndarray) -> np.ndarray: ...
    @overload
    def _lift(self, y: None) -> None: ...
    def _lift(self, y: np.ndarray | None) -> np.ndarray | None:
        return y if self.reduction is None or y is None else self.reduction.lift_point(y)

    def iter_regions(self, *, maps: bool = True) -> Iterator[tuple[int, Region, str]]:
        """``(id, Region, map_hash)`` by id; points in input coordinates, output maps
        recomputed from the pattern (``maps=False``: empty maps, faster)."""
        n = self.net.n_hidden
        empty = np.zeros((0, 0))
        cur = self.conn.execute("SELECT id, pattern, point, radius, map_hash FROM regions "
                                "ORDER BY id")
        for rid, key, point, radius, h in cur:
            pattern = unpack_pattern(key, n)
            if maps:
                m = self.net.local_maps(pattern)
                W, b = m.out_W, m.out_b
            else:
                W = b = empty
            yield rid, Region(pattern, self._lift(_vec(point)), float(radius), W, b), h

    def iter_edges(self) -> Iterator[tuple[int, int, tuple, tuple, np.ndarray | None]]:
        """``(u, v, neurons, flipped, point)`` by ``(u, v)``."""
        for u, v, ns, fl, p in self.conn.execute(
            "SELECT u, v, neurons, flipped, point FROM edges ORDER BY u, v"
        ):
            yield u, v, tuple(json.loads(ns)), tuple(json.loads(fl)), self._lift(_vec(p))

    def summary(self) -> dict:
        """The run as :meth:`polyreg.RegionSet.summary` would give it, plus ``store``,
        ``complete``, ``mode``, ``frontier``."""
        s = self.stats
        return {
            "regions": self.n_regions(),
            "edges": self.n_edges(),
            "method": "traverse",
            "domain": self.domain.describe(),
            "widths": list(self.net.widths),
            "engine": "traverse",
            "lps": s.get("lps", 0),
            "socps": s.get("socps", 0),
            "solves": s.get("lps", 0) + s.get("socps", 0),
            "seconds": s.get("seconds", 0.0),
            "store": str(self.path),
            "mode": self.params["mode"],
            "complete": self.complete,
            "frontier": self.n_frontier(),
            **({"workers": s["workers"], "parts": s["parts"]} if "parts" in s else {}),
        }

    def to_region_set(self) -> RegionSet:
        """Every stored region and edge as a :class:`~polyreg.RegionSet` (ids become indices)."""
        index: dict[int, int] = {}
        regions: list[Region] = []
        for rid, r, _ in self.iter_regions():
            index[rid] = len(regions)
            regions.append(r)
        edges = tuple(Edge(index[u], index[v], ns, fl, p) for u, v, ns, fl, p in self.iter_edges())
        stats = {k: v for k, v in self.summary().items()
                 if k not in ("regions", "edges", "method", "domain", "widths")}
        return RegionSet(tuple(regions), edges, "traverse", self.domain, self.net.widths, stats)

    def _add_stats(self, conn: sqlite3.Connection, **delta: Any) -> None:
        s = json.loads(conn.execute("SELECT value FROM meta WHERE key='stats'").fetchone()[0])
        for k, v in delta.items():
            s[k] = s.get(k, 0) + v if k in ("lps", "socps", "seconds") else v
        conn.execute("UPDATE meta SET value = ? WHERE key = 'stats'", (json.dumps(s),))

    def _hash(self, r: Region) -> str:
        W, b = r.out_W, r.out_b
        if self.reduction is not None:
            W, b = self.reduction.lift_map(W, b)
        return map_hash(W, b)


def _edge_row(e: Edge) -> tuple:
    return (json.dumps(list(e.neurons)), json.dumps(list(e.flipped)),
            None if e.point is None else np.asarray(e.point, "<f8").tobytes())


# ---------------------------------------------------------------------------- walk mode
def run_walk(
    store: RegionStore,
    *,
    progress: bool | None = False,
    batch: int = 2000,
    batch_seconds: float = 2.0,
    max_regions: int | None = None,
    time_limit: float | None = None,
) -> dict:
    """Run (or continue) a one-process search into ``store`` until its frontier is empty, or
    until a budget stops it.

    Commits after every ``batch`` regions found or ``batch_seconds`` seconds, always right
    after a region's expansion: a commit holds whole expansions, the regions they found and
    their edges. Resuming rebuilds the search state from the file (visited patterns; frontier
    = regions not expanded, in id order) and goes on exactly as the killed run would have.

    ``max_regions`` (the regions the store holds, this session's and earlier ones) and
    ``time_limit`` (seconds of this session) are a budget (:mod:`polyreg.budget`): checked
    after each expansion; on reaching one the work so far is committed, the store stays
    incomplete and :func:`resume` continues it.

    Returns
    -------
    dict
        :meth:`RegionStore.summary` (with ``stopped`` when a budget stopped the run).
    """
    from ..budget import Budget

    budget = Budget.make(max_regions, time_limit)
    if store.params["mode"] != "walk":
        raise StoreError(f"{store.path} is a parts-mode store; use run_parts")
    with store.running():  # one process at a time (Busy otherwise)
        return _run_walk(store, progress, batch, batch_seconds, budget)


def _run_walk(store: RegionStore, progress: bool | None, batch: int,
              batch_seconds: float, budget: Any = None) -> dict:
    from ..engines._common import Context, ScaleProgress, region_rows
    from ..engines.traverse import Expanded, Found, WalkState, start_state, walk
    from ..lp import SolveCounter

    t0 = time.perf_counter()
    ctx = Context.create(store.wnet, store.wdomain, store.tol)
    counter = SolveCounter()
    chebyshev = bool(store.params["chebyshev"])
    n_hidden = store.wnet.n_hidden
    show = ScaleProgress(progress)
    regions_rows: list[tuple] = []
    expanded: list[tuple[int]] = []
    edge_rows: list[tuple] = []
    last = [time.perf_counter(), 0, 0]  # time, lps, socps at the last commit

    def found_row(i: int, r: Region) -> tuple:
        return (i, pattern_key(r.pattern), np.asarray(r.point, "<f8").tobytes(), float(r.radius),
                store._hash(r))

    def flush(final: bool = False) -> None:
        now = time.perf_counter()
        with store.transaction() as conn:
            conn.executemany("INSERT INTO regions (id, pattern, point, radius, map_hash) "
                             "VALUES (?, ?, ?, ?, ?)", regions_rows)
            conn.executemany("UPDATE regions SET expanded = 1 WHERE id = ?", expanded)
            conn.executemany("INSERT INTO edges VALUES (?, ?, ?, ?, ?)", edge_rows)
            store._add_stats(conn, lps=counter.lp - last[1], socps=counter.socp - last[2],
                             seconds=now - last[0])
            if final:
                conn.execute("UPDATE meta SET value = '1' WHERE key = 'complete'")
        regions_rows.clear()
        expanded.clear()
        edge_rows.clear()
        last[:] = [now, counter.lp, counter.socp]

    keys = [k for (k,) in store.conn.execute("SELECT pattern FROM regions ORDER BY id")]
    if not keys:
        state, first = start_state(ctx, counter, int(store.params["seed"]))
        regions_rows.append(found_row(first.index, first.region))
        flush()
    else:
        state = WalkState()
        state.keys = keys
        state.known = {k: i for i, k in enumerate(keys)}
        if len(state.known) != len(keys):  # pragma: no cover - UNIQUE forbids it
            raise StoreError(f"{store.path}: duplicate patterns")
        last_id = store.conn.execute("SELECT MAX(id) FROM regions").fetchone()[0]
        if last_id != len(keys) - 1:
            raise StoreError(f"{store.path}: region ids are not 0..n-1 (not a walk-mode store?)")
        for rid, key, point in store.conn.execute(
            "SELECT id, pattern, point FROM regions WHERE expanded = 0 ORDER BY id"
        ):
            rr = region_rows(ctx, unpack_pattern(key, n_hidden))
            state.frontier.append((rid, rr, _vec(point)))
    n = len(state.keys)
    stopped = None
    try:
        for event in walk(ctx, state, counter, chebyshev=chebyshev):
            if isinstance(event, Found):
                regions_rows.append(found_row(event.index, event.region))
                n += 1
                continue
            assert isinstance(event, Expanded)  # without owns=, walk yields Found and Expanded
            expanded.append((event.index,))
            edge_rows.extend((e.u, e.v, *_edge_row(e)) for e in event.edges)
            show.update(n, frontier=len(state.frontier), solves=counter.total)
            # a budget stops right after an expansion: a commit point, as for a crash
            if budget is not None and state.frontier and (stopped := budget.exceeded(n)):
                break
            if len(regions_rows) >= batch or time.perf_counter() - last[0] >= batch_seconds:
                flush()
        flush(final=stopped is None)
    finally:
        show.close(n)
    out = store.summary()
    out["seconds_session"] = time.perf_counter() - t0
    if budget is not None:
        out.update(budget.stats(stopped))
    return out


# ---------------------------------------------------------------------------- parts mode
class _StoreSink:
    """Writes each finished part in one transaction (the parallel driver's sink)."""

    def __init__(self, store: RegionStore, ids: dict) -> None:
        self.store = store
        self.ids = ids  # Part -> parts.id

    def add(self, res: Any) -> None:
        store, pid = self.store, self.ids[res.part]
        with store.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO regions (pattern, point, radius, map_hash, expanded, part)"
                " VALUES (?, ?, ?, ?, 1, ?)",
                [(r.key, np.asarray(r.point, "<f8").tobytes(), float(r.radius), store._hash(r),
                  pid) for r in res.regions],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO edge_keys VALUES (?, ?, ?, ?, ?)",
                [(min(ku, kv), max(ku, kv), json.dumps(list(ns)), json.dumps(list(fl)),
                  None if p is None else np.asarray(p, "<f8").tobytes())
                 for ku, kv, ns, fl, p in res.edges],
            )
            conn.executemany("INSERT OR IGNORE INTO cut_keys VALUES (?, ?, ?)",
                             [(pid, 0, k) for k in res.lower_keys]
                             + [(pid, 1, k) for k in res.upper_keys])
            conn.execute("UPDATE parts SET status = 'done', owned = ?, found = ? WHERE id = ?",
                         (res.owned, res.found, pid))
            store._add_stats(conn, lps=res.stats.get("lps", 0), socps=res.stats.get("socps", 0))

    def drop(self, part: Any) -> None:
        with self.store.transaction() as conn:
            conn.execute("UPDATE parts SET status = 'dropped' WHERE id = ?", (self.ids[part],))


def run_parts(
    store: RegionStore,
    *,
    workers: int | None = None,
    client: Any = None,
    parts: int | None = None,
    progress: bool | None = False,
) -> dict:
    """Run (or continue) a partitioned search into ``store`` (see :mod:`polyreg.scale.parallel`).

    The partition is planned on the first call and kept in the file; each part commits in
    one transaction when it is done, so a killed run loses only the parts under way.

    Returns
    -------
    dict
        :meth:`RegionStore.summary`.
    """
    if store.params["mode"] != "parts":
        raise StoreError(f"{store.path} is a walk-mode store; use run_walk")
    with store.running():  # one process at a time (Busy otherwise)
        return _run_parts(store, workers, client, parts, progress)


def _run_parts(store: RegionStore, workers: int | None, client: Any, parts: int | None,
               progress: bool | None) -> dict:
    from ..engines._common import ScaleProgress
    from .parallel import (
        Part,
        PartResult,
        Partition,
        default_parts,
        drive,
        make_runner,
        plan_partition,
    )

    t0 = time.perf_counter()
    runner = make_runner(workers, client)
    show = ScaleProgress(progress)
    try:
        rows = store.conn.execute(
            "SELECT id, axis, lo, hi, weight, density, status, owned, found FROM parts "
            "WHERE status != 'dropped' ORDER BY id").fetchall()
        if not rows:
            n = default_parts(parts, runner.workers, store.wnet.n_inputs)
            plan = plan_partition(store.wnet, store.wdomain, n, seed=int(store.params["seed"]))
            with store.transaction() as conn:
                conn.executemany(
                    "INSERT INTO parts (axis, lo, hi, weight, density, status) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [(p.axis, p.lo, p.hi, p.weight, p.density, "pending") for p in plan.parts()],
                )
            rows = store.conn.execute(
                "SELECT id, axis, lo, hi, weight, density, status, owned, found FROM parts "
                "WHERE status != 'dropped' ORDER BY id").fetchall()
        ids: dict[Part, int] = {}
        done: dict[Part, PartResult] = {}
        for pid, axis, lo, hi, weight, density, status, owned, found in rows:
            p = Part(axis, lo, hi, weight, density)
            ids[p] = pid
            if status == "done":
                res = PartResult(p, owned=owned, found=found)
                for side, key in store.conn.execute(
                    "SELECT side, pattern FROM cut_keys WHERE part = ?", (pid,)
                ):
                    (res.upper_keys if side else res.lower_keys).add(key)
                done[p] = res
        ordered = sorted(ids, key=lambda p: -np.inf if p.lo is None else p.lo)
        partition = Partition(ordered[0].axis, tuple(p.lo for p in ordered[1:]),  # type: ignore[misc]  # all but the first part have a lo
                              tuple(p.weight for p in ordered),
                              tuple(p.weight / p.density for p in ordered))

        def on_partition(new: Partition) -> None:
            fresh = [p for p in new.parts() if p not in ids]
            with store.transaction() as conn:
                for p in fresh:
                    cur = conn.execute(
                        "INSERT INTO parts (axis, lo, hi, weight, density, status) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (p.axis, p.lo, p.hi, p.weight, p.density, "pending"))
                    ids[p] = cur.lastrowid  # type: ignore[assignment]  # an INSERT sets it

        def report(info: dict) -> None:
            show.update(info["regions"], fraction=info["fraction"],
                        parts=(info["parts_done"], info["parts"]))

        final, _ = drive(
            store.wnet, store.wdomain, partition, runner, tol=store.tol,
            chebyshev=bool(store.params["chebyshev"]), collect=True,
            seed=int(store.params["seed"]), done=done, sink=_StoreSink(store, ids),
            on_partition=on_partition, progress=report,
        )
    finally:
        runner.close()
        show.close()
    with store.transaction() as conn:
        conn.execute(
            "INSERT OR IGNORE INTO edges (u, v, neurons, flipped, point) "
            "SELECT MIN(a.id, b.id), MAX(a.id, b.id), e.neurons, e.flipped, e.point "
            "FROM edge_keys e JOIN regions a ON a.pattern = e.ka JOIN regions b ON b.pattern = e.kb"
        )
        store._add_stats(conn, seconds=time.perf_counter() - t0, workers=runner.workers,
                         parts=len(final.parts()))
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'complete'")
    return store.summary()


def resume(
    path: str | os.PathLike[str],
    *,
    workers: int | None = None,
    client: Any = None,
    progress: bool | None = False,
    max_regions: int | None = None,
    time_limit: float | None = None,
) -> dict:
    """Continue the run in the store at ``path`` (a finished run returns at once).

    ``max_regions`` / ``time_limit``: a budget for this session (walk-mode stores only, see
    :func:`run_walk`); a stopped run is resumed again later.

    The run's lock is held throughout: a second ``resume`` (or a run still writing the store)
    raises :class:`~polyreg._files.Busy` ("this store ... is being resumed by process N"),
    exit status 2 on the command line.

    Examples
    --------
    >>> import os, tempfile, polyreg
    >>> net = polyreg.random_network([2, 6, 1], seed=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "run.sqlite")
    >>> RegionStore.create(path, net, polyreg.Box.cube(2)).close()
    >>> resume(path)["complete"]
    True
    """
    with RegionStore.open(path, lock=True) as store:
        if store.complete:
            return store.summary()
        if store.params["mode"] == "walk":
            return run_walk(store, progress=progress, max_regions=max_regions,
                            time_limit=time_limit)
        if max_regions is not None or time_limit is not None:
            from ..budget import check_engine

            check_engine("traverse", parallel=True)
        return run_parts(store, workers=workers, client=client, progress=progress)


# ---------------------------------------------------------------------------- export
EXPORT_FORMATS = ("json", "graphml", "npz")


def export(store: RegionStore, path: str | os.PathLike[str], fmt: str = "json") -> Path:
    """Write the store's regions and edges to ``path`` as ``json`` (the ``polyreg.regions/1``
    schema of ``polyreg enumerate``), ``graphml`` or ``npz``, through
    :func:`polyreg._files.open_output` (atomically to a regular file: temporary file, then
    rename; streamed into a device or FIFO). JSON and GraphML are written as a stream.
    ``path`` may not be the store itself (:class:`~polyreg._files.OutputError`).

    ``npz`` arrays: ``pattern`` (n, bytes) uint8 (packed bits), ``point`` (n, d), ``radius``
    (n,), ``map_hash`` (n,) str, ``edges`` (m, 2) ids, ``edge_point`` (m, d) (NaN: none),
    ``neuron_ptr``/``neuron_ids`` and ``flipped_ptr``/``flipped`` (ragged lists per edge),
    ``meta`` (JSON text: summary and parameters).
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(
            f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}"
        )
    path = Path(path)
    if same_file(path, store.path):
        raise OutputError(f"--out {str(path)!r} is the store itself; refusing to overwrite it: "
                          "choose another output file")
    writer: Callable[[RegionStore, Any], None] = {
        "json": _write_json, "graphml": _write_graphml, "npz": _write_npz}[fmt]
    with open_output(path, "wb") as handle:
        writer(store, handle)
    return path


def _write_json(store: RegionStore, handle: Any) -> None:
    head = store.summary()
    head["schema"] = "polyreg.regions/1"
    text = json.dumps(head, allow_nan=False)
    handle.write((text[:-1] + ', "regions_list": [').encode())
    first = True
    for rid, r, _ in store.iter_regions():
        item = {"id": rid, "pattern": r.hex, "point": r.point.tolist(), "radius": r.radius,
                "out_W": r.out_W.tolist(), "out_b": r.out_b.tolist()}
        handle.write(((", " if not first else "") + json.dumps(item)).encode())
        first = False
    handle.write(b'], "edges_list": [')
    first = True
    for u, v, ns, fl, p in store.iter_edges():
        item = {"u": u, "v": v, "neurons": list(ns), "flipped": list(fl),
                "point": None if p is None else p.tolist()}
        handle.write(((", " if not first else "") + json.dumps(item)).encode())
        first = False
    handle.write(b"]}\n")


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _write_graphml(store: RegionStore, handle: Any) -> None:
    def w(text: str) -> None:
        handle.write(text.encode())

    keys = [("pattern", "node", "string"), ("point", "node", "string"),
            ("radius", "node", "double"), ("map_hash", "node", "string"),
            ("neurons", "edge", "string"), ("flipped", "edge", "string"),
            ("point", "edge", "string")]
    w('<?xml version="1.0" encoding="utf-8"?>\n'
      '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
      'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
      'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
      'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
    for name, kind, typ in keys:
        w(f'<key id="{kind[0]}_{name}" for="{kind}" attr.name="{name}" attr.type="{typ}"/>\n')
    w('<key id="g_widths" for="graph" attr.name="widths" attr.type="string"/>\n'
      '<key id="g_domain" for="graph" attr.name="domain" attr.type="string"/>\n')
    w('<graph edgedefault="undirected">\n')
    w(f'<data key="g_widths">{_xml(json.dumps(list(store.net.widths)))}</data>\n')
    w(f'<data key="g_domain">{_xml(json.dumps(store.domain.describe()))}</data>\n')
    for rid, r, h in store.iter_regions(maps=False):
        w(f'<node id="{rid}"><data key="n_pattern">{r.hex}</data>'
          f'<data key="n_point">{json.dumps(r.point.tolist())}</data>'
          f'<data key="n_radius">{r.radius!r}</data><data key="n_map_hash">{h}</data></node>\n')
    for u, v, ns, fl, p in store.iter_edges():
        point = "" if p is None else f'<data key="e_point">{json.dumps(p.tolist())}</data>'
        w(f'<edge source="{u}" target="{v}"><data key="e_neurons">{json.dumps(list(ns))}</data>'
          f'<data key="e_flipped">{json.dumps(list(fl))}</data>{point}</edge>\n')
    w("</graph>\n</graphml>\n")


def _write_npz(store: RegionStore, handle: Any) -> None:
    ids, pats, points, radii, hashes = [], [], [], [], []
    for rid, r, h in store.iter_regions(maps=False):
        ids.append(rid)
        pats.append(np.packbits(r.pattern))
        points.append(r.point)
        radii.append(r.radius)
        hashes.append(h)
    d = store.net.n_inputs
    n = len(ids)
    us, vs, eps, ns_all, fl_all = [], [], [], [], []
    for u, v, ns, fl, p in store.iter_edges():
        us.append(u)
        vs.append(v)
        eps.append(np.full(d, np.nan) if p is None else p)
        ns_all.append(ns)
        fl_all.append(fl)

    def ragged(seqs: list) -> tuple[np.ndarray, np.ndarray]:
        ptr = np.concatenate([[0], np.cumsum([len(s) for s in seqs])]).astype(np.int64)
        return ptr, np.array([x for s in seqs for x in s], dtype=np.int64)

    nptr, nids = ragged(ns_all)
    fptr, fids = ragged(fl_all)
    meta = {"summary": store.summary(), "params": store.params}
    np.savez_compressed(
        handle,
        meta=np.array(json.dumps(meta)),
        id=np.array(ids, dtype=np.int64),
        pattern=np.array(pats, dtype=np.uint8).reshape(n, (store.net.n_hidden + 7) // 8),
        point=np.array(points, dtype=float).reshape(n, d),
        radius=np.array(radii, dtype=float),
        map_hash=np.array(hashes, dtype="<U16"),
        edges=np.column_stack([us, vs]).astype(np.int64).reshape(len(us), 2),
        edge_point=np.array(eps, dtype=float).reshape(len(us), d),
        neuron_ptr=nptr, neuron_ids=nids, flipped_ptr=fptr, flipped=fids,
    )
