"""Arrangement-preserving transformations for the low-dimensional engines' invariance tests.

Per-neuron positive rescaling (row and bias times ``c``, the next layer's column times
``1 / c``), translation of the input (network and domain moved together) and permutation of
the neurons within a layer leave every activation region in place. On degenerate networks use
exact factors (powers of two) and integer shifts only: in floats, a shift of three concurrent
lines makes a genuine tiny triangle.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import polyreg
from polyreg import Ball, Box, Polytope
from polyreg.errors import ToleranceError
from polyreg.slices import Path

#: ToleranceErrors met by the property tests, per engine (reported, never silently skipped)
TOLERANCE_ERRORS: dict[str, int] = {}


def transform(
    net: polyreg.Network,
    factors: list[np.ndarray],
    shift: np.ndarray,
    perms: list[np.ndarray],
) -> polyreg.Network:
    """``net`` with hidden neuron ``k`` of layer ``l`` rescaled by ``factors[l][k]``, the input
    translated by ``shift`` (``x -> x - shift`` first: the new network at ``x + shift`` is the
    old one at ``x``) and each hidden layer permuted by ``perms[l]``."""
    Ws = [np.array(W, dtype=float) for W in net.weights]
    bs = [np.array(b, dtype=float) for b in net.biases]
    bs[0] = bs[0] - Ws[0] @ shift
    for l, f in enumerate(factors):
        Ws[l] = Ws[l] * f[:, None]
        bs[l] = bs[l] * f
        Ws[l + 1] = Ws[l + 1] / f[None, :]
    for l, p in enumerate(perms):
        Ws[l], bs[l] = Ws[l][p], bs[l][p]
        Ws[l + 1] = Ws[l + 1][:, p]
    return polyreg.Network.from_layers(list(zip(Ws, bs, strict=True)), negative_slope=net.negative_slope)


def move(domain: polyreg.Domain, shift: np.ndarray) -> polyreg.Domain:
    """The domain translated by ``shift``."""
    if isinstance(domain, Box):
        return Box(domain.lo + shift, domain.hi + shift)
    if isinstance(domain, Ball):
        return Ball(domain.center + shift, domain.radius, norm=domain.norm)
    if isinstance(domain, Polytope):
        return Polytope(domain.A, domain.b + domain.A @ shift)
    if isinstance(domain, Path):
        if domain.kind == "ellipse":
            c, a, b = domain.points
            return Path.ellipse(c + shift, a, b)
        return Path(domain.kind, domain.points + shift, domain.closed)
    raise TypeError(type(domain).__name__)


@st.composite
def variants(draw, net: polyreg.Network, exact: bool, max_shift: float = 1e5):
    """Factors, shift and permutations for ``net``: powers of two and integer shifts when
    ``exact``, else factors ``10**U(-6, 6)`` and any shift."""
    factors, perms = [], []
    for w in net.hidden_widths:
        if exact:
            e = draw(st.lists(st.integers(-20, 20), min_size=w, max_size=w))
            factors.append(np.ldexp(1.0, np.array(e)))
        else:
            e = draw(st.lists(st.floats(-6, 6), min_size=w, max_size=w))
            factors.append(10.0 ** np.array(e))
        perms.append(np.array(draw(st.permutations(list(range(w))))))
    if exact:
        shift = np.array(draw(st.lists(st.integers(-int(max_shift), int(max_shift)),
                                       min_size=net.n_inputs, max_size=net.n_inputs)), float)
    else:
        shift = np.array(draw(st.lists(st.floats(-max_shift, max_shift), min_size=net.n_inputs,
                                       max_size=net.n_inputs)))
    return factors, shift, perms


def count(engine, net, domain, name: str) -> int | None:
    """Regions found by ``engine``; None (and counted in :data:`TOLERANCE_ERRORS`) when it
    raises ``ToleranceError``."""
    try:
        return len(engine(net, domain))
    except ToleranceError:
        TOLERANCE_ERRORS[name] = TOLERANCE_ERRORS.get(name, 0) + 1
        return None


@st.composite
def small_networks(draw, degenerate: bool, n_inputs: int = 2):
    """2-input networks of widths <= 6: random normal weights, or (``degenerate``) small
    integer weights and biases (many lines through common lattice points)."""
    widths = [n_inputs] + draw(st.lists(st.integers(1, 6), min_size=1, max_size=2)) + [1]
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    layers = []
    for a, b in zip(widths[:-1], widths[1:], strict=True):
        if degenerate:
            W = rng.integers(-2, 3, size=(b, a)).astype(float)
            W[np.all(W == 0, axis=1), 0] = 1.0
            bias = rng.integers(-1, 2, size=b).astype(float)
        else:
            W = rng.normal(size=(b, a))
            bias = 0.5 * rng.normal(size=b)
        layers.append((W, bias))
    return polyreg.Network.from_layers(layers)
