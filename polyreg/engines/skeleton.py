"""``skeleton``: vertex/edge subdivision of a polytope domain (no LP in general position).

The 1-skeleton of the subdivision is kept as vertices (coordinates, one sign per domain facet
and per neuron so far: +1, -1, or 0 on it) and edges (index pairs). Neurons are added one at a
time in layer order; a neuron is affine on every cell of the current complex, so its value at
a vertex is the (continuous) pre-activation there, carried along edges by interpolation. An edge
whose endpoints have opposite signs is split at the interpolated zero; two new vertices are
joined when their split edges lie on a common 2-face of the old complex, found by matching the
sign vectors of the split edges with one zero released (to + or -, domain facets only inwards).
The idea is Berzins' (ICML 2023, "Polyhedral complex extraction from ReLU networks using edge
subdivision"); this is an independent float64 implementation with exact degenerate handling.

Exactness (see :func:`skeleton`, Notes): sign decisions follow a symbolic perturbation of the
biases, so the combinatorics are always those of a network in general position; every region
is then certified against its own constraint rows (an LP decides the few that the cheap
certificate cannot), and adjacency around degenerate spots is recomputed exactly.

Thresholds. The skeleton is built in coordinates centred on the domain (first-layer offsets
``b + W centre`` correctly rounded, :mod:`polyreg.canonical`), so translating network
and domain together changes nothing. A vertex lies on a neuron's hyperplane when its value is
within ``tol.stable`` times the magnitude it is computed from, ``|W| |a| + |b|`` at that
vertex (invariant when a neuron is rescaled; no absolute floor); on a domain facet, within
``tol.stable`` times ``|A| |x| + |b|``. Stable neurons from bound propagation are trusted only
where every vertex agrees (their maximum over each cell is at a vertex); a contradicted one is
cut as a live neuron (``stats['unconfirmed_stable']``). Non-box domains start from their
bounding box widened by ``1e-6`` of its width. Refused: domains thinner than ``tol.zero``,
farther than ``1e150`` from their centre or within ``1e-150`` of it (``InvalidDomain``);
values that overflow float64, or no certified region at all (``ToleranceError``, never an
empty result).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from ..canonical import centre as centred
from ..canonical import middle, uncentre
from ..domains import Ball, Domain
from ..errors import InvalidDomain, ToleranceError
from ..solvers import SolveCounter, inscribed_ball
from ..network import Network
from ..propagation import Stability
from ..regions import Edge, Region, RegionSet
from ..tolerances import DEFAULT, Tolerances
from ._cells import gc_paused
from ._centred import check_extent
from ._common import Context, exact_rows, region_rows
from ._skeleton.adjacency import exact_edges, flipped_neurons
from ._skeleton.cells import Cells, read_cells, read_cells_min
from ._skeleton.certify import certify, out_maps
from ._skeleton.complex import Complex, Inconsistent, SkeletonProgress, build

#: largest input dimension accepted (the 1-skeleton grows quickly with d)
MAX_DIM = 8

#: bytes the skeleton's vertex arrays may take by default (see ``max_vertices``)
MEMORY_BUDGET = 4 * 2**30



@dataclass(frozen=True, eq=False, repr=False)  # the short RegionSet repr
class SkeletonRegionSet(RegionSet):
    """A :class:`~polyreg.regions.RegionSet` plus the 1-skeleton it was read from.

    Attributes
    ----------
    vertices : ndarray, shape (V, d)
        Vertices of the subdivision of the domain by every neuron's zero set. In degenerate
        position several vertices may coincide (the symbolic perturbation separates them).
    edges_xy : ndarray of int, shape (E, 2)
        Skeleton edges as index pairs into ``vertices`` (``vertices[edges_xy]`` has shape
        ``(E, 2, d)``); not to be confused with :attr:`edges`, the region adjacency.
    """

    vertices: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    edges_xy: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))



def _check_domain(domain: Domain, d: int) -> None:
    if not domain.bounded or domain.rows() is None or domain.dim != d:
        kind = f"a {type(domain).__name__}"
        if isinstance(domain, Ball):
            kind = f"an L{'inf' if domain.norm == np.inf else int(domain.norm)} ball in {d}-D"
        elif not domain.bounded:
            kind = "the whole space"
        raise InvalidDomain(
            "the skeleton engine needs a bounded polyhedral domain with explicit rows (box, "
            f"polytope, L-inf ball, L1 ball up to dimension {Ball.L1_ROWS_MAX_DIM}, or a "
            f"slice of one), not {kind}; use method='auto'"
        )
    if d > MAX_DIM:
        raise InvalidDomain(
            f"the skeleton engine takes at most {MAX_DIM} inputs (the 1-skeleton grows too "
            f"fast), the network has {d}; use method='traverse'"
        )




def skeleton(
    net: Network,
    domain: Domain,
    *,
    tol: Tolerances = DEFAULT,
    progress: bool | None = None,
    chebyshev: bool = False,
    seed: int = 0,
    max_vertices: int | None = None,
    edges: bool = True,
) -> SkeletonRegionSet:
    """Enumerate every activation region of a polyhedral domain by vertex/edge subdivision.

    Parameters
    ----------
    net : Network
    domain : Domain
        ``Box``, ``Polytope``, L-inf ``Ball`` or L1 ``Ball`` with explicit rows (``d <= 6``);
        at most :data:`MAX_DIM` inputs. Or a :class:`~polyreg.slices.Slice` with such a bound:
        then points, radii, output maps and the skeleton are in slice coordinates ``(s, t)``.
    tol : Tolerances
        ``tol.stable`` (relative to the magnitude of a neuron's inputs) decides when a vertex
        lies on a hyperplane; ``tol.radius`` / ``tol.zero`` certify regions as everywhere else.
    progress : bool, optional
        Progress line on stderr; default: only when stderr is a terminal.
    chebyshev : bool
        Report each region's Chebyshev centre and radius (one LP per region). With False
        (default) ``point`` is a point inside the region read from the skeleton and ``radius``
        a certified lower bound on the distance from it to the region's boundary.
    seed : int
        Seed of the random 64-bit hash weights of sign vectors and of the linear order that
        reads the cells (results do not depend on it).
    max_vertices : int, optional
        Stop with :class:`~polyreg.errors.ToleranceError` beyond this many skeleton vertices.
        Default: as many as fit in :data:`MEMORY_BUDGET` bytes (a vertex takes about
        ``M + 28 d + 8 w + 25`` bytes, ``M`` the domain facets plus the neurons, ``w`` the
        widest layer; arrays grow by doubling).
    edges : bool
        Compute the facet adjacency (default). With False (what a count needs) the result has
        no edges and ``stats['edges_computed']`` is False; the cells are read without their
        facets, but the exact facet tests around degenerate spots still run (they check that
        no region next to a tie is missing). Regions, points and radii are the same.

    Returns
    -------
    SkeletonRegionSet
        Regions (pattern, certified interior point and radius, output map), facet adjacency,
        and the skeleton (``vertices``, ``edges_xy``). ``stats['engine']`` is ``"skeleton"``
        (``"traverse"`` if the skeleton had to fall back, with ``stats['fallback']``).

    Raises
    ------
    InvalidDomain
        Round (L2) balls, the whole space, paths, L1 balls without explicit rows, or more
        than :data:`MAX_DIM` inputs.
    ToleranceError
        A region or facet too thin to decide in float64 (as ``traverse``), or too many
        vertices.

    Notes
    -----
    *General position is never assumed.* A value ``|z| <= tol.stable * (|w| . |a| + |b|)`` at
    a vertex (``a`` the layer's inputs there, in coordinates centred on the domain) is a
    *tie*: the vertex lies on the hyperplane. All ties of a neuron
    go to one side (the one splitting fewer edges): symbolically the neuron's bias gets an
    infinitesimal ``+-eps_k`` dominating every earlier neuron's, and a domain facet an outward
    one. The skeleton is then exactly that of a network in general position: every real region
    is a cell of it, with its pattern, and the other cells are slivers of zero volume.

    *Cells.* A vertex with ``m`` neuron zeros borders the ``2^m`` cells obtained by filling
    them with +/- (all exist in general position, also where a deeper neuron bends along an
    earlier one). Without ties each cell and each facet is read once, at its lowest vertex for
    a random linear order (all its edges there go up), with the barycentre of its simplex of
    edges as interior point; otherwise from every vertex (all fillings, deduplicated), with the
    mean of the cell's vertices. Canonical patterns (stable bits forced, identically zero
    neurons off, constant ones by their sign) come from the cell's local maps wherever a tie
    was involved.

    *Certificates.* A cell's radius is ``min_k s_k z_k(p) / scale_k`` over live neurons (one
    forward pass; ``scale_k`` bounds the gradient norm on every region) and the domain's
    slack; below ``tol.radius``, the least slack of its ``region_rows``; below that,
    :func:`~polyreg.solvers.inscribed_ball` decides (slivers come out empty, too thin to decide
    raises :class:`~polyreg.errors.ToleranceError` as in ``traverse``).

    *Adjacency.* Two cells filling a vertex's zeros differently in one neuron share a facet.
    Regions touching a tie or a sliver instead get their facets from ``traverse``'s exact
    facet test (:func:`~polyreg.engines.facets.find_facets`), so facets carried by
    coincident neurons, or bridged by slivers, are found as ``traverse`` finds them. Should
    float64 ever produce an impossible skeleton (a 2-face crossed at other than two edges, a
    cell read twice, a neighbour missing) the engine falls back to ``traverse``
    (``stats['fallback']`` says why).

    Cost: per neuron ``O(V d)`` vectorised work plus ``O(M)`` per new vertex; then one forward
    and one backward pass through the masked network per region.

    Examples
    --------
    >>> import polyreg
    >>> from polyreg.engines.skeleton import skeleton
    >>> net = polyreg.random_network([2, 6, 1], seed=0)
    >>> rs = skeleton(net, polyreg.Box.cube(2, -10, 10))
    >>> len(rs) == len(polyreg.enumerate_regions(net, polyreg.Box.cube(2, -10, 10),
    ...                                          method="traverse"))
    True
    >>> rs.vertices.shape[1], rs.edges_xy.shape[1]
    (2, 2)
    """
    from ..slices import Slice, slice_network

    t0 = time.perf_counter()
    given = domain.for_inputs(net.n_inputs)
    widths = net.widths
    if isinstance(given, Slice):  # the composed 2-input network on the slice's bound
        net, domain = slice_network(net, given)
    else:
        domain = given
    _check_domain(domain, net.n_inputs)
    lo, hi = domain.bounding_box()
    if float(np.min(hi - lo)) / 2 <= tol.zero:  # an upper bound on the domain's inradius
        raise InvalidDomain(
            f"the domain is thinner than tol.zero={tol.zero:g} (inscribed radius at most "
            f"{float(np.min(hi - lo)) / 2:.3g}): it has no full-dimensional region"
        )
    orig_net, orig_domain = net, domain
    net, domain, centre, ctx = centred_context(net, domain, tol)
    show = SkeletonProgress(progress)
    if max_vertices is None:
        max_vertices = vertex_budget(net, domain)
    try:
        rs = _skeleton(ctx, seed, max_vertices, chebyshev, show, t0, edges)
    except Inconsistent as exc:
        from .traverse_engine import traverse

        trs = traverse(net, domain, tol=tol, progress=progress, chebyshev=chebyshev, seed=seed)
        stats = dict(trs.stats, fallback=str(exc), seconds=time.perf_counter() - t0)
        rs = SkeletonRegionSet(trs.regions, trs.edges, "skeleton", trs.domain, trs.widths, stats)
    if len(rs) == 0:
        raise ToleranceError(
            f"skeleton found no region of inscribed radius >= tol.radius={tol.radius:g} in the "
            "domain (is the domain itself thinner than that?)"
        )
    if np.any(centre):  # back to the input coordinates
        rs = uncentre(rs, centre, orig_domain)
    net, domain = orig_net, orig_domain
    if given is not domain or rs.widths != widths:
        rs = SkeletonRegionSet(rs.regions, rs.edges, "skeleton", given, widths, rs.stats,
                               vertices=rs.vertices, edges_xy=rs.edges_xy)
    return rs


def centred_context(net: Network, domain: Domain, tol: Tolerances
                    ) -> tuple[Network, Domain, np.ndarray, Context]:
    """``(net, domain)`` in coordinates centred on the domain (exact first-layer offsets, see
    :mod:`polyreg.canonical`), its centre, and the search context there; refuses an extent
    float64 cannot handle (:func:`~polyreg.engines._centred.check_extent`)."""
    net, domain, centre = centred(net, domain, middle(domain))
    clo, chi = domain.bounding_box()
    check_extent(float(np.max(np.maximum(np.abs(clo), np.abs(chi)))), "skeleton")
    return net, domain, centre, Context.create(net, domain, tol)


def vertex_budget(net: Network, domain: Domain) -> int:
    """Skeleton vertices that fit in :data:`MEMORY_BUDGET` bytes (a vertex takes about
    ``M + 28 d + 8 w + 25`` bytes, ``M`` the domain facets plus the neurons, ``w`` the widest
    layer; arrays grow by doubling)."""
    dom_rows = domain.rows()
    rows = (0 if dom_rows is None else dom_rows[1].size) + 2 * net.n_inputs + net.n_hidden
    per_vertex = rows + 28 * net.n_inputs + 8 * max(net.widths) + 25
    return MEMORY_BUDGET // (2 * per_vertex)


def _skeleton(
    ctx: Context, seed: int, max_vertices: int, chebyshev: bool, show: SkeletonProgress,
    t0: float, want_edges: bool = True,
) -> SkeletonRegionSet:
    net = ctx.net
    counter = SolveCounter()
    cx, wrong = build(ctx, seed, max_vertices, show)
    if wrong.any():  # stability claims the skeleton's vertices contradict: those are live
        st = ctx.stab
        ctx = replace(ctx, stab=Stability(st.lower, st.upper, st.on & ~wrong, st.off & ~wrong,
                                          st.live | wrong))
    t_skel = time.perf_counter()
    cells = None
    if cx.ties == 0:
        try:
            cells = read_cells_min(cx, seed)
        except Inconsistent:
            cells = None
    live = np.arange(net.n_hidden)  # every neuron has a column (stable ones a constant sign)
    while True:
        if cells is None:
            cells = read_cells(cx, facets=want_edges)
        P, best, points, radius = certify(ctx, cx, cells, live, counter)
        C, R = P.shape[0], best.size
        slivers = C - R
        degenerate = cx.ties > 0 or slivers > 0
        if degenerate and cells.inc_cell is None:  # rare: re-read with incidences
            cells = None
            continue
        break
    t_read = time.perf_counter()
    cell_region = np.full(C, -1)
    cell_region[best] = np.arange(R)
    patterns = P[best]
    out_W, out_b = out_maps(net, patterns)
    with gc_paused():  # many small objects: the cyclic collector would rescan them
        regions = list(map(Region, patterns, points, radius.tolist(), out_W, out_b))
    # adjacency: skeleton facets, and exact facet tests around degenerate spots (with
    # want_edges False only the tests: they check that every region across is in the skeleton)
    edges, affected = _adjacency(ctx, cx, cells, regions, patterns, best, cell_region, live,
                                 degenerate, counter, want_edges)
    if chebyshev:
        regions = [_chebyshev(ctx, r, counter) for r in regions]
    seconds = time.perf_counter() - t0
    E = cx.edges()
    show(f"{R:,} regions, {cx.nV:,} vertices, {E.shape[0]:,} edges", final=True)
    stats = {
        "engine": "skeleton",
        "lps": counter.lp,
        "socps": counter.socp,
        "solves": counter.total,
        **counter.exact_stats(),
        "seconds": seconds,
        "skeleton_seconds": t_skel - t0,
        "read_seconds": t_read - t0,
        "stable_neurons": int((~ctx.stab.live).sum()),
        "unconfirmed_stable": int(wrong.sum()),
        "vertices": cx.nV,
        "skeleton_edges": int(E.shape[0]),
        "cells": C,
        "ties": cx.ties,
        "slivers": int(slivers),
        "degenerate_regions": int(affected.sum()),
        "edges_computed": want_edges,
    }
    return SkeletonRegionSet(
        tuple(regions), tuple(edges), "skeleton", ctx.domain, net.widths, stats,
        vertices=cx.X[: cx.nV].copy(), edges_xy=E,
    )




def _adjacency(
    ctx: Context, cx: Complex, cells: Cells, regions: list, patterns: np.ndarray,
    best: np.ndarray, cell_region: np.ndarray, live: np.ndarray, degenerate: bool,
    counter: SolveCounter, want_edges: bool,
) -> tuple[list, np.ndarray]:
    """The facet adjacency of the regions: two cells filling a vertex's zeros differently in
    one neuron, and the exact facet tests for regions touching a tie or a sliver; returns the
    edges and which regions those tests covered. The tests run also without ``want_edges``
    (then no edge is returned): a region across one of their facets missing from the
    skeleton (float64 snapping a tie hid it) is :class:`Inconsistent`, and the engine falls
    back to ``traverse``."""
    net, R = ctx.net, len(regions)
    affected = np.zeros(R, dtype=bool)
    if degenerate:
        sus = cx.sus[: cx.nV].copy()
        assert cells.inc_cell is not None and cells.inc_vert is not None  # re-read above
        sus[cells.inc_vert[cell_region[cells.inc_cell] < 0]] = True
        cell_aff = np.bincount(cells.inc_cell, weights=sus[cells.inc_vert],
                               minlength=cell_region.size) > 0
        affected = cell_aff[best]
    edges: list = []
    if want_edges:
        ra, rb = cell_region[cells.f_off], cell_region[cells.f_on]
        ok = (ra >= 0) & (rb >= 0)
        if degenerate:
            ok &= ~affected[np.maximum(ra, 0)] & ~affected[np.maximum(rb, 0)]
        ra, rb = ra[ok], rb[ok]
        neuron = live[cells.f_col[ok]]
        fpoint = cells.f_point[ok]
        flipped = flipped_neurons(patterns, ra, rb, neuron) if degenerate else None
        lo, hi = np.minimum(ra, rb).tolist(), np.maximum(ra, rb).tolist()
        single = [(k,) for k in range(net.n_hidden)]
        carried = list(map(single.__getitem__, neuron.tolist()))
        with gc_paused():
            edges = list(map(Edge, lo, hi, carried, flipped or carried, fpoint))
    if affected.any():
        exact = exact_edges(ctx, regions, np.flatnonzero(affected), counter)
        if want_edges:
            edges.extend(exact)
    return edges, affected


def _chebyshev(ctx: Context, region: Region, counter: SolveCounter) -> Region:
    """The region with its Chebyshev centre and radius (one solve)."""
    rr = region_rows(ctx, region.pattern)
    ball = inscribed_ball(rr.A, rr.b, ctx.domain, ctx.tol, counter, what="Chebyshev centre",
                          exact=exact_rows(ctx, rr))
    if not ball.full or ball.center is None or ball.radius < region.radius:  # pragma: no cover
        return region  # certified already
    return Region(region.pattern, ball.center, ball.radius, region.out_W, region.out_b)


def __getattr__(name: str) -> object:  # names moved elsewhere (issue 16), for one release
    from .._moved import moved_name

    return moved_name(__name__, name)
