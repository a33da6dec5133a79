"""Pictures of activation regions in the plane: a 2-input network, or a 2-D slice of any network.

Two steps, so the geometry can be tested without matplotlib:

* :func:`plane_regions` computes every region's polygon in plane coordinates:

  - a 2-input network on a polygonal domain (box, polytope, L1 / L-inf ball): ``traverse``
    regions, each polygon from the region's rows by ``scipy.spatial.HalfspaceIntersection``
    around its interior point (:func:`polyreg.graph.region_vertices`);
  - a :class:`~polyreg.slices.Slice` (the plane ``origin + s u + t v``): the ``planar``
    engine's polygons when that engine is available, otherwise the composed 2-input network
    ``(s, t) -> net(origin + s u + t v)`` on the slice's bound, as above.

* :func:`draw` renders them with matplotlib (the optional extra ``plot``), imported only there.

Examples
--------
>>> import numpy as np, polyreg
>>> from polyreg.plot import plane_regions
>>> net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [0.0])])
>>> pic = plane_regions(net, polyreg.Box([-1, -1], [1, 1]))
>>> len(pic.polygons), pic.linear.count
(4, 4)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Sequence

import numpy as np

from ._files import open_output
from .api import enumerate_regions
from .domains import Ball, Domain
from .errors import InvalidDomain, InvalidNetwork
from .graph import LinearRegions, linear_regions, region_vertices
from .network import Network
from .regions import RegionSet
from .tolerances import DEFAULT, Tolerances

#: colour modes of :func:`draw`
COLOR_MODES = ("pattern", "class", "output", "area", "jacobian", "linear", "gradient", "id")

#: modes coloured by a number per region (or per point), with a colour bar
SCALAR_MODES = ("output", "area", "jacobian", "gradient")

#: light qualitative palette for regions: Paul Tol's colour-blind-safe "light" scheme, RGB in
#: [0, 1] (black overlays stay readable on every entry)
_PALETTE = np.array([
    (119, 170, 221), (153, 221, 255), (68, 187, 153), (187, 204, 51), (170, 170, 0),
    (238, 221, 136), (238, 136, 102), (255, 170, 187), (221, 221, 221),
]) / 255.0

#: Okabe & Ito (2008) colour-blind-safe qualitative colours (black left out), RGB in [0, 1]:
#: classes and point labels
OKABE_ITO = np.array([
    (230, 159, 0), (86, 180, 233), (0, 158, 115), (240, 228, 66), (0, 114, 178),
    (213, 94, 0), (204, 121, 167),
]) / 255.0

#: line colours: region boundaries, decision boundary, adjacency graph, ball outline
_EDGE = (0.25, 0.25, 0.25)
_BOUNDARY = (0.0, 0.0, 0.0)
_GRAPH = (0.80, 0.15, 0.45)
_BALL = (0.0, 0.45, 0.70)
_MARKERS = "os^Dv<>Ph*"


def class_colors(k: int, light: float = 0.0) -> np.ndarray:
    """``k`` Okabe-Ito colours (cycled), blended with white by ``light`` (0: full strength).

    Examples
    --------
    >>> class_colors(2).round(3).tolist()
    [[0.902, 0.624, 0.0], [0.337, 0.706, 0.914]]
    """
    cols = OKABE_ITO[np.arange(k) % len(OKABE_ITO)]
    return cols * (1.0 - light) + light


@dataclass(frozen=True)
class PlaneRegions:
    """Every activation region in a plane, ready to draw.

    Attributes
    ----------
    polygons : list of ndarray
        ``polygons[i]``, shape ``(k, 2)``: region ``i`` ∩ domain, counter-clockwise, in plane
        coordinates (input coordinates for a 2-input network, ``(s, t)`` for a slice).
    regions : RegionSet
        The regions; points, facet points and output maps in plane coordinates.
    net : Network
        The 2-input network on the plane (the composed network for a slice).
    domain : Domain
        The 2-D domain in plane coordinates.
    slice : Slice or None
        The slice, when the plane is one.
    linear : LinearRegions
        Linear regions of the network restricted to the plane.
    source : Network or None
        The network drawn (for a slice, the full network; its Jacobians in input coordinates).
    """

    polygons: list
    regions: RegionSet
    net: Network
    domain: Domain
    slice: Any
    linear: LinearRegions
    source: Network | None = None

    def to_plane(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Plane coordinates of input points ``x`` (shape ``(m, n)``) and their distance to
        the plane (least squares; zeros for a 2-input network)."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        if self.slice is None:
            if x.shape[1] != 2:
                raise ValueError(f"points have {x.shape[1]} coordinates, the network takes 2")
            return x, np.zeros(x.shape[0])
        slc = self.slice
        if x.shape[1] != slc.ambient:
            raise ValueError(
                f"points have {x.shape[1]} coordinates but the network takes {slc.ambient}"
            )
        st, *_ = np.linalg.lstsq(slc.basis, (x - slc.origin).T, rcond=None)
        st = st.T
        return st, np.linalg.norm(slc.to_input(st) - x, axis=1)


def plane_regions(
    net: Network,
    domain: Domain,
    *,
    method: str | None = None,
    tol: Tolerances = DEFAULT,
) -> PlaneRegions:
    """Every region of ``net`` in a 2-D domain or slice, with its polygon.

    Parameters
    ----------
    net : Network
    domain : Domain
        For a 2-input network: a 2-D ``Box``, ``Polytope`` or L1 / L-inf ``Ball``. For any
        network: a :class:`~polyreg.slices.Slice` with a polygonal bound.
    method : str, optional
        ``"planar"`` or ``"traverse"``. Default: ``traverse`` for a 2-input network; for a
        slice, ``planar`` when available, else ``traverse`` on the composed network.
    tol : Tolerances

    Returns
    -------
    PlaneRegions

    Raises
    ------
    InvalidNetwork
        Not 2 inputs and not a slice.
    InvalidDomain
        A disk (L2 ball) or another domain without a polygon.

    Examples
    --------
    >>> import polyreg
    >>> from polyreg.slices import Slice
    >>> net = polyreg.random_network([4, 6, 1], seed=0)
    >>> slc = Slice.through([0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], polyreg.Box([-1, -1], [1, 1]))
    >>> pic = plane_regions(net, slc)
    >>> abs(sum(_area(p) for p in pic.polygons) - 4.0) < 1e-9
    True
    """
    is_slice = hasattr(domain, "bound") and callable(getattr(domain, "network", None))
    if is_slice:
        slc = domain
        net2, dom2 = slc.network(net), slc.bound  # type: ignore[attr-defined]  # a Slice (duck-typed)
    else:
        if net.n_inputs != 2:
            raise InvalidNetwork(
                f"the network takes {net.n_inputs} inputs: draw a 2-D slice of it "
                "(polyreg.slices.Slice; on the command line --slice X0 X1 X2)"
            )
        slc, net2, dom2 = None, net, domain.for_inputs(2)
    if dom2.rows() is None:
        raise InvalidDomain(
            f"pictures need a polygonal domain (box, polytope, L1 or L-inf ball), not "
            f"{type(dom2).__name__} with norm {getattr(dom2, 'norm', '-')}"
        )
    if method is None:
        method = "traverse"
        if is_slice:
            try:
                from .engines import planar as _planar  # noqa: F401 - only: is it there?
                method = "planar"
            except ImportError:  # pragma: no cover - planar engine not installed yet
                pass
    rs: RegionSet
    if method == "planar":
        from .engines.planar import planar

        rs = prs = planar(net, domain, tol=tol, progress=False)
        polygons = [np.asarray(p, dtype=float) for p in prs.polygons]
    else:
        rs = enumerate_regions(net2, dom2, method=method, tol=tol, progress=False)
        polygons = region_vertices(rs, net2, tol=tol)
    return PlaneRegions(polygons, rs, net2, dom2, slc, linear_regions(rs), net)


def _area(P: np.ndarray) -> float:
    """Area of a counter-clockwise polygon (shoelace)."""
    x, y = P[:, 0], P[:, 1]
    return float(0.5 * np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def id_color(i: int) -> tuple[float, float, float]:
    """A unique colour for region ``i``: ``i + 1`` written in base 256 as ``(r, g, b)``.

    Examples
    --------
    >>> [round(c * 255) for c in id_color(0)], [round(c * 255) for c in id_color(256)]
    ([0, 0, 1], [0, 1, 1])
    """
    k = int(i) + 1
    if k >= 0xFFFFFF:
        raise ValueError("more than 16777214 regions cannot get distinct id colours")
    return ((k >> 16) & 255) / 255.0, ((k >> 8) & 255) / 255.0, (k & 255) / 255.0


def _greedy_colors(n: int, pairs: Sequence[tuple[int, int]]) -> np.ndarray:
    """Palette index per item: neighbours differ (when the palette suffices) and the colours
    are spread evenly (each item takes the least-used colour its neighbours do not have)."""
    nbrs: list[set[int]] = [set() for _ in range(n)]
    for u, v in pairs:
        if u != v:
            nbrs[u].add(v)
            nbrs[v].add(u)
    k = len(_PALETTE)
    col = np.full(n, -1, dtype=np.int64)
    used = np.zeros(k, dtype=np.int64)
    for i in sorted(range(n), key=lambda i: (-len(nbrs[i]), i)):
        taken = {int(col[j]) for j in nbrs[i] if col[j] >= 0}
        free = [c for c in range(k) if c not in taken] or list(range(k))
        col[i] = min(free, key=lambda c: (used[c], c))
        used[col[i]] += 1
    return col


def _ball_outline(pic: PlaneRegions, center: np.ndarray, radius: float, norm: float | str,
                  n: int = 256) -> np.ndarray | None:
    """The ball ``||x - center|| <= radius`` cut by the plane, as a closed outline in plane
    coordinates (an ellipse for the L2 norm, a polygon otherwise); None when they miss."""
    ball = Ball(center, radius, norm=norm)
    origin, B = (np.zeros(2), np.eye(2)) if pic.slice is None else (pic.slice.origin,
                                                                    pic.slice.basis)
    if ball.dim != B.shape[0]:
        raise ValueError(f"--center has {ball.dim} coordinates but the network takes "
                         f"{B.shape[0]}")
    if ball.norm == 2:
        M = B.T @ B
        st0 = np.linalg.solve(M, B.T @ (center - origin))
        h2 = float(np.sum((origin + B @ st0 - center) ** 2))
        r2 = radius**2 - h2
        if r2 <= 0:
            return None
        vals, vecs = np.linalg.eigh(M)
        theta = np.linspace(0, 2 * np.pi, n)
        circle = np.column_stack([np.cos(theta), np.sin(theta)])
        return st0 + (circle * np.sqrt(r2 / vals)) @ vecs.T
    rows = ball.rows()
    if rows is None:
        raise ValueError("an L1 ball in more than 6 dimensions cannot be drawn")
    A, b = rows
    A2, b2 = A @ B, b - A @ origin
    from scipy.optimize import linprog
    from scipy.spatial import HalfspaceIntersection

    norms = np.linalg.norm(A2, axis=1)
    flat = norms <= 1e-12
    if np.any(b2[flat] < 0):
        return None
    A2, b2 = A2[~flat] / norms[~flat, None], b2[~flat] / norms[~flat]
    res = linprog([0, 0, -1], A_ub=np.hstack([A2, np.ones((len(b2), 1))]), b_ub=b2,
                  bounds=[(None, None), (None, None), (None, 1.0)], method="highs")
    if res.status != 0 or res.x is None or res.x[2] <= 1e-12:
        return None
    V = HalfspaceIntersection(np.hstack([A2, -b2[:, None]]), res.x[:2]).intersections
    c = V.mean(axis=0)
    V = V[np.argsort(np.arctan2(V[:, 1] - c[1], V[:, 0] - c[0]))]
    return np.vstack([V, V[:1]])


def _clip(P: np.ndarray, a: np.ndarray, c: float) -> np.ndarray:
    """The convex polygon ``P`` cut to ``{p : a . p + c >= 0}`` (Sutherland-Hodgman)."""
    if len(P) == 0:
        return P
    g = P @ a + c
    out = []
    for i in range(len(P)):
        j = (i + 1) % len(P)
        if g[i] >= 0:
            out.append(P[i])
        if (g[i] >= 0) != (g[j] >= 0):
            t = g[i] / (g[i] - g[j])
            out.append(P[i] + t * (P[j] - P[i]))
    return np.array(out).reshape(-1, 2)


def _chord(P: np.ndarray, a: np.ndarray, c: float) -> np.ndarray | None:
    """The segment ``{a . p + c = 0}`` inside the convex polygon ``P`` (None when it misses or
    only touches a vertex)."""
    if len(P) < 3 or not np.any(a):
        return None
    g = P @ a + c
    pts = [P[i] for i in range(len(P)) if g[i] == 0]
    for i in range(len(P)):
        j = (i + 1) % len(P)
        if g[i] * g[j] < 0:
            t = g[i] / (g[i] - g[j])
            pts.append(P[i] + t * (P[j] - P[i]))
    if len(pts) < 2:
        return None
    Q = np.array(pts)
    along = Q @ np.array([-a[1], a[0]])
    seg = Q[[int(np.argmin(along)), int(np.argmax(along))]]
    return seg if np.linalg.norm(seg[1] - seg[0]) > 0 else None


def _gaps(W: np.ndarray, b: np.ndarray) -> tuple[int, list]:
    """Number of classes and, per class ``k``, the affine gaps ``f_k - f_j >= 0`` (or the sign
    of the output for one output) whose conjunction means "class ``k``"."""
    if W.shape[0] == 1:
        return 2, [[(-W[0], -float(b[0]))], [(W[0], float(b[0]))]]
    K = W.shape[0]
    return K, [[(W[k] - W[j], float(b[k] - b[j])) for j in range(K) if j != k] for k in range(K)]


def class_cells(pic: PlaneRegions) -> list[tuple[int, int, np.ndarray]]:
    """Every region cut by the predicted class: ``(region, class, polygon)`` triples (a
    region's output is affine, so each class occupies a convex part of it; classes as in
    :func:`polyreg.bounds.robustness.predicted_class`).

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [-0.5])])
    >>> pic = plane_regions(net, polyreg.Box([-1, -1], [1, 1]))
    >>> sorted({(k, round(_area(P), 3)) for _, k, P in class_cells(pic)})[:3]
    [(0, 0.125), (0, 0.5), (0, 1.0)]
    """
    out = []
    for i, (P, r) in enumerate(zip(pic.polygons, pic.regions, strict=True)):
        _, gaps = _gaps(r.out_W, r.out_b)
        for k, conds in enumerate(gaps):
            Q = P
            for a, c in conds:
                Q = _clip(Q, a, c)
                if len(Q) < 3:
                    break
            if len(Q) >= 3 and abs(_area(Q)) > 0:
                out.append((i, k, Q))
    return out


def decision_boundary(pic: PlaneRegions) -> list[np.ndarray]:
    """Segments of the decision boundary (where the predicted class changes), region by
    region: for one output ``f = 0``; otherwise ``f_k = f_j`` where ``k`` and ``j`` tie for the
    largest output.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [-0.5])])
    >>> segs = decision_boundary(plane_regions(net, polyreg.Box([-1, -1], [1, 1])))
    >>> # x + y = 0.5 in the positive quadrant, x = 0.5 below it, y = 0.5 left of it
    >>> round(sum(float(np.linalg.norm(s[1] - s[0])) for s in segs), 4)
    2.7071
    """
    segs = []
    for P, r in zip(pic.polygons, pic.regions, strict=True):
        W, b = r.out_W, r.out_b
        if W.shape[0] == 1:
            seg = _chord(P, W[0], float(b[0]))
            if seg is not None:
                segs.append(seg)
            continue
        K = W.shape[0]
        for k in range(K):
            for j in range(k + 1, K):
                Q = P
                for i in range(K):
                    if i not in (k, j):  # k (and so j) at least as large as every other output
                        Q = _clip(Q, W[k] - W[i], float(b[k] - b[i]))
                seg = _chord(Q, W[k] - W[j], float(b[k] - b[j])) if len(Q) >= 3 else None
                if seg is not None:
                    segs.append(seg)
    return segs


def region_values(pic: PlaneRegions, quantity: str) -> np.ndarray:
    """One number per region: ``"area"`` (of region ∩ domain in plane coordinates),
    ``"jacobian"`` (spectral norm of the output's Jacobian in input coordinates, from the full
    network for a slice) or ``"gradient"`` (Frobenius norm of the output map in plane
    coordinates).

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [0.0])])
    >>> pic = plane_regions(net, polyreg.Box([-1, -1], [1, 1]))
    >>> region_values(pic, "area").tolist(), np.sort(region_values(pic, "jacobian")).round(4).tolist()
    ([1.0, 1.0, 1.0, 1.0], [0.0, 1.0, 1.0, 1.4142])
    """
    if quantity == "area":
        return np.array([abs(_area(P)) for P in pic.polygons])
    if quantity == "gradient":
        return np.array([float(np.linalg.norm(r.out_W)) for r in pic.regions])
    if quantity == "jacobian":
        net = pic.source if pic.source is not None else pic.net
        return np.array([float(np.linalg.norm(net.local_maps(r.pattern).out_W, 2))
                         for r in pic.regions])
    raise ValueError(f"quantity must be 'area', 'jacobian' or 'gradient', got {quantity!r}")


def _figsize(pic: PlaneRegions, size: tuple[int, int] | None, dpi: int, bare: bool,
             colorbar: bool) -> tuple[float, float]:
    """Inches: the requested pixels, or a width of 5 inches and the domain's aspect ratio."""
    if size is not None:
        return size[0] / dpi, size[1] / dpi
    lo, hi = pic.domain.bounding_box()
    aspect = float(np.clip((hi[1] - lo[1]) / (hi[0] - lo[0]), 0.2, 5.0))
    width = 5.0
    plot_w = width - (0.0 if bare else 0.9) - (0.7 if colorbar else 0.0)
    return width, plot_w * aspect + (0.0 if bare else 0.9)


def draw(
    pic: PlaneRegions,
    out: str | os.PathLike[str] | None = None,
    *,
    color: str = "pattern",
    graph: bool = False,
    points: np.ndarray | None = None,
    labels: Sequence[object] | np.ndarray | None = None,
    ball: tuple[np.ndarray, float] | tuple[np.ndarray, float, float | str] | None = None,
    boundary: bool | None = None,
    output: int = 0,
    size: tuple[int, int] | None = None,
    dpi: int = 100,
    edges: bool = True,
    antialiased: bool = True,
    bare: bool = False,
    title: str | None = None,
    ax: Any = None,
):
    """Draw every region as a filled polygon; optionally save it.

    Parameters
    ----------
    pic : PlaneRegions
    out : path-like, optional
        Image file to write (format from the suffix: ``.png``, ``.pdf``, ``.svg``), through
        :func:`polyreg._files.open_output`.
    color : str
        ``pattern``: one colour per activation region, neighbours differ (Paul Tol's
        colour-blind-safe light palette; distinct colours while there are at most 9 regions);
        ``class``: each region split by the predicted class, classes in Okabe-Ito colours;
        ``output``: the value of output ``output``, exactly (linear within each region), in a
        diverging colour map centred at 0; ``area``: the region's area (logarithmic);
        ``jacobian``: spectral norm of the output's Jacobian in input coordinates (the full
        network's for a slice); ``linear``: one colour per linear region (activation regions
        with the same affine map share it); ``gradient``: Frobenius norm of the output's
        gradient in plane coordinates; ``id``: region ``i`` in the unique colour
        :func:`id_color` (for tests and picking). Continuous modes use viridis and a colour bar.
    graph : bool
        Overlay the adjacency graph: a dot per region at its interior point, each edge drawn
        through a point of the shared facet (dashed, in a colour distinct from the region
        boundaries).
    points : ndarray, shape (m, n), optional
        Data points (input coordinates), projected onto the plane.
    labels : sequence, shape (m,), optional
        A label per point: a colour and marker per label (Okabe-Ito), with a legend.
    ball : (center, radius) or (center, radius, norm), optional
        A ball in input coordinates (norm 2 by default), drawn where it meets the plane.
    boundary : bool, optional
        Draw the decision boundary (where the predicted class changes) as a thick black line
        (default: in every mode but ``id``).
    output : int
        The output drawn by ``color="output"``.
    size : (int, int), optional
        Width and height in pixels of the saved image. Default: 5 inches wide and as high as
        the domain's aspect ratio needs, cropped to the drawing when saved (no empty canvas).
    dpi : int
    edges : bool
        Draw region boundaries.
    antialiased : bool
    bare : bool
        No axes, title, legend or colour bar: the regions fill the whole image.
    title : str, optional
        Default: the counts (``""`` for none).
    ax : matplotlib.axes.Axes, optional
        Draw into these axes (a notebook's subplot) instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        Its first axes hold the regions (``fig.axes[0]``, or ``ax``).

    Raises
    ------
    ImportError
        matplotlib is not installed (``pip install 'polyreg[plot]'``).
    ValueError
        An unknown colour mode, a size below 16 pixels, an output index out of range, or
        points / labels / ball of the wrong shape.
    """
    if color not in COLOR_MODES:
        raise ValueError(f"color must be one of {', '.join(COLOR_MODES)}, got {color!r}")
    if size is not None:
        size = (int(size[0]), int(size[1]))
        if size[0] < 16 or size[1] < 16:
            raise ValueError(f"size must be at least 16 x 16 pixels, got {size}")
    if dpi < 1:
        raise ValueError(f"dpi must be positive, got {dpi}")
    if not 0 <= int(output) < pic.net.n_outputs:
        raise ValueError(f"output must be in 0..{pic.net.n_outputs - 1}, got {output}")
    if labels is not None and (points is None or len(labels) != len(np.atleast_2d(points))):
        raise ValueError("labels need points, one label per point")
    try:
        from matplotlib.collections import LineCollection, PolyCollection
    except ImportError as exc:
        raise ImportError(
            "pictures need matplotlib: pip install 'polyreg[plot]' (or pip install matplotlib)"
        ) from exc
    if boundary is None:
        boundary = color != "id"
    rs, n = pic.regions, len(pic.polygons)
    scalar_mode = color in SCALAR_MODES
    if ax is None:
        fig = _figure(_figsize(pic, size, dpi, bare, scalar_mode), dpi)
        ax = fig.add_axes((0, 0, 1, 1)) if bare else fig.add_subplot(1, 1, 1)
    else:
        fig = ax.figure
    mappable = None
    bar_label = ""
    class_handles: list = []
    line_kw = {"edgecolors": _EDGE if edges else "none", "linewidths": 0.4 if edges else 0.0,
               "antialiased": antialiased}
    if color in ("output", "class"):
        ax.add_collection(PolyCollection(pic.polygons, closed=True, facecolors="none", zorder=2,
                                         **line_kw))
        if color == "class":
            cells = class_cells(pic)
            k = max(2, pic.net.n_outputs)
            fills = class_colors(k, light=0.55)
            ax.add_collection(PolyCollection([P for _, _, P in cells], closed=True,
                                             facecolors=[fills[c] for _, c, _ in cells],
                                             edgecolors="none", antialiased=antialiased,
                                             zorder=1))
            from matplotlib.patches import Patch

            class_handles = [Patch(facecolor=fills[c], edgecolor=_EDGE, linewidth=0.4,
                                   label=f"class {c}")
                             for c in sorted({c for _, c, _ in cells})]
        else:
            xs, tris, vals = [], [], []
            base = 0
            for P, r in zip(pic.polygons, rs, strict=True):
                m = len(P)
                xs.append(P)
                vals.append(P @ r.out_W[output] + r.out_b[output])
                tris += [(base, base + t, base + t + 1) for t in range(1, m - 1)]
                base += m
            X, V = np.vstack(xs), np.concatenate(vals)
            from matplotlib.colors import Normalize, TwoSlopeNorm

            lo_v, hi_v = float(V.min()), float(V.max())
            norm = (TwoSlopeNorm(0.0, lo_v, hi_v) if lo_v < 0 < hi_v
                    else Normalize(lo_v, hi_v if hi_v > lo_v else lo_v + 1.0))
            mappable = ax.tripcolor(X[:, 0], X[:, 1], np.array(tris), V, shading="gouraud",
                                    cmap="RdBu_r", norm=norm, zorder=1)
            bar_label = f"output {output}" if pic.net.n_outputs > 1 else "output"
    else:
        coll = PolyCollection(pic.polygons, closed=True, zorder=1, **line_kw)
        if color == "id":
            coll.set_facecolor([id_color(i) for i in range(n)])
        elif color == "pattern":
            coll.set_facecolor(_PALETTE[_greedy_colors(n, [(e.u, e.v) for e in rs.edges])])
        elif color == "linear":
            lab = pic.linear.labels
            pairs = {(int(lab[e.u]), int(lab[e.v])) for e in rs.edges if lab[e.u] != lab[e.v]}
            coll.set_facecolor(_PALETTE[_greedy_colors(pic.linear.count, sorted(pairs))[lab]])
        else:
            quantity = "gradient" if color == "gradient" else color
            values = region_values(pic, quantity)
            coll.set_array(values)
            coll.set_cmap("viridis")
            if color == "area" and values.min() > 0 and values.max() > 10 * values.min():
                from matplotlib.colors import LogNorm

                coll.set_norm(LogNorm(values.min(), values.max()))
            mappable = coll
            bar_label = {"gradient": "‖output gradient‖ (plane coordinates)",
                         "area": "region area", "jacobian": "‖Jacobian‖₂ (input coordinates)"}[
                color]
        ax.add_collection(coll)
    lo, hi = pic.domain.bounding_box()
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    handles = list(class_handles)
    if boundary:
        segs = decision_boundary(pic)
        if segs:
            lc = LineCollection(segs, colors=[_BOUNDARY], linewidths=1.8, zorder=4,
                                antialiased=antialiased, capstyle="round",
                                label="decision boundary")
            ax.add_collection(lc)
            handles.append(lc)
    if graph and n:
        P = np.array([r.point for r in rs])
        gsegs = []
        for e in rs.edges:
            if e.point is None:
                gsegs.append([P[e.u], P[e.v]])
            else:  # through the shared facet: stays inside the two convex regions
                gsegs.append([P[e.u], np.asarray(e.point, float), P[e.v]])
        ax.add_collection(LineCollection(gsegs, colors=[_GRAPH], linewidths=0.8,
                                         linestyles=(0, (3, 2)), antialiased=antialiased,
                                         zorder=5))
        handles.append(ax.scatter(P[:, 0], P[:, 1], s=10, color=_GRAPH, zorder=6,
                                  label=f"adjacency graph ({len(rs.edges)} edges)"))
    if points is not None:
        st, dist = pic.to_plane(points)
        far = dist > 1e-9 * (1.0 + float(np.abs(points).max()))
        note = " (projected)" if far.any() else ""
        if labels is None:
            handles.append(ax.scatter(st[:, 0], st[:, 1], s=16, marker="o", facecolors="w",
                                      edgecolors="k", linewidths=0.8, zorder=7,
                                      label="points" + note))
        else:
            lab = np.asarray([str(v) for v in labels])
            names = sorted(set(lab.tolist()), key=_natural)
            cols = class_colors(len(names))
            for i, name in enumerate(names):
                sel = lab == name
                handles.append(ax.scatter(st[sel, 0], st[sel, 1], s=18,
                                          marker=_MARKERS[i % len(_MARKERS)], color=cols[i],
                                          edgecolors="k", linewidths=0.5, zorder=7,
                                          label=f"{name}{note}"))
    if ball is not None:
        center, radius, *rest = ball
        outline = _ball_outline(pic, np.asarray(center, float), float(radius),
                                rest[0] if rest else 2)
        if outline is not None:
            (line,) = ax.plot(outline[:, 0], outline[:, 1], color=_BALL, linewidth=1.5,
                              linestyle="-.", zorder=8, label=f"ball, radius {float(radius):g}")
            handles.append(line)
    if bare:
        ax.set_axis_off()
        if size is None:
            ax.set_aspect("equal", adjustable="box")
    else:
        ax.set_aspect("equal", adjustable="box")
        names2 = ("s", "t") if pic.slice is not None else ("x₀", "x₁")
        ax.set_xlabel(names2[0])
        ax.set_ylabel(names2[1], rotation=0, labelpad=8)
        ax.tick_params(labelsize=8)
        where = " on the slice" if pic.slice is not None else ""
        ax.set_title(title if title is not None else
                     f"{n} activation regions, {pic.linear.count} linear regions{where}",
                     fontsize=9)
        if mappable is not None:
            from mpl_toolkits.axes_grid1 import make_axes_locatable

            cax = make_axes_locatable(ax).append_axes("right", size="4%", pad=0.08)
            bar = fig.colorbar(mappable, cax=cax)
            bar.set_label(bar_label, fontsize=8)
            bar.ax.tick_params(labelsize=7)
        if handles:  # below the axes, clear of the regions
            ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12),
                      ncol=min(len(handles), 4), fontsize=7, frameon=False,
                      handletextpad=0.4, columnspacing=1.2)
    if out is not None:
        _save(fig, out, dpi, tight=size is None and not bare)
    return fig


def _natural(text: str) -> tuple:
    """Sort key: numbers by value, before other labels."""
    try:
        return (0, float(text), text)
    except ValueError:
        return (1, 0.0, text)


def _save(fig: Any, out: str | os.PathLike[str], dpi: int, tight: bool = False) -> None:
    """Write ``fig`` through :func:`polyreg._files.open_output` (format from the suffix)."""
    out = Path(out)
    extra = {"bbox_inches": "tight", "pad_inches": 0.03} if tight else {}
    with open_output(out, "wb") as handle:  # atomic; devices and FIFOs streamed
        fig.savefig(handle, dpi=dpi, format=out.suffix.lstrip(".").lower() or "png", **extra)


def _figure(figsize: tuple[float, float], dpi: int) -> Any:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(
            "pictures need matplotlib: pip install 'polyreg[plot]' (or pip install matplotlib)"
        ) from exc
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def sweep_figure(
    sweep: Sequence[dict],
    out: str | os.PathLike[str] | None = None,
    *,
    norm: object = 2,
    ax: Any = None,
    logy: bool | None = None,
    dpi: int = 200,
):
    """Count-vs-radius curves per label group: the median with a band from the first to the
    third quartile (the summary of ``polyreg around``, :func:`polyreg.bounds.sweep.summarize`).

    Parameters
    ----------
    sweep : sequence of dict
        Rows with ``label``, ``ball_radius``, ``regions_q1``, ``regions_median``,
        ``regions_q3``, ``points``, ``complete``.
    out : path-like, optional
        Image file to write (format from the suffix: ``.png``, ``.pdf``, ``.svg``).
    norm : 1, 2 or "inf"
        For the axis label.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes instead of a new figure.
    logy : bool, optional
        Logarithmic count axis (default: when the counts span more than a factor 20).
    dpi : int

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from polyreg.plot import sweep_figure
    >>> rows = [{"label": "train", "ball_radius": r, "regions_q1": q, "regions_median": q + 1,
    ...          "regions_q3": q + 3, "points": 5, "complete": 5} for r, q in ((0.1, 1), (0.2, 4))]
    >>> fig = sweep_figure(rows)  # doctest: +SKIP
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]  # doctest: +SKIP
    ['train (5 points)']
    """
    groups: dict[str, list[dict]] = {}
    for row in sweep:
        groups.setdefault(str(row["label"]), []).append(row)
    if ax is None:
        fig = _figure((4.2, 3.0), dpi)
        ax = fig.add_subplot(1, 1, 1)
    else:
        fig = ax.figure
    top = max((float(r["regions_q3"]) for r in sweep), default=1.0)
    low = max(min((float(r["regions_q1"]) for r in sweep), default=1.0), 1.0)
    for i, (label, rows) in enumerate(groups.items()):
        rows = sorted(rows, key=lambda r: float(r["ball_radius"]))
        r = np.array([float(v["ball_radius"]) for v in rows])
        q1, med, q3 = (np.array([float(v[k]) for v in rows])
                       for k in ("regions_q1", "regions_median", "regions_q3"))
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        lower = any(v["complete"] < v["points"] for v in rows)
        ax.fill_between(r, q1, q3, color=colour, alpha=0.25, linewidth=0)
        ax.plot(r, med, color=colour, marker="os^Dv<>"[i % 7], markersize=4, linewidth=1.5,
                label=f"{label} ({rows[0]['points']} points)" + (" (lower bounds)" if lower else ""))
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    plain = FuncFormatter(lambda v, _pos: f"{v:g}")
    if logy if logy is not None else top / low > 20:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(plain)
    radii = sorted({float(row["ball_radius"]) for row in sweep})
    if radii and radii[-1] / radii[0] >= 4:  # geometric sweeps: a log axis ticked at the radii
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(FixedLocator(radii))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_formatter(plain)
    ax.set_xlabel(f"ball radius (L{'∞' if str(norm) == 'inf' else norm})")
    ax.set_ylabel("regions in the ball")
    ax.grid(True, which="major", color="0.88", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(fontsize=8, frameon=False, title="median, quartile band", title_fontsize=8)
    fig.tight_layout()
    if out is not None:
        _save(fig, out, dpi)
    return fig
