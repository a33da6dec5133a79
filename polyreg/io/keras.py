"""Import Keras models saved as ``.keras`` (Keras 3) or legacy ``.h5``, read with ``h5py`` only.

No TensorFlow or Keras is needed: the architecture comes from the JSON config
(``config.json`` in the ``.keras`` zip, the ``model_config`` attribute of an ``.h5``) and the
weights from HDF5 (``pip install 'polyreg[keras]'``).

Supported layers: ``InputLayer``, ``Dense`` (kernel ``(in, out)``), ``Conv1D``/``Conv2D``
(``valid``/``same`` padding, strides, dilation, groups, ``channels_last`` or
``channels_first``), ``ReLU`` (no ``max_value``, threshold 0), ``LeakyReLU``,
``Activation("relu" | "leaky_relu" | "linear")`` and the same ``activation=`` inside Dense/Conv,
``Flatten``, ``Reshape``, ``BatchNormalization`` (inference), ``AveragePooling1D/2D``,
``GlobalAveragePooling1D/2D``, ``Dropout``/``SpatialDropout``; a ``Sequential`` model or a
functional model whose layers form a chain.
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from math import prod
from typing import Any
from collections.abc import Sequence

import numpy as np

from ..errors import InvalidNetwork
from ..network import Network
from ._chain import (
    Chain,
    adaptive_avgpool_matrix,
    as_tuple,
    avgpool_matrix,
    last_axis_matrix,
    require,
    refuse,
    transpose_matrix,
)

__all__ = ["from_keras"]

SUPPORTED = (
    "InputLayer, Dense, Conv1D, Conv2D, ReLU, LeakyReLU, Activation(relu|leaky_relu|linear), "
    "Flatten, Reshape, BatchNormalization, AveragePooling1D/2D, GlobalAveragePooling1D/2D, "
    "Dropout"
)
_NO_OP = {
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "GaussianDropout",
    "GaussianNoise",
    "AlphaDropout",
    "ActivityRegularization",
    "InputLayer",
}


def _h5py() -> Any:
    return require("h5py", "keras")


def snake_case(name: str) -> str:
    """Keras' ``to_snake_case``: the name of a layer's weight group in a ``.keras`` file.

    Examples
    --------
    >>> snake_case("ReLU"), snake_case("BatchNormalization"), snake_case("Conv2D")
    ('re_lu', 'batch_normalization', 'conv2d')
    """
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _inbound(layer: dict[str, Any]) -> list[str]:
    """Names of the layers feeding a functional-model layer (Keras 2 and 3 formats)."""
    names: list[str] = []

    def walk(obj: Any) -> None:
        if isinstance(obj, dict):
            hist = obj.get("keras_history") or obj.get("config", {}).get("keras_history")
            if hist:
                names.append(str(hist[0]))
                return
            for v in obj.values():
                walk(v)
        elif isinstance(obj, (list, tuple)):
            if len(obj) >= 3 and isinstance(obj[0], str) and isinstance(obj[1], int):
                names.append(obj[0])
                return
            for v in obj:
                walk(v)

    walk(layer.get("inbound_nodes", []))
    return names


def _read(path: str, h5py: Any) -> tuple[dict[str, Any], Any, str]:
    """The model config, an open h5 weights file and the format (``"keras"`` or ``"h5"``)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Keras file {path!r} does not exist")
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if "config.json" not in names or "model.weights.h5" not in names:
                raise InvalidNetwork(
                    f"{path!r} is a zip without config.json and model.weights.h5: not a .keras file"
                )
            config = _json_object(z.read("config.json"), f"{path!r}: config.json")
            weights = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
        return config, weights, "keras"
    if not h5py.is_hdf5(path):
        raise InvalidNetwork(f"{path!r} is neither a .keras zip nor an HDF5 (.h5) file")
    f = h5py.File(path, "r")
    raw = f.attrs.get("model_config")
    if raw is None:
        f.close()
        raise InvalidNetwork(
            f"{path!r} has no model_config: it holds weights only (save_weights), without the "
            "architecture; save the whole model (model.save)"
        )
    try:
        config = _json_object(raw, f"{path!r}: model_config")
    except BaseException:
        f.close()
        raise
    return config, f, "h5"


_JSON_TYPES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}


def _json_object(raw: Any, what: str) -> dict[str, Any]:
    """Parse ``raw`` (str or bytes) as a JSON object (the model config)."""
    try:
        if isinstance(raw, bytes):
            raw = raw.decode()
        config = json.loads(raw)
    except (ValueError, TypeError) as exc:  # UnicodeDecodeError, JSONDecodeError, not text
        raise InvalidNetwork(f"{what} is not valid JSON: {exc}") from exc
    if not isinstance(config, dict):
        kind = "null" if config is None else _JSON_TYPES.get(type(config), type(config).__name__)
        raise InvalidNetwork(
            f"{what} must be a JSON object with 'class_name' and 'config' (a saved Keras "
            f"model), got a JSON {kind}"
        )
    return config


def _layers(config: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """The layer configs in order, and whether they come from a functional model."""
    cls = config.get("class_name")
    cfg = config.get("config", {})
    if cls not in ("Sequential", "Functional", "Model"):
        raise InvalidNetwork(
            f"a Keras model of class {cls!r} cannot be read; save a Sequential or functional model"
        )
    layers = cfg.get("layers") if isinstance(cfg, dict) else cfg
    if cls != "Sequential" and not isinstance(cfg, dict):
        layers = None
    if not isinstance(layers, list):
        raise InvalidNetwork(
            f"the {cls} model's config has no list of layers (config.layers is "
            f"{'missing' if layers is None else 'a ' + type(layers).__name__})"
        )
    for i, layer in enumerate(layers):
        if not isinstance(layer, dict) or not isinstance(layer.get("class_name"), str):
            raise InvalidNetwork(
                f"layer {i} of the {cls} model's config is not an object with a 'class_name'"
            )
        if not isinstance(layer.get("config", {}), dict):
            raise InvalidNetwork(
                f"layer {i} ({layer['class_name']}) has a config that is not an object"
            )
    return layers, cls != "Sequential"


def _weights(layer: dict[str, Any], group_name: str, weights: Any, fmt: str) -> list[np.ndarray]:
    if fmt == "keras":
        grp = weights.get(f"layers/{group_name}/vars")
        if grp is None:
            return []
        return [np.asarray(grp[k], dtype=np.float64) for k in sorted(grp.keys(), key=int)]
    root = weights.get("model_weights", weights)
    name = layer["config"]["name"]
    if name not in root:
        return []
    grp = root[name]
    out = []
    for w in grp.attrs.get("weight_names", []):
        w = w.decode() if isinstance(w, bytes) else str(w)
        out.append(np.asarray(grp[w], dtype=np.float64))
    return out


def _activation(chain: Chain, act: Any, where: str) -> None:
    if isinstance(act, dict):  # {"class_name": ..., "config": ...} or {"module", ...}
        act = act.get("config", {}).get("name", act.get("class_name"))
    if act in (None, "linear"):
        return
    if act == "relu":
        chain.activation(0.0, where)
    elif act == "leaky_relu":  # keras.activations.leaky_relu default slope
        chain.activation(0.2, where)
    else:
        raise refuse(
            f"{where} (activation {act!r})", str(act), "activations relu, leaky_relu, linear"
        )


def from_keras(path: str | os.PathLike[str], input_shape: Sequence[int] | None = None) -> Network:
    """Convert a saved Keras model (``.keras`` or legacy ``.h5``) into a Network.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.keras`` zip (``config.json`` + ``model.weights.h5``) or a full-model ``.h5``.
    input_shape : sequence of int, optional
        Shape of one input without the batch axis, in Keras' layout (``(H, W, C)`` for
        ``channels_last``); by default from the ``InputLayer``/``batch_shape`` in the config.

    Returns
    -------
    Network
        Inputs are the flattened (C order) input in Keras' layout; one hidden layer per
        ReLU/LeakyReLU, including ``activation="relu"`` inside a Dense or Conv layer.

    Raises
    ------
    InvalidNetwork
        An unsupported or non-piecewise-affine layer or activation (named, with why), a
        functional model that is not a chain (``Add``/``Concatenate``: residual connections),
        weights that do not match the config, a weights-only file.
    FileNotFoundError
        No such file.
    ImportError
        ``h5py`` is not installed.

    Examples
    --------
    >>> import polyreg.io
    >>> net = polyreg.io.from_keras("mlp.keras")  # doctest: +SKIP
    >>> net.widths  # doctest: +SKIP
    (2, 16, 16, 1)
    """
    h5py = _h5py()
    path = os.fspath(path)
    config, weights, fmt = _read(path, h5py)
    try:
        return _convert(config, weights, fmt, input_shape)
    except InvalidNetwork:
        raise
    except (KeyError, TypeError, IndexError, AttributeError, ValueError) as exc:
        raise InvalidNetwork(
            f"{path!r}: unexpected Keras config ({type(exc).__name__}: {exc})"
        ) from exc
    finally:
        weights.close()


def _convert(
    config: dict[str, Any], weights: Any, fmt: str, input_shape: Sequence[int] | None
) -> Network:
    layers, functional = _layers(config)
    if input_shape is None:
        input_shape = _input_shape(layers, config)
    chain = Chain(input_shape)
    counts: dict[str, int] = {}
    previous: str | None = None
    for layer in layers:
        cls = layer["class_name"]
        cfg = layer.get("config", {})
        name = cfg.get("name", layer.get("name", cls))
        base = snake_case(cls)
        k = counts.get(base, 0)
        counts[base] = k + 1
        group = base if k == 0 else f"{base}_{k}"
        where = f"layer {name!r} ({cls})"
        if functional:
            inbound = _inbound(layer)
            if cls != "InputLayer":
                if len(inbound) != 1:
                    raise InvalidNetwork(
                        f"{where} reads {len(inbound)} tensors ({', '.join(inbound)}): a "
                        "residual connection or another branching graph; only chains of layers "
                        "can be imported"
                    )
                if inbound[0] != previous:
                    raise InvalidNetwork(
                        f"{where} reads {inbound[0]!r}, not the layer before it ({previous!r}): "
                        "a branching graph; only chains of layers can be imported"
                    )
            previous = name
        if cls in _NO_OP:
            continue
        _apply_layer(chain, cls, cfg, _weights(layer, group, weights, fmt), where)
    return chain.network()


def _input_shape(layers: list[dict[str, Any]], config: dict[str, Any]) -> tuple[int, ...]:
    candidates = []
    for layer in layers[:1]:
        cfg = layer.get("config", {})
        candidates += [cfg.get("batch_shape"), cfg.get("batch_input_shape")]
        candidates.append((layer.get("build_config") or {}).get("input_shape"))
    candidates.append((config.get("build_config") or {}).get("input_shape"))
    for shape in candidates:
        if shape and len(shape) >= 2 and all(isinstance(s, int) and s > 0 for s in shape[1:]):
            return tuple(int(s) for s in shape[1:])
    raise InvalidNetwork("the Keras config gives no input shape; pass input_shape")


def _need(ws: list[np.ndarray], n: int, where: str) -> None:
    if len(ws) != n:
        raise InvalidNetwork(f"{where}: expected {n} weight arrays in the file, found {len(ws)}")


def _apply_layer(
    chain: Chain, cls: str, cfg: dict[str, Any], ws: list[np.ndarray], where: str
) -> None:
    shape = chain.shape
    if cls == "Dense":
        _need(ws, 2 if cfg.get("use_bias", True) else 1, where)
        kernel = ws[0]
        if kernel.ndim != 2 or kernel.shape[0] != shape[-1]:
            raise InvalidNetwork(
                f"{where}: kernel of shape {kernel.shape} does not take an input of shape {shape}"
            )
        W = kernel.T
        bias = None if len(ws) < 2 else np.tile(ws[1], prod(shape[:-1]))
        chain.affine(last_axis_matrix(W, shape), bias, shape[:-1] + (W.shape[0],), where)
        _activation(chain, cfg.get("activation"), where)
    elif cls in ("Conv1D", "Conv2D"):
        n = int(cls[4])
        _need(ws, 2 if cfg.get("use_bias", True) else 1, where)
        first = cfg.get("data_format", "channels_last") == "channels_first"
        if len(shape) != n + 1:
            raise InvalidNetwork(f"{where}: needs an input of {n + 1} axes, got shape {shape}")
        kernel = ws[0]  # (k..., C_in / groups, C_out)
        W = np.moveaxis(kernel, (-1, -2), (0, 1))
        spatial = shape[1:] if first else shape[:-1]
        strides = as_tuple(cfg.get("strides", 1), n, f"{where} strides")
        dil = as_tuple(cfg.get("dilation_rate", 1), n, f"{where} dilation_rate")
        pads = _same_or_valid(
            cfg.get("padding", "valid"), spatial, W.shape[2:], strides, dil, where
        )
        to_first = None if first else transpose_matrix(shape, [n] + list(range(n)))
        chw = shape if first else (shape[-1],) + shape[:-1]
        out = chain.conv(W, None if len(ws) < 2 else ws[1], chw, stride=strides, pads=pads,
                         dilation=dil, groups=int(cfg.get("groups", 1)), where=where,
                         before=to_first)
        if not first:
            chain.affine(
                transpose_matrix(out, list(range(1, n + 1)) + [0]), None, out[1:] + out[:1], where
            )
        _activation(chain, cfg.get("activation"), where)
    elif cls == "ReLU":
        if cfg.get("max_value") is not None or float(cfg.get("threshold", 0.0)) != 0.0:
            raise InvalidNetwork(
                f"{where} has max_value/threshold: a clamp or a shifted kink, not a ReLU"
            )
        chain.activation(cfg.get("negative_slope", 0.0), where)
    elif cls == "LeakyReLU":
        chain.activation(cfg.get("negative_slope", cfg.get("alpha", 0.3)), where)
    elif cls == "Activation":
        _activation(chain, cfg.get("activation"), where)
    elif cls == "Flatten":
        if cfg.get("data_format") == "channels_first" and len(shape) > 1:
            perm = list(range(1, len(shape))) + [0]
            chain.affine(transpose_matrix(shape, perm), None, tuple(shape[p] for p in perm), where)
        chain.reshape((chain.size,), where)
    elif cls == "Reshape":
        target = [int(s) for s in cfg["target_shape"]]
        if target.count(-1) == 1:
            known = prod(s for s in target if s != -1)
            target[target.index(-1)] = chain.size // max(known, 1)
        chain.reshape(tuple(target), where)
    elif cls == "BatchNormalization":
        axis = cfg.get("axis", -1)
        axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
        if not isinstance(axis, int):
            raise InvalidNetwork(f"{where}: normalising over several axes {axis} is not supported")
        axis = axis - 1 if axis > 0 else axis + len(shape)  # config axes count the batch axis
        n_w = 2 + bool(cfg.get("scale", True)) + bool(cfg.get("center", True))
        _need(ws, n_w, where)
        it = iter(ws)
        gamma = next(it) if cfg.get("scale", True) else np.ones(shape[axis])
        beta = next(it) if cfg.get("center", True) else np.zeros(shape[axis])
        mean, var = next(it), next(it)
        scale = gamma / np.sqrt(var + float(cfg.get("epsilon", 1e-3)))
        bshape = [1] * len(shape)
        bshape[axis] = -1
        chain.elementwise(scale.reshape(bshape), (beta - mean * scale).reshape(bshape), where)
    elif cls in (
        "AveragePooling1D",
        "AveragePooling2D",
        "GlobalAveragePooling1D",
        "GlobalAveragePooling2D",
    ):
        n = int(cls[-2])
        first = cfg.get("data_format", "channels_last") == "channels_first"
        if len(shape) != n + 1:
            raise InvalidNetwork(f"{where}: needs an input of {n + 1} axes, got shape {shape}")
        chw = shape if first else (shape[-1],) + shape[:-1]
        if not first:
            chain.affine(transpose_matrix(shape, [n] + list(range(n))), None, chw, where)
        if cls.startswith("Global"):
            M, out = adaptive_avgpool_matrix(chw, [1] * n)
            chain.affine(M, None, out, where)
            keep = cfg.get("keepdims", False)
            chain.reshape(
                out if keep and first else ((1,) * n + out[:1] if keep else out[:1]), where
            )
            return
        pool = as_tuple(cfg.get("pool_size", 2), n, f"{where} pool_size")
        strides = as_tuple(cfg.get("strides") or pool, n, f"{where} strides")
        pads = _same_or_valid(cfg.get("padding", "valid"), chw[1:], pool, strides, (1,) * n, where)
        M, out = avgpool_matrix(
            chw, kernel=pool, stride=strides, pads=pads, count_include_pad=False, where=where
        )
        chain.affine(M, None, out, where)
        if not first:
            chain.affine(
                transpose_matrix(out, list(range(1, n + 1)) + [0]), None, out[1:] + out[:1], where
            )
    else:
        if cls in ("Add", "Concatenate", "Subtract", "Multiply", "Average", "Maximum"):
            raise InvalidNetwork(
                f"{where} merges several tensors (a residual or branching "
                "graph); only chains of layers can be imported"
            )
        raise refuse(where, cls, SUPPORTED)


def _same_or_valid(
    padding: str,
    spatial: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int],
    dil: Sequence[int],
    where: str,
) -> list[tuple[int, int]]:
    if padding == "valid":
        return [(0, 0)] * len(spatial)
    if padding == "same":  # TensorFlow's rule: the extra padding goes at the end
        out = []
        for s, k, st, dl in zip(spatial, kernel, strides, dil, strict=True):
            total = max((-(-s // st) - 1) * st + (k - 1) * dl + 1 - s, 0)
            out.append((total // 2, total - total // 2))
        return out
    raise InvalidNetwork(f"{where}: padding {padding!r} is not supported (valid, same)")
