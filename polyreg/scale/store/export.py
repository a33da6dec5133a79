"""Export of a store's regions and edges as JSON, GraphML or ``.npz``, streamed from SQLite
(the regions are never all in memory)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from collections.abc import Callable

import numpy as np

from ..._files import (
    OutputError,
    open_output,
    same_file,
)


from .regionstore import RegionStore


EXPORT_FORMATS = ("json", "graphml", "npz")


def export(store: RegionStore, path: str | os.PathLike[str], fmt: str = "json") -> Path:
    """Write the store's regions and edges to ``path`` as ``json`` (the ``polyreg.regions/1``
    schema of ``polyreg enumerate``), ``graphml`` or ``npz``, through
    :func:`polyreg._files.open_output` (atomically to a regular file: temporary file, then
    rename; streamed into a device or FIFO). JSON and GraphML are written as a stream.
    ``path`` may not be the store itself (:class:`~polyreg._files.OutputError`).

    ``npz`` arrays: ``pattern`` (n, bytes) uint8 (packed bits), ``point`` (n, d), ``radius``
    (n,), ``map_hash`` (n,) str, ``edges`` (m, 2) ids, ``edge_point`` (m, d) (NaN: none),
    ``neuron_ptr``/``neuron_ids`` and ``flipped_ptr``/``flipped`` (ragged lists per edge),
    ``meta`` (JSON text: summary and parameters).
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(
            f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}"
        )
    path = Path(path)
    if same_file(path, store.path):
        raise OutputError(f"--out {str(path)!r} is the store itself; refusing to overwrite it: "
                          "choose another output file")
    writer: Callable[[RegionStore, Any], None] = {
        "json": _write_json, "graphml": _write_graphml, "npz": _write_npz}[fmt]
    with open_output(path, "wb") as handle:
        writer(store, handle)
    return path


def _write_json(store: RegionStore, handle: Any) -> None:
    head = store.summary()
    head["schema"] = "polyreg.regions/1"
    text = json.dumps(head, allow_nan=False)
    handle.write((text[:-1] + ', "regions_list": [').encode())
    first = True
    for rid, r, _ in store.iter_regions():
        item = {"id": rid, "pattern": r.hex, "point": r.point.tolist(), "radius": r.radius,
                "out_W": r.out_W.tolist(), "out_b": r.out_b.tolist()}
        handle.write(((", " if not first else "") + json.dumps(item)).encode())
        first = False
    handle.write(b'], "edges_list": [')
    first = True
    for u, v, ns, fl, p in store.iter_edges():
        item = {"u": u, "v": v, "neurons": list(ns), "flipped": list(fl),
                "point": None if p is None else p.tolist()}
        handle.write(((", " if not first else "") + json.dumps(item)).encode())
        first = False
    handle.write(b"]}\n")


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _write_graphml(store: RegionStore, handle: Any) -> None:
    def w(text: str) -> None:
        handle.write(text.encode())

    keys = [("pattern", "node", "string"), ("point", "node", "string"),
            ("radius", "node", "double"), ("map_hash", "node", "string"),
            ("neurons", "edge", "string"), ("flipped", "edge", "string"),
            ("point", "edge", "string")]
    w('<?xml version="1.0" encoding="utf-8"?>\n'
      '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
      'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
      'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
      'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
    for name, kind, typ in keys:
        w(f'<key id="{kind[0]}_{name}" for="{kind}" attr.name="{name}" attr.type="{typ}"/>\n')
    w('<key id="g_widths" for="graph" attr.name="widths" attr.type="string"/>\n'
      '<key id="g_domain" for="graph" attr.name="domain" attr.type="string"/>\n')
    w('<graph edgedefault="undirected">\n')
    w(f'<data key="g_widths">{_xml(json.dumps(list(store.net.widths)))}</data>\n')
    w(f'<data key="g_domain">{_xml(json.dumps(store.domain.describe()))}</data>\n')
    for rid, r, h in store.iter_regions(maps=False):
        w(f'<node id="{rid}"><data key="n_pattern">{r.hex}</data>'
          f'<data key="n_point">{json.dumps(r.point.tolist())}</data>'
          f'<data key="n_radius">{r.radius!r}</data><data key="n_map_hash">{h}</data></node>\n')
    for u, v, ns, fl, p in store.iter_edges():
        point = "" if p is None else f'<data key="e_point">{json.dumps(p.tolist())}</data>'
        w(f'<edge source="{u}" target="{v}"><data key="e_neurons">{json.dumps(list(ns))}</data>'
          f'<data key="e_flipped">{json.dumps(list(fl))}</data>{point}</edge>\n')
    w("</graph>\n</graphml>\n")


def _write_npz(store: RegionStore, handle: Any) -> None:
    ids, pats, points, radii, hashes = [], [], [], [], []
    for rid, r, h in store.iter_regions(maps=False):
        ids.append(rid)
        pats.append(np.packbits(r.pattern))
        points.append(r.point)
        radii.append(r.radius)
        hashes.append(h)
    d = store.net.n_inputs
    n = len(ids)
    us, vs, eps, ns_all, fl_all = [], [], [], [], []
    for u, v, ns, fl, p in store.iter_edges():
        us.append(u)
        vs.append(v)
        eps.append(np.full(d, np.nan) if p is None else p)
        ns_all.append(ns)
        fl_all.append(fl)

    def ragged(seqs: list) -> tuple[np.ndarray, np.ndarray]:
        ptr = np.concatenate([[0], np.cumsum([len(s) for s in seqs])]).astype(np.int64)
        return ptr, np.array([x for s in seqs for x in s], dtype=np.int64)

    nptr, nids = ragged(ns_all)
    fptr, fids = ragged(fl_all)
    meta = {"summary": store.summary(), "params": store.params}
    np.savez_compressed(
        handle,
        meta=np.array(json.dumps(meta)),
        id=np.array(ids, dtype=np.int64),
        pattern=np.array(pats, dtype=np.uint8).reshape(n, (store.net.n_hidden + 7) // 8),
        point=np.array(points, dtype=float).reshape(n, d),
        radius=np.array(radii, dtype=float),
        map_hash=np.array(hashes, dtype="<U16"),
        edges=np.column_stack([us, vs]).astype(np.int64).reshape(len(us), 2),
        edge_point=np.array(eps, dtype=float).reshape(len(us), d),
        neuron_ptr=nptr, neuron_ids=nids, flipped_ptr=fptr, flipped=fids,
    )
