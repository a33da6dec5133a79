"""The SQLite region store: contents, resuming after ``kill -9``, export, bad files."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import polyreg
from polyreg import Ball, Box
from polyreg.cli import main
from polyreg.scale.store import (
    RegionStore,
    StoreError,
    export,
    resume,
    run_parts,
    run_walk,
)

REPO = Path(__file__).resolve().parents[2]

#: the network of the kill tests: 1403 regions in [-2, 2]^2 (about a second of work)
KILL_NET = ([2, 30, 30, 1], 3)
KILL_BOX = ("-2", "2")


def enum(net, domain, **options):
    """``polyreg.enumerate_regions`` with the ``traverse`` engine (the one these features run)."""
    return polyreg.enumerate_regions(net, domain, method="traverse", **options)


def _edge_set(rs: polyreg.RegionSet) -> set[frozenset]:
    return {frozenset((rs[e.u].hex, rs[e.v].hex)) for e in rs.edges}


def _rows(path: Path) -> tuple[list, list]:
    conn = sqlite3.connect(path)
    try:
        regions = conn.execute(
            "SELECT id, pattern, point, radius, map_hash, expanded FROM regions ORDER BY id"
        ).fetchall()
        edges = conn.execute("SELECT * FROM edges ORDER BY u, v").fetchall()
    finally:
        conn.close()
    return regions, edges


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


# ---------------------------------------------------------------------------- contents
@pytest.mark.parametrize("domain", [Box([-1.0, -1.0], [1.0, 0.5]), Ball([0.0, 0.1], 1.0, norm=1),
                                    Ball([0.0, 0.1], 1.0, norm=2)], ids=["box", "l1", "l2"])
def test_walk_store_holds_the_enumeration(tmp_path, domain):
    net = polyreg.random_network([2, 10, 8, 1], seed=3)
    ref = enum(net, domain, chebyshev=False)
    with RegionStore.create(tmp_path / "run.sqlite", net, domain) as store:
        summary = run_walk(store, batch=7)
        assert summary["complete"] and summary["frontier"] == 0
        rs = store.to_region_set()
    assert (summary["regions"], summary["edges"]) == (len(ref), len(ref.edges))
    assert [r.hex for r in rs] == [r.hex for r in ref]  # same ids: the order found
    assert _edge_set(rs) == _edge_set(ref)
    np.testing.assert_array_equal([r.point for r in rs], [r.point for r in ref])
    for r, q in zip(rs, ref, strict=True):
        np.testing.assert_allclose(r.out_W, q.out_W, atol=1e-12)


def test_walk_store_of_a_reduced_problem(tmp_path):
    # L2 ball in R^4, first layer of 2 neurons: the search runs in 2 coordinates; points are
    # lifted back to R^4
    net = polyreg.random_network([4, 2, 6, 1], seed=2)
    ball = Ball([0.1, 0.0, -0.2, 0.3], 1.5)
    ref = enum(net, ball)
    with RegionStore.create(tmp_path / "r.sqlite", net, ball, chebyshev=True) as store:
        run_walk(store)
        assert store.params["reduced"]
        rs = store.to_region_set()
    assert rs.patterns == ref.patterns
    for r in rs:
        assert r.point.shape == (4,) and ball.contains(r.point)
        assert polyreg.regions.pattern_hex(net.pattern(r.point)) == r.hex


def test_parts_store_matches(tmp_path):
    net = polyreg.random_network([2, 10, 8, 1], seed=3)
    box = Box.cube(2)
    ref = enum(net, box)
    with RegionStore.create(tmp_path / "p.sqlite", net, box, mode="parts",
                            chebyshev=True) as store:
        summary = run_parts(store, workers=1, parts=4)
        rs = store.to_region_set()
    assert summary["complete"] and summary["parts"] == 4
    assert rs.patterns == ref.patterns and _edge_set(rs) == _edge_set(ref)
    assert len(rs.edges) == len(ref.edges)


def test_interrupted_walk_resumes_to_the_same_rows(tmp_path, monkeypatch):
    import importlib

    traverse = importlib.import_module("polyreg.engines.traverse_engine")  # the module, not the engine

    net = polyreg.random_network([2, 10, 8, 1], seed=3)
    box = Box.cube(2)
    with RegionStore.create(tmp_path / "ref.sqlite", net, box) as store:
        run_walk(store)
    real_walk = traverse.walk

    def dying_walk(*args, **kwargs):  # Ctrl-C after 40 events
        for k, event in enumerate(real_walk(*args, **kwargs)):
            if k == 40:
                raise KeyboardInterrupt
            yield event

    monkeypatch.setattr(traverse, "walk", dying_walk)
    with RegionStore.create(tmp_path / "cut.sqlite", net, box) as store:
        with pytest.raises(KeyboardInterrupt):
            run_walk(store, batch=3)
        assert not store.complete and store.n_frontier() > 0
    monkeypatch.setattr(traverse, "walk", real_walk)
    summary = resume(tmp_path / "cut.sqlite")
    assert summary["complete"]
    assert _rows(tmp_path / "cut.sqlite") == _rows(tmp_path / "ref.sqlite")


# ---------------------------------------------------------------------------- kill -9
@pytest.fixture(scope="module")
def kill_setup(tmp_path_factory):
    """The kill tests' network file and the rows of an uninterrupted walk-mode run."""
    d = tmp_path_factory.mktemp("kill")
    widths, seed = KILL_NET
    net = polyreg.random_network(widths, seed=seed)
    path = d / "net.npz"
    net.save(path)
    ref = d / "ref.sqlite"
    box = Box.cube(2, float(KILL_BOX[0]), float(KILL_BOX[1]))
    with RegionStore.create(ref, net, box, network_path=str(path)) as store:
        run_walk(store)
        rs = store.to_region_set()
    return path, ref, rs


def _kill_and_resume(tmp_path: Path, net_path: Path, seed: int, extra: list[str],
                     resume_extra: list[str]) -> Path:
    """Run ``polyreg count --store`` in a subprocess, ``kill -9`` it after a random delay,
    then ``polyreg resume`` the store (or, killed before the store appeared, run again).
    The delay is counted from the moment the store file appears, so kills land at random
    points of the search itself."""
    store = tmp_path / f"run{seed}.sqlite"
    cmd = [sys.executable, "-m", "polyreg", "count", str(net_path), "--box", *KILL_BOX,
           "--store", str(store), "--quiet", *extra]
    delay = np.random.default_rng(seed).uniform(0.0, 1.5)
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start = time.monotonic()
    while not store.exists() and proc.poll() is None and time.monotonic() - start < 120:
        time.sleep(0.01)  # the store appears (atomically) once the run has started
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if not store.exists():  # killed before the store was created: nothing to resume
        done = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        return store
    done = subprocess.run([sys.executable, "-m", "polyreg", "resume", str(store), "--json",
                           *resume_extra], env=_env(), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["complete"]
    return store


@pytest.mark.parametrize("seed", range(3))
def test_kill_9_walk_mode_resumes_exactly(tmp_path, kill_setup, seed):
    net_path, ref, _ = kill_setup
    store = _kill_and_resume(tmp_path, net_path, seed,
                             ["--workers", "1", "--commit-every", "25"], [])
    assert _rows(store) == _rows(ref)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(3, 12))
def test_kill_9_walk_mode_resumes_exactly_more_seeds(tmp_path, kill_setup, seed):
    net_path, ref, _ = kill_setup
    store = _kill_and_resume(tmp_path, net_path, seed,
                             ["--workers", "1", "--commit-every", "25"], [])
    assert _rows(store) == _rows(ref)


@pytest.mark.parametrize("seed", [0] + [pytest.param(s, marks=pytest.mark.slow) for s in (1, 2, 3)])
def test_kill_9_parts_mode_resumes_to_the_same_set(tmp_path, kill_setup, seed):
    net_path, _, ref = kill_setup
    store = _kill_and_resume(tmp_path, net_path, seed, ["--workers", "2", "--parts", "6"],
                             ["--workers", "2"])
    with RegionStore.open(store) as s:
        rs = s.to_region_set()
    assert len(rs) == len(ref) and rs.patterns == ref.patterns
    assert len(rs.edges) == len(ref.edges) and _edge_set(rs) == _edge_set(ref)


# ---------------------------------------------------------------------------- CLI, export
@pytest.fixture
def small_net(tmp_path) -> Path:
    path = tmp_path / "net.npz"
    polyreg.random_network([2, 8, 6, 1], seed=1).save(path)
    return path


def test_cli_store_resume_export(tmp_path, small_net, capsys):
    store = tmp_path / "run.sqlite"
    out = tmp_path / "regions.json"
    assert main(["enumerate", str(small_net), "--box", "-1", "1", "--store", str(store),
                 "--out", str(out), "--workers", "1", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    data = json.loads(out.read_text())
    assert data["schema"] == "polyreg.regions/1"
    assert summary["regions"] == data["regions"] == len(data["regions_list"])
    assert len(data["edges_list"]) == data["edges"]
    net = polyreg.load(small_net)
    ref = enum(net, Box.cube(2))
    assert {r["pattern"] for r in data["regions_list"]} == ref.patterns
    # Chebyshev centres for enumerate (as without --store)
    radius = {r.hex: r.radius for r in ref}
    np.testing.assert_allclose([r["radius"] for r in data["regions_list"]],
                               [radius[r["pattern"]] for r in data["regions_list"]], rtol=1e-7)
    # resume of a finished run: the summary, nothing else
    assert main(["resume", str(store), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["regions"] == summary["regions"] and again["complete"]
    # export in every format
    assert main(["export", str(store), "--format", "graphml"]) == 0
    assert "wrote" in capsys.readouterr().out
    g = nx.read_graphml(store.with_suffix(".graphml"))
    assert g.number_of_nodes() == len(ref) and g.number_of_edges() == len(ref.edges)
    assert {g.nodes[n]["pattern"] for n in g.nodes} == ref.patterns
    npz = tmp_path / "x.npz"
    assert main(["export", str(store), "--out", str(npz), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["format"] == "npz"
    with np.load(npz, allow_pickle=False) as z:
        assert z["pattern"].shape == (len(ref), 2) and z["edges"].shape == (len(ref.edges), 2)
        assert z["point"].shape == (len(ref), 2)
        assert json.loads(str(z["meta"]))["params"]["widths"] == [2, 8, 6, 1]
    assert main(["export", str(store), "--format", "json", "--out",
                 str(tmp_path / "e.json")]) == 0
    capsys.readouterr()
    assert json.loads((tmp_path / "e.json").read_text())["regions_list"] == data["regions_list"]


def test_store_parameters_recorded(tmp_path, small_net):
    store = tmp_path / "run.sqlite"
    assert main(["count", str(small_net), "--ball", "0.5", "--center", "0,0.1", "--norm", "inf",
                 "--store", str(store), "--workers", "1", "--quiet"]) == 0
    with RegionStore.open(store) as s:
        p = s.params
        assert p["format"] == "polyreg.store" and p["schema_version"] == 1
        assert p["engine"] == "traverse" and p["mode"] == "walk"
        assert p["domain"] == {"type": "ball", "center": [0.0, 0.1], "radius": 0.5,
                               "norm": "inf"}
        assert p["tolerances"]["radius"] == polyreg.Tolerances().radius
        assert p["network_path"] == str(small_net)
        assert len(p["network_sha256"]) == 64 and p["polyreg_version"]
        assert s.net.widths == (2, 8, 6, 1)


# ---------------------------------------------------------------------------- bad files
def expect_error(capsys, argv: list[str], match: str) -> None:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("polyreg: error: ")
    assert match in lines[0], lines[0]
    assert "Traceback" not in err


def _good_store(tmp_path: Path) -> Path:
    path = tmp_path / "good.sqlite"
    with RegionStore.create(path, polyreg.random_network([2, 6, 1], seed=0), Box.cube(2)) as s:
        run_walk(s)
    return path


def test_missing_store(tmp_path, capsys):
    expect_error(capsys, ["resume", str(tmp_path / "nope.sqlite")], "does not exist")
    expect_error(capsys, ["export", str(tmp_path / "nope.sqlite")], "does not exist")


def test_not_a_database(tmp_path, capsys):
    bad = tmp_path / "junk.sqlite"
    bad.write_bytes(b"this is not a database at all" * 100)
    expect_error(capsys, ["resume", str(bad)], "not an SQLite database")
    with pytest.raises(StoreError, match="not a polyreg store"):
        RegionStore.open(bad)


def test_foreign_sqlite_database(tmp_path, capsys):
    foreign = tmp_path / "other.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    conn.close()
    expect_error(capsys, ["resume", str(foreign)], "another application")
    expect_error(capsys, ["export", str(foreign)], "another application")


def test_other_schema_version(tmp_path, capsys):
    path = _good_store(tmp_path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    expect_error(capsys, ["resume", str(path)], "schema version 99")


def test_truncated_store(tmp_path, capsys):
    path = _good_store(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert main(["resume", str(path)]) == 2
    err = capsys.readouterr().err
    assert "polyreg: error:" in err and "Traceback" not in err
    assert "corrupted" in err or "not a polyreg store" in err


def test_overwritten_pages(tmp_path, capsys):
    path = _good_store(tmp_path)
    data = bytearray(path.read_bytes())
    page = 4096
    data[page: 3 * page] = os.urandom(2 * page)  # scribble over the first tables
    path.write_bytes(bytes(data))
    assert main(["export", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("polyreg: error:") and "Traceback" not in err


def test_tampered_network(tmp_path, capsys):
    path = _good_store(tmp_path)
    conn = sqlite3.connect(path)
    import io

    buf = io.BytesIO()
    np.save(buf, np.zeros((6, 2)))
    conn.execute("UPDATE arrays SET data = ? WHERE name = 'W0'", (buf.getvalue(),))
    conn.commit()
    conn.close()
    expect_error(capsys, ["resume", str(path)], "does not match its SHA-256")


def test_existing_store_is_not_overwritten(tmp_path, small_net, capsys):
    path = _good_store(tmp_path)
    before = path.read_bytes()
    expect_error(capsys, ["count", str(small_net), "--box", "-1", "1", "--store", str(path)],
                 "exists")
    assert path.read_bytes() == before


def test_scale_options_need_traverse(tmp_path, small_net, capsys):
    from polyreg.engines import ENGINES

    other = next((m for m in ENGINES if m not in ("traverse", "auto")), None)
    if other is None:
        pytest.skip("only one engine registered")
    expect_error(capsys, ["count", str(small_net), "--box", "-1", "1", "--method", other,
                          "--store", str(tmp_path / "s.sqlite")], "--method traverse")


def test_export_bad_format_and_directory(tmp_path):
    path = _good_store(tmp_path)
    with RegionStore.open(path) as s:
        with pytest.raises(ValueError, match="unknown export format"):
            export(s, tmp_path / "x.csv", "csv")
        with pytest.raises(ValueError, match="does not exist"):
            export(s, tmp_path / "nodir" / "x.json", "json")


# ---------------------------------------------------------------------------- one run at a time
def _incomplete_store(tmp_path: Path) -> Path:
    path = tmp_path / "run.sqlite"
    RegionStore.create(path, polyreg.random_network([2, 6, 1], seed=0), Box.cube(2)).close()
    return path


def test_second_resume_is_refused_while_the_first_runs(tmp_path, capsys):
    from polyreg._files import Busy, FileLock

    path = _incomplete_store(tmp_path)
    assert not (tmp_path / "run.sqlite.lock").exists()  # released by close()
    with FileLock(path, "this store", "resumed"):
        with pytest.raises(Busy, match=f"is being resumed by process {os.getpid()}"):
            resume(path)
        expect_error(capsys, ["resume", str(path)],
                     f"is being resumed by process {os.getpid()}")
        with RegionStore.open(path) as s:  # reading (export) needs no lock
            assert not s.complete
            with pytest.raises(Busy):
                run_walk(s)
    assert resume(path)["complete"]  # free again
    assert not (tmp_path / "run.sqlite.lock").exists()


def test_resume_by_another_process_is_refused(tmp_path, capsys):
    path = _incomplete_store(tmp_path)
    code = (
        "import sys, time\n"
        "from polyreg.scale.store import RegionStore\n"
        f"s = RegionStore.open({str(path)!r}, lock=True)\n"
        "print('running', flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, env=_env(),
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "running"
        expect_error(capsys, ["resume", str(path)],
                     f"this store '{path}' is being resumed by process {proc.pid}")
    finally:
        os.kill(proc.pid, signal.SIGKILL)  # the lock dies with its process
        proc.wait()
        proc.stdout.close()
    assert main(["resume", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["complete"]


def test_two_runs_creating_one_store(tmp_path, small_net, capsys):
    from polyreg._files import FileLock

    path = tmp_path / "new.sqlite"
    with FileLock(path, "this store", "written"):
        expect_error(capsys, ["count", str(small_net), "--box", "-1", "1", "--store", str(path)],
                     f"is being written by process {os.getpid()}")
    assert not path.exists()
    assert main(["count", str(small_net), "--box", "-1", "1", "--store", str(path),
                 "--quiet"]) == 0


# ---------------------------------------------------------------------------- outputs = store
def test_export_never_overwrites_its_store(tmp_path, small_net, capsys):
    store = tmp_path / "run.json"  # a store named like its default JSON export
    assert main(["count", str(small_net), "--box", "-1", "1", "--store", str(store),
                 "--quiet"]) == 0
    capsys.readouterr()
    before = store.read_bytes()
    expect_error(capsys, ["export", str(store)], "refusing to overwrite")
    expect_error(capsys, ["export", str(store), "--out", str(store)], "refusing to overwrite")
    expect_error(capsys, ["export", str(store), "--out", str(small_net)], "store's network")
    link = tmp_path / "link.json"
    link.symlink_to(store)
    expect_error(capsys, ["export", str(store), "--out", str(link)], "refusing to overwrite")
    sq = tmp_path / "run.sqlite"
    sq.write_bytes(before)
    expect_error(capsys, ["export", str(sq), "--out", str(sq)], "refusing to overwrite")
    with RegionStore.open(sq) as s, pytest.raises(ValueError, match="the store itself"):
        export(s, sq, "npz")
    assert store.read_bytes() == before == sq.read_bytes()
    expect_error(capsys, ["enumerate", str(small_net), "--box", "-1", "1", "--store",
                          str(tmp_path / "X.json"), "--out", str(tmp_path / "X.json")],
                 "refusing to overwrite")
    assert not (tmp_path / "X.json").exists()


def test_store_through_a_symlink(tmp_path, small_net, capsys):
    (tmp_path / "link.sqlite").symlink_to("real.sqlite")
    assert main(["count", str(small_net), "--box", "-1", "1", "--store",
                 str(tmp_path / "link.sqlite"), "--quiet"]) == 0
    assert (tmp_path / "link.sqlite").is_symlink() and (tmp_path / "real.sqlite").is_file()
    assert main(["resume", str(tmp_path / "link.sqlite"), "--quiet"]) == 0
    assert sorted(os.listdir(tmp_path)) == ["link.sqlite", "net.npz", "real.sqlite"]


def test_stale_temporary_store_is_removed(tmp_path, small_net):
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    for suffix in ("", "-wal", "-journal"):
        (tmp_path / f".run.sqlite.{proc.pid}.0badf00d.tmp{suffix}").write_bytes(b"x")
    (tmp_path / "unrelated.tmp").write_bytes(b"x")
    RegionStore.create(tmp_path / "run.sqlite", polyreg.load(small_net), Box.cube(2)).close()
    assert sorted(os.listdir(tmp_path)) == ["net.npz", "run.sqlite", "unrelated.tmp"]


# ---------------------------------------------------------------------------- malformed stores
def _tamper(path: Path, *sql: str, params: object = None) -> None:
    conn = sqlite3.connect(path)
    for stmt in sql:
        conn.execute(stmt)
    if params is not None:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'params'", (json.dumps(params),))
    conn.commit()
    conn.close()


def _params(path: Path) -> dict:
    conn = sqlite3.connect(path)
    try:
        return json.loads(conn.execute("SELECT value FROM meta WHERE key='params'").fetchone()[0])
    finally:
        conn.close()


MALFORMED = {
    "stats list": (["UPDATE meta SET value = '[1, 2]' WHERE key = 'stats'"], None,
                   "meta 'stats' is a list"),
    "stats entry": (["""UPDATE meta SET value = '{"lps": [3]}' WHERE key = 'stats'"""], None,
                    "stats entry 'lps'"),
    "stats not JSON": (["UPDATE meta SET value = '{lps' WHERE key = 'stats'"], None,
                       "not JSON"),
    "no stats": (["DELETE FROM meta WHERE key = 'stats'"], None, "meta entry 'stats'"),
    "no regions": (["DROP TABLE regions"], None, "table 'regions' is missing"),
    "no edges": (["DROP TABLE edges"], None, "table 'edges' is missing"),
    "edges column": (["ALTER TABLE edges DROP COLUMN point"], None,
                     "table 'edges' lacks column(s) point"),
    "pattern length": (["UPDATE regions SET pattern = x'0000' WHERE id = 3"], None,
                       "region pattern(s) are corrupted"),
    "pattern padding": (["UPDATE regions SET pattern = x'01' WHERE id = 0"], None,
                        "padding bits"),  # 6 neurons: the last 2 bits of the byte are padding
    "pattern type": (["UPDATE regions SET pattern = 'abc' WHERE id = 1"], None,
                     "region pattern(s) are corrupted"),
    "point blob": (["UPDATE regions SET point = x'0102' WHERE id = 2"], None,
                   "region row(s) are corrupted"),
    "radius": (["UPDATE regions SET radius = -1 WHERE id = 2"], None,
               "region row(s) are corrupted"),
    "edge endpoint": (["UPDATE edges SET v = 999999 WHERE rowid = 1"], None,
                      "edge row(s) are corrupted"),
    "edge neurons": (["UPDATE edges SET neurons = 'not json' WHERE rowid = 1"], None,
                     "not JSON arrays"),
    "array blob": (["UPDATE arrays SET data = x'00ff00' WHERE name = 'b0'"], None,
                   "stored array 'b0' is corrupted"),
    "complete with frontier": (["UPDATE regions SET expanded = 0 WHERE id = 4"], None,
                               "marked complete but 1 region"),
    "complete without regions": (["DELETE FROM edges", "DELETE FROM regions"], None,
                                 "marked complete but holds no region"),
    "complete flag": (["UPDATE meta SET value = 'yes' WHERE key = 'complete'"], None,
                      "meta 'complete'"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_store_is_refused_by_name(tmp_path, capsys, case):
    path = _good_store(tmp_path)
    sql, params, match = MALFORMED[case]
    _tamper(path, *sql, params=params)
    for command in (["resume", str(path)], ["export", str(path), "--out",
                                            str(tmp_path / "e.json")]):
        assert main(command) == 2, (case, command)
        out, err = capsys.readouterr()
        assert "complete" not in out and "wrote" not in out
        assert err.startswith("polyreg: error:") and "Traceback" not in err
        assert "malformed store" in err or "corrupted" in err, err
        assert match in err, (case, err)
    with pytest.raises(StoreError, match="malformed|corrupted"):
        RegionStore.open(path)
    assert not (tmp_path / "e.json").exists()


@pytest.mark.parametrize("change, match", [
    ({"format": "someone.else"}, "unknown store format 'someone.else'"),
    ({"schema_version": 7}, "schema version 7 in its parameters"),
    ({"mode": "sideways"}, "unknown mode 'sideways'"),
    ({"seed": "zero"}, "run parameter 'seed'"),
    ({"network_sha256": None}, "run parameter 'network_sha256'"),
])
def test_store_with_unknown_parameters_is_refused(tmp_path, capsys, change, match):
    path = _good_store(tmp_path)
    _tamper(path, params={**_params(path), **change})
    expect_error(capsys, ["resume", str(path)], match)
    expect_error(capsys, ["export", str(path)], match)


def test_store_parameters_not_an_object(tmp_path, capsys):
    path = _good_store(tmp_path)
    _tamper(path, params=[1, 2])
    expect_error(capsys, ["resume", str(path)], "meta 'params' is a list")


def test_non_sqlite_file_given_as_store(tmp_path, small_net, capsys):
    expect_error(capsys, ["resume", str(small_net)], "not a polyreg store")
    expect_error(capsys, ["export", str(small_net), "--out", str(tmp_path / "e.json")],
                 "not a polyreg store")
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    expect_error(capsys, ["resume", str(empty)], "not a polyreg store")
