"""Reading a PyTorch module's ``forward`` with ``torch.fx``: a chain of layer specs, or an
:class:`~polyreg.errors.InvalidNetwork` naming the graph node that branches (a residual
connection) or is not supported."""

from __future__ import annotations

from typing import Any

from ..errors import InvalidNetwork
from ._chain import refuse, to_numpy
from ._specs import SUPPORTED, is_torch_class, module_spec

__all__ = ["fx_specs"]


def fx_specs(module: Any, torch: Any) -> list[tuple[dict[str, Any], str]]:
    """The layer specs of ``module``'s forward, traced with ``torch.fx``, and their names."""
    import torch.fx as fx

    try:
        gm = fx.symbolic_trace(module)
    except Exception as exc:  # fx raises TraceError, TypeError, ... on dynamic code
        raise InvalidNetwork(
            f"cannot trace {type(module).__name__} with torch.fx ({type(exc).__name__}: {exc}); "
            "only modules whose forward is a fixed sequence of layers can be imported"
        ) from exc
    data: set[Any] = set()  # nodes holding the tensor that flows along the chain
    shapes: set[Any] = set()  # nodes holding shapes / sizes of it
    consts: dict[Any, Any] = {}
    current: Any = None  # the last fx node of the chain
    out: list[tuple[dict[str, Any], str]] = []
    for node in gm.graph.nodes:
        if node.op == "placeholder":
            if current is not None:
                raise InvalidNetwork(f"{type(module).__name__} takes more than one input")
            current = node
            data.add(node)
            continue
        if node.op == "get_attr":
            value = gm
            for part in str(node.target).split("."):
                value = getattr(value, part)
            consts[node] = value
            continue
        if node.op == "output":
            result = node.args[0]
            if result is not current:
                raise InvalidNetwork(
                    f"the model's output is {result!r}, not the last tensor of the chain: "
                    "only models with a single tensor output can be imported"
                )
            break
        inputs = [a for a in node.all_input_nodes if a in data]
        name = _node_label(node)
        if _is_shape_query(node):
            shapes.add(node)
            continue
        if any(a in shapes for a in node.all_input_nodes) and not inputs:
            shapes.add(node)  # arithmetic on sizes, e.g. x.size(0) * 2
            continue
        if len(inputs) > 1:
            raise InvalidNetwork(
                f"node {node.name!r} ({name}) combines the tensors "
                f"{', '.join(repr(a.name) for a in inputs)}: a residual connection (x + f(x)) "
                "or another branching graph; polyreg networks are chains of affine maps and "
                "activations, so such graphs are refused"
            )
        if not inputs:
            raise InvalidNetwork(
                f"node {node.name!r} ({name}) does not read the model's input: only chains of "
                "layers applied to the input can be imported"
            )
        if inputs[0] is not current:
            raise InvalidNetwork(
                f"node {node.name!r} ({name}) reads {inputs[0].name!r}, which is also read by a "
                f"later layer than its own ({current.name!r} came after it): a branching graph "
                "(e.g. a residual connection); only chains can be imported"
            )
        where = f"node {node.name!r} ({name})"
        if node.op == "call_module":
            sub = gm.get_submodule(node.target)
            cls = type(sub).__name__
            where = f"layer {node.target!r} ({cls})"
            if not is_torch_class(sub):
                raise refuse(where, cls, SUPPORTED)
            spec = module_spec(sub, cls, where)
        else:
            spec = _function_spec(node, consts, shapes, where, torch)
        out.append((spec, where))
        data.add(node)
        current = node
    return out


def _node_label(node: Any) -> str:
    target = node.target
    if node.op == "call_function":
        return getattr(target, "__name__", str(target))
    return str(target)


def _is_shape_query(node: Any) -> bool:
    if node.op == "call_method" and node.target in ("size", "dim"):
        return True
    return (
        node.op == "call_function" and node.target is getattr and node.args[1] in ("shape", "ndim")
    )


def _function_spec(
    node: Any, consts: dict[Any, Any], shapes: set[Any], where: str, torch: Any
) -> dict[str, Any]:
    name = _node_label(node)
    args, kwargs = list(node.args), dict(node.kwargs)
    if node.op == "call_method":
        if name in ("relu", "relu_"):
            return {"type": "relu"}
        if name in ("contiguous", "clone", "detach"):
            return {"type": "identity"}
        if name in ("view", "reshape"):
            sizes = args[1:]
            if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
                sizes = list(sizes[0])
            return _reshape_spec(sizes, shapes, where)
        if name == "flatten":
            return {
                "type": "flatten",
                "start_dim": _arg(args, kwargs, 1, "start_dim", 0),
                "end_dim": _arg(args, kwargs, 2, "end_dim", -1),
            }
        if name in ("add", "sub", "mul", "div", "add_", "sub_", "mul_", "div_"):
            return _arith_spec(name.rstrip("_"), node, consts, where)
        raise refuse(where, name, SUPPORTED)
    if node.op != "call_function":  # pragma: no cover - fx has no other kinds left
        raise InvalidNetwork(f"{where}: unsupported graph node kind {node.op!r}")
    if name in ("relu", "relu_"):
        return {"type": "relu"}
    if name in ("leaky_relu", "leaky_relu_"):
        return {
            "type": "leaky_relu",
            "negative_slope": _arg(args, kwargs, 1, "negative_slope", 0.01),
        }
    if name == "flatten":
        return {
            "type": "flatten",
            "start_dim": _arg(args, kwargs, 1, "start_dim", 0),
            "end_dim": _arg(args, kwargs, 2, "end_dim", -1),
        }
    if name == "dropout":
        if _arg(args, kwargs, 2, "training", True):
            raise InvalidNetwork(f"{where} is in training mode (random masks); call model.eval()")
        return {"type": "identity"}
    if name == "linear":
        weight = _arg(args, kwargs, 1, "weight", None)
        bias = _arg(args, kwargs, 2, "bias", None)
        if weight not in consts or (bias is not None and bias not in consts):
            raise InvalidNetwork(
                f"{where}: F.linear needs parameters of the module as weight and bias"
            )
        return {
            "type": "linear",
            "weight": consts[weight],
            "bias": None if bias is None else consts[bias],
        }
    if name in ("add", "sub", "mul", "truediv", "div", "iadd", "isub", "imul", "itruediv"):
        return _arith_spec(name.lstrip("i") if name.startswith("i") else name, node, consts, where)
    raise refuse(where, name, SUPPORTED)


def _arg(args: list[Any], kwargs: dict[str, Any], i: int, key: str, default: Any) -> Any:
    if len(args) > i:
        return args[i]
    return kwargs.get(key, default)


def _reshape_spec(sizes: list[Any], shapes: set[Any], where: str) -> dict[str, Any]:
    """``x.view(x.size(0), -1)``, ``x.view(-1, 784)``: the first size is the batch axis."""
    if not sizes:
        raise InvalidNetwork(f"{where}: empty reshape")
    rest = sizes[1:]
    if any(not isinstance(s, int) for s in rest):
        raise InvalidNetwork(
            f"{where}: reshape sizes after the batch axis must be constants, got {rest}"
        )
    if not rest:
        raise InvalidNetwork(f"{where}: reshaping to one axis merges the batch axis")
    if sizes[0] == -1 and -1 in rest:
        raise InvalidNetwork(f"{where}: cannot reshape into {tuple(sizes)}")
    return {"type": "reshape", "shape": rest}


def _arith_spec(op: str, node: Any, consts: dict[Any, Any], where: str) -> dict[str, Any]:
    """``x + c``, ``c + x``, ``x - c``, ``c - x``, ``x * c``, ``c * x``, ``x / c``."""
    a, b = node.args[0], node.args[1] if len(node.args) > 1 else node.kwargs.get("other")
    a_is_data = hasattr(a, "op") and a not in consts
    x, c = (a, b) if a_is_data else (b, a)
    if hasattr(c, "op"):
        if c not in consts:
            raise InvalidNetwork(f"{where}: both operands are computed tensors")
        c = consts[c]
    alpha = node.kwargs.get("alpha", 1)
    if op in ("add", "sub"):
        value = to_numpy(c, where) * alpha
        if op == "sub" and not a_is_data:  # c - x
            return {"type": "scale_shift", "scale": -1.0, "shift": value}
        return {"type": "scale_shift", "shift": value if op == "add" else -value}
    if op == "mul":
        return {"type": "scale_shift", "scale": to_numpy(c, where)}
    if not a_is_data:
        raise InvalidNetwork(f"{where}: c / x is not affine")
    return {"type": "scale_shift", "scale": 1.0 / to_numpy(c, where)}
