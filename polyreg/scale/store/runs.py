"""Running and resuming a store's search: walk mode (:func:`run_walk`, the ``traverse`` walk in
one process, committed in batches) and parts mode (:func:`run_parts`, domain slabs through
:mod:`polyreg.scale.parallel`, one transaction per part), and :func:`resume` for either."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import numpy as np

from ...regions import Edge, Region, pattern_key


from .schema import StoreError, _vec, unpack_pattern
from .regionstore import RegionStore


def _edge_row(e: Edge) -> tuple:
    return (json.dumps(list(e.neurons)), json.dumps(list(e.flipped)),
            None if e.point is None else np.asarray(e.point, "<f8").tobytes())


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
    from ...budget import Budget

    budget = Budget.make(max_regions, time_limit)
    if store.params["mode"] != "walk":
        raise StoreError(f"{store.path} is a parts-mode store; use run_parts")
    with store.running():  # one process at a time (Busy otherwise)
        return _run_walk(store, progress, batch, batch_seconds, budget)


def _run_walk(store: RegionStore, progress: bool | None, batch: int,
              batch_seconds: float, budget: Any = None) -> dict:
    from ...engines._common import Context, ScaleProgress, region_rows
    from ...engines.traverse_engine import Expanded, Found, WalkState, start_state, walk
    from ...solvers import SolveCounter

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
    from ...engines._common import ScaleProgress
    from ..parallel import (
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
            from ...budget import check_engine

            check_engine("traverse", parallel=True)
        return run_parts(store, workers=workers, client=client, progress=progress)
