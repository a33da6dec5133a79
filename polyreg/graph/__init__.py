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

Modules: :mod:`~polyreg.graph.build` (the graph, linear regions), :mod:`~polyreg.graph.measures`
(vertices, volumes, facet areas, boundary regions, graph facts), :mod:`~polyreg.graph.io`
(files).

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

from .build import (
    GRAPH_SCHEMA, MAP_RTOL, LinearRegions, linear_regions, map_hash, region_graph, same_map,
)
from .io import from_node_link, read_graph, to_node_link, write_graph
from .measures import (
    BALL_BOUNDARY_MAX_DIM,
    EXACT_MAX_DIM,
    POLAR_MAX_DIM,
    GraphLike,
    boundary_regions,
    degree_distribution,
    diameter,
    most_crossed_neurons,
    neuron_pairs,
    region_vertices,
)

__all__ = [
    "BALL_BOUNDARY_MAX_DIM", "EXACT_MAX_DIM", "GRAPH_SCHEMA", "MAP_RTOL", "POLAR_MAX_DIM",
    "GraphLike", "LinearRegions", "boundary_regions", "degree_distribution", "diameter",
    "from_node_link", "linear_regions", "map_hash", "most_crossed_neurons", "neuron_pairs",
    "read_graph", "region_graph", "region_vertices", "same_map", "to_node_link", "write_graph",
]
