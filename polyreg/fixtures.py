"""Ground-truth fixture files: write them, read them, check them against the engines.

A fixture set is a directory::

    MANIFEST.json            generator version, engine, date, sha256 of every other file
    fixtures.schema.json     JSON Schema (draft 2020-12) of the fixture files
    <name>.json              one fixture: network, domain and the exact answers
    networks/<name>.npz      the network in the canonical format (``Network.save``)

Each fixture records, for one network and one domain: the exact count of activation regions,
every pattern with an interior point (sorted by pattern), the adjacency edges (indices into
that sorted list), the number of linear regions, the regions meeting the domain's boundary,
and the closed-form margins of a few chosen points. :func:`verify_fixtures` recomputes all of
it with two engines and reports every difference ("drift").

Examples
--------
>>> import tempfile, polyreg
>>> from polyreg.fixtures import default_cases, write_fixtures, verify_fixtures
>>> out = tempfile.mkdtemp() + "/fx"
>>> manifest = write_fixtures(out, default_cases()[:1])
>>> manifest["fixtures"]
['tiny2d_box']
>>> verify_fixtures(out, engines=["traverse"]).ok
True
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from collections.abc import Callable, Sequence

import numpy as np

from ._files import clean_stale, resolve, temp_path
from .api import enumerate_regions
from .domains import Ball, Box, Domain, Polytope, Whole, sample
from .errors import PolyregError
from .network import Network, random_network
from .regions import RegionSet, pattern_hex
from .tolerances import DEFAULT, Tolerances

#: version of the generator and of the file layout; bumped when the content of a fixture set
#: written from the same networks would change
GENERATOR_VERSION = "1.0.0"
FIXTURE_SCHEMA = "polyreg.fixture/1"
MANIFEST_SCHEMA = "polyreg.fixtures-manifest/1"
SCHEMA_FILE = "fixtures.schema.json"
MANIFEST_FILE = "MANIFEST.json"

#: relative tolerance for comparing stored and recomputed margins
MARGIN_RTOL = 1e-9

#: preference order for the second engine of :func:`verify_fixtures`
SECOND_ENGINES = ("skeleton", "split", "planar", "milp")


# ============================================================================ the schema
def _num_list() -> dict:
    return {"type": "array", "items": {"type": "number"}}


_DOMAIN = {
    "type": "object",
    "required": ["type"],
    "properties": {
        "type": {"enum": ["box", "ball", "polytope", "whole", "slice"]},
        "lo": _num_list(), "hi": _num_list(), "center": _num_list(),
        "radius": {"type": "number", "exclusiveMinimum": 0},
        "norm": {"enum": [1, 2, "inf"]},
        "A": {"type": "array", "items": _num_list()}, "b": _num_list(),
        "dim": {"type": ["integer", "null"]},
        "origin": _num_list(), "u": _num_list(), "v": _num_list(),
        "bound": {"type": "object"},
    },
}

SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://polyreg.invalid/schemas/fixture-1.json",
    "title": "polyreg ground-truth fixture (polyreg.fixture/1)",
    "type": "object",
    "required": ["schema", "name", "description", "generator", "network", "domain", "count",
                 "linear_regions", "regions", "edges", "boundary_regions", "margins"],
    "additionalProperties": False,
    "properties": {
        "schema": {"const": FIXTURE_SCHEMA},
        "name": {"type": "string", "pattern": "^[a-z0-9_]+$"},
        "description": {"type": "string"},
        "generator": {
            "type": "object",
            "required": ["version", "engine"],
            "properties": {"version": {"type": "string"}, "engine": {"type": "string"}},
        },
        "network": {
            "type": "object",
            "required": ["file", "sha256", "widths", "negative_slope"],
            "additionalProperties": False,
            "properties": {
                "file": {"type": "string"},
                "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                "widths": {"type": "array", "items": {"type": "integer", "minimum": 1},
                           "minItems": 3},
                "negative_slope": {"type": "number", "minimum": 0},
            },
        },
        "domain": {"$ref": "#/$defs/domain"},
        "count": {"type": "integer", "minimum": 1},
        "linear_regions": {"type": "integer", "minimum": 1},
        "regions": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["pattern", "point", "radius", "linear_region"],
                "additionalProperties": False,
                "properties": {
                    "pattern": {"type": "string", "pattern": "^([0-9a-f]{2})*$"},
                    "point": _num_list(),
                    "radius": {"type": "number", "exclusiveMinimum": 0},
                    "linear_region": {"type": "integer", "minimum": 0},
                },
            },
        },
        "edges": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["u", "v", "neurons", "flipped"],
                "additionalProperties": False,
                "properties": {
                    "u": {"type": "integer", "minimum": 0},
                    "v": {"type": "integer", "minimum": 0},
                    "neurons": {"type": "array", "items": {"type": "integer", "minimum": 0}},
                    "flipped": {"type": "array", "items": {"type": "integer", "minimum": 0},
                                "minItems": 1},
                },
            },
        },
        "boundary_regions": {"type": "array", "items": {"type": "integer", "minimum": 0}},
        "margins": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["point", "pattern", "margin_2", "neuron_2", "margin_inf",
                             "neuron_inf"],
                "additionalProperties": False,
                "properties": {
                    "point": _num_list(),
                    "pattern": {"type": "string", "pattern": "^([0-9a-f]{2})*$"},
                    "margin_2": {"type": ["number", "null"], "minimum": 0},
                    "neuron_2": {"type": ["integer", "null"], "minimum": 0},
                    "margin_inf": {"type": ["number", "null"], "minimum": 0},
                    "neuron_inf": {"type": ["integer", "null"], "minimum": 0},
                },
            },
        },
    },
    "$defs": {"domain": _DOMAIN},
}


class SchemaError(PolyregError, ValueError):
    """A JSON document does not follow its schema."""


_TYPES: dict[str, Callable[[object], bool]] = {
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "string": lambda x: isinstance(x, str),
    "integer": lambda x: isinstance(x, int) and not isinstance(x, bool),
    "number": lambda x: isinstance(x, (int, float)) and not isinstance(x, bool),
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
}


def validate(doc: object, schema: dict, *, root: dict | None = None, where: str = "$") -> None:
    """Check ``doc`` against the subset of JSON Schema that :data:`SCHEMA` uses.

    Supported keywords: ``type``, ``const``, ``enum``, ``properties``, ``required``,
    ``additionalProperties`` (boolean), ``items``, ``minItems``, ``minimum``,
    ``exclusiveMinimum``, ``pattern`` and local ``$ref`` (``#/$defs/...``); others are ignored.

    Raises
    ------
    SchemaError
        Naming the first offending location, e.g. ``$.regions[3].radius``.

    Examples
    --------
    >>> validate({"a": [1, 2]}, {"type": "object", "properties": {"a": {"type": "array"}}})
    >>> validate({"a": "x"}, {"properties": {"a": {"type": "integer"}}})
    Traceback (most recent call last):
    ...
    polyreg.fixtures.SchemaError: $.a: expected integer, got str
    """
    import re

    root = schema if root is None else root
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            raise SchemaError(f"{where}: only local $ref is supported, got {ref!r}")
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        validate(doc, target, root=root, where=where)
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(_TYPES[k](doc) for k in kinds):
            raise SchemaError(f"{where}: expected {' or '.join(kinds)}, got {type(doc).__name__}")
    if "const" in schema and doc != schema["const"]:
        raise SchemaError(f"{where}: expected {schema['const']!r}, got {doc!r}")
    if "enum" in schema and doc not in schema["enum"]:
        raise SchemaError(f"{where}: {doc!r} is not one of {schema['enum']!r}")
    number = _TYPES["number"](doc)
    if number and "minimum" in schema and doc < schema["minimum"]:
        raise SchemaError(f"{where}: {doc!r} is below the minimum {schema['minimum']!r}")
    if number and "exclusiveMinimum" in schema and doc <= schema["exclusiveMinimum"]:
        raise SchemaError(f"{where}: {doc!r} is not above {schema['exclusiveMinimum']!r}")
    if isinstance(doc, str) and "pattern" in schema and not re.search(schema["pattern"], doc):
        raise SchemaError(f"{where}: {doc!r} does not match {schema['pattern']!r}")
    if isinstance(doc, dict):
        for key in schema.get("required", []):
            if key not in doc:
                raise SchemaError(f"{where}: missing key {key!r}")
        props = schema.get("properties", {})
        if schema.get("additionalProperties", True) is False:
            extra = sorted(set(doc) - set(props))
            if extra:
                raise SchemaError(f"{where}: unexpected key(s) {', '.join(map(repr, extra))}")
        for key, sub in props.items():
            if key in doc:
                validate(doc[key], sub, root=root, where=f"{where}.{key}")
    if isinstance(doc, list):
        if len(doc) < schema.get("minItems", 0):
            raise SchemaError(f"{where}: {len(doc)} item(s), at least {schema['minItems']} needed")
        if "items" in schema:
            for i, item in enumerate(doc):
                validate(item, schema["items"], root=root, where=f"{where}[{i}]")


# ============================================================================ cases
@dataclass(frozen=True)
class Case:
    """One fixture to generate: a name (``[a-z0-9_]+``), a network, a domain."""

    name: str
    description: str
    net: Network
    domain: Domain
    n_points: int = 5


def _lines(*rows: tuple[float, float, float]) -> Network:
    """One hidden layer with neuron ``k`` on the line ``a x + b y + c = 0``, summing output."""
    W = np.array([r[:2] for r in rows], dtype=float)
    b = np.array([r[2] for r in rows], dtype=float)
    return Network.from_layers([(W, b), (np.ones((1, len(rows))), [0.0])])


def default_cases() -> list[Case]:
    """The default fixture set (small: each enumerates in well under a second).

    Covers every domain type, 1- to 4-D inputs, deep and LeakyReLU networks, a zero output
    layer (one linear region), a cancelling duplicated neuron pair (linear regions merge),
    lines through one point and a neuron on the domain's boundary (degenerate position).

    Examples
    --------
    >>> [c.name for c in default_cases()][:3]
    ['tiny2d_box', 'deep2d_box', 'deep3d_cube']
    """
    rnd = random_network
    dead = rnd([2, 6, 6, 1], seed=4)
    dead = Network(dead.weights[:-1] + (np.zeros((1, 6)),), dead.biases[:-1] + (np.zeros(1),))
    angles = 0.1 + np.pi * np.arange(5) / 5
    concurrent = Network.from_layers([
        (np.column_stack([np.cos(angles), np.sin(angles)]), -np.column_stack(
            [np.cos(angles), np.sin(angles)]) @ np.array([0.2, -0.1])),
        (np.ones((1, 5)), [0.0]),
    ])
    dup = Network.from_layers([
        (np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.5], [1.0, 0.5]]),
         np.array([0.0, 0.0, 0.3, 0.3])),
        (np.array([[1.0, 1.0, 1.0, -1.0]]), np.array([0.0])),
    ])
    leaky = rnd([1, 8, 8, 1], seed=5)
    leaky = Network(leaky.weights, leaky.biases, negative_slope=0.1)
    triangle = Polytope(np.array([[-1.0, 0.0], [0.0, -1.0], [1.0, 1.0]]),
                        np.array([1.0, 1.0, 1.0]))
    return [
        Case("tiny2d_box", "4 lines in general position (data/tiny2d.npz), all 6 crossings "
             "inside [-1, 1]^2", _lines((1, 0, 0), (0, 1, 0), (1, 1, -0.5), (1, -1, 0.25)),
             Box([-1.0, -1.0], [1.0, 1.0])),
        Case("deep2d_box", "random_network([2, 8, 8, 1], seed=3) on [-1, 1]^2",
             rnd([2, 8, 8, 1], seed=3), Box([-1.0, -1.0], [1.0, 1.0])),
        Case("deep3d_cube", "random_network([3, 6, 6, 1], seed=3) on [-1, 1]^3",
             rnd([3, 6, 6, 1], seed=3), Box.cube(3, -1.0, 1.0)),
        Case("l2ball_2d", "random_network([2, 6, 6, 1], seed=3) in the unit L2 disk",
             rnd([2, 6, 6, 1], seed=3), Ball([0.0, 0.0], 1.0, norm=2)),
        Case("l1ball_3d", "random_network([3, 8, 2], seed=3) in the unit L1 ball",
             rnd([3, 8, 2], seed=3), Ball([0.0, 0.0, 0.0], 1.0, norm=1)),
        Case("linfball_4d", "random_network([4, 8, 1], seed=1) in the L-inf ball of radius "
             "0.5 around (0.1, 0.2, 0.3, 0.4)", rnd([4, 8, 1], seed=1),
             Ball([0.1, 0.2, 0.3, 0.4], 0.5, norm="inf")),
        Case("polytope_2d", "random_network([2, 10, 1], seed=2) in the triangle "
             "x >= -1, y >= -1, x + y <= 1", rnd([2, 10, 1], seed=2), triangle),
        Case("whole_2d", "random_network([2, 5, 5, 1], seed=3) on all of R^2 (unbounded "
             "regions; points capped at radius 1)", rnd([2, 5, 5, 1], seed=3), Whole(2)),
        Case("dead_output_2d", "random_network([2, 6, 6, 1], seed=4) with a zero last layer: "
             "many activation regions, one linear region", dead, Box([-1.0, -1.0], [1.0, 1.0])),
        Case("duplicate_pair_2d", "x, y and a duplicated neuron x + y/2 + 0.3 with output "
             "weights +1 and -1: the duplicated line splits activation regions only",
             dup, Box([-1.0, -1.0], [1.0, 1.0])),
        Case("concurrent_2d", "5 lines through (0.2, -0.1) (degenerate position): 10 regions",
             concurrent, Box([-1.0, -1.0], [1.0, 1.0])),
        Case("boundary_neuron_2d", "a neuron on the side x = 1 of the box and one crossing it",
             _lines((1, 0, -1), (1, 1, 0), (0, 1, 0.5)), Box([-1.0, -1.0], [1.0, 1.0])),
        Case("leaky_1d", "random_network([1, 8, 8, 1], seed=5), LeakyReLU 0.1, on [-2, 2]",
             leaky, Box([-2.0], [2.0])),
    ]


# ============================================================================ answers
def domain_from_dict(desc: dict) -> Domain:
    """Rebuild a domain from its ``describe()`` dict.

    Examples
    --------
    >>> import polyreg
    >>> domain_from_dict(polyreg.Box([0, 0], [1, 2]).describe()).hi.tolist()
    [1.0, 2.0]
    """
    kind = desc.get("type")
    if kind == "box":
        return Box(desc["lo"], desc["hi"])
    if kind == "ball":
        return Ball(desc["center"], desc["radius"], norm=desc["norm"])
    if kind == "polytope":
        return Polytope(np.array(desc["A"], dtype=float), np.array(desc["b"], dtype=float))
    if kind == "whole":
        return Whole(desc["dim"])
    if kind == "slice":
        from .slices import Slice

        return Slice(desc["origin"], desc["u"], desc["v"], domain_from_dict(desc["bound"]))
    raise ValueError(f"unknown domain type {kind!r}")


def closed_form_margins(net: Network, x: np.ndarray, tol: Tolerances = DEFAULT) -> dict:
    """Distance from ``x`` to the boundary of its activation region, in L2 and L-inf.

    ``min_k |z_k(x)| / ||g_k||_q`` over the hidden neurons whose pre-activation
    ``z_k = g_k . y + c_k`` is not constant on the region (``q = 2`` for L2, ``q = 1`` for
    L-inf), with the attaining neuron; ``None`` when no neuron can change sign.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([([[3.0, 4.0]], [0.0]), ([[1.0]], [0.0])])
    >>> m = closed_form_margins(net, np.array([1.0, 1.0]))
    >>> round(m["margin_2"], 6), round(m["margin_inf"], 6), m["neuron_2"]
    (1.4, 1.0, 0)
    """
    x = np.asarray(x, dtype=float)
    pattern = net.pattern(x)
    maps = net.local_maps(pattern)
    z = maps.G @ x + maps.c
    live = np.linalg.norm(maps.G, axis=1) > tol.gradient * net.weight_scale()
    out: dict = {"point": x.tolist(), "pattern": pattern_hex(pattern)}
    for name, q in (("2", 2), ("inf", 1)):
        if not live.any():
            out[f"margin_{name}"], out[f"neuron_{name}"] = None, None
            continue
        dist = np.full(z.size, np.inf)
        dist[live] = np.abs(z[live]) / np.linalg.norm(maps.G[live], ord=q, axis=1)
        k = int(np.argmin(dist))
        out[f"margin_{name}"], out[f"neuron_{name}"] = float(dist[k]), k
    return out


def _margin_points(case: Case) -> np.ndarray:
    rng = np.random.default_rng(12345)
    pts = sample(case.domain, case.n_points, rng)
    if not case.domain.bounded:
        pts = pts / 3.0  # near the origin, where the regions are
    return pts


def compute_answers(
    net: Network, domain: Domain, *, method: str = "traverse", tol: Tolerances = DEFAULT
) -> tuple[dict, RegionSet]:
    """Count, sorted regions, edges, linear regions and boundary regions of one problem.

    Regions are sorted by pattern; edges are index pairs ``u < v`` into that order, sorted.
    """
    from .graph import boundary_regions, linear_regions

    rs = enumerate_regions(net, domain, method=method, tol=tol, progress=False)
    order = sorted(range(len(rs)), key=lambda i: rs[i].hex)
    rank = {i: k for k, i in enumerate(order)}
    lin = linear_regions(rs)
    relabel: dict[int, int] = {}
    regions = []
    for i in order:
        r = rs[i]
        lab = relabel.setdefault(int(lin.labels[i]), len(relabel))
        regions.append({"pattern": r.hex, "point": r.point.tolist(), "radius": float(r.radius),
                        "linear_region": lab})
    edges = []
    for e in rs.edges:
        u, v = sorted((rank[e.u], rank[e.v]))
        edges.append({"u": u, "v": v, "neurons": sorted(int(k) for k in e.neurons),
                      "flipped": sorted(int(k) for k in e.flipped)})
    edges.sort(key=lambda e: (e["u"], e["v"]))
    boundary = sorted(rank[int(i)] for i in boundary_regions(rs, net, tol=tol))
    answers = {
        "count": len(rs),
        "linear_regions": lin.count,
        "regions": regions,
        "edges": edges,
        "boundary_regions": boundary,
    }
    return answers, rs


# ============================================================================ files
def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _dump(data: object, path: Path) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, allow_nan=False)
        handle.write("\n")


def _date() -> str:
    """UTC time of generation; ``SOURCE_DATE_EPOCH`` (reproducible builds) when set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = (datetime.fromtimestamp(int(epoch), tz=timezone.utc) if epoch
            else datetime.now(timezone.utc))
    return when.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _environment() -> dict:
    from importlib import metadata

    from . import __version__

    env: dict[str, str | None] = {"polyreg": __version__, "python": platform.python_version()}
    for dist in ("numpy", "scipy", "highspy", "networkx"):
        try:
            env[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:  # pragma: no cover - a dependency is missing
            env[dist] = None
    return env


def write_fixture(case: Case, out: Path, *, engine: str = "traverse",
                  tol: Tolerances = DEFAULT) -> dict:
    """Write ``networks/<name>.npz`` and ``<name>.json`` for one case; return the fixture."""
    (out / "networks").mkdir(parents=True, exist_ok=True)
    net_rel = f"networks/{case.name}.npz"
    case.net.save(out / net_rel)
    answers, _ = compute_answers(case.net, case.domain, method=engine, tol=tol)
    doc = {
        "schema": FIXTURE_SCHEMA,
        "name": case.name,
        "description": case.description,
        "generator": {"version": GENERATOR_VERSION, "engine": engine},
        "network": {
            "file": net_rel,
            "sha256": sha256_file(out / net_rel),
            "widths": list(case.net.widths),
            "negative_slope": case.net.negative_slope,
        },
        "domain": case.domain.describe(),
        **answers,
        "margins": [closed_form_margins(case.net, x, tol) for x in _margin_points(case)],
    }
    validate(doc, SCHEMA)
    _dump(doc, out / f"{case.name}.json")
    return doc


def write_fixtures(
    out: str | os.PathLike[str],
    cases: Sequence[Case] | None = None,
    *,
    engine: str = "traverse",
    tol: Tolerances = DEFAULT,
) -> dict:
    """Write a fixture set to the directory ``out`` (replacing an earlier fixture set there).

    The set is written to a temporary sibling directory and moved into place, so ``out`` is
    never half-written. An existing ``out`` is replaced only when it is empty or holds a
    fixture set (a ``MANIFEST.json``).

    Parameters
    ----------
    out : path-like
    cases : sequence of Case, optional
        Default: :func:`default_cases`.
    engine : str
        The engine computing the answers.
    tol : Tolerances

    Returns
    -------
    dict
        The manifest.

    Raises
    ------
    ValueError
        ``out`` exists and is a non-empty directory without a manifest, or is a file; two
        cases share a name.
    """
    out = resolve(out)  # a symbolic link to the directory: its target is replaced, not the link
    cases = default_cases() if cases is None else list(cases)
    names = [c.name for c in cases]
    if len(set(names)) != len(names):
        raise ValueError(f"fixture names must be unique, got {names}")
    if out.exists():
        if not out.is_dir():
            raise ValueError(f"--out: {str(out)!r} exists and is not a directory")
        if any(out.iterdir()) and not (out / MANIFEST_FILE).is_file():
            raise ValueError(
                f"--out: {str(out)!r} is a non-empty directory without {MANIFEST_FILE}; "
                "refusing to replace it"
            )
    if not out.parent.is_dir():
        raise ValueError(f"--out: directory {str(out.parent)!r} does not exist")
    clean_stale(out)  # temporary directories of killed runs
    tmp = temp_path(out)
    tmp.mkdir()
    try:
        for case in cases:
            write_fixture(case, tmp, engine=engine, tol=tol)
        _dump(SCHEMA, tmp / SCHEMA_FILE)
        files = sorted(
            p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file()
        )
        manifest = {
            "schema": MANIFEST_SCHEMA,
            "generator": "polyreg.fixtures",
            "generator_version": GENERATOR_VERSION,
            "engine": engine,
            "date": _date(),
            "environment": _environment(),
            "fixtures": names,
            "files": {f: sha256_file(tmp / f) for f in files},
        }
        _dump(manifest, tmp / MANIFEST_FILE)
        old = tmp.with_suffix(".old")
        if out.exists():
            os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


@dataclass(frozen=True)
class Fixture:
    """A fixture read back: its document, network and domain."""

    name: str
    doc: dict
    net: Network
    domain: Domain
    path: Path


def read_manifest(directory: str | os.PathLike[str]) -> dict:
    """The ``MANIFEST.json`` of a fixture set.

    Raises
    ------
    ValueError
        Not a directory, no manifest, or a manifest of another schema.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"fixture directory {str(directory)!r} does not exist")
    path = directory / MANIFEST_FILE
    if not path.is_file():
        raise ValueError(f"{str(directory)!r} has no {MANIFEST_FILE}: not a fixture set")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{str(path)!r} is not JSON: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("schema") != MANIFEST_SCHEMA:
        raise ValueError(f"{str(path)!r} is not a {MANIFEST_SCHEMA} manifest")
    return manifest


def read_fixture(path: str | os.PathLike[str], *, check_schema: bool = True) -> Fixture:
    """Read one ``<name>.json`` fixture and its network.

    Raises
    ------
    SchemaError
        The file does not follow :data:`SCHEMA`.
    ValueError, polyreg.errors.InvalidNetwork
        Unreadable file or network, or the network's sha256 differs from the recorded one.
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{str(path)!r} is not JSON: {exc}") from exc
    if check_schema:
        validate(doc, SCHEMA)
    net_path = path.parent / doc["network"]["file"]
    if sha256_file(net_path) != doc["network"]["sha256"]:
        raise ValueError(f"{str(net_path)!r}: sha256 differs from the one in {path.name}")
    return Fixture(doc["name"], doc, Network.load(net_path), domain_from_dict(doc["domain"]), path)


def load_fixtures(directory: str | os.PathLike[str]) -> list[Fixture]:
    """Every fixture listed in a set's manifest, in manifest order.

    Examples
    --------
    >>> from pathlib import Path
    >>> shipped = Path(__file__).resolve().parent.parent / "data" / "fixtures"
    >>> any(f.name == "tiny2d_box" for f in load_fixtures(shipped)) if shipped.is_dir() else True
    True
    """
    directory = Path(directory)
    manifest = read_manifest(directory)
    return [read_fixture(directory / f"{name}.json") for name in manifest["fixtures"]]


# ============================================================================ verification
@dataclass
class FixtureReport:
    """Outcome of checking one fixture."""

    name: str
    #: engine -> "ok", "drift", "failed" or "skipped: <reason>"
    engines: dict[str, str] = field(default_factory=dict)
    drift: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {"name": self.name, "engines": self.engines, "drift": self.drift,
                "seconds": self.seconds}


@dataclass
class VerifyReport:
    """Outcome of :func:`verify_fixtures`: ``ok`` when nothing drifted."""

    directory: str
    fixtures: list[FixtureReport] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)  # set-level (manifest, checksums, schema)

    @property
    def ok(self) -> bool:
        return not self.drift and not any(f.drift for f in self.fixtures)

    @property
    def n_drift(self) -> int:
        return len(self.drift) + sum(len(f.drift) for f in self.fixtures)

    def to_dict(self) -> dict:
        return {"directory": self.directory, "ok": self.ok, "drift": self.drift,
                "n_drift": self.n_drift, "fixtures": [f.to_dict() for f in self.fixtures]}


def _canonical_hex(ctx, x: np.ndarray) -> str:
    from .engines._common import region_rows

    return pattern_hex(region_rows(ctx, ctx.canonical(ctx.net.pattern(x))).pattern)


def _compare(doc: dict, got: dict, engine: str) -> list[str]:
    """Differences between stored answers and recomputed ones (engine-independent parts)."""
    out = []
    if got["count"] != doc["count"]:
        out.append(f"{engine}: count {got['count']} != stored {doc['count']}")
    want = [r["pattern"] for r in doc["regions"]]
    have = [r["pattern"] for r in got["regions"]]
    missing, extra = sorted(set(want) - set(have)), sorted(set(have) - set(want))
    if missing or extra:
        out.append(f"{engine}: patterns differ: {len(missing)} missing (e.g. {missing[:3]}), "
                   f"{len(extra)} extra (e.g. {extra[:3]})")
        return out

    def edge_set(answers: dict) -> set:
        pats = [r["pattern"] for r in answers["regions"]]
        return {(pats[e["u"]], pats[e["v"]], tuple(e["flipped"])) for e in answers["edges"]}

    ew, eh = edge_set(doc), edge_set(got)
    if ew != eh:
        out.append(f"{engine}: edges differ: {len(ew - eh)} missing, {len(eh - ew)} extra")
    if got["linear_regions"] != doc["linear_regions"]:
        out.append(f"{engine}: linear regions {got['linear_regions']} != stored "
                   f"{doc['linear_regions']}")
    if got["boundary_regions"] != doc["boundary_regions"]:
        out.append(f"{engine}: boundary regions differ ({len(got['boundary_regions'])} vs "
                   f"stored {len(doc['boundary_regions'])})")
    return out


def _check_stored(fx: Fixture, tol: Tolerances) -> list[str]:
    """Self-consistency of the stored data: points, patterns, margins."""
    from .engines._common import Context

    doc, net, domain = fx.doc, fx.net, fx.domain
    out = []
    if list(net.widths) != doc["network"]["widths"]:
        out.append(f"network widths {list(net.widths)} != stored {doc['network']['widths']}")
        return out
    if doc["count"] != len(doc["regions"]):
        out.append(f"count {doc['count']} but {len(doc['regions'])} regions listed")
    hexes = [r["pattern"] for r in doc["regions"]]
    if hexes != sorted(set(hexes)):
        out.append("regions are not sorted by pattern or a pattern repeats")
    n = len(hexes)
    if any(not (0 <= e["u"] < e["v"] < n) for e in doc["edges"]):
        out.append("an edge refers to a region that does not exist (or u >= v)")
    if any(not (0 <= i < n) for i in doc["boundary_regions"]):
        out.append("a boundary region index is out of range")
    labels = {r["linear_region"] for r in doc["regions"]}
    if labels != set(range(doc["linear_regions"])):
        out.append("linear_region labels are not 0 .. linear_regions - 1")
    if domain.dim == net.n_inputs:  # points are input points (not slice coordinates)
        ctx = Context.create(net, domain, tol)
        pts = np.array([r["point"] for r in doc["regions"]], dtype=float)
        inside = domain.contains(pts)
        for r, ok in zip(doc["regions"], inside, strict=True):
            if not ok:
                out.append(f"region {r['pattern']}: its point lies outside the domain")
            elif _canonical_hex(ctx, np.array(r["point"])) != r["pattern"]:
                out.append(f"region {r['pattern']}: the forward pass at its point gives "
                           "another pattern")
    try:
        from .bounds.margins import margin as bounds_margin
    except ImportError:  # pragma: no cover - polyreg.bounds is optional here
        bounds_margin = None  # type: ignore[assignment]  # checked before each use
    for m in doc["margins"]:
        x = np.array(m["point"], dtype=float)
        again = closed_form_margins(net, x, tol)
        for key in ("pattern", "neuron_2", "neuron_inf"):
            if again[key] != m[key]:
                out.append(f"margin at {m['point']}: {key} {again[key]!r} != stored {m[key]!r}")
        for norm in ("2", "inf"):
            a, b = again[f"margin_{norm}"], m[f"margin_{norm}"]
            if (a is None) != (b is None) or (
                a is not None and abs(a - b) > MARGIN_RTOL * max(1.0, abs(b))
            ):
                out.append(f"margin_{norm} at {m['point']}: {a!r} != stored {b!r}")
            if bounds_margin is not None and b is not None:
                other = bounds_margin(net, x, norm=norm, tol=tol).margin
                if abs(other - b) > MARGIN_RTOL * max(1.0, abs(b)):
                    out.append(f"margin_{norm} at {m['point']}: polyreg.bounds.margin gives "
                               f"{other!r}, stored {b!r}")
    return out


def _second_engines(first: str) -> list[str]:
    from .engines import ENGINES

    rest = [e for e in ENGINES if e not in (first, "auto")]
    ranked = [e for e in SECOND_ENGINES if e in rest]
    return ranked + sorted(e for e in rest if e not in ranked)


def verify_fixture(
    fx: Fixture, engines: Sequence[str] | None = None, *, tol: Tolerances = DEFAULT
) -> FixtureReport:
    """Recompute one fixture with ``engines`` (default: ``traverse`` and the first other
    registered engine that applies, see :data:`SECOND_ENGINES`) and list every drift.

    An engine that rejects the problem (``ValueError`` or ``NotImplementedError``: wrong
    dimension or domain type) is reported as skipped, not as drift.
    """
    t0 = time.perf_counter()
    rep = FixtureReport(fx.name)
    rep.drift.extend(_check_stored(fx, tol))
    generator = fx.doc["generator"]["engine"]
    if engines is not None:
        todo, wanted = list(engines), len(engines)
    else:
        todo, wanted = ["traverse"] + _second_engines("traverse"), 2
    applied = 0
    for engine in todo:
        if applied >= wanted:
            break
        try:
            got, _ = compute_answers(fx.net, fx.domain, method=engine, tol=tol)
        except (ValueError, NotImplementedError) as exc:
            message = " ".join(str(exc).split())
            if engine in ("traverse", generator):  # these apply to every fixture
                rep.engines[engine] = "failed"
                rep.drift.append(f"{engine}: failed: {message}")
            else:
                rep.engines[engine] = f"skipped: {message}"
            continue
        except PolyregError as exc:  # solver failure, tolerance: the answer could not be had
            rep.engines[engine] = "failed"
            rep.drift.append(f"{engine}: failed: {' '.join(str(exc).split())}")
            continue
        applied += 1
        diffs = _compare(fx.doc, got, engine)
        rep.engines[engine] = "drift" if diffs else "ok"
        rep.drift.extend(diffs)
    rep.seconds = time.perf_counter() - t0
    return rep


def verify_fixtures(
    directory: str | os.PathLike[str],
    engines: Sequence[str] | None = None,
    *,
    tol: Tolerances = DEFAULT,
    only: Sequence[str] | None = None,
    on_fixture: Callable[[FixtureReport], None] | None = None,
) -> VerifyReport:
    """Check a fixture set: checksums, schema, stored data, and every answer recomputed.

    Parameters
    ----------
    directory : path-like
    engines : sequence of str, optional
        Engines to recompute with (default: ``traverse`` plus one other that applies).
    tol : Tolerances
    only : sequence of str, optional
        Names of the fixtures to check (default: all in the manifest).
    on_fixture : callable, optional
        Called with each :class:`FixtureReport` as soon as it is done (progress output).

    Returns
    -------
    VerifyReport

    Raises
    ------
    ValueError
        Not a fixture directory (no or malformed manifest), or ``only`` names an unknown
        fixture.
    """
    from .engines import ENGINES

    directory = Path(directory)
    manifest = read_manifest(directory)
    report = VerifyReport(str(directory))
    if engines is not None:
        unknown = [e for e in engines if e not in ENGINES]
        if unknown:
            raise ValueError(f"unknown engine(s) {', '.join(unknown)}; choose from "
                             f"{', '.join(sorted(ENGINES))}")
    names = list(manifest.get("fixtures", []))
    if only is not None:
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise ValueError(f"no fixture named {', '.join(unknown)} in {str(directory)!r}")
        names = [n for n in names if n in set(only)]
    listed = manifest.get("files", {})
    for rel, digest in sorted(listed.items()):
        path = directory / rel
        if not path.is_file():
            report.drift.append(f"{rel}: listed in the manifest but missing")
        elif sha256_file(path) != digest:
            report.drift.append(f"{rel}: sha256 differs from the manifest")
    present = {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}
    for rel in sorted(present - set(listed) - {MANIFEST_FILE}):
        report.drift.append(f"{rel}: not listed in the manifest")
    schema_path = directory / SCHEMA_FILE
    if schema_path.is_file():
        if json.loads(schema_path.read_text(encoding="utf-8")) != json.loads(json.dumps(SCHEMA)):
            report.drift.append(f"{SCHEMA_FILE} differs from this polyreg's schema")
    else:
        report.drift.append(f"{SCHEMA_FILE} is missing")
    for name in names:
        try:
            fx = read_fixture(directory / f"{name}.json")
        except (ValueError, OSError) as exc:
            rep = FixtureReport(name, drift=[f"cannot read: {' '.join(str(exc).split())}"])
        else:
            rep = verify_fixture(fx, engines, tol=tol)
        report.fixtures.append(rep)
        if on_fixture is not None:
            on_fixture(rep)
    return report


__all__ = [
    "Case", "Fixture", "FixtureReport", "GENERATOR_VERSION", "SCHEMA", "SchemaError",
    "VerifyReport", "closed_form_margins", "compute_answers", "default_cases",
    "domain_from_dict", "load_fixtures", "read_fixture", "read_manifest", "validate",
    "verify_fixture", "verify_fixtures", "write_fixtures",
]
