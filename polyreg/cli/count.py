"""``polyreg count`` and ``polyreg enumerate``: the regions of a network in a domain, counted or
written to a file, through :func:`polyreg.enumerate_regions`.

``count NET.npz DOMAIN [--method M] [--max-regions N] [--time-limit S] [--json] [--quiet]``
    Count the activation regions of a network inside a domain.
``enumerate NET.npz DOMAIN --out FILE [--format F] [--method M] [--max-regions N]
[--time-limit S] [--json] [--quiet]``
    Write every region and every shared facet: JSON (``RegionSet.to_dict``), GraphML, ``.npz``
    or node-link JSON, chosen by the extension or ``--format``.

``DOMAIN`` is exactly one of ``--box LO HI``, ``--ball R --center C [--norm 1|2|inf]``,
``--polytope FILE.npz`` (arrays ``A``, ``b``: the set ``A x <= b``) or ``--whole``
(:func:`polyreg.cli.common.add_domain_args`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .._files import refuse_same_file
from ..api import enumerate_regions
from ..domains import Domain
from ..network import Network
from ..regions import RegionSet
from ..tolerances import Tolerances
from .common import (
    InputError, _Parser, add_budget_options, add_domain_args, add_exact_arg, add_network_arg,
    add_report_args, budget_options, build_domain, check_out, command_inputs, command_outputs,
    engine_names, format_summary, progress_option, write_json_atomic,
)


#: formats of ``enumerate --out`` and the extensions that select them
OUT_FORMATS = ("json", "graphml", "npz", "node-link")
OUT_SUFFIXES = {".json": "json", ".graphml": "graphml", ".npz": "npz"}


def out_format(path: Path, given: str | None) -> str:
    """The format of ``enumerate --out``: ``--format`` when given, else from the extension
    (:data:`OUT_SUFFIXES`); a device or FIFO without one (``/dev/stdout``) gets JSON.

    Raises
    ------
    InputError
        An extension that names no format.

    Examples
    --------
    >>> out_format(Path("g.GraphML"), None), out_format(Path("x.txt"), "node-link")
    ('graphml', 'node-link')
    >>> out_format(Path("x.txt"), None)
    Traceback (most recent call last):
    ...
    polyreg.cli.common.InputError: --out 'x.txt': cannot tell the format from the extension '.txt': ...
    """
    if given is not None:
        return given
    fmt = OUT_SUFFIXES.get(path.suffix.lower())
    if fmt is not None:
        return fmt
    if path.exists() and not path.is_file() and not path.is_dir():  # a device or FIFO
        return "json"
    choices = ", ".join(f"{k} ({v})" for k, v in OUT_SUFFIXES.items())
    raise InputError(
        f"--out {str(path)!r}: cannot tell the format from the extension "
        f"{path.suffix or '(none)'!r}: use one of {choices}, or --format "
        f"{'|'.join(OUT_FORMATS)}"
    )


def write_regions(regions: RegionSet, net: Network, path: Path, fmt: str) -> None:
    """Write ``regions`` in ``fmt`` (:data:`OUT_FORMATS`) through ``open_output``: ``json``
    is :meth:`RegionSet.to_dict`; the others are :func:`polyreg.graph.region_graph` (without
    volumes and facet areas) written by :func:`polyreg.graph.write_graph` (``node-link`` is
    its ``json`` format)."""
    if fmt == "json":
        write_json_atomic(regions.to_dict(), path)
        return
    from ..graph import region_graph, write_graph

    g = region_graph(regions, net, volumes=False, facet_areas=False)
    write_graph(g, path, "json" if fmt == "node-link" else fmt)


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add ``count`` and ``enumerate`` to the ``polyreg`` parser (run by :func:`prepare` and
    :func:`run`, not by a handler: their bad input is refused before the run starts)."""
    count = subparsers.add_parser(
        "count", help="count activation regions in a domain",
        description="Count the activation regions of a network inside a domain.",
    )
    _add_arguments(count)
    enum = subparsers.add_parser(
        "enumerate", help="write every region and shared facet as JSON",
        description="Enumerate the activation regions and their adjacency; write them as JSON.",
    )
    _add_arguments(enum)
    enum.add_argument(
        "--out", required=True, metavar="FILE",
        help="output file, its format from the extension: .json (polyreg's region JSON), "
             ".graphml, .npz (written atomically: a temporary file, then renamed; a symbolic "
             "link's target is written; a device or FIFO such as /dev/stdout is written into, "
             "as JSON unless --format says otherwise)",
    )
    enum.add_argument(
        "--format", choices=OUT_FORMATS, metavar="|".join(OUT_FORMATS),
        help="output format, overriding the extension: json (polyreg.regions/1), graphml, npz "
             "(polyreg.graph's arrays) or node-link (networkx node-link JSON)",
    )


def _add_arguments(sub: _Parser) -> None:
    add_network_arg(sub)
    add_domain_args(sub)
    sub.add_argument(
        "--method", default="auto", choices=engine_names(),
        help="enumeration engine (default: auto, the fastest exact one for the domain)",
    )
    add_report_args(sub, "one JSON object (the summary)")
    add_exact_arg(sub)
    sub.add_argument(
        "--linear", action="store_true",
        help="also count linear regions (adjacent regions with equal affine maps merged)",
    )
    add_budget_options(sub)


def prepare(args: argparse.Namespace) -> tuple[Network, Domain, Path | None]:
    """The network, domain and ``--out`` path of ``count``/``enumerate``: every input validated
    before any long computation starts."""
    if args.center is not None and args.ball is None:
        raise InputError("--center is only used with --ball")
    out = Path(args.out) if args.command == "enumerate" else None
    if out is not None:
        check_out(out)
    refuse_same_file(command_outputs(args), command_inputs(args))
    if out is not None:
        args.out_format = out_format(out, getattr(args, "format", None))
    net = Network.load(args.network)
    domain = build_domain(args, net.n_inputs).for_inputs(net.n_inputs)
    return net, domain, out


def run(args: argparse.Namespace, net: Network, domain: Domain, out: Path | None) -> int:
    """Run ``count``/``enumerate`` on validated inputs (:func:`prepare`); the exit status."""
    scaled = getattr(args, "scaled", None)  # --store / --workers / --scheduler (polyreg.cli.scale)
    if scaled is not None and (status := scaled(args, net, domain, out)) is not None:
        return status
    progress = progress_option(args)
    options = dict(getattr(args, "engine_options", {}))
    if args.command == "count" and args.method == "traverse":
        options["chebyshev"] = False  # a count needs certified interior points, not centres
    budget = budget_options(args)
    if budget and getattr(args, "linear", False):
        from ..budget import BudgetNotSupported

        raise BudgetNotSupported("--linear needs every region (merging part of them bounds nothing): "
                         "drop --max-regions/--time-limit")
    if (args.command == "count" and args.method in ("auto", "branch", "homog") and not budget
            and not getattr(args, "linear", False)):
        options.setdefault("edges", False)  # branch, homog: a count needs no adjacency
    regions: RegionSet = enumerate_regions(
        net, domain, method=args.method, progress=progress,
        tol=Tolerances(exact=getattr(args, "exact", "auto")), **options, **budget
    )
    summary = regions.summary()
    if getattr(args, "linear", False):
        from ..graph import linear_regions

        summary["linear_regions"] = linear_regions(regions).count
    if out is not None:
        write_regions(regions, net, out, args.out_format)
    if args.json:
        print(json.dumps(summary))
    else:
        print(format_summary(summary))
        if out is not None:
            print(f"wrote {len(regions):,} regions and {len(regions.edges):,} edges to {out}")
    return 0
