"""Cutting the domain into slabs (parts) for :mod:`polyreg.scale.parallel`: one axis, cuts at
quantiles of an estimated region density, moved off first-layer neurons' hyperplanes (the
"Partition" section of :mod:`polyreg.scale.parallel`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from collections.abc import Iterable

import numpy as np

from ..domains import Domain, sample
from ..network import Network



_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0


def parts_per_worker(d: int) -> int:
    """Default parts per worker for ``d`` inputs: 4 up to d = 2, 2 for d = 3, else 1.

    Each cut makes the regions crossing it be searched twice (once per side); their number
    grows like ``n ** ((d - 1) / d)`` for ``n`` regions, so higher dimensions get fewer cuts
    (and rely more on the density estimate for balance).
    """
    return 4 if d <= 2 else 2 if d == 3 else 1


@dataclass(frozen=True)
class Part:
    """The slab ``lo < x[axis] < hi`` of the domain (``None``: no cut on that side).

    ``weight`` and ``density`` (not part of equality) are the estimated share of the regions
    and that share over the part's share of the domain's volume.

    Examples
    --------
    >>> p = Part(0, -0.5, 0.25)
    >>> A, b, lower, upper = p.cut_rows(2)
    >>> A.tolist(), b.tolist(), lower, upper
    ([[-1.0, 0.0], [1.0, 0.0]], [0.5, 0.25], 0, 1)
    """

    axis: int
    lo: float | None
    hi: float | None
    weight: float = field(default=1.0, compare=False)
    density: float = field(default=1.0, compare=False)

    def cut_rows(self, d: int) -> tuple[np.ndarray, np.ndarray, int | None, int | None]:
        """Rows ``A x <= b`` of the cuts and the row index of the lower and upper cut."""
        rows: list[np.ndarray] = []
        rhs: list[float] = []
        lower = upper = None
        e = np.zeros(d)
        e[self.axis] = 1.0
        if self.lo is not None:
            lower = len(rows)
            rows.append(0.0 - e)
            rhs.append(-self.lo)
        if self.hi is not None:
            upper = len(rows)
            rows.append(e)
            rhs.append(self.hi)
        return np.array(rows).reshape(-1, d), np.array(rhs, dtype=float), lower, upper

    def describe(self) -> dict:
        return {"axis": self.axis, "lo": self.lo, "hi": self.hi}


@dataclass(frozen=True)
class Partition:
    """Cuts ``x[axis] = c`` (sorted), the estimated region share of each part and its share of
    the domain's volume.

    Examples
    --------
    >>> p = Partition(1, (0.0, 0.5))
    >>> [(q.lo, q.hi) for q in p.parts()]
    [(None, 0.0), (0.0, 0.5), (0.5, None)]
    >>> [(q.lo, q.hi) for q in p.without([0.0]).parts()]
    [(None, 0.5), (0.5, None)]
    """

    axis: int
    cuts: tuple[float, ...]
    weights: tuple[float, ...] | None = None
    volumes: tuple[float, ...] | None = None

    def parts(self) -> list[Part]:
        bounds = [None, *self.cuts, None]
        n = len(bounds) - 1
        w = self.weights or (1.0 / n,) * n
        v = self.volumes or w
        return [Part(self.axis, bounds[i], bounds[i + 1], w[i], w[i] / max(v[i], 1e-12))
                for i in range(n)]

    def without(self, cuts: Iterable[float]) -> Partition:
        """The partition with ``cuts`` removed (their neighbouring parts merged)."""
        drop = set(cuts)
        keep = tuple(c for c in self.cuts if c not in drop)

        def merge(values: tuple[float, ...] | None) -> tuple[float, ...] | None:
            if values is None:
                return None
            merged: list[float] = [values[0]]
            for c, x in zip(self.cuts, values[1:], strict=True):
                if c in drop:
                    merged[-1] += x
                else:
                    merged.append(x)
            return tuple(merged)

        return Partition(self.axis, keep, merge(self.weights), merge(self.volumes))


def _segments_density(
    net: Network, x: np.ndarray, length: float, rng: np.random.Generator, steps: int = 64
) -> np.ndarray:
    """Pattern changes per unit length along a random segment of ``length`` centred at each
    point (``steps`` forward passes each)."""
    n, d = x.shape
    u = rng.normal(size=(n, d))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    out = np.empty(n)
    t = length * (np.arange(steps) / (steps - 1) - 0.5)
    chunk = max(1, 8_000_000 // max(steps * net.n_hidden, 1))
    for s in range(0, n, chunk):
        pts = x[s : s + chunk, None, :] + t[None, :, None] * u[s : s + chunk, None, :]
        pat = net.pattern(pts.reshape(-1, d)).reshape(pts.shape[0], steps, -1)
        out[s : s + chunk] = np.any(pat[:, 1:] != pat[:, :-1], axis=-1).sum(axis=1)
    return out / length


def plan_partition(
    net: Network, domain: Domain, n_parts: int, *, seed: int = 0, samples: int = 1024
) -> Partition:
    """Cut ``domain`` into ``n_parts`` slabs of about equal estimated region count.

    Parameters
    ----------
    net : Network
    domain : Domain
        Box, Ball (any norm), Polytope or Whole (checked against ``net``).
    n_parts : int
        Number of parts (>= 1).
    seed : int
        Seed of the density sample and of the cut shifts.
    samples : int
        Random points of the density estimate (each a segment of 64 forward passes).

    Returns
    -------
    Partition

    Examples
    --------
    >>> import polyreg
    >>> net = polyreg.random_network([2, 16, 1], seed=0)
    >>> p = plan_partition(net, polyreg.Box([-1, -2], [1, 2]), 4)
    >>> p.axis, len(p.cuts), all(-2 < c < 2 for c in p.cuts)
    (1, 3, True)
    """
    if n_parts < 1:
        raise ValueError(f"n_parts must be at least 1, got {n_parts}")
    domain = domain.for_inputs(net.n_inputs)
    rng = np.random.default_rng(seed)
    x = sample(domain, samples, rng)
    if domain.bounded:
        lo, hi = domain.bounding_box()
    else:
        lo, hi = np.quantile(x, 0.001, axis=0), np.quantile(x, 0.999, axis=0)
    ext = hi - lo
    axis = int(np.argmax(ext))
    if n_parts == 1:
        return Partition(axis, (), (1.0,), (1.0,))
    d = net.n_inputs
    lam = _segments_density(net, x, float(ext.max()) / 20.0, rng)
    order = np.argsort(x[:, axis])
    xs = x[order, axis]
    # crossings per unit length, smoothed along the axis, to the power DENSITY_EXPONENT
    window = max(1, samples // 32)
    smooth = np.convolve(lam[order], np.ones(window) / window, mode="same")
    w = np.empty(samples)
    w[order] = (smooth + lam.mean() / 20 + 1e-12) ** density_exponent(d)
    cw = np.cumsum(w[order])
    cw /= cw[-1]
    targets = np.arange(1, n_parts) / n_parts
    raw = np.interp(targets, cw, xs)
    width = ext[axis]
    margin = 1e-3 * width
    cuts: list[float] = []
    for k, c in enumerate(raw):
        c += (((k + 1) * _GOLDEN + seed * math.sqrt(2.0)) % 1.0 - 0.5) * 1e-3 * width
        c = float(np.clip(c, lo[axis] + margin, hi[axis] - margin))
        c = _avoid_neurons(net, axis, c, width)
        if not cuts or c > cuts[-1] + margin:
            cuts.append(c)
    bounds = np.concatenate([[-np.inf], cuts, [np.inf]])
    inside = [(x[:, axis] > a) & (x[:, axis] <= b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    share = np.array([w[m].sum() for m in inside])
    share = share / max(share.sum(), 1e-300)
    volume = np.array([m.mean() for m in inside])
    return Partition(axis, tuple(cuts), tuple(float(s) for s in share),
                     tuple(float(v) for v in volume))


def density_exponent(d: int) -> float:
    """Regions per unit volume are taken as ``lam ** density_exponent(d)`` (``lam``: pattern
    changes per unit length along random segments).

    1 in 1-D (exact); 2.5 in 2-D and 3 above: fitted on random ReLU networks (one to four
    hidden layers), where region density grows faster than the ``lam ** d`` of a Poisson
    arrangement in the plane; on five 2-D networks the worst of 8 slab shares it predicts is
    off by a factor 1.2-1.9 (1.3-2.6 with ``lam ** 2``).
    """
    return 1.0 if d <= 1 else 2.5 if d == 2 else 3.0


def _avoid_neurons(net: Network, axis: int, c: float, width: float) -> float:
    """Move cut ``c`` off every first-layer hyperplane ``x[axis] = const``."""
    W, b = net.weights[0], net.biases[0]
    others = np.delete(np.abs(W), axis, axis=1).max(axis=1, initial=0.0)
    wa = W[:, axis]
    parallel = (np.abs(wa) > 0) & (others <= 1e-12 * np.abs(wa))
    spots = -b[parallel] / wa[parallel]
    for _ in range(100):
        if not np.any(np.abs(spots - c) <= 1e-7 * width):
            break
        c += 1e-5 * width * _GOLDEN
    return c


def default_parts(parts: int | None, workers: int, d: int) -> int:
    """``parts`` checked, or the default for ``workers`` and ``d`` inputs (1 for one worker)."""
    if parts is not None:
        if parts < 1:
            raise ValueError(f"parts must be at least 1, got {parts}")
        return int(parts)
    return parts_per_worker(d) * workers if workers > 1 else 1
