"""Import JAX/Flax-style parameter trees of dense layers (no JAX needed).

A tree is nested mappings whose leaves are arrays (NumPy, JAX, anything ``np.asarray`` takes);
each dense layer is a mapping with a ``"kernel"`` shaped ``(in, out)`` (Flax's convention,
``y = x @ kernel + bias``) and an optional ``"bias"`` ``(out,)``. A top-level ``"params"``
key (``model.init(...)``'s output) is skipped.
"""

from __future__ import annotations

import re
from typing import Any
from collections.abc import Mapping, Sequence

from ..errors import InvalidNetwork
from ..network import Network
from ._chain import Chain, to_numpy

__all__ = ["from_flax", "natural_key"]


def natural_key(path: Sequence[str]) -> tuple[tuple[object, ...], ...]:
    """Sort key of a layer path: digit runs compare as numbers (``Dense_2 < Dense_10``).

    Examples
    --------
    >>> sorted(["Dense_10", "Dense_2", "Dense_0"], key=lambda n: natural_key([n]))
    ['Dense_0', 'Dense_2', 'Dense_10']
    """
    return tuple(
        tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", part)) for part in path
    )


def _dense_layers(
    tree: Mapping[str, Any], path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Mapping[str, Any]]]:
    if "kernel" in tree:
        return [(path, tree)]
    out = []
    for key, value in tree.items():
        if isinstance(value, Mapping):
            out.extend(_dense_layers(value, path + (str(key),)))
    return out


def _lookup(tree: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    node: Any = tree
    for part in name.split("/"):
        if not isinstance(node, Mapping) or part not in node:
            raise InvalidNetwork(f"layer {name!r} is not in the parameter tree")
        node = node[part]
    if not isinstance(node, Mapping) or "kernel" not in node:
        raise InvalidNetwork(f"layer {name!r} has no 'kernel'")
    return node


def from_flax(
    params: Mapping[str, Any],
    order: Sequence[str] | None = None,
    *,
    negative_slope: float = 0.0,
) -> Network:
    """Build the MLP ``Dense -> act -> ... -> Dense`` from a Flax-style parameter tree.

    Parameters
    ----------
    params : mapping
        ``{"params": {"Dense_0": {"kernel": (in, out), "bias": (out,)}, "Dense_1": ...}}`` or
        the same without ``"params"``; layers may be nested (``"MLP_0/Dense_1"``).
    order : sequence of str, optional
        Layer names (``/`` joins nested keys) in the order they are applied. By default every
        mapping holding a ``"kernel"`` is a layer, sorted by name with numbers compared as
        numbers (``Dense_2`` before ``Dense_10``).
    negative_slope : float
        The activation between layers: 0 for ReLU, ``alpha`` in (0, 1) for LeakyReLU. There is
        an activation after every layer but the last (the tree has no architecture, so this is
        the assumed one, as in ``nn.Dense`` / ``nn.relu`` MLPs).

    Returns
    -------
    Network

    Raises
    ------
    InvalidNetwork
        No layers, a kernel that is not 2-D (convolution kernels need the architecture: use
        :func:`polyreg.io.from_state_dict` after transposing), shapes that do not chain, a
        missing layer of ``order``, a slope outside ``[0, 1)``.

    Examples
    --------
    >>> import numpy as np, polyreg.io
    >>> tree = {"params": {"Dense_0": {"kernel": np.ones((2, 3)), "bias": np.zeros(3)},
    ...                    "Dense_1": {"kernel": np.ones((3, 1)), "bias": np.zeros(1)}}}
    >>> polyreg.io.from_flax(tree).widths
    (2, 3, 1)
    >>> polyreg.io.from_flax(tree, order=["Dense_0", "Dense_1"], negative_slope=0.1).negative_slope
    0.1
    """
    if not isinstance(params, Mapping):
        raise InvalidNetwork(
            f"params must be a mapping (a Flax parameter tree), got {type(params).__name__}"
        )
    tree = (
        params["params"] if "params" in params and isinstance(params["params"], Mapping) else params
    )
    if order is None:
        layers = sorted(_dense_layers(tree), key=lambda item: natural_key(item[0]))
        named = [("/".join(path) or "(root)", node) for path, node in layers]
    else:
        named = [(name, _lookup(tree, name)) for name in order]
    if len(named) < 2:
        raise InvalidNetwork(
            f"found {len(named)} dense layer(s) (mappings with a 'kernel'); a network needs at "
            "least two (one hidden layer)"
        )
    kernels = []
    for name, node in named:
        kernel = to_numpy(node["kernel"], f"layer {name!r} kernel")
        if kernel.ndim != 2:
            raise InvalidNetwork(
                f"layer {name!r}: kernel of shape {kernel.shape} is not a dense (in, out) matrix; "
                "convolution kernels need an architecture (see polyreg.io.from_state_dict)"
            )
        kernels.append(kernel)
    chain = Chain((kernels[0].shape[0],))
    for k, ((name, node), kernel) in enumerate(zip(named, kernels, strict=True)):
        where = f"layer {name!r}"
        if kernel.shape[0] != chain.size:
            raise InvalidNetwork(
                f"{where}: kernel takes {kernel.shape[0]} inputs but the previous layer gives "
                f"{chain.size}"
            )
        bias = node.get("bias")
        b = None if bias is None else to_numpy(bias, f"{where} bias")
        if b is not None and b.shape != (kernel.shape[1],):
            raise InvalidNetwork(f"{where}: bias of shape {b.shape}, expected ({kernel.shape[1]},)")
        chain.affine(kernel.T, b, (kernel.shape[1],), where)
        if k < len(named) - 1:
            chain.activation(negative_slope, f"the activation after {where}")
    return chain.network()
