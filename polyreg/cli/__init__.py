"""Command line: ``polyreg <command>``, a thin layer over the library (the top layer: nothing in
polyreg imports it).

One module per command family, each with ``add_parsers(subparsers)``:

==================================  ========================================================
module                              commands
==================================  ========================================================
:mod:`polyreg.cli.count`            ``count``, ``enumerate``
:mod:`polyreg.cli.scale`            ``--store``/``--workers``/``--scheduler``/``--parts`` of
                                    those two, ``resume``, ``export``
:mod:`polyreg.cli.lowdim`           ``path``, ``slice``
:mod:`polyreg.cli.bounds`           ``margin``, ``robustness``, ``bounds``, ``around``
:mod:`polyreg.cli.plot`             ``plot``
:mod:`polyreg.cli.importer`         ``import``
:mod:`polyreg.cli.fixtures`         ``fixtures``, ``verify-fixtures``
==================================  ========================================================

:mod:`polyreg.cli.common` holds what they share: number, point and domain parsing, the argument
blocks (network, domain, ``--json``/``--quiet``/``--progress``, budget, ``--exact``), the
summary table, the files a command reads and writes.

``--max-regions``/``--time-limit`` are a budget (:mod:`polyreg.budget`): a stopped run exits
with status 0 and reports ``"complete": false`` (the regions found are a lower bound).
``--progress/--no-progress`` force the progress line on stderr on or off.

Exit status: 0 on success; 2 on a usage error (argparse) or on bad input of any kind (missing or
malformed file, empty box, radius <= 0, wrong dimension, unbounded polytope, any
:class:`~polyreg.errors.PolyregError`), reported as one line ``polyreg: error: <message>`` on
stderr; 1 when a solver failed or a decision fell between the tolerances; 130 when interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .._files import refuse_same_file
from ..errors import PolyregError, SolverFailed, ToleranceError
from .common import (  # noqa: F401  (the names of the former module polyreg/cli.py)
    ENGINE_NAMES,
    EXIT_BAD_INPUT,
    EXIT_UNCERTIFIED,
    INPUT_OPTIONS,
    OUTPUT_OPTIONS,
    PROG,
    VECTOR_ENDS,
    VECTOR_MAX,
    InputError,
    _Parser,
    add_budget_options,
    add_exact_arg,
    add_progress_option,
    budget_options,
    build_domain,
    command_inputs,
    command_outputs,
    describe_domain,
    format_summary,
    format_vector,
    load_center,
    load_polytope,
    parse_numbers,
    positive_int,
    progress_option,
    write_json_atomic,
)
from .count import OUT_FORMATS, OUT_SUFFIXES, out_format, write_regions  # noqa: F401

#: modules ``polyreg.cli.<name>`` that add sub-commands, in ``--help`` order: each has
#: ``add_parsers(subparsers)``; all but ``count`` set ``handler=callable(args) -> int`` on their
#: parsers with ``set_defaults``; a handler raises ``PolyregError``/``ValueError``/``OSError``
#: for bad input and never imports optional dependencies at module import time
COMMAND_MODULES: list[str] = ["count", "importer", "bounds", "fixtures", "plot", "scale", "lowdim"]


def build_parser() -> argparse.ArgumentParser:
    """The ``polyreg`` argument parser (one sub-parser per command, :data:`COMMAND_MODULES`).

    Examples
    --------
    >>> build_parser().parse_args(["count", "net.npz", "--whole"]).method
    'auto'
    """
    parser = _Parser(
        prog=PROG,
        description="Exact activation regions of ReLU networks.",
        epilog="Exit status: 0 success, 2 bad input or usage.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    subs = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f".{name}", __name__).add_parsers(subs)
    return parser


def _version() -> str:
    from .. import __version__

    return __version__


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
    {"regions": 3, ...}
    0
    """
    from .count import prepare, run

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
            # count / enumerate: bad input of every kind, files, numbers, domains (ValueError
            # included), is refused before the run starts
            net, domain, out = prepare(args)
        except (PolyregError, ValueError, OSError) as exc:
            return _error(exc)
        try:
            return run(args, net, domain, out)
        except (PolyregError, OSError) as exc:
            # PolyregError includes SolverFailed / ToleranceError; any other exception here
            # is a bug and keeps its traceback
            return _error(exc)
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
