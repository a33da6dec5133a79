"""Command-line sub-commands for ground-truth fixtures (registered through ``COMMAND_MODULES``).

Commands
--------
``fixtures --out DIR [--only NAME ...] [--engine M] [--json]``
    Write the default fixture set (see :mod:`polyreg.fixtures`) to ``DIR``.
``verify-fixtures DIR [--engines M1,M2] [--only NAME ...] [--json]``
    Recompute every fixture with two engines and report drift; exit status 1 on drift.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .common import InputError, add_report_args

#: exit status of ``verify-fixtures`` when something drifted
EXIT_DRIFT = 1


def _engine_list(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [t.strip() for t in text.split(",") if t.strip()]
    if not names:
        raise InputError("--engines: give at least one engine name")
    return names


def _fixtures(args: argparse.Namespace) -> int:
    from ..fixtures import default_cases, write_fixtures

    cases = default_cases()
    if args.only:
        known = {c.name for c in cases}
        unknown = sorted(set(args.only) - known)
        if unknown:
            raise InputError(f"--only: no fixture named {', '.join(unknown)}; choose from "
                             f"{', '.join(sorted(known))}")
        cases = [c for c in cases if c.name in set(args.only)]
    out = Path(args.out)
    manifest = write_fixtures(out, cases, engine=args.engine)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    if args.json:
        print(json.dumps({"out": str(out), "fixtures": manifest["fixtures"],
                          "files": len(manifest["files"]) + 1, "bytes": size,
                          "generator_version": manifest["generator_version"],
                          "engine": manifest["engine"], "date": manifest["date"]}))
    else:
        print(f"wrote {len(manifest['fixtures'])} fixtures ({len(manifest['files']) + 1} files, "
              f"{size / 1024:.0f} KiB) to {out}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from ..fixtures import verify_fixtures

    def show(rep) -> None:
        if args.json:
            return
        engines = ", ".join(  # reasons for skipping are in the --json report
            f"{k} {v.split(':')[0]}" for k, v in rep.engines.items()
        )
        status = "ok   " if not rep.drift else "DRIFT"
        print(f"{status} {rep.name:<22} {engines}  ({rep.seconds:.2f} s)")
        for line in rep.drift:
            print(f"      - {line}")
        sys.stdout.flush()

    report = verify_fixtures(args.directory, _engine_list(args.engines), only=args.only or None,
                             on_fixture=show)
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        for line in report.drift:
            print(f"DRIFT {line}")
        total = len(report.fixtures)
        bad = sum(1 for f in report.fixtures if f.drift)
        print(f"{total - bad}/{total} fixtures ok" + ("" if report.ok else
                                                     f"; {report.n_drift} drift(s)"))
    return 0 if report.ok else EXIT_DRIFT


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add ``fixtures`` and ``verify-fixtures`` to the ``polyreg`` parser."""
    from .common import ENGINE_NAMES as ENGINES  # the names, without importing any engine

    p = subparsers.add_parser(
        "fixtures", help="write the ground-truth fixture set",
        description="Write a versioned set of ground-truth files: networks (.npz), domains, "
        "exact counts, patterns with interior points, adjacency, margins, linear-region counts, "
        "a JSON schema and MANIFEST.json (sha256 of every file). The directory is replaced "
        "atomically; an existing one must be empty or hold a fixture set.",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    p.add_argument("--only", nargs="+", metavar="NAME", help="only these fixtures")
    p.add_argument("--engine", default="traverse", choices=sorted(ENGINES),
                   help="engine computing the answers (default: traverse)")
    add_report_args(p, progress=False)
    p.set_defaults(handler=_fixtures)

    p = subparsers.add_parser(
        "verify-fixtures", help="recompute a fixture set with two engines and report drift",
        description="Check a fixture set: sha256 of every file, the schema, the stored points "
        "and margins, and every answer recomputed with two engines (traverse and one other "
        "that applies, or --engines).",
        epilog="Exit status: 0 no drift, 1 drift, 2 bad input.",
    )
    p.add_argument("directory", metavar="DIR", help="fixture directory (with MANIFEST.json)")
    p.add_argument("--engines", metavar="M1,M2",
                   help="comma-separated engines (default: traverse and one other)")
    p.add_argument("--only", nargs="+", metavar="NAME", help="only these fixtures")
    add_report_args(p, progress=False)
    p.set_defaults(handler=_verify)
