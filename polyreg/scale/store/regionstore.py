"""The open store: :class:`RegionStore` (create, open with the file lock, read regions and edges,
summary, transactions). The file format is :mod:`~polyreg.scale.store.schema`; running and
resuming a search :mod:`~polyreg.scale.store.runs`; export :mod:`~polyreg.scale.store.export`."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, overload
from collections.abc import Iterator

import numpy as np

from ..._files import (
    FileLock,
    clean_stale,
    resolve,
    temp_path,
)
from ...domains import Domain, Polytope
from ...errors import InvalidNetwork
from ...network import Network
from ...regions import Edge, Region, RegionSet
from ...tolerances import DEFAULT, Tolerances


from .schema import (
    _SCHEMA, APPLICATION_ID, FORMAT, SCHEMA_VERSION, StoreError, _from_npy, _npy, _vec,
    domain_from_description, map_hash, network_sha256, unpack_pattern, validate_rows,
    validate_schema,
)


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
    >>> from polyreg.scale.store import run_walk
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
        from ..stream import working_space

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
        from ... import __version__
        from ..stream import working_space

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
