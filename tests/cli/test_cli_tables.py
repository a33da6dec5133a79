"""Tables abbreviate long vectors (first ... last, with the length); JSON keeps every value."""

from __future__ import annotations

import json

import numpy as np

import polyreg
from polyreg.cli import format_vector, main


def test_format_vector():
    assert format_vector([1.0, 2.5]) == "[1, 2.5]"
    assert format_vector(np.arange(8.0)) == "[0, 1, 2, 3, 4, 5, 6, 7]"
    assert format_vector(np.arange(784.0)) == "[0, 1, 2, ..., 781, 782, 783] (784 values)"


def test_summary_abbreviates_the_centre(tmp_path, capsys):
    net, centre = tmp_path / "n.npz", tmp_path / "c.npy"
    polyreg.random_network([64, 6, 3], seed=1).save(net)
    np.save(centre, np.linspace(0, 1, 64))
    argv = ["count", str(net), "--ball", "0.01", "--center", str(centre), "--method", "traverse"]
    assert main(argv) == 0
    table = capsys.readouterr().out
    domain = [line for line in table.splitlines() if line.startswith("domain")][0]
    assert "..." in domain and "(64 values)" in domain and len(domain) < 120
    assert main([*argv, "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["domain"]["center"]) == 64


def test_robustness_abbreviates_the_point(tmp_path, capsys):
    net, centre = tmp_path / "n.npz", tmp_path / "c.npy"
    polyreg.random_network([64, 6, 3], seed=1).save(net)
    np.save(centre, np.linspace(0, 1, 64))
    argv = ["robustness", str(net), "--center", str(centre), "--certify", "none"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    line = [ln for ln in out.splitlines() if ln.startswith("nearest point")][0]
    assert "(64 values)" in line
    assert main([*argv, "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["point"]) == 64
