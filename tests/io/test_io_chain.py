"""The importers' shared operators (no framework needed): convolution and pooling matrices
against direct loops, the chain's layer rules, the refusal reasons."""

from __future__ import annotations

import numpy as np
import pytest

import polyreg
from polyreg.io._chain import (
    Chain,
    adaptive_avgpool_matrix,
    avgpool_matrix,
    conv_matrix,
    refusal_reason,
    transpose_matrix,
)

NP_PAD = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def conv_loops(x, w, stride, pads, dilation, groups, mode):
    """Cross-correlation by explicit loops over output positions (one sample ``(C, *s)``)."""
    n = w.ndim - 2
    xp = np.pad(x, [(0, 0)] + [tuple(p) for p in pads], mode=NP_PAD[mode])
    c_out, c_g = w.shape[:2]
    k = w.shape[2:]
    outs = [(xp.shape[1 + d] - dilation[d] * (k[d] - 1) - 1) // stride[d] + 1 for d in range(n)]
    y = np.zeros([c_out] + outs)
    per = c_out // groups
    for co in range(c_out):
        g = co // per
        for o in np.ndindex(*outs):
            window = tuple(
                slice(
                    o[d] * stride[d], o[d] * stride[d] + dilation[d] * (k[d] - 1) + 1, dilation[d]
                )
                for d in range(n)
            )
            patch = xp[(slice(g * c_g, (g + 1) * c_g),) + window]
            y[(co,) + o] = np.sum(patch * w[co])
    return y


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize(
    "in_shape, w_shape, stride, pads, dilation, groups",
    [
        ((2, 7), (4, 1, 3), [2], [(2, 1)], [2], 2),
        ((3, 5, 6), (2, 3, 3, 2), [1, 2], [(1, 1), (0, 1)], [1, 2], 1),
        ((4, 4, 5), (4, 2, 2, 3), [2, 1], [(1, 0), (2, 2)], [1, 1], 2),
        ((1, 3, 3), (1, 1, 1, 1), [1, 1], [(0, 0), (0, 0)], [1, 1], 1),
    ],
)
def test_conv_matrix_equals_loops(mode, in_shape, w_shape, stride, pads, dilation, groups):
    rng = np.random.default_rng(0)
    w = rng.normal(size=w_shape)
    M, out = conv_matrix(
        w, in_shape, stride=stride, pads=pads, dilation=dilation, groups=groups, pad_mode=mode
    )
    for _ in range(3):
        x = rng.normal(size=in_shape)
        want = conv_loops(x, w, stride, pads, dilation, groups, mode)
        assert out == want.shape
        np.testing.assert_allclose(M @ x.ravel(), want.ravel(), rtol=1e-12, atol=1e-12)


def test_conv_matrix_rejects_bad_groups_and_small_inputs():
    with pytest.raises(polyreg.InvalidNetwork, match="groups=2 do not match"):
        conv_matrix(np.ones((3, 1, 2)), (2, 5), stride=[1], pads=[(0, 0)], dilation=[1], groups=2)
    with pytest.raises(polyreg.InvalidNetwork, match="larger than the padded input"):
        conv_matrix(np.ones((1, 1, 4)), (1, 3), stride=[1], pads=[(0, 0)], dilation=[1], groups=1)


def test_avgpool_divisors():
    x = np.arange(1.0, 6.0)  # 1..5
    M, out = avgpool_matrix((1, 5), kernel=[2], stride=[2], pads=[(1, 1)], count_include_pad=True)
    assert out == (1, 3)
    np.testing.assert_allclose(M @ x, [1 / 2, (2 + 3) / 2, (4 + 5) / 2])
    M, _ = avgpool_matrix((1, 5), kernel=[2], stride=[2], pads=[(1, 1)], count_include_pad=False)
    np.testing.assert_allclose(M @ x, [1, 2.5, 4.5])
    M, out = avgpool_matrix((1, 5), kernel=[2], stride=[2], pads=[(0, 0)], ceil_mode=True)
    assert out == (1, 3)
    np.testing.assert_allclose(M @ x, [1.5, 3.5, 5.0])
    M, _ = avgpool_matrix((1, 5), kernel=[2], stride=[2], pads=[(0, 0)], divisor_override=4)
    np.testing.assert_allclose(M @ x, [3 / 4, 7 / 4])


def test_adaptive_and_transpose():
    M, out = adaptive_avgpool_matrix((2, 5), [2])
    x = np.arange(10.0)
    assert out == (2, 2)
    np.testing.assert_allclose(M @ x, [1.0, 3.0, 6.0, 8.0])  # windows [0,3), [2,5)
    shape = (2, 3, 4)
    y = np.arange(24.0).reshape(shape)
    P = transpose_matrix(shape, (1, 2, 0))
    np.testing.assert_array_equal(P @ y.ravel(), y.transpose(1, 2, 0).ravel())


def test_chain_layers():
    # an activation right after the input gets an identity layer; a trailing one an output
    chain = Chain((2,))
    chain.activation(0.0, "first")
    chain.affine(np.array([[1.0, -1.0]]), np.array([0.5]), (1,), "dense")
    chain.activation(0.0, "last")
    net = chain.network()
    assert net.widths == (2, 2, 1, 1)
    np.testing.assert_array_equal(net.weights[0], np.eye(2))
    np.testing.assert_array_equal(net.weights[2], np.eye(1))
    x = np.random.default_rng(0).normal(size=(100, 2))
    want = np.maximum(np.maximum(x, 0) @ [1.0, -1.0] + 0.5, 0)[:, None]
    np.testing.assert_allclose(net.forward(x), want)


def test_chain_refusals():
    chain = Chain((2,))
    chain.affine(np.eye(2), None, (2,), "a")
    with pytest.raises(polyreg.InvalidNetwork, match="no ReLU or LeakyReLU"):
        chain.network()
    chain.activation(0.0, "layer 'r' (ReLU)")
    with pytest.raises(
        polyreg.InvalidNetwork,
        match=r"layer 'l' \(LeakyReLU\): negative slope "
        r"0.1 differs from 0.0 of layer 'r' \(ReLU\)",
    ):
        chain.activation(0.1, "layer 'l' (LeakyReLU)")
    with pytest.raises(polyreg.InvalidNetwork, match="outside \\[0, 1\\)"):
        chain.activation(1.5, "x")
    with pytest.raises(polyreg.InvalidNetwork, match="takes 3 values"):
        chain.affine(np.ones((1, 3)), None, (1,), "bad")
    with pytest.raises(polyreg.InvalidNetwork, match="cannot reshape"):
        chain.reshape((3,), "bad reshape")
    with pytest.raises(ValueError, match="input_shape"):
        Chain((0, 2))


@pytest.mark.parametrize(
    "name, words",
    [
        ("MaxPool2d", "max-pooling"),
        ("max_pool2d", "max-pooling"),
        ("Sigmoid", "smooth"),
        ("Softmax", "softmax"),
        ("MultiheadAttention", "attention"),
        ("LayerNorm", "divides"),
        ("Hardtanh", "two kinks"),
        ("Tanh", "tanh"),
        ("GELU", "GELU"),
    ],
)
def test_refusal_reasons(name, words):
    assert words in refusal_reason(name)


@pytest.mark.parametrize("name", ["Linear", "Expand", "Absolute", "Conv2d", "ReLU"])
def test_no_reason_for_other_names(name):
    assert refusal_reason(name) is None


@pytest.mark.parametrize(
    "slope, match",
    [
        ([0.1, 0.2], r"negative slope must be a real scalar, got an array of shape \(2,\)"),
        ("0.1", r"negative slope must be a real scalar, got the string"),
        (0.1j, r"negative slope must be a real scalar, got complex"),
    ],
)
def test_state_dict_negative_slope_checked(slope, match):
    sd = {"0.weight": np.eye(2), "2.weight": np.ones((1, 2))}
    arch = [{"type": "linear", "name": "0"}, {"type": "leaky_relu", "negative_slope": slope},
            {"type": "linear", "name": "2"}]
    with pytest.raises(polyreg.errors.InvalidNetwork, match=match):
        polyreg.io.from_state_dict(sd, arch)


def test_state_dict_complex_or_string_weights_refused():
    arch = [{"type": "linear", "name": "0"}, "relu", {"type": "linear", "name": "2"}]
    for bad, match in ((np.eye(2) * 1j, r"complex"), (np.array([["1", "0"], ["0", "1"]]), r"strings")):
        sd = {"0.weight": bad, "2.weight": np.ones((1, 2))}
        with pytest.raises(polyreg.errors.InvalidNetwork, match=rf"must hold real numbers.*{match}"):
            polyreg.io.from_state_dict(sd, arch)


@pytest.mark.parametrize("arch", ["relu", None, {"type": "linear"}, 3])
def test_state_dict_architecture_must_be_a_list(arch):
    with pytest.raises(polyreg.errors.InvalidNetwork, match="architecture must be a list of layers"):
        polyreg.io.from_state_dict({"0.weight": np.eye(2)}, arch)


# ---------------------------------------------------------------------- length mismatches (issue 18)
def test_lengths_that_must_match_are_refused_not_truncated():
    from polyreg.io.onnx import _eval_const, _pads

    with pytest.raises(polyreg.InvalidNetwork, match=r"output_size \[2, 2\] has 2 entries for 1"):
        adaptive_avgpool_matrix((1, 4), [2, 2])
    same = {"auto_pad": "SAME_UPPER"}
    with pytest.raises(polyreg.InvalidNetwork, match="strides has 1 entries, expected 2"):
        _pads(same, (4, 4), (3, 3), [1], [1, 1], "node 'c'")
    with pytest.raises(polyreg.InvalidNetwork, match="dilations has 3 entries, expected 2"):
        _pads({}, (4, 4), (3, 3), [1, 1], [1, 1, 1], "node 'c'")
    data = np.arange(12.0).reshape(3, 4)
    starts, ends = np.array([0, 1]), np.array([2])
    with pytest.raises(polyreg.InvalidNetwork, match="Slice starts, ends, axes, steps differ"):
        _eval_const("Slice", [data, starts, ends], {}, "node 's'")
    with pytest.raises(polyreg.InvalidNetwork, match="Unsqueeze without axes"):
        _eval_const("Unsqueeze", [data], {}, "node 'u'")
    # equal lengths still work
    out = _eval_const("Slice", [data, np.array([0, 1]), np.array([2, 3])], {}, "node 's'")
    np.testing.assert_array_equal(out, data[0:2, 1:3])
