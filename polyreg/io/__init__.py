"""Import networks from the frameworks people train in, and read/write the canonical file.

Each importer returns a :class:`~polyreg.network.Network`; the frameworks are optional
dependencies imported only when an importer runs (``pip install 'polyreg[torch]'``,
``'polyreg[onnx]'``, ``'polyreg[keras]'``; JAX/Flax trees need nothing).

* :func:`from_torch`, :func:`from_state_dict`: PyTorch modules, TorchScript ``Sequential``\\ s,
  ``state_dict`` + architecture description;
* :func:`from_onnx`: ONNX graphs;
* :func:`from_keras`: ``.keras`` / legacy ``.h5`` files, read with ``h5py`` (no TensorFlow);
* :func:`from_flax`: Flax-style parameter trees (``{"Dense_0": {"kernel", "bias"}, ...}``);
* :func:`load` / :func:`save`: the canonical ``.npz`` (see :meth:`Network.load`).

Every importer composes consecutive affine layers (dense, convolution, average pooling,
batch normalisation, reshapes) exactly in float64 and makes each ReLU/LeakyReLU one hidden
layer; what is not piecewise affine, or not a chain, is refused with
:class:`~polyreg.errors.InvalidNetwork` naming the layer and why.

Examples
--------
>>> import numpy as np, polyreg.io
>>> net = polyreg.io.from_flax({"params": {"Dense_0": {"kernel": np.eye(2), "bias": np.zeros(2)},
...                                        "Dense_1": {"kernel": np.ones((2, 1)), "bias": [0.0]}}})
>>> net.widths
(2, 2, 1)
"""

from __future__ import annotations

import os

from ..network import Network
from .jax import from_flax
from .keras import from_keras
from .onnx import from_onnx
from .torch import from_state_dict, from_torch

__all__ = ["from_flax", "from_keras", "from_onnx", "from_state_dict", "from_torch", "load", "save"]


def load(path: str | os.PathLike[str]) -> Network:
    """Read the canonical ``.npz`` network file (alias of :meth:`Network.load`)."""
    return Network.load(path)


def save(net: Network, path: str | os.PathLike[str]) -> None:
    """Write ``net`` to the canonical ``.npz`` file atomically (alias of :meth:`Network.save`).

    Examples
    --------
    >>> import os, tempfile, polyreg, polyreg.io
    >>> net = polyreg.random_network([2, 3, 1])
    >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
    >>> polyreg.io.save(net, path); polyreg.io.load(path).widths
    (2, 3, 1)
    """
    net.save(path)
