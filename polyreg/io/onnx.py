"""Import ONNX graphs (read with the ``onnx`` package; ``pip install 'polyreg[onnx]'``).

Supported operators on the data path: ``Gemm`` (``alpha``, ``beta``, ``transB``, ``C``; the
data must be ``A`` with ``transA=0``, see :func:`from_onnx`), ``MatMul`` by a constant matrix,
``Add``/``Sub``/``Mul``/``Div`` by constants, ``Conv``, ``BatchNormalization`` (inference),
``AveragePool``, ``GlobalAveragePool``, ``Relu``, ``LeakyRelu``, ``PRelu`` with one slope,
``Flatten``, ``Reshape``, ``Transpose`` (batch axis fixed), ``Squeeze``/``Unsqueeze`` (not the
batch axis), ``Identity``, ``Dropout`` (inference). Small constant sub-graphs (``Constant``,
``Shape`` of the data, ``Gather``, ``Concat``, ``Unsqueeze``, ``Squeeze``, ``Cast``, ``Slice``
and arithmetic) are evaluated, so the ``Shape -> Gather -> Concat -> Reshape`` chains that
exporters write for ``x.view(x.size(0), -1)`` import too.
"""

from __future__ import annotations

import heapq
import os
from math import prod
from typing import Any, Literal, overload
from collections.abc import Sequence

import numpy as np

from ..errors import InvalidNetwork
from ..network import Network
from ._chain import (
    Chain,
    adaptive_avgpool_matrix,
    avgpool_matrix,
    last_axis_matrix,
    require,
    refuse,
    transpose_matrix,
)

__all__ = ["from_onnx"]

SUPPORTED = (
    "Gemm, MatMul, Add, Sub, Mul, Div (by constants), Conv, BatchNormalization, AveragePool, "
    "GlobalAveragePool, Relu, LeakyRelu, PRelu (one slope), Flatten, Reshape, Transpose, "
    "Squeeze, Unsqueeze, Identity, Dropout"
)

_CONST_OPS = {
    "Gather",
    "Concat",
    "Unsqueeze",
    "Squeeze",
    "Cast",
    "Identity",
    "Add",
    "Sub",
    "Mul",
    "Div",
    "Slice",
    "Reshape",
    "Neg",
}


def _onnx() -> Any:
    return require("onnx", "onnx", "numpy_helper")


def _attrs(node: Any, onnx: Any) -> dict[str, Any]:
    out = {}
    for a in node.attribute:
        value = onnx.helper.get_attribute_value(a)
        if isinstance(value, bytes):
            value = value.decode()
        elif hasattr(value, "dims") and hasattr(value, "data_type"):  # TensorProto
            value = onnx.numpy_helper.to_array(value)
        out[a.name] = value
    return out


def _eval_const(op: str, inputs: list[np.ndarray], attrs: dict[str, Any], where: str) -> np.ndarray:
    """Evaluate a small operator on constants (shape arithmetic)."""
    if op == "Identity" or op == "Cast":
        return inputs[0] if op == "Identity" else inputs[0].astype(_cast_type(attrs.get("to", 1)))
    if op == "Gather":
        return np.take(inputs[0], inputs[1].astype(np.int64), axis=int(attrs.get("axis", 0)))
    if op == "Concat":
        return np.concatenate([np.atleast_1d(v) for v in inputs], axis=int(attrs.get("axis", 0)))
    if op == "Unsqueeze":
        axes = attrs.get("axes", inputs[1] if len(inputs) > 1 else None)
        if axes is None:
            raise InvalidNetwork(f"{where}: Unsqueeze without axes")
        out = inputs[0]
        rank = out.ndim + len(axes)
        for ax in sorted(int(a) % rank for a in axes):
            out = np.expand_dims(out, ax)
        return out
    if op == "Squeeze":
        axes = attrs.get("axes", inputs[1] if len(inputs) > 1 else None)
        if axes is None:
            return np.squeeze(inputs[0])
        return np.squeeze(inputs[0], axis=tuple(int(a) for a in axes))
    if op == "Slice":
        data, starts, ends = inputs[0], inputs[1], inputs[2]
        axes = inputs[3] if len(inputs) > 3 else np.arange(len(starts))
        steps = inputs[4] if len(inputs) > 4 else np.ones(len(starts), dtype=np.int64)
        if not len(starts) == len(ends) == len(axes) == len(steps):
            raise InvalidNetwork(f"{where}: Slice starts, ends, axes, steps differ in length")
        index = [slice(None)] * data.ndim
        for s, e, a, st in zip(starts, ends, axes, steps, strict=True):
            index[int(a)] = slice(int(s), int(e), int(st))
        return data[tuple(index)]
    if op == "Reshape":
        return inputs[0].reshape([int(s) for s in inputs[1]])
    if op == "Neg":
        return -inputs[0]
    a, b = inputs
    if op == "Add":
        return a + b
    if op == "Sub":
        return a - b
    if op == "Mul":
        return a * b
    if op == "Div":
        return a // b if np.issubdtype(np.result_type(a, b), np.integer) else a / b
    raise InvalidNetwork(f"{where}: cannot evaluate it on constants")  # pragma: no cover


def _cast_type(to: int) -> type:
    return {1: np.float32, 6: np.int32, 7: np.int64, 10: np.float16, 11: np.float64}.get(
        int(to), np.float64
    )


def _pads(
    attrs: dict[str, Any],
    spatial: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    where: str,
) -> list[tuple[int, int]]:
    n = len(spatial)
    for name, values in (("strides", strides), ("dilations", dilations)):
        if len(values) != n:
            raise InvalidNetwork(f"{where}: {name} has {len(values)} entries, expected {n}")
    auto = attrs.get("auto_pad", "NOTSET")
    if auto in ("NOTSET", ""):
        pads = [int(p) for p in attrs.get("pads", [0] * (2 * n))]
        if len(pads) != 2 * n:
            raise InvalidNetwork(f"{where}: pads has {len(pads)} entries, expected {2 * n}")
        return [(pads[d], pads[d + n]) for d in range(n)]
    if auto == "VALID":
        return [(0, 0)] * n
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        out = []
        for s, k, st, dl in zip(spatial, kernel, strides, dilations, strict=True):
            total = max((-(-s // st) - 1) * st + (k - 1) * dl + 1 - s, 0)
            small, big = total // 2, total - total // 2
            out.append((small, big) if auto == "SAME_UPPER" else (big, small))
        return out
    raise InvalidNetwork(f"{where}: auto_pad {auto!r} is not supported")


def _load(model: Any, onnx: Any) -> Any:
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"ONNX file {path!r} does not exist")
        try:
            return onnx.load(path)
        except Exception as exc:  # protobuf DecodeError and friends
            raise InvalidNetwork(f"cannot read {path!r} as an ONNX model: {exc}") from exc
    if isinstance(model, onnx.ModelProto):
        return model
    raise InvalidNetwork(f"expected a path or an onnx.ModelProto, got {type(model).__name__}")


def from_onnx(path_or_model: Any, input_shape: Sequence[int] | None = None) -> Network:
    """Convert an ONNX model into a :class:`~polyreg.network.Network`.

    Parameters
    ----------
    path_or_model : str, os.PathLike or onnx.ModelProto
    input_shape : sequence of int, optional
        Shape of one input without the batch axis; by default read from the graph's only
        input, whose first axis is the batch axis (symbolic or fixed).

    Returns
    -------
    Network
        Inputs are the flattened (C order) input tensor, outputs the flattened output; one
        hidden layer per ``Relu``/``LeakyRelu``/``PRelu`` node, in graph order.

    Raises
    ------
    InvalidNetwork
        An operator that is not supported (named with its node and op type, and why when it is
        not piecewise affine), two computed tensors combined (a residual connection ``x +
        f(x)``) or a tensor read by two branches, more than one input or output, training-mode
        BatchNormalization/Dropout, mixed activation slopes, shapes that do not fit.
    FileNotFoundError
        No such file.
    ImportError
        The ``onnx`` package is not installed.

    Notes
    -----
    ``Gemm`` computes ``alpha * A' @ B' + beta * C`` with the data as ``A`` and constants ``B``,
    ``C``: ``transB`` and any ``alpha``, ``beta`` and broadcastable ``C`` are supported;
    ``transA=1`` on the data would transpose the batch axis and is refused, as is the data in
    the ``B`` slot. ``MatMul`` acts on the last axis (a constant 1-D or 2-D right operand).
    ``AveragePool`` follows ONNX (``count_include_pad`` default 0, ``ceil_mode``, dilations).

    Examples
    --------
    >>> import numpy as np, polyreg.io
    >>> from onnx import TensorProto, helper, numpy_helper  # doctest: +SKIP
    >>> g = helper.make_graph(
    ...     [helper.make_node("Gemm", ["x", "W", "b"], ["h"], transB=1),
    ...      helper.make_node("Relu", ["h"], ["r"]),
    ...      helper.make_node("Gemm", ["r", "V"], ["y"])], "mlp",
    ...     [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2])],
    ...     [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 1])],
    ...     [numpy_helper.from_array(np.eye(2), "W"), numpy_helper.from_array(np.zeros(2), "b"),
    ...      numpy_helper.from_array(np.ones((2, 1)), "V")])  # doctest: +SKIP
    >>> polyreg.io.from_onnx(helper.make_model(g)).widths  # doctest: +SKIP
    (2, 2, 1)
    """
    onnx = _onnx()
    model = _load(path_or_model, onnx)
    graph = model.graph
    consts: dict[str, np.ndarray] = {
        t.name: onnx.numpy_helper.to_array(t) for t in graph.initializer
    }
    inputs = [i for i in graph.input if i.name not in consts]
    if len(inputs) != 1:
        raise InvalidNetwork(
            f"the graph has {len(inputs)} inputs ({', '.join(i.name for i in inputs)}); "
            "exactly one is supported"
        )
    if len(graph.output) != 1:
        raise InvalidNetwork(f"the graph has {len(graph.output)} outputs; exactly one is supported")
    x = inputs[0]
    dims = [d.dim_value if d.HasField("dim_value") else None for d in x.type.tensor_type.shape.dim]
    if input_shape is None:
        if len(dims) < 2 or any(d is None or d < 1 for d in dims[1:]):
            raise InvalidNetwork(
                f"input {x.name!r} has shape {dims}: pass input_shape (the shape of one input "
                "without the batch axis)"
            )
        input_shape = tuple(int(d) for d in dims[1:])  # type: ignore[arg-type]  # no None: checked
    chain = Chain(input_shape)
    batch = dims[0] if dims and dims[0] else 1

    current = x.name
    seen = {x.name}  # every tensor that carried the data
    dead: dict[str, str] = {}  # outputs that must not be read (Dropout masks, BN statistics)
    for i, node in _topological_order(graph.node, set(consts) | {x.name}):
        op = node.op_type
        where = f"node {node.name or '#' + str(i)!r} (op {op})"
        for name in node.input:
            if name in dead:
                raise InvalidNetwork(f"{where} reads {name!r}, {dead[name]}")
        attrs = _attrs(node, onnx)
        if op == "Constant":
            value = next(iter(attrs.values())) if attrs else None
            consts[node.output[0]] = np.asarray(value)
            continue
        data_in = [n for n in node.input if n in seen]
        if op == "Shape" and data_in:
            shape = np.array((1,) + chain.shape, dtype=np.int64)
            start, end = int(attrs.get("start", 0)), attrs.get("end")
            consts[node.output[0]] = shape[start : None if end is None else int(end)]
            continue
        if not data_in:
            if op in _CONST_OPS and all(n in consts or n == "" for n in node.input):
                values = [consts[n] for n in node.input if n != ""]
                consts[node.output[0]] = np.asarray(_eval_const(op, values, attrs, where))
                continue
            raise (
                refuse(where, op, SUPPORTED)
                if op not in _CONST_OPS
                else InvalidNetwork(
                    f"{where} does not read the model's input and its inputs are not constants"
                )
            )
        if len(data_in) > 1:
            raise InvalidNetwork(
                f"{where} combines the computed tensors {', '.join(map(repr, data_in))}: a "
                "residual connection (x + f(x)) or another branching graph; polyreg networks "
                "are chains of affine maps and activations, so such graphs are refused"
            )
        if data_in[0] != current:
            raise InvalidNetwork(
                f"{where} reads {data_in[0]!r}, which a later node already consumed (the current "
                f"tensor is {current!r}): a branching graph (e.g. a residual connection); only "
                "chains can be imported"
            )
        _apply_node(chain, op, node, attrs, consts, where, batch, dead)
        current = node.output[0]
        seen.add(current)
    out = graph.output[0].name
    if out != current:
        raise InvalidNetwork(
            f"the graph's output {out!r} is not the end of the chain of layers ({current!r})"
        )
    return chain.network()


def _topological_order(nodes: Sequence[Any], defined: set[str]) -> list[tuple[int, Any]]:
    """``(index, node)`` in an order where every node comes after the producers of its inputs
    (the file's order when it already is one, as ONNX requires).

    Raises
    ------
    InvalidNetwork
        A node reads a tensor that no node, graph input or initializer defines, or the graph
        has a cycle (no such order exists).
    """
    producer: dict[str, int] = {}
    for i, node in enumerate(nodes):
        for name in node.output:
            if name:
                producer.setdefault(name, i)

    def name_of(i: int) -> str:
        return f"node {nodes[i].name or '#' + str(i)!r} (op {nodes[i].op_type})"

    waiting = [0] * len(nodes)
    readers: dict[int, list[int]] = {}
    for i, node in enumerate(nodes):
        for name in node.input:
            if not name or name in defined:
                continue
            if name not in producer:
                raise InvalidNetwork(
                    f"{name_of(i)} reads {name!r}, which no node, graph input or initializer "
                    "defines"
                )
            waiting[i] += 1
            readers.setdefault(producer[name], []).append(i)
    ready = [i for i in range(len(nodes)) if waiting[i] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        i = heapq.heappop(ready)
        order.append((i, nodes[i]))
        for j in readers.get(i, ()):
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(ready, j)
    if len(order) != len(nodes):
        stuck = [name_of(i) for i in range(len(nodes)) if waiting[i] > 0]
        raise InvalidNetwork(
            f"the ONNX graph has a cycle (no node order computes every input first): "
            f"{', '.join(stuck[:4])}{' ...' if len(stuck) > 4 else ''} wait on each other"
        )
    return order


@overload
def _const_input(
    node: Any, k: int, consts: dict[str, np.ndarray], where: str, required: Literal[True] = True
) -> np.ndarray: ...
@overload
def _const_input(
    node: Any, k: int, consts: dict[str, np.ndarray], where: str, required: bool
) -> np.ndarray | None: ...
def _const_input(
    node: Any, k: int, consts: dict[str, np.ndarray], where: str, required: bool = True
) -> np.ndarray | None:
    if len(node.input) <= k or node.input[k] == "":
        if required:
            raise InvalidNetwork(f"{where}: input {k} is missing")
        return None
    name = node.input[k]
    if name not in consts:
        raise InvalidNetwork(
            f"{where}: input {k} ({name!r}) must be a constant (an initializer), not computed"
        )
    return np.asarray(consts[name], dtype=np.float64)


def _apply_node(
    chain: Chain,
    op: str,
    node: Any,
    attrs: dict[str, Any],
    consts: dict[str, np.ndarray],
    where: str,
    batch: int,
    dead: dict[str, str],
) -> None:
    shape = chain.shape
    data_pos = [k for k, n in enumerate(node.input) if n not in consts and n != ""][0]
    if op in ("Identity",):
        return
    if op == "Dropout":
        training = _const_input(node, 2, consts, where, required=False)
        if training is not None and bool(training):
            raise InvalidNetwork(f"{where} has training_mode=True (random masks)")
        if len(node.output) > 1 and node.output[1]:
            dead[node.output[1]] = "the mask of a Dropout (only inference is supported)"
        return
    if op == "Relu":
        chain.activation(0.0, where)
    elif op == "LeakyRelu":
        chain.activation(float(attrs.get("alpha", 0.01)), where)
    elif op == "PRelu":
        slope = _const_input(node, 1, consts, where)
        if slope.size != 1 and not np.all(slope == slope.ravel()[0]):
            raise InvalidNetwork(
                f"{where} has {slope.size} different slopes; a polyreg Network has one"
            )
        chain.activation(float(slope.ravel()[0]), where)
    elif op == "Gemm":
        if data_pos != 0:
            raise InvalidNetwork(f"{where}: the data must be input A (input 0) of Gemm")
        if int(attrs.get("transA", 0)):
            raise InvalidNetwork(
                f"{where}: transA=1 on the data input would transpose the batch axis"
            )
        if len(shape) != 1:
            raise InvalidNetwork(
                f"{where}: Gemm needs a 2-D input (N, K), got one of shape {(batch,) + shape}"
            )
        B = _const_input(node, 1, consts, where)
        if B.ndim != 2:
            raise InvalidNetwork(f"{where}: B must be a matrix, got shape {B.shape}")
        W = B if int(attrs.get("transB", 0)) else B.T  # (M, K)
        W = float(attrs.get("alpha", 1.0)) * W
        if W.shape[1] != shape[0]:
            raise InvalidNetwork(
                f"{where}: B takes {W.shape[1]} features, the input has {shape[0]}"
            )
        C = _const_input(node, 2, consts, where, required=False)
        bias = None
        if C is not None:
            if C.size not in (1, W.shape[0]) or (C.ndim == 2 and C.shape[0] != 1):
                raise InvalidNetwork(
                    f"{where}: C of shape {C.shape} does not broadcast to (N, {W.shape[0]})"
                )
            bias = float(attrs.get("beta", 1.0)) * np.broadcast_to(C.ravel(), (W.shape[0],))
        chain.affine(W, bias, (W.shape[0],), where)
    elif op == "MatMul":
        if data_pos != 0:
            raise InvalidNetwork(
                f"{where}: a constant times the data (data as input B) is "
                "not supported; the data must be input A"
            )
        B = _const_input(node, 1, consts, where)
        if B.ndim not in (1, 2):
            raise InvalidNetwork(f"{where}: B must be 1-D or 2-D, got shape {B.shape}")
        W = B.T if B.ndim == 2 else B[None, :]
        if len(shape) < 1 or W.shape[1] != shape[-1]:
            raise InvalidNetwork(
                f"{where}: B takes {W.shape[1]} features, the input has shape {shape}"
            )
        out = shape[:-1] + ((W.shape[0],) if B.ndim == 2 else ())  # () for a scalar output
        chain.affine(last_axis_matrix(W, shape), None, out, where)
    elif op in ("Add", "Sub", "Mul", "Div"):
        c = _const_input(node, 1 - data_pos, consts, where)
        c = _broadcast_const(c, shape, where)
        if op == "Add":
            chain.elementwise(None, c, where)
        elif op == "Sub":
            chain.elementwise(None, -c, where) if data_pos == 0 else chain.elementwise(
                -1.0, c, where
            )
        elif op == "Mul":
            chain.elementwise(c, None, where)
        else:
            if data_pos != 0:
                raise InvalidNetwork(f"{where}: a constant divided by the data is not affine")
            chain.elementwise(1.0 / c, None, where)
    elif op == "Conv":
        W = _const_input(node, 1, consts, where)
        n = W.ndim - 2
        if len(shape) != n + 1:
            raise InvalidNetwork(
                f"{where}: a {n}-d Conv needs an input (N, C, {n} sizes), got {(batch,) + shape}"
            )
        kernel = list(W.shape[2:])
        if "kernel_shape" in attrs and tuple(attrs["kernel_shape"]) != tuple(kernel):
            raise InvalidNetwork(
                f"{where}: kernel_shape {attrs['kernel_shape']} differs from the weight's {kernel}"
            )
        strides = [int(s) for s in attrs.get("strides", [1] * n)]
        dil = [int(s) for s in attrs.get("dilations", [1] * n)]
        pads = _pads(attrs, shape[1:], kernel, strides, dil, where)
        b = _const_input(node, 2, consts, where, required=False)
        chain.conv(W, b, shape, stride=strides, pads=pads, dilation=dil,
                   groups=int(attrs.get("group", 1)), where=where)
    elif op == "BatchNormalization":
        if int(attrs.get("training_mode", 0)) or len([o for o in node.output if o]) > 1:
            raise InvalidNetwork(
                f"{where} is in training mode (batch statistics); export the "
                "model in inference mode"
            )
        if len(shape) < 1:
            raise InvalidNetwork(f"{where}: no channel axis")
        gamma, beta, mean, var = (_const_input(node, k, consts, where) for k in (1, 2, 3, 4))
        eps = float(attrs.get("epsilon", 1e-5))
        scale = gamma / np.sqrt(var + eps)
        extra = (1,) * (len(shape) - 1)
        chain.elementwise(
            scale.reshape((-1,) + extra), (beta - mean * scale).reshape((-1,) + extra), where
        )
    elif op == "AveragePool":
        n = len(shape) - 1
        kernel = [int(k) for k in attrs["kernel_shape"]]
        if len(kernel) != n:
            raise InvalidNetwork(
                f"{where}: a {len(kernel)}-d pool on an input of shape {(batch,) + shape}"
            )
        strides = [int(s) for s in attrs.get("strides", [1] * n)]
        dil = [int(s) for s in attrs.get("dilations", [1] * n)]
        pads = _pads(attrs, shape[1:], kernel, strides, dil, where)
        M, out = avgpool_matrix(
            shape,
            kernel=kernel,
            stride=strides,
            pads=pads,
            dilation=dil,
            ceil_mode=bool(attrs.get("ceil_mode", 0)),
            count_include_pad=bool(attrs.get("count_include_pad", 0)),
            where=where,
        )
        chain.affine(M, None, out, where)
    elif op == "GlobalAveragePool":
        M, out = adaptive_avgpool_matrix(shape, [1] * (len(shape) - 1))
        chain.affine(M, None, out, where)
    elif op == "Flatten":
        full = (batch,) + shape
        axis = int(attrs.get("axis", 1))
        axis = axis + len(full) if axis < 0 else axis
        if axis == 0 or prod(full[1:axis]) != 1:
            raise InvalidNetwork(
                f"{where}: Flatten with axis={attrs.get('axis', 1)} merges the "
                "batch axis with others"
            )
        chain.reshape((prod(full[axis:]),), where)
    elif op == "Reshape":
        target = [int(s) for s in _const_input(node, 1, consts, where)]
        chain.reshape(
            _reshape_target(target, shape, batch, bool(attrs.get("allowzero", 0)), where), where
        )
    elif op == "Transpose":
        perm = [int(p) for p in attrs.get("perm", list(range(len(shape), -1, -1)))]
        if perm[0] != 0:
            raise InvalidNetwork(f"{where}: perm {perm} moves the batch axis")
        axes = [p - 1 for p in perm[1:]]
        chain.affine(transpose_matrix(shape, axes), None, tuple(shape[a] for a in axes), where)
    elif op in ("Squeeze", "Unsqueeze"):
        given = attrs.get("axes")
        if given is None:
            given = _const_input(node, 1, consts, where, required=op == "Unsqueeze")
        full_l = [batch] + list(shape)
        if op == "Squeeze":
            axes = (
                [i for i, d in enumerate(full_l) if d == 1 and i > 0]
                if given is None
                else [int(a) % len(full_l) for a in given]
            )
            if 0 in axes or any(full_l[a] != 1 for a in axes):
                raise InvalidNetwork(f"{where}: cannot squeeze axes {list(axes)} of {tuple(full_l)}")
            new = [d for i, d in enumerate(full_l) if i not in axes]
        else:
            assert given is not None  # required for Unsqueeze
            rank = len(full_l) + len(given)
            axes = sorted(int(a) % rank for a in given)
            if 0 in axes:
                raise InvalidNetwork(f"{where}: unsqueezing axis 0 moves the batch axis")
            new = full_l
            for a in axes:
                new = new[:a] + [1] + new[a:]
        chain.reshape(tuple(new[1:]), where)
    else:
        raise refuse(where, op, SUPPORTED)


def _broadcast_const(c: np.ndarray, shape: tuple[int, ...], where: str) -> np.ndarray:
    """A constant operand broadcast against one sample ``(1,) + shape``, batch axis dropped."""
    full = (1,) + shape
    try:
        out_shape = np.broadcast_shapes(c.shape, full)
    except ValueError as exc:
        raise InvalidNetwork(
            f"{where}: constant of shape {c.shape} does not broadcast with "
            f"the data {('N',) + shape}"
        ) from exc
    if out_shape != full:
        raise InvalidNetwork(
            f"{where}: constant of shape {c.shape} would enlarge the data "
            f"{('N',) + shape} to {out_shape}"
        )
    return np.broadcast_to(c, full)[0]


def _reshape_target(
    target: list[int], shape: tuple[int, ...], batch: int, allowzero: bool, where: str
) -> tuple[int, ...]:
    """The per-sample shape of an ONNX Reshape whose first target axis is the batch axis."""
    full = (batch,) + shape
    if not target:
        raise InvalidNetwork(f"{where}: reshape to a scalar")
    first, rest = target[0], list(target[1:])
    if not allowzero:
        rest = [full[i + 1] if s == 0 and i + 1 < len(full) else s for i, s in enumerate(rest)]
    size = prod(shape)
    if first == -1 and -1 in rest:
        raise InvalidNetwork(f"{where}: cannot reshape into {target}")
    if first == -1 and prod(rest) != size:
        raise InvalidNetwork(f"{where}: Reshape to {target} changes the batch axis")
    if first not in (-1, 0, batch, 1):
        raise InvalidNetwork(f"{where}: Reshape to {target} changes the batch axis")
    if not rest:
        raise InvalidNetwork(f"{where}: Reshape to {target} merges the batch axis")
    if rest.count(-1) == 1:
        known = prod(s for s in rest if s != -1)
        if known == 0 or size % known:
            raise InvalidNetwork(f"{where}: cannot reshape {shape} into {target}")
        rest[rest.index(-1)] = size // known
    if prod(rest) != size or any(s < 1 for s in rest):
        raise InvalidNetwork(f"{where}: cannot reshape a sample of shape {shape} into {target}")
    return tuple(rest)
