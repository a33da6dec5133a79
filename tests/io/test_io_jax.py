"""Flax-style parameter trees (no JAX needed)."""

from __future__ import annotations

import numpy as np
import pytest

import polyreg
from polyreg.io import from_flax


def flax_mlp(widths, seed=0):
    rng = np.random.default_rng(seed)
    return {
        f"Dense_{k}": {"kernel": rng.normal(size=(a, b)), "bias": rng.normal(size=b)}
        for k, (a, b) in enumerate(zip(widths[:-1], widths[1:], strict=True))
    }


def reference(tree, names, x, alpha=0.0):
    for k, name in enumerate(names):
        x = x @ tree[name]["kernel"] + tree[name]["bias"]
        if k < len(names) - 1:
            x = np.where(x > 0, x, alpha * x)
    return x


@pytest.mark.parametrize("alpha", [0.0, 0.2])
def test_forward_equals_reference(alpha):
    widths = [3, 7, 5, 6, 4, 5, 3, 4, 2, 4, 5, 2]  # 11 layers: Dense_10 sorts after Dense_9
    tree = flax_mlp(widths)
    net = from_flax({"params": tree}, negative_slope=alpha)
    assert net.widths == tuple(widths)
    x = np.random.default_rng(1).normal(size=(1000, 3))
    want = reference(tree, [f"Dense_{k}" for k in range(11)], x, alpha)
    got = net.forward(x)
    assert np.max(np.abs(got - want)) / np.max(np.abs(want)) < 1e-6
    masks = []
    h = x
    for k in range(10):
        z = h @ tree[f"Dense_{k}"]["kernel"] + tree[f"Dense_{k}"]["bias"]
        masks.append(z > 0)
        h = np.where(z > 0, z, alpha * z)
    np.testing.assert_array_equal(net.pattern(x), np.concatenate(masks, axis=1))


def test_explicit_order_nested_and_no_bias():
    rng = np.random.default_rng(2)
    tree = {
        "params": {
            "Encoder": {
                "out": {"kernel": rng.normal(size=(4, 2))},
                "inp": {"kernel": rng.normal(size=(3, 4)), "bias": np.ones(4)},
            }
        }
    }
    net = from_flax(tree, order=["Encoder/inp", "Encoder/out"])
    x = rng.normal(size=(50, 3))
    want = (
        np.maximum(x @ tree["params"]["Encoder"]["inp"]["kernel"] + 1, 0)
        @ tree["params"]["Encoder"]["out"]["kernel"]
    )
    np.testing.assert_allclose(net.forward(x), want, rtol=1e-12)
    # default order sorts "inp" before "out" too
    assert from_flax(tree).widths == (3, 4, 2)


def test_refusals():
    with pytest.raises(polyreg.InvalidNetwork, match="found 1 dense layer"):
        from_flax({"Dense_0": {"kernel": np.ones((2, 2))}})
    with pytest.raises(polyreg.InvalidNetwork, match="'Conv_0'.*not a dense"):
        from_flax(
            {"Conv_0": {"kernel": np.ones((3, 3, 1, 2))}, "Dense_0": {"kernel": np.ones((2, 1))}}
        )
    with pytest.raises(polyreg.InvalidNetwork, match="'Dense_1': kernel takes 3 inputs"):
        from_flax({"Dense_0": {"kernel": np.ones((2, 4))}, "Dense_1": {"kernel": np.ones((3, 1))}})
    with pytest.raises(polyreg.InvalidNetwork, match="'Dense_7' is not in the parameter tree"):
        from_flax(flax_mlp([2, 3, 1]), order=["Dense_0", "Dense_7"])
    with pytest.raises(polyreg.InvalidNetwork, match="outside \\[0, 1\\)"):
        from_flax(flax_mlp([2, 3, 1]), negative_slope=-0.5)
    with pytest.raises(polyreg.InvalidNetwork, match="bias of shape"):
        from_flax(
            {
                "Dense_0": {"kernel": np.ones((2, 3)), "bias": np.ones(2)},
                "Dense_1": {"kernel": np.ones((3, 1))},
            }
        )
    with pytest.raises(polyreg.InvalidNetwork, match="must be a mapping"):
        from_flax([1, 2])
