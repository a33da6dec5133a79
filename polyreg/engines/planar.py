"""``planar``: exact activation regions in the plane by polygon clipping, layer by layer, no LP.

Cells are convex polygons (counter-clockwise vertex arrays) carrying the bits of the neurons
processed so far. Inside a cell every neuron of the next layer is affine, so it is evaluated at
the cell's vertices; a cell with vertices strictly on both sides of the neuron's line is cut in
two along it (crossing points by exact linear interpolation on the cut edges, computed once
and shared by both pieces, so the pieces tile their parent exactly). All cells are processed
together with NumPy: one Python-level step per neuron, none per cell or vertex.

Used for 2-input networks on a 2-D ``Box``, ``Polytope`` or ``Ball`` (norm 1, 2 or inf), and for
any network on a :class:`~polyreg.slices.Slice` (through the composed 2-input network
:meth:`Slice.network`).

Conventions (the same as :func:`~polyreg.engines.traverse_engine.traverse`)
--------------------------------------------------------------------
* Coordinates are centred on the domain (a box's midpoint, a ball's centre, the middle of a
  polytope's bounding box) and the first layer's offsets ``b + W centre`` are correctly
  rounded (:mod:`polyreg.canonical`): translating network and domain together changes
  nothing. Results are reported in the input (plane) coordinates.
* Every neuron map ``g . x + c`` on a cell carries the magnitudes it was computed from
  (``|W|`` times the previous layer's, ``|b|`` added), invariant when a neuron is rescaled;
  ``mag = |g|_mag extent + |c|_mag`` bounds what a value inside the domain is computed from.
* pattern bit ``z > 0``; a neuron whose gradient on a cell is below ``tol.gradient`` times the
  magnitude of that gradient is constant there (it cuts nothing), and off when its value is
  below ``tol.gradient * mag`` (identically zero);
* a vertex within ``snap = NOISE * mag / |g|`` of a neuron's line lies on it (``NOISE``: 64
  ulps, the float error of the signed distance); and a neuron line within ``tol.merge`` of
  the line of a cell's edge (unit normal and offset from the centre, as ``traverse`` groups
  rows) is that line (repeated lines, lines along the domain's sides cut nothing twice);
* a region counts when the largest disk inside region ∩ domain has radius ``>= tol.radius``;
  a cell whose inscribed radius is provably ``<= tol.zero`` is dropped (it is a segment or a
  point up to rounding); in between a ``ToleranceError`` is raised, as ``traverse`` does;
* two regions are adjacent when they share a boundary segment of length ``>= 2 tol.radius``
  (shorter contacts are corners);
* refused: a domain farther than ``1e150`` from its centre or within ``1e-150`` of it
  (squared distances would overflow / underflow: ``InvalidDomain``), a domain thinner than
  ``tol.zero`` (``InvalidDomain``), maps that overflow float64 (``ToleranceError``); when no
  cell certifies (a domain below ``tol.radius``) a ``ToleranceError``, never an empty result.

Certificates. A region's ``point`` is its polygon's centroid and ``radius`` the centroid's
distance to the nearest edge line (a disk of that radius lies in region ∩ domain; the
inscribed radius is at most 1.5 times it). Only a cell whose centroid certificate falls below
``tol.radius`` while it may still be wider than ``tol.zero`` is settled by one LP (SOCP for a
disk) with :func:`polyreg.solvers.inscribed_ball`; such solves are counted in ``stats``.

Disks (2-D L2 balls). Cells are clipped to the regular 64-gon circumscribing the disk and a
cell counts when its polygon's distance to the centre is below the radius (its interior meets
the open disk); cells that stop meeting it are dropped after every layer. A cell cut by the
circle is returned as that polygon (a superset of region ∩ disk), with ``point``/``radius``
certified inside the disk (the centroid of the cell ∩ the inscribed 128-gon when the plain
centroid does not certify).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..canonical import centre as centred
from ..canonical import middle
from ..domains import Ball, Box, Domain, Polytope
from ..errors import InvalidDomain, InvalidNetwork, ToleranceError
from ..solvers import SolveCounter
from ..network import Network
from ..regions import Edge, Region, RegionSet
from ..slices import Slice, bound_polygon
from ..tolerances import DEFAULT, Tolerances
from ._centred import NOISE, check_extent
from ..exact import RowsFn, pattern_rows
from ._cells import certify_cells, gc_paused
from ._common import Progress

#: sides of the regular polygon circumscribing a disk (the cells' outer boundary there)
DISK_SIDES = 64
#: sides of the regular polygon inscribed in a disk, used to place points in boundary cells
DISK_INNER_SIDES = 128


@dataclass(frozen=True, eq=False, repr=False)  # the short RegionSet repr
class PlanarRegionSet(RegionSet):
    """A :class:`~polyreg.regions.RegionSet` with each region's polygon.

    Attributes
    ----------
    polygons : tuple of ndarray
        ``polygons[i]``, shape ``(k, 2)``: the vertices of region ``i`` ∩ domain in
        counter-clockwise order (slice coordinates for a ``Slice``). For a disk, a region cut
        by the circle is given as region ∩ the regular 64-gon circumscribing the disk (a
        superset; its ``point`` and ``radius`` are certified inside the disk).
    """

    polygons: tuple = ()


# ============================================================================ flat polygon kernels
def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + c)`` over pairs (vectorised)."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    shift = starts - (np.cumsum(counts) - counts)
    return np.repeat(shift, counts) + np.arange(total)


def _next_index(counts: np.ndarray) -> np.ndarray:
    """For flat cell-contiguous vertices, the index of each vertex's successor in its cell."""
    n = int(counts.sum())
    starts = np.cumsum(counts) - counts
    nxt = np.arange(1, n + 1)
    nxt[starts + counts - 1] = starts
    return nxt


def _cut(
    xs: np.ndarray,
    ds: np.ndarray,
    tags: np.ndarray,
    counts: np.ndarray,
    snap: float | np.ndarray,
    tag_pos: np.ndarray,
    tag_neg: np.ndarray,
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Cut flat convex polygons by lines given as signed distances at their vertices.

    Parameters
    ----------
    xs : (n, 2) vertices, cell-contiguous, each cell counter-clockwise
    ds : (n,) signed distance of each vertex to its cell's line (``|ds| <= snap``: on it)
    snap : float or (n,) per vertex
    tags : (n,) label of the edge leaving each vertex
    counts : (m,) vertices per cell
    tag_pos, tag_neg : (m,) labels of the new edge in the positive / negative piece

    Returns
    -------
    ((P, T, counts) of the positive pieces, (P, T, counts) of the negative pieces)
        Each piece keeps the vertices on its side or on the line plus the crossing points,
        in the parent's order (Sutherland-Hodgman for one line).
    """
    m = counts.size
    nxt = _next_index(counts)
    owner = np.repeat(np.arange(m), counts)
    sg = (ds > snap).astype(np.int8) - (ds < -snap).astype(np.int8)
    sn = sg[nxt]
    cross = (sg * sn) < 0
    dn = ds[nxt]
    w = np.zeros_like(ds)
    w[cross] = ds[cross] / (ds[cross] - dn[cross])
    r = xs + w[:, None] * (xs[nxt] - xs)
    pts = np.stack([xs, r], axis=1).reshape(-1, 2)
    own2 = np.repeat(owner, 2)
    out = []
    for side, new in ((1, tag_pos[owner]), (-1, tag_neg[owner])):
        keep_v = sg * side >= 0
        tv = np.where((sn * side >= 0) | (sg * side > 0), tags, new)
        tr = np.where(sg * side > 0, new, tags)
        mask = np.stack([keep_v, cross], axis=1).ravel()
        T2 = np.stack([tv, tr], axis=1).ravel()
        out.append((pts[mask], T2[mask], np.bincount(own2[mask], minlength=m)))
    return out[0], out[1]


def _polygon_measures(
    X: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Area, centroid, perimeter and centroid's least distance to an edge line, per polygon.

    Area and centroid are computed about each polygon's vertex mean (no cancellation far from
    the origin). The least distance ``rho`` certifies the disk of radius ``rho`` around the
    centroid inside the polygon; the inscribed radius lies in ``[rho, 1.5 rho]`` (the centroid
    is at least a third of the width from every supporting line).
    """
    starts = np.cumsum(counts) - counts
    owner = np.repeat(np.arange(counts.size), counts)
    mean = np.add.reduceat(X, starts, axis=0) / counts[:, None]
    Y = X - mean[owner]
    nxt = _next_index(counts)
    Yn = Y[nxt]
    cr = Y[:, 0] * Yn[:, 1] - Yn[:, 0] * Y[:, 1]
    area = 0.5 * np.add.reduceat(cr, starts)
    cx = np.add.reduceat((Y[:, 0] + Yn[:, 0]) * cr, starts)
    cy = np.add.reduceat((Y[:, 1] + Yn[:, 1]) * cr, starts)
    safe = np.where(area != 0, area, 1.0)
    cen_local = np.column_stack([cx, cy]) / (6.0 * safe[:, None])
    cen_local[area == 0] = 0.0
    e = Yn - Y
    length = np.hypot(e[:, 0], e[:, 1])
    perim = np.add.reduceat(length, starts)
    rel = cen_local[owner] - Y
    with np.errstate(divide="ignore", invalid="ignore"):
        dist = (e[:, 0] * rel[:, 1] - e[:, 1] * rel[:, 0]) / length
    dist[length == 0] = np.inf
    rho = np.minimum.reduceat(dist, starts)
    return area, mean + cen_local, perim, rho


def _distance_to_polygons(X: np.ndarray, counts: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Euclidean distance from the point ``c`` to each flat convex polygon (0 inside)."""
    starts = np.cumsum(counts) - counts
    nxt = _next_index(counts)
    p, q = X - c, X[nxt] - c
    e = q - p
    ee = np.einsum("ij,ij->i", e, e)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.clip(-np.einsum("ij,ij->i", p, e) / ee, 0.0, 1.0)
    s[ee == 0] = 0.0
    foot = p + s[:, None] * e
    seg = np.hypot(foot[:, 0], foot[:, 1])
    inside = np.minimum.reduceat(p[:, 0] * q[:, 1] - p[:, 1] * q[:, 0], starts) >= 0
    return np.where(inside, 0.0, np.minimum.reduceat(seg, starts))


def _grow(arr: np.ndarray, n: int) -> np.ndarray:
    if arr.shape[0] >= n:
        return arr
    out = np.empty((max(n, 2 * arr.shape[0]),) + arr.shape[1:], dtype=arr.dtype)
    out[: arr.shape[0]] = arr
    return out


# ============================================================================ the subdivision
class _Cells:
    """Growable flat storage of the current cells: vertices, edge tags, bits, bounding disks.

    Within a layer every cell descends from one cell of the layer's start (its ``root``) and
    shares the root's affine maps of the layer's neurons, so maps are stored per root only.
    """

    def __init__(self, poly: np.ndarray, n_hidden: int) -> None:
        k = poly.shape[0]
        self.X = np.array(poly, dtype=float)
        self.T = -1 - np.arange(k, dtype=np.int64)  # domain sides: negative tags
        self.nV = k
        self.cs = np.array([0], dtype=np.int64)
        self.cn = np.array([k], dtype=np.int64)
        self.ctr = poly.mean(axis=0)[None, :]
        self.crad = np.array([np.hypot(*(poly - poly.mean(axis=0)).T).max()])
        self.bits = np.zeros((1, n_hidden), dtype=bool)
        self.root = np.zeros(1, dtype=np.int64)
        self.nC = 1
        self.live = np.array([0], dtype=np.int64)
        self._lines_from = 0
        # events: one per cut (the shared segment's line: a point and a unit direction)
        self.ev_o: list[np.ndarray] = []
        self.ev_dir: list[np.ndarray] = []
        self.n_events = 0
        # the line of every edge tag as unit normal and offset (n . x = off): domain sides
        # (outward normals of the counter-clockwise polygon), then one per event
        e = np.roll(self.X, -1, axis=0) - self.X
        n = np.column_stack([e[:, 1], -e[:, 0]]) / np.hypot(e[:, 0], e[:, 1])[:, None]
        self.side_n = n
        self.side_off = np.einsum("ij,ij->i", n, self.X)
        self.ev_n = np.zeros((0, 2))
        self.ev_off = np.zeros(0)

    def tag_lines(self, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unit normal and offset of the line carrying each edge tag."""
        if self.ev_off.size < self.n_events:  # events of later cuts (the ids are in order)
            dirs = np.concatenate(self.ev_dir[self._lines_from :])
            origins = np.concatenate(self.ev_o[self._lines_from :])
            normals = np.column_stack([dirs[:, 1], -dirs[:, 0]])
            self.ev_n = np.concatenate([self.ev_n, normals])
            self.ev_off = np.concatenate([self.ev_off, np.einsum("ij,ij->i", normals, origins)])
            self._lines_from = len(self.ev_dir)
        side = T < 0
        ks = np.where(side, -1 - T, 0)
        if self.ev_off.size == 0:
            return self.side_n[ks], self.side_off[ks]
        ev = np.where(side, 0, T >> 1)
        n = np.where(side[:, None], self.side_n[ks], self.ev_n[ev])
        off = np.where(side, self.side_off[ks], self.ev_off[ev])
        return n, off

    def vertices(self, ids: np.ndarray) -> np.ndarray:
        return _ranges(self.cs[ids], self.cn[ids])

    def add_cells(self, P: np.ndarray, T: np.ndarray, counts: np.ndarray, parents: np.ndarray) -> np.ndarray:
        """Append polygons (flat, with counts) inheriting bits and root from ``parents``."""
        n, m = P.shape[0], counts.size
        self.X = _grow(self.X, self.nV + n)
        self.T = _grow(self.T, self.nV + n)
        self.X[self.nV : self.nV + n] = P
        self.T[self.nV : self.nV + n] = T
        ids = np.arange(self.nC, self.nC + m)
        for name in ("cs", "cn", "ctr", "crad", "bits", "root"):
            setattr(self, name, _grow(getattr(self, name), self.nC + m))
        starts = np.cumsum(counts) - counts
        self.cs[ids] = self.nV + starts
        self.cn[ids] = counts
        mean = np.add.reduceat(P, starts, axis=0) / counts[:, None]
        owner = np.repeat(np.arange(m), counts)
        dev = P - mean[owner]
        self.ctr[ids] = mean
        self.crad[ids] = np.sqrt(np.maximum.reduceat(np.einsum("ij,ij->i", dev, dev), starts))
        self.bits[ids] = self.bits[parents]
        self.root[ids] = self.root[parents]
        self.nV += n
        self.nC += m
        return ids

    def compact(self) -> None:
        """Renumber the live cells 0..C-1 and drop dead vertices."""
        live = self.live
        vi = self.vertices(live)
        counts = self.cn[live].copy()
        self.X, self.T = self.X[vi], self.T[vi]
        self.nV = vi.size
        self.cs = np.cumsum(counts) - counts
        self.cn = counts
        self.ctr, self.crad = self.ctr[live], self.crad[live]
        self.bits, self.root = self.bits[live], self.root[live]
        self.nC = live.size
        self.live = np.arange(live.size)


@dataclass(frozen=True)
class _LayerMaps:
    """The current layer's maps on the layer's start cells (roots) and what they decide."""

    G: np.ndarray  # (C0, n, 2) gradients
    c: np.ndarray  # (C0, n) offsets
    gn: np.ndarray  # (C0, n) gradient norms
    cand: np.ndarray  # (C0, n) the neuron's line may cross the root cell
    sign: np.ndarray  # (C0, n) the bit where it does not
    snap: np.ndarray  # (C0, n) distance within which a vertex lies on the neuron's line


def _layer_maps(
    cells: _Cells, G: np.ndarray, c: np.ndarray, GA: np.ndarray, CA: np.ndarray,
    extent: float, tol: Tolerances,
) -> _LayerMaps:
    """The layer's maps on the root cells, with their float-noise thresholds.

    ``GA``, ``CA`` are the magnitudes ``G`` and ``c`` were computed from; a value at a point
    of the (centred) domain is then off by a few ulps of ``mag = |GA|_1 extent + CA``.
    """
    gn = np.hypot(G[:, :, 0], G[:, :, 1])
    mag = (GA[:, :, 0] + GA[:, :, 1]) * extent + CA
    const = gn <= tol.gradient * np.hypot(GA[:, :, 0], GA[:, :, 1])
    zval = tol.gradient * mag
    with np.errstate(divide="ignore", invalid="ignore"):
        dc = (G[:, :, 0] * cells.ctr[:, :1] + G[:, :, 1] * cells.ctr[:, 1:] + c) / gn
        snap = np.where(const, 0.0, NOISE * mag / gn)
    cand = ~const & (np.abs(dc) < cells.crad[:, None] + 2 * snap)
    sign = np.where(const, c > zval, dc > 0)
    return _LayerMaps(G, c, gn, cand, sign, snap)


def _cut_by_neuron(
    cells: _Cells, maps: _LayerMaps, j: int, k: int, merge: float, radius: float,
    zero: float = 0.0, exact: str = "auto",
) -> None:
    """Cut every live cell crossed by neuron ``j`` of the current layer (pattern index ``k``).

    Bits of cells whose root the line misses are set from the root at the layer's end; here
    the candidates are filtered by their own bounding disk, then by the signs at their
    vertices. A vertex that float noise would snap onto the line although it lies at least
    ``radius`` from it (huge domains or magnitudes) raises ``ToleranceError``: the snap could
    merge a real region, and other engines decide it exactly.
    """
    L = cells.live
    K = L[maps.cand[cells.root[L], j]]
    if K.size == 0:
        return
    r = cells.root[K]
    g, z0, gn, snap = maps.G[r, j], maps.c[r, j], maps.gn[r, j], maps.snap[r, j]
    dc = (np.einsum("ij,ij->i", g, cells.ctr[K]) + z0) / gn
    near = np.abs(dc) < cells.crad[K] + 2 * snap
    cells.bits[K[~near], k] = dc[~near] > 0
    if not near.any():
        return
    K, g, z0, gn, dc, snap = K[near], g[near], z0[near], gn[near], dc[near], snap[near]
    counts = cells.cn[K]
    vi = cells.vertices(K)
    owner = np.repeat(np.arange(K.size), counts)
    X = cells.X[vi]
    d = (np.einsum("ij,ij->i", X, g[owner]) + z0[owner]) / gn[owner]
    sv = snap[owner]
    # a neuron line that is the line of an edge of the cell (within tol.merge in unit
    # [normal | offset], as traverse groups rows) cuts nothing there: both ends lie on it
    en, eo = cells.tag_lines(cells.T[vi])
    un, uo = g[owner] / gn[owner, None], -z0[owner] / gn[owner]
    dn_ = en - un
    dp_ = en + un
    d2 = np.minimum(np.einsum("ij,ij->i", dn_, dn_) + (eo - uo) ** 2,
                    np.einsum("ij,ij->i", dp_, dp_) + (eo + uo) ** 2)
    # within ``zero`` the same line; between ``zero`` and ``merge`` float64 cannot tell: not
    # snapped (a sliver cell between the two lines is decided on its exact rows by
    # _certify, an exact="always" cell check too), or refused with exact="never"
    lower = 0.0 if exact == "always" else zero
    same = d2 <= lower * lower
    doubt = (d2 <= merge * merge) & ~same
    if doubt.any() and exact == "never":
        raise ToleranceError(
            f"planar: the line of neuron {k} lies within the merge tolerance {merge:g} of an "
            f"edge's line but farther than zero={zero:g}; float64 cannot tell whether they "
            "are one (pass Tolerances(exact='auto') to decide it in rational arithmetic)"
        )
    if same.any():
        d = d.copy()
        d[same] = 0.0
        d[_next_index(counts)[same]] = 0.0
    material = (np.abs(d) <= sv) & (np.abs(d) >= radius)
    if material.any():
        worst = float(np.abs(d[material]).max())
        raise ToleranceError(
            f"planar: a vertex {worst:.3g} from the line of neuron {k} is within float64's "
            f"noise of it ({float(sv[material].max()):.3g}) at this domain's scale, above the "
            f"radius tolerance {radius:.3g}; use method 'skeleton' or 'traverse', which decide "
            "it in exact arithmetic"
        )
    has_pos = np.bincount(owner[d > sv], minlength=K.size) > 0
    has_neg = np.bincount(owner[d < -sv], minlength=K.size) > 0
    split = has_pos & has_neg
    whole = ~split
    cells.bits[K[whole], k] = np.where(has_pos | has_neg, has_pos, dc > 0)[whole]
    if not split.any():
        return
    S = K[split]
    vmask = split[owner]
    unit = g[split] / gn[split][:, None]
    eid = cells.n_events + np.arange(S.size)
    cells.n_events += S.size
    cells.ev_o.append(cells.ctr[S] - dc[split][:, None] * unit)
    cells.ev_dir.append(np.column_stack([-unit[:, 1], unit[:, 0]]))
    (Pp, Tp, cp), (Pn, Tn, cn) = _cut(
        X[vmask], d[vmask], cells.T[vi[vmask]], counts[split], sv[vmask], 2 * eid, 2 * eid + 1
    )
    ids = cells.add_cells(
        np.concatenate([Pp, Pn]), np.concatenate([Tp, Tn]), np.concatenate([cp, cn]),
        np.concatenate([S, S]),
    )
    cells.bits[ids, k] = np.arange(ids.size) < S.size
    dead = np.zeros(cells.nC, dtype=bool)
    dead[S] = True
    cells.live = np.concatenate([L[~dead[L]], ids])


# ============================================================================ the engine
def _problem(net: Network, domain: Domain) -> tuple[Network, Domain]:
    """The 2-input network and 2-D domain the clipping runs on."""
    if isinstance(domain, Slice):
        domain.for_inputs(net.n_inputs)
        return domain.network(net), domain.bound
    if net.n_inputs != 2:
        raise InvalidNetwork(
            f"planar needs a network with 2 inputs (got {net.n_inputs}) or a Slice domain"
        )
    if not isinstance(domain, (Box, Ball, Polytope)):
        raise InvalidDomain(
            f"planar works on a 2-D Box, Ball, Polytope or a Slice, not {type(domain).__name__}"
        )
    domain.for_inputs(2)
    return net, domain


def _outer_polygon(domain: Domain) -> tuple[np.ndarray, tuple[np.ndarray, float] | None, float]:
    """Starting polygon, the disk (centre, radius) when the domain is round, and its extent
    (largest coordinate magnitude of the polygon)."""
    poly = bound_polygon(domain)
    disk = None
    if poly is None:  # a disk: the only bound without a polygon
        assert isinstance(domain, Ball)
        c, R = domain.center, domain.radius
        theta = 2 * np.pi * np.arange(DISK_SIDES) / DISK_SIDES
        poly = c + (R / np.cos(np.pi / DISK_SIDES)) * np.column_stack([np.cos(theta), np.sin(theta)])
        disk = (c, R)
    return poly, disk, float(np.abs(poly).max())


def planar(
    net: Network,
    domain: Domain,
    *,
    tol: Tolerances = DEFAULT,
    progress: bool | None = None,
    edges: bool = True,
) -> PlanarRegionSet:
    """Every activation region of a 2-D problem, by exact polygon clipping (no LP in general).

    Parameters
    ----------
    net : Network
        2 inputs, or any number of inputs with a :class:`~polyreg.slices.Slice` domain.
    domain : Box, Ball, Polytope (2-D) or Slice
    tol : Tolerances
        ``merge`` (vertex-on-line snapping), ``gradient`` (constant neurons), ``radius`` and
        ``zero`` (which cells count), see the module notes.
    progress : bool, optional
        Progress line on stderr (default: when stderr is a terminal).
    edges : bool
        Compute the adjacency (``edges``); False skips it (counting only).

    Returns
    -------
    PlanarRegionSet
        ``point``, ``radius``, ``out_W``/``out_b`` and ``polygons`` are in the plane's
        coordinates: input coordinates for a 2-input network, slice coordinates ``(s, t)``
        for a ``Slice`` (so ``f(origin + s u + t v) = out_W @ (s, t) + out_b``; the radius is
        Euclidean in ``(s, t)``). ``point`` is the polygon's centroid when that certifies
        ``radius`` (the centroid's distance to the nearest edge line, and to the circle for
        a disk), else a solver-certified centre (counted in ``stats['lps' / 'socps']``; only
        cells thinner than ``tol.radius`` at their centroid need it).

    Raises
    ------
    InvalidNetwork, InvalidDomain
        Wrong input dimension or a domain other than a 2-D box, ball, polytope or slice; a
        domain thinner than ``tol.zero``, or farther than ``1e150`` from (within ``1e-150`` of)
        its centre.
    ToleranceError
        A region's inscribed radius lies between ``tol.zero`` and ``tol.radius``; no region
        certifies at all; the maps overflow float64.

    Notes
    -----
    Cost: one vectorised pass per hidden neuron over the cells its line may cross (a bounding
    disk per cell filters the rest), ``O(n_l^2)`` per cell per layer for the next layer's
    maps, and ``O(E log E)`` for the adjacency: each cut records its line; the edges of the
    final cells on a cut line are matched as intervals along it.

    Examples
    --------
    >>> import polyreg
    >>> from polyreg.engines.planar import planar
    >>> net = polyreg.random_network([2, 8, 8, 1], seed=0)
    >>> rs = planar(net, polyreg.Box.cube(2, -1, 1))
    >>> len(rs) == len(polyreg.enumerate_regions(net, polyreg.Box.cube(2, -1, 1)))
    True
    >>> round(sum(polyreg.slices.polygon_area(p) for p in rs.polygons), 12)
    4.0
    """
    t0 = time.perf_counter()
    net2, dom2 = _problem(net, domain)
    netc, domc, centre = centred(net2, dom2, middle(dom2))
    poly, disk, extent = _outer_polygon(domc)
    check_extent(extent, "planar")
    area0, _, perim0, _ = _polygon_measures(poly, np.array([poly.shape[0]]))
    if 2 * area0[0] / perim0[0] <= tol.zero:  # an upper bound on the domain's inradius
        raise InvalidDomain(
            f"the domain is thinner than tol.zero={tol.zero:g} (inscribed radius at most "
            f"{2 * area0[0] / perim0[0]:.3g}): it has no full-dimensional region"
        )
    show = Progress(progress)
    cells = _Cells(poly, netc.n_hidden)
    offsets = netc.layer_offsets
    alpha = netc.negative_slope
    G = netc.weights[0][None, :, :].copy()  # layer-1 maps: one cell, the domain
    c = netc.biases[0][None, :].copy()
    GA, CA = np.abs(G), np.abs(c)  # the magnitudes they are computed from
    for layer in range(len(netc.hidden_widths)):
        if not (np.all(np.isfinite(G)) and np.all(np.isfinite(c))):
            raise ToleranceError(
                f"planar: the maps of layer {layer + 1} overflow float64 (weights times the "
                "domain's extent); rescale the network or the inputs"
            )
        seg = slice(offsets[layer], offsets[layer + 1])
        maps = _layer_maps(cells, G, c, GA, CA, extent, tol)
        cells.root = np.arange(cells.nC)
        for j in np.flatnonzero(maps.cand.any(axis=0)):
            _cut_by_neuron(cells, maps, int(j), offsets[layer] + int(j), tol.merge, tol.radius,
                           tol.zero, tol.exact)
            show(cells.live.size, 0, 0)
        cells.compact()
        if disk is not None:
            _prune_disk(cells, disk)
        r = cells.root
        bits = np.where(maps.cand[r], cells.bits[:, seg], maps.sign[r])
        cells.bits[:, seg] = bits
        slope = np.where(bits, 1.0, alpha)
        W, b = netc.weights[layer + 1], netc.biases[layer + 1]
        G = np.stack([(slope * maps.G[r, :, 0]) @ W.T, (slope * maps.G[r, :, 1]) @ W.T], axis=2)
        c = (slope * maps.c[r]) @ W.T + b
        aW, aslope = np.abs(W), np.abs(slope)
        GA = np.stack([(aslope * GA[r, :, 0]) @ aW.T, (aslope * GA[r, :, 1]) @ aW.T], axis=2)
        CA = (aslope * CA[r]) @ aW.T + np.abs(b)
    show(cells.live.size, 0, 0, final=True)
    counter = SolveCounter()
    keep, points, radii = _certify(cells, domc, disk, tol, counter, netc)
    if not keep.any():
        raise ToleranceError(
            f"planar found no region of inscribed radius >= tol.radius={tol.radius:g} in the "
            f"domain (is the domain itself thinner than that?); {cells.nC} cell(s) were "
            f"dropped as thinner than tol.zero={tol.zero:g}"
        )
    cells.live = np.flatnonzero(keep)
    cells.compact()
    points, radii, G, c = points[keep], radii[keep], G[keep], c[keep]
    c = c - np.einsum("rij,j->ri", G, centre)  # output maps in the plane's coordinates
    points = points + centre
    with gc_paused():  # tens of thousands of small acyclic objects: skip GC passes
        edge_list = _edges(cells, tol, disk, centre) if edges else []
        regions = tuple(map(Region, list(cells.bits), list(points), radii.tolist(), list(G), list(c)))
        X = cells.X[: cells.nV] + centre
        bounds = np.append(cells.cs, cells.nV).tolist()
        polygons = tuple(X[bounds[i] : bounds[i + 1]] for i in range(cells.nC))
    stats = {
        "engine": "planar",
        "lps": counter.lp,
        "socps": counter.socp,
        **counter.exact_stats(),
        "solves": counter.total,
        "seconds": time.perf_counter() - t0,
        "cuts": cells.n_events,
    }
    return PlanarRegionSet(
        regions, tuple(edge_list), "planar", domain, net.widths, stats, polygons
    )


def _prune_disk(cells: _Cells, disk: tuple[np.ndarray, float]) -> None:
    """Drop cells whose polygon does not meet the open disk."""
    c, R = disk
    dist = _distance_to_polygons(cells.X[: cells.nV], cells.cn[: cells.nC], c)
    cells.live = np.flatnonzero(dist < R)
    if cells.live.size < cells.nC:
        cells.compact()


def _certify(
    cells: _Cells,
    domain: Domain,
    disk: tuple[np.ndarray, float] | None,
    tol: Tolerances,
    counter: SolveCounter,
    net: Network | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per final cell: whether it counts, a certified interior point and its radius (a cell
    undecided in float64 is decided on the exact rows of ``net``'s activation region, when
    given, else on its polygon's edges as rationals; ``tol.exact == "always"``: every cell)."""
    counts = cells.cn[: cells.nC]
    X = cells.X[: cells.nV]
    area, cen, perim, rho = _polygon_measures(X, counts)
    upper = np.minimum(2 * area / np.maximum(perim, 1e-300), 1.5 * np.maximum(rho, 0.0))
    radius = rho.copy()
    if disk is not None:
        c, R = disk
        radius = np.minimum(radius, R - np.hypot(*(cen - c).T))
        upper = np.minimum(upper, (R - _distance_to_polygons(X, counts, c)) / 2)
        weak = np.flatnonzero((radius < tol.radius) & (upper > tol.zero))
        if weak.size:
            p2, r2 = _inner_points(cells, weak, c, R)
            better = r2 > radius[weak]
            cen[weak[better]] = p2[better]
            radius[weak[better]] = r2[better]
    def rows(i: int) -> tuple[np.ndarray, np.ndarray, RowsFn | None]:
        P = X[cells.cs[i] : cells.cs[i] + counts[i]]
        e = np.roll(P, -1, axis=0) - P
        A = np.column_stack([e[:, 1], -e[:, 0]])
        norm = np.hypot(A[:, 0], A[:, 1])
        ok = norm > 0
        A = A[ok] / norm[ok, None]
        b = np.einsum("ij,ij->i", A, P[ok])
        exact = None if net is None else pattern_rows(
            net.weights, net.biases, net.negative_slope, cells.bits[i], domain.rows())
        return A, b, exact

    keep = certify_cells(cen, radius, rows, domain, tol, counter, what="planar cell",
                         hopeless=upper <= tol.zero)
    return keep, cen, radius


def _inner_points(
    cells: _Cells, ids: np.ndarray, c: np.ndarray, R: float
) -> tuple[np.ndarray, np.ndarray]:
    """Centroids of cells ∩ the regular polygon inscribed in the disk, with certified radii
    (distance to the piece's edges and to the circle); radius -inf where the piece is empty."""
    counts = cells.cn[ids].copy()
    P = cells.X[cells.vertices(ids)]
    T = np.zeros(P.shape[0], dtype=np.int64)
    theta = 2 * np.pi * (np.arange(DISK_INNER_SIDES) + 0.5) / DISK_INNER_SIDES
    normals = np.column_stack([np.cos(theta), np.sin(theta)])
    offset = R * np.cos(np.pi / DISK_INNER_SIDES)
    alive = np.arange(ids.size)
    none = np.zeros(ids.size, dtype=np.int64)
    for nrm in normals:
        d = (P - c) @ nrm - offset
        (Pp, Tp, cp), (Pn, Tn, cn) = _cut(P, d, T, counts, 0.0, none[: counts.size], none[: counts.size])
        ok = cn >= 3
        starts = np.cumsum(cn) - cn
        P = Pn[_ranges(starts[ok], cn[ok])]
        T = Tn[_ranges(starts[ok], cn[ok])]
        counts = cn[ok]
        alive = alive[ok]
        if counts.size == 0:
            break
    points = np.zeros((ids.size, 2))
    radii = np.full(ids.size, -np.inf)
    if counts.size:
        area, cen, _, rho = _polygon_measures(P, counts)
        good = area > 0
        r = np.minimum(rho, R - np.hypot(*(cen - c).T))
        points[alive[good]] = cen[good]
        radii[alive[good]] = r[good]
    return points, radii


def _edges(
    cells: _Cells,
    tol: Tolerances,
    disk: tuple[np.ndarray, float] | None = None,
    centre: np.ndarray | None = None,
) -> list[Edge]:
    """Adjacency from the cut lines: final edges carrying the same cut are matched as
    intervals along its line (positive side against negative side), clipped to the disk's
    chord for a round domain."""
    C = cells.nC
    if C < 2 or cells.n_events == 0:
        return []
    counts = cells.cn[:C]
    X, T = cells.X[: cells.nV], cells.T[: cells.nV]
    owner = np.repeat(np.arange(C), counts)
    nxt = _next_index(counts)
    sel = np.flatnonzero(T >= 0)
    ev, side = T[sel] >> 1, T[sel] & 1
    o = np.concatenate(cells.ev_o)[ev]
    dr = np.concatenate(cells.ev_dir)[ev]
    ta = np.einsum("ij,ij->i", X[sel] - o, dr)
    tb = np.einsum("ij,ij->i", X[nxt[sel]] - o, dr)
    lo, hi = np.minimum(ta, tb), np.maximum(ta, tb)
    cell = owner[sel]
    # dense ranks of (event, position) make interval comparisons exact and per event
    allv = np.concatenate([lo, hi])
    alle = np.concatenate([ev, ev])
    order = np.lexsort((allv, alle))
    sv, se = allv[order], alle[order]
    change = np.ones(order.size, dtype=np.int64)
    change[1:] = (sv[1:] != sv[:-1]) | (se[1:] != se[:-1])
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.cumsum(change)
    rlo, rhi = rank[: lo.size], rank[lo.size :]
    plus, minus = np.flatnonzero(side == 0), np.flatnonzero(side == 1)
    plus = plus[np.argsort(rlo[plus], kind="stable")]
    start = np.searchsorted(rhi[plus], rlo[minus], side="right")
    stop = np.searchsorted(rlo[plus], rhi[minus], side="left")
    n = np.maximum(stop - start, 0)
    mi = np.repeat(minus, n)
    pi = plus[_ranges(start, n)]
    a = np.maximum(lo[pi], lo[mi])
    b = np.minimum(hi[pi], hi[mi])
    if disk is not None:  # only the part of the shared segment inside the disk counts
        c, R = disk
        rel = o[pi] - c
        foot = np.einsum("ij,ij->i", rel, dr[pi])
        h2 = R * R - (np.einsum("ij,ij->i", rel, rel) - foot * foot)
        half = np.sqrt(np.maximum(h2, 0.0))
        a, b = np.maximum(a, -foot - half), np.minimum(b, -foot + half)
    good = (b - a) >= 2 * tol.radius
    mi, pi, a, b = mi[good], pi[good], a[good], b[good]
    u, v = cell[pi], cell[mi]
    mid = o[pi] + ((a + b) / 2)[:, None] * dr[pi]
    lo_uv, hi_uv = np.minimum(u, v), np.maximum(u, v)
    # one edge per pair (convex cells share one segment; keep its longest piece)
    order = np.lexsort((-(b - a), hi_uv, lo_uv))
    key_l, key_h = lo_uv[order], hi_uv[order]
    first = np.ones(order.size, dtype=bool)
    first[1:] = (key_l[1:] != key_l[:-1]) | (key_h[1:] != key_h[:-1])
    pick = order[first]
    U, V, Q = lo_uv[pick], hi_uv[pick], mid[pick]
    if centre is not None:
        Q = Q + centre
    packed = np.packbits(cells.bits[:C], axis=1)
    xor = packed[U] ^ packed[V]
    r, byte = np.nonzero(xor)  # differing bytes, then their bits (row-major: rows sorted)
    rr, bit = np.nonzero(np.unpackbits(xor[r, byte][:, None], axis=1))
    rows, cols = r[rr], 8 * byte[rr] + bit
    bounds = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=U.size))]).tolist()
    cols_l = cols.tolist()
    flipped = [tuple(cols_l[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    return list(map(Edge, U.tolist(), V.tolist(), flipped, flipped, list(Q)))


def __getattr__(name: str) -> object:  # names moved elsewhere (issue 16), for one release
    from .._moved import moved_name

    return moved_name(__name__, name)
