"""Layer specs of the PyTorch importer: what one layer does, as a plain dict, applied to a
:class:`~polyreg.io._chain.Chain`.

A spec is ``{"type": ..., parameters...}`` whatever it came from (an eager module, a TorchScript
module, an fx graph node, an entry of :func:`polyreg.io.from_state_dict`'s architecture). Types:
``identity``, ``relu``, ``leaky_relu``, ``linear``, ``conv``, ``batchnorm``, ``avgpool``,
``adaptive_avgpool``, ``flatten``, ``unflatten``, ``reshape``, ``scale_shift``. Parameters may
be torch tensors or arrays; torch is never imported here.
"""

from __future__ import annotations

from math import prod
from typing import Any
from collections.abc import Mapping

import numpy as np

from ..errors import InvalidNetwork
from ._chain import (
    PAD_MODES,
    Chain,
    adaptive_avgpool_matrix,
    as_tuple,
    avgpool_matrix,
    last_axis_matrix,
    refuse,
    to_numpy,
)

__all__ = ["apply_spec", "module_spec", "is_torch_class", "SUPPORTED"]

SUPPORTED = (
    "Linear, Conv1d, Conv2d, BatchNorm1d, BatchNorm2d (eval), AvgPool1d, AvgPool2d, "
    "AdaptiveAvgPool1d, AdaptiveAvgPool2d, Flatten, Unflatten, ReLU, LeakyReLU, PReLU (one "
    "parameter), Identity, Dropout (eval)"
)


def apply_spec(chain: Chain, spec: Mapping[str, Any], where: str) -> None:
    """Apply the layer ``spec`` (named ``where`` in errors) to ``chain``."""
    kind = spec["type"]
    shape = chain.shape
    if kind in ("identity", "dropout"):
        return
    if kind == "relu":
        chain.activation(0.0, where)
    elif kind == "leaky_relu":
        chain.activation(spec.get("negative_slope", 0.01), where)
    elif kind == "linear":
        W = to_numpy(spec["weight"], f"{where} weight")
        if W.ndim != 2:
            raise InvalidNetwork(f"{where}: weight must be (out, in), got shape {W.shape}")
        if shape[-1] != W.shape[1]:
            raise InvalidNetwork(
                f"{where}: takes {W.shape[1]} features but its input has shape {shape}"
            )
        b = None if spec.get("bias") is None else to_numpy(spec["bias"], f"{where} bias")
        out = shape[:-1] + (W.shape[0],)
        bias = None if b is None else np.tile(b, prod(shape[:-1]))
        chain.affine(last_axis_matrix(W, shape), bias, out, where)
    elif kind == "conv":
        _apply_conv(chain, spec, where)
    elif kind == "batchnorm":
        dims = int(spec.get("dims", 0))
        if dims and len(shape) not in ((1, 2) if dims == 1 else (dims + 1,)):
            raise InvalidNetwork(f"{where}: BatchNorm{dims}d cannot take an input of shape {shape}")
        mean = to_numpy(spec["running_mean"], f"{where} running_mean")
        var = to_numpy(spec["running_var"], f"{where} running_var")
        if mean.shape != (shape[0],) or var.shape != (shape[0],):
            raise InvalidNetwork(
                f"{where}: {mean.shape[0]} channels but its input has shape {shape}"
            )
        eps = float(spec.get("eps", 1e-5))
        gamma = (
            np.ones_like(mean) if spec.get("weight") is None else to_numpy(spec["weight"], where)
        )
        beta = np.zeros_like(mean) if spec.get("bias") is None else to_numpy(spec["bias"], where)
        scale = gamma / np.sqrt(var + eps)
        extra = (1,) * (len(shape) - 1)
        chain.elementwise(
            scale.reshape((-1,) + extra), (beta - mean * scale).reshape((-1,) + extra), where
        )
    elif kind == "avgpool":
        n = int(spec["dims"])
        _need_dims(shape, n, where)
        kernel = as_tuple(spec["kernel_size"], n, f"{where} kernel_size")
        stride = as_tuple(spec.get("stride") or kernel, n, f"{where} stride")
        pad = as_tuple(spec.get("padding", 0), n, f"{where} padding")
        M, out = avgpool_matrix(
            shape,
            kernel=kernel,
            stride=stride,
            pads=[(p, p) for p in pad],
            ceil_mode=bool(spec.get("ceil_mode", False)),
            count_include_pad=bool(spec.get("count_include_pad", True)),
            divisor_override=spec.get("divisor_override"),
            where=where,
        )
        chain.affine(M, None, out, where)
    elif kind == "adaptive_avgpool":
        n = int(spec["dims"])
        _need_dims(shape, n, where)
        size = spec["output_size"]
        size = [size] * n if size is None or isinstance(size, int) else list(size)
        M, out = adaptive_avgpool_matrix(shape, size)
        chain.affine(M, None, out, where)
    elif kind == "flatten":
        full = (1,) + shape
        start, end = (
            _axis(spec.get("start_dim", 1), len(full)),
            _axis(spec.get("end_dim", -1), len(full)),
        )
        if start == 0:
            raise InvalidNetwork(f"{where}: flattening from dimension 0 merges the batch axis")
        if end >= start:
            full = full[:start] + (prod(full[start : end + 1]),) + full[end + 1 :]
        chain.reshape(full[1:], where)
    elif kind == "unflatten":
        full = (1,) + shape
        dim = _axis(spec["dim"], len(full))
        if dim == 0:
            raise InvalidNetwork(f"{where}: unflattening dimension 0 splits the batch axis")
        sizes = _resolve(list(spec["sizes"]), full[dim], where)
        chain.reshape(full[1:dim] + sizes + full[dim + 1 :], where)
    elif kind == "reshape":
        chain.reshape(_resolve(list(spec["shape"]), chain.size, where), where)
    elif kind == "scale_shift":
        scale_s, shift_s = spec.get("scale"), spec.get("shift")
        chain.elementwise(
            None if scale_s is None else _const(scale_s, shape, where),
            None if shift_s is None else _const(shift_s, shape, where),
            where,
        )
    else:  # pragma: no cover - the spec builders only make the kinds above
        raise InvalidNetwork(f"{where}: unknown layer type {kind!r}")


def _const(value: Any, shape: tuple[int, ...], where: str) -> np.ndarray:
    """A constant broadcast against one sample (a leading batch axis of 1 is dropped)."""
    arr = to_numpy(value, f"{where} constant")
    if arr.ndim > len(shape):
        if arr.ndim != len(shape) + 1 or arr.shape[0] != 1:
            raise InvalidNetwork(
                f"{where}: constant of shape {arr.shape} does not broadcast over one sample "
                f"of shape {shape}"
            )
        arr = arr[0]
    return arr


def _axis(dim: int, ndim: int) -> int:
    dim = int(dim)
    return dim + ndim if dim < 0 else dim


def _need_dims(shape: tuple[int, ...], n: int, where: str) -> None:
    if len(shape) != n + 1:
        raise InvalidNetwork(
            f"{where}: a {n}-d layer needs an input (C, {n} spatial sizes), got shape {shape}"
        )


def _resolve(sizes: list[int], total: int, where: str) -> tuple[int, ...]:
    """Sizes with at most one -1, filled in so that their product is ``total``."""
    sizes = [int(s) for s in sizes]
    if sizes.count(-1) > 1 or any(s < -1 or s == 0 for s in sizes):
        raise InvalidNetwork(f"{where}: cannot reshape into {tuple(sizes)}")
    known = prod(s for s in sizes if s != -1)
    if -1 in sizes:
        if total % known:
            raise InvalidNetwork(f"{where}: cannot reshape {total} values into {tuple(sizes)}")
        sizes[sizes.index(-1)] = total // known
    return tuple(sizes)


def _apply_conv(chain: Chain, spec: Mapping[str, Any], where: str) -> None:
    shape = chain.shape
    W = to_numpy(spec["weight"], f"{where} weight")
    n = W.ndim - 2
    dims = int(spec.get("dims", n))
    if n != dims or n < 1:
        raise InvalidNetwork(
            f"{where}: a Conv{dims}d weight must have {dims + 2} axes, got {W.shape}"
        )
    _need_dims(shape, n, where)
    kernel = W.shape[2:]
    stride = as_tuple(spec.get("stride", 1), n, f"{where} stride")
    dilation = as_tuple(spec.get("dilation", 1), n, f"{where} dilation")
    groups = spec.get("groups")
    if groups is None:  # infer from the weight: C_in / (C_in per group)
        groups = shape[0] // W.shape[1] if W.shape[1] and shape[0] % W.shape[1] == 0 else 0
    padding = spec.get("padding", 0)
    if isinstance(padding, str):
        if padding == "valid":
            pads = [(0, 0)] * n
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise InvalidNetwork(f"{where}: padding='same' needs stride 1, got {stride}")
            totals = [d * (k - 1) for d, k in zip(dilation, kernel, strict=True)]
            pads = [(t // 2, t - t // 2) for t in totals]
        else:
            raise InvalidNetwork(f"{where}: padding {padding!r} is not 'same', 'valid' or ints")
    else:
        pads = [(p, p) for p in as_tuple(padding, n, f"{where} padding")]
    mode = str(spec.get("padding_mode", "zeros"))
    if mode not in PAD_MODES:
        raise InvalidNetwork(f"{where}: padding_mode {mode!r} is not one of {', '.join(PAD_MODES)}")
    bias = None if spec.get("bias") is None else to_numpy(spec["bias"], f"{where} bias")
    chain.conv(W, bias, shape, stride=stride, pads=pads, dilation=dilation, groups=int(groups),
               pad_mode=mode, where=where)


# ---------------------------------------------------------------------------- modules
def module_spec(mod: Any, cls: str, where: str) -> dict[str, Any]:
    """The spec of one leaf module (eager or TorchScript), found by its class name."""

    def attr(name: str) -> Any:
        if not hasattr(mod, name):
            raise InvalidNetwork(
                f"{where} does not keep its attribute {name!r} (a torch.jit.trace module "
                "inlines it); save the model with torch.jit.script or torch.save(model)"
            )
        return getattr(mod, name)

    training = bool(getattr(mod, "training", False))
    if cls in ("ReLU",):
        return {"type": "relu"}
    if cls == "LeakyReLU":
        return {"type": "leaky_relu", "negative_slope": float(attr("negative_slope"))}
    if cls == "PReLU":
        w = to_numpy(attr("weight"), f"{where} weight").ravel()
        if w.size != 1:
            raise InvalidNetwork(
                f"{where} has {w.size} slopes (one per channel); a polyreg Network has one "
                "negative slope for all neurons"
            )
        return {"type": "leaky_relu", "negative_slope": float(w[0])}
    if cls in ("Identity", "Dropout", "Dropout1d", "Dropout2d", "AlphaDropout"):
        if training and cls != "Identity":
            raise InvalidNetwork(
                f"{where} is in training mode (random masks); call model.eval() before importing"
            )
        return {"type": "identity"}
    if cls == "Linear":
        return {"type": "linear", "weight": attr("weight"), "bias": attr("bias")}
    if cls in ("Conv1d", "Conv2d"):
        return {
            "type": "conv",
            "dims": int(cls[4]),
            "weight": attr("weight"),
            "bias": attr("bias"),
            "stride": attr("stride"),
            "padding": attr("padding"),
            "dilation": attr("dilation"),
            "groups": int(attr("groups")),
            "padding_mode": attr("padding_mode"),
        }
    if cls in ("BatchNorm1d", "BatchNorm2d"):
        if training:
            raise InvalidNetwork(
                f"{where} is in training mode (it normalises by batch statistics); call "
                "model.eval() before importing"
            )
        if getattr(mod, "running_mean", None) is None:
            raise InvalidNetwork(
                f"{where} has track_running_stats=False: it normalises by the statistics of "
                "its own input even in eval mode, which is not piecewise affine"
            )
        return {
            "type": "batchnorm",
            "dims": int(cls[9]),
            "weight": getattr(mod, "weight", None),
            "bias": getattr(mod, "bias", None),
            "running_mean": attr("running_mean"),
            "running_var": attr("running_var"),
            "eps": float(attr("eps")),
        }
    if cls in ("AvgPool1d", "AvgPool2d"):
        return {
            "type": "avgpool",
            "dims": int(cls[7]),
            "kernel_size": attr("kernel_size"),
            "stride": attr("stride"),
            "padding": attr("padding"),
            "ceil_mode": bool(attr("ceil_mode")),
            "count_include_pad": bool(attr("count_include_pad")),
            "divisor_override": getattr(mod, "divisor_override", None),
        }
    if cls in ("AdaptiveAvgPool1d", "AdaptiveAvgPool2d"):
        return {
            "type": "adaptive_avgpool",
            "dims": int(cls[15]),
            "output_size": attr("output_size"),
        }
    if cls == "Flatten":
        return {"type": "flatten", "start_dim": attr("start_dim"), "end_dim": attr("end_dim")}
    if cls == "Unflatten":
        return {"type": "unflatten", "dim": attr("dim"), "sizes": attr("unflattened_size")}
    raise refuse(where, cls, SUPPORTED)


def is_torch_class(mod: Any) -> bool:
    return type(mod).__module__.startswith("torch.nn.")
