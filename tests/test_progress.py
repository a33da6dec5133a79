"""The progress line: solves/s (LPs and SOCPs), elapsed time, ETA; --progress/--no-progress;
live updates while parts run in worker processes."""

from __future__ import annotations

import contextlib
import io
import time

import pytest

import polyreg
from polyreg.cli import main
from polyreg.engines._common import Progress, ScaleProgress


def _stderr(fn) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stderr(buf):
        fn()
    return buf.getvalue()


def test_line_names_solves_and_elapsed():
    text = _stderr(lambda: Progress(True)(100, 5, 250, final=True))
    assert "solves/s" in text and "LPs/s" not in text and "elapsed 0:0" in text
    assert "ETA" not in text
    p = Progress(True, every=0.0)
    text = _stderr(lambda: p(100, 5, 250, fraction=0.25))
    assert "ETA" in text and "elapsed" in text
    text = _stderr(lambda: Progress(True)(100, -1, None, final=True))
    assert "solves/s" not in text and "frontier" not in text and "elapsed" in text


def test_scale_progress_without_solves():
    p = ScaleProgress(True, every=0.0)
    text = _stderr(lambda: (p.update(7, fraction=0.5, parts=(1, 2)), p.close(9)))
    assert "regions" in text and "elapsed" in text


@pytest.fixture
def net_path(tmp_path):
    path = tmp_path / "net.npz"
    polyreg.random_network([3, 10, 1], seed=0).save(path)
    return path


@pytest.mark.parametrize("method", ["traverse", "skeleton"])
def test_progress_forced_on_and_off(capsys, net_path, method):
    argv = ["count", str(net_path), "--box", "-1", "1", "--method", method]
    assert main([*argv, "--progress", "--json"]) == 0  # stderr is not a terminal here
    out, err = capsys.readouterr()
    assert "elapsed" in err and out.startswith("{")
    assert main([*argv, "--no-progress"]) == 0
    assert capsys.readouterr().err == ""
    assert main([*argv, "--quiet", "--progress"]) == 0  # the explicit flag wins
    assert "elapsed" in capsys.readouterr().err


def test_parts_report_while_running():
    from polyreg.scale.parallel import LIVE_EVERY, PoolRunner, count_parts

    net = polyreg.random_network([3, 24, 24, 1], seed=0)
    reports: list[dict] = []
    runner = PoolRunner(2)
    try:
        t0 = time.perf_counter()
        c = count_parts(net, polyreg.Box.cube(3), runner=runner, parts=2,
                        progress=reports.append)
        elapsed = time.perf_counter() - t0
    finally:
        runner.close()
    assert reports and reports[-1]["regions"] == c["regions"]
    assert all(r["regions"] <= c["regions"] for r in reports)
    if elapsed > 6 * LIVE_EVERY:  # long enough for the driver to report between parts
        assert len(reports) > 2
