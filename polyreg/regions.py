"""Results: activation regions, their adjacency, and the set an engine returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from collections.abc import Iterator

import numpy as np

if TYPE_CHECKING:
    import networkx as nx


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


def _polygon_area(P: np.ndarray) -> float:
    """Area of a polygon given by its vertices in order (shoelace)."""
    if P.ndim != 2 or P.shape[0] < 3 or P.shape[1] != 2:
        return float("nan")
    x, y = P[:, 0], P[:, 1]
    return abs(float(0.5 * np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)))


def _predicted(region: Region) -> int:
    """Predicted class at the region's point: argmax of the output, ``f > 0`` for one."""
    out = region.out_W @ region.point + region.out_b
    return int(out[0] > 0) if out.size == 1 else int(np.argmax(out))


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
        *Carried*: the hidden neurons (pattern indices) whose hyperplane (zero set) carries the
        shared facet. Every flipped neuron is carried (its pre-activation changes sign across
        the facet, so it vanishes there); a carried neuron may not flip (a zero set that touches
        the facet, such as ``|x|`` from two ReLUs). ``traverse``, ``split``, ``milp``,
        ``branch``, ``skeleton`` and ``homog`` test carrying; ``planar`` and ``line`` do not and
        report the flipped neurons here (equal to the carried ones unless a zero set touches
        the facet). Stored as ``neurons`` in graphs, stores and fixtures.
    flipped : tuple of int
        *Flipped*: the neurons whose bit differs between the two regions (always exact: the
        patterns' difference).
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

    def __repr__(self) -> str:
        """Short: ``<RegionSet 11 regions, Box in R^2, engine=traverse, 0.01 s>``.

        Examples
        --------
        >>> import numpy as np, polyreg
        >>> net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [0.0])])
        >>> rs = polyreg.enumerate_regions(net, polyreg.Box([-1, -1], [1, 1]), method="traverse")
        >>> repr(rs)  # doctest: +ELLIPSIS
        '<RegionSet 4 regions, Box in R^2, engine=traverse, ... s>'
        """
        n = len(self.regions)
        parts = [f"<RegionSet {n:,} region{'s' if n != 1 else ''}"]
        dim = self.widths[0] if self.widths else None
        parts.append(f"{type(self.domain).__name__}" + (f" in R^{dim}" if dim is not None else ""))
        parts.append(f"engine={self.stats.get('engine', self.method)}")
        seconds = self.stats.get("seconds")
        if isinstance(seconds, (int, float)):
            parts.append(f"{seconds:.2g} s" if seconds < 10 else f"{seconds:.0f} s")
        return ", ".join(parts) + ">"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython: the short repr
        printer.text(repr(self))

    def to_frame(self) -> Any:
        """One row per region as a pandas ``DataFrame`` (the optional extra ``notebook``).

        Columns: ``pattern`` (hex, :func:`pattern_hex`), ``point`` (an interior point, an
        array), ``radius`` (certified inscribed radius around it), ``volume`` (area or volume of
        region ∩ domain when known: the ``planar`` engine's polygons; NaN otherwise), ``class``
        (predicted class at ``point``: argmax of the output, ``f > 0`` for one output), and for
        at most 16 inputs the coordinates ``x0, x1, ...`` of ``point``. The index is the region
        index (as in :attr:`edges` and :attr:`graph`).

        Raises
        ------
        ImportError
            pandas is not installed: ``pip install 'polyreg[notebook]'``.

        Examples
        --------
        >>> import numpy as np, polyreg
        >>> net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [-0.5])])
        >>> rs = polyreg.enumerate_regions(net, polyreg.Box([-1, -1], [1, 1]))
        >>> df = rs.to_frame()  # doctest: +SKIP
        >>> sorted(df["class"].tolist()), list(df.columns)[:5]  # doctest: +SKIP
        ([0, 0, 0, 1], ['pattern', 'point', 'radius', 'volume', 'class'])
        """
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError(
                "RegionSet.to_frame needs pandas: pip install 'polyreg[notebook]' "
                "(or pip install pandas)"
            ) from exc
        return pd.DataFrame(self._records()).rename_axis("region")

    def _records(self) -> dict[str, list]:
        """The columns of :meth:`to_frame` as plain lists."""
        polygons = getattr(self, "polygons", None)
        volumes: list[float] = [float("nan")] * len(self.regions)
        if polygons is not None and len(polygons) == len(self.regions):
            volumes = [_polygon_area(np.asarray(P, dtype=float)) for P in polygons]
        cols: dict[str, list] = {
            "pattern": [r.hex for r in self.regions],
            "point": [r.point for r in self.regions],
            "radius": [float(r.radius) for r in self.regions],
            "volume": volumes,
            "class": [_predicted(r) for r in self.regions],
        }
        d = self.regions[0].point.size if self.regions else 0
        if d <= 16:
            for k in range(d):
                cols[f"x{k}"] = [float(r.point[k]) for r in self.regions]
        return cols

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
        import networkx as nx  # here: `import polyreg` stays light

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
