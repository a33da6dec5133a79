"""Adjacency of ``skeleton``'s regions: the flipped neurons of each skeleton facet, and the
facets around degenerate spots found exactly as ``traverse`` finds them (see
:mod:`polyreg.engines.skeleton`)."""

from __future__ import annotations

import numpy as np

from ...solvers import SolveCounter
from ...regions import Edge, Region, pattern_key
from .._common import Context, patterns_across, region_rows
from .complex import Inconsistent


def flipped_neurons(patterns: np.ndarray, ra: np.ndarray, rb: np.ndarray, neuron: np.ndarray) -> list:
    """Differing bits of each region pair (the carried neuron alone unless degenerate)."""
    out: list = [(int(k),) for k in neuron.tolist()]
    if ra.size == 0:
        return out
    step = max(1, 2**24 // max(patterns.shape[1], 1))
    for s in range(0, ra.size, step):
        diff = patterns[ra[s : s + step]] != patterns[rb[s : s + step]]
        single = diff.sum(axis=1) == 1
        single &= diff[np.arange(diff.shape[0]), neuron[s : s + step]]
        for i in np.flatnonzero(~single):
            out[s + i] = tuple(int(k) for k in np.flatnonzero(diff[i]))
    return out


def exact_edges(
    ctx: Context, regions: list[Region], which: np.ndarray, counter: SolveCounter
) -> list[Edge]:
    """Facets of the regions ``which`` found as ``traverse`` finds them (exact). An edge found
    from both sides carries the union of the neurons each side sees on the facet (a neuron
    identically zero on one side carries it only as seen from the other)."""
    from ..facets import find_facets

    index = {r.key: i for i, r in enumerate(regions)}
    found: dict[tuple[int, int], tuple[set, np.ndarray]] = {}
    for i in which.tolist():
        region = regions[i]
        rr = region_rows(ctx, region.pattern)
        facets = find_facets(ctx, rr, region.point, counter)
        if not facets:
            continue
        ks = np.array([k for k, _ in facets])
        on_facet = rr.group[ks][:, None] == rr.group[None, :]
        zero = np.repeat(rr.zero[None, :], ks.size, axis=0)
        rows_f, cols = np.nonzero(on_facet & (rr.neuron >= 0)[None, :])
        zero[rows_f, rr.neuron[cols]] = True
        news = patterns_across(ctx.net, rr.pattern, zero, rr.A[ks], ctx.tol.gradient)
        for f, (_k, q) in enumerate(facets):
            new = ctx.canonical(news[f])
            j = index.get(pattern_key(new))
            if j is None:
                j = index.get(pattern_key(region_rows(ctx, new).pattern))
            if j is None:
                raise Inconsistent(
                    f"the region across a facet of region {region.hex} is not in the skeleton"
                )
            carried = set(rr.neuron[on_facet[f] & (rr.neuron >= 0)].tolist())
            pair = (min(i, j), max(i, j))
            if pair in found:
                found[pair][0].update(carried)
            else:
                found[pair] = (carried, q)
    out = []
    for (u, v), (carried, q) in found.items():
        flipped = np.flatnonzero(regions[u].pattern != regions[v].pattern)
        out.append(Edge(u, v, tuple(sorted(int(n) for n in carried)),
                        tuple(int(n) for n in flipped), q))
    return out
