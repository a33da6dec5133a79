"""polyreg._files: outputs never destroy what the user has (symlinks, devices, FIFOs, stale
temporary files, outputs that are inputs, the run lock)."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import polyreg
from polyreg import _files
from polyreg._files import (
    Busy,
    FileLock,
    OutputError,
    clean_stale,
    destination,
    open_output,
    refuse_same_file,
)
from polyreg.cli import main

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def net_path(tmp_path):
    path = tmp_path / "net.npz"
    polyreg.random_network([2, 5, 1], seed=1).save(path)
    return path


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _read_fifo(path: Path, sink: list) -> threading.Thread:
    def run() -> None:
        with open(path, "rb") as handle:
            sink.append(handle.read())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


# ---------------------------------------------------------------------------- regular files
def test_new_and_regular_files_are_replaced_atomically(tmp_path):
    path = tmp_path / "out.txt"
    with open_output(path) as f:
        f.write("one")
    path.chmod(0o640)
    inode = path.stat().st_ino
    with open_output(path) as f:
        f.write("two")
    assert path.read_text() == "two"
    assert path.stat().st_ino != inode  # renamed over, not rewritten in place
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # the old file's mode is kept
    assert sorted(os.listdir(tmp_path)) == ["out.txt"]


def test_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError), open_output(path) as f:
        f.write("half")
        raise RuntimeError("boom")
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.txt"]


# ---------------------------------------------------------------------------- symbolic links
def test_symlink_stays_a_symlink_and_its_target_gets_the_content(tmp_path):
    target = tmp_path / "data" / "real.json"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    with open_output(link) as f:
        f.write("new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new"
    assert sorted(os.listdir(tmp_path)) == ["data", "link.json"]
    assert os.listdir(target.parent) == ["real.json"]  # the temporary file was next to it


def test_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to("made.json")
    with open_output(link) as f:
        f.write("x")
    assert link.is_symlink() and (tmp_path / "made.json").read_text() == "x"


def test_cli_enumerate_through_a_symlink(tmp_path, net_path, capsys):
    target = tmp_path / "real.json"
    target.write_text("{}")
    link = tmp_path / "out.json"
    link.symlink_to(target)
    assert main(["enumerate", str(net_path), "--box", "-1", "1", "--out", str(link),
                 "--quiet"]) == 0
    assert link.is_symlink()
    assert json.loads(target.read_text())["schema"] == "polyreg.regions/1"


def test_network_save_and_write_graph_follow_symlinks(tmp_path):
    net = polyreg.random_network([2, 4, 1], seed=0)
    (tmp_path / "n.npz").write_bytes(b"")
    (tmp_path / "link.npz").symlink_to(tmp_path / "n.npz")
    net.save(tmp_path / "link.npz")
    assert (tmp_path / "link.npz").is_symlink()
    assert polyreg.load(tmp_path / "n.npz").widths == net.widths

    from polyreg.graph import read_graph, region_graph, write_graph

    g = region_graph(polyreg.enumerate_regions(net, polyreg.Box.cube(2)), net)
    (tmp_path / "g.graphml").write_text("")
    (tmp_path / "glink.graphml").symlink_to("g.graphml")
    write_graph(g, tmp_path / "glink.graphml")
    assert (tmp_path / "glink.graphml").is_symlink()
    assert read_graph(tmp_path / "g.graphml").number_of_nodes() == g.number_of_nodes()


# ---------------------------------------------------------------------------- special files
def test_fifo_is_streamed_and_stays_a_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list = []
    thread = _read_fifo(fifo, got)
    with open_output(fifo, "wb") as f:
        f.write(b"hello")
    thread.join(10)
    assert got == [b"hello"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert os.listdir(tmp_path) == ["pipe"]


def test_cli_enumerate_into_a_fifo(tmp_path, net_path, capsys):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    got: list = []
    thread = _read_fifo(fifo, got)
    assert main(["enumerate", str(net_path), "--box", "-1", "1", "--out", str(fifo),
                 "--quiet"]) == 0
    thread.join(10)
    assert json.loads(got[0])["schema"] == "polyreg.regions/1"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_character_device_is_streamed_not_replaced(tmp_path, monkeypatch):
    """A character device (mocked: a regular file reported as one) is opened and written in
    place, without O_CREAT/O_TRUNC and without any rename."""
    fake = tmp_path / "tty"
    fake.write_bytes(b"")
    inode = fake.stat().st_ino
    real_stat = os.stat

    class CharStat:
        def __init__(self, st: os.stat_result) -> None:
            self._st = st
            self.st_mode = stat.S_IFCHR | 0o666

        def __getattr__(self, name: str):
            return getattr(self._st, name)

    def fake_stat(path, *args, **kwargs):
        st = real_stat(path, *args, **kwargs)
        return CharStat(st) if Path(path) == fake else st

    monkeypatch.setattr(_files.os, "stat", fake_stat)
    renamed = []
    monkeypatch.setattr(_files.os, "replace", lambda *a: renamed.append(a))
    assert destination(fake) == (fake, True)
    with open_output(fake, "wb") as f:
        f.write(b"streamed")
    assert renamed == []
    assert fake.stat().st_ino == inode and fake.read_bytes() == b"streamed"
    assert os.listdir(tmp_path) == ["tty"]


def test_dev_null_stays_a_character_device(net_path, capsys):
    assert destination(os.devnull) == (Path(os.devnull), True)  # streamed, never renamed over
    with open_output(os.devnull) as f:
        f.write("discarded")
    assert main(["enumerate", str(net_path), "--box", "-1", "1", "--out", os.devnull,
                 "--quiet"]) == 0
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_open_descriptors_are_streamed(tmp_path):
    """``--out /dev/stdout`` is a pipe or, with ``> file``, a regular file behind a descriptor:
    written into (``/proc/self/fd/1`` resolves to ``pipe:[N]``, which is no path)."""
    r, w = os.pipe()
    try:
        with open_output(f"/dev/fd/{w}", "wb") as f:
            f.write(b"through a pipe")
        assert os.read(r, 100) == b"through a pipe"
    finally:
        os.close(r)
        os.close(w)
    path = tmp_path / "redirected.txt"
    with open(path, "w") as shell:  # the shell's `> redirected.txt`
        inode = path.stat().st_ino
        with open_output(f"/proc/self/fd/{shell.fileno()}") as f:
            f.write("into the file")
    assert path.read_text() == "into the file" and path.stat().st_ino == inode
    assert os.listdir(tmp_path) == ["redirected.txt"]


@pytest.mark.parametrize("command", ["enumerate", "import", "fixtures"])
def test_directory_destination_is_refused(tmp_path, net_path, capsys, command):
    out = tmp_path / "adir"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    argv = {
        "enumerate": ["enumerate", str(net_path), "--box", "-1", "1", "--out", str(out)],
        "import": ["import", str(net_path), "--format", "onnx", "--out", str(out)],
        "fixtures": ["fixtures", "--only", "nope", "--out", str(out)],
    }[command]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "polyreg: error:" in err and "Traceback" not in err
    if command != "fixtures":
        assert "is a directory" in err
    assert (out / "keep.txt").read_text() == "mine"


def test_socket_is_refused(tmp_path):
    import socket

    path = tmp_path / "sock"
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(str(path))
        with pytest.raises(OutputError, match="is a socket"), open_output(path):
            pass
    finally:
        s.close()
    assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_missing_directory_is_refused(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        destination(tmp_path / "no" / "out.json")


# ---------------------------------------------------------------------------- stale temporaries
def test_stale_temporaries_of_dead_processes_are_removed(tmp_path):
    dead, live = _dead_pid(), os.getppid()
    names = {
        f".out.json.{dead}.0a1b2c3d.tmp": False,  # ours, dead: removed
        f".out.json.{dead}.tmp": False,  # older naming, dead: removed
        f".out.json.{live}.0a1b2c3d.tmp": True,  # a live process: kept
        f".out.json.{os.getpid()}.ffffffff.tmp": True,  # this process: kept
        f".other.json.{dead}.0a1b2c3d.tmp": True,  # another destination: kept
        f"out.json.{dead}.0a1b2c3d.tmp": True,  # not our naming (no dot): kept
        f".out.json.{dead}.0a1b2c3d.tmp.bak": True,  # not our naming: kept
        "out.json": True,
    }
    for name in names:
        (tmp_path / name).write_text("x")
    with open_output(tmp_path / "out.json") as f:
        f.write("new")
    assert sorted(os.listdir(tmp_path)) == sorted(n for n, keep in names.items() if keep)
    assert (tmp_path / "out.json").read_text() == "new"


def test_kill_9_during_a_write_leaves_a_temporary_that_the_next_write_removes(tmp_path):
    out = tmp_path / "out.json"
    code = (
        "import sys, time\n"
        "from polyreg._files import open_output\n"
        f"with open_output({str(out)!r}) as f:\n"
        "    f.write('partial'); f.flush()\n"
        "    print('writing', flush=True)\n"
        "    time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, env=_env(),
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        left = [p for p in os.listdir(tmp_path) if p.startswith(f".out.json.{proc.pid}.")]
        assert len(left) == 1
        assert clean_stale(out) == []  # still alive: left alone
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    assert not out.exists() and len(os.listdir(tmp_path)) == 1  # the stale temporary
    with open_output(out) as f:
        f.write("done")
    assert os.listdir(tmp_path) == ["out.json"]


# ---------------------------------------------------------------------------- outputs = inputs
def test_same_file_by_inode_and_by_path(tmp_path):
    a = tmp_path / "a.npz"
    a.write_text("x")
    (tmp_path / "hard.npz").hardlink_to(a)
    (tmp_path / "soft.npz").symlink_to(a)
    for other in ("hard.npz", "soft.npz", "./a.npz"):
        with pytest.raises(OutputError, match="refusing to overwrite"):
            refuse_same_file([("--out", tmp_path / other)], [("the network", a)])
    refuse_same_file([("--out", tmp_path / "b.npz")], [("the network", a), ("x", None)])
    with pytest.raises(OutputError, match="--plot"):
        refuse_same_file([("--out", tmp_path / "n.csv"), ("--plot", tmp_path / "n.csv")], [])


def test_cli_outputs_that_are_inputs_are_refused(tmp_path, net_path, capsys):
    before = net_path.read_bytes()
    pts = tmp_path / "pts.npy"
    np.save(pts, np.zeros((2, 2)))
    cases = [
        ["enumerate", str(net_path), "--box", "-1", "1", "--out", str(net_path)],
        ["enumerate", str(net_path), "--ball", "1", "--center", str(pts), "--out", str(pts)],
        ["import", str(net_path), "--format", "onnx", "--out", str(net_path)],
        ["around", str(net_path), "--points", str(pts), "--radius", "0.1", "--out", str(pts)],
        ["around", str(net_path), "--points", str(pts), "--radius", "0.1",
         "--out", str(tmp_path / "a.csv"), "--plot", str(tmp_path / "a.csv")],
        ["plot", str(net_path), "--box", "-1", "1", "--out", str(net_path)],
    ]
    for argv in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert "refusing to overwrite" in err and "Traceback" not in err, (argv, err)
    assert net_path.read_bytes() == before
    assert np.load(pts).shape == (2, 2)


# ---------------------------------------------------------------------------- the lock
def test_file_lock_is_exclusive_and_released(tmp_path):
    res = tmp_path / "run.sqlite"
    lock = FileLock(res, "this store", "resumed")
    with pytest.raises(Busy, match=f"being resumed by process {os.getpid()}"):
        FileLock(res)
    lock.release()
    lock.release()  # idempotent
    assert not Path(str(res) + ".lock").exists()
    with FileLock(res):
        pass


def test_file_lock_of_a_killed_process_is_free(tmp_path):
    res = tmp_path / "run.sqlite"
    code = (
        "import time\n"
        "from polyreg._files import FileLock\n"
        f"lock = FileLock({str(res)!r})\n"
        "print('locked', flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, env=_env(),
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(Busy, match=f"process {proc.pid}"):
            FileLock(res)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    assert Path(str(res) + ".lock").exists()  # left by kill -9, but no longer locked
    with FileLock(res):
        pass
