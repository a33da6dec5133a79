"""Results: activation regions, their adjacency, and the set an engine returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from collections.abc import Iterator

import networkx as nx
import numpy as np


def pattern_key(pattern: np.ndarray) -> bytes:
    """Hashable key of a bool pattern (bits packed, big-endian)."""
    return np.packbits(pattern).tobytes()


def pattern_hex(pattern: np.ndarray) -> str:
    """Compact hex text of a bool pattern: bit ``k`` is neuron ``k`` (first neuron = MSB)."""
    return np.packbits(pattern).tobytes().hex()


def pattern_from_hex(text: str, n: int) -> np.ndarray:
    """Inverse of :func:`pattern_hex` for a network with ``n`` hidden neurons.

    Examples
    --------
    >>> import numpy as np
    >>> p = np.array([True, False, True])
    >>> pattern_from_hex(pattern_hex(p), 3).tolist()
    [True, False, True]
    """
    bits = np.unpackbits(np.frombuffer(bytes.fromhex(text), dtype=np.uint8))
    return bits[:n].astype(bool)


@dataclass(frozen=True, eq=False)
class Region:
    """One full-dimensional activation region inside the domain.

    Attributes
    ----------
    pattern : ndarray of bool, shape (N,)
        On/off bit of every hidden neuron (``z > 0`` is on).
    point : ndarray, shape (d,)
        A point of the region's interior inside the domain (the Chebyshev centre, or a point
        certified to have inscribed radius ``radius``).
    radius : float
        Certified radius of a Euclidean ball around ``point`` inside region ∩ domain
        (the Chebyshev radius when ``point`` is the Chebyshev centre).
    out_W, out_b : ndarray
        The network's output on the region: ``f(x) = out_W @ x + out_b``.
    """

    pattern: np.ndarray
    point: np.ndarray
    radius: float
    out_W: np.ndarray
    out_b: np.ndarray

    @property
    def key(self) -> bytes:
        return pattern_key(self.pattern)

    @property
    def hex(self) -> str:
        return pattern_hex(self.pattern)


@dataclass(frozen=True)
class Edge:
    """Two regions sharing a facet inside the domain.

    Attributes
    ----------
    u, v : int
        Indices into :attr:`RegionSet.regions`.
    neurons : tuple of int
        Hidden neurons (pattern indices) whose hyperplane carries the shared facet.
    flipped : tuple of int
        Neurons whose bit differs between the two regions.
    point : ndarray or None
        A point in the relative interior of the shared facet.
    """

    u: int
    v: int
    neurons: tuple[int, ...]
    flipped: tuple[int, ...]
    point: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class RegionSet:
    """Every activation region of a network inside a domain, and how they touch.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [0.0])])
    >>> rs = polyreg.enumerate_regions(net, polyreg.Box([-1, -1], [1, 1]))
    >>> len(rs), rs.graph.number_of_edges()
    (4, 4)
    """

    regions: tuple[Region, ...]
    edges: tuple[Edge, ...]
    method: str
    domain: Any
    widths: tuple[int, ...]
    stats: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.regions)

    def __iter__(self) -> Iterator[Region]:
        return iter(self.regions)

    def __getitem__(self, index: int) -> Region:
        return self.regions[index]

    @property
    def patterns(self) -> set[str]:
        """The set of patterns as hex strings (for comparing engines)."""
        return {r.hex for r in self.regions}

    @property
    def graph(self) -> nx.Graph:
        """Adjacency graph: node ``i`` per region (attributes ``pattern`` hex, ``point``,
        ``radius``), an edge per shared facet (attributes ``neurons``, ``flipped``)."""
        g: nx.Graph[int] = nx.Graph()
        for i, r in enumerate(self.regions):
            g.add_node(i, pattern=r.hex, point=r.point, radius=r.radius)
        for e in self.edges:
            g.add_edge(e.u, e.v, neurons=e.neurons, flipped=e.flipped, point=e.point)
        return g

    def summary(self) -> dict:
        """Counters and descriptors as plain JSON-ready data."""
        return {
            "regions": len(self.regions),
            "edges": len(self.edges),
            "method": self.method,
            "domain": self.domain.describe(),
            "widths": list(self.widths),
            **self.stats,
        }

    def to_dict(self) -> dict:
        """Every region and edge as JSON-ready data (the schema of ``polyreg enumerate``)."""
        out = self.summary()
        out["schema"] = "polyreg.regions/1"
        out["regions_list"] = [
            {
                "id": i,
                "pattern": r.hex,
                "point": r.point.tolist(),
                "radius": r.radius,
                "out_W": r.out_W.tolist(),
                "out_b": r.out_b.tolist(),
            }
            for i, r in enumerate(self.regions)
        ]
        out["edges_list"] = [
            {
                "u": e.u,
                "v": e.v,
                "neurons": list(e.neurons),
                "flipped": list(e.flipped),
                "point": None if e.point is None else e.point.tolist(),
            }
            for e in self.edges
        ]
        return out
