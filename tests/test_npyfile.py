"""Reading .npy / .npz without pickle and with sizes checked before decompressing."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

import polyreg
from polyreg import npyfile
from polyreg.cli import main
from polyreg.errors import InvalidNetwork
from polyreg.npyfile import ArrayFileError


def npy_header(shape, dtype="<f8"):
    """An .npy header declaring ``shape`` with no data after it."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": dtype, "fortran_order": False, "shape": shape}
    )
    return buf.getvalue()  # magic string included


def bomb(path, shape=(100_000, 100_000), name="W0.npy"):
    """A tiny zip whose member declares a huge array (a compressed bomb reads the same)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, npy_header(shape))
        archive.writestr("b0.npy", npy_header((3,)) + b"\0" * 24)
    return path


def test_huge_declared_shape_refused_before_reading(tmp_path):
    path = bomb(tmp_path / "net.npz")
    assert path.stat().st_size < 2000
    with pytest.raises(ArrayFileError, match=r"declares shape \(100000, 100000\).*MAX_ELEMENTS"):
        npyfile.load_npz(path)
    with pytest.raises(InvalidNetwork, match=r"member 'W0.npy' declares shape \(100000, 100000\)"):
        polyreg.load(path)


def test_total_size_limit(tmp_path, monkeypatch):
    path = tmp_path / "a.npz"
    np.savez_compressed(path, A=np.zeros((100, 100)), b=np.zeros(100))
    monkeypatch.setattr(npyfile, "MAX_BYTES", 50_000)  # the zip members declare ~80 kB
    with pytest.raises(ArrayFileError, match=r"above the limit of .*MAX_BYTES.*not decompressed"):
        npyfile.load_npz(path)
    monkeypatch.setattr(npyfile, "MAX_BYTES", 10**6)
    assert npyfile.load_npz(path)["A"].shape == (100, 100)


def test_huge_npy_refused(tmp_path):
    path = tmp_path / "c.npy"
    path.write_bytes(npy_header((2**40,)))
    with pytest.raises(ArrayFileError, match=r"declares shape \(1099511627776,\)"):
        npyfile.load(path)


def test_objects_and_foreign_members_refused(tmp_path):
    path = tmp_path / "o.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("W0.npy", npy_header((2,), "|O"))
    with pytest.raises(ArrayFileError, match="holds Python objects"):
        npyfile.load_npz(path)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("W0", b"x" * 100)
    with pytest.raises(ArrayFileError, match="member 'W0' is not an .npy array"):
        npyfile.load_npz(path)


def test_cli_exit_2_on_bomb(tmp_path, capsys):
    net = bomb(tmp_path / "net.npz")
    assert main(["count", str(net), "--box", "-1", "1"]) == 2
    assert "declares shape (100000, 100000)" in capsys.readouterr().err
    good = tmp_path / "good.npz"
    polyreg.random_network([2, 3, 1]).save(good)
    poly = bomb(tmp_path / "poly.npz", name="A.npy")
    assert main(["count", str(good), "--polytope", str(poly)]) == 2
    assert "declares shape (100000, 100000)" in capsys.readouterr().err
