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
COLOR_MODES = ("pattern", "linear", "gradient", "id")

#: light qualitative palette (ColorBrewer Set3 and Pastel2 without their greys), RGB in [0, 1]:
#: black overlays stay readable on every entry
_PALETTE = np.array([
    (141, 211, 199), (255, 255, 179), (190, 186, 218), (251, 128, 114), (128, 177, 211),
    (253, 180, 98), (179, 222, 105), (252, 205, 229), (188, 128, 189), (204, 235, 197),
    (255, 237, 111), (179, 226, 205), (253, 205, 172), (203, 213, 232), (244, 202, 228),
    (230, 245, 201), (241, 226, 204),
]) / 255.0


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
    """

    polygons: list
    regions: RegionSet
    net: Network
    domain: Domain
    slice: Any
    linear: LinearRegions

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
    return PlaneRegions(polygons, rs, net2, dom2, slc, linear_regions(rs))


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


def draw(
    pic: PlaneRegions,
    out: str | os.PathLike[str] | None = None,
    *,
    color: str = "pattern",
    graph: bool = False,
    points: np.ndarray | None = None,
    ball: tuple[np.ndarray, float] | tuple[np.ndarray, float, float | str] | None = None,
    size: tuple[int, int] = (800, 800),
    dpi: int = 100,
    edges: bool = True,
    antialiased: bool = True,
    bare: bool = False,
    title: str | None = None,
):
    """Draw every region as a filled polygon; optionally save it.

    Parameters
    ----------
    pic : PlaneRegions
    out : path-like, optional
        Image file to write (format from the suffix, e.g. ``.png``, ``.pdf``, ``.svg``).
    color : {"pattern", "linear", "gradient", "id"}
        ``pattern``: one colour per activation region (neighbours differ);
        ``linear``: one per linear region (activation regions with the same affine map share
        it); ``gradient``: the norm of the output's gradient on the plane, with a colour bar;
        ``id``: region ``i`` in the unique colour :func:`id_color` (for tests and picking).
    graph : bool
        Overlay the adjacency graph: a dot per region at its interior point, each edge drawn
        through a point of the shared facet.
    points : ndarray, shape (m, n), optional
        Data points (input coordinates), projected onto the plane.
    ball : (center, radius) or (center, radius, norm), optional
        A ball in input coordinates (norm 2 by default), drawn where it meets the plane.
    size : (int, int)
        Width and height in pixels of the saved raster image.
    dpi : int
    edges : bool
        Draw region boundaries.
    antialiased : bool
    bare : bool
        No axes, title, legend or colour bar: the regions fill the whole image.
    title : str, optional
        Default: the counts.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ImportError
        matplotlib is not installed (``pip install 'polyreg[plot]'``).
    ValueError
        An unknown colour mode, a size below 16 pixels, or points / ball of the wrong dimension.
    """
    if color not in COLOR_MODES:
        raise ValueError(f"color must be one of {', '.join(COLOR_MODES)}, got {color!r}")
    width, height = (int(v) for v in size)
    if width < 16 or height < 16 or dpi < 1:
        raise ValueError(
            f"size must be at least 16 x 16 pixels and dpi positive, got {size}, {dpi}"
        )
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.collections import LineCollection, PolyCollection
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(
            "pictures need matplotlib: pip install 'polyreg[plot]' (or pip install matplotlib)"
        ) from exc

    rs, n = pic.regions, len(pic.polygons)
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1)) if bare else fig.add_subplot(1, 1, 1)
    scalar = None
    faces: list[Any] | None
    if color == "id":
        faces = [id_color(i) for i in range(n)]
    elif color == "pattern":
        idx = _greedy_colors(n, [(e.u, e.v) for e in rs.edges])
        faces = list(_PALETTE[idx])
    elif color == "linear":
        lab = pic.linear.labels
        pairs = {(int(lab[e.u]), int(lab[e.v])) for e in rs.edges if lab[e.u] != lab[e.v]}
        faces = list(_PALETTE[_greedy_colors(pic.linear.count, sorted(pairs))[lab]])
    else:
        scalar = np.array([float(np.linalg.norm(r.out_W)) for r in rs])
        faces = None
    coll = PolyCollection(
        pic.polygons, closed=True, antialiased=antialiased,
        edgecolors=(0.15, 0.15, 0.15) if edges else "none",
        linewidths=0.6 if edges else 0.0,
    )
    if faces is not None:  # i.e. scalar is None
        coll.set_facecolor(faces)
    else:
        coll.set_array(scalar)
        coll.set_cmap("viridis")
    ax.add_collection(coll)
    lo, hi = pic.domain.bounding_box()
    pad = 0.0 if bare else 0.02 * float(np.max(hi - lo))
    ax.set_xlim(lo[0] - pad, hi[0] + pad)
    ax.set_ylim(lo[1] - pad, hi[1] + pad)
    handles: list[Any] = []
    if graph and n:
        P = np.array([r.point for r in rs])
        segs = []
        for e in rs.edges:
            if e.point is None:
                segs.append([P[e.u], P[e.v]])
            else:  # through the shared facet: stays inside the two convex regions
                segs.append([P[e.u], np.asarray(e.point, float), P[e.v]])
        ax.add_collection(LineCollection(segs, colors="k", linewidths=0.7, alpha=0.8,
                                         antialiased=antialiased))
        handles.append(ax.scatter(P[:, 0], P[:, 1], s=9, c="k", zorder=3,
                                  label=f"adjacency graph ({len(rs.edges)} edges)"))
    if points is not None:
        st, dist = pic.to_plane(points)
        far = dist > 1e-9 * (1.0 + float(np.abs(points).max()))
        label = "points" + (" (projected)" if far.any() else "")
        handles.append(ax.scatter(st[:, 0], st[:, 1], s=16, marker="o", facecolors="w",
                                  edgecolors="k", linewidths=0.8, zorder=4, label=label))
    if ball is not None:
        center, radius, *rest = ball
        norm = rest[0] if rest else 2
        outline = _ball_outline(pic, np.asarray(center, float), float(radius), norm)
        if outline is not None:
            (line,) = ax.plot(outline[:, 0], outline[:, 1], color="crimson", linewidth=1.5,
                              zorder=5, label=f"ball, radius {float(radius):g}")
            handles.append(line)
    if bare:
        ax.set_axis_off()
    else:
        ax.set_aspect("equal", adjustable="box")
        names = ("s", "t") if pic.slice is not None else ("x0", "x1")
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
        where = " on the slice" if pic.slice is not None else ""
        ax.set_title(title if title is not None else
                     f"{n} activation regions, {pic.linear.count} linear regions{where}",
                     fontsize=10)
        if scalar is not None:
            fig.colorbar(coll, ax=ax, label="‖output gradient‖ (plane coordinates)",
                         fraction=0.046, pad=0.04)
        if handles:  # below the axes, clear of the regions
            ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.09),
                      ncol=len(handles), fontsize=8, frameon=False)
    if out is not None:
        out = Path(out)
        with open_output(out, "wb") as handle:  # atomic; devices and FIFOs streamed
            fig.savefig(handle, dpi=dpi, format=out.suffix.lstrip(".").lower() or "png")
    return fig
