"""Merging what several searches found (slabs, shared-frontier workers): each region once,
edges re-indexed by the pair of patterns."""

from __future__ import annotations

from collections.abc import Iterable


from ..regions import Edge, Region



def merge_regions(
    region_lists: Iterable[list[Region]], edge_lists: Iterable[list[tuple]]
) -> tuple[tuple[Region, ...], tuple[Edge, ...]]:
    """Regions listed once each (first occurrence kept, in order) and edges given as
    ``(key_u, key_v, neurons, flipped, point)`` re-indexed into them, once per pair."""
    regions: list[Region] = []
    index: dict[bytes, int] = {}
    for rs in region_lists:
        for r in rs:
            if r.key not in index:
                index[r.key] = len(regions)
                regions.append(r)
    edges: dict[tuple[int, int], Edge] = {}
    for es in edge_lists:
        for ku, kv, neurons, flipped, point in es:
            u, v = sorted((index[ku], index[kv]))
            if (u, v) not in edges:
                edges[(u, v)] = Edge(u, v, neurons, flipped, point)
    return tuple(regions), tuple(edges[k] for k in sorted(edges))
