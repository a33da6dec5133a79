"""Export and import of region graphs: :func:`write_graph` / :func:`read_graph` in GraphML,
JSON node-link and a compact ``.npz`` (schema :data:`polyreg.graph.build.GRAPH_SCHEMA`)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._files import open_output
from ..npyfile import ArrayFileError, load_npz

from .measures import neuron_pairs

if TYPE_CHECKING:
    import networkx as nx
else:
    from .._lazy import LazyModule

    nx = LazyModule("networkx")  # imported on first use: `import polyreg.plot` stays light


#: attributes holding arrays / tuples, decoded on reading
_NODE_ARRAYS = ("point", "out_W", "out_b")


_EDGE_INT_TUPLES = ("neuron_ids", "flipped")


def _fmt(path: Path, format: str | None) -> str:
    if format is not None:
        fmt = format.lower()
    else:
        fmt = {".graphml": "graphml", ".json": "json", ".npz": "npz"}.get(path.suffix.lower(), "")
    if fmt not in ("graphml", "json", "npz"):
        raise ValueError(
            f"unknown graph format for {str(path)!r}: use a .graphml, .json or .npz file name "
            "or format='graphml' | 'json' | 'npz'"
        )
    return fmt


def _plain(value: object) -> object:
    """JSON-ready copy: arrays and tuples to lists, numpy scalars to Python."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _plain_dict(attrs: dict[Any, Any]) -> dict[str, Any]:
    """:func:`_plain` of a dict of attributes (a dict again)."""
    return {str(k): _plain(v) for k, v in attrs.items()}


def _node_from_plain(attrs: dict) -> dict:
    out = dict(attrs)
    for key in _NODE_ARRAYS:
        if key in out and out[key] is not None:
            out[key] = np.array(out[key], dtype=float)
    return out


def _edge_from_plain(attrs: dict) -> dict:
    out = dict(attrs)
    if "point" in out:
        out["point"] = None if out["point"] is None else np.array(out["point"], dtype=float)
    if "neurons" in out:
        ns = out["neurons"]
        out["neurons"] = tuple(tuple(int(x) for x in n) if isinstance(n, list) else int(n)
                               for n in ns)
    for key in _EDGE_INT_TUPLES:
        if key in out:
            out[key] = tuple(int(x) for x in out[key])
    return out


def _graph_from_plain(attrs: dict) -> dict:
    out = dict(attrs)
    if "widths" in out:
        out["widths"] = tuple(int(w) for w in out["widths"])
    return out


def to_node_link(g: nx.Graph) -> dict:
    """The graph as JSON-ready node-link data (the layout of ``networkx.node_link_data`` with
    ``edges="edges"``): ``{"directed", "multigraph", "graph", "nodes": [{"id", ...}],
    "edges": [{"source", "target", ...}]}``; arrays become lists.

    Examples
    --------
    >>> import networkx as nx
    >>> sorted(to_node_link(nx.path_graph(2)))
    ['directed', 'edges', 'graph', 'multigraph', 'nodes']
    """
    return {
        "directed": False,
        "multigraph": False,
        "graph": _plain(g.graph),
        "nodes": [{"id": _plain(n), **_plain_dict(a)} for n, a in g.nodes(data=True)],
        "edges": [
            {"source": _plain(u), "target": _plain(v), **_plain_dict(a)}
            for u, v, a in g.edges(data=True)
        ],
    }


def from_node_link(data: dict) -> nx.Graph:
    """Inverse of :func:`to_node_link` (arrays and tuples restored)."""
    try:
        g: nx.Graph[Any] = nx.Graph()
        g.graph.update(_graph_from_plain(data.get("graph", {})))
        for node in data["nodes"]:
            attrs = {k: v for k, v in node.items() if k != "id"}
            g.add_node(node["id"], **_node_from_plain(attrs))
        for edge in data.get("edges", data.get("links", [])):
            attrs = {k: v for k, v in edge.items() if k not in ("source", "target")}
            g.add_edge(edge["source"], edge["target"], **_edge_from_plain(attrs))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a polyreg node-link graph: {exc!r}") from exc
    return g


def _graphml_value(value: object) -> object | None:
    """A GraphML-storable value: bool/int/float/str kept, everything else as JSON text."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, str):
        return value
    return json.dumps(_plain(value))


def _write_graphml(g: nx.Graph, path: Any) -> None:
    h: nx.Graph[Any] = nx.Graph()
    for key, value in g.graph.items():
        stored = _graphml_value(value)
        if stored is not None:
            h.graph[key] = stored
    h.graph["json_keys"] = json.dumps(sorted(
        k for k, v in g.graph.items()
        if isinstance(_graphml_value(v), str) and not isinstance(v, str)
    ))
    for n, attrs in g.nodes(data=True):
        h.add_node(n, **{k: s for k, v in attrs.items() if (s := _graphml_value(v)) is not None})
    for u, v, attrs in g.edges(data=True):
        h.add_edge(u, v, **{k: s for k, x in attrs.items() if (s := _graphml_value(x)) is not None})
    nx.write_graphml(h, path)


def _read_graphml(path: Path) -> nx.Graph:
    h = nx.read_graphml(path, node_type=int)
    g: nx.Graph[Any] = nx.Graph()
    json_keys = set(json.loads(h.graph.pop("json_keys", "[]")))
    for key in ("node_default", "edge_default"):  # added by networkx's GraphML reader
        h.graph.pop(key, None)
    g.graph.update(_graph_from_plain(
        {k: (json.loads(v) if k in json_keys else v) for k, v in h.graph.items()}
    ))

    def decode(attrs: dict, keys: tuple[str, ...]) -> dict:
        return {k: (json.loads(v) if k in keys and isinstance(v, str) else v)
                for k, v in attrs.items()}

    for n, attrs in h.nodes(data=True):
        g.add_node(n, **_node_from_plain(decode(attrs, _NODE_ARRAYS)))
    for u, v, attrs in h.edges(data=True):
        plain = decode(attrs, ("point", "neurons") + _EDGE_INT_TUPLES)
        plain.setdefault("point", None)
        g.add_edge(u, v, **_edge_from_plain(plain))
    return g


def _ragged(seqs: list[tuple[int, ...]]) -> tuple[np.ndarray, np.ndarray]:
    ptr = np.concatenate([[0], np.cumsum([len(s) for s in seqs])]).astype(np.int64)
    flat = np.array([x for s in seqs for x in s], dtype=np.int64)
    return ptr, flat


def _write_npz(g: nx.Graph, path: Any) -> None:
    n = g.number_of_nodes()
    if sorted(g.nodes) != list(range(n)):
        raise ValueError("the .npz format needs nodes 0, 1, ..., n-1 (as region_graph makes)")
    widths = tuple(g.graph.get("widths", ()))
    if not widths:
        raise ValueError("the .npz format needs graph.graph['widths'] (as region_graph sets)")
    n_hidden = int(sum(widths[1:-1]))
    nodes = [g.nodes[i] for i in range(n)]
    pat = np.array(
        [np.frombuffer(bytes.fromhex(a["pattern"]), dtype=np.uint8) for a in nodes], dtype=np.uint8
    ).reshape(n, (n_hidden + 7) // 8)
    arrays: dict[str, Any] = {  # Any: np.savez's stubs type ** as its bool keywords
        "meta": np.array(json.dumps(_plain(g.graph))),
        "pattern": pat,
        "point": np.array([a["point"] for a in nodes], dtype=float).reshape(n, -1),
        "radius": np.array([a["radius"] for a in nodes], dtype=float),
        "out_W": np.array([a["out_W"] for a in nodes], dtype=float),
        "out_b": np.array([a["out_b"] for a in nodes], dtype=float),
        "out_hash": np.array([a.get("out_hash", "") for a in nodes], dtype="<U16"),
        "linear_region": np.array([a.get("linear_region", -1) for a in nodes], dtype=np.int64),
    }
    if any("volume" in a for a in nodes):
        arrays["volume"] = np.array([a.get("volume", np.nan) for a in nodes], dtype=float)
    edges = sorted((min(u, v), max(u, v)) for u, v in g.edges)
    eattrs = [g.edges[u, v] for u, v in edges]
    d = arrays["point"].shape[1] if n else 0
    arrays["edges"] = np.array(edges, dtype=np.int64).reshape(len(edges), 2)
    arrays["edge_point"] = np.array(
        [np.full(d, np.nan) if a.get("point") is None else a["point"] for a in eattrs], dtype=float
    ).reshape(len(edges), d)
    arrays["neuron_ptr"], arrays["neuron_ids"] = _ragged([a["neuron_ids"] for a in eattrs])
    arrays["flipped_ptr"], arrays["flipped"] = _ragged([a["flipped"] for a in eattrs])
    arrays["same_map"] = np.array([a.get("same_map", False) for a in eattrs], dtype=bool)
    if any("facet_area" in a for a in eattrs):
        arrays["facet_area"] = np.array([a.get("facet_area", np.nan) for a in eattrs], dtype=float)
    np.savez_compressed(path, **arrays)  # a binary handle (write_graph) or a path


def _read_npz(path: Path) -> nx.Graph:
    try:
        z = load_npz(path)
    except ArrayFileError:
        raise
    except Exception as exc:  # zipfile / format errors of every kind
        raise ValueError(
            f"cannot read {str(path)!r} as a graph .npz: {type(exc).__name__}"
        ) from exc
    if "meta" not in z:
        raise ValueError(f"{str(path)!r} is not a polyreg graph .npz (no 'meta' array)")
    g: nx.Graph[Any] = nx.Graph()
    g.graph.update(_graph_from_plain(json.loads(str(z["meta"]))))
    widths = g.graph["widths"]
    for i in range(z["pattern"].shape[0]):
        attrs: dict[str, Any] = dict(
            pattern=z["pattern"][i].tobytes().hex(),
            point=z["point"][i].copy(),
            radius=float(z["radius"][i]),
            out_W=z["out_W"][i].copy(),
            out_b=z["out_b"][i].copy(),
            out_hash=str(z["out_hash"][i]),
            linear_region=int(z["linear_region"][i]),
        )
        if "volume" in z and np.isfinite(z["volume"][i]):
            attrs["volume"] = float(z["volume"][i])
        g.add_node(i, **attrs)
    def ragged(name: str, k: int) -> tuple[int, ...]:
        ptr = z[f"{name}_ptr"] if name == "flipped" else z["neuron_ptr"]
        return tuple(int(x) for x in z[name][ptr[k]: ptr[k + 1]])

    for k, (u, v) in enumerate(z["edges"]):
        ids = ragged("neuron_ids", k)
        p = z["edge_point"][k]
        attrs = dict(
            neurons=neuron_pairs(widths, ids),
            neuron_ids=ids,
            flipped=ragged("flipped", k),
            point=None if np.all(np.isnan(p)) else p.copy(),
            same_map=bool(z["same_map"][k]),
        )
        if "facet_area" in z and np.isfinite(z["facet_area"][k]):
            attrs["facet_area"] = float(z["facet_area"][k])
        g.add_edge(int(u), int(v), **attrs)
    return g


def write_graph(g: nx.Graph, path: str | os.PathLike[str], format: str | None = None) -> Path:
    """Write a region graph as GraphML, JSON node-link or compact ``.npz``.

    Parameters
    ----------
    g : networkx.Graph
        Usually from :func:`region_graph`. GraphML and JSON keep every attribute (arrays and
        tuples as JSON text / lists); ``.npz`` keeps exactly the attributes of
        :func:`region_graph` and needs nodes ``0..n-1``.
    path : path-like
    format : {"graphml", "json", "npz"}, optional
        Default: from the file name's suffix.

    Returns
    -------
    pathlib.Path
        The path written (atomically: a temporary file in the same directory, renamed).

    Examples
    --------
    >>> import os, tempfile, numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [0.0])])
    >>> from polyreg.graph import region_graph
    >>> g = region_graph(polyreg.enumerate_regions(net, polyreg.Box([-1, -1], [1, 1])), net)
    >>> path = write_graph(g, os.path.join(tempfile.mkdtemp(), "g.graphml"))
    >>> h = read_graph(path)
    >>> h.number_of_edges(), h.nodes[0]["point"].shape, h.graph["widths"]
    (4, (2,), (2, 2, 1))
    """
    path = Path(path)
    fmt = _fmt(path, format)
    if fmt == "json":
        with open_output(path, what="path") as handle:
            json.dump(to_node_link(g), handle, allow_nan=False)
            handle.write("\n")
    else:
        with open_output(path, "wb", what="path") as handle:
            (_write_graphml if fmt == "graphml" else _write_npz)(g, handle)
    return path


def read_graph(path: str | os.PathLike[str], format: str | None = None) -> nx.Graph:
    """Read a graph written by :func:`write_graph` (arrays and tuples restored).

    Raises
    ------
    ValueError
        Unknown format, or a file that is not a polyreg graph.
    OSError
        Missing or unreadable file.
    """
    path = Path(path)
    fmt = _fmt(path, format)
    if not path.is_file():
        raise FileNotFoundError(f"graph file {str(path)!r} does not exist")
    if fmt == "graphml":
        return _read_graphml(path)
    if fmt == "json":
        with open(path, encoding="utf-8") as handle:
            try:
                data = json.load(handle)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{str(path)!r} is not JSON: {exc}") from exc
        return from_node_link(data)
    return _read_npz(path)
