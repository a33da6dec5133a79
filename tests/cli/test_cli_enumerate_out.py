"""``polyreg enumerate --out``: the format follows the extension, ``--format`` overrides it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import polyreg
from polyreg.cli import main
from polyreg.graph import read_graph


@pytest.fixture
def net_path(tmp_path: Path) -> Path:
    path = tmp_path / "net.npz"
    polyreg.random_network([2, 6, 1], seed=0).save(path)
    return path


def _count(net_path: Path) -> int:
    return polyreg.count_regions(polyreg.load(net_path), polyreg.Box.cube(2))


@pytest.mark.parametrize("store", [False, True])
@pytest.mark.parametrize("name", ["g.graphml", "g.GRAPHML", "g.npz"])
def test_graph_formats_by_extension(tmp_path, net_path, capsys, name, store):
    out = tmp_path / name
    extra = ["--store", str(tmp_path / "run.sqlite")] if store else []
    assert main(["enumerate", str(net_path), "--box", "-1", "1", "--out", str(out), "--quiet",
                 *extra]) == 0
    capsys.readouterr()
    head = out.read_bytes()[:5]
    head = head[:4] if head.startswith(b"PK") else head
    if name.lower().endswith(".graphml"):
        assert head == b"<?xml"
    else:
        assert head == b"PK\x03\x04"  # a zip archive, not JSON
    if not store:
        g = read_graph(out, name.rsplit(".", 1)[1].lower())
        assert g.number_of_nodes() == _count(net_path)


def test_json_by_extension(tmp_path, net_path, capsys):
    out = tmp_path / "r.json"
    assert main(["enumerate", str(net_path), "--box", "-1", "1", "--out", str(out)]) == 0
    capsys.readouterr()
    assert json.loads(out.read_text())["schema"] == "polyreg.regions/1"


@pytest.mark.parametrize("store", [False, True])
def test_node_link_by_format(tmp_path, net_path, capsys, store):
    out = tmp_path / "g.json"
    extra = ["--store", str(tmp_path / "run.sqlite")] if store else []
    assert main(["enumerate", str(net_path), "--box", "-1", "1", "--out", str(out),
                 "--format", "node-link", "--quiet", *extra]) == 0
    capsys.readouterr()
    data = json.loads(out.read_text())
    assert "nodes" in data and ("edges" in data or "links" in data)
    assert read_graph(out, "json").number_of_nodes() == _count(net_path)


def test_format_overrides_extension(tmp_path, net_path, capsys):
    out = tmp_path / "regions.txt"
    assert main(["enumerate", str(net_path), "--box", "-1", "1", "--out", str(out),
                 "--format", "graphml"]) == 0
    capsys.readouterr()
    assert out.read_bytes()[:5] == b"<?xml"


@pytest.mark.parametrize("name", ["x.txt", "x", "x.csv"])
def test_unknown_extension_is_refused(tmp_path, net_path, capsys, name):
    out = tmp_path / name
    assert main(["enumerate", str(net_path), "--box", "-1", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("polyreg: error: --out")
    for choice in (".json", ".graphml", ".npz", "node-link"):
        assert choice in err
    assert not out.exists()


def test_device_gets_json(net_path, capsys):
    assert main(["enumerate", str(net_path), "--box", "-1", "1", "--out", "/dev/null",
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["regions"] == _count(net_path)
