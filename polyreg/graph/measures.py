"""Measures of regions and graph facts: vertices, volumes and facet areas (exact in low
dimension), boundary regions of the domain, degree distribution, diameter and the neurons
crossed most often."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from ..domains import Ball, Domain
from ..errors import PolyregError
from ..network import Network
from ..regions import RegionSet
from ..tolerances import DEFAULT, Tolerances

if TYPE_CHECKING:
    import networkx as nx

    from ..engines._common import RegionRows
else:
    from .._lazy import LazyModule

    nx = LazyModule("networkx")  # imported on first use: `import polyreg.plot` stays light

#: largest input dimension where volumes and facet areas are computed (exactly, from vertices)
EXACT_MAX_DIM = 3


#: largest dimension where boundary regions of an L2 ball are found from vertices
BALL_BOUNDARY_MAX_DIM = 8


#: largest dimension where the facets of a region are classified by one convex hull in the
#: polar (``geometry.polar_facets``) before any LP
POLAR_MAX_DIM = 6


GraphLike: TypeAlias = "nx.Graph | RegionSet"  # a string: networkx is imported lazily


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
        from ..engines._common import Context

        self.net, self.domain = _problem(net, rs.domain)
        self.ctx = Context.create(self.net, self.domain, tol)
        self.rs = rs
        self._cache: dict[int, RegionRows] = {}

    def __getitem__(self, i: int) -> RegionRows:
        from ..engines._common import region_rows

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
    from ..domains import Whole
    from ..solvers import SolveCounter, inscribed_ball

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
      (:func:`polyreg.solvers.inscribed_ball` with ``on_row``).
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
    from ..solvers import SolveCounter, inscribed_ball

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
    from ..geometry import polar_facets

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
