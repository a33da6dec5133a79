"""From the patterns an engine found to a :class:`~polyreg.regions.RegionSet`'s regions and edges,
shared by ``split``, ``branch``, ``milp`` and ``homog``: each region's rows, canonical pattern and
certified interior point (or Chebyshev centre by one solve), and the facet adjacency by one LP
per candidate pair (:func:`facet_edges`)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..errors import ToleranceError
from ..solvers import SolveCounter, inscribed_ball
from ..regions import Edge, Region, pattern_key
from ._common import (Context, RegionRows, certified_radius, exact_key_rows, merge_window,
                      region_ball, region_rows, rr_keys, same_planes)

def facet_edges(
    ctx: Context, rows: list[RegionRows], counter: SolveCounter
) -> tuple[list[Edge], int]:
    """Adjacency of enumerated regions: the pairs sharing a facet that meets the domain's
    interior, each with a point in the facet's relative interior.

    Candidates without a solve: across a facet ``F`` on a hyperplane ``H``, the neurons that
    vanish on ``F`` are the same set ``V`` seen from either side (the rows on ``H`` plus the
    neurons identically zero on the region), and every other bit agrees (continuity). So each
    region is filed once per hyperplane of its rows under ``(pattern outside V, V)``; only
    regions filed under one key are candidates, and one facet LP (SOCP for the L2 ball) on the
    union of both regions' rows, centred on ``H``, decides each.

    Parameters
    ----------
    ctx : Context
    rows : list of RegionRows
        The regions' rows (``region_rows``), in region order.
    counter : SolveCounter

    Returns
    -------
    (edges, candidates)
        The edges (``u < v``) and the number of candidate pairs tested.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.engines._common import Context, region_rows
    >>> from polyreg.solvers import SolveCounter
    >>> net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [0.0])])
    >>> ctx = Context.create(net, polyreg.Box.cube(2), polyreg.Tolerances())
    >>> rows = [region_rows(ctx, np.array(p)) for p in [(0, 0), (0, 1), (1, 0), (1, 1)]]
    >>> edges, _ = facet_edges(ctx, rows, SolveCounter())
    >>> sorted((e.u, e.v) for e in edges)
    [(0, 1), (0, 2), (1, 3), (2, 3)]
    """
    buckets: dict[tuple[bytes, bytes], list[tuple[int, int]]] = defaultdict(list)
    for i, rr in enumerate(rows):
        on_dom = np.unique(rr.group[rr.neuron < 0])
        labels, first = np.unique(rr.group, return_index=True)
        for label, rep in zip(labels, first, strict=True):
            if rr.neuron[rep] < 0 or label in on_dom:
                continue  # a domain row, or a hyperplane on the domain's boundary
            V = rr.zero.copy()
            V[rr.neuron[rr.group == label]] = True
            buckets[(pattern_key(rr.pattern & ~V), pattern_key(V))].append((i, int(rep)))
    edges: list[Edge] = []
    seen: set[tuple[int, int]] = set()
    tested = 0
    for members in buckets.values():
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                (i, ri), (j, _) = members[x], members[y]
                pair = (min(i, j), max(i, j))
                if i == j or pair in seen:
                    continue
                seen.add(pair)
                tested += 1
                a, b = rows[i], rows[j]
                own = b.neuron >= 0
                A = np.vstack([a.A, b.A[own]])
                rhs = np.concatenate([a.b, b.b[own]])
                neuron = np.concatenate([a.neuron, b.neuron[own]])
                Ak, bk, merge = ctx.rows_key(A, rhs)
                R = np.hstack([Ak, bk[:, None]])
                r = R[ri]
                sure_p, doubt_p = merge_window(ctx, np.sum((R - r) ** 2, axis=1))
                sure_m, doubt_m = merge_window(ctx, np.sum((R + r) ** 2, axis=1))
                on_h = sure_p | sure_m
                doubt = (doubt_p | doubt_m) & ~on_h
                doubt[ri] = False
                on_h[ri] = True
                if doubt.any():  # decided on the exact rows (each region's own pattern)
                    on_h |= _exact_on_plane(ctx, a, b, own, ri, doubt, counter)
                if np.any(on_h & (neuron < 0)):
                    continue
                res = inscribed_ball(
                    A, rhs, ctx.domain, ctx.tol, counter, on_row=ri, skip=on_h,
                    what=f"shared facet of regions {i} and {j}",
                )
                if not res.full:
                    continue
                carried = tuple(int(k) for k in np.unique(neuron[on_h]))
                flipped = tuple(int(k) for k in np.flatnonzero(a.pattern != b.pattern))
                edges.append(Edge(pair[0], pair[1], carried, flipped, res.center))
    edges.sort(key=lambda e: (e.u, e.v))
    return edges, tested


def _exact_on_plane(
    ctx: Context, a: RegionRows, b: RegionRows, own: np.ndarray, ri: int, doubt: np.ndarray,
    counter: SolveCounter,
) -> np.ndarray:
    """Which rows flagged in ``doubt`` (of ``a``'s rows then ``b``'s ``own`` rows) lie on row
    ``ri``'s hyperplane (either orientation), decided exactly."""
    from ..exact import same_hyperplane

    ka, sa = rr_keys(ctx, a)
    kb, sb = rr_keys(ctx, b)
    kb = [kk for kk, o in zip(kb, own, strict=True) if o]
    sb = [ss for ss, o in zip(sb, own, strict=True) if o]
    na = len(ka)
    idx = np.flatnonzero(doubt)
    in_a = [int(i) for i in idx if i < na]
    in_b = [int(i) - na for i in idx if i >= na]
    same_planes(ctx, a.pattern, [ka[ri]], [sa[ri]], counter, "shared facet")  # never: raise
    ref = exact_key_rows(ctx, a.pattern, [ka[ri]], [sa[ri]])[0]
    rows = exact_key_rows(ctx, a.pattern, [ka[i] for i in in_a], [sa[i] for i in in_a])
    rows += exact_key_rows(ctx, b.pattern, [kb[i] for i in in_b], [sb[i] for i in in_b])
    out = np.zeros(doubt.size, dtype=bool)
    for i, row in zip(in_a + [na + i for i in in_b], rows, strict=True):
        out[i] = same_hyperplane(ref, row) != 0
    return out


def regions_from_patterns(
    ctx: Context,
    found: list[tuple[np.ndarray, np.ndarray, float]],
    counter: SolveCounter,
    chebyshev: bool,
) -> tuple[list[Region], list[RegionRows]]:
    """Regions (canonical pattern, interior point, radius, output map) from patterns with a
    certified interior point each: the Chebyshev centre by one solve with ``chebyshev``, else
    the given point with its radius re-certified against the region's own rows."""
    regions: list[Region] = []
    rows: list[RegionRows] = []
    index: dict[bytes, int] = {}
    for pattern, point, radius in found:
        rr = region_rows(ctx, pattern)
        key = pattern_key(rr.pattern)
        if key in index:
            raise ToleranceError(
                f"two cells share the pattern {rr.pattern.astype(int)}; the subdivision is "
                "inconsistent in float64"
            )
        index[key] = len(regions)
        if not chebyshev:
            radius = min(radius, certified_radius(ctx, rr.A, rr.b, point))
        # the Chebyshev centre when asked for; else only a region decided in exact arithmetic
        # (thinner than the radius tolerance) asks the solver again
        if chebyshev or radius < ctx.tol.radius:
            point, radius = region_ball(ctx, rr, counter,
                                        "Chebyshev centre" if chebyshev else "region")
        regions.append(Region(rr.pattern, point, radius, rr.maps.out_W, rr.maps.out_b))
        rows.append(rr)
    return regions, rows


__all__ = ["facet_edges", "regions_from_patterns"]
