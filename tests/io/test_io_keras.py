"""Keras import with h5py only. The fixtures in ``data/`` were saved by Keras 3 itself, with
its float64 outputs on 1,000 random inputs (``data/make_keras_fixtures.py``); the import must
reproduce them to a relative error < 1e-6. Hand-made files test the format edges."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

import polyreg
from polyreg.io import from_keras

DATA = Path(__file__).resolve().parent / "data"


@pytest.mark.parametrize(
    "name, suffix, widths, slope",
    [
        ("keras_mlp", ".keras", (3, 8, 6, 2), 0.0),
        ("keras_mlp", ".h5", (3, 8, 6, 2), 0.0),
        ("keras_cnn", ".keras", (60, 36, 16, 5, 1), 0.0),
        ("keras_cnn", ".h5", (60, 36, 16, 5, 1), 0.0),
        ("keras_conv1d_leaky", ".keras", (21, 28, 3, 2), 0.1),
        ("keras_functional", ".keras", (4, 5, 5, 2), 0.0),
    ],
)
def test_forward_equals_keras(name, suffix, widths, slope):
    net = from_keras(DATA / f"{name}{suffix}")
    assert net.widths == widths
    assert net.negative_slope == pytest.approx(slope)
    expected = np.load(DATA / f"{name}.expected.npz")
    x = expected["x"].astype(np.float64).reshape(len(expected["x"]), -1)
    assert len(x) == 1000
    got = net.forward(x)
    want = expected["y"]
    assert np.max(np.abs(got - want)) / np.max(np.abs(want)) < 1e-6


@pytest.mark.parametrize(
    "file, match",
    [
        (
            "keras_maxpool.keras",
            r"layer 'max_pooling2d' \(MaxPooling2D\) is not piecewise affine"
            ".*max-pooling",
        ),
        ("keras_residual.keras", r"layer 'add' \(Add\) reads 2 tensors.*residual connection"),
        (
            "keras_sigmoid.h5",
            r"\(Dense\) \(activation 'sigmoid'\) is not piecewise affine.*sigmoid",
        ),
    ],
)
def test_refusals(file, match):
    with pytest.raises(polyreg.InvalidNetwork, match=match):
        from_keras(DATA / file)


def write_keras(
    path: Path, layers: list[dict], weights: dict[str, list[np.ndarray]], cls: str = "Sequential"
) -> None:
    """A minimal Keras 3 ``.keras`` zip: ``config.json`` and ``model.weights.h5``."""
    h5 = path.with_suffix(".weights.h5")
    with h5py.File(h5, "w") as f:
        for group, arrays in weights.items():
            g = f.create_group(f"layers/{group}/vars")
            for i, a in enumerate(arrays):
                g.create_dataset(str(i), data=a)
    config = {"class_name": cls, "config": {"name": "m", "layers": layers}}
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", json.dumps(config))
        z.write(h5, "model.weights.h5")
    h5.unlink()


def test_channels_first_conv_and_flatten(tmp_path):
    rng = np.random.default_rng(0)
    k = rng.normal(size=(2, 2, 2, 3))  # (kh, kw, C_in, C_out)
    b = rng.normal(size=3)
    d = rng.normal(size=(3 * 3 * 4, 1))
    layers = [
        {"class_name": "InputLayer", "config": {"name": "in", "batch_shape": [None, 2, 4, 5]}},
        {
            "class_name": "Conv2D",
            "config": {
                "name": "c",
                "filters": 3,
                "kernel_size": [2, 2],
                "data_format": "channels_first",
                "activation": "relu",
            },
        },
        {"class_name": "Flatten", "config": {"name": "f", "data_format": "channels_first"}},
        {"class_name": "Dense", "config": {"name": "d", "units": 1}},
    ]
    path = tmp_path / "cf.keras"
    write_keras(path, layers, {"conv2d": [k, b], "dense": [d, np.zeros(1)]})
    net = from_keras(path)
    x = rng.normal(size=(1000, 2, 4, 5))
    # reference: channels-first cross-correlation, then Keras' Flatten moves channels last
    out = np.zeros((1000, 3, 3, 4))
    for i in range(3):
        for j in range(4):
            out[:, :, i, j] = np.einsum("nchw,hwco->no", x[:, :, i : i + 2, j : j + 2], k) + b
    h = np.maximum(out, 0).transpose(0, 2, 3, 1).reshape(1000, -1)
    want = h @ d
    got = net.forward(x.reshape(1000, -1))
    assert np.max(np.abs(got - want)) / np.max(np.abs(want)) < 1e-6


def test_file_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        from_keras(tmp_path / "missing.keras")
    weights_only = tmp_path / "w.h5"
    with h5py.File(weights_only, "w") as f:
        f.create_group("dense")
    with pytest.raises(polyreg.InvalidNetwork, match="weights only"):
        from_keras(weights_only)
    not_keras = tmp_path / "x.keras"
    with zipfile.ZipFile(not_keras, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(polyreg.InvalidNetwork, match="not a .keras file"):
        from_keras(not_keras)
    text = tmp_path / "t.h5"
    text.write_text("plain text")
    with pytest.raises(polyreg.InvalidNetwork, match="neither a .keras zip nor an HDF5"):
        from_keras(text)


def test_layer_errors(tmp_path):
    base = [{"class_name": "InputLayer", "config": {"name": "in", "batch_shape": [None, 3]}}]
    path = tmp_path / "m.keras"
    write_keras(
        path,
        base + [{"class_name": "Dense", "config": {"name": "d", "units": 2, "activation": "relu"}}],
        {"dense": [np.ones((4, 2)), np.zeros(2)]},
    )
    with pytest.raises(
        polyreg.InvalidNetwork,
        match=r"layer 'd' \(Dense\): kernel of shape "
        r"\(4, 2\) does not take an input of shape \(3,\)",
    ):
        from_keras(path)
    write_keras(
        path, base + [{"class_name": "ReLU", "config": {"name": "r", "max_value": 6.0}}], {}
    )
    with pytest.raises(polyreg.InvalidNetwork, match=r"layer 'r' \(ReLU\) has max_value"):
        from_keras(path)
    write_keras(path, base + [{"class_name": "Dense", "config": {"name": "d", "units": 2}}], {})
    with pytest.raises(
        polyreg.InvalidNetwork, match="expected 2 weight arrays in the file, found 0"
    ):
        from_keras(path)
    write_keras(path, base + [{"class_name": "LayerNormalization", "config": {"name": "ln"}}], {})
    with pytest.raises(
        polyreg.InvalidNetwork,
        match=r"layer 'ln' \(LayerNormalization\) is not "
        "piecewise affine",
    ):
        from_keras(path)
    write_keras(path, [{"class_name": "Dense", "config": {"name": "d", "units": 2}}], {})
    with pytest.raises(polyreg.InvalidNetwork, match="gives no input shape"):
        from_keras(path)


def _keras_with_config(path, config_text):
    h5 = path.with_suffix(".weights.h5")
    with h5py.File(h5, "w"):
        pass
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", config_text)
        z.write(h5, "model.weights.h5")
    h5.unlink()
    return path


@pytest.mark.parametrize(
    "config, match",
    [
        ("[1, 2]", r"config.json must be a JSON object .* got a JSON array"),
        ('"Sequential"', r"config.json must be a JSON object .* got a JSON string"),
        ("{not json", r"config.json is not valid JSON"),
        ('{"class_name": "Sequential", "config": {"layers": 3}}',
         r"the Sequential model's config has no list of layers \(config.layers is a int\)"),
        ('{"class_name": "Functional", "config": []}',
         r"the Functional model's config has no list of layers \(config.layers is missing\)"),
        ('{"class_name": "Sequential", "config": {"layers": [[1]]}}',
         r"layer 0 of the Sequential model's config is not an object with a 'class_name'"),
        ('{"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", '
         '"config": [1]}]}}', r"layer 0 \(Dense\) has a config that is not an object"),
        ('{"class_name": "Sequential", "config": {"layers": [{"class_name": "InputLayer", '
         '"config": {"batch_shape": [null, 3]}}, {"class_name": "LeakyReLU", "config": '
         '{"name": "a", "negative_slope": [0.1]}}]}}',
         r"layer 'a' \(LeakyReLU\): negative slope must be a real scalar"),
        ('{"class_name": "Sequential", "config": {"layers": [{"class_name": "InputLayer", '
         '"config": {"batch_shape": [null, 3]}}, {"class_name": "Reshape", "config": '
         '{"name": "r", "target_shape": 3}}]}}', r"unexpected Keras config \(TypeError"),
    ],
)
def test_malformed_config_named(tmp_path, config, match):
    with pytest.raises(polyreg.InvalidNetwork, match=match):
        from_keras(_keras_with_config(tmp_path / "m.keras", config))


def test_h5_model_config_that_is_a_list(tmp_path, capsys):
    path = tmp_path / "m.h5"
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps([{"class_name": "Dense"}])
    with pytest.raises(polyreg.InvalidNetwork, match="model_config must be a JSON object"):
        from_keras(path)
    from polyreg.cli import main

    assert main(["import", str(path), "--out", str(tmp_path / "n.npz")]) == 2
    err = capsys.readouterr().err
    assert "model_config must be a JSON object" in err and "got a JSON array" in err
