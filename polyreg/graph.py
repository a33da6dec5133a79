"""Region adjacency graphs: attributes, linear regions, graph facts, export and import.

Functions over a :class:`~polyreg.regions.RegionSet` (plain data in, plain data out). A
``RegionSet`` does not keep its network, so every function that needs a region's constraints
(volumes, facet areas, boundary regions) takes the network as an argument.

* :func:`region_graph` -- a :class:`networkx.Graph` with one node per activation region and
  one edge per shared facet, with the attributes listed in ``docs/graph.md``.
* :func:`linear_regions` -- merge adjacent activation regions whose output affine maps are
  equal (within a relative tolerance) into linear regions; both counts.
* :func:`degree_distribution`, :func:`diameter`, :func:`boundary_regions`,
  :func:`most_crossed_neurons` -- graph facts.
* :func:`write_graph` / :func:`read_graph` -- GraphML, JSON node-link and a compact ``.npz``.

Examples
--------
>>> import numpy as np, polyreg
>>> from polyreg.graph import region_graph, linear_regions
>>> net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [0.0])])
>>> rs = polyreg.enumerate_regions(net, polyreg.Box([-1, -1], [1, 1]))
>>> g = region_graph(rs, net)
>>> g.number_of_nodes(), round(sum(a for _, a in g.nodes(data="volume")), 9)
(4, 4.0)
>>> linear_regions(rs).count
4
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from ._files import open_output
from .domains import Ball, Domain
from .errors import PolyregError
from .network import Network
from .npyfile import ArrayFileError, load_npz
from .regions import RegionSet
from .tolerances import DEFAULT, Tolerances

#: schema name stored in every exported graph
GRAPH_SCHEMA = "polyreg.graph/1"

#: largest input dimension where volumes and facet areas are computed (exactly, from vertices)
EXACT_MAX_DIM = 3

#: two output maps are equal when every entry differs by at most this times
#: ``1 + max |entry|`` of the two maps
MAP_RTOL = 1e-9

#: largest dimension where boundary regions of an L2 ball are found from vertices
BALL_BOUNDARY_MAX_DIM = 8

#: largest dimension where the facets of a region are classified by one convex hull in the
#: polar (``geometry.polar_facets``) before any LP
POLAR_MAX_DIM = 6

if TYPE_CHECKING:
    import networkx as nx

    from .engines._common import RegionRows
else:
    from ._lazy import LazyModule

    nx = LazyModule("networkx")  # imported on first use: `import polyreg.plot` stays light

GraphLike: TypeAlias = "nx.Graph | RegionSet"  # a string: networkx is imported lazily

#: attributes holding arrays / tuples, decoded on reading
_NODE_ARRAYS = ("point", "out_W", "out_b")
_EDGE_INT_TUPLES = ("neuron_ids", "flipped")


# ============================================================================ helpers
def neuron_pairs(widths: Sequence[int], indices: Iterable[int]) -> tuple[tuple[int, int], ...]:
    """``(layer, unit)`` of pattern indices: 1-based layer, 0-based unit (as
    :meth:`polyreg.Network.neuron_name`).

    Parameters
    ----------
    widths : tuple of int
        ``(n_inputs, hidden widths..., n_outputs)``, e.g. ``RegionSet.widths``.
    indices : iterable of int

    Examples
    --------
    >>> neuron_pairs((2, 3, 4, 1), [0, 2, 3, 6])
    ((1, 0), (1, 2), (2, 0), (2, 3))
    """
    offsets = np.concatenate([[0], np.cumsum(widths[1:-1])])
    out = []
    for k in indices:
        layer = int(np.searchsorted(offsets, int(k), side="right")) - 1
        out.append((layer + 1, int(k) - int(offsets[layer])))
    return tuple(out)


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


def _problem(net: Network, domain: Domain) -> tuple[Network, Domain]:
    """The network and domain in the coordinates of the regions' points: a 2-D slice (an
    object with ``network(net)`` and ``bound``, see ``polyreg.slices.Slice``) becomes the
    composed 2-input network on the slice's bound."""
    if hasattr(domain, "bound") and callable(getattr(domain, "network", None)):
        return domain.network(net), domain.bound  # type: ignore[attr-defined]  # a slice, duck-typed
    return net, domain


def _check_net(rs: RegionSet, net: Network) -> None:
    if not isinstance(net, Network):
        raise TypeError(f"net must be a polyreg.Network, got {type(net).__name__}")
    if tuple(net.widths) != tuple(rs.widths):
        raise ValueError(
            f"net has widths {net.widths} but the regions were enumerated for {tuple(rs.widths)}"
        )


class _Rows:
    """Each region's rows ``A x <= b`` (one per distinct hyperplane), built once."""

    def __init__(self, rs: RegionSet, net: Network, tol: Tolerances) -> None:
        from .engines._common import Context

        self.net, self.domain = _problem(net, rs.domain)
        self.ctx = Context.create(self.net, self.domain, tol)
        self.rs = rs
        self._cache: dict[int, RegionRows] = {}

    def __getitem__(self, i: int) -> RegionRows:
        from .engines._common import region_rows

        rr = self._cache.get(i)
        if rr is None:
            rr = region_rows(self.ctx, self.rs[i].pattern)
            self._cache[i] = rr
        return rr

    def unique(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows with one representative per hyperplane, and the neuron of each (-1: domain)."""
        rr = self[i]
        _, first = np.unique(rr.group, return_index=True)
        first = np.sort(first)
        return rr.A[first], rr.b[first], rr.neuron[first]


def _interior(A: np.ndarray, b: np.ndarray, y0: np.ndarray, tol: Tolerances) -> np.ndarray:
    """``y0`` when it lies well inside ``A y <= b`` (unit rows), else a Chebyshev centre."""
    if A.shape[0] == 0 or float((b - A @ y0).min()) >= 1e-7 * (1.0 + float(np.abs(y0).max())):
        return y0
    from .domains import Whole
    from .lp import SolveCounter, inscribed_ball

    res = inscribed_ball(A, b, Whole(A.shape[1]), tol, SolveCounter(), what="interior point")
    if not res.full or res.center is None:
        raise PolyregError("a region or facet has no interior point (not full-dimensional)")
    return res.center


def _vertices(A: np.ndarray, b: np.ndarray, point: np.ndarray, tol: Tolerances) -> np.ndarray:
    """Vertices of the bounded polytope ``A x <= b`` (unit rows) around an interior point;
    counter-clockwise for ``d = 2``, ``[lo, hi]`` (shape (2, 1)) for ``d = 1``."""
    d = A.shape[1]
    if d == 1:
        a = A[:, 0]
        up, down = a > 0, a < 0
        hi = float((b[up] / a[up]).min()) if up.any() else np.inf
        lo = float((b[down] / a[down]).max()) if down.any() else -np.inf
        return np.array([[lo], [hi]])
    from scipy.spatial import HalfspaceIntersection

    p = _interior(A, b, np.asarray(point, dtype=float), tol)
    hs = HalfspaceIntersection(np.hstack([A, -b[:, None]]), p)
    V = hs.intersections
    if not np.all(np.isfinite(V)):
        raise ValueError("the region is unbounded: volumes need a bounded polyhedral domain")
    eps = 1e-11 * (1.0 + float(np.abs(V).max()))
    kept: list[np.ndarray] = []
    for v in V:  # a vertex where more than d hyperplanes meet comes out more than once
        if all(np.abs(v - w).max() > eps for w in kept):
            kept.append(v)
    V = np.array(kept)
    if d == 2:
        c = V.mean(axis=0)
        V = V[np.argsort(np.arctan2(V[:, 1] - c[1], V[:, 0] - c[0]))]
    return V


def _measure(V: np.ndarray) -> float:
    """Volume of the convex hull of ``V`` (length for one coordinate)."""
    if V.shape[1] == 1:
        return float(V[:, 0].max() - V[:, 0].min())
    from scipy.spatial import ConvexHull

    return float(ConvexHull(V).volume)


def _exact_reason(rs: RegionSet, net: Network | None) -> str | None:
    """Why volumes cannot be computed exactly (None when they can)."""
    if net is None:
        return "no network given"
    dom = _problem(net, rs.domain)[1]
    if dom.dim > EXACT_MAX_DIM:
        return f"dimension {dom.dim} > {EXACT_MAX_DIM}"
    if not dom.bounded:
        return "unbounded domain"
    if dom.rows() is None:
        return f"{type(dom).__name__} domain without polyhedral rows"
    return None


def region_vertices(
    rs: RegionSet, net: Network, *, tol: Tolerances = DEFAULT
) -> list[np.ndarray]:
    """Vertices of every region ∩ domain (input dimension <= 3, polyhedral bounded domain).

    Parameters
    ----------
    rs : RegionSet
    net : Network
        The network ``rs`` was enumerated for.
    tol : Tolerances

    Returns
    -------
    list of ndarray
        Per region, shape ``(k, d)``: counter-clockwise polygon vertices for ``d = 2``, the
        interval ``[[lo], [hi]]`` for ``d = 1``, the vertices in no order for ``d = 3``. For a
        slice domain, in slice coordinates.

    Raises
    ------
    ValueError
        Dimension above 3, an unbounded domain or one without rows (L2 ball).

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([([[1.0, 0.0]], [0.0]), ([[1.0]], [0.0])])
    >>> rs = polyreg.enumerate_regions(net, polyreg.Box([-1, -1], [1, 1]))
    >>> sorted(len(v) for v in region_vertices(rs, net))
    [4, 4]
    """
    _check_net(rs, net)
    reason = _exact_reason(rs, net)
    if reason is not None:
        raise ValueError(f"region vertices need d <= {EXACT_MAX_DIM} and a bounded polyhedral "
                         f"domain ({reason})")
    rows = _Rows(rs, net, tol)
    out = []
    for i, r in enumerate(rs):
        A, b, _ = rows.unique(i)
        out.append(_vertices(A, b, r.point, tol))
    return out


def _facet_measure(
    rows: _Rows, u: int, v: int, neuron: int, point: np.ndarray | None, tol: Tolerances
) -> float:
    """(d-1)-volume of the face shared by regions ``u`` and ``v`` on ``neuron``'s hyperplane."""
    ru, rv = rows[u], rows[v]
    k = np.flatnonzero(ru.neuron == neuron)
    if k.size == 0:
        ru, rv = rv, ru
        k = np.flatnonzero(ru.neuron == neuron)
    a, beta = ru.A[k[0]], float(ru.b[k[0]])
    C = np.vstack([ru.A, rv.A])
    c = np.concatenate([ru.b, rv.b])
    R = np.hstack([C, c[:, None]])
    h = np.concatenate([a, [beta]])
    on = (np.linalg.norm(R - h, axis=1) <= 1e-8) | (np.linalg.norm(R + h, axis=1) <= 1e-8)
    C, c = C[~on], c[~on]
    d = a.size
    B = np.linalg.svd(a[None, :])[2][1:].T  # (d, d-1) orthonormal basis of the hyperplane
    p0 = beta * a if point is None else point - (a @ point - beta) * a
    Ay, by = C @ B, c - C @ p0
    norms = np.linalg.norm(Ay, axis=1)
    parallel = norms <= 1e-12
    if np.any(by[parallel] < -1e-9):
        return 0.0
    Ay, by = Ay[~parallel] / norms[~parallel, None], by[~parallel] / norms[~parallel]
    if d - 1 == 1:
        V = _vertices(Ay, by, np.zeros(1), tol)
        return max(0.0, float(V[1, 0] - V[0, 0]))
    return _measure(_vertices(Ay, by, np.zeros(d - 1), tol))


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


# ============================================================================ graph facts
def _as_graph(obj: GraphLike) -> nx.Graph:
    if isinstance(obj, RegionSet):
        return obj.graph
    if isinstance(obj, nx.Graph):
        return obj
    raise TypeError(f"expected a RegionSet or a networkx.Graph, got {type(obj).__name__}")


def degree_distribution(obj: GraphLike) -> dict[int, int]:
    """Number of regions with each number of neighbours, ``{degree: count}`` by degree.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [0.0])])
    >>> degree_distribution(polyreg.enumerate_regions(net, polyreg.Box([-1, -1], [1, 1])))
    {2: 4}
    """
    counts = Counter(int(k) for _, k in _as_graph(obj).degree())
    return dict(sorted(counts.items()))


def diameter(obj: GraphLike) -> int:
    """Largest number of facet crossings between two regions (0 for one region).

    Raises
    ------
    ValueError
        The graph is empty or not connected.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [0.0])])
    >>> diameter(polyreg.enumerate_regions(net, polyreg.Box([-1, -1], [1, 1])))
    2
    """
    g = _as_graph(obj)
    if g.number_of_nodes() == 0:
        raise ValueError("the graph is empty")
    if not nx.is_connected(g):
        raise ValueError("the graph is not connected: its diameter is infinite")
    return int(nx.diameter(g)) if g.number_of_nodes() > 1 else 0


def most_crossed_neurons(obj: GraphLike, top: int | None = 10) -> list[tuple[tuple[int, int], int]]:
    """Neurons carrying the most shared facets: ``[((layer, unit), edges), ...]``, most first
    (ties by neuron).

    Parameters
    ----------
    obj : RegionSet or networkx.Graph
        A graph from :func:`region_graph` or ``RegionSet.graph``.
    top : int or None
        How many to return (None: all).

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [0.0])])
    >>> most_crossed_neurons(polyreg.enumerate_regions(net, polyreg.Box([-1, -1], [1, 1])))
    [((1, 0), 2), ((1, 1), 2)]
    """
    counts: Counter[tuple[int, int]]
    if isinstance(obj, RegionSet):
        counts = Counter(p for e in obj.edges for p in neuron_pairs(obj.widths, e.neurons))
    else:
        g = _as_graph(obj)
        widths = g.graph.get("widths")
        counts = Counter()
        for *_, data in g.edges(data=True):
            ns = data.get("neurons", ())
            if ns and not isinstance(ns[0], (tuple, list)):  # RegionSet.graph: pattern indices
                if widths is None:
                    raise ValueError("the graph's edges carry pattern indices and it has no widths")
                ns = neuron_pairs(widths, ns)
            counts.update((int(p[0]), int(p[1])) for p in ns)  # (layer, unit) pairs
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return ranked if top is None else ranked[:top]


def _unbounded(A: np.ndarray) -> bool:
    """Whether ``{x : A x <= b}`` (non-empty, unit rows) is unbounded: its recession cone
    ``A y <= 0`` is not ``{0}``, i.e. the origin is not strictly inside ``conv(rows)``."""
    d = A.shape[1]
    if A.shape[0] <= d or np.linalg.matrix_rank(A) < d:
        return True
    if d == 1:
        return not (np.any(A[:, 0] > 0) and np.any(A[:, 0] < 0))
    from scipy.spatial import ConvexHull, QhullError

    try:
        hull = ConvexHull(A)
    except QhullError:
        return True
    return bool(np.any(hull.equations[:, -1] >= -1e-12))


def boundary_regions(
    rs: RegionSet, net: Network, *, tol: Tolerances = DEFAULT
) -> np.ndarray:
    """Regions meeting the domain's boundary in a facet, as sorted indices into ``rs``.

    * Polyhedral domains (box, polytope, L1/L-inf ball): a region counts when a domain row
      carries a facet of region ∩ domain. Up to 6 dimensions one convex hull in the polar
      (:func:`polyreg.geometry.polar_facets`, as ``traverse`` uses) classifies every row; a
      row it leaves undecided is certified by the foot of the perpendicular from the
      region's point, else decided by one LP on the row's hyperplane
      (:func:`polyreg.lp.inscribed_ball` with ``on_row``).
    * An L2 ball (or an L1 ball without rows): the region's polyhedron is not inside the ball,
      decided from the vertices of the polyhedron clipped to twice the ball's bounding box
      (input dimension <= 8).
    * The whole space: the unbounded regions.

    Parameters
    ----------
    rs : RegionSet
    net : Network
    tol : Tolerances

    Returns
    -------
    ndarray of int

    Raises
    ------
    ValueError
        A ball domain without rows in more than 8 dimensions.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([([[1.0, 0], [-1.0, 0]], [0.5, 0.5]),
    ...                                    ([[1.0, 1.0]], [0.0])])
    >>> rs = polyreg.enumerate_regions(net, polyreg.Box([-1, -1], [1, 1]))
    >>> len(rs), len(boundary_regions(rs, net))
    (3, 3)
    """
    from .lp import SolveCounter, inscribed_ball

    _check_net(rs, net)
    rows = _Rows(rs, net, tol)
    dom = rows.domain
    out = []
    if not dom.bounded:
        for i in range(len(rs)):
            A, _, neuron = rows.unique(i)
            if _unbounded(A[neuron >= 0]):
                out.append(i)
        return np.array(out, dtype=np.int64)
    if dom.rows() is None:
        if not isinstance(dom, Ball):  # pragma: no cover - every bounded domain is one of these
            raise ValueError(f"boundary regions are not defined for {type(dom).__name__}")
        if dom.dim > BALL_BOUNDARY_MAX_DIM:
            raise ValueError(
                f"boundary regions of a ball without rows need dimension <= "
                f"{BALL_BOUNDARY_MAX_DIM}, got {dom.dim}"
            )
        lo, hi = dom.bounding_box()
        mid, half = (lo + hi) / 2, (hi - lo)  # twice the bounding box
        eye = np.eye(dom.dim)
        box_A, box_b = np.vstack([eye, -eye]), np.concatenate([mid + half, -(mid - half)])
        for i, r in enumerate(rs):
            A, b, neuron = rows.unique(i)
            keep = neuron >= 0
            V = _vertices(np.vstack([A[keep], box_A]), np.concatenate([b[keep], box_b]),
                          r.point, tol)
            dist = np.linalg.norm(V - dom.center, ord=dom.norm, axis=1).max()
            if dist > dom.radius * (1 + 1e-12) + 1e-12:
                out.append(i)
        return np.array(out, dtype=np.int64)
    from .geometry import polar_facets

    counter = SolveCounter()
    for i, r in enumerate(rs):
        rr = rows[i]
        A, b, group = rr.A, rr.b, rr.group
        slack = b - A @ r.point
        labels, reps = np.unique(group, return_index=True)
        domain_groups = np.unique(group[rr.neuron < 0])
        decided = None
        if dom.dim <= POLAR_MAX_DIM:  # one convex hull in the polar classifies every row
            polar = polar_facets(A, slack, reps, tol.radius)
            if polar is not None:
                facet, _, undecided = polar
                at = np.searchsorted(labels, domain_groups)
                if np.any(facet[at]):
                    out.append(i)
                    continue
                if not np.any(undecided[at]):
                    continue
                decided = ~undecided[at]
        for n, lab in enumerate(domain_groups):
            if decided is not None and decided[n]:
                continue
            j = int(np.flatnonzero((group == lab) & (rr.neuron < 0))[0])
            same = group == lab
            q = r.point + slack[j] * A[j]  # foot of the perpendicular on row j's hyperplane
            others = b[~same] - A[~same] @ q
            if others.size == 0 or float(others.min()) >= tol.radius:
                out.append(i)
                break
            res = inscribed_ball(A, b, dom, tol, counter, on_row=j, skip=same,
                                 what="boundary facet")
            if res.full:
                out.append(i)
                break
    return np.array(out, dtype=np.int64)


# ============================================================================ export / import
def _fmt(path: Path, format: str | None) -> str:
    if format is not None:
        fmt = format.lower()
    else:
        fmt = {".graphml": "graphml", ".json": "json", ".npz": "npz"}.get(path.suffix.lower(), "")
    if fmt not in ("graphml", "json", "npz"):
        raise ValueError(
            f"unknown graph format for {str(path)!r}: use a .graphml, .json or .npz file name "
            "or format='graphml' | 'json' | 'npz'"
        )
    return fmt


def _plain(value: object) -> object:
    """JSON-ready copy: arrays and tuples to lists, numpy scalars to Python."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _plain_dict(attrs: dict[Any, Any]) -> dict[str, Any]:
    """:func:`_plain` of a dict of attributes (a dict again)."""
    return {str(k): _plain(v) for k, v in attrs.items()}


def _node_from_plain(attrs: dict) -> dict:
    out = dict(attrs)
    for key in _NODE_ARRAYS:
        if key in out and out[key] is not None:
            out[key] = np.array(out[key], dtype=float)
    return out


def _edge_from_plain(attrs: dict) -> dict:
    out = dict(attrs)
    if "point" in out:
        out["point"] = None if out["point"] is None else np.array(out["point"], dtype=float)
    if "neurons" in out:
        ns = out["neurons"]
        out["neurons"] = tuple(tuple(int(x) for x in n) if isinstance(n, list) else int(n)
                               for n in ns)
    for key in _EDGE_INT_TUPLES:
        if key in out:
            out[key] = tuple(int(x) for x in out[key])
    return out


def _graph_from_plain(attrs: dict) -> dict:
    out = dict(attrs)
    if "widths" in out:
        out["widths"] = tuple(int(w) for w in out["widths"])
    return out


def to_node_link(g: nx.Graph) -> dict:
    """The graph as JSON-ready node-link data (the layout of ``networkx.node_link_data`` with
    ``edges="edges"``): ``{"directed", "multigraph", "graph", "nodes": [{"id", ...}],
    "edges": [{"source", "target", ...}]}``; arrays become lists.

    Examples
    --------
    >>> import networkx as nx
    >>> sorted(to_node_link(nx.path_graph(2)))
    ['directed', 'edges', 'graph', 'multigraph', 'nodes']
    """
    return {
        "directed": False,
        "multigraph": False,
        "graph": _plain(g.graph),
        "nodes": [{"id": _plain(n), **_plain_dict(a)} for n, a in g.nodes(data=True)],
        "edges": [
            {"source": _plain(u), "target": _plain(v), **_plain_dict(a)}
            for u, v, a in g.edges(data=True)
        ],
    }


def from_node_link(data: dict) -> nx.Graph:
    """Inverse of :func:`to_node_link` (arrays and tuples restored)."""
    try:
        g: nx.Graph[Any] = nx.Graph()
        g.graph.update(_graph_from_plain(data.get("graph", {})))
        for node in data["nodes"]:
            attrs = {k: v for k, v in node.items() if k != "id"}
            g.add_node(node["id"], **_node_from_plain(attrs))
        for edge in data.get("edges", data.get("links", [])):
            attrs = {k: v for k, v in edge.items() if k not in ("source", "target")}
            g.add_edge(edge["source"], edge["target"], **_edge_from_plain(attrs))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a polyreg node-link graph: {exc!r}") from exc
    return g


def _graphml_value(value: object) -> object | None:
    """A GraphML-storable value: bool/int/float/str kept, everything else as JSON text."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, str):
        return value
    return json.dumps(_plain(value))


def _write_graphml(g: nx.Graph, path: Any) -> None:
    h: nx.Graph[Any] = nx.Graph()
    for key, value in g.graph.items():
        stored = _graphml_value(value)
        if stored is not None:
            h.graph[key] = stored
    h.graph["json_keys"] = json.dumps(sorted(
        k for k, v in g.graph.items()
        if isinstance(_graphml_value(v), str) and not isinstance(v, str)
    ))
    for n, attrs in g.nodes(data=True):
        h.add_node(n, **{k: s for k, v in attrs.items() if (s := _graphml_value(v)) is not None})
    for u, v, attrs in g.edges(data=True):
        h.add_edge(u, v, **{k: s for k, x in attrs.items() if (s := _graphml_value(x)) is not None})
    nx.write_graphml(h, path)


def _read_graphml(path: Path) -> nx.Graph:
    h = nx.read_graphml(path, node_type=int)
    g: nx.Graph[Any] = nx.Graph()
    json_keys = set(json.loads(h.graph.pop("json_keys", "[]")))
    for key in ("node_default", "edge_default"):  # added by networkx's GraphML reader
        h.graph.pop(key, None)
    g.graph.update(_graph_from_plain(
        {k: (json.loads(v) if k in json_keys else v) for k, v in h.graph.items()}
    ))

    def decode(attrs: dict, keys: tuple[str, ...]) -> dict:
        return {k: (json.loads(v) if k in keys and isinstance(v, str) else v)
                for k, v in attrs.items()}

    for n, attrs in h.nodes(data=True):
        g.add_node(n, **_node_from_plain(decode(attrs, _NODE_ARRAYS)))
    for u, v, attrs in h.edges(data=True):
        plain = decode(attrs, ("point", "neurons") + _EDGE_INT_TUPLES)
        plain.setdefault("point", None)
        g.add_edge(u, v, **_edge_from_plain(plain))
    return g


def _ragged(seqs: list[tuple[int, ...]]) -> tuple[np.ndarray, np.ndarray]:
    ptr = np.concatenate([[0], np.cumsum([len(s) for s in seqs])]).astype(np.int64)
    flat = np.array([x for s in seqs for x in s], dtype=np.int64)
    return ptr, flat


def _write_npz(g: nx.Graph, path: Any) -> None:
    n = g.number_of_nodes()
    if sorted(g.nodes) != list(range(n)):
        raise ValueError("the .npz format needs nodes 0, 1, ..., n-1 (as region_graph makes)")
    widths = tuple(g.graph.get("widths", ()))
    if not widths:
        raise ValueError("the .npz format needs graph.graph['widths'] (as region_graph sets)")
    n_hidden = int(sum(widths[1:-1]))
    nodes = [g.nodes[i] for i in range(n)]
    pat = np.array(
        [np.frombuffer(bytes.fromhex(a["pattern"]), dtype=np.uint8) for a in nodes], dtype=np.uint8
    ).reshape(n, (n_hidden + 7) // 8)
    arrays: dict[str, Any] = {  # Any: np.savez's stubs type ** as its bool keywords
        "meta": np.array(json.dumps(_plain(g.graph))),
        "pattern": pat,
        "point": np.array([a["point"] for a in nodes], dtype=float).reshape(n, -1),
        "radius": np.array([a["radius"] for a in nodes], dtype=float),
        "out_W": np.array([a["out_W"] for a in nodes], dtype=float),
        "out_b": np.array([a["out_b"] for a in nodes], dtype=float),
        "out_hash": np.array([a.get("out_hash", "") for a in nodes], dtype="<U16"),
        "linear_region": np.array([a.get("linear_region", -1) for a in nodes], dtype=np.int64),
    }
    if any("volume" in a for a in nodes):
        arrays["volume"] = np.array([a.get("volume", np.nan) for a in nodes], dtype=float)
    edges = sorted((min(u, v), max(u, v)) for u, v in g.edges)
    eattrs = [g.edges[u, v] for u, v in edges]
    d = arrays["point"].shape[1] if n else 0
    arrays["edges"] = np.array(edges, dtype=np.int64).reshape(len(edges), 2)
    arrays["edge_point"] = np.array(
        [np.full(d, np.nan) if a.get("point") is None else a["point"] for a in eattrs], dtype=float
    ).reshape(len(edges), d)
    arrays["neuron_ptr"], arrays["neuron_ids"] = _ragged([a["neuron_ids"] for a in eattrs])
    arrays["flipped_ptr"], arrays["flipped"] = _ragged([a["flipped"] for a in eattrs])
    arrays["same_map"] = np.array([a.get("same_map", False) for a in eattrs], dtype=bool)
    if any("facet_area" in a for a in eattrs):
        arrays["facet_area"] = np.array([a.get("facet_area", np.nan) for a in eattrs], dtype=float)
    np.savez_compressed(path, **arrays)  # a binary handle (write_graph) or a path


def _read_npz(path: Path) -> nx.Graph:
    try:
        z = load_npz(path)
    except ArrayFileError:
        raise
    except Exception as exc:  # zipfile / format errors of every kind
        raise ValueError(
            f"cannot read {str(path)!r} as a graph .npz: {type(exc).__name__}"
        ) from exc
    if "meta" not in z:
        raise ValueError(f"{str(path)!r} is not a polyreg graph .npz (no 'meta' array)")
    g: nx.Graph[Any] = nx.Graph()
    g.graph.update(_graph_from_plain(json.loads(str(z["meta"]))))
    widths = g.graph["widths"]
    for i in range(z["pattern"].shape[0]):
        attrs: dict[str, Any] = dict(
            pattern=z["pattern"][i].tobytes().hex(),
            point=z["point"][i].copy(),
            radius=float(z["radius"][i]),
            out_W=z["out_W"][i].copy(),
            out_b=z["out_b"][i].copy(),
            out_hash=str(z["out_hash"][i]),
            linear_region=int(z["linear_region"][i]),
        )
        if "volume" in z and np.isfinite(z["volume"][i]):
            attrs["volume"] = float(z["volume"][i])
        g.add_node(i, **attrs)
    def ragged(name: str, k: int) -> tuple[int, ...]:
        ptr = z[f"{name}_ptr"] if name == "flipped" else z["neuron_ptr"]
        return tuple(int(x) for x in z[name][ptr[k]: ptr[k + 1]])

    for k, (u, v) in enumerate(z["edges"]):
        ids = ragged("neuron_ids", k)
        p = z["edge_point"][k]
        attrs = dict(
            neurons=neuron_pairs(widths, ids),
            neuron_ids=ids,
            flipped=ragged("flipped", k),
            point=None if np.all(np.isnan(p)) else p.copy(),
            same_map=bool(z["same_map"][k]),
        )
        if "facet_area" in z and np.isfinite(z["facet_area"][k]):
            attrs["facet_area"] = float(z["facet_area"][k])
        g.add_edge(int(u), int(v), **attrs)
    return g


def write_graph(g: nx.Graph, path: str | os.PathLike[str], format: str | None = None) -> Path:
    """Write a region graph as GraphML, JSON node-link or compact ``.npz``.

    Parameters
    ----------
    g : networkx.Graph
        Usually from :func:`region_graph`. GraphML and JSON keep every attribute (arrays and
        tuples as JSON text / lists); ``.npz`` keeps exactly the attributes of
        :func:`region_graph` and needs nodes ``0..n-1``.
    path : path-like
    format : {"graphml", "json", "npz"}, optional
        Default: from the file name's suffix.

    Returns
    -------
    pathlib.Path
        The path written (atomically: a temporary file in the same directory, renamed).

    Examples
    --------
    >>> import os, tempfile, numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [0.0])])
    >>> g = region_graph(polyreg.enumerate_regions(net, polyreg.Box([-1, -1], [1, 1])), net)
    >>> path = write_graph(g, os.path.join(tempfile.mkdtemp(), "g.graphml"))
    >>> h = read_graph(path)
    >>> h.number_of_edges(), h.nodes[0]["point"].shape, h.graph["widths"]
    (4, (2,), (2, 2, 1))
    """
    path = Path(path)
    fmt = _fmt(path, format)
    if fmt == "json":
        with open_output(path, what="path") as handle:
            json.dump(to_node_link(g), handle, allow_nan=False)
            handle.write("\n")
    else:
        with open_output(path, "wb", what="path") as handle:
            (_write_graphml if fmt == "graphml" else _write_npz)(g, handle)
    return path


def read_graph(path: str | os.PathLike[str], format: str | None = None) -> nx.Graph:
    """Read a graph written by :func:`write_graph` (arrays and tuples restored).

    Raises
    ------
    ValueError
        Unknown format, or a file that is not a polyreg graph.
    OSError
        Missing or unreadable file.
    """
    path = Path(path)
    fmt = _fmt(path, format)
    if not path.is_file():
        raise FileNotFoundError(f"graph file {str(path)!r} does not exist")
    if fmt == "graphml":
        return _read_graphml(path)
    if fmt == "json":
        with open(path, encoding="utf-8") as handle:
            try:
                data = json.load(handle)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{str(path)!r} is not JSON: {exc}") from exc
        return from_node_link(data)
    return _read_npz(path)
