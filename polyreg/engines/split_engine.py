"""``split``: layer-by-layer subdivision of the domain.

Start from the domain as one cell. Inside a cell the bits of the layers processed so far are
fixed, so every neuron of the next layer is an affine function there; cut each cell by those
neurons' hyperplanes one at a time, keeping only pieces with interior (certified by
:func:`~polyreg.solvers.inscribed_ball`). After the last hidden layer the cells are exactly the
activation regions. Adjacency is computed afterwards (:func:`facet_edges`), independently of
the subdivision.

Exactness on degenerate input follows the same conventions as ``traverse``:

* stable neurons (interval bounds over the domain) get their proven bit and never cut;
* a neuron constant on a cell does not cut it: identically zero means off, otherwise its sign;
* a hyperplane that coincides (within ``tol.merge``) with a row of the cell - a repeated,
  scaled or opposite neuron, or a side of a polyhedral domain - cannot cut it;
* a piece counts only when a ball of radius ``>= tol.radius`` fits inside it and the domain.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from collections.abc import Iterator

import numpy as np

from ..domains import Domain
from ..errors import ToleranceError
from ..solvers import SolveCounter, inscribed_ball
from ..network import Network
from ..regions import Edge, Region, RegionSet
from ..tolerances import DEFAULT, Tolerances
from ._common import (certified_radius, Context, Progress, coinciding_bit, domain_keys,
                      key_rows_fn)
from .assembly import facet_edges, regions_from_patterns
from .facets import meets_domain

#: a piece's interior point from the split of a larger inscribed ball is kept when its radius is
#: at least this fraction of the parent's; below, the piece's Chebyshev centre is solved for
#: (small balls make the cheap split test fail on the next neurons)
CAP_FRACTION = 0.125


@dataclass
class _Cell:
    """A cell of the subdivision: bits of the processed layers (the rest False), its rows
    (domain rows, then one row per cutting neuron), and a certified interior ball."""

    pattern: np.ndarray
    A: np.ndarray
    b: np.ndarray
    point: np.ndarray
    radius: float
    #: per row, its key for the exact rows (``_common.exact_key_rows``: the domain's, then
    #: the cutting neurons')
    keys: list = field(default_factory=list)


@dataclass
class _Counts:
    cheap: int = 0  # decided without a solve
    tested: int = 0  # decided by a solve


def _piece(
    ctx: Context, cell: _Cell, k: int, bit: bool, a: np.ndarray, c: float,
    x: np.ndarray | None, counter: SolveCounter,
) -> _Cell | None:
    """The part of ``cell`` on side ``bit`` of neuron ``k``'s row ``a x <= c`` (oriented for
    that side), with ``x`` as its candidate interior point; its Chebyshev centre is solved for
    when ``x`` is None or its certified radius is too small. None when the part has no
    interior."""
    A = np.vstack([cell.A, a[None, :]])
    b = np.append(cell.b, c)
    pattern = cell.pattern.copy()
    pattern[k] = bit
    keys = cell.keys + [k]
    if x is not None:
        r = certified_radius(ctx, A, b, x)
        if r >= ctx.tol.radius and r >= CAP_FRACTION * cell.radius:
            return _Cell(pattern, A, b, x, r, keys)
    res = inscribed_ball(
        A, b, ctx.domain, ctx.tol, counter, what=f"piece of neuron {ctx.net.neuron_name(k)}",
        exact=key_rows_fn(ctx, pattern, keys),
    )
    if not res.full or res.center is None:
        return None
    return _Cell(pattern, A, b, res.center, res.radius, keys)


def _cut(
    ctx: Context, cell: _Cell, k: int, n: np.ndarray, e: float, counter: SolveCounter,
    counts: _Counts,
) -> list[_Cell]:
    """Cut ``cell`` by neuron ``k``, whose pre-activation on the cell is ``|g| (n x + e)``
    (``n`` a unit vector): one or two cells with the neuron's bit set."""
    row_on = np.append(-n, e)  # on side: -n x <= e
    Ak, bk, merge = ctx.rows_key(cell.A, cell.b)
    key_on = np.append(-n, ctx.rows_key(n[None, :], np.array([e]))[1])
    R = np.hstack([Ak, bk[:, None]])
    if R.shape[0]:
        # a side of the cell (on), or one in the other orientation (off): float64 where sure,
        # the exact rows in the window (_common.merge_window)
        d2_on = np.sum((R - key_on) ** 2, axis=1)
        d2_off = np.sum((R + key_on) ** 2, axis=1)
        bit = coinciding_bit(ctx, cell.pattern, cell.keys, k, d2_on, d2_off, counter)
        if bit is not None:
            counts.cheap += 1
            return [_with_bit(cell, k, bit)]
    v = float(n @ cell.point + e)  # signed distance of the interior point
    near = v > 0
    s = 1.0 if near else -1.0
    r = cell.radius
    if abs(v) < r:
        # the hyperplane cuts the cell's inscribed ball: both sides hold a cap of it
        counts.cheap += 1
        # centres of the largest balls in the two caps (radii (r + |v|) / 2, (r - |v|) / 2)
        near_x = cell.point + s * n * (r - abs(v)) / 2
        far_x = cell.point - s * n * (r + abs(v)) / 2
    else:
        # the far side decides: the near side keeps the whole ball
        counts.tested += 1
        near_x, far_x = cell.point, None
    a_near, c_near = (row_on[:-1], row_on[-1]) if near else (-row_on[:-1], -row_on[-1])
    far = _piece(ctx, cell, k, not near, -a_near, -c_near, far_x, counter)
    if far is None:
        return [_with_bit(cell, k, near)]
    near_cell = _piece(ctx, cell, k, near, a_near, c_near, near_x, counter)
    if near_cell is None:  # only when the interior point sits within rounding of the plane
        return [_with_bit(cell, k, not near)]
    return [near_cell, far]


def _root(ctx: Context, counter: SolveCounter) -> _Cell:
    """The cell the subdivision starts from: the whole domain, at its inscribed ball."""
    start = inscribed_ball(ctx.dom_A, ctx.dom_b, ctx.domain, ctx.tol, counter, what="domain")
    if not start.full or start.center is None:  # pragma: no cover - full by construction
        raise ToleranceError("the domain has no interior at the tolerance")
    return _Cell(np.zeros(ctx.net.n_hidden, dtype=bool), ctx.dom_A, ctx.dom_b, start.center,
                 start.radius, domain_keys(ctx))


def _with_bit(cell: _Cell, k: int, bit: bool) -> _Cell:
    pattern = cell.pattern.copy()
    pattern[k] = bit
    return _Cell(pattern, cell.A, cell.b, cell.point, cell.radius, cell.keys)


def _split_layer(
    ctx: Context, cells: list[_Cell], layer: int, counter: SolveCounter, counts: _Counts,
    show: Progress,
) -> list[_Cell]:
    """Cut every cell by the hyperplanes of hidden layer ``layer`` (0-based)."""
    net = ctx.net
    lo, hi = net.layer_offsets[layer], net.layer_offsets[layer + 1]
    stab = ctx.stab
    out: list[_Cell] = []
    for i, cell in enumerate(cells):
        cell.pattern[lo:hi] = stab.on[lo:hi]  # stable bits; live ones are set below
        maps = net.local_maps(cell.pattern)  # layer ``layer`` depends on earlier bits only
        pieces = [cell]
        for k in range(lo, hi):
            if not stab.live[k]:
                continue
            g, c = maps.G[k], float(maps.c[k])
            gnorm = float(np.linalg.norm(g))
            small, small_c = ctx.constant_floor(k)
            if gnorm <= small:  # constant on the cell: identically zero is off
                bit = bool(abs(c) > small_c and c > 0)
                for p in pieces:
                    p.pattern[k] = bit
                counts.cheap += 1
                continue
            n, e = g / gnorm, c / gnorm
            if not meets_domain(ctx, n[None, :], np.array([-e]))[0]:
                for p in pieces:
                    p.pattern[k] = bool(n @ p.point + e > 0)
                counts.cheap += 1
                continue
            pieces = [q for p in pieces for q in _cut(ctx, p, k, n, e, counter, counts)]
        out.extend(pieces)
        show(len(out), len(cells) - i - 1, counter.total)
    return out


def split(
    net: Network,
    domain: Domain,
    *,
    tol: Tolerances = DEFAULT,
    progress: bool | None = None,
    max_regions: int | None = None,
    chebyshev: bool = True,
    edges: bool = True,
) -> RegionSet:
    """Enumerate every activation region whose interior meets the domain's, by cutting the
    domain layer by layer.

    Parameters
    ----------
    net : Network
    domain : Domain
        Box, Ball (norm 1, 2, inf), Polytope or Whole.
    tol : Tolerances
    progress : bool, optional
        Progress line on stderr; default: only when stderr is a terminal.
    max_regions : int, optional
        Stop with an error once a layer has more cells than this.
    chebyshev : bool
        Report each region's Chebyshev centre and radius (one solve per region); with False,
        the certified interior point the subdivision produced.
    edges : bool
        Compute the facet adjacency afterwards (:func:`facet_edges`); with False the result
        has no edges and ``stats['edges_computed']`` is False.

    Returns
    -------
    RegionSet
        Same patterns as ``traverse``; ``stats`` has the solve counts, ``cells_per_layer``,
        ``cheap_decisions`` (neuron/cell pairs decided without a solve) and
        ``edge_candidates``.

    Raises
    ------
    ToleranceError
        A piece is too thin to decide in float64, or more than ``max_regions`` cells.

    Notes
    -----
    Per cell and live neuron of the layer: the neuron is skipped when constant on the cell, or
    its hyperplane misses the domain's bounding set, or coincides with a row of the cell; it
    cuts for certain when it crosses the cell's inscribed ball (the two caps of the ball are
    the pieces' interior points). Otherwise one solve on the far side decides. So the cost is
    ``O(sum_l cells_{l-1} n_l)`` solves at worst, and every region costs one more solve for its
    Chebyshev centre and about ``d`` facet solves for the edges.

    Examples
    --------
    >>> import polyreg
    >>> from polyreg.engines import split, traverse
    >>> net = polyreg.random_network([2, 6, 4, 1], seed=0)
    >>> box = polyreg.Box.cube(2, -2, 2)
    >>> split(net, box).patterns == traverse(net, box).patterns
    True
    """
    t0 = time.perf_counter()
    ctx = Context.create(net, domain, tol)
    counter = SolveCounter()
    counts = _Counts()
    show = Progress(progress)
    cells = [_root(ctx, counter)]
    per_layer = []
    for layer in range(len(net.hidden_widths)):
        cells = _split_layer(ctx, cells, layer, counter, counts, show)
        per_layer.append(len(cells))
        if max_regions is not None and len(cells) > max_regions:
            raise ToleranceError(
                f"more than max_regions={max_regions} cells after layer {layer + 1}"
            )
    show(len(cells), 0, counter.total, final=True)
    found = [(c.pattern, c.point, c.radius) for c in cells]
    regions, rows = regions_from_patterns(ctx, found, counter, chebyshev)
    edge_list: list[Edge] = []
    candidates = 0
    if edges:
        edge_list, candidates = facet_edges(ctx, rows, counter)
    stats = {
        "engine": "split",
        "lps": counter.lp,
        "socps": counter.socp,
        "solves": counter.total,
        **counter.exact_stats(),
        "seconds": time.perf_counter() - t0,
        "stable_neurons": int((~ctx.stab.live).sum()),
        "cells_per_layer": per_layer,
        "cheap_decisions": counts.cheap,
        "solved_decisions": counts.tested,
        "edges_computed": edges,
        "edge_candidates": candidates,
    }
    return RegionSet(tuple(regions), tuple(edge_list), "split", ctx.domain, net.widths, stats)


def iter_split(
    net: Network,
    domain: Domain,
    *,
    tol: Tolerances = DEFAULT,
    chebyshev: bool = True,
) -> Iterator[Region]:
    """The regions of :func:`split`, yielded one by one: the subdivision runs depth first, so
    memory holds the cells on the path from the domain to the current one and their siblings
    (at most ``sum_l 2^n_l`` cells; in practice a few per layer), plus the keys of the regions
    found (checked distinct, as :func:`split` does). No edges.

    Examples
    --------
    >>> import polyreg
    >>> net = polyreg.random_network([2, 6, 4, 1], seed=0)
    >>> box = polyreg.Box.cube(2, -2, 2)
    >>> {r.hex for r in iter_split(net, box)} == split(net, box).patterns
    True
    """
    ctx = Context.create(net, domain, tol)
    counter = SolveCounter()
    counts = _Counts()
    quiet = Progress(False)
    stack: list[tuple[int, _Cell]] = [(0, _root(ctx, counter))]
    seen: set[bytes] = set()
    depth = len(net.hidden_widths)
    while stack:
        layer, cell = stack.pop()
        if layer < depth:
            children = _split_layer(ctx, [cell], layer, counter, counts, quiet)
            stack.extend((layer + 1, c) for c in reversed(children))
            continue
        (region,), _ = regions_from_patterns(ctx, [(cell.pattern, cell.point, cell.radius)],
                                             counter, chebyshev)
        if region.key in seen:
            raise ToleranceError(
                f"two cells share the pattern {region.pattern.astype(int)}; the subdivision is "
                "inconsistent in float64"
            )
        seen.add(region.key)
        yield region

