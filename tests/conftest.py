"""Shared fixtures and helpers for the polyreg test suite.

* A hypothesis profile ``"ci"`` (derandomized, fixed ``max_examples``, no deadline, no example
  database) is registered and loaded by default; set ``HYPOTHESIS_PROFILE`` to override it.
* Test data live in ``tests/data`` and are found through ``Path(__file__)``.
* Helpers build networks from plain lists and check the invariants every enumeration must
  satisfy (:func:`check_region_set`), so each engine is held to the same standard.
"""

from __future__ import annotations

import os
from itertools import combinations
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import polyreg
from polyreg.domains import sample
from polyreg.regions import pattern_hex

# ---------------------------------------------------------------------------- hypothesis
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# ---------------------------------------------------------------------------- data
DATA_DIR = Path(__file__).resolve().parent / "data"

#: Absolute tolerance for comparing affine maps against a forward pass (float64, O(1) weights).
ATOL_MAPS = 1e-9

#: How far (relative to the neuron's weight scale) a pre-activation may be from 0 at a facet
#: point and still count as vanishing there.
FACET_ZERO = 1e-7


@pytest.fixture
def data_dir() -> Path:
    """Directory of the committed test data files."""
    return DATA_DIR


# ---------------------------------------------------------------------------- builders
def net_from(*layers: tuple[object, object]) -> polyreg.Network:
    """``net_from((W0, b0), (W1, b1), ...)`` from nested lists."""
    return polyreg.Network.from_layers(
        [(np.asarray(W, dtype=float), np.asarray(b, dtype=float)) for W, b in layers]
    )


def one_layer(W: np.ndarray, b: np.ndarray) -> polyreg.Network:
    """One hidden layer ``relu(W x + b)`` followed by a summing output."""
    W = np.asarray(W, dtype=float)
    b = np.asarray(b, dtype=float)
    return net_from((W, b), (np.ones((1, W.shape[0])), [0.0]))


def lines_through(point: np.ndarray, k: int, phase: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """``k`` distinct lines through ``point`` in the plane (rows ``W``, offsets ``b``), with
    normals at angles ``phase + pi j / k``."""
    angles = phase + np.pi * np.arange(k) / k
    W = np.column_stack([np.cos(angles), np.sin(angles)])
    return W, -W @ np.asarray(point, dtype=float)


# ---------------------------------------------------------------------------- oracles
def zaslavsky(m: int, d: int) -> int:
    """Regions of ``m`` hyperplanes in general position in R^d: ``sum_{i<=d} C(m, i)``."""
    from math import comb

    return sum(comb(m, i) for i in range(d + 1))


def arrangement_box(W: np.ndarray, b: np.ndarray) -> polyreg.Box:
    """A box holding every face of the arrangement ``W x + b = 0`` (general position).

    Every vertex (``d x d`` subsystem) is inside; with fewer hyperplanes than dimensions the
    least-norm point of their common intersection is inside (it lies on every sub-flat).
    The box is the points' bounding box doubled about its centre, plus a unit margin.
    """
    m, d = W.shape
    if m >= d:
        pts = [np.linalg.solve(W[list(S)], -b[list(S)]) for S in combinations(range(m), d)]
    else:
        pts = [np.linalg.lstsq(W, -b, rcond=None)[0]]
    pts = np.array(pts)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    return polyreg.Box(mid - 2 * half - 1.0, mid + 2 * half + 1.0)


def pieces_1d(net: polyreg.Network, lo: float, hi: float) -> np.ndarray:
    """Exact breakpoints of every hidden neuron of a 1-input network on ``[lo, hi]``.

    Analytic sweep, layer by layer: once the zeros of layers ``< l`` are breakpoints, every
    layer-``l`` pre-activation is affine between consecutive breakpoints, so its zeros there
    are found by linear interpolation between the endpoint values (a sign change strictly
    inside a piece). Returns the sorted breakpoints including ``lo`` and ``hi``.
    """
    points = np.array([lo, hi], dtype=float)
    for layer in range(len(net.hidden_widths)):
        z = net.preactivations(points[:, None])[layer]  # (len(points), width)
        za, zb = z[:-1], z[1:]
        xa, xb = points[:-1, None], points[1:, None]
        cross = ((za < 0) & (zb > 0)) | ((za > 0) & (zb < 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            roots = xa - za * (xb - xa) / (zb - za)
        new = roots[cross]
        points = np.unique(np.concatenate([points, new]))
    return points


def patterns_1d(net: polyreg.Network, lo: float, hi: float) -> list[str]:
    """Patterns (hex) of the activation regions of a 1-input network on ``[lo, hi]``, left to
    right: the pattern at the midpoint of every piece of :func:`pieces_1d`, equal neighbours
    merged."""
    points = pieces_1d(net, lo, hi)
    mids = (points[:-1] + points[1:]) / 2
    out: list[str] = []
    for p in net.pattern(mids[:, None]):
        h = pattern_hex(p)
        if not out or out[-1] != h:
            out.append(h)
    return out


# ---------------------------------------------------------------------------- invariants
def canonical_pattern(net: polyreg.Network, pattern: np.ndarray) -> np.ndarray:
    """``pattern`` with the neurons that are identically zero on its region set off.

    A neuron whose local map is ``0 . x + 0`` (e.g. ``relu(x) - relu(x)``, or ``relu(-x)`` fed
    only by neurons that are off) is off by the ``z > 0`` convention, but a forward pass may
    give it ``+-1e-16`` by rounding. Its bit does not change the later layers' maps (its output
    is the zero function either way), so the local maps of ``pattern`` identify it.
    """
    maps = net.local_maps(pattern)
    scale = net.weight_scale()
    zero = (np.abs(maps.G).sum(axis=1) <= 1e-12 * scale) & (np.abs(maps.c) <= 1e-12 * scale)
    out = np.array(pattern, dtype=bool)
    out[zero] = False
    return out


def check_region_set(
    net: polyreg.Network,
    domain: polyreg.Domain,
    rs: polyreg.RegionSet,
    *,
    n_samples: int = 2000,
    seed: int = 0,
    edges_flip_carried: bool = True,
) -> None:
    """Assert the invariants every enumeration must satisfy.

    * no pattern twice; ``len(rs)`` equals the graph's node count;
    * each region's point lies in the domain, with the forward pass's pattern there (made
      canonical by :func:`canonical_pattern`), and a positive certified radius;
    * every (canonical) pattern met by ``n_samples`` random points of the domain was
      enumerated;
    * the adjacency graph is connected (the domain is convex);
    * each edge joins two different patterns, carries at least one neuron, its ``flipped``
      is exactly the set of differing bits, and at its facet point every neuron that does not
      vanish there has the same bit in both regions (and that bit is its sign there);
      with ``edges_flip_carried`` (true for networks without coinciding bent hyperplanes),
      every carried neuron is flipped.
    """
    assert len(rs) >= 1
    hexes = [r.hex for r in rs]
    assert len(set(hexes)) == len(hexes), "a pattern was enumerated twice"
    assert rs.patterns == set(hexes)
    assert rs.widths == net.widths

    points = np.array([r.point for r in rs])
    assert points.shape == (len(rs), net.n_inputs)
    assert np.all(domain.contains(points)), "a region's point lies outside the domain"
    for r in rs:
        assert r.radius > 0, f"region {r.hex} has radius {r.radius}"
        assert pattern_hex(canonical_pattern(net, net.pattern(r.point))) == r.hex, (
            f"net.pattern(point) differs from the region's pattern {r.hex}"
        )
        # the stored output map is the network's on the region
        np.testing.assert_allclose(
            r.out_W @ r.point + r.out_b, net.forward(r.point), rtol=1e-9, atol=ATOL_MAPS
        )

    pts = sample(domain, n_samples, np.random.default_rng(seed))
    seen = {pattern_hex(canonical_pattern(net, p)) for p in np.unique(net.pattern(pts), axis=0)}
    missing = seen - rs.patterns
    assert not missing, f"{len(missing)} sampled pattern(s) not enumerated, e.g. {sorted(missing)[:3]}"

    g = rs.graph
    assert g.number_of_nodes() == len(rs)
    assert g.number_of_edges() == len(rs.edges)
    if len(rs) > 1:
        assert nx.is_connected(g), "the region adjacency graph is not connected"
    scale = net.weight_scale()
    for e in rs.edges:
        pu, pv = rs[e.u].pattern, rs[e.v].pattern
        assert e.u != e.v
        assert len(e.neurons) > 0, f"edge {e.u}-{e.v} carries no neuron"
        diff = tuple(int(k) for k in np.flatnonzero(pu != pv))
        assert diff, f"edge {e.u}-{e.v} joins two regions with one pattern"
        assert tuple(e.flipped) == diff
        if edges_flip_carried:
            assert set(e.neurons) <= set(e.flipped), (
                f"edge {e.u}-{e.v}: carried {e.neurons}, flipped {e.flipped}"
            )
        if e.point is not None:
            p = np.asarray(e.point, dtype=float)
            assert np.all(domain.contains(p, margin=-1e-9))
            z = np.concatenate(net.preactivations(p))
            vanish = np.abs(z) <= FACET_ZERO * scale
            assert np.all(vanish[list(e.neurons)]), "a carried neuron does not vanish at the facet"
            firm = ~vanish
            assert np.array_equal(pu[firm], pv[firm])
            assert np.array_equal(pu[firm], z[firm] > 0)


def region_volumes(net: polyreg.Network, box: polyreg.Box, rs: polyreg.RegionSet) -> np.ndarray:
    """Volume of each region inside ``box``, from its H-representation (independent of the
    engine: halfspace intersection around the region's point, then a convex hull)."""
    from scipy.spatial import ConvexHull, HalfspaceIntersection

    d = net.n_inputs
    eye = np.eye(d)
    box_h = np.vstack(
        [np.hstack([eye, -box.hi[:, None]]), np.hstack([-eye, box.lo[:, None]])]
    )  # rows [a | c] meaning a x + c <= 0
    vols = []
    for r in rs:
        maps = net.local_maps(r.pattern)
        sign = np.where(r.pattern, -1.0, 1.0)  # on: -(g x + c) <= 0 ; off: g x + c <= 0
        H = np.hstack([sign[:, None] * maps.G, (sign * maps.c)[:, None]])
        H = H[np.linalg.norm(H[:, :d], axis=1) > 1e-12]
        hs = HalfspaceIntersection(np.vstack([H, box_h]), r.point)
        vols.append(ConvexHull(hs.intersections).volume)
    return np.array(vols)


# ---------------------------------------------------------------------------- slow marker
def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--runslow", action="store_true", default=False,
        help="also run tests marked slow (they run anyway when -m selects them)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip ``@pytest.mark.slow`` tests unless ``--runslow`` or a ``-m`` expression is given."""
    if config.getoption("--runslow") or config.getoption("markexpr"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow or -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
