"""The ``polyreg`` command line, run in-process through :func:`polyreg.cli.main`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import polyreg
from polyreg.cli import main

REPO = Path(__file__).resolve().parents[2]
TINY2D = REPO / "data" / "tiny2d.npz"

SUMMARY_KEYS = {"regions", "edges", "method", "domain", "widths", "engine", "lps", "solves",
                "seconds"}


@pytest.fixture
def net3(tmp_path: Path) -> Path:
    """A random [3, 5, 1] network saved as ``.npz``."""
    path = tmp_path / "net3.npz"
    polyreg.random_network([3, 5, 1], seed=1).save(path)
    return path


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    """Run ``main`` with ``--json``; check it printed exactly one JSON object and no stderr."""
    assert main([*argv, "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.count("\n") == 1
    return json.loads(out)


def expect_error(capsys: pytest.CaptureFixture[str], argv: list[str], match: str) -> str:
    """``main(argv)`` returns 2 and prints one ``polyreg: error:`` line naming the problem."""
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("polyreg: error: ")
    assert "Traceback" not in err
    assert match in lines[0], lines[0]
    return lines[0]


# ---------------------------------------------------------------------------- count
def test_count_box_numbers_json(capsys, net3):
    summary = run_json(capsys, "count", str(net3), "--box", "-1", "1")
    assert set(summary) >= SUMMARY_KEYS
    assert summary["domain"] == {"type": "box", "lo": [-1.0] * 3, "hi": [1.0] * 3}
    assert summary["widths"] == [3, 5, 1]
    net = polyreg.load(net3)
    assert summary["regions"] == polyreg.count_regions(net, polyreg.Box.cube(3, -1, 1))


def test_count_box_lists(capsys, net3):
    summary = run_json(capsys, "count", str(net3), "--box", "-1,-0.5,-2", "1,0.5,2")
    assert summary["domain"]["lo"] == [-1.0, -0.5, -2.0]
    assert summary["domain"]["hi"] == [1.0, 0.5, 2.0]
    # a number and a list may be mixed
    mixed = run_json(capsys, "count", str(net3), "--box", "-1", "1,0.5,2")
    assert mixed["domain"]["lo"] == [-1.0] * 3


def test_count_tiny2d_box_and_whole(capsys):
    # four lines in general position, all six crossings inside [-1, 1]^2: 1 + 4 + 6 regions
    assert run_json(capsys, "count", str(TINY2D), "--box", "-1", "1")["regions"] == 11
    whole = run_json(capsys, "count", str(TINY2D), "--whole")
    assert whole["regions"] == 11
    assert whole["domain"] == {"type": "whole", "dim": 2}


@pytest.mark.parametrize("norm", ["1", "2", "inf"])
def test_count_ball_center_list(capsys, net3, norm):
    summary = run_json(
        capsys, "count", str(net3), "--ball", "0.75", "--center", "0.1,-0.2,0.3", "--norm", norm
    )
    assert summary["domain"]["type"] == "ball"
    assert summary["domain"]["norm"] == (norm if norm == "inf" else int(norm))
    assert summary["domain"]["center"] == [0.1, -0.2, 0.3]
    expected = polyreg.count_regions(
        polyreg.load(net3), polyreg.Ball([0.1, -0.2, 0.3], 0.75, norm=norm)
    )
    assert summary["regions"] == expected >= 1


def test_count_ball_center_npy(capsys, net3, tmp_path):
    center = tmp_path / "c.npy"
    np.save(center, np.array([0.1, -0.2, 0.3]))
    from_file = run_json(capsys, "count", str(net3), "--ball", "0.75", "--center", str(center))
    from_list = run_json(capsys, "count", str(net3), "--ball", "0.75", "--center", "0.1,-0.2,0.3")
    assert from_file["domain"] == from_list["domain"]
    assert from_file["regions"] == from_list["regions"]
    assert from_file["domain"]["norm"] == 2  # the default


def test_count_polytope(capsys, tmp_path):
    tri = tmp_path / "tri.npz"
    np.savez(tri, A=np.array([[-1.0, 0.0], [0.0, -1.0], [1.0, 1.0]]), b=np.array([0.0, 0.0, 1.0]))
    summary = run_json(capsys, "count", str(TINY2D), "--polytope", str(tri))
    assert summary["domain"]["type"] == "polytope"
    assert summary["regions"] >= 1


def test_count_human_table(capsys):
    assert main(["count", str(TINY2D), "--box", "-1", "1", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines()[0].split() == ["regions", "11"]
    assert "box [-1, 1]^2" in out


def test_python_dash_m(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "polyreg", "count", str(TINY2D), "--box", "-1", "1", "--json"],
        capture_output=True, text=True, cwd=REPO, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["regions"] == 11
    assert proc.stderr == ""  # stderr is not a terminal: no progress line


# ---------------------------------------------------------------------------- enumerate
def test_enumerate_writes_schema(capsys, tmp_path):
    out_path = tmp_path / "regions.json"
    summary = run_json(capsys, "enumerate", str(TINY2D), "--box", "-1", "1", "--out", str(out_path))
    data = json.loads(out_path.read_text())
    assert data["schema"] == "polyreg.regions/1"
    assert SUMMARY_KEYS | {"schema", "regions_list", "edges_list"} <= set(data)
    assert data["regions"] == summary["regions"] == len(data["regions_list"]) == 11
    assert data["edges"] == summary["edges"] == len(data["edges_list"])
    net = polyreg.load(TINY2D)
    for i, r in enumerate(data["regions_list"]):
        assert set(r) == {"id", "pattern", "point", "radius", "out_W", "out_b"}
        assert r["id"] == i
        # pattern: np.packbits of the bool pattern as hex, first neuron = most significant bit
        bits = np.unpackbits(np.frombuffer(bytes.fromhex(r["pattern"]), np.uint8))[:4]
        assert bits.astype(bool).tolist() == net.pattern(np.array(r["point"])).tolist()
        assert r["radius"] > 0
        np.testing.assert_allclose(
            np.array(r["out_W"]) @ r["point"] + r["out_b"], net.forward(np.array(r["point"]))
        )
    for e in data["edges_list"]:
        assert set(e) == {"u", "v", "neurons", "flipped", "point"}
        assert 0 <= e["u"] < 11 and 0 <= e["v"] < 11
        assert e["neurons"] and set(e["neurons"]) <= set(e["flipped"])


def test_enumerate_human_output_and_no_temp_files(capsys, tmp_path):
    out_path = tmp_path / "r.json"
    assert main(["enumerate", str(TINY2D), "--whole", "--out", str(out_path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "wrote 11 regions" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_enumerate_atomic_on_failure(capsys, tmp_path, monkeypatch):
    out_path = tmp_path / "r.json"
    out_path.write_text("old\n")

    def broken_dump(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("polyreg.cli.common.json.dump", broken_dump)
    expect_error(
        capsys, ["enumerate", str(TINY2D), "--box", "-1", "1", "--out", str(out_path)], "disk full"
    )
    assert out_path.read_text() == "old\n"  # the previous file is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]  # no temp file left


def test_enumerate_checks_out_dir_first(capsys, tmp_path):
    expect_error(
        capsys,
        ["enumerate", str(TINY2D), "--box", "-1", "1", "--out", str(tmp_path / "no" / "r.json")],
        "does not exist",
    )


# ---------------------------------------------------------------------------- bad input
@pytest.fixture
def bad_files(tmp_path: Path) -> dict[str, Path]:
    files = {
        "nan": tmp_path / "nan.npz",
        "shape": tmp_path / "shape.npz",
        "junk": tmp_path / "junk.npz",
        "unbounded": tmp_path / "unbounded.npz",
        "empty": tmp_path / "empty.npz",
        "noA": tmp_path / "noA.npz",
        "center2d": tmp_path / "center2d.npy",
    }
    np.savez(files["nan"], W0=np.array([[np.nan, 1.0]]), b0=np.zeros(1), W1=np.ones((1, 1)),
             b1=np.zeros(1))
    np.savez(files["shape"], W0=np.ones((3, 2)), b0=np.zeros(3), W1=np.ones((1, 4)),
             b1=np.zeros(1))
    files["junk"].write_bytes(b"PK\x03\x04 this is not a zip archive")
    np.savez(files["unbounded"], A=np.array([[1.0, 0.0], [0.0, 1.0]]), b=np.array([1.0, 1.0]))
    np.savez(files["empty"], A=np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]]),
             b=np.array([-1.0, 0.0, 1.0, 1.0]))
    np.savez(files["noA"], B=np.ones(2))
    np.save(files["center2d"], np.zeros((2, 2)))
    return files


@pytest.mark.parametrize(
    "argv, match",
    [
        (["count", "{tmp}/missing.npz", "--box", "-1", "1"], "does not exist"),
        (["count", "{nan}", "--box", "-1", "1"], "non-finite"),
        (["count", "{shape}", "--box", "-1", "1"], "W1 takes 4 inputs"),
        (["count", "{junk}", "--box", "-1", "1"], "cannot read"),
        (["count", "{tiny}", "--box", "-1", "x"], "--box HI: 'x' is not a number"),
        (["count", "{tiny}", "--box", "1", "-1"], "box is empty"),
        (["count", "{tiny}", "--box", "-1,-1,-1", "1"], "--box LO has 3 coordinates"),
        (["count", "{tiny}", "--box", "-inf", "1"], "not a finite number"),
        (["count", "{tiny}", "--ball", "0", "--center", "0,0"], "radius must be positive"),
        (["count", "{tiny}", "--ball", "-1", "--center", "0,0"], "radius must be positive"),
        (["count", "{tiny}", "--ball", "1", "--center", "0,0,0"], "--center has 3 coordinate"),
        (["count", "{tiny}", "--ball", "1", "--center", "{center2d}"], "1-D array"),
        (["count", "{tiny}", "--ball", "1", "--center", "{tmp}/none.npy"], "does not exist"),
        (["count", "{tiny}", "--ball", "1"], "--ball needs --center"),
        (["count", "{tiny}", "--box", "-1", "1", "--center", "0,0"], "only used with --ball"),
        (["count", "{tiny}", "--polytope", "{unbounded}"], "unbounded"),
        (["count", "{tiny}", "--polytope", "{empty}"], "empty"),
        (["count", "{tiny}", "--polytope", "{noA}"], "lacks array(s) A, b"),
        (["count", "{tiny}", "--polytope", "{tmp}/none.npz"], "does not exist"),
    ],
)
def test_bad_input_exits_2(capsys, tmp_path, bad_files, argv, match):
    names = {key: str(path) for key, path in bad_files.items()}
    names.update(tmp=str(tmp_path), tiny=str(TINY2D))
    expect_error(capsys, [a.format(**names) for a in argv], match)


def test_polytope_of_wrong_dimension(capsys, net3, tmp_path):
    square = tmp_path / "square.npz"
    np.savez(square, A=np.vstack([np.eye(2), -np.eye(2)]), b=np.ones(4))
    expect_error(capsys, ["count", str(net3), "--polytope", str(square)], "dimension 2")


@pytest.mark.parametrize(
    "argv",
    [
        ["count", str(TINY2D)],  # no domain
        ["count", str(TINY2D), "--box", "-1", "1", "--whole"],  # two domains
        ["count", str(TINY2D), "--box", "-1"],  # HI missing
        ["count", str(TINY2D), "--ball", "1", "--center", "0,0", "--norm", "3"],
        ["count", str(TINY2D), "--box", "-1", "1", "--method", "nope"],
        ["enumerate", str(TINY2D), "--box", "-1", "1"],  # --out missing
        ["frobnicate"],
        [],
    ],
)
def test_usage_errors_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "usage: polyreg" in capsys.readouterr().err


def test_workers_with_branch_run_branchpool(tmp_path, capsys):
    # --workers alone with branch (named, or auto's choice above 8 inputs) runs branch's own
    # pool, not traverse
    import json

    import polyreg
    from polyreg.cli import main

    net = polyreg.random_network([9, 8, 6, 1], seed=2)
    path = tmp_path / "net.npz"
    net.save(path)
    box = polyreg.Box.cube(9, -0.4, 0.4)
    ref = polyreg.count_regions(net, box, method="traverse")
    for method in ("auto", "branch"):
        argv = ["count", str(path), "--box", "-0.4", "0.4", "--method", method, "--workers", "2",
                "--json", "--quiet"]
        assert main(argv) == 0
        s = json.loads(capsys.readouterr().out)
        assert s["regions"] == ref and s["workers"] == 2 and s["engine"] == "branch"
