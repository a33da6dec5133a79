"""Pieces every LP-based engine shares: a region's constraint rows, crossing a facet, progress."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..domains import Domain, normalize_rows
from ..geometry import group_rows
from ..network import LocalMaps, Network
from ..propagation import Stability
from ..tolerances import Tolerances

ProgressFn = Callable[[dict], None]


@dataclass(frozen=True)
class Context:
    """What an enumeration fixes once: network, domain, stable neurons, domain rows, scales."""

    net: Network
    domain: Domain
    tol: Tolerances
    stab: Stability
    dom_A: np.ndarray
    dom_b: np.ndarray
    scale: np.ndarray

    @classmethod
    def create(cls, net: Network, domain: Domain, tol: Tolerances) -> "Context":
        from ..propagation import stability

        domain = domain.for_inputs(net.n_inputs)
        rows = domain.rows()
        if rows is None:
            dom_A, dom_b = np.zeros((0, net.n_inputs)), np.zeros(0)
        else:
            dom_A, dom_b = normalize_rows(*rows)
        return cls(net, domain, tol, stability(net, domain, tol), dom_A, dom_b, net.weight_scale())

    def canonical(self, pattern: np.ndarray) -> np.ndarray:
        """Pattern with the stable bits forced to their proven values."""
        p = pattern.copy()
        p[self.stab.on] = True
        p[self.stab.off] = False
        return p


@dataclass(frozen=True)
class RegionRows:
    """The half-spaces of one region inside the domain.

    Attributes
    ----------
    pattern : canonical pattern (identically-zero neurons set off)
    maps : local affine maps for that pattern
    A, b : unit rows; neuron rows first, then the domain's rows
    neuron : pattern index of each row, -1 for a domain row
    group : label per row, equal for rows on the same hyperplane
    zero : bool (N,), neurons identically zero on the region (off, no split)
    """

    pattern: np.ndarray
    maps: LocalMaps
    A: np.ndarray
    b: np.ndarray
    neuron: np.ndarray
    group: np.ndarray
    zero: np.ndarray


def region_rows(ctx: Context, pattern: np.ndarray) -> RegionRows:
    """Constraint rows of the region with ``pattern``: ``s_k (g_k x + c_k) >= 0`` for every live
    neuron with a non-constant pre-activation, plus the domain's rows."""
    net, tol = ctx.net, ctx.tol
    maps = net.local_maps(pattern)
    live = np.flatnonzero(ctx.stab.live)
    g, c = maps.G[live], maps.c[live]
    gnorm = np.linalg.norm(g, axis=1)
    small = tol.gradient * ctx.scale[live]
    constant = gnorm <= small
    zero = np.zeros(net.n_hidden, dtype=bool)
    zero[live[constant & (np.abs(c) <= small)]] = True
    if zero.any() and pattern[zero].any():
        pattern = pattern.copy()
        pattern[zero] = False
    keep = ~constant
    idx = live[keep]
    sign = np.where(pattern[idx], 1.0, -1.0)
    A = -sign[:, None] * g[keep] / gnorm[keep, None]
    b = sign * c[keep] / gnorm[keep]
    A = np.vstack([A, ctx.dom_A])
    b = np.concatenate([b, ctx.dom_b])
    neuron = np.concatenate([idx, np.full(ctx.dom_b.size, -1)])
    return RegionRows(pattern, maps, A, b, neuron, group_rows(A, b, tol.merge), zero)


def patterns_across(
    net: Network, pattern: np.ndarray, zero: np.ndarray, directions: np.ndarray, rel: float
) -> np.ndarray:
    """Patterns just beyond facets of one region, reached by moving from each along a direction.

    Parameters
    ----------
    pattern : bool (N,)
        The region's pattern.
    zero : bool (F, N)
        Per facet, the neurons that vanish on the whole facet: those whose hyperplane carries it
        and those identically zero on the region. Every other neuron keeps its bit (continuity:
        it is non-zero at every relative-interior point of the facet).
    directions : (F, d)
        Per facet, a direction crossing it (the outward normal).
    rel : float
        A directional derivative below ``rel`` times its magnitude scale counts as zero (off).

    Returns
    -------
    bool (F, N)

    Notes
    -----
    Layer by layer, a flagged neuron's new bit is the sign of its directional derivative computed
    with the *new* bits of the earlier layers: the first-order term of ``z(q + eps u)`` at a facet
    point ``q`` where ``z(q) = 0``. Exact, and vectorised over facets.
    """
    F = directions.shape[0]
    new = np.repeat(pattern[None, :], F, axis=0)
    offsets = net.layer_offsets
    alpha = net.negative_slope
    S = directions.T
    for layer in range(len(net.weights) - 1):
        W = net.weights[layer]
        sigma = W @ S
        seg = slice(offsets[layer], offsets[layer + 1])
        z = zero[:, seg].T
        bits = new[:, seg].T
        if z.any():
            scale = np.abs(W) @ np.abs(S) + 1e-300
            bits = np.where(z, sigma > rel * scale, bits)
            new[:, seg] = bits.T
        S = np.where(bits, 1.0, alpha) * sigma
    return new


def step_inside(
    A: np.ndarray, b: np.ndarray, q: np.ndarray, u: np.ndarray, samples: int = 48
) -> tuple[np.ndarray, float]:
    """A point ``q + t u`` (``t > 0``) with large least slack for ``A x <= b``.

    Maximises the concave piecewise-linear ``t -> min_j (b - A (q + t u))_j`` over a geometric
    grid of ``t`` up to the first zero of a decreasing row. Returns the point and its least
    slack (its certified inscribed radius for unit rows).
    """
    s0 = b - A @ q
    c = A @ u
    down = c > 0
    limits = s0[down] / c[down]
    t_max = float(limits[limits > 0].min()) if np.any(limits > 0) else 1.0
    ts = t_max * np.geomspace(1e-9, 1.0, samples)
    values = (s0[:, None] - c[:, None] * ts[None, :]).min(axis=0)
    best = int(np.argmax(values))
    return q + ts[best] * u, float(values[best])


class Progress:
    """Throttled progress line on stderr (only when stderr is a terminal and not quiet)."""

    def __init__(self, enabled: bool | None = None, every: float = 0.5) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.every = every
        self.t0 = self.last = time.perf_counter()

    def __call__(self, regions: int, frontier: int, solves: int, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if not final and now - self.last < self.every:
            return
        self.last = now
        elapsed = max(now - self.t0, 1e-9)
        end = "\n" if final else ""
        sys.stderr.write(
            f"\rregions {regions:>9,}  frontier {frontier:>8,}  regions/s "
            f"{regions / elapsed:>8,.0f}  LPs/s {solves / elapsed:>8,.0f}" + end
        )
        sys.stderr.flush()


@dataclass(frozen=True)
class Reduction:
    """An exact change of variables ``x = origin + U y`` onto the row space of the first layer.

    The network only sees ``W0 x``, so every activation region is a cylinder along the null
    space of ``W0``. For the L2 ball and the whole space the problem in ``y`` (rank-many
    coordinates) has the same regions, patterns, Chebyshev radii and adjacency: the L2 ball's
    shadow on the subspace is the ball of the same radius around the projected centre, and the
    Chebyshev ball of a cylinder ∩ ball can be centred in the subspace.
    """

    net: Network
    domain: Domain
    origin: np.ndarray
    U: np.ndarray

    def lift_point(self, y: np.ndarray | None) -> np.ndarray | None:
        return None if y is None else self.origin + self.U @ y

    def lift_map(self, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``W y + b`` as a map of ``x`` (``y = U^T (x - origin)``)."""
        Wx = W @ self.U.T
        return Wx, b - Wx @ self.origin


def reduce_dimension(net: Network, domain: Domain, rel: float = 1e-12) -> Reduction | None:
    """The :class:`Reduction` of ``(net, domain)`` when it pays (first-layer rank below the input
    dimension and an L2 ball or the whole space), else None."""
    from ..domains import Ball, Whole

    W0 = net.weights[0]
    d = net.n_inputs
    if not ((isinstance(domain, Ball) and domain.norm == 2) or isinstance(domain, Whole)):
        return None
    if W0.shape[0] >= d:
        return None
    _, sv, Vt = np.linalg.svd(W0, full_matrices=False)
    rank = int(np.sum(sv > rel * max(sv.max(initial=0.0), 1e-300)))
    if rank >= d or rank == 0:
        return None
    U = Vt[:rank].T  # (d, rank) orthonormal basis of the row space
    origin = domain.center if isinstance(domain, Ball) else np.zeros(d)
    layers = [(W0 @ U, net.biases[0] + W0 @ origin)]
    layers += list(zip(net.weights[1:], net.biases[1:]))
    small = Network.from_layers(layers, negative_slope=net.negative_slope)
    if isinstance(domain, Ball):
        small_domain: Domain = Ball(np.zeros(rank), domain.radius, norm=2)
    else:
        small_domain = Whole(rank)
    return Reduction(small, small_domain, origin, U)
