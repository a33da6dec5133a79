"""Import PyTorch models: eager modules (through ``torch.fx``), TorchScript ``Sequential``\\ s and
``state_dict``\\ s with an architecture description.

Supported layers: ``Linear``, ``Conv1d``/``Conv2d`` (any stride, padding including ``"same"``
and the padding modes zeros/reflect/replicate/circular, dilation, groups), ``BatchNorm1d``/
``BatchNorm2d`` in eval mode, ``AvgPool1d``/``AvgPool2d``, ``AdaptiveAvgPool1d``/``2d``,
``Flatten``, ``Unflatten``, ``ReLU``, ``LeakyReLU``, ``PReLU`` with one parameter,
``Identity``, ``Dropout`` in eval mode; in a custom ``forward``, also ``F.relu``,
``F.leaky_relu``, ``F.linear``, ``torch.flatten``, ``x.view``/``x.reshape`` and ``+ - * /`` by
constants. Consecutive affine layers are composed exactly (float64) into one layer of the
:class:`~polyreg.network.Network`; every activation is one hidden layer.

Refused, with an :class:`~polyreg.errors.InvalidNetwork` naming the layer: anything not
piecewise affine in polyreg's sense (max-pooling, sigmoid, tanh, softmax, attention,
normalisation by the input's own statistics, ...), BatchNorm/Dropout in training mode, and
graphs that are not a chain: a residual connection ``x + f(x)`` or any other tensor read by two
operations. PyTorch is imported only inside the functions (``pip install 'polyreg[torch]'``).
"""

from __future__ import annotations

from typing import Any
from collections.abc import Mapping, Sequence

from ..errors import InvalidNetwork, UntrustedFile
from ..network import Network
from ._chain import Chain, refuse, require, to_numpy
from ._specs import apply_spec, is_torch_class, module_spec
from ._torch_fx import fx_specs

__all__ = ["from_torch", "from_state_dict", "load_torch_file"]


def _torch() -> Any:
    return require("torch", "torch")


# ---------------------------------------------------------------------------- TorchScript
def _script_specs(module: Any, path: str = "") -> list[tuple[dict[str, Any], str]]:
    cls = getattr(module, "original_name", type(module).__name__)
    if cls != "Sequential":
        raise InvalidNetwork(
            f"TorchScript module {path or '(top)'!r} is a {cls}, not a Sequential: its forward "
            "cannot be read without running it; save the eager model with torch.save(model) "
            "and import that, or import a scripted nn.Sequential"
        )
    out = []
    for name, child in module.named_children():
        sub = f"{path}.{name}" if path else name
        child_cls = getattr(child, "original_name", type(child).__name__)
        if child_cls == "Sequential":
            out.extend(_script_specs(child, sub))
            continue
        where = f"layer {sub!r} ({child_cls})"
        out.append((module_spec(child, child_cls, where), where))
    return out


# ---------------------------------------------------------------------------- public
def from_torch(module: Any, input_shape: Sequence[int] | None = None) -> Network:
    """Convert a PyTorch model into a :class:`~polyreg.network.Network`.

    Parameters
    ----------
    module : torch.nn.Module or torch.jit.ScriptModule
        An eager module (``nn.Sequential`` or a module whose ``forward`` is a fixed chain of
        supported layers, read with ``torch.fx``), or a scripted ``nn.Sequential``. Put it in
        eval mode first (``model.eval()``) when it has BatchNorm or Dropout.
    input_shape : sequence of int, optional
        Shape of one input without the batch axis: ``(features,)``, ``(C, L)`` or ``(C, H, W)``.
        The network's inputs are ``x.reshape(-1)`` (C order), its outputs the flattened output.
        Default: ``(in_features,)`` when the first layer (after any ``Flatten``/``Identity``)
        is ``Linear``; required otherwise.

    Returns
    -------
    Network
        One hidden layer per activation, in execution order, so ``net.pattern(x)`` equals the
        concatenated masks ``input > 0`` of the model's ReLU/LeakyReLU layers.

    Raises
    ------
    InvalidNetwork
        A layer that is unsupported or not piecewise affine (named, with the reason), a
        residual/branching graph, BatchNorm or Dropout in training mode, ReLU and LeakyReLU
        (or two LeakyReLU slopes) mixed, a model without activation, shapes that do not fit.
    ImportError
        PyTorch is not installed.

    Examples
    --------
    >>> import torch, polyreg.io  # doctest: +SKIP
    >>> model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(),  # doctest: +SKIP
    ...                             torch.nn.Flatten(), torch.nn.Linear(4 * 26 * 26, 10))
    >>> polyreg.io.from_torch(model.eval(), (1, 28, 28)).widths  # doctest: +SKIP
    (784, 2704, 10)

    Notes
    -----
    Convolutions and poolings are built as sparse matrices by index arithmetic and composed
    with their neighbours in float64 (a product of sparse/dense matrices per affine layer);
    the resulting dense weight of a hidden layer is ``(width, n_inputs)``.
    """
    torch = _torch()
    if isinstance(module, torch.jit.ScriptModule):
        specs = _script_specs(module)
    elif isinstance(module, torch.nn.Module):
        if is_torch_class(module) and type(module).__name__ != "Sequential":
            cls = type(module).__name__
            specs = [(module_spec(module, cls, f"module ({cls})"), f"module ({cls})")]
        else:
            specs = fx_specs(module, torch)
    else:
        raise InvalidNetwork(
            f"module must be a torch.nn.Module or a TorchScript module, got {type(module).__name__}"
        )
    chain = Chain(_input_shape(specs) if input_shape is None else input_shape)
    for spec, where in specs:
        apply_spec(chain, spec, where)
    return chain.network()


def _input_shape(specs: list) -> tuple[int, ...]:
    """``(in_features,)`` of the first ``Linear`` layer when nothing but ``Flatten`` /
    ``Identity`` comes before it (then the input is a flat vector of that size)."""
    for spec, where in specs:
        if spec["type"] in ("flatten", "identity"):
            continue
        if spec["type"] == "linear":
            return (int(to_numpy(spec["weight"], "weight").shape[1]),)
        raise InvalidNetwork(
            f"input_shape is needed (--input-shape on the command line, e.g. 1,28,28): the "
            f"first layer, {where}, is {spec['type']!r}, not Linear"
        )
    raise InvalidNetwork("input_shape is needed: the model has no layer to take it from")


_ARCH_TYPES = {
    "linear": "linear",
    "conv1d": "conv",
    "conv2d": "conv",
    "batchnorm": "batchnorm",
    "batchnorm1d": "batchnorm",
    "batchnorm2d": "batchnorm",
    "avgpool1d": "avgpool",
    "avgpool2d": "avgpool",
    "adaptive_avgpool1d": "adaptive_avgpool",
    "adaptive_avgpool2d": "adaptive_avgpool",
    "flatten": "flatten",
    "unflatten": "unflatten",
    "relu": "relu",
    "leaky_relu": "leaky_relu",
    "identity": "identity",
    "dropout": "identity",
}
_PARAMS = {
    "linear": ("weight", "bias"),
    "conv": ("weight", "bias"),
    "batchnorm": ("weight", "bias", "running_mean", "running_var"),
}


def from_state_dict(
    state_dict: Mapping[str, Any],
    architecture: Sequence[str | Mapping[str, Any]],
    input_shape: Sequence[int] | None = None,
) -> Network:
    """Build a network from a ``state_dict`` and a description of the layers in order.

    Parameters
    ----------
    state_dict : mapping of str to tensor or array
        ``model.state_dict()`` (torch tensors or numpy arrays; torch is not needed for arrays).
    architecture : sequence of str or dict
        The layers, in order. A string is a layer without parameters: ``"relu"``,
        ``"flatten"``, ``"identity"``, ``"dropout"``. A dict has a ``"type"`` and its options:

        ``{"type": "linear", "name": "fc1"}``
            reads ``fc1.weight`` (out, in) and ``fc1.bias`` (optional).
        ``{"type": "conv2d" | "conv1d", "name": "0", "stride": 1, "padding": 0,
        "dilation": 1, "groups": None, "padding_mode": "zeros"}``
            reads ``0.weight`` (C_out, C_in / groups, k...) and ``0.bias``; the kernel size
            comes from the weight, ``groups=None`` infers it from the input channels; padding
            is an int, a tuple, ``"same"`` or ``"valid"``.
        ``{"type": "batchnorm", "name": "1", "eps": 1e-5}``
            eval-mode BatchNorm1d/2d: reads ``running_mean``, ``running_var`` and the optional
            ``weight``, ``bias``.
        ``{"type": "avgpool2d" | "avgpool1d", "kernel_size": 2, "stride": None, "padding": 0,
        "ceil_mode": False, "count_include_pad": True, "divisor_override": None}``
        ``{"type": "adaptive_avgpool2d" | "adaptive_avgpool1d", "output_size": 1}``
        ``{"type": "flatten", "start_dim": 1, "end_dim": -1}`` (dims count the batch axis)
        ``{"type": "leaky_relu", "negative_slope": 0.01}``

        Defaults are PyTorch's.
    input_shape : sequence of int, optional
        Shape of one input without the batch axis; by default the first layer's ``in``
        features (a first layer ``"linear"`` is needed then).

    Returns
    -------
    Network

    Raises
    ------
    InvalidNetwork
        Unknown layer type, a missing or unused parameter, shapes that do not fit.

    Examples
    --------
    >>> import numpy as np, polyreg.io
    >>> sd = {"0.weight": np.eye(2), "0.bias": np.zeros(2), "2.weight": np.ones((1, 2)),
    ...       "2.bias": np.zeros(1)}
    >>> net = polyreg.io.from_state_dict(sd, [{"type": "linear", "name": "0"}, "relu",
    ...                                       {"type": "linear", "name": "2"}])
    >>> net.widths
    (2, 2, 1)
    """
    if not isinstance(state_dict, Mapping):
        raise InvalidNetwork(f"state_dict must be a mapping, got {type(state_dict).__name__}")
    if isinstance(architecture, (str, bytes, Mapping)) or not isinstance(architecture, Sequence):
        raise InvalidNetwork(
            "architecture must be a list of layers (strings or dicts), got "
            f"{type(architecture).__name__}"
        )
    used: set[str] = set()
    specs: list[tuple[dict[str, Any], str]] = []
    for i, entry in enumerate(architecture):
        if isinstance(entry, str):
            entry = {"type": entry}
        if not isinstance(entry, Mapping) or "type" not in entry:
            raise InvalidNetwork(f"architecture[{i}] must be a string or a dict with a 'type'")
        raw = str(entry["type"]).lower()
        if raw not in _ARCH_TYPES:
            raise refuse(
                f"architecture[{i}] ({entry['type']})",
                raw,
                "types " + ", ".join(sorted(_ARCH_TYPES)),
            )
        kind = _ARCH_TYPES[raw]
        spec = {k: v for k, v in entry.items() if k not in ("type", "name")}
        spec["type"] = kind
        if raw[-2:] in ("1d", "2d"):
            spec["dims"] = int(raw[-2])
        where = f"architecture[{i}] ({entry['type']}"
        if kind in _PARAMS:
            name = entry.get("name")
            if name is None:
                raise InvalidNetwork(
                    f"architecture[{i}] ({raw}) needs the 'name' of its parameters"
                )
            where += f" {name!r})"
            for param in _PARAMS[kind]:
                key = f"{name}.{param}" if name != "" else param
                if key in state_dict:
                    spec[param] = state_dict[key]
                    used.add(key)
                elif param in ("weight",) or (kind == "batchnorm" and param.startswith("running")):
                    raise InvalidNetwork(f"{where}: state_dict has no {key!r}")
            used.add(f"{name}.num_batches_tracked")
        else:
            where += ")"
        specs.append((spec, where))
    unused = sorted(set(state_dict) - used)
    if unused:
        raise InvalidNetwork(
            f"state_dict entries not used by the architecture: {', '.join(unused[:5])}"
            + (" ..." if len(unused) > 5 else "")
        )
    if input_shape is None:
        input_shape = _input_shape(specs)
    chain = Chain(input_shape)
    for spec, where in specs:
        apply_spec(chain, spec, where)
    return chain.network()


#: what to tell a user whose file needs code execution to load
TRUST_HINT = (
    "pass --trust-pickle (trust_pickle=True in Python) only for a file you trust: "
    "loading it can run any code the file contains"
)


def _is_torchscript(path: str) -> bool:
    import zipfile

    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(n.endswith("/constants.pkl") or "/code/" in n for n in archive.namelist())


def load_torch_file(path: str, trust_pickle: bool = False) -> Any:
    """Read a ``.pt`` / ``.pth`` file: a ``state_dict`` safely, or a whole module if trusted.

    By default the file is read with ``torch.load(weights_only=True)``, PyTorch's restricted
    unpickler that only rebuilds tensors, numbers, strings and containers: this reads a
    ``state_dict`` (``torch.save(model.state_dict(), path)``) without running code from the
    file. A whole pickled module (``torch.save(model)``) and a TorchScript archive
    (``torch.jit.script(model).save(path)``) can only be loaded by running code from the
    file (unpickling imports and calls what the file names; TorchScript runs its own
    ``__setstate__``), so they are read only with ``trust_pickle=True``.

    Parameters
    ----------
    path : str
    trust_pickle : bool
        Allow full unpickling (``torch.load(weights_only=False)``) and ``torch.jit.load``.
        Only for files you trust.

    Returns
    -------
    torch.nn.Module or Mapping
        The module in eval mode, or the ``state_dict`` (a mapping of names to tensors).

    Raises
    ------
    UntrustedFile
        The file needs code execution to load and ``trust_pickle`` is False.
    InvalidNetwork
        The file cannot be read as a PyTorch file, or holds something else than a module or
        a ``state_dict``.
    """
    import pickle
    import warnings

    torch = _torch()
    try:
        scripted = _is_torchscript(path)
    except Exception as exc:  # a corrupt zip of any kind
        raise InvalidNetwork(
            f"cannot read {path!r} as a PyTorch file: {type(exc).__name__}: {exc}"
        ) from exc
    if scripted and not trust_pickle:
        raise UntrustedFile(
            f"{path!r} is a TorchScript archive, which needs code execution to load; "
            + TRUST_HINT
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if scripted:
                obj = torch.jit.load(path, map_location="cpu")
            elif trust_pickle:
                obj = torch.load(path, map_location="cpu", weights_only=False)
            else:
                obj = torch.load(path, map_location="cpu", weights_only=True)
    except OSError:
        raise
    except pickle.UnpicklingError as exc:
        if not trust_pickle and "weights_only" in str(exc):
            raise UntrustedFile(
                f"{path!r} is not a plain state_dict: it holds pickled objects (e.g. a whole "
                "module saved with torch.save(model)), and the file needs code execution to "
                "load; "
                + TRUST_HINT
                + "; or save model.state_dict() and import it with --architecture"
            ) from None
        raise InvalidNetwork(
            f"cannot read {path!r} as a PyTorch file: {type(exc).__name__}: {exc}"
        ) from exc
    except Exception as exc:  # unpickling errors of every kind
        raise InvalidNetwork(
            f"cannot read {path!r} as a PyTorch file: {type(exc).__name__}: {exc}"
        ) from exc
    if isinstance(obj, Mapping):
        return obj
    if not isinstance(obj, torch.nn.Module):
        raise InvalidNetwork(
            f"{path!r} holds a {type(obj).__name__}, not a torch module or a state_dict"
        )
    return obj.eval()
