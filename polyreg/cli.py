"""Command line: ``polyreg <command>``, a thin layer over :func:`polyreg.enumerate_regions`.

Commands
--------
``count NET.npz DOMAIN [--method M] [--max-regions N] [--time-limit S] [--json] [--quiet]``
    Count the activation regions of a network inside a domain.
``enumerate NET.npz DOMAIN --out FILE [--format F] [--method M] [--max-regions N]
[--time-limit S] [--json] [--quiet]``
    Write every region and every shared facet: JSON (``RegionSet.to_dict``), GraphML, ``.npz``
    or node-link JSON, chosen by the extension or ``--format``.

``--max-regions``/``--time-limit`` are a budget (:mod:`polyreg.budget`): a stopped run exits
with status 0 and reports ``"complete": false`` (the regions found are a lower bound).
``--progress/--no-progress`` force the progress line on stderr on or off.

``DOMAIN`` is exactly one of ``--box LO HI``, ``--ball R --center C [--norm 1|2|inf]``,
``--polytope FILE.npz`` (arrays ``A``, ``b``: the set ``A x <= b``) or ``--whole``.

Exit status: 0 on success; 2 on a usage error (argparse) or on bad input of any kind (missing or
malformed file, empty box, radius <= 0, wrong dimension, unbounded polytope, any
:class:`~polyreg.errors.PolyregError`), reported as one line ``polyreg: error: <message>`` on
stderr; 130 when interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import sys
from pathlib import Path
from collections.abc import Sequence

import numpy as np

from . import npyfile
from ._files import check_output, open_output, refuse_same_file
from .api import enumerate_regions
from .tolerances import EXACT_MODES, Tolerances
from .domains import Ball, Box, Domain, Polytope, Whole
from .errors import PolyregError, SolverFailed, ToleranceError
from .network import Network
from .regions import RegionSet

PROG = "polyreg"

#: Exit status for bad input (the same status argparse uses for usage errors).
EXIT_BAD_INPUT = 2
EXIT_UNCERTIFIED = 1

#: modules ``polyreg.<name>`` that add sub-commands: each has ``add_parsers(subparsers)`` and sets
#: ``handler=callable(args) -> int`` on its parsers with ``set_defaults``; a handler raises
#: ``PolyregError``/``ValueError``/``OSError`` for bad input and never imports optional
#: dependencies at module import time
COMMAND_MODULES: list[str] = [
    "cli_import", "cli_bounds", "cli_fixtures", "cli_plot", "cli_scale", "cli_lowdim"
]


class InputError(ValueError):
    """A command-line value that cannot be turned into a network or a domain."""


class _Parser(argparse.ArgumentParser):
    """``ArgumentParser`` that takes ``-1,-0.5`` and ``-inf`` as values, not as options.

    argparse only recognises plain negative numbers (``-1``, ``-.5``) as values; coordinate
    lists such as ``--box -1,-2 1,2`` would otherwise be read as unknown options.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # argparse's own arguments
        self._negative_number_matcher = re.compile(r"^-(\.?\d|inf|nan)", re.IGNORECASE)


# ---------------------------------------------------------------------------- values
def parse_numbers(text: str, name: str) -> np.ndarray:
    """Parse ``"0.5"`` or ``"1,-2,3.5"`` into a 1-D float array.

    Parameters
    ----------
    text : str
        One number, or numbers separated by commas.
    name : str
        Name used in the error message (e.g. ``"--box LO"``).

    Returns
    -------
    ndarray, shape (k,)

    Raises
    ------
    InputError
        When a piece is not a finite number.

    Examples
    --------
    >>> parse_numbers("1,-2.5", "--box LO").tolist()
    [1.0, -2.5]
    >>> parse_numbers("x", "--box LO")
    Traceback (most recent call last):
    ...
    polyreg.cli.InputError: --box LO: 'x' is not a number
    """
    values = []
    for piece in text.split(","):
        try:
            value = float(piece.strip())
        except ValueError:
            raise InputError(f"{name}: {piece.strip()!r} is not a number") from None
        if not np.isfinite(value):
            raise InputError(f"{name}: {piece.strip()!r} is not a finite number")
        values.append(value)
    return np.array(values, dtype=np.float64)


def _expand(values: np.ndarray, d: int) -> np.ndarray:
    """A single number stands for every one of the ``d`` coordinates."""
    return np.full(d, values[0]) if values.size == 1 else values


def load_center(text: str, d: int) -> np.ndarray:
    """The ``--center`` value: a comma-separated list or a ``.npy`` file holding a 1-D array.

    Parameters
    ----------
    text : str
        ``"0.1,0.2"`` or a path; a value ending in ``.npy`` or naming an existing file is a path.
    d : int
        The network's number of inputs (the centre must have exactly ``d`` coordinates).

    Returns
    -------
    ndarray, shape (d,)

    Raises
    ------
    InputError
        Missing or unreadable file, not a 1-D numeric array, or not ``d`` coordinates.
    """
    if text.endswith(".npy") or os.path.isfile(text):
        if not os.path.isfile(text):
            raise InputError(f"--center: file {text!r} does not exist")
        try:
            arr = npyfile.load(text)
        except Exception as exc:  # numpy raises ValueError, OSError, EOFError, ...
            raise InputError(f"--center: cannot read {text!r} as a .npy array: {exc}") from exc
        if not isinstance(arr, np.ndarray) or arr.ndim != 1:
            shape = getattr(arr, "shape", None)
            raise InputError(f"--center: {text!r} must hold a 1-D array, got shape {shape}")
        if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
            raise InputError(f"--center: {text!r} holds {arr.dtype} values, not real numbers")
        center = arr.astype(np.float64)
    else:
        center = parse_numbers(text, "--center")
    if center.size != d:
        raise InputError(
            f"--center has {center.size} coordinate(s) but the network takes {d} inputs"
        )
    return center


def load_polytope(path: str) -> Polytope:
    """Read ``A`` (shape ``(m, d)``) and ``b`` (shape ``(m,)``) from an ``.npz`` file.

    Raises
    ------
    InputError
        Missing or unreadable file, or arrays ``A`` / ``b`` absent.
    polyreg.errors.InvalidDomain
        Empty, lower-dimensional or unbounded polytope, or malformed arrays.
    """
    if not os.path.isfile(path):
        raise InputError(f"--polytope: file {path!r} does not exist")
    try:
        arrays = npyfile.load_npz(path)
    except Exception as exc:  # zipfile, pickle, size and format errors of every kind
        raise InputError(f"--polytope: cannot read {path!r} as an .npz file: {exc}") from exc
    missing = [key for key in ("A", "b") if key not in arrays]
    if missing:
        raise InputError(f"--polytope: {path!r} lacks array(s) {', '.join(missing)}")
    return Polytope(arrays["A"], arrays["b"])


def build_domain(args: argparse.Namespace, d: int) -> Domain:
    """The domain selected on the command line, for a network with ``d`` inputs.

    Raises
    ------
    InputError, polyreg.errors.InvalidDomain
        When the values do not describe a valid domain.
    """
    if args.box is not None:
        lo = _expand(parse_numbers(args.box[0], "--box LO"), d)
        hi = _expand(parse_numbers(args.box[1], "--box HI"), d)
        for name, vec in (("LO", lo), ("HI", hi)):
            if vec.size != d:
                raise InputError(
                    f"--box {name} has {vec.size} coordinates but the network takes {d} inputs"
                )
        return Box(lo, hi)
    if args.ball is not None:
        if args.center is None:
            raise InputError("--ball needs --center C (a comma-separated list or a .npy file)")
        radius = parse_numbers(args.ball, "--ball R")
        if radius.size != 1:
            raise InputError(f"--ball R must be one number, got {args.ball!r}")
        if radius[0] <= 0:
            raise InputError(f"--ball radius must be positive, got {args.ball}")
        return Ball(load_center(args.center, d), float(radius[0]), norm=args.norm)
    if args.polytope is not None:
        return load_polytope(args.polytope)
    return Whole(d)


# ---------------------------------------------------------------------------- output
#: vectors longer than this are abbreviated in tables (first and last ``VECTOR_ENDS`` values);
#: JSON output always holds every value
VECTOR_MAX = 8
VECTOR_ENDS = 3


def format_vector(values: Sequence[float] | np.ndarray, fmt: str = "g") -> str:
    """A vector for a table: every value up to :data:`VECTOR_MAX`, else the first and last
    :data:`VECTOR_ENDS` with the length.

    Examples
    --------
    >>> format_vector([0.0, 0.5])
    '[0, 0.5]'
    >>> format_vector(range(64))
    '[0, 1, 2, ..., 61, 62, 63] (64 values)'
    """
    vals = [float(v) for v in np.ravel(np.asarray(values, dtype=float))]
    if len(vals) <= VECTOR_MAX:
        return "[" + ", ".join(f"{v:{fmt}}" for v in vals) + "]"
    head = ", ".join(f"{v:{fmt}}" for v in vals[:VECTOR_ENDS])
    tail = ", ".join(f"{v:{fmt}}" for v in vals[-VECTOR_ENDS:])
    return f"[{head}, ..., {tail}] ({len(vals)} values)"


def _fmt_vector(values: list[float]) -> str:
    return format_vector(values)


def describe_domain(desc: dict) -> str:
    """One line for a domain's ``describe()`` dict.

    Examples
    --------
    >>> describe_domain({"type": "box", "lo": [-1.0, -1.0], "hi": [1.0, 1.0]})
    'box [-1, 1]^2'
    >>> describe_domain({"type": "ball", "center": [0.0, 0.5], "radius": 0.25, "norm": "inf"})
    'Linf ball, radius 0.25, centre [0, 0.5]'
    """
    kind = desc.get("type")
    if kind == "box":
        lo, hi = desc["lo"], desc["hi"]
        if len(set(lo)) == 1 and len(set(hi)) == 1:
            return f"box [{lo[0]:g}, {hi[0]:g}]^{len(lo)}"
        return f"box lo={_fmt_vector(lo)} hi={_fmt_vector(hi)}"
    if kind == "ball":
        centre = _fmt_vector(desc["center"])
        return f"L{desc['norm']} ball, radius {desc['radius']:g}, centre {centre}"
    if kind == "polytope":
        return f"polytope, {len(desc['b'])} facets in R^{len(desc['A'][0]) if desc['A'] else '?'}"
    if kind == "whole":
        return f"all of R^{desc['dim']}"
    return json.dumps(desc)


def format_summary(summary: dict) -> str:
    """A short human-readable table of :meth:`RegionSet.summary`."""
    from .budget import count_text

    rows: list[tuple[str, str]] = [
        ("regions", count_text(summary)),
        ("edges", "not computed" if summary.get("edges_computed") is False
         else f"{summary['edges']:,}"),
        ("network", "-".join(str(w) for w in summary["widths"])),
        ("domain", describe_domain(summary["domain"])),
        ("method", str(summary.get("engine", summary["method"]))),
    ]
    if "linear_regions" in summary:
        rows.insert(1, ("linear regions", f"{summary['linear_regions']:,}"))
    if "lps" in summary or "socps" in summary:
        rows.append(("LPs / SOCPs", f"{summary.get('lps', 0):,} / {summary.get('socps', 0):,}"))
    if summary.get("exact_decisions"):
        rows.append(("exact decisions", f"{summary['exact_decisions']:,} "
                     f"({summary.get('exact_seconds', 0.0):.3g} s, rational arithmetic)"))
    if "stable_neurons" in summary:
        rows.append(("stable neurons", str(summary["stable_neurons"])))
    if "seconds" in summary:
        rows.append(("seconds", f"{summary['seconds']:.3g}"))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def write_json_atomic(data: dict, path: Path) -> None:
    """Write ``data`` as JSON to ``path`` through :func:`polyreg._files.open_output`: a
    temporary file in the same directory renamed over a regular file (never left
    half-written; a symbolic link's target is written), streamed into a device or FIFO.
    """
    with open_output(path) as handle:
        json.dump(data, handle, allow_nan=False)
        handle.write("\n")


def _check_out(path: Path, what: str = "--out") -> None:
    """Fail before a long run when ``--out`` cannot be written."""
    check_output(path, what)


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
    polyreg.cli.InputError: --out 'x.txt': cannot tell the format from the extension '.txt': ...
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
    from .graph import region_graph, write_graph

    g = region_graph(regions, net, volumes=False, facet_areas=False)
    write_graph(g, path, "json" if fmt == "node-link" else fmt)


# ---------------------------------------------------------------------------- parser
#: the names of ``polyreg.engines.ENGINES``, kept here so that building the parser imports no
#: engine (and so no solver); a test checks they agree
ENGINE_NAMES = ("auto", "branch", "homog", "line", "milp", "planar", "skeleton", "split", "traverse")


def _engine_names() -> list[str]:
    return list(ENGINE_NAMES)


def _add_common(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("network", metavar="NET.npz", help="network file (arrays W0, b0, W1, b1, ...)")
    group = sub.add_argument_group("domain (exactly one)")
    domain = group.add_mutually_exclusive_group(required=True)
    domain.add_argument(
        "--box", nargs=2, metavar=("LO", "HI"),
        help="box LO <= x <= HI; each a number (every coordinate) or a comma-separated list",
    )
    domain.add_argument(
        "--ball", metavar="R", help="ball of radius R > 0 around --center, in the --norm norm"
    )
    domain.add_argument(
        "--polytope", metavar="FILE.npz",
        help="bounded polytope A x <= b from arrays A (m x d) and b (m) in FILE.npz",
    )
    domain.add_argument("--whole", action="store_true", help="all of R^d (unbounded regions)")
    group.add_argument(
        "--center", metavar="C",
        help="centre of --ball: a comma-separated list or a .npy file holding a 1-D array",
    )
    group.add_argument(
        "--norm", choices=["1", "2", "inf"], default="2", help="norm of --ball (default: 2)"
    )
    sub.add_argument(
        "--method", default="auto", choices=_engine_names(),
        help="enumeration engine (default: auto, the fastest exact one for the domain)",
    )
    sub.add_argument(
        "--json", action="store_true", help="print one JSON object (the summary) on stdout"
    )
    sub.add_argument("--quiet", action="store_true", help="no progress line on stderr")
    add_progress_option(sub)
    add_exact_arg(sub)
    sub.add_argument(
        "--linear", action="store_true",
        help="also count linear regions (adjacent regions with equal affine maps merged)",
    )
    add_budget_options(sub)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer ``>= 1`` (``--max-regions``, ``--workers``, ``--parts``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_progress_option(sub: argparse.ArgumentParser) -> None:
    """``--progress/--no-progress``: force the progress line on or off."""
    sub.add_argument(
        "--progress", action=argparse.BooleanOptionalAction, default=None,
        help="force the progress line on stderr on (also when stderr is not a terminal, and "
             "with --json) or off (default: on when stderr is a terminal, off with --quiet or "
             "--json)",
    )


def progress_option(args: argparse.Namespace) -> bool | None:
    """The ``progress`` argument of the API for a command: ``--progress``/``--no-progress``
    when given, else False with ``--quiet``/``--json``, else None (when stderr is a terminal)."""
    forced = getattr(args, "progress", None)
    if forced is not None:
        return bool(forced)
    return False if (getattr(args, "quiet", False) or getattr(args, "json", False)) else None


def add_budget_options(sub: argparse.ArgumentParser, what: str = "the enumeration") -> None:
    """``--max-regions N`` and ``--time-limit SECONDS`` (see :mod:`polyreg.budget`)."""
    group = sub.add_argument_group(
        "budget (stop cleanly; the regions found are then a lower bound, \"complete\": false)")
    group.add_argument("--max-regions", type=positive_int, metavar="N",
                       help=f"stop {what} once at least N regions are found")
    group.add_argument("--time-limit", type=_positive_float, metavar="SECONDS",
                       help=f"stop {what} after this many seconds")


def budget_options(args: argparse.Namespace) -> dict:
    """``{"max_regions": ..., "time_limit": ...}`` from the command line (empty: no budget)."""
    out = {}
    for key in ("max_regions", "time_limit"):
        value = getattr(args, key, None)
        if value is not None:
            out[key] = value
    return out


def add_exact_arg(sub: argparse.ArgumentParser) -> None:
    """``--exact {auto,never,always}``: :attr:`polyreg.Tolerances.exact`."""
    sub.add_argument(
        "--exact", choices=EXACT_MODES, default="auto",
        help="decisions float64 cannot make: auto (default) settles them in exact rational "
        "arithmetic, never stops with exit status 1, always re-decides every one exactly "
        "(slow reference mode)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The ``polyreg`` argument parser (one sub-parser per command)."""
    parser = _Parser(
        prog=PROG,
        description="Exact activation regions of ReLU networks.",
        epilog="Exit status: 0 success, 2 bad input or usage.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    subs = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    count = subs.add_parser(
        "count", help="count activation regions in a domain",
        description="Count the activation regions of a network inside a domain.",
    )
    _add_common(count)
    enum = subs.add_parser(
        "enumerate", help="write every region and shared facet as JSON",
        description="Enumerate the activation regions and their adjacency; write them as JSON.",
    )
    _add_common(enum)
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
    for name in COMMAND_MODULES:
        importlib.import_module(f".{name}", __package__).add_parsers(subs)
    return parser


def _version() -> str:
    from . import __version__

    return __version__


# ---------------------------------------------------------------------------- commands
#: options naming files a command reads / writes (checked by :func:`refuse_same_file`)
INPUT_OPTIONS = (("network", "the network"), ("model", "the model"), ("store", "the store"),
                 ("polytope", "the --polytope file"), ("center", "the --center file"),
                 ("points", "the --points file"), ("labels", "the --labels file"))
OUTPUT_OPTIONS = (("out", "--out"), ("plot", "--plot"))


def command_inputs(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    """``(name, path)`` of the files the command reads (:data:`INPUT_OPTIONS`; ``--store``
    of ``count``/``enumerate`` is an output, see :func:`command_outputs`)."""
    out: list[tuple[str, str | None]] = []
    for key, name in INPUT_OPTIONS:
        value = getattr(args, key, None)
        if not isinstance(value, str):
            continue
        if key == "store" and args.command in ("count", "enumerate"):
            continue
        if key == "center" and not os.path.isfile(value):
            continue  # a list of numbers, not a file
        out.append((name, value))
    return out


def command_outputs(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    """``(name, path)`` of the files the command writes."""
    out = [(name, getattr(args, key, None)) for key, name in OUTPUT_OPTIONS]
    if args.command in ("count", "enumerate"):
        out.append(("--store", getattr(args, "store", None)))
    return [(n, p) for n, p in out if isinstance(p, str)]


def _prepare(args: argparse.Namespace) -> tuple[Network, Domain, Path | None]:
    """Validate every input before any long computation starts."""
    if args.center is not None and args.ball is None:
        raise InputError("--center is only used with --ball")
    out = Path(args.out) if args.command == "enumerate" else None
    if out is not None:
        _check_out(out)
    refuse_same_file(command_outputs(args), command_inputs(args))
    if out is not None:
        args.out_format = out_format(out, getattr(args, "format", None))
    net = Network.load(args.network)
    domain = build_domain(args, net.n_inputs).for_inputs(net.n_inputs)
    return net, domain, out


def _run(args: argparse.Namespace, net: Network, domain: Domain, out: Path | None) -> int:
    scaled = getattr(args, "scaled", None)  # --store / --workers / --scheduler (cli_scale)
    if scaled is not None and (status := scaled(args, net, domain, out)) is not None:
        return status
    progress = progress_option(args)
    options = dict(getattr(args, "engine_options", {}))
    if args.command == "count" and args.method == "traverse":
        options["chebyshev"] = False  # a count needs certified interior points, not centres
    budget = budget_options(args)
    if budget and getattr(args, "linear", False):
        from .budget import BudgetNotSupported

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
        from .graph import linear_regions

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


def _error(exc: BaseException) -> int:
    """Print one line for ``exc``; exit 1 when the computation could not be certified
    (solver failure, tolerance), 2 for bad input."""
    message = " ".join(str(exc).split()) or type(exc).__name__
    print(f"{PROG}: error: {message}", file=sys.stderr)
    if isinstance(exc, (SolverFailed, ToleranceError)):
        return EXIT_UNCERTIFIED
    return EXIT_BAD_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``polyreg`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 on success, 2 on bad input (one line ``polyreg: error: ...`` on stderr),
        1 when a solver failed or a decision fell between the tolerances, 130 when interrupted.
        Usage errors exit through argparse with status 2.

    Examples
    --------
    >>> import os, tempfile, polyreg
    >>> net = polyreg.Network.from_layers([([[1.0], [-1.0]], [0.0, 0.5]), ([[1.0, 1.0]], [0.0])])
    >>> path = os.path.join(tempfile.mkdtemp(), "net.npz"); net.save(path)
    >>> main(["count", path, "--box", "-1", "1", "--json"])  # doctest: +ELLIPSIS
    {"regions": 3, "edges": 2, ...}
    0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    try:
        if handler is not None:
            try:
                refuse_same_file(command_outputs(args), command_inputs(args))
                return int(handler(args))
            except (PolyregError, ValueError, OSError) as exc:
                return _error(exc)
        try:
            # bad input of every kind: files, numbers, domains (ValueError included)
            net, domain, out = _prepare(args)
        except (PolyregError, ValueError, OSError) as exc:
            return _error(exc)
        try:
            return _run(args, net, domain, out)
        except (PolyregError, OSError) as exc:
            # PolyregError includes SolverFailed / ToleranceError; any other exception here
            # is a bug and keeps its traceback
            return _error(exc)
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
