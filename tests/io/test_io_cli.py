"""``polyreg import`` on the command line, run in-process through :func:`polyreg.cli.main`."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

import polyreg
from polyreg.cli import main

DATA = Path(__file__).resolve().parent / "data"


def run_ok(capsys, argv):
    assert main([*argv, "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return json.loads(out)


def expect_error(capsys, argv, match):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("polyreg: error: "), err
    assert match in lines[0], lines[0]


def flax_tree(seed=0):
    rng = np.random.default_rng(seed)
    return {
        "params": {
            "Dense_0": {"kernel": rng.normal(size=(2, 5)), "bias": rng.normal(size=5)},
            "Dense_1": {"kernel": rng.normal(size=(5, 1)), "bias": rng.normal(size=1)},
        }
    }


def test_import_jax_pickle_and_npz(capsys, tmp_path):
    tree = flax_tree()
    pkl = tmp_path / "params.pkl"
    pkl.write_bytes(pickle.dumps(tree))
    out = tmp_path / "net.npz"
    info = run_ok(
        capsys,
        ["import", str(pkl), "--out", str(out), "--negative-slope", "0.1", "--trust-pickle"],
    )
    assert info == {
        "out": str(out),
        "format": "jax",
        "widths": [2, 5, 1],
        "negative_slope": 0.1,
        "hidden": 5,
    }
    net = polyreg.load(out)
    assert net.negative_slope == 0.1
    flat = tmp_path / "params.npz"
    np.savez(
        flat,
        **{
            f"params/{layer}/{key}": value
            for layer, d in tree["params"].items()
            for key, value in d.items()
        },
    )
    out2 = tmp_path / "net2.npz"
    run_ok(
        capsys,
        ["import", str(flat), "--format", "jax", "--out", str(out2), "--negative-slope", "0.1"],
    )
    x = np.random.default_rng(0).normal(size=(20, 2))
    np.testing.assert_array_equal(polyreg.load(out2).forward(x), net.forward(x))


def test_import_keras(capsys, tmp_path):
    pytest.importorskip("h5py")
    out = tmp_path / "net.npz"
    info = run_ok(capsys, ["import", str(DATA / "keras_cnn.keras"), "--out", str(out)])
    assert info["widths"] == [60, 36, 16, 5, 1] and info["format"] == "keras"
    # the human-readable line
    assert main(["import", str(DATA / "keras_mlp.h5"), "--out", str(out)]) == 0
    line = capsys.readouterr().out
    assert line.startswith(f"wrote {out}: 3 -> 8 -> 6 -> 2 (14 hidden ReLU neurons)")


def test_import_torch_full_and_scripted(capsys, tmp_path):
    torch = pytest.importorskip("torch")
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
    full, scripted, sd = tmp_path / "full.pt", tmp_path / "scripted.pt", tmp_path / "sd.pt"
    torch.save(model, full)
    with pytest.warns(DeprecationWarning):
        torch.jit.script(model).save(str(scripted))
    torch.save(model.state_dict(), sd)
    out = tmp_path / "net.npz"
    x = torch.randn(50, 1, 6, 6)
    with torch.no_grad():
        want = model(x).numpy()
    for path in (full, scripted):
        info = run_ok(
            capsys,
            ["import", str(path), "--input-shape", "1,6,6", "--out", str(out), "--trust-pickle"],
        )
        assert info["widths"] == [36, 32, 3]
        got = polyreg.load(out).forward(x.reshape(50, -1).numpy().astype(float))
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)  # the model is float32
    expect_error(
        capsys,
        ["import", str(sd), "--input-shape", "1,6,6", "--out", str(out)],
        "holds a state_dict (no architecture): pass --architecture",
    )
    arch = json.dumps([{"type": "conv2d", "name": "0"}, "relu", "flatten",
                       {"type": "linear", "name": "3"}])
    info = run_ok(
        capsys,
        ["import", str(sd), "--input-shape", "1,6,6", "--out", str(out), "--architecture", arch],
    )
    assert info["widths"] == [36, 32, 3]
    got = polyreg.load(out).forward(x.reshape(50, -1).numpy().astype(float))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    for path in (full, scripted):  # code execution needed: refused without --trust-pickle
        expect_error(
            capsys,
            ["import", str(path), "--input-shape", "1,6,6", "--out", str(out)],
            "needs code execution to load; pass --trust-pickle",
        )
    expect_error(
        capsys,
        ["import", str(full), "--out", str(out), "--trust-pickle"],
        "input_shape is needed (--input-shape on the command line, e.g. 1,28,28)",
    )
    expect_error(
        capsys,
        ["import", str(full), "--out", str(out), "--trust-pickle", "--architecture", arch],
        "--architecture is only used with a state_dict",
    )
    expect_error(
        capsys,
        ["import", str(full), "--input-shape", "1,5,5", "--out", str(out), "--trust-pickle"],
        "layer '3' (Linear): takes 32 features",
    )


def test_import_onnx(capsys, tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    g = helper.make_graph(
        [
            helper.make_node("Gemm", ["x", "W"], ["h"], transB=1),
            helper.make_node("Relu", ["h"], ["r"]),
            helper.make_node("MaxPool", ["r"], ["y"], kernel_shape=[2], name="mp"),
        ],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])],
        [numpy_helper.from_array(np.ones((3, 2), dtype=np.float32), "W")],
    )
    bad = tmp_path / "bad.onnx"
    onnx.save(helper.make_model(g), str(bad))
    out = tmp_path / "net.npz"
    expect_error(
        capsys,
        ["import", str(bad), "--out", str(out)],
        "node 'mp' (op MaxPool) is not piecewise affine",
    )
    del g.node[2]
    g.output[0].name = "r"
    good = tmp_path / "good.onnx"
    onnx.save(helper.make_model(g), str(good))
    info = run_ok(capsys, ["import", str(good), "--out", str(out)])
    assert info["widths"] == [2, 3, 3]
    assert not out.with_name(out.name + ".tmp").exists()


def test_import_errors(capsys, tmp_path):
    out = tmp_path / "net.npz"
    expect_error(
        capsys, ["import", str(tmp_path / "nope.onnx"), "--out", str(out)], "does not exist"
    )
    readme = tmp_path / "model.txt"
    readme.write_text("x")
    expect_error(capsys, ["import", str(readme), "--out", str(out)], "cannot tell the format of")
    expect_error(
        capsys,
        ["import", str(DATA / "keras_mlp.keras"), "--out", str(out), "--input-shape", "3,x"],
        "--input-shape: '3,x' is not a list",
    )
    expect_error(
        capsys,
        ["import", str(DATA / "keras_mlp.keras"), "--out", str(tmp_path / "no" / "net.npz")],
        "does not exist",
    )
    expect_error(
        capsys,
        ["import", str(DATA / "keras_mlp.keras"), "--out", str(out), "--negative-slope", "0.1"],
        "only used with --format jax",
    )
    pkl = tmp_path / "p.pkl"
    pkl.write_bytes(pickle.dumps(flax_tree()))
    expect_error(
        capsys,
        ["import", str(pkl), "--out", str(out), "--input-shape", "3", "--trust-pickle"],
        "has 3 values but the first kernel takes 2",
    )
    assert not out.exists()


def test_missing_optional_package_is_one_line(capsys, tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "h5py" or name.startswith("h5py."):
            raise ImportError("No module named 'h5py'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    expect_error(
        capsys,
        ["import", str(DATA / "keras_mlp.keras"), "--out", str(tmp_path / "n.npz")],
        "pip install 'polyreg[keras]'",
    )


class _Payload:
    """Unpickling this creates the marker file: stands for any code a pickle can run."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def test_untrusted_pickles_are_never_loaded(capsys, tmp_path):
    marker = tmp_path / "PWNED"
    out = tmp_path / "net.npz"
    pkl = tmp_path / "params.pkl"
    pkl.write_bytes(pickle.dumps({"params": _Payload(marker)}))
    pt = tmp_path / "model.pt"
    pt.write_bytes(pickle.dumps(_Payload(marker)))  # a plain pickle named .pt
    for path, fmt in ((pkl, "jax"), (pt, "torch"), (pkl, "torch")):
        expect_error(
            capsys,
            ["import", str(path), "--format", fmt, "--out", str(out), "--input-shape", "2"],
            "needs code execution to load; pass --trust-pickle",
        )
        assert not marker.exists() and not out.exists()
    with pytest.raises(polyreg.errors.UntrustedFile, match="trust_pickle=True"):
        from polyreg.cli.importer import load_flax_file

        load_flax_file(str(pkl))
    assert not marker.exists()
    # the flag is what allows it (the payload runs: the file was trusted)
    expect_error(
        capsys,
        ["import", str(pkl), "--format", "jax", "--out", str(out), "--trust-pickle"],
        "",
    )
    assert marker.exists()


def test_untrusted_torch_pickle_refused_and_state_dict_read(tmp_path):
    torch = pytest.importorskip("torch")
    from polyreg.io.torch import load_torch_file

    marker = tmp_path / "PWNED"
    evil = tmp_path / "evil.pt"
    torch.save({"0.weight": torch.eye(2), "payload": _Payload(marker)}, evil)
    with pytest.raises(polyreg.errors.UntrustedFile, match="needs code execution to load"):
        load_torch_file(str(evil))
    assert not marker.exists()
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    sd = tmp_path / "sd.pth"
    torch.save(model.state_dict(), sd)
    state = load_torch_file(str(sd))
    net = polyreg.io.from_state_dict(
        state, [{"type": "linear", "name": "0"}, "relu", {"type": "linear", "name": "2"}]
    )
    x = torch.randn(10, 2)
    with torch.no_grad():
        want = model(x).numpy()
    np.testing.assert_allclose(net.forward(x.numpy().astype(float)), want, rtol=1e-5, atol=1e-6)


def test_architecture_option_errors(capsys, tmp_path):
    out = tmp_path / "net.npz"
    expect_error(
        capsys,
        ["import", str(DATA / "keras_mlp.keras"), "--out", str(out), "--architecture", "[]"],
        "--architecture is only used with torch state_dicts",
    )
    expect_error(
        capsys,
        ["import", str(DATA / "keras_mlp.keras"), "--out", str(out), "--architecture", "[x"],
        "is neither JSON nor a JSON file",
    )


def test_torch_linear_first_needs_no_input_shape(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(5, 7), torch.nn.ReLU(),
                                torch.nn.Linear(7, 2)).eval()
    full, sd = tmp_path / "full.pt", tmp_path / "sd.pt"
    torch.save(model, full)
    torch.save(model.state_dict(), sd)
    out = tmp_path / "net.npz"
    info = run_ok(capsys, ["import", str(full), "--out", str(out), "--trust-pickle"])
    assert info["widths"] == [5, 7, 2]
    x = torch.randn(20, 5)
    with torch.no_grad():
        want = model(x).numpy()
    got = polyreg.load(out).forward(x.numpy().astype(float))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    arch = json.dumps(["flatten", {"type": "linear", "name": "1"}, "relu",
                       {"type": "linear", "name": "3"}])
    info = run_ok(capsys, ["import", str(sd), "--out", str(out), "--architecture", arch])
    assert info["widths"] == [5, 7, 2]
