"""What every ``polyreg`` command shares: parsing numbers, points and domains, the shared
argument blocks (network, domain, ``--json``/``--quiet``/``--progress``, budget, ``--exact``),
the summary table and the files a command reads and writes.

``DOMAIN`` on the command line is exactly one of ``--box LO HI``, ``--ball R --center C
[--norm 1|2|inf]``, ``--polytope FILE.npz`` (arrays ``A``, ``b``: the set ``A x <= b``) or
``--whole`` (:func:`add_domain_args`, read by :func:`build_domain`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path
from collections.abc import Callable, Sequence

import numpy as np

from .. import npyfile
from .._files import check_output, open_output
from ..tolerances import EXACT_MODES
from ..domains import Ball, Box, Domain, Polytope, Whole

PROG = "polyreg"

#: the norms of ``--ball`` and ``--norm`` (``polyreg.Ball``'s ``norm``)
NORMS = ["1", "2", "inf"]

#: Exit status for bad input (the same status argparse uses for usage errors).
EXIT_BAD_INPUT = 2
EXIT_UNCERTIFIED = 1


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
    polyreg.cli.common.InputError: --box LO: 'x' is not a number
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


def expand(values: np.ndarray, d: int) -> np.ndarray:
    """A single number stands for every one of the ``d`` coordinates.

    Examples
    --------
    >>> expand(np.array([0.5]), 3).tolist(), expand(np.array([1.0, 2.0]), 2).tolist()
    ([0.5, 0.5, 0.5], [1.0, 2.0])
    """
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
        arr = load_array(text, "--center")
        if arr.ndim != 1:
            raise InputError(f"--center: {text!r} must hold a 1-D array, got shape {arr.shape}")
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


def load_array(path: str, flag: str) -> np.ndarray:
    """The single array in the ``.npy`` file ``path`` given to option ``flag`` (read safely,
    :mod:`polyreg.npyfile`); :class:`InputError` naming ``flag`` when it cannot be read."""
    if not os.path.isfile(path):
        raise InputError(f"{flag}: file {path!r} does not exist")
    try:
        arr = npyfile.load(path)
    except Exception as exc:  # numpy raises ValueError, OSError, EOFError, ...
        raise InputError(f"{flag}: cannot read {path!r} as a .npy array: {exc}") from exc
    if not isinstance(arr, np.ndarray):
        raise InputError(f"{flag}: {path!r} is not a single .npy array")
    return arr


def load_labels(path: str, n: int) -> list[str]:
    """``--labels``: ``n`` labels (numbers or strings) from a ``.npy`` file, as strings."""
    arr = load_array(path, "--labels")
    if arr.ndim != 1 or arr.shape[0] != n:
        raise InputError(f"--labels: {path!r} must hold {n} labels (one per point), got shape {arr.shape}")
    if arr.dtype.kind not in "biufUS":
        raise InputError(f"--labels: {path!r} holds {arr.dtype} values, not numbers or strings")
    return [v.decode() if isinstance(v, bytes) else str(v) for v in arr.tolist()]


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
        lo = expand(parse_numbers(args.box[0], "--box LO"), d)
        hi = expand(parse_numbers(args.box[1], "--box HI"), d)
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
    from ..budget import count_text

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


def check_out(path: Path, what: str = "--out") -> None:
    """Fail before a long run when ``--out`` cannot be written (:func:`polyreg._files.check_output`)."""
    check_output(path, what)


_check_out = check_out  # the name cli modules used before the cli package


# ---------------------------------------------------------------------------- parser
#: the names of ``polyreg.engines.ENGINES``, kept here so that building the parser imports no
#: engine (and so no solver); a test checks they agree
ENGINE_NAMES = ("auto", "branch", "homog", "line", "milp", "planar", "skeleton", "split", "traverse")


def engine_names() -> list[str]:
    """The ``--method`` choices (:data:`ENGINE_NAMES`)."""
    return list(ENGINE_NAMES)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    return value


def at_least(minimum: int) -> Callable[[str], int]:
    """argparse type: an integer ``>= minimum``.

    Examples
    --------
    >>> at_least(16)("32")
    32
    >>> at_least(16)("8")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be at least 16, got 8
    """
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


#: argparse type: an integer ``>= 1`` (``--max-regions``, ``--workers``, ``--parts``)
positive_int = at_least(1)


def add_network_arg(sub: argparse.ArgumentParser) -> None:
    """The positional ``NET.npz`` every command on a network takes."""
    sub.add_argument("network", metavar="NET.npz", help="network file (arrays W0, b0, W1, b1, ...)")


def add_domain_args(sub: argparse.ArgumentParser) -> None:
    """The domain flags (exactly one of ``--box``, ``--ball``, ``--polytope``, ``--whole``, and
    ``--center``/``--norm`` of ``--ball``), read by :func:`build_domain`."""
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
        "--norm", choices=NORMS, default="2", help="norm of --ball (default: 2)"
    )


def add_report_args(sub: argparse.ArgumentParser, what: str = "one JSON object",
                    progress: bool = True) -> None:
    """``--json`` (print ``what`` on stdout) and, with ``progress``, ``--quiet`` and
    ``--progress/--no-progress`` (read by :func:`progress_option`)."""
    sub.add_argument("--json", action="store_true", help=f"print {what} on stdout")
    if progress:
        sub.add_argument("--quiet", action="store_true", help="no progress line on stderr")
        add_progress_option(sub)


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

