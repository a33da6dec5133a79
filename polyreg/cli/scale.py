"""Command-line options and sub-commands for long runs (registered through ``COMMAND_MODULES``).

Options added to ``count`` and ``enumerate``. They run the ``traverse`` engine (with
``--method auto``, the default, giving any of them selects it); ``--method`` naming another
engine with one of them is an error. The one exception: ``--workers N`` alone with the
``branch`` engine (``--method branch``, or ``auto`` where it picks branch) runs branch's own
process pool (:mod:`polyreg.scale.branchpool`).

``--store RUN.sqlite``
    Write the run to a region store as it goes (:mod:`polyreg.scale.store`); ``enumerate --out``
    is then exported from the store.
``--workers N``
    Processes (default: the number of cores when a pilot sample finds the run large, else 1).
    Without ``--store`` and ``--parts`` they share one search frontier (:mod:`polyreg.scale.frontier`);
    with a store the domain is cut into slabs, one resumable part each (:mod:`polyreg.scale.parallel`).
``--scheduler tcp://HOST:PORT``
    Run the slabs on a ``dask.distributed`` cluster instead.
``--parts K``
    Number of slabs of the domain (default per worker: 4 up to 2 inputs, 2 for 3, else 1).

Sub-commands:

``resume RUN.sqlite [--workers N] [--scheduler ADDR] [--json] [--quiet]``
    Continue a run that was interrupted (killed, crashed); a finished run just prints its
    summary.
``export RUN.sqlite [--format json|graphml|npz] [--out FILE] [--json]``
    Write the stored regions and edges (default file: the store's name with the format's
    suffix).

Without ``--store``, ``count`` running ``traverse`` (``--method traverse``, or ``auto`` where it
picks traverse: L2 balls in d >= 3, the whole space, d > 8; no ``--linear``) keeps no region
in memory, only the visited patterns and the frontier (:func:`polyreg.scale.stream.count_streaming`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from .._files import refuse_same_file
from .common import (
    add_budget_options, add_progress_option, format_summary, positive_int, progress_option,
)
from ..domains import Domain, sample
from ..errors import PolyregError
from ..network import Network

#: pilot sample size, and the distinct patterns among it above which a run is "large" (worth
#: starting worker processes by default)
PILOT_POINTS = 2000
PILOT_DISTINCT = 1000


class OptionError(PolyregError, ValueError):
    """Scale options that do not fit the command (exit status 2)."""


def _scale_options(parser: argparse.ArgumentParser, store: bool = True) -> None:
    group = parser.add_argument_group("long runs (these run the traverse engine)")
    if store:
        group.add_argument(
            "--store", metavar="RUN.sqlite",
            help="write regions and edges to this new SQLite store as they are found; "
                 "`polyreg resume RUN.sqlite` continues it after a crash",
        )
    group.add_argument(
        "--workers", type=positive_int, metavar="N",
        help="worker processes (default: the number of cores when a pilot sample finds the run "
             "large, else 1)" if store else
             "worker processes for a store written in parts (default: the number of cores); "
             "a one-process store goes on in one process",
    )
    group.add_argument(
        "--scheduler", metavar="tcp://HOST:PORT",
        help="run the parts on this dask.distributed scheduler (needs polyreg[scale])",
    )
    if store:
        group.add_argument(
            "--parts", type=positive_int, metavar="K",
            help="cut the domain into K parts (default per worker: 4 up to 2 inputs, 2 for 3, "
                 "else 1)",
        )
        group.add_argument(
            "--commit-every", type=positive_int, metavar="N", default=1000,
            help="with --store and one process: commit after N regions found (or 2 s), "
                 "default 1000; a crash loses at most the work since the last commit",
        )


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add ``--store/--workers/--scheduler/--parts`` to ``count`` and ``enumerate``, and the
    ``resume`` and ``export`` sub-commands."""
    for name in ("count", "enumerate"):
        parser = subparsers.choices.get(name)
        if parser is not None:
            _scale_options(parser)
            parser.set_defaults(scaled=run_scaled)
    resume = subparsers.add_parser(
        "resume", help="continue an interrupted run from its --store file",
        description="Continue a run from its region store (after kill -9, a crash or Ctrl-C); "
                    "ends with exactly the regions of an uninterrupted run.",
    )
    resume.add_argument("store", metavar="RUN.sqlite")
    _scale_options(resume, store=False)
    resume.add_argument("--json", action="store_true", help="print the summary as JSON")
    resume.add_argument("--quiet", action="store_true", help="no progress on stderr")
    add_progress_option(resume)
    add_budget_options(resume, "this session")
    resume.set_defaults(handler=_resume)
    export = subparsers.add_parser(
        "export", help="write a store's regions and edges as JSON, GraphML or .npz",
        description="Export the regions and edges of a region store.",
    )
    export.add_argument("store", metavar="RUN.sqlite")
    export.add_argument("--format", choices=["json", "graphml", "npz"],
                        help="output format (default: from --out's suffix, else json)")
    export.add_argument("--out", metavar="FILE",
                        help="output file (default: the store's name with the format's suffix)")
    export.add_argument("--json", action="store_true", help="print the summary as JSON")
    export.set_defaults(handler=_export)


def large_run(net: Network, domain: Domain, seed: int = 0) -> bool:
    """Whether a pilot sample of :data:`PILOT_POINTS` random points meets at least
    :data:`PILOT_DISTINCT` distinct patterns (then worker processes pay their start-up).

    Examples
    --------
    >>> import polyreg
    >>> large_run(polyreg.random_network([2, 4, 1], seed=0), polyreg.Box.cube(2))
    False
    """
    pts = sample(domain, PILOT_POINTS, np.random.default_rng(seed))
    return np.unique(np.packbits(net.pattern(pts), axis=1), axis=0).shape[0] >= PILOT_DISTINCT


def _print(summary: dict, as_json: bool, extra: list[str] | None = None) -> None:
    if as_json:
        print(json.dumps(summary))
        return
    text = format_summary(summary)
    print(text)
    first = text.splitlines()[0]
    key = first.split()[0]
    width = len(first) - len(first[len(key):].lstrip()) - 2  # the table's key column
    for key in ("workers", "parts", "store"):
        if key in summary and not (key in ("workers", "parts") and summary[key] == 1):
            print(f"{key:<{width}}  {summary[key]}")
    if "complete" in summary and not summary["complete"] and "store" in summary:
        print(f"(incomplete: continue it with `polyreg resume {summary['store']}`)")
    for line in extra or []:
        print(line)


def run_scaled(
    args: argparse.Namespace, net: Network, domain: Domain, out: Path | None
) -> int | None:
    """``count``/``enumerate`` with the scale options; None hands the run back to
    ``cli._run`` (with ``args.engine_options`` set, and ``args.method`` set to ``traverse``
    when a scale option selected it)."""
    from ..budget import BudgetNotSupported, check_engine
    from .common import budget_options
    from ..scale.processes import default_workers
    from ..scale.store import RegionStore, export, run_parts, run_walk
    from ..scale.stream import count_streaming

    explicit = any(getattr(args, k, None) is not None
                   for k in ("store", "workers", "scheduler", "parts"))
    budget = budget_options(args)
    # --workers alone (no store, scheduler, parts or budget) with the branch engine, named or
    # auto's choice: branch runs its own process pool (polyreg.scale.branchpool)
    only_workers = args.workers is not None and not budget and all(
        getattr(args, k, None) is None for k in ("store", "scheduler", "parts"))
    if only_workers and args.method in ("branch", "auto"):
        from ..engines.auto import choose

        if args.method == "branch" or choose(net, domain) == "branch":
            args.engine_options = {"workers": args.workers}
            return None
    if args.method not in ("traverse", "auto"):
        if explicit:
            raise OptionError("--store, --workers, --scheduler and --parts run the traverse "
                              f"engine: use --method traverse (or auto), not {args.method}")
        return None
    if args.method == "auto":
        from ..engines.auto import choose

        if not explicit and not budget and choose(net, domain) != "traverse":
            return None  # auto's own choice (skeleton, planar, ...) is faster here
    linear = getattr(args, "linear", False)
    if budget:
        if linear:
            raise BudgetNotSupported("--linear needs every region (merging part of them bounds "
                             "nothing): drop --max-regions/--time-limit")
        if (args.workers or 1) > 1 or args.scheduler is not None or args.parts not in (None, 1):
            check_engine("traverse", parallel=True)
        args.workers = 1  # a budget runs in one process
    progress = progress_option(args)
    client = args.scheduler
    workers = args.workers
    if workers is None and client is None:
        workers = default_workers() if args.parts is not None or large_run(net, domain) else 1
    if args.store is not None:
        if linear:
            raise OptionError(
                "--linear is not available with --store (export the store and use polyreg.graph)"
            )
        one = workers == 1 and client is None and args.parts in (None, 1)
        with RegionStore.create(args.store, net, domain, chebyshev=args.command == "enumerate",
                                mode="walk" if one else "parts",
                                network_path=args.network) as store:
            if one:
                summary = run_walk(store, progress=progress, batch=args.commit_every, **budget)
            else:
                summary = run_parts(store, workers=workers, client=client, parts=args.parts,
                                    progress=progress)
            extra = []
            if out is not None:
                fmt = getattr(args, "out_format", "json")
                if fmt == "node-link":
                    from .count import write_regions

                    write_regions(store.to_region_set(), net, out, fmt)
                else:  # the formats of `polyreg export`
                    export(store, out, fmt)
                extra.append(f"wrote {summary['regions']:,} regions and {summary['edges']:,} "
                             f"edges to {out}")
        summary["method"] = args.method
        _print(summary, args.json, extra)
        return 0
    if args.command == "count" and not linear:
        summary = count_streaming(net, domain, workers=workers, client=client, parts=args.parts,
                                  progress=progress, **budget)
        summary["method"] = args.method
        _print(summary, args.json)
        return 0
    if workers != 1 or client is not None or args.parts is not None:
        args.method = "traverse"  # the engine that runs in parallel
        args.engine_options = {"workers": workers, "client": client, "parts": args.parts}
    return None


def _resume(args: argparse.Namespace) -> int:
    from .common import budget_options
    from ..scale.store import resume

    progress = progress_option(args)
    summary = resume(args.store, workers=args.workers, client=args.scheduler, progress=progress,
                     **budget_options(args))
    _print(summary, args.json)
    return 0


_SUFFIX = {"json": ".json", "graphml": ".graphml", "npz": ".npz"}


def _export(args: argparse.Namespace) -> int:
    from ..scale.store import RegionStore, export

    fmt = args.format
    if fmt is None:
        suffix = Path(args.out).suffix.lower() if args.out else ""
        fmt = {v: k for k, v in _SUFFIX.items()}.get(suffix, "json")
    out = Path(args.out) if args.out else Path(args.store).with_suffix(_SUFFIX[fmt])
    with RegionStore.open(args.store) as store:
        # the default output (the store's name with the format's suffix) may be the store
        what = "--out" if args.out else f"the default output (the store's name with {out.suffix})"
        refuse_same_file([(what, out)],
                         [("the store", args.store), ("the store's network",
                                                      store.params.get("network_path"))])
        summary = store.summary()
        if not store.complete:
            print(f"polyreg: warning: the run in {args.store} is incomplete (`polyreg resume` "
                  "it first for every region)", file=sys.stderr)
        export(store, out, fmt)
    if args.json:
        print(json.dumps({**summary, "out": str(out), "format": fmt}))
    else:
        print(f"wrote {summary['regions']:,} regions and {summary['edges']:,} edges to {out}")
    return 0
