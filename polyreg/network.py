"""Feed-forward piecewise-linear networks: affine layers with ReLU (or LeakyReLU) between them.

A :class:`Network` holds ``W0, b0, W1, b1, ...`` with ``Wk`` shaped ``(out, in)``; every layer
but the last is followed by the activation. A *pattern* is the on/off bit of every hidden
neuron, ``z > 0`` meaning on, concatenated layer after layer.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._files import open_output
from .errors import InvalidNetwork
from .npyfile import ArrayFileError, load_npz


@dataclass(frozen=True)
class LocalMaps:
    """Affine maps valid inside one activation region.

    Attributes
    ----------
    G : ndarray, shape (N, d)
        Gradients of every hidden pre-activation, layers stacked in order.
    c : ndarray, shape (N,)
        Offsets: ``z(x) = G @ x + c`` inside the region.
    out_W : ndarray, shape (n_out, d)
        Output map ``f(x) = out_W @ x + out_b`` inside the region.
    out_b : ndarray, shape (n_out,)
    """

    G: np.ndarray
    c: np.ndarray
    out_W: np.ndarray
    out_b: np.ndarray


def real_array(value: object, name: str) -> np.ndarray:
    """``value`` as a new float64 array, refusing what is not exactly real numbers.

    Real floats, integers and bools are accepted when float64 holds every value exactly;
    complex, string, datetime/timedelta, object (e.g. ragged or mixed lists) and structured
    dtypes are refused, never cast.

    Raises
    ------
    InvalidNetwork
        Naming ``name`` and the dtype.

    Examples
    --------
    >>> real_array([1, 2], "W0").tolist()
    [1.0, 2.0]
    >>> real_array([1 + 2j], "W0")
    Traceback (most recent call last):
    ...
    polyreg.errors.InvalidNetwork: W0 must hold real numbers, got an array of dtype complex128 (complex)
    """
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise InvalidNetwork(f"{name} is not a numeric array: {exc}") from exc
    if raw.dtype.kind not in "biuf" or raw.dtype.fields is not None:
        raise InvalidNetwork(
            f"{name} must hold real numbers, got an array of dtype {raw.dtype} "
            f"({_DTYPE_KINDS.get(raw.dtype.kind, 'not real numbers')})"
        )
    arr = np.array(raw, dtype=np.float64)
    if raw.dtype.kind in "iu" or raw.dtype.itemsize > 8:
        with np.errstate(invalid="ignore", over="ignore"):
            exact = np.array_equal(arr.astype(raw.dtype), raw)
        if not exact:
            raise InvalidNetwork(
                f"{name} has {raw.dtype} values that float64 cannot represent exactly"
            )
    return arr


def _as_float_array(value: object, name: str, ndim: int) -> np.ndarray:
    arr = real_array(value, name)
    if arr.ndim != ndim:
        kind = "matrix (out, in)" if ndim == 2 else "vector"
        raise InvalidNetwork(f"{name} must be a {kind}, got an array of shape {arr.shape}")
    if arr.size == 0:
        raise InvalidNetwork(f"{name} is empty (shape {arr.shape})")
    bad = ~np.isfinite(arr)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidNetwork(f"{name} has {int(bad.sum())} non-finite value(s), first at {where}")
    arr.setflags(write=False)
    return arr


_DTYPE_KINDS = {
    "c": "complex",
    "U": "strings",
    "S": "bytes",
    "M": "datetimes",
    "m": "time deltas",
    "O": "Python objects",
    "V": "structured or raw records",
}


def real_scalar(value: object, name: str) -> float:
    """``value`` as a float when it is one real number (not an array, complex or a string).

    Raises
    ------
    InvalidNetwork
        Naming ``name`` and what ``value`` is.
    """
    if isinstance(value, (str, bytes)):
        raise InvalidNetwork(f"{name} must be a real scalar, got the string {value!r}")
    if hasattr(value, "detach"):  # a torch tensor, without importing torch
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:  # ragged input
        raise InvalidNetwork(f"{name} must be a real scalar: {exc}") from exc
    if arr.shape != ():
        raise InvalidNetwork(f"{name} must be a real scalar, got an array of shape {arr.shape}")
    if arr.dtype.kind not in "biuf":
        kind = _DTYPE_KINDS.get(arr.dtype.kind, str(arr.dtype))
        raise InvalidNetwork(f"{name} must be a real scalar, got {kind} ({value!r})")
    return float(arr)


def check_negative_slope(value: object, name: str = "negative_slope") -> float:
    """``value`` as the LeakyReLU slope: a real scalar in ``[0, 1)`` (0 is ReLU).

    Raises
    ------
    InvalidNetwork
        Not a real scalar (an array, complex, a string, ...), not finite, or outside [0, 1).

    Examples
    --------
    >>> check_negative_slope(0.25)
    0.25
    >>> check_negative_slope([0.1, 0.2])
    Traceback (most recent call last):
    ...
    polyreg.errors.InvalidNetwork: negative_slope must be a real scalar, got an array of shape (2,)
    """
    alpha = real_scalar(value, name)
    if not (np.isfinite(alpha) and 0.0 <= alpha < 1.0):
        raise InvalidNetwork(f"{name} must lie in [0, 1), got {value!r}")
    return alpha


@dataclass(frozen=True, eq=False)
class Network:
    """A ReLU / LeakyReLU network ``x -> W_L relu(... relu(W_0 x + b_0) ...) + b_L``.

    Parameters
    ----------
    weights : tuple of ndarray
        ``W0, ..., WL``, each shaped ``(out, in)``.
    biases : tuple of ndarray
        ``b0, ..., bL``.
    negative_slope : float
        0 for ReLU; ``alpha`` in (0, 1) for LeakyReLU (same boundaries, other affine maps).

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [0.0])])
    >>> net.widths
    (2, 2, 1)
    >>> net.pattern(np.array([1.0, -1.0])).tolist()
    [True, False]
    """

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    negative_slope: float = 0.0

    if TYPE_CHECKING:  # the generated __init__ converts and checks any array-likes
        def __init__(
            self, weights: Sequence[object], biases: Sequence[object], negative_slope: object = 0.0
        ) -> None: ...

    def __post_init__(self) -> None:
        if len(self.weights) != len(self.biases):
            raise InvalidNetwork(
                f"{len(self.weights)} weight matrices but {len(self.biases)} bias vectors"
            )
        if len(self.weights) < 2:
            raise InvalidNetwork(
                "a network needs at least one hidden layer (arrays W0, b0, W1, b1), "
                f"got {len(self.weights)} layer(s)"
            )
        Ws = tuple(_as_float_array(W, f"W{k}", 2) for k, W in enumerate(self.weights))
        bs = tuple(_as_float_array(b, f"b{k}", 1) for k, b in enumerate(self.biases))
        for k, (W, b) in enumerate(zip(Ws, bs, strict=True)):
            if W.shape[0] != b.shape[0]:
                raise InvalidNetwork(
                    f"W{k} has {W.shape[0]} rows (outputs) but b{k} has {b.shape[0]} entries"
                )
            if k > 0 and W.shape[1] != Ws[k - 1].shape[0]:
                raise InvalidNetwork(
                    f"W{k} takes {W.shape[1]} inputs but layer {k - 1} (W{k - 1}) has "
                    f"{Ws[k - 1].shape[0]} outputs"
                )
        alpha = check_negative_slope(self.negative_slope)
        object.__setattr__(self, "weights", Ws)
        object.__setattr__(self, "biases", bs)
        object.__setattr__(self, "negative_slope", alpha)
        widths = tuple(W.shape[0] for W in Ws[:-1])
        object.__setattr__(self, "_hidden", widths)
        object.__setattr__(
            self, "_offsets", tuple(int(v) for v in np.concatenate([[0], np.cumsum(widths)]))
        )

    # ----------------------------------------------------------------- construction / files
    @classmethod
    def from_layers(
        cls, layers: Iterable[tuple[object, object]], negative_slope: float = 0.0
    ) -> Network:
        """Build a network from ``[(W0, b0), (W1, b1), ...]``.

        Examples
        --------
        >>> import polyreg
        >>> polyreg.Network.from_layers([([[1.0]], [0.0]), ([[1.0]], [0.0])]).n_hidden
        1
        """
        pairs = list(layers)
        for k, pair in enumerate(pairs):
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
                raise InvalidNetwork(f"layer {k} must be a pair (W, b), got {type(pair).__name__}")
        return cls(tuple(p[0] for p in pairs), tuple(p[1] for p in pairs), negative_slope)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Network:
        """Read the canonical ``.npz`` file (``W0, b0, W1, b1, ...``; optional ``negative_slope``).

        Examples
        --------
        >>> import polyreg, tempfile, os
        >>> net = polyreg.Network.from_layers([([[1.0]], [0.0]), ([[1.0]], [0.0])])
        >>> path = os.path.join(tempfile.mkdtemp(), "n.npz"); net.save(path)
        >>> polyreg.Network.load(path).widths
        (1, 1, 1)
        """
        path = Path(path)
        if not path.exists():
            raise InvalidNetwork(f"network file {str(path)!r} does not exist")
        try:
            arrays = load_npz(path)
        except ArrayFileError as exc:  # too large, objects, not .npy members
            raise InvalidNetwork(str(exc)) from exc
        except Exception as exc:  # zipfile / pickle / format errors of every kind
            raise InvalidNetwork(
                f"cannot read {str(path)!r} as an .npz archive of arrays W0, b0, ...: "
                f"{type(exc).__name__}"
            ) from exc
        if not isinstance(arrays, dict):  # pragma: no cover - np.load of a .npy
            raise InvalidNetwork(f"{str(path)!r} is not an .npz archive")
        alpha = arrays.pop("negative_slope", 0.0)  # checked by the constructor
        n = sum(1 for key in arrays if key.startswith("W"))
        expected = {f"W{k}" for k in range(n)} | {f"b{k}" for k in range(n)}
        missing = sorted(expected - set(arrays))
        extra = sorted(set(arrays) - expected)
        if missing:
            raise InvalidNetwork(f"{str(path)!r}: missing array(s) {', '.join(missing)}")
        if extra:
            raise InvalidNetwork(
                f"{str(path)!r}: unexpected array(s) {', '.join(extra)}; expected W0, b0, W1, b1, ..."
            )
        return cls(
            tuple(arrays[f"W{k}"] for k in range(n)),
            tuple(arrays[f"b{k}"] for k in range(n)),
            alpha,
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the canonical ``.npz`` (atomically: a temporary file renamed over a regular file;
        a symbolic link's target is written; see :func:`polyreg._files.open_output`)."""
        path = Path(path)
        arrays: dict[str, Any] = {}  # Any: np.savez's stubs type ** as its bool keywords
        for k, (W, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            arrays[f"W{k}"] = W
            arrays[f"b{k}"] = b
        if self.negative_slope:
            arrays["negative_slope"] = np.array(self.negative_slope)
        with open_output(path, "wb", what="path") as handle:
            np.savez(handle, **arrays)

    # ----------------------------------------------------------------- shape
    @property
    def widths(self) -> tuple[int, ...]:
        """``(n_inputs, hidden widths..., n_outputs)``."""
        return (self.weights[0].shape[1],) + tuple(W.shape[0] for W in self.weights)

    @property
    def n_inputs(self) -> int:
        return self.weights[0].shape[1]

    @property
    def n_outputs(self) -> int:
        return self.weights[-1].shape[0]

    @property
    def hidden_widths(self) -> tuple[int, ...]:
        return self._hidden  # type: ignore[attr-defined]  # set in __post_init__

    @property
    def n_hidden(self) -> int:
        """Total number of hidden neurons (length of a pattern)."""
        return self._offsets[-1]  # type: ignore[attr-defined]  # set in __post_init__

    @property
    def layer_offsets(self) -> tuple[int, ...]:
        """Start index of each hidden layer in a pattern, plus the total at the end."""
        return self._offsets  # type: ignore[attr-defined]  # set in __post_init__

    def neuron_name(self, index: int) -> str:
        """``"layer:unit"`` name (1-based layer, 0-based unit) of a pattern index."""
        offsets = self.layer_offsets
        layer = int(np.searchsorted(offsets, index, side="right")) - 1
        return f"{layer + 1}:{index - offsets[layer]}"

    # ----------------------------------------------------------------- evaluation
    def _check_points(self, x: ArrayLike) -> NDArray[np.float64]:
        x = np.asarray(x, dtype=np.float64)
        if x.shape[-1] != self.n_inputs:
            raise ValueError(
                f"points have {x.shape[-1]} coordinates but the network takes {self.n_inputs} inputs"
            )
        return x

    def preactivations(self, x: ArrayLike) -> list[NDArray[np.float64]]:
        """Hidden pre-activations per layer for points ``x`` of shape ``(..., d)``."""
        a = self._check_points(x)
        out = []
        for W, b in zip(self.weights[:-1], self.biases[:-1], strict=True):
            z = a @ W.T + b
            out.append(z)
            a = np.where(z > 0, z, self.negative_slope * z)
        return out

    def forward(self, x: ArrayLike) -> NDArray[np.float64]:
        """Network output for points ``x`` of shape ``(..., d)``.

        Examples
        --------
        >>> import numpy as np, polyreg
        >>> net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [0.0])])
        >>> net.forward(np.array([1.0, -1.0])).tolist()
        [1.0]
        """
        z = self.preactivations(x)[-1]
        a = np.where(z > 0, z, self.negative_slope * z)
        return a @ self.weights[-1].T + self.biases[-1]

    def pattern(self, x: ArrayLike) -> NDArray[np.bool_]:
        """Activation pattern(s), ``z > 0`` is on: bool array of shape ``(..., n_hidden)``."""
        return np.concatenate([z > 0 for z in self.preactivations(x)], axis=-1)

    def local_maps(self, pattern: np.ndarray) -> LocalMaps:
        """Affine maps of all hidden pre-activations and of the output for a fixed pattern.

        The masked recurrence ``J^1 = W^1``, ``J^l = W^l diag(on^{l-1}) J^{l-1}``.
        Cost: ``O(d * sum n_l n_{l-1})``.

        Examples
        --------
        >>> import numpy as np, polyreg
        >>> net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [0.0])])
        >>> net.local_maps(np.array([True, False])).out_W.tolist()
        [[1.0, 0.0]]
        """
        pattern = np.asarray(pattern, dtype=bool)
        if pattern.shape != (self.n_hidden,):
            raise ValueError(f"pattern has shape {pattern.shape}, expected ({self.n_hidden},)")
        offsets = self.layer_offsets
        alpha = self.negative_slope
        G = self.weights[0]
        c = self.biases[0]
        Gs, cs = [G], [c]
        for layer in range(1, len(self.weights)):
            on = pattern[offsets[layer - 1] : offsets[layer]]
            slope = np.where(on, 1.0, alpha)
            G = self.weights[layer] @ (slope[:, None] * G)
            c = self.weights[layer] @ (slope * c) + self.biases[layer]
            if layer < len(self.weights) - 1:
                Gs.append(G)
                cs.append(c)
        return LocalMaps(np.vstack(Gs), np.concatenate(cs), G, c)

    def weight_scale(self) -> np.ndarray:
        """Per hidden neuron, the product of spectral-ish norms of the layers feeding it.

        Used only to make tolerances relative: ``scale_k = |W^l_k| * prod_{j<l} ||W^j||_2``
        (at least 1e-300).
        """
        cached = self.__dict__.get("_scale")
        if cached is not None:
            return cached
        scales = []
        running = 1.0
        for W in self.weights[:-1]:
            scales.append(np.linalg.norm(W, axis=1) * running + 1.0)
            running *= max(float(np.linalg.norm(W, 2)), 1.0)
        out = np.concatenate(scales)
        out.setflags(write=False)
        object.__setattr__(self, "_scale", out)  # computed once (an SVD per layer)
        return out


def load(path: str | os.PathLike[str]) -> Network:
    """Load a network from the canonical ``.npz`` file. Alias of :meth:`Network.load`."""
    return Network.load(path)


def random_network(
    widths: Sequence[int], seed: int = 0, bias_scale: float = 0.5
) -> Network:
    """A random network with He-normal weights and normal biases (for tests and benchmarks).

    Examples
    --------
    >>> import polyreg
    >>> polyreg.random_network([3, 8, 8, 1], seed=1).widths
    (3, 8, 8, 1)
    """
    rng = np.random.default_rng(seed)
    layers = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:], strict=True):
        W = rng.normal(size=(fan_out, fan_in)) * np.sqrt(2.0 / fan_in)
        b = rng.normal(size=fan_out) * bias_scale
        layers.append((W, b))
    return Network.from_layers(layers)
