"""PyTorch import: forward equality (1,000 random inputs, float64, relative error < 1e-6) and
patterns equal to the model's own ReLU masks (forward hooks), for every supported layer and
combinations; TorchScript and state_dict; exact region counts of a convolution against its
dense equivalent; refusals."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

import polyreg
from polyreg.io import from_state_dict, from_torch

N_POINTS = 1000

pytestmark = [
    pytest.mark.filterwarnings("ignore:`torch.jit.*is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning"),
]


def randomise_bn(model: nn.Module, seed: int = 0) -> nn.Module:
    """Non-trivial running statistics and affine parameters for every BatchNorm."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=g))
            m.running_var.copy_(torch.rand(n, generator=g) * 1.5 + 0.5)
            if m.affine:
                m.weight.data.copy_(torch.randn(n, generator=g))
                m.bias.data.copy_(torch.randn(n, generator=g))
    return model


def relu_masks(model: nn.Module, x: torch.Tensor) -> np.ndarray | None:
    """The masks ``input > 0`` of every ReLU/LeakyReLU module, in execution order."""
    masks: list[np.ndarray] = []

    def hook(_mod, inputs, _out):
        masks.append((inputs[0] > 0).reshape(inputs[0].shape[0], -1).numpy())

    handles = [
        m.register_forward_hook(hook)
        for m in model.modules()
        if isinstance(m, (nn.ReLU, nn.LeakyReLU, nn.PReLU))
    ]
    with torch.no_grad():
        model(x)
    for h in handles:
        h.remove()
    return np.concatenate(masks, axis=1) if masks else None


def check_equal(model: nn.Module, input_shape, seed: int = 0, patterns: bool = True):
    torch.manual_seed(seed)
    model = randomise_bn(model, seed).double().eval()
    net = from_torch(model, input_shape)
    x = torch.randn(
        N_POINTS,
        *input_shape,
        dtype=torch.float64,
        generator=torch.Generator().manual_seed(seed + 1),
    )
    with torch.no_grad():
        want = model(x).reshape(N_POINTS, -1).numpy()
    flat = x.reshape(N_POINTS, -1).numpy()
    got = net.forward(flat)
    assert got.shape == want.shape
    rel = np.max(np.abs(got - want)) / max(np.max(np.abs(want)), 1e-300)
    assert rel < 1e-6, rel
    if patterns:
        masks = relu_masks(model, x)
        np.testing.assert_array_equal(net.pattern(flat), masks)
    return net


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.out = nn.Linear(4, 1)

    def forward(self, x):
        return self.out(x + torch.relu(self.fc(x)))


class ViewNet(nn.Module):
    """A custom forward: functional ReLU, x.view(x.size(0), -1), arithmetic by constants."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3, padding=1)
        self.fc = nn.Linear(3 * 4 * 4, 5)
        self.head = nn.Linear(5, 2)
        self.register_buffer("shift", torch.linspace(-1, 1, 5))

    def forward(self, x):
        x = torch.relu(2.0 * self.conv(x) - 0.5)
        x = x.view(x.size(0), -1)
        x = nn.functional.relu(self.fc(x) + self.shift)
        return self.head(x) / 3.0


MODELS = {
    "mlp": (
        lambda: nn.Sequential(
            nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 6), nn.ReLU(), nn.Linear(6, 2)
        ),
        (3,),
    ),
    "leaky_mlp": (
        lambda: nn.Sequential(
            nn.Linear(3, 8),
            nn.LeakyReLU(0.1),
            nn.Dropout(0.5),
            nn.Linear(8, 2),
            nn.LeakyReLU(0.1),
            nn.Identity(),
            nn.Linear(2, 1),
        ),
        (3,),
    ),
    "prelu": (lambda: nn.Sequential(nn.Linear(3, 5), nn.PReLU(init=0.3), nn.Linear(5, 1)), (3,)),
    "bn1d_before_and_after_relu": (
        lambda: nn.Sequential(
            nn.Linear(4, 6),
            nn.BatchNorm1d(6),
            nn.ReLU(),
            nn.BatchNorm1d(6, affine=False),
            nn.Linear(6, 3),
            nn.ReLU(),
            nn.Linear(3, 2),
        ),
        (4,),
    ),
    "conv1d_stride_dilation_groups": (
        lambda: nn.Sequential(
            nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2),
            nn.BatchNorm1d(6),
            nn.ReLU(),
            nn.AvgPool1d(2, padding=1, count_include_pad=False),
            nn.Flatten(),
            nn.Linear(6 * 3, 2),
        ),
        (4, 9),
    ),
    "conv2d_reflect": (
        lambda: nn.Sequential(
            nn.Conv2d(2, 4, 3, stride=(2, 1), padding=(1, 2), padding_mode="reflect"),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(4 * 4 * 8, 3),
        ),
        (2, 7, 6),
    ),
    "conv2d_replicate_circular": (
        lambda: nn.Sequential(
            nn.Conv2d(2, 4, (3, 2), padding=1, padding_mode="replicate"),
            nn.ReLU(),
            nn.Conv2d(4, 4, 2, padding=1, padding_mode="circular", groups=4, bias=False),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(4 * 6 * 5, 2),
        ),
        (2, 5, 3),
    ),
    "conv2d_same_dilation": (
        lambda: nn.Sequential(
            nn.Conv2d(3, 4, (3, 4), padding="same", dilation=(2, 1)),
            nn.BatchNorm2d(4),
            nn.ReLU(),
            nn.AvgPool2d(2, ceil_mode=True),
            nn.Flatten(),
            nn.Linear(4 * 3 * 3, 3),
        ),
        (3, 5, 6),
    ),
    "avgpool2d_padding_divisor": (
        lambda: nn.Sequential(
            nn.Conv2d(1, 3, 2),
            nn.ReLU(),
            nn.AvgPool2d(3, stride=2, padding=1, divisor_override=5),
            nn.AvgPool2d((2, 1), count_include_pad=False),
            nn.Flatten(),
            nn.Linear(3 * 1 * 3, 2),
        ),
        (1, 6, 6),
    ),
    "adaptive_unflatten_nested": (
        lambda: nn.Sequential(
            nn.Flatten(),
            nn.Linear(12, 24),
            nn.Unflatten(1, (2, 3, 4)),
            nn.Sequential(nn.ReLU(), nn.AdaptiveAvgPool2d((2, 3))),
            nn.Flatten(),
            nn.Linear(12, 2),
        ),
        (3, 4),
    ),
    "relu_first_relu_twice_relu_last": (
        lambda: nn.Sequential(
            nn.ReLU(), nn.Linear(3, 4), nn.ReLU(), nn.ReLU(), nn.Linear(4, 2), nn.ReLU()
        ),
        (3,),
    ),
    "bn2d_after_relu_before_conv": (
        lambda: nn.Sequential(
            nn.Conv2d(1, 2, 2),
            nn.ReLU(),
            nn.BatchNorm2d(2),
            nn.Conv2d(2, 2, 2, stride=2),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(2 * 2 * 2, 1),
        ),
        (1, 5, 5),
    ),
    "linear_on_last_axis": (
        lambda: nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(6, 2)),
        (2, 4),
    ),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_forward_and_patterns(name):
    build, shape = MODELS[name]
    net = check_equal(build(), shape)
    n_act = sum(isinstance(m, (nn.ReLU, nn.LeakyReLU, nn.PReLU)) for m in build().modules())
    assert len(net.hidden_widths) == n_act


def test_leaky_slope_kept():
    net = check_equal(MODELS["leaky_mlp"][0](), (3,))
    assert net.negative_slope == pytest.approx(0.1)


def test_custom_forward_through_fx():
    check_equal(ViewNet(), (2, 4, 4), patterns=False)


def test_torchscript_sequential_equals_eager():
    model = MODELS["conv2d_same_dilation"][0]()
    model = randomise_bn(model).double().eval()
    eager = from_torch(model, (3, 5, 6))
    scripted = from_torch(torch.jit.script(model), (3, 5, 6))
    for a, b in zip(eager.weights + eager.biases, scripted.weights + scripted.biases, strict=True):
        np.testing.assert_array_equal(a, b)


def test_state_dict_equals_module():
    model = randomise_bn(
        nn.Sequential(
            nn.Conv2d(2, 4, 3, stride=2, padding=1, groups=2),
            nn.BatchNorm2d(4),
            nn.LeakyReLU(0.05),
            nn.AvgPool2d(2),
            nn.Flatten(),
            nn.Linear(4 * 2 * 2, 3),
            nn.LeakyReLU(0.05),
            nn.Linear(3, 1),
        )
    ).eval()
    arch = [
        {"type": "conv2d", "name": "0", "stride": 2, "padding": 1},  # groups inferred
        {"type": "batchnorm2d", "name": "1"},
        {"type": "leaky_relu", "negative_slope": 0.05},
        {"type": "avgpool2d", "kernel_size": 2},
        "flatten",
        {"type": "linear", "name": "5"},
        {"type": "leaky_relu", "negative_slope": 0.05},
        {"type": "linear", "name": "7"},
    ]
    a = from_state_dict(model.state_dict(), arch, (2, 8, 8))
    b = from_torch(model, (2, 8, 8))
    x = np.random.default_rng(0).normal(size=(N_POINTS, 128))
    np.testing.assert_allclose(a.forward(x), b.forward(x), rtol=1e-12, atol=1e-12)
    # numpy arrays work as well, and the input shape of an MLP is inferred
    mlp = MODELS["mlp"][0]().double()
    sd = {k: v.numpy() for k, v in mlp.state_dict().items()}
    net = from_state_dict(
        sd,
        [
            {"type": "linear", "name": "0"},
            "relu",
            {"type": "linear", "name": "2"},
            "relu",
            {"type": "linear", "name": "4"},
        ],
    )
    with torch.no_grad():
        want = mlp(torch.from_numpy(x[:, :3])).numpy()
    np.testing.assert_allclose(net.forward(x[:, :3]), want, rtol=1e-9)


def test_state_dict_errors():
    sd = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)).state_dict()
    with pytest.raises(polyreg.InvalidNetwork, match="not used by the architecture: 2.bias"):
        from_state_dict(
            sd, [{"type": "linear", "name": "0"}, "relu", {"type": "linear", "name": "0"}]
        )
    with pytest.raises(polyreg.InvalidNetwork, match="state_dict has no '9.weight'"):
        from_state_dict(sd, [{"type": "linear", "name": "9"}, "relu"])
    with pytest.raises(
        polyreg.InvalidNetwork,
        match=r"architecture\[1\] \(maxpool2d\) is not "
        "piecewise affine",
    ):
        from_state_dict(sd, [{"type": "linear", "name": "0"}, "maxpool2d"])
    with pytest.raises(polyreg.InvalidNetwork, match="needs the 'name'"):
        from_state_dict(sd, [{"type": "linear"}])
    with pytest.raises(polyreg.InvalidNetwork, match="input_shape is needed"):
        from_state_dict({}, ["relu"])


# ---------------------------------------------------------------------------- region counts
def dense_conv1d(w: np.ndarray, b: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Conv1d (1 input channel, stride 1, no padding) written out as a dense matrix."""
    c_out, _, k = w.shape
    n_out = length - k + 1
    W = np.zeros((c_out * n_out, length))
    for c in range(c_out):
        for o in range(n_out):
            W[c * n_out + o, o : o + k] = w[c, 0]
    return W, np.repeat(b, n_out)


def dense_conv2d_pad1(w: np.ndarray, b: float, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Conv2d (1 -> 1 channel, 2x2 kernel, padding 1) on a size x size input, by hand."""
    n_out = size + 1
    W = np.zeros((n_out * n_out, size * size))
    for i in range(n_out):
        for j in range(n_out):
            for di in range(2):
                for dj in range(2):
                    r, c = i + di - 1, j + dj - 1
                    if 0 <= r < size and 0 <= c < size:
                        W[i * n_out + j, r * size + c] = w[di, dj]
    return W, np.full(n_out * n_out, b)


def test_conv1d_region_count_equals_dense_equivalent():
    torch.manual_seed(3)
    model = nn.Sequential(nn.Conv1d(1, 2, 2), nn.ReLU(), nn.Flatten(), nn.Linear(4, 1)).double()
    net = from_torch(model, (1, 3))
    w = model[0].weight.detach().numpy()
    b = model[0].bias.detach().numpy()
    W0, b0 = dense_conv1d(w, b, 3)
    hand = polyreg.Network.from_layers(
        [(W0, b0), (model[3].weight.detach().numpy(), model[3].bias.detach().numpy())]
    )
    np.testing.assert_array_equal(net.weights[0], hand.weights[0])
    box = polyreg.Box([-1.0] * 3, [1.0] * 3)
    n = polyreg.count_regions(net, box)
    assert n == polyreg.count_regions(hand, box)
    assert n > 4


def test_conv2d_region_count_equals_dense_equivalent():
    model = nn.Sequential(
        nn.Conv2d(1, 1, 2, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(9, 1)
    ).double()
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[[[1.0, -2.0], [0.5, 1.5]]]]))
        model[0].bias.fill_(0.25)
    net = from_torch(model, (1, 2, 2))
    W0, b0 = dense_conv2d_pad1(np.array([[1.0, -2.0], [0.5, 1.5]]), 0.25, 2)
    hand = polyreg.Network.from_layers(
        [(W0, b0), (model[3].weight.detach().numpy(), model[3].bias.detach().numpy())]
    )
    np.testing.assert_array_equal(net.weights[0], W0)
    box = polyreg.Box([-1.0] * 4, [1.0] * 4)
    n = polyreg.count_regions(net, box)
    assert n == polyreg.count_regions(hand, box)
    assert n > 9


# ---------------------------------------------------------------------------- refusals
@pytest.mark.parametrize(
    "layer, match",
    [
        (lambda: nn.MaxPool2d(2), r"layer '2' \(MaxPool2d\) is not piecewise affine.*max-pooling"),
        (lambda: nn.Sigmoid(), r"layer '2' \(Sigmoid\) is not piecewise affine.*sigmoid is smooth"),
        (lambda: nn.Tanh(), r"layer '2' \(Tanh\) is not piecewise affine"),
        (lambda: nn.Softmax(dim=1), r"layer '2' \(Softmax\).*softmax"),
        (lambda: nn.GroupNorm(1, 2), r"layer '2' \(GroupNorm\).*divides"),
        (lambda: nn.Hardtanh(), r"layer '2' \(Hardtanh\).*two kinks"),
        (
            lambda: nn.Upsample(scale_factor=2),
            r"layer '2' \(Upsample\) is not supported; supported:",
        ),
    ],
)
def test_refuses_layers(layer, match):
    model = nn.Sequential(nn.Conv2d(1, 2, 2), nn.ReLU(), layer(), nn.Flatten())
    with pytest.raises(polyreg.InvalidNetwork, match=match):
        from_torch(model.eval(), (1, 4, 4))


def test_refuses_attention():
    class Attn(nn.Module):
        def __init__(self):
            super().__init__()
            self.att = nn.MultiheadAttention(4, 1, batch_first=True)

        def forward(self, x):
            return self.att(x, x, x)[0]

    with pytest.raises(polyreg.InvalidNetwork, match="attention"):
        from_torch(Attn().eval(), (3, 4))


def test_refuses_residual():
    with pytest.raises(
        polyreg.InvalidNetwork,
        match=r"node 'add' \(add\) combines the tensors "
        r"'x', 'relu': a residual connection",
    ):
        from_torch(Residual(), (4,))


def test_refuses_functional_sigmoid():
    class F(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            return torch.sigmoid(self.fc(x))

    with pytest.raises(
        polyreg.InvalidNetwork,
        match=r"node 'sigmoid' \(sigmoid\) is not "
        "piecewise affine",
    ):
        from_torch(F(), (2,))


def test_refuses_training_mode_and_slopes():
    with pytest.raises(
        polyreg.InvalidNetwork,
        match=r"layer '1' \(BatchNorm1d\) is in training "
        r"mode.*model.eval\(\)",
    ):
        from_torch(nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2), nn.ReLU()), (2,))
    with pytest.raises(polyreg.InvalidNetwork, match=r"layer '2' \(Dropout\) is in training mode"):
        from_torch(nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Dropout()), (2,))
    with pytest.raises(
        polyreg.InvalidNetwork,
        match=r"layer '3' \(LeakyReLU\): negative slope "
        r"0.2 differs from 0.0 of layer '1' \(ReLU\)",
    ):
        from_torch(
            nn.Sequential(
                nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2), nn.LeakyReLU(0.2), nn.Linear(2, 1)
            ),
            (2,),
        )
    with pytest.raises(polyreg.InvalidNetwork, match="3 slopes"):
        from_torch(nn.Sequential(nn.Linear(2, 3), nn.PReLU(3), nn.Linear(3, 1)), (2,))
    with pytest.raises(polyreg.InvalidNetwork, match="no ReLU or LeakyReLU"):
        from_torch(nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1)), (2,))
    with pytest.raises(polyreg.InvalidNetwork, match="track_running_stats=False"):
        from_torch(
            nn.Sequential(
                nn.Linear(2, 2), nn.BatchNorm1d(2, track_running_stats=False), nn.ReLU()
            ).eval(),
            (2,),
        )


def test_refuses_shapes_and_torchscript_forms():
    with pytest.raises(polyreg.InvalidNetwork, match=r"layer '0' \(Linear\): takes 3 features"):
        from_torch(nn.Sequential(nn.Linear(3, 2), nn.ReLU()), (4,))
    with pytest.raises(polyreg.InvalidNetwork, match="needs an input"):
        from_torch(nn.Sequential(nn.Conv2d(1, 1, 2), nn.ReLU()), (1, 4))
    model = nn.Sequential(nn.Conv2d(1, 1, 2, stride=2), nn.ReLU())
    traced = torch.jit.trace(model, torch.zeros(1, 1, 4, 4))
    with pytest.raises(polyreg.InvalidNetwork, match="does not keep its attribute 'stride'"):
        from_torch(traced, (1, 4, 4))
    with pytest.raises(polyreg.InvalidNetwork, match="is a ViewNet, not a Sequential"):
        from_torch(torch.jit.script(ViewNet()), (2, 4, 4))
    with pytest.raises(polyreg.InvalidNetwork, match="flattening from dimension 0"):
        from_torch(nn.Sequential(nn.Flatten(0), nn.ReLU()), (2,))


def test_input_shape_from_first_linear():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 3)).eval()
    net = from_torch(model)
    assert net.widths == (4, 6, 3)
    assert net.widths == from_torch(model, (4,)).widths
    conv = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                               torch.nn.Linear(8, 1)).eval()
    with pytest.raises(polyreg.InvalidNetwork, match="input_shape is needed"):
        from_torch(conv)


def test_default_onnx_export_with_onnxscript(tmp_path):
    """torch 2.13's default (dynamo) ONNX export needs onnxscript (in the ``onnx`` extra);
    without it, ``dynamo=False`` exports as the README shows (test_io_onnx covers that)."""
    pytest.importorskip("onnxscript")
    pytest.importorskip("onnx")
    from polyreg.io import from_onnx

    model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)).eval()
    path = tmp_path / "m.onnx"
    torch.onnx.export(model, (torch.randn(1, 3),), str(path))
    net = from_onnx(str(path))
    x = torch.randn(10, 3)
    with torch.no_grad():
        want = model(x).numpy()
    np.testing.assert_allclose(net.forward(x.numpy().astype(float)), want, rtol=1e-4, atol=1e-5)
