"""polyreg.network: validation (every message names the array and the problem), files,
and the consistency of forward / pattern / local_maps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import polyreg
from polyreg import InvalidNetwork, Network

from conftest import ATOL_MAPS, net_from


def _layers(widths, seed=0):
    rng = np.random.default_rng(seed)
    return [
        (rng.normal(size=(o, i)), rng.normal(size=o)) for i, o in zip(widths[:-1], widths[1:], strict=True)
    ]


# ---------------------------------------------------------------------------- validation
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_weight_names_array_and_position(bad):
    layers = _layers([2, 3, 1])
    layers[1][0][0, 1] = bad
    with pytest.raises(InvalidNetwork, match=r"W1 has 1 non-finite value\(s\), first at \(0, 1\)"):
        Network.from_layers(layers)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_bias_names_array_and_position(bad):
    layers = _layers([2, 3, 1])
    layers[0][1][2] = bad
    with pytest.raises(InvalidNetwork, match=r"b0 has 1 non-finite value\(s\), first at \(2,\)"):
        Network.from_layers(layers)


def test_several_non_finite_values_are_counted():
    layers = _layers([2, 3, 1])
    layers[0][0][:] = np.nan
    with pytest.raises(InvalidNetwork, match=r"W0 has 6 non-finite value\(s\), first at \(0, 0\)"):
        Network.from_layers(layers)


def test_shape_mismatch_between_layers():
    layers = _layers([2, 4, 1])
    layers[1] = (np.ones((1, 3)), np.zeros(1))
    with pytest.raises(InvalidNetwork, match=r"W1 takes 3 inputs but layer 0 \(W0\) has 4 outputs"):
        Network.from_layers(layers)


def test_bias_length_mismatch():
    layers = _layers([2, 4, 1])
    layers[0] = (layers[0][0], np.zeros(3))
    with pytest.raises(InvalidNetwork, match=r"W0 has 4 rows \(outputs\) but b0 has 3 entries"):
        Network.from_layers(layers)


def test_only_one_layer_has_no_hidden_layer():
    with pytest.raises(InvalidNetwork, match=r"at least one hidden layer .* got 1 layer"):
        Network.from_layers(_layers([2, 1]))


def test_weight_and_bias_counts_differ():
    W = [np.ones((2, 2)), np.ones((1, 2))]
    with pytest.raises(InvalidNetwork, match=r"2 weight matrices but 1 bias vectors"):
        Network(tuple(W), (np.zeros(2),))


@pytest.mark.parametrize(
    "W, b, match",
    [
        (np.ones(3), np.zeros(3), r"W0 must be a matrix \(out, in\), got an array of shape \(3,\)"),
        (np.ones((3, 2)), np.zeros((3, 1)), r"b0 must be a vector, got an array of shape \(3, 1\)"),
        (np.ones((0, 2)), np.zeros(0), r"W0 is empty \(shape \(0, 2\)\)"),
        ([["a", "b"]], [0.0], r"W0 must hold real numbers, got an array of dtype <U1 \(strings\)"),
        (np.ones((1, 2)) * (1 + 1j), [0.0], r"W0 must hold real numbers, .*complex128 \(complex\)"),
        (np.ones((1, 2)), np.zeros(1, dtype=complex), r"b0 must hold real numbers, .*\(complex\)"),
        (np.array([["2020-01-01", "2020-01-02"]], dtype="datetime64[D]"), [0.0],
         r"W0 must hold real numbers, .*datetime64\[D\] \(datetimes\)"),
        (np.zeros((1, 2), dtype=[("x", "f8")]), [0.0], r"W0 must hold real numbers, .*structured"),
        (np.array([[1.0, None]], dtype=object), [0.0], r"W0 .* \(Python objects\)"),
        ([[1.0, 2.0]], [np.float64], r"b0 .* \(Python objects\)"),
        (np.array([[2**53 + 1, 0]], dtype=np.int64), [0.0],
         r"W0 has int64 values that float64 cannot represent exactly"),
    ],
)
def test_malformed_arrays(W, b, match):
    with pytest.raises(InvalidNetwork, match=match):
        Network.from_layers([(W, b), (np.ones((1, 2)), [0.0])])


def test_layer_must_be_a_pair():
    with pytest.raises(InvalidNetwork, match=r"layer 1 must be a pair \(W, b\)"):
        Network.from_layers([(np.eye(2), np.zeros(2)), np.ones((1, 2))])


@pytest.mark.parametrize("alpha", [-0.1, 1.0, np.nan])
def test_negative_slope_range(alpha):
    with pytest.raises(InvalidNetwork, match=r"negative_slope must lie in \[0, 1\)"):
        Network.from_layers(_layers([2, 3, 1]), negative_slope=alpha)


def test_bool_and_int_arrays_cast_exactly():
    net = Network.from_layers([(np.array([[True, False]]), np.array([3], dtype=np.int8)),
                               (np.array([[2**52]], dtype=np.uint64), [0])])
    assert net.weights[0].dtype == np.float64
    assert net.weights[0].tolist() == [[1.0, 0.0]] and net.weights[1].tolist() == [[2.0**52]]
    assert net.biases[0].tolist() == [3.0]


@pytest.mark.parametrize(
    "alpha, match",
    [
        ([0.1, 0.2], r"negative_slope must be a real scalar, got an array of shape \(2,\)"),
        (np.array([0.1]), r"negative_slope must be a real scalar, got an array of shape \(1,\)"),
        (0.1 + 0.5j, r"negative_slope must be a real scalar, got complex"),
        (np.complex128(0.1), r"negative_slope must be a real scalar, got complex"),
        ("0.1", r"negative_slope must be a real scalar, got the string '0.1'"),
        (None, r"negative_slope must be a real scalar, got Python objects"),
    ],
)
def test_negative_slope_must_be_a_real_scalar(alpha, match):
    with pytest.raises(InvalidNetwork, match=match):
        Network.from_layers(_layers([2, 3, 1]), negative_slope=alpha)


def test_negative_slope_in_file_checked(tmp_path):
    path = tmp_path / "net.npz"
    np.savez(path, W0=np.eye(2), b0=np.zeros(2), W1=np.ones((1, 2)), b1=np.zeros(1),
             negative_slope=np.array([0.1, 0.2]))
    with pytest.raises(InvalidNetwork, match="negative_slope must be a real scalar"):
        polyreg.load(path)
    np.savez(path, W0=np.eye(2), b0=np.zeros(2), W1=np.ones((1, 2)), b1=np.zeros(1),
             negative_slope=np.array(0.1 + 1j))
    with pytest.raises(InvalidNetwork, match="negative_slope must be a real scalar, got complex"):
        polyreg.load(path)


def test_complex_weights_in_file_exit_2(tmp_path, capsys):
    from polyreg.cli import main

    path = tmp_path / "net.npz"
    np.savez(path, W0=np.eye(2) * (1 + 0j), b0=np.zeros(2), W1=np.ones((1, 2)), b1=np.zeros(1))
    assert main(["count", str(path), "--box", "-1", "1"]) == 2
    assert "W0 must hold real numbers, got an array of dtype complex128" in capsys.readouterr().err


def test_invalid_network_is_a_value_error():
    assert issubclass(InvalidNetwork, ValueError)
    assert issubclass(InvalidNetwork, polyreg.PolyregError)


# ---------------------------------------------------------------------------- files
def test_missing_b1_in_npz(data_dir):
    with pytest.raises(InvalidNetwork, match=r"missing_b1\.npz': missing array\(s\) b1"):
        polyreg.load(data_dir / "missing_b1.npz")


def test_missing_array_in_written_npz(tmp_path):
    path = tmp_path / "net.npz"
    np.savez(path, W0=np.ones((2, 2)), b0=np.zeros(2), W1=np.ones((1, 2)))
    with pytest.raises(InvalidNetwork, match=r"missing array\(s\) b1"):
        Network.load(path)


def test_extra_unexpected_array(tmp_path):
    path = tmp_path / "net.npz"
    np.savez(path, W0=np.ones((2, 2)), b0=np.zeros(2), W1=np.ones((1, 2)), b1=np.zeros(1),
             extra=np.zeros(3))
    with pytest.raises(InvalidNetwork, match=r"net\.npz': unexpected array\(s\) extra"):
        Network.load(path)


def test_non_existent_file(tmp_path):
    path = tmp_path / "nowhere.npz"
    with pytest.raises(InvalidNetwork, match=r"network file .*nowhere\.npz.* does not exist"):
        Network.load(path)


def test_non_npz_file(data_dir):
    with pytest.raises(InvalidNetwork, match=r"cannot read .*not_a_network\.npz.* as an \.npz archive"):
        polyreg.load(data_dir / "not_a_network.npz")


def test_nan_in_file_is_reported(tmp_path):
    path = tmp_path / "nan.npz"
    np.savez(path, W0=np.array([[1.0, np.nan]]), b0=np.zeros(1), W1=np.ones((1, 1)),
             b1=np.zeros(1))
    with pytest.raises(InvalidNetwork, match=r"W0 has 1 non-finite value\(s\), first at \(0, 1\)"):
        Network.load(path)


def test_load_committed_file(data_dir):
    net = polyreg.load(data_dir / "hand_2d.npz")
    assert net.widths == (2, 3, 1)
    np.testing.assert_array_equal(net.weights[0], [[1, 0], [0, 1], [1, 1]])
    np.testing.assert_array_equal(net.biases[0], [0, 0, -0.5])


@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_save_load_round_trip(tmp_path, alpha):
    net = Network.from_layers(_layers([3, 5, 4, 2], seed=7), negative_slope=alpha)
    path = tmp_path / "round.npz"
    net.save(path)
    back = Network.load(path)
    assert back.widths == net.widths
    assert back.negative_slope == alpha
    for a, b in zip(net.weights + net.biases, back.weights + back.biases, strict=True):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(0).normal(size=(10, 3))
    np.testing.assert_array_equal(back.forward(x), net.forward(x))
    # the atomic write leaves no temporary file behind
    assert [p.name for p in tmp_path.iterdir()] == ["round.npz"]


def test_arrays_are_read_only():
    net = Network.from_layers(_layers([2, 3, 1]))
    with pytest.raises(ValueError):
        net.weights[0][0, 0] = 1.0


# ---------------------------------------------------------------------------- shape helpers
def test_widths_offsets_and_names():
    net = Network.from_layers(_layers([3, 4, 2, 5, 1]))
    assert net.widths == (3, 4, 2, 5, 1)
    assert net.hidden_widths == (4, 2, 5)
    assert net.n_hidden == 11
    assert net.n_inputs == 3 and net.n_outputs == 1
    assert net.layer_offsets == (0, 4, 6, 11)
    assert [net.neuron_name(k) for k in (0, 3, 4, 5, 6, 10)] == [
        "1:0", "1:3", "2:0", "2:1", "3:0", "3:4"
    ]


def test_points_of_wrong_dimension():
    net = Network.from_layers(_layers([3, 4, 1]))
    with pytest.raises(ValueError, match=r"points have 2 coordinates but the network takes 3"):
        net.forward(np.zeros(2))


def test_pattern_of_wrong_length():
    net = Network.from_layers(_layers([3, 4, 1]))
    with pytest.raises(ValueError, match=r"pattern has shape \(3,\), expected \(4,\)"):
        net.local_maps(np.zeros(3, dtype=bool))


def test_pattern_is_strictly_positive_preactivation():
    net = net_from(([[1.0], [-1.0], [0.0]], [0.0, 0.0, 0.0]), ([[1.0, 1.0, 1.0]], [0.0]))
    assert net.pattern(np.array([0.0])).tolist() == [False, False, False]
    assert net.pattern(np.array([2.0])).tolist() == [True, False, False]
    assert net.pattern(np.array([[-2.0], [2.0]])).tolist() == [
        [False, True, False], [True, False, False]
    ]


# ---------------------------------------------------------------------------- consistency
def _check_local_maps(net, x):
    """At every point of ``x``, the local maps of its pattern reproduce the pre-activations
    and the output (absolute tolerance ATOL_MAPS, weights of order 1)."""
    pats = net.pattern(x)
    z_all = np.concatenate(net.preactivations(x), axis=-1)
    out = net.forward(x)
    for xi, p, z, f in zip(x, pats, z_all, out, strict=True):
        maps = net.local_maps(p)
        assert maps.G.shape == (net.n_hidden, net.n_inputs)
        assert maps.out_W.shape == (net.n_outputs, net.n_inputs)
        np.testing.assert_allclose(maps.G @ xi + maps.c, z, rtol=0, atol=ATOL_MAPS)
        np.testing.assert_allclose(maps.out_W @ xi + maps.out_b, f, rtol=0, atol=ATOL_MAPS)


@pytest.mark.parametrize(
    "widths", [[1, 3, 1], [2, 5, 1], [3, 4, 4, 2], [5, 8, 6, 4, 3], [4, 2, 2, 2, 2, 1]]
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_local_maps_reproduce_forward(widths, seed):
    net = polyreg.random_network(widths, seed=seed)
    x = np.random.default_rng(seed + 100).normal(size=(50, widths[0])) * 2
    _check_local_maps(net, x)


@pytest.mark.parametrize("alpha", [0.01, 0.3])
def test_local_maps_leaky(alpha):
    base = polyreg.random_network([3, 6, 5, 2], seed=3)
    net = Network(base.weights, base.biases, alpha)
    x = np.random.default_rng(4).normal(size=(50, 3))
    _check_local_maps(net, x)
    # the leaky network agrees with its own definition
    z = x @ net.weights[0].T + net.biases[0]
    a = np.where(z > 0, z, alpha * z)
    z = a @ net.weights[1].T + net.biases[1]
    a = np.where(z > 0, z, alpha * z)
    np.testing.assert_allclose(net.forward(x), a @ net.weights[2].T + net.biases[2], atol=1e-12)


@given(
    widths=st.lists(st.integers(1, 6), min_size=2, max_size=4),
    d=st.integers(1, 5),
    seed=st.integers(0, 2**31 - 1),
)
def test_local_maps_property(widths, d, seed):
    net = polyreg.random_network([d, *widths], seed=seed)
    x = np.random.default_rng(seed).normal(size=(8, d))
    _check_local_maps(net, x)


def test_forward_matches_hand_computation():
    net = net_from(([[1.0, -1.0], [2.0, 0.5]], [0.5, -1.0]), ([[1.0, -2.0]], [0.25]))
    x = np.array([1.0, 2.0])
    h = np.maximum([1.0 - 2.0 + 0.5, 2.0 + 1.0 - 1.0], 0)  # [0, 2]
    assert net.forward(x).tolist() == [h[0] - 2 * h[1] + 0.25]
    assert net.pattern(x).tolist() == [False, True]


def test_random_network_is_reproducible():
    a = polyreg.random_network([3, 4, 1], seed=5)
    b = polyreg.random_network([3, 4, 1], seed=5)
    c = polyreg.random_network([3, 4, 1], seed=6)
    np.testing.assert_array_equal(a.weights[0], b.weights[0])
    assert not np.array_equal(a.weights[0], c.weights[0])
