"""``polyreg import``: convert a trained model into the canonical network file.

``polyreg import MODEL --out NET.npz [--format torch|onnx|keras|jax] [--input-shape 1,28,28]
[--architecture ARCH] [--negative-slope A] [--trust-pickle] [--json]``

MODEL by format (guessed from the extension when ``--format`` is not given):

``torch`` (``.pt``, ``.pth``, ``.pts``)
    By default only a ``state_dict`` (``torch.save(model.state_dict(), path)``), read with
    ``torch.load(weights_only=True)``, which runs no code from the file, together with
    ``--architecture`` (the layers in order, as for :func:`polyreg.io.from_state_dict`: JSON
    text or a ``.json`` file). A whole module saved with ``torch.save(model)`` (a pickle: the
    classes it names must be importable) or a TorchScript file of a scripted ``nn.Sequential``
    (``torch.jit.script(model).save(path)``) needs code execution to load and is read only
    with ``--trust-pickle``: only for files you trust. ``--input-shape`` is required only
    when the first layer (after any ``Flatten``) is not ``Linear``: otherwise the input is
    ``in_features`` values.
``onnx`` (``.onnx``)
    ``--input-shape`` defaults to the graph input's shape without the batch axis.
``keras`` (``.keras``, ``.h5``, ``.hdf5``)
    Read with ``h5py`` only; ``--input-shape`` defaults to the model's input shape.
``jax`` (``.pkl``, ``.pickle``; ``.npz`` with ``--format jax``)
    A Flax parameter tree: an ``.npz`` whose keys are the paths joined by ``/``
    (``params/Dense_0/kernel``), read without pickle, or a pickled nested dict, read only with
    ``--trust-pickle`` (unpickling runs code from the file). Layers in natural name order, the
    activation given by ``--negative-slope`` (default 0: ReLU).

Never unpickled without ``--trust-pickle``: a pickle can run any code while it is read, before
polyreg sees what it holds, so a model file from elsewhere can take over the account that
imports it. Without the flag such a file is refused (exit 2) before anything in it runs.

The file is written atomically (:meth:`polyreg.network.Network.save`). Exit status 2 with one
``polyreg: error:`` line for bad input: missing file, unknown format, a layer that cannot be
imported (named, with why), a file that needs code execution to load without
``--trust-pickle``, a missing optional package (named, with the extra to install).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .. import npyfile
from ..errors import InvalidNetwork, PolyregError, UntrustedFile
from ..network import Network

FORMATS = ("torch", "onnx", "keras", "jax")
_SUFFIXES = {
    ".pt": "torch",
    ".pth": "torch",
    ".pts": "torch",
    ".onnx": "onnx",
    ".keras": "keras",
    ".h5": "keras",
    ".hdf5": "keras",
    ".pkl": "jax",
    ".pickle": "jax",
}


class ImportInputError(PolyregError, ValueError):
    """A bad value given to ``polyreg import``."""


def add_parsers(subparsers: Any) -> None:
    """Add the ``import`` sub-command (called by :func:`polyreg.cli.build_parser`)."""
    sub = subparsers.add_parser(
        "import",
        help="convert a PyTorch/ONNX/Keras/JAX model into a network file",
        description="Convert a trained model into the canonical network file (.npz).",
    )
    sub.add_argument("model", metavar="MODEL", help="model file (see --format)")
    sub.add_argument(
        "--out",
        required=True,
        metavar="NET.npz",
        help="output network file (written atomically: a temporary file, then renamed; a "
             "symbolic link's target is written; a device or FIFO is written into)",
    )
    sub.add_argument(
        "--format",
        choices=FORMATS,
        help="model format (default: from the extension: .pt/.pth/.pts torch, .onnx onnx, "
        ".keras/.h5 keras, .pkl jax)",
    )
    sub.add_argument(
        "--input-shape",
        metavar="S",
        help="shape of one input without the batch axis, e.g. 1,28,28 (required for torch)",
    )
    sub.add_argument(
        "--negative-slope",
        type=float,
        default=0.0,
        metavar="A",
        help="jax only: activation between the dense layers, 0 ReLU (default) or LeakyReLU A",
    )
    sub.add_argument(
        "--architecture",
        metavar="ARCH",
        help="torch state_dict only: the layers in order, JSON text or a .json file, e.g. "
        '\'[{"type": "linear", "name": "0"}, "relu", {"type": "linear", "name": "2"}]\' '
        "(see polyreg.io.from_state_dict)",
    )
    sub.add_argument(
        "--trust-pickle",
        action="store_true",
        help="allow reading files that run code while they load: whole torch modules "
        "(torch.save(model)), TorchScript archives, .pkl parameter trees. Without it these are "
        "refused and only state_dicts (torch.load weights_only=True), ONNX, Keras (h5py) and "
        ".npz are read. A pickle can run any code: use this only for files you trust",
    )
    sub.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    sub.set_defaults(handler=run_import)


def parse_shape(text: str) -> tuple[int, ...]:
    """``"1,28,28"`` -> ``(1, 28, 28)``.

    Examples
    --------
    >>> parse_shape("1, 28,28")
    (1, 28, 28)
    >>> parse_shape("0,3")
    Traceback (most recent call last):
    ...
    polyreg.cli.importer.ImportInputError: --input-shape: '0,3' is not a list of positive integers
    """
    try:
        shape = tuple(int(p) for p in text.split(","))
    except ValueError:
        shape = ()
    if not shape or any(s < 1 for s in shape):
        raise ImportInputError(f"--input-shape: {text!r} is not a list of positive integers")
    return shape


def guess_format(path: str) -> str:
    """The format named by the file's extension."""
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIXES:
        raise ImportInputError(
            f"cannot tell the format of {path!r} from its extension; pass --format "
            f"({', '.join(FORMATS)})"
        )
    return _SUFFIXES[suffix]


def load_flax_file(path: str, trust_pickle: bool = False) -> dict[str, Any]:
    """A Flax parameter tree from an ``.npz`` of ``/``-joined paths, or from a pickle if trusted.

    Raises
    ------
    UntrustedFile
        ``path`` is not an ``.npz`` (a pickle, whose loading runs code from the file) and
        ``trust_pickle`` is False.
    InvalidNetwork
        The file cannot be read, or does not hold a dict.
    """
    if path.endswith(".npz"):
        tree: dict[str, Any] = {}
        try:
            for key, value in npyfile.load_npz(path).items():
                node = tree
                parts = key.split("/")
                for part in parts[:-1]:
                    node = node.setdefault(part, {})
                node[parts[-1]] = value
        except (ValueError, OSError, zipfile.BadZipFile) as exc:
            raise InvalidNetwork(f"cannot read {path!r} as an .npz of arrays: {exc}") from exc
        return tree
    if not trust_pickle:
        from ..io.torch import TRUST_HINT

        raise UntrustedFile(
            f"{path!r} is a pickle, which needs code execution to load; {TRUST_HINT}; or save "
            "the parameter tree as an .npz of '/'-joined paths and import it with --format jax"
        )
    with open(path, "rb") as handle:
        try:
            tree = pickle.load(handle)
        except Exception as exc:  # unpickling errors of every kind
            raise InvalidNetwork(f"cannot unpickle {path!r}: {type(exc).__name__}: {exc}") from exc
    if not isinstance(tree, dict):
        raise InvalidNetwork(f"{path!r} holds a {type(tree).__name__}, not a parameter tree (dict)")
    return tree


def parse_architecture(text: str) -> list[Any]:
    """``--architecture``: JSON text, or the path of a JSON file, holding a list of layers.

    Examples
    --------
    >>> parse_architecture('[{"type": "linear", "name": "0"}, "relu"]')
    [{'type': 'linear', 'name': '0'}, 'relu']
    >>> parse_architecture('{"type": "linear"}')
    Traceback (most recent call last):
    ...
    polyreg.cli.importer.ImportInputError: --architecture must be a JSON list of layers, got a dict
    """
    source = text
    if not text.lstrip().startswith(("[", "{", '"')) and os.path.isfile(text):
        source = Path(text).read_text()
    try:
        arch = json.loads(source)
    except ValueError as exc:
        raise ImportInputError(
            f"--architecture: {text[:60]!r} is neither JSON nor a JSON file: {exc}"
        ) from exc
    if not isinstance(arch, list):
        raise ImportInputError(
            f"--architecture must be a JSON list of layers, got a {type(arch).__name__}"
        )
    return arch


def convert(
    model: str,
    fmt: str,
    input_shape: tuple[int, ...] | None,
    negative_slope: float = 0.0,
    trust_pickle: bool = False,
    architecture: list[Any] | None = None,
) -> Network:
    """Read ``model`` in format ``fmt`` and return the network (the command without writing).

    Nothing is unpickled unless ``trust_pickle`` (see the module docstring).
    """
    from .. import io as pio

    if not os.path.isfile(model):
        raise FileNotFoundError(f"model file {model!r} does not exist")
    if architecture is not None and fmt != "torch":
        raise ImportInputError("--architecture is only used with torch state_dicts")
    try:
        if fmt == "torch":
            from collections.abc import Mapping

            from ..io.torch import load_torch_file

            obj = load_torch_file(model, trust_pickle=trust_pickle)
            if isinstance(obj, Mapping):
                if architecture is None:
                    raise InvalidNetwork(
                        f"{model!r} holds a state_dict (no architecture): pass --architecture "
                        "with its layers in order, e.g. "
                        '\'[{"type": "linear", "name": "0"}, "relu", {"type": "linear", '
                        '"name": "2"}]\''
                    )
                return pio.from_state_dict(obj, architecture, input_shape)
            if architecture is not None:
                raise ImportInputError(
                    f"--architecture is only used with a state_dict; {model!r} holds a module"
                )
            return pio.from_torch(obj, input_shape)  # None: from a first Linear layer
        if fmt == "onnx":
            return pio.from_onnx(model, input_shape)
        if fmt == "keras":
            return pio.from_keras(model, input_shape)
        net = pio.from_flax(load_flax_file(model, trust_pickle), negative_slope=negative_slope)
        if input_shape is not None and int(np.prod(input_shape)) != net.n_inputs:
            raise ImportInputError(
                f"--input-shape {input_shape} has {int(np.prod(input_shape))} values but the "
                f"first kernel takes {net.n_inputs}"
            )
        return net
    except ImportError as exc:  # a missing optional package: bad input for the command line
        raise PolyregError(str(exc)) from exc


def run_import(args: argparse.Namespace) -> int:
    """Handler of ``polyreg import``."""
    from .common import check_out

    out = Path(args.out)
    check_out(out)
    fmt = args.format or guess_format(args.model)
    shape = None if args.input_shape is None else parse_shape(args.input_shape)
    if args.negative_slope and fmt != "jax":
        raise ImportInputError("--negative-slope is only used with --format jax")
    arch = None if args.architecture is None else parse_architecture(args.architecture)
    net = convert(args.model, fmt, shape, args.negative_slope, args.trust_pickle, arch)
    net.save(out)
    info = {
        "out": str(out),
        "format": fmt,
        "widths": list(net.widths),
        "negative_slope": net.negative_slope,
        "hidden": net.n_hidden,
    }
    if args.json:
        print(json.dumps(info))
    else:
        widths = " -> ".join(str(w) for w in net.widths)
        act = "ReLU" if not net.negative_slope else f"LeakyReLU({net.negative_slope:g})"
        print(
            f"wrote {out}: {widths} ({net.n_hidden} hidden {act} neurons) from {fmt} model "
            f"{args.model}"
        )
    return 0
