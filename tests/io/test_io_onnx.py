"""ONNX import. Models are built with ``onnx.helper`` (no framework) and compared, on 1,000 random
inputs, with a float64 NumPy reference written from the ONNX operator definitions (relative
error < 1e-6, and patterns equal to the reference's Relu masks). When ``onnxruntime`` is
installed, the same graphs in float32 are also run by it (its CPU kernels for Conv, AveragePool
and LeakyRelu exist only in float32), with a float32 tolerance: this checks the reference's
reading of the operator definitions against the runtime's."""

from __future__ import annotations

import math

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper

import polyreg
from polyreg.io import from_onnx

N_POINTS = 1000
N = helper.make_node


# ---------------------------------------------------------------------------- reference
def _attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _pads(at, spatial, kernel, strides, dil):
    n = len(spatial)
    auto = at.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        pads = []
        for s, k, st, d in zip(spatial, kernel, strides, dil, strict=True):
            total = max((math.ceil(s / st) - 1) * st + (k - 1) * d + 1 - s, 0)
            lo = total // 2 if auto == "SAME_UPPER" else total - total // 2
            pads.append((lo, total - lo))
        return pads
    if auto == "VALID":
        return [(0, 0)] * n
    p = list(at.get("pads", [0] * 2 * n))
    return [(p[d], p[d + n]) for d in range(n)]


def ref_conv(x, w, b, at):
    n = w.ndim - 2
    k = w.shape[2:]
    strides = list(at.get("strides", [1] * n))
    dil = list(at.get("dilations", [1] * n))
    pads = _pads(at, x.shape[2:], k, strides, dil)
    xp = np.pad(x, [(0, 0), (0, 0)] + pads)
    outs = [(xp.shape[2 + d] - dil[d] * (k[d] - 1) - 1) // strides[d] + 1 for d in range(n)]
    groups = at.get("group", 1)
    cg, per = w.shape[1], w.shape[0] // groups
    y = np.zeros((x.shape[0], w.shape[0], *outs))
    for g in range(groups):
        for tap in np.ndindex(*k):
            sl = tuple(
                slice(tap[d] * dil[d], tap[d] * dil[d] + strides[d] * (outs[d] - 1) + 1, strides[d])
                for d in range(n)
            )
            patch = xp[(slice(None), slice(g * cg, (g + 1) * cg)) + sl]
            wt = w[(slice(g * per, (g + 1) * per), slice(None)) + tap]
            y[:, g * per : (g + 1) * per] += np.einsum("nc...,oc->no...", patch, wt)
    if b is not None:
        y += b.reshape((1, -1) + (1,) * n)
    return y


def ref_avgpool(x, at):
    k = list(at["kernel_shape"])
    n = len(k)
    strides = list(at.get("strides", [1] * n))
    dil = list(at.get("dilations", [1] * n))
    spatial = x.shape[2:]
    pads = _pads(at, spatial, k, strides, dil)
    outs = []
    for s, kk, st, d, (pb, pe) in zip(spatial, k, strides, dil, pads, strict=True):
        span = (kk - 1) * d + 1
        if at.get("ceil_mode", 0):
            o = math.ceil((s + pb + pe - span) / st) + 1
            if (o - 1) * st >= s + pb:
                o -= 1
        else:
            o = (s + pb + pe - span) // st + 1
        outs.append(o)
    # pad far enough for every window; masks: inside the input / inside input + pads
    extra = [
        max(0, (o - 1) * st + (kk - 1) * d + 1 - (s + pb + pe))
        for o, st, kk, d, s, (pb, pe) in zip(outs, strides, k, dil, spatial, pads, strict=True)
    ]
    widths = [(pb, pe + e) for (pb, pe), e in zip(pads, extra, strict=True)]
    xp = np.pad(x, [(0, 0), (0, 0)] + widths)
    inside = np.pad(np.ones(spatial), widths)
    padded = np.pad(
        np.ones([s + pb + pe for s, (pb, pe) in zip(spatial, pads, strict=True)]), [(0, e) for e in extra]
    )
    count = padded if at.get("count_include_pad", 0) else inside
    total = np.zeros(x.shape[:2] + tuple(outs))
    div = np.zeros(outs)
    for tap in np.ndindex(*k):
        sl = tuple(
            slice(tap[d] * dil[d], tap[d] * dil[d] + strides[d] * (outs[d] - 1) + 1, strides[d])
            for d in range(n)
        )
        total += xp[(slice(None), slice(None)) + sl]
        div += count[sl]
    return total / div


def reference(model, x):
    """Run ``model`` on the batch ``x`` in float64; also return the inputs of every Relu."""
    g = model.graph
    vals = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in g.initializer}
    vals[g.input[0].name] = x
    masks = []
    for node in g.node:
        at = _attrs(node)
        ins = [vals[i] if i else None for i in node.input]
        op = node.op_type
        if op == "Gemm":
            a = ins[0].T if at.get("transA", 0) else ins[0]
            b = ins[1].T if at.get("transB", 0) else ins[1]
            y = at.get("alpha", 1.0) * a @ b
            if len(ins) > 2:
                y = y + at.get("beta", 1.0) * ins[2]
        elif op == "MatMul":
            y = ins[0] @ ins[1]
        elif op in ("Add", "Sub", "Mul", "Div"):
            y = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide}[op](*ins)
        elif op in ("Relu", "LeakyRelu"):
            masks.append((ins[0] > 0).reshape(len(x), -1))
            y = np.where(
                ins[0] > 0, ins[0], (at.get("alpha", 0.01) if op == "LeakyRelu" else 0) * ins[0]
            )
        elif op == "Conv":
            y = ref_conv(ins[0], ins[1], ins[2] if len(ins) > 2 else None, at)
        elif op == "BatchNormalization":
            xx, s, bb, m, v = ins
            sh = (1, -1) + (1,) * (xx.ndim - 2)
            y = (xx - m.reshape(sh)) / np.sqrt(v.reshape(sh) + at.get("epsilon", 1e-5)) * s.reshape(
                sh
            ) + bb.reshape(sh)
        elif op == "AveragePool":
            y = ref_avgpool(ins[0], at)
        elif op == "GlobalAveragePool":
            y = ins[0].mean(axis=tuple(range(2, ins[0].ndim)), keepdims=True)
        elif op == "Flatten":
            ax = at.get("axis", 1)
            y = ins[0].reshape(math.prod(ins[0].shape[:ax]), -1)
        elif op == "Reshape":
            shape = [int(s) for s in ins[1]]
            shape = [ins[0].shape[i] if s == 0 else s for i, s in enumerate(shape)]
            y = ins[0].reshape(shape)
        elif op == "Transpose":
            y = ins[0].transpose(at["perm"])
        elif op in ("Identity", "Dropout"):
            y = ins[0]
        elif op == "Shape":
            y = np.array(ins[0].shape, dtype=np.int64)
        elif op == "Gather":
            y = np.take(ins[0], ins[1].astype(np.int64), axis=at.get("axis", 0))
        elif op == "Unsqueeze":
            y = np.expand_dims(ins[0], tuple(int(a) for a in ins[1]))
        elif op == "Concat":
            y = np.concatenate(ins, axis=at["axis"])
        else:  # pragma: no cover
            raise NotImplementedError(op)
        vals[node.output[0]] = y
    out = vals[g.output[0].name]
    return out.reshape(len(x), -1), (np.concatenate(masks, axis=1) if masks else None)


# ---------------------------------------------------------------------------- models
def make_model(nodes, inits, in_shape, dtype=np.float64, int_inits=(), out_shape=("N", None)):
    elem = TensorProto.DOUBLE if dtype == np.float64 else TensorProto.FLOAT
    tensors = [numpy_helper.from_array(np.asarray(v, dtype=dtype), k) for k, v in inits.items()]
    tensors += [numpy_helper.from_array(np.asarray(v, dtype=np.int64), k) for k, v in int_inits]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", elem, ["N", *in_shape])],
        [helper.make_tensor_value_info(nodes[-1].output[0], elem, list(out_shape))],
        tensors,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def rng_arrays(seed, **shapes):
    rng = np.random.default_rng(seed)
    out = {}
    for name, shape in shapes.items():
        if name.startswith("var"):
            out[name] = rng.uniform(0.5, 2.0, shape)
        else:
            out[name] = rng.normal(size=shape)
    return out


def case_gemm():
    nodes = [
        N("Gemm", ["x", "W", "C"], ["h"], transB=1, alpha=0.7, beta=1.3),
        N("Relu", ["h"], ["r"]),
        N("Gemm", ["r", "V", "c2"], ["h2"], alpha=2.0),
        N("Relu", ["h2"], ["r2"]),
        N("MatMul", ["r2", "M"], ["m"]),
        N("Add", ["m", "c3"], ["y"]),
    ]
    inits = rng_arrays(0, W=(6, 3), C=(1, 6), V=(6, 5), c2=(), M=(5, 2), c3=(2,))
    return nodes, inits, (3,), ()


def case_conv_bn_pool(ceil, cip):
    def f():
        nodes = [
            N(
                "Conv",
                ["x", "K", "kb"],
                ["c"],
                strides=[2, 1],
                pads=[1, 0, 2, 1],
                dilations=[1, 2],
                group=2,
            ),
            N("BatchNormalization", ["c", "gamma", "beta", "mean", "var"], ["bn"], epsilon=1e-3),
            N("Relu", ["bn"], ["r"]),
            N(
                "AveragePool",
                ["r"],
                ["p"],
                kernel_shape=[2, 3],
                strides=[2, 2],
                pads=[1, 1, 1, 0],
                ceil_mode=ceil,
                count_include_pad=cip,
            ),
            N("Flatten", ["p"], ["f"]),
            N("Gemm", ["f", "W"], ["y"]),
        ]
        inits = rng_arrays(
            1,
            K=(4, 1, 3, 2),
            kb=(4,),
            gamma=(4,),
            beta=(4,),
            mean=(4,),
            var=(4,),
            W=(36 if ceil else 24, 3),
        )
        return nodes, inits, (2, 7, 6), ()

    return f


def case_same_global():
    nodes = [
        N("Conv", ["x", "K"], ["c"], auto_pad="SAME_UPPER", strides=[2, 2]),
        N("Relu", ["c"], ["r"]),
        N("Conv", ["r", "K2", "b2"], ["c2"], auto_pad="SAME_LOWER", kernel_shape=[2, 2]),
        N("Relu", ["c2"], ["r2"]),
        N("GlobalAveragePool", ["r2"], ["g"]),
        N("Reshape", ["g", "shape"], ["f"]),
        N("MatMul", ["f", "W"], ["y"]),
    ]
    inits = rng_arrays(2, K=(3, 2, 3, 3), K2=(4, 3, 2, 2), b2=(4,), W=(4, 2))
    return nodes, inits, (2, 5, 6), [("shape", [0, -1])]


def case_leaky_shapes():
    nodes = [
        N("Transpose", ["x"], ["t"], perm=[0, 2, 1]),
        N("Sub", ["t", "mu"], ["s"]),
        N("Div", ["s", "sd"], ["d"]),
        N("Shape", ["d"], ["shp"]),
        N("Gather", ["shp", "zero"], ["n"], axis=0),
        N("Unsqueeze", ["n", "axes"], ["n1"]),
        N("Concat", ["n1", "minus1"], ["target"], axis=0),
        N("Reshape", ["d", "target"], ["f"]),
        N("Identity", ["f"], ["i"]),
        N("Gemm", ["i", "W", "b"], ["h"], transB=1),
        N("LeakyRelu", ["h"], ["r"], alpha=0.2),
        N("Dropout", ["r"], ["dr"]),
        N("Mul", ["dr", "scale"], ["sc"]),
        N("LeakyRelu", ["sc"], ["r2"], alpha=0.2),
        N("Gemm", ["r2", "V"], ["y"]),
    ]
    inits = rng_arrays(3, mu=(1, 1, 3), sd=(4, 1), W=(7, 12), b=(7,), scale=(7,), V=(7, 2))
    inits["sd"] = np.abs(inits["sd"]) + 0.5
    ints = [("zero", 0), ("axes", [0]), ("minus1", [-1])]
    return nodes, inits, (3, 4), ints


def case_conv1d_pool():
    nodes = [
        N("Conv", ["x", "K", "kb"], ["c"], pads=[2, 1], dilations=[2]),
        N("Relu", ["c"], ["r"]),
        N(
            "AveragePool",
            ["r"],
            ["p"],
            kernel_shape=[3],
            strides=[2],
            pads=[1, 1],
            count_include_pad=1,
        ),
        N("Flatten", ["p"], ["f"]),
        N("MatMul", ["f", "W"], ["m"]),
        N("Relu", ["m"], ["r2"]),
        N("MatMul", ["r2", "V"], ["y"]),
    ]
    inits = rng_arrays(4, K=(3, 2, 3), kb=(3,), W=(12, 5), V=(5,))
    return nodes, inits, (2, 9), (), ("N",)


CASES = {
    "gemm_matmul_add": case_gemm,
    "conv_bn_pool": case_conv_bn_pool(0, 0),
    "conv_bn_pool_ceil_include_pad": case_conv_bn_pool(1, 1),
    "conv_bn_pool_ceil": case_conv_bn_pool(1, 0),
    "conv_same_global_reshape": case_same_global,
    "leaky_transpose_shape_chain": case_leaky_shapes,
    "conv1d_pool_include_pad": case_conv1d_pool,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_and_patterns_against_reference(name):
    nodes, inits, shape, ints, *out = CASES[name]()
    model = make_model(nodes, inits, shape, int_inits=ints, out_shape=(out or [("N", None)])[0])
    onnx.checker.check_model(model)
    net = from_onnx(model)
    x = np.random.default_rng(10).normal(size=(N_POINTS, *shape))
    want, masks = reference(model, x)
    flat = x.reshape(N_POINTS, -1)
    got = net.forward(flat)
    assert got.shape == want.shape
    assert np.max(np.abs(got - want)) / np.max(np.abs(want)) < 1e-6
    np.testing.assert_array_equal(net.pattern(flat), masks)


@pytest.mark.parametrize("name", sorted(CASES))
def test_against_onnxruntime_float32(name, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    nodes, inits, shape, ints, *out = CASES[name]()
    model = make_model(
        nodes, inits, shape, dtype=np.float32, int_inits=ints, out_shape=(out or [("N", None)])[0]
    )
    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    net = from_onnx(path)  # a path works as well as a ModelProto
    x = np.random.default_rng(11).normal(size=(N_POINTS, *shape)).astype(np.float32)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    want = sess.run(None, {"x": x})[0].reshape(N_POINTS, -1).astype(np.float64)
    got = net.forward(x.reshape(N_POINTS, -1).astype(np.float64))
    # the runtime computes in float32 (relative rounding ~1e-7 per operation)
    assert np.max(np.abs(got - want)) / np.max(np.abs(want)) < 1e-5


def test_input_shape_argument_and_static_batch():
    nodes, inits, _, _ = case_gemm()
    model = make_model(nodes, inits, (3,))
    model.graph.input[0].type.tensor_type.shape.dim[0].dim_value = 1  # static batch of 1
    assert from_onnx(model).widths == (3, 6, 5, 2)
    assert from_onnx(model, input_shape=(3,)).widths == (3, 6, 5, 2)


def test_torch_export_roundtrip():
    torch = pytest.importorskip("torch")
    import io
    import warnings

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(1, 3, 3, stride=2, padding=1)
            self.bn = torch.nn.BatchNorm2d(3)
            self.fc = torch.nn.Linear(3 * 3 * 3, 4)
            self.out = torch.nn.Linear(4, 2)

        def forward(self, x):
            x = torch.relu(self.bn(self.conv(x)))
            x = torch.nn.functional.avg_pool2d(x, 2, ceil_mode=True)
            x = x.view(x.size(0), -1)
            return self.out(torch.relu(self.fc(x)))

    torch.manual_seed(0)
    model = Net().double().eval()
    model.bn.running_mean.uniform_(-1, 1)
    model.bn.running_var.uniform_(0.5, 2)
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (torch.zeros(1, 1, 9, 9, dtype=torch.float64),),
            buf,
            dynamo=False,
            input_names=["x"],
            dynamic_axes={"x": {0: "N"}},
        )
    net = from_onnx(onnx.load_from_string(buf.getvalue()))
    x = torch.randn(N_POINTS, 1, 9, 9, dtype=torch.float64)
    with torch.no_grad():
        want = model(x).numpy()
    got = net.forward(x.reshape(N_POINTS, -1).numpy())
    assert np.max(np.abs(got - want)) / np.max(np.abs(want)) < 1e-6


# ---------------------------------------------------------------------------- refusals
def _simple(op_nodes, inits, shape=(4,)):
    return make_model(op_nodes, inits, shape)


W44 = {"W": np.eye(4), "V": np.ones((4, 1))}


@pytest.mark.parametrize(
    "nodes, inits, shape, match",
    [
        (
            [
                N("Conv", ["x", "K"], ["c"]),
                N("Relu", ["c"], ["r"]),
                N("MaxPool", ["r"], ["y"], kernel_shape=[2, 2], name="pool1"),
            ],
            {"K": np.ones((1, 1, 2, 2))},
            (1, 5, 5),
            r"node 'pool1' \(op MaxPool\) is not piecewise affine.*max-pooling",
        ),
        (
            [N("Gemm", ["x", "W"], ["h"]), N("Sigmoid", ["h"], ["y"], name="sig")],
            W44,
            (4,),
            r"node 'sig' \(op Sigmoid\) is not piecewise affine.*sigmoid is smooth",
        ),
        (
            [N("Gemm", ["x", "W"], ["h"]), N("Softmax", ["h"], ["y"])],
            W44,
            (4,),
            r"node '#1' \(op Softmax\) is not piecewise affine",
        ),
        (
            [
                N("Gemm", ["x", "W"], ["h"]),
                N("Relu", ["h"], ["r"]),
                N("Add", ["x", "r"], ["s"], name="skip"),
                N("Gemm", ["s", "V"], ["y"]),
            ],
            W44,
            (4,),
            r"node 'skip' \(op Add\) combines the computed tensors 'x', 'r': a residual connection",
        ),
        (
            [N("Relu", ["x"], ["r"]), N("Gemm", ["x", "W"], ["y"], name="late")],
            W44,
            (4,),
            r"node 'late' \(op Gemm\) reads 'x', which a later node already consumed",
        ),
        (
            [N("Gemm", ["x", "W"], ["h"]), N("TopK", ["h", "k"], ["y", "i"], name="tk")],
            {**W44, "k": np.ones(1)},
            (4,),
            r"node 'tk' \(op TopK\) is not supported; supported:",
        ),
        (
            [N("Gemm", ["x", "W"], ["h"], transA=1), N("Relu", ["h"], ["y"])],
            W44,
            (4,),
            "transA=1 on the data input would transpose the batch axis",
        ),
        (
            [
                N("Gemm", ["x", "W"], ["h"]),
                N("BatchNormalization", ["h", "s", "b", "m", "v"], ["y"], training_mode=1),
            ],
            {**W44, "s": np.ones(4), "b": np.ones(4), "m": np.ones(4), "v": np.ones(4)},
            (4,),
            "is in training mode",
        ),
        (
            [N("Gemm", ["x", "W"], ["h"]), N("Gemm", ["h", "V"], ["y"])],
            W44,
            (4,),
            "no ReLU or LeakyReLU",
        ),
        (
            [
                N("Gemm", ["x", "W"], ["h"]),
                N("Relu", ["h"], ["r"]),
                N("LeakyRelu", ["r"], ["y"], alpha=0.1),
            ],
            W44,
            (4,),
            r"node '#2' \(op LeakyRelu\): negative slope 0.1\d* differs from 0.0",
        ),
        (
            [
                N("Gemm", ["x", "W"], ["h"]),
                N("Relu", ["h"], ["r"]),
                N("Flatten", ["r"], ["y"], axis=0),
            ],
            W44,
            (4,),
            "merges the batch axis",
        ),
    ],
)
def test_refusals(nodes, inits, shape, match):
    with pytest.raises(polyreg.InvalidNetwork, match=match):
        from_onnx(_simple(nodes, inits, shape))


def test_refuses_two_inputs_and_bad_files(tmp_path):
    graph = helper.make_graph(
        [N("Add", ["x", "z"], ["y"])],
        "g",
        [helper.make_tensor_value_info(n, TensorProto.DOUBLE, ["N", 2]) for n in ("x", "z")],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["N", 2])],
    )
    with pytest.raises(polyreg.InvalidNetwork, match=r"2 inputs \(x, z\)"):
        from_onnx(helper.make_model(graph))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        from_onnx(tmp_path / "missing.onnx")
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\xff\x00 not a protobuf")
    with pytest.raises(polyreg.InvalidNetwork, match="cannot read"):
        from_onnx(bad)
    model = make_model([N("Gemm", ["x", "W"], ["h"]), N("Relu", ["h"], ["y"])], W44, ("D",))
    with pytest.raises(polyreg.InvalidNetwork, match="pass input_shape"):
        from_onnx(model)


def test_cyclic_graph_is_named_a_cycle(tmp_path, capsys):
    # Relu reads "y", produced by the Gemm that reads Relu's output: a cycle, not an
    # unsupported op
    nodes = [
        N("Gemm", ["x", "W"], ["h"]),
        N("Relu", ["y"], ["r"]),
        N("Gemm", ["r", "W"], ["y"]),
    ]
    model = make_model(nodes, W44, (4,))
    with pytest.raises(polyreg.InvalidNetwork, match="the ONNX graph has a cycle"):
        from_onnx(model)
    path = tmp_path / "cyclic.onnx"
    path.write_bytes(model.SerializeToString())
    from polyreg.cli import main

    assert main(["import", str(path), "--out", str(tmp_path / "n.npz")]) == 2
    assert "the ONNX graph has a cycle" in capsys.readouterr().err


def test_undefined_tensor_and_node_order():
    nodes = [N("Gemm", ["x", "W"], ["h"]), N("Relu", ["nowhere"], ["y"])]
    with pytest.raises(polyreg.InvalidNetwork, match="reads 'nowhere', which no node"):
        from_onnx(make_model(nodes, W44, (4,)))
    # nodes listed out of order (not valid ONNX, but acyclic): imported in dependency order
    nodes = [N("Relu", ["h"], ["r"]), N("Gemm", ["x", "W"], ["h"]), N("Gemm", ["r", "V"], ["y"])]
    assert from_onnx(make_model(nodes, W44, (4,))).widths == (4, 4, 1)
