"""Shared machinery of the importers: exact affine operators and the chain that composes them.

Every importer walks its model layer by layer and calls :class:`Chain`: affine layers
(dense, convolution, pooling, batch normalisation, reshapes) are composed exactly in float64
into one pending affine map over the flattened input; an activation closes that map into a
hidden layer of the :class:`~polyreg.network.Network`. Convolutions and poolings become
sparse matrices over the flattened (C order) tensor, built by index arithmetic.
"""

from __future__ import annotations

from math import prod
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import sparse

from ..errors import InvalidNetwork
from ..network import Network, real_array, real_scalar

#: padding modes of a convolution: how an index outside ``[0, size)`` reads the input
PAD_MODES = ("zeros", "reflect", "replicate", "circular")


def missing_extra(package: str, extra: str, exc: ImportError) -> ImportError:
    """The error raised when an optional dependency is absent."""
    return ImportError(
        f"this importer needs the optional package {package!r}: "
        f"pip install 'polyreg[{extra}]' (or pip install {package})"
    )


def require(package: str, extra: str, *submodules: str) -> Any:
    """The optional dependency ``package`` (and its ``submodules``), imported on first use; a
    clear :class:`ImportError` naming the extra to install when it is absent.

    Examples
    --------
    >>> require("json", "none").__name__
    'json'
    >>> require("no_such_package_polyreg", "torch")
    Traceback (most recent call last):
    ...
    ImportError: this importer needs the optional package 'no_such_package_polyreg': ...
    """
    try:  # __import__, as an import statement: goes through builtins.__import__ every time
        module = __import__(package)
        for name in submodules:
            __import__(f"{package}.{name}")
    except ImportError as exc:
        raise missing_extra(package, extra, exc) from exc
    return module


def to_numpy(value: Any, name: str) -> np.ndarray:
    """A float64 copy of an array-like, a torch tensor or a jax array."""
    if hasattr(value, "detach"):  # torch.Tensor, without importing torch
        value = value.detach().cpu()
        if value.is_complex():
            raise InvalidNetwork(f"{name} must hold real numbers, got a complex tensor")
        if value.is_floating_point():
            value = value.double()  # bfloat16 has no numpy dtype
        value = value.numpy()
    arr = real_array(value, name)
    if not np.all(np.isfinite(arr)):
        raise InvalidNetwork(f"{name} has non-finite values")
    return arr


def as_tuple(value: Any, n: int, name: str) -> tuple[int, ...]:
    """``3`` or ``(3, 3)`` -> a tuple of ``n`` ints."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    out = tuple(int(v) for v in value)
    if len(out) == 1 and n > 1:
        out = out * n
    if len(out) != n:
        raise InvalidNetwork(f"{name} has {len(out)} entries, expected {n}")
    return out


# ---------------------------------------------------------------------------- index maps
def _pad_index(p: np.ndarray, size: int, mode: str) -> np.ndarray:
    """Input index read at (possibly out-of-range) coordinate ``p``; -1 reads a zero."""
    if mode == "zeros":
        return np.where((p >= 0) & (p < size), p, -1)
    if mode == "replicate":
        return np.clip(p, 0, size - 1)
    if mode == "circular":
        return np.mod(p, size)
    if mode == "reflect":
        if size == 1:
            return np.zeros_like(p)
        period = 2 * (size - 1)
        q = np.mod(p, period)
        return np.where(q < size, q, period - q)
    raise InvalidNetwork(f"padding mode {mode!r} is not one of {', '.join(PAD_MODES)}")


def out_size(
    size: int,
    kernel: int,
    stride: int,
    pad: tuple[int, int],
    dilation: int,
    ceil_mode: bool,
    where: str,
) -> int:
    """Output length of a window op (PyTorch's rule, also ONNX's for ``ceil_mode``)."""
    span = dilation * (kernel - 1) + 1
    total = size + pad[0] + pad[1] - span
    if total < 0:
        raise InvalidNetwork(
            f"{where}: the window ({span} wide) is larger than the padded input ({size} + "
            f"{pad[0] + pad[1]})"
        )
    if ceil_mode:
        n = -(-total // stride) + 1
        if (n - 1) * stride >= size + pad[0]:  # the last window would start inside the padding
            n -= 1
    else:
        n = total // stride + 1
    return n


def conv_matrix(
    weight: np.ndarray,
    in_shape: Sequence[int],
    *,
    stride: Sequence[int],
    pads: Sequence[tuple[int, int]],
    dilation: Sequence[int],
    groups: int,
    pad_mode: str = "zeros",
    where: str = "convolution",
) -> tuple[sparse.csr_array, tuple[int, ...]]:
    """The cross-correlation of PyTorch/ONNX as a sparse matrix over the flattened input.

    Parameters
    ----------
    weight : ndarray, shape (C_out, C_in / groups, k_1, ..., k_n)
    in_shape : (C_in, s_1, ..., s_n)
    stride, dilation : n ints
    pads : n pairs (begin, end)
    groups : int
    pad_mode : {"zeros", "reflect", "replicate", "circular"}

    Returns
    -------
    matrix : csr_array, shape (C_out * prod(out), C_in * prod(s))
    out_shape : (C_out, o_1, ..., o_n)

    Notes
    -----
    One nonzero per (output, kernel tap) that reads the input: ``O(C_out * C_in / groups *
    prod(out) * prod(k))`` time and memory. Taps that read the same input (reflect padding)
    are summed.

    Examples
    --------
    >>> import numpy as np
    >>> M, shape = conv_matrix(np.ones((1, 1, 2)), (1, 3), stride=[1], pads=[(0, 0)],
    ...                        dilation=[1], groups=1)
    >>> shape, M.toarray().tolist()
    ((1, 2), [[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]])
    """
    weight = np.asarray(weight, dtype=np.float64)
    c_out, c_group = weight.shape[:2]
    kernel = weight.shape[2:]
    n = len(kernel)
    c_in, spatial = int(in_shape[0]), tuple(int(s) for s in in_shape[1:])
    if len(spatial) != n:
        raise InvalidNetwork(
            f"{where}: a {n}-d convolution needs an input (C, {n} spatial sizes), "
            f"got shape {tuple(in_shape)}"
        )
    if groups < 1 or c_in % groups or c_out % groups or c_in // groups != c_group:
        raise InvalidNetwork(
            f"{where}: {c_in} input channels, {c_out} output channels and groups={groups} "
            f"do not match a weight of shape {weight.shape}"
        )
    outs = tuple(
        out_size(spatial[d], kernel[d], stride[d], (pads[d][0], pads[d][1]), dilation[d], False, where)
        for d in range(n)
    )
    # axes: (c_out, c_group, o_1..o_n, k_1..k_n)
    full = (c_out, c_group) + outs + tuple(kernel)
    ndim = len(full)

    def axis(arr: np.ndarray, at: Sequence[int]) -> np.ndarray:
        shape = [1] * ndim
        for a, s in zip(at, arr.shape, strict=True):
            shape[a] = s
        return arr.reshape(shape)

    co = axis(np.arange(c_out), [0])
    cg = axis(np.arange(c_group), [1])
    per_group = c_out // groups
    row = co * prod(outs)
    col = ((co // per_group) * c_group + cg) * prod(spatial)
    valid = np.ones((1,) * ndim, dtype=bool)
    o_stride = np.cumprod((1,) + outs[::-1])[::-1][1:]
    s_stride = np.cumprod((1,) + spatial[::-1])[::-1][1:]
    for d in range(n):
        o = np.arange(outs[d])[:, None]
        k = np.arange(kernel[d])[None, :]
        idx = _pad_index(o * stride[d] + k * dilation[d] - pads[d][0], spatial[d], pad_mode)
        row = row + axis(np.arange(outs[d]) * o_stride[d], [2 + d])
        col = col + axis(np.maximum(idx, 0) * s_stride[d], [2 + d, 2 + n + d])
        valid = valid & axis(idx >= 0, [2 + d, 2 + n + d])
    val = axis(weight, [0, 1] + [2 + n + d for d in range(n)])
    row, col, val, valid = np.broadcast_arrays(row, col, val, valid)
    keep = valid & (val != 0)
    shape = (c_out * prod(outs), c_in * prod(spatial))
    M = sparse.coo_array((val[keep], (row[keep], col[keep])), shape=shape).tocsr()
    M.sum_duplicates()
    return M, (c_out,) + outs


def _pool_1d(
    size: int,
    kernel: int,
    stride: int,
    pad: tuple[int, int],
    dilation: int,
    ceil_mode: bool,
    count_include_pad: bool,
    where: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Per output position: the tap-count matrix (out, size) and the divisor count (out,)."""
    n = out_size(size, kernel, stride, pad, dilation, ceil_mode, where)
    p = np.arange(n)[:, None] * stride + np.arange(kernel)[None, :] * dilation - pad[0]
    inside = (p >= 0) & (p < size)
    counts = np.zeros((n, size))
    rows = np.broadcast_to(np.arange(n)[:, None], p.shape)
    np.add.at(counts, (rows[inside], p[inside]), 1.0)
    if count_include_pad:
        div = ((p >= -pad[0]) & (p < size + pad[1])).sum(axis=1)
    else:
        div = inside.sum(axis=1)
    return counts, div.astype(np.float64)


def avgpool_matrix(
    in_shape: Sequence[int],
    *,
    kernel: Sequence[int],
    stride: Sequence[int],
    pads: Sequence[tuple[int, int]],
    dilation: Sequence[int] | None = None,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
    where: str = "average pooling",
) -> tuple[sparse.csr_array, tuple[int, ...]]:
    """Average pooling over every spatial axis of ``(C, s_1, ..., s_n)``, channel by channel.

    The window is a product of intervals and the divisor a product of per-axis counts, so the
    spatial matrix is the Kronecker product of one-axis matrices.

    Examples
    --------
    >>> M, shape = avgpool_matrix((1, 4), kernel=[2], stride=[2], pads=[(0, 0)])
    >>> shape, M.toarray().tolist()
    ((1, 2), [[0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.5, 0.5]])
    """
    c, spatial = int(in_shape[0]), tuple(int(s) for s in in_shape[1:])
    n = len(spatial)
    if len(kernel) != n:
        raise InvalidNetwork(
            f"{where}: a {len(kernel)}-d pooling needs an input (C, {len(kernel)} spatial "
            f"sizes), got shape {tuple(in_shape)}"
        )
    dilation = tuple(dilation) if dilation is not None else (1,) * n
    counts = sparse.csr_array(np.ones((1, 1)))
    divs = np.ones(1)
    outs = []
    for d in range(n):
        cnt, div = _pool_1d(
            spatial[d],
            kernel[d],
            stride[d],
            (pads[d][0], pads[d][1]),
            dilation[d],
            ceil_mode,
            count_include_pad,
            where,
        )
        counts = sparse.kron(counts, sparse.csr_array(cnt), format="csr")
        divs = np.kron(divs, div)
        outs.append(cnt.shape[0])
    if divisor_override:
        divs = np.full_like(divs, float(divisor_override))
    if np.any(divs == 0):
        raise InvalidNetwork(f"{where}: a window lies entirely in the padding")
    spatial_M = sparse.diags_array(1.0 / divs) @ counts
    M = sparse.kron(sparse.eye_array(c), spatial_M, format="csr")
    return M, (c,) + tuple(outs)


def adaptive_avgpool_matrix(
    in_shape: Sequence[int], output_size: Sequence[int | None]
) -> tuple[sparse.csr_array, tuple[int, ...]]:
    """PyTorch's adaptive average pooling (window ``[floor(i S / O), ceil((i + 1) S / O))``).

    Examples
    --------
    >>> M, shape = adaptive_avgpool_matrix((1, 3), [1])
    >>> shape, M.toarray().round(3).tolist()
    ((1, 1), [[0.333, 0.333, 0.333]])
    """
    c, spatial = int(in_shape[0]), tuple(int(s) for s in in_shape[1:])
    if len(output_size) != len(spatial):
        raise InvalidNetwork(
            f"adaptive average pooling: output_size {list(output_size)} has {len(output_size)} "
            f"entries for {len(spatial)} spatial axes"
        )
    M = sparse.csr_array(np.ones((1, 1)))
    outs = []
    for size, o in zip(spatial, output_size, strict=True):
        o = size if o is None else int(o)
        P = np.zeros((o, size))
        for i in range(o):
            lo, hi = (i * size) // o, -(-((i + 1) * size) // o)
            P[i, lo:hi] = 1.0 / (hi - lo)
        M = sparse.kron(M, sparse.csr_array(P), format="csr")
        outs.append(o)
    return sparse.kron(sparse.eye_array(c), M, format="csr"), (c,) + tuple(outs)


def last_axis_matrix(W: np.ndarray, shape: Sequence[int]) -> np.ndarray | sparse.csr_array:
    """``x -> x @ W.T`` applied along the last axis of a tensor of ``shape`` (a dense layer)."""
    lead = prod(shape[:-1])
    W = np.asarray(W, dtype=np.float64)
    if lead == 1:
        return W
    return sparse.kron(sparse.eye_array(lead), sparse.csr_array(W), format="csr")


def transpose_matrix(shape: Sequence[int], axes: Sequence[int]) -> sparse.csr_array:
    """Permutation ``P`` with ``P @ x.ravel() == x.reshape(shape).transpose(axes).ravel()``."""
    n = prod(shape)
    idx = np.arange(n).reshape(tuple(shape)).transpose(tuple(axes)).ravel()
    return sparse.csr_array((np.ones(n), (np.arange(n), idx)), shape=(n, n))


def _compose(A: Any, M: Any) -> Any:  # dense or sparse: Any, as scipy.sparse types @ loosely
    """``A @ M`` for dense or sparse operands; ``None`` is the identity."""
    if M is None:
        return A
    # flags, not issparse() in the conditions: its TypeGuard narrows to a type without ``@``
    a_sparse, m_sparse = sparse.issparse(A), sparse.issparse(M)
    if a_sparse and m_sparse:
        return (A @ M).tocsr()
    if a_sparse:
        return np.asarray(A @ M)
    if m_sparse:
        return np.asarray((M.T @ np.asarray(A).T).T)
    return np.asarray(A) @ np.asarray(M)


def _dense(M: Any) -> np.ndarray:
    is_sparse = sparse.issparse(M)  # a flag: issparse()'s TypeGuard would hide toarray()
    return M.toarray() if is_sparse else np.asarray(M, dtype=np.float64)


class Chain:
    """Compose a model's layers, in order, into a :class:`~polyreg.network.Network`.

    Parameters
    ----------
    input_shape : sequence of int
        Shape of one input (no batch axis); the network's inputs are its C-order flattening.

    Notes
    -----
    Every activation becomes one hidden layer, so a pattern concatenates, activation by
    activation, the masks ``input > 0`` of the model's own ReLU layers. An activation right
    after the input or after another activation gets an identity affine layer in front of
    it; a model ending with an activation gets an identity output layer.

    Examples
    --------
    >>> import numpy as np
    >>> chain = Chain((2,))
    >>> chain.affine(np.array([[1.0, 2.0]]), np.array([0.5]), (1,), "dense")
    >>> chain.activation(0.0, "relu")
    >>> chain.affine(np.array([[3.0]]), None, (1,), "out")
    >>> chain.network().weights[0].tolist(), chain.network().weights[1].tolist()
    ([[1.0, 2.0]], [[3.0]])
    """

    def __init__(self, input_shape: Sequence[int]) -> None:
        shape = tuple(int(s) for s in input_shape)
        if not shape or any(s < 1 for s in shape):
            raise ValueError(f"input_shape must be a tuple of positive sizes, got {input_shape!r}")
        self.input_shape = shape
        self.shape = shape
        self._M: object = None  # pending affine map (None: identity)
        self._c: np.ndarray | None = None
        self._width = prod(shape)  # width of the tensor the pending map reads
        self._layers: list[tuple[np.ndarray, np.ndarray]] = []
        self._slope: float | None = None
        self._slope_where = ""

    @property
    def size(self) -> int:
        """Number of entries of the current tensor."""
        return prod(self.shape)

    def affine(self, A: object, a: np.ndarray | None, out_shape: Sequence[int], where: str) -> None:
        """Apply ``x -> A @ x + a`` (``A`` dense or sparse, shape (prod(out_shape), size))."""
        out_shape = tuple(int(s) for s in out_shape)
        rows, cols = A.shape  # type: ignore[attr-defined]  # dense or sparse: both have .shape
        if cols != self.size or rows != prod(out_shape):
            raise InvalidNetwork(
                f"{where}: takes {cols} values and gives {rows}, but its input has shape "
                f"{self.shape} ({self.size} values)"
            )
        self._M = _compose(A, self._M)
        c = self._c
        if c is not None:
            c = np.asarray(A @ c, dtype=np.float64).ravel()
        if a is not None:
            a = np.broadcast_to(np.asarray(a, dtype=np.float64).ravel(), (rows,))
            c = a.copy() if c is None else c + a
        self._c = c
        self.shape = out_shape

    def conv(
        self, weight: np.ndarray, bias: np.ndarray | None, in_shape: Sequence[int], *,
        stride: Sequence[int], pads: Sequence[tuple[int, int]], dilation: Sequence[int],
        groups: int, where: str, pad_mode: str = "zeros", before: Any = None,
    ) -> tuple[int, ...]:
        """Apply a convolution (:func:`conv_matrix` on ``in_shape``, channels first) and its bias,
        one value per output channel; ``before``, when given, maps the current values to
        ``in_shape`` first (a transpose from channels last). Returns the output shape.

        Examples
        --------
        >>> import numpy as np
        >>> chain = Chain((1, 3))
        >>> chain.conv(np.ones((1, 1, 2)), np.array([0.5]), (1, 3), stride=[1], pads=[(0, 0)],
        ...            dilation=[1], groups=1, where="conv")
        (1, 2)
        """
        M, out = conv_matrix(weight, in_shape, stride=stride, pads=pads, dilation=dilation,
                             groups=groups, pad_mode=pad_mode, where=where)
        if before is not None:
            M = M @ before
        self.affine(M, None if bias is None else np.repeat(bias, prod(out[1:])), out, where)
        return out

    def elementwise(
        self, scale: np.ndarray | float | None, shift: np.ndarray | float | None, where: str
    ) -> None:
        """``x -> scale * x + shift`` with arrays broadcast against the current shape."""
        try:
            s = None if scale is None else np.broadcast_to(scale, self.shape).ravel()
            t = None if shift is None else np.broadcast_to(shift, self.shape).ravel()
        except ValueError as exc:
            raise InvalidNetwork(
                f"{where}: cannot broadcast a constant against the input shape {self.shape}"
            ) from exc
        A = sparse.diags_array(s if s is not None else np.ones(self.size), format="csr")
        self.affine(A, t, self.shape, where)

    def reshape(self, new_shape: Sequence[int], where: str) -> None:
        """A reshape (C order) changes nothing but the shape."""
        new_shape = tuple(int(s) for s in new_shape)
        if prod(new_shape) != self.size:
            raise InvalidNetwork(
                f"{where}: cannot reshape a tensor of shape {self.shape} into {new_shape}"
            )
        self.shape = new_shape

    def activation(self, slope: float, where: str) -> None:
        """ReLU (``slope`` 0) or LeakyReLU: closes the pending affine map into a hidden layer."""
        slope = real_scalar(slope, f"{where}: negative slope")
        if not (np.isfinite(slope) and 0.0 <= slope < 1.0):
            raise InvalidNetwork(
                f"{where}: negative slope {slope!r} is outside [0, 1); polyreg's networks "
                "take ReLU (0) or LeakyReLU with 0 < alpha < 1"
            )
        if self._slope is None:
            self._slope, self._slope_where = slope, where
        elif slope != self._slope:
            raise InvalidNetwork(
                f"{where}: negative slope {slope!r} differs from {self._slope!r} of "
                f"{self._slope_where}; a polyreg Network has one slope for every hidden layer "
                "(mixing ReLU and LeakyReLU, or two LeakyReLU slopes, is not supported)"
            )
        self._layers.append(self._close())

    def _close(self) -> tuple[np.ndarray, np.ndarray]:
        n = self.size
        W = np.eye(n, self._width) if self._M is None else _dense(self._M)
        b = np.zeros(n) if self._c is None else np.array(self._c)
        self._M, self._c, self._width = None, None, n
        return W, b

    def network(self) -> Network:
        """The :class:`~polyreg.network.Network` (flattened input, flattened output)."""
        if not self._layers:
            raise InvalidNetwork(
                "the model has no ReLU or LeakyReLU: it is one affine map, and a polyreg "
                "Network needs at least one hidden layer"
            )
        n = self.size
        W = np.eye(n, self._width) if self._M is None else _dense(self._M)
        b = np.zeros(n) if self._c is None else np.array(self._c)
        return Network.from_layers(self._layers + [(W, b)], negative_slope=self._slope or 0.0)


# ---------------------------------------------------------------------------- refusals
_SOFTMAX = (
    "softmax is smooth (exponentials), not piecewise affine (a final softmax does not change "
    "the arg-max: drop it and import the logits)"
)
_REASONS: tuple[tuple[str, str], ...] = (
    ("adaptivemaxpool", "max-pooling"),
    ("fractionalmaxpool", "max-pooling"),
    ("globalmaxpool", "max-pooling"),
    ("maxpool", "max-pooling"),
    ("maxunpool", "max-unpooling reads the indices of a max-pooling"),
    ("lppool", "power-mean pooling is not piecewise affine"),
    ("logsoftmax", _SOFTMAX),
    ("softmax", _SOFTMAX),
    ("softmin", "softmin is smooth (exponentials), not piecewise affine"),
    ("logsigmoid", "the sigmoid is smooth, not piecewise affine"),
    ("hardsigmoid", "a clamp to an interval has two kinks per unit, not one ReLU"),
    ("sigmoid", "the sigmoid is smooth, not piecewise affine"),
    ("tanhshrink", "tanh is smooth, not piecewise affine"),
    ("hardtanh", "a clamp to an interval has two kinks per unit, not one ReLU"),
    ("relu6", "a clamp to [0, 6] has two kinks per unit, not one ReLU"),
    ("clip", "a clamp to an interval has two kinks per unit, not one ReLU"),
    ("clamp", "a clamp to an interval has two kinks per unit, not one ReLU"),
    ("tanh", "tanh is smooth, not piecewise affine"),
    ("gelu", "GELU is smooth, not piecewise affine"),
    ("silu", "SiLU/swish is smooth, not piecewise affine"),
    ("swish", "SiLU/swish is smooth, not piecewise affine"),
    ("hardswish", "hard-swish is piecewise quadratic, not piecewise affine"),
    ("mish", "Mish is smooth, not piecewise affine"),
    ("selu", "SELU has an exponential branch, not piecewise affine"),
    ("celu", "CELU has an exponential branch, not piecewise affine"),
    ("elu", "ELU has an exponential branch, not piecewise affine"),
    ("softplus", "softplus is smooth, not piecewise affine"),
    ("softsign", "softsign is not piecewise affine"),
    ("exp", "the exponential is not piecewise affine"),
    ("abs", "|x| is piecewise affine but not a ReLU/LeakyReLU layer"),
    ("multiheadattention", "attention multiplies inputs by softmax weights of the inputs"),
    ("attention", "attention multiplies inputs by softmax weights of the inputs"),
    ("transformer", "attention multiplies inputs by softmax weights of the inputs"),
    ("layernorm", "it divides by the standard deviation of its own input"),
    ("groupnorm", "it divides by the standard deviation of its own input"),
    ("instancenorm", "it divides by the standard deviation of its own input"),
    ("lrn", "it divides by a power of its own input"),
    ("localresponsenorm", "it divides by a power of its own input"),
    ("lstm", "recurrent cells gate with sigmoid and tanh"),
    ("gru", "recurrent cells gate with sigmoid and tanh"),
    ("rnn", "recurrent cells apply tanh"),
    ("embedding", "it looks rows up by integer index"),
)


_EXACT = frozenset({"exp", "abs", "clip"})


def refusal_reason(name: str) -> str | None:
    """Why the layer or operation called ``name`` is not piecewise affine, if it is known.

    Examples
    --------
    >>> refusal_reason("MaxPool2d").startswith("max-pooling")
    True
    >>> refusal_reason("Linear") is None
    True
    """
    key = "".join(ch for ch in name.lower() if ch.isalnum())
    for prefix, reason in _REASONS:
        if key == prefix or (prefix not in _EXACT and key.startswith(prefix)):
            if reason == "max-pooling":
                return (
                    "max-pooling takes the maximum of several inputs: its pieces are cut by "
                    "hyperplanes between pairs of inputs, which are not the neurons of a ReLU "
                    "layer, so it is not a polyreg Network (write max(a, b) = a + relu(b - a) "
                    "as layers by hand to analyse it)"
                )
            return reason
    return None


def refuse(where: str, name: str, supported: str) -> InvalidNetwork:
    """The error for an unsupported layer: names it and says why."""
    reason = refusal_reason(name)
    if reason is not None:
        return InvalidNetwork(f"{where} is not piecewise affine in polyreg's sense: {reason}")
    return InvalidNetwork(f"{where} is not supported; supported: {supported}")
