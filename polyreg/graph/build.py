"""Building region adjacency graphs: :func:`region_graph` (one node per activation region,
one edge per shared facet, the attributes of ``docs/graph.md``) and :func:`linear_regions`
(adjacent regions with equal output maps merged)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..network import Network
from ..regions import RegionSet
from ..tolerances import DEFAULT, Tolerances

from .measures import (
    _check_net, _exact_reason, _facet_measure, _measure, _problem, _Rows, _vertices, neuron_pairs,
)

if TYPE_CHECKING:
    import networkx as nx
else:
    from .._lazy import LazyModule

    nx = LazyModule("networkx")  # imported on first use: `import polyreg.plot` stays light


#: schema name stored in every exported graph
GRAPH_SCHEMA = "polyreg.graph/1"


#: two output maps are equal when every entry differs by at most this times
#: ``1 + max |entry|`` of the two maps
MAP_RTOL = 1e-9


# ============================================================================ helpers


def same_map(
    W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray, rtol: float = MAP_RTOL
) -> bool:
    """Whether two affine maps are equal: every entry within ``rtol * (1 + max |entry|)``.

    Examples
    --------
    >>> import numpy as np
    >>> same_map(np.ones((1, 2)), np.zeros(1), np.ones((1, 2)) + 1e-12, np.zeros(1))
    True
    """
    scale = 1.0 + max(
        float(np.abs(W1).max(initial=0.0)), float(np.abs(b1).max(initial=0.0)),
        float(np.abs(W2).max(initial=0.0)), float(np.abs(b2).max(initial=0.0)),
    )
    bound = rtol * scale
    return bool(np.all(np.abs(W1 - W2) <= bound) and np.all(np.abs(b1 - b2) <= bound))


def map_hash(W: np.ndarray, b: np.ndarray, digits: int = 10) -> str:
    """16 hex characters identifying an affine map (entries rounded to ``digits`` decimals).

    Equal hashes group maps that are equal to about ``10**-digits``; maps within the tolerance
    of :func:`same_map` but straddling a rounding boundary hash differently, so merging uses
    :func:`same_map`, never the hash.

    Examples
    --------
    >>> import numpy as np
    >>> map_hash(np.eye(2), np.zeros(2)) == map_hash(np.eye(2) + 1e-14, np.zeros(2))
    True
    """
    data = np.concatenate([np.ravel(W), np.ravel(b)]).astype(np.float64)
    data = np.round(data, digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    shape = np.array(np.shape(W), dtype=np.int64)
    return hashlib.sha256(shape.tobytes() + data.tobytes()).hexdigest()[:16]


# ============================================================================ linear regions
@dataclass(frozen=True)
class LinearRegions:
    """Activation regions merged into linear regions.

    Attributes
    ----------
    labels : ndarray of int, shape (n,)
        Linear region of each activation region, numbered ``0, 1, ...`` in order of first
        appearance.
    count : int
        Number of linear regions.
    activation_regions : int
        Number of activation regions (``n``).
    merged_edges : int
        Edges of the adjacency graph joining two regions with equal maps.
    """

    labels: np.ndarray
    count: int
    activation_regions: int
    merged_edges: int

    def groups(self) -> list[np.ndarray]:
        """Indices of the activation regions of each linear region."""
        order = np.argsort(self.labels, kind="stable")
        cuts = np.flatnonzero(np.diff(self.labels[order])) + 1
        return [np.sort(g) for g in np.split(order, cuts)] if self.labels.size else []

    def to_dict(self) -> dict:
        return {
            "regions": self.activation_regions,
            "linear_regions": self.count,
            "merged_edges": self.merged_edges,
            "labels": self.labels.tolist(),
        }


def _maps(rs: RegionSet, net: Network | None) -> list[tuple[np.ndarray, np.ndarray]]:
    if net is None:
        return [(r.out_W, r.out_b) for r in rs]
    _check_net(rs, net)
    net2 = _problem(net, rs.domain)[0]
    out = []
    for r in rs:
        m = net2.local_maps(r.pattern)
        out.append((m.out_W, m.out_b))
    return out


def linear_regions(
    rs: RegionSet, net: Network | None = None, *, rtol: float = MAP_RTOL
) -> LinearRegions:
    """Merge adjacent activation regions whose output affine maps are equal.

    A linear region is a connected component of the subgraph of the adjacency graph made of
    the edges (shared facets) whose two regions have equal maps (:func:`same_map`).

    Parameters
    ----------
    rs : RegionSet
        Must carry its edges (every engine computes them by default).
    net : Network, optional
        When given, the maps are recomputed from each pattern (``net.local_maps``) instead of
        read from the regions.
    rtol : float
        Relative tolerance of :func:`same_map`.

    Returns
    -------
    LinearRegions

    Notes
    -----
    Regions touching only in a face of dimension below ``d - 1`` are not merged (their union
    has no connected interior). Cost: one map comparison per edge, ``O(E n_out d)``.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> # relu(x) - relu(x): the line x = 0 splits activation regions, not the function
    >>> net = polyreg.Network.from_layers([([[1.0, 0], [1.0, 0], [0, 1.0]], [0.0, 0, 0]),
    ...                                    ([[1.0, -1.0, 1.0]], [0.0])])
    >>> lr = linear_regions(polyreg.enumerate_regions(net, polyreg.Box([-1, -1], [1, 1])))
    >>> lr.activation_regions, lr.count
    (4, 2)
    """
    if not (rtol >= 0):
        raise ValueError(f"rtol must be a non-negative number, got {rtol!r}")
    n = len(rs)
    if rs.stats.get("edges_computed") is False:
        raise ValueError("the RegionSet has no edges (enumerated with edges=False)")
    maps = _maps(rs, net)
    parent = np.arange(n)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return int(i)

    merged = 0
    for e in rs.edges:
        if same_map(*maps[e.u], *maps[e.v], rtol=rtol):
            merged += 1
            ru, rv = find(e.u), find(e.v)
            if ru != rv:
                parent[max(ru, rv)] = min(ru, rv)
    roots = np.array([find(i) for i in range(n)], dtype=np.int64)
    _, first, inverse = np.unique(roots, return_index=True, return_inverse=True)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first)] = np.arange(first.size)
    labels = rank[inverse].reshape(-1) if n else np.zeros(0, dtype=np.int64)
    return LinearRegions(labels, int(first.size), n, merged)


# ============================================================================ the graph
def region_graph(
    rs: RegionSet,
    net: Network | None = None,
    *,
    volumes: bool = True,
    facet_areas: bool = True,
    tol: Tolerances = DEFAULT,
    rtol: float = MAP_RTOL,
) -> nx.Graph:
    """The region adjacency graph with geometric attributes.

    Parameters
    ----------
    rs : RegionSet
    net : Network, optional
        The network ``rs`` was enumerated for; needed for volumes and facet areas.
    volumes, facet_areas : bool
        Compute region volumes and shared-facet areas where they are exact: a network given,
        input dimension <= 3 and a bounded polyhedral domain (box, polytope, L1/L-inf ball).
        Elsewhere they are omitted, and ``graph.graph["volumes"]`` says why.
    tol : Tolerances
    rtol : float
        Relative tolerance for equal output maps (:func:`linear_regions`).

    Returns
    -------
    networkx.Graph
        Node ``i`` is ``rs[i]``, with attributes ``pattern`` (hex), ``point`` (ndarray (d,)),
        ``radius``, ``out_W`` (ndarray (n_out, d)), ``out_b`` (ndarray (n_out,)),
        ``out_hash`` (:func:`map_hash`), ``linear_region`` (int) and, where exact,
        ``volume``. Each edge has ``neurons`` (tuple of ``(layer, unit)``, 1-based layer),
        ``neuron_ids`` (their pattern indices), ``flipped`` (pattern indices of differing
        bits), ``point`` (ndarray (d,) in the shared facet, or None), ``same_map`` (bool) and,
        where exact, ``facet_area``. Graph attributes: ``schema``, ``widths``, ``domain``,
        ``method``, ``regions``, ``linear_regions``, ``volumes``.

    Notes
    -----
    Volumes: vertices of each region ∩ domain by ``scipy.spatial.HalfspaceIntersection``
    around the region's interior point, then ``ConvexHull.volume`` (an interval's length in
    1-D). Facet areas: the polytope ``closure(u) ∩ closure(v)`` in coordinates of the crossed
    hyperplane, the same way. Cost per region: one ``O(m log m)`` hull in ``d <= 3``.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [0.0])])
    >>> g = region_graph(polyreg.enumerate_regions(net, polyreg.Box([-1, -1], [1, 1])), net)
    >>> sorted(round(d["facet_area"], 6) for *_, d in g.edges(data=True))
    [1.0, 1.0, 1.0, 1.0]
    >>> sorted({n for *_, d in g.edges(data=True) for n in d["neurons"]})
    [(1, 0), (1, 1)]
    """
    if net is not None:
        _check_net(rs, net)
    lin = linear_regions(rs, rtol=rtol)
    g: nx.Graph[Any] = nx.Graph()
    reason = _exact_reason(rs, net)
    want = volumes or facet_areas
    g.graph.update(
        schema=GRAPH_SCHEMA,
        widths=tuple(int(w) for w in rs.widths),
        domain=rs.domain.describe(),
        method=str(rs.method),
        regions=len(rs),
        linear_regions=lin.count,
        volumes="exact" if (reason is None and want) else f"omitted: {reason or 'not requested'}",
    )
    rows = _Rows(rs, net, tol) if (reason is None and want and net is not None) else None
    for i, r in enumerate(rs):
        attrs: dict[str, Any] = dict(
            pattern=r.hex,
            point=np.array(r.point, dtype=float),
            radius=float(r.radius),
            out_W=np.array(r.out_W, dtype=float),
            out_b=np.array(r.out_b, dtype=float),
            out_hash=map_hash(r.out_W, r.out_b),
            linear_region=int(lin.labels[i]),
        )
        if rows is not None and volumes:
            A, b, _ = rows.unique(i)
            attrs["volume"] = _measure(_vertices(A, b, r.point, tol))
        g.add_node(i, **attrs)
    d = rows.domain.dim if rows is not None else None
    for e in rs.edges:
        attrs = dict(
            neurons=neuron_pairs(rs.widths, e.neurons),
            neuron_ids=tuple(int(k) for k in e.neurons),
            flipped=tuple(int(k) for k in e.flipped),
            point=None if e.point is None else np.array(e.point, dtype=float),
            same_map=same_map(
                rs[e.u].out_W, rs[e.u].out_b, rs[e.v].out_W, rs[e.v].out_b, rtol=rtol
            ),
        )
        if rows is not None and facet_areas and d is not None and d >= 2 and e.neurons:
            attrs["facet_area"] = _facet_measure(rows, e.u, e.v, e.neurons[0], attrs["point"], tol)
        g.add_edge(e.u, e.v, **attrs)
    return g
