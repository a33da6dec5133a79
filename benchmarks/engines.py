"""Benchmark: the exact engines side by side (traverse, split, milp) on cases small enough for MILP.

Run from the repository root::

    python benchmarks/engines.py [--quick] [--cases NAME,...] [--repeat N] [--one-model]
                                 [--json out.json]

Every case is ``polyreg.random_network(widths, seed=0)`` in the box ``[-1, 1]^d``. All engines
run in this one process, one after another, on the same network and domain; each time is the
best of ``--repeat`` runs (default 3) for traverse and split, one run for milp. Every engine
must return traverse's set of patterns and the same adjacency (pairs of patterns); otherwise
the row prints FAIL and the exit status is 1.

Columns
-------
case         case name and widths.
regions      number of activation regions.
traverse     seconds of ``traverse(net, box)`` (Chebyshev centres and edges included).
split        seconds of ``split(net, box)`` (Chebyshev centres and edges included).
milp         seconds of ``milp(net, box)`` (layer-decomposed model, edges and closure check
             included).
split/trav   ``split / traverse``.
milp/trav    ``milp / traverse``: how many times faster traverse is than the MILP reference.
milp solves  MILP solves (``stats['milps']``, including the infeasible ones closing each
             enumeration).
1-model      with ``--one-model``: seconds of ``milp(net, box, decompose=False)`` (one model,
             one no-good cut per region) and its ratio to traverse.
check        ``ok`` or ``FAIL``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import polyreg
from polyreg.engines import milp, split, traverse

CASES = {
    "mlp2": [2, 8, 8, 1],
    "mlp3": [3, 10, 10, 1],
    "mlp4": [4, 8, 8, 1],
}


def edge_keys(rs: polyreg.RegionSet) -> set[frozenset[str]]:
    return {frozenset((rs[e.u].hex, rs[e.v].hex)) for e in rs.edges}


def best_of(fn, repeat: int) -> tuple[float, polyreg.RegionSet]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run_case(name: str, widths: list[int], repeat: int, one_model: bool) -> dict:
    net = polyreg.random_network(widths, seed=0)
    box = polyreg.Box.cube(widths[0])
    t_tr, ref = best_of(lambda: traverse(net, box), repeat)
    t_sp, rs_sp = best_of(lambda: split(net, box), repeat)
    t_mi, rs_mi = best_of(lambda: milp(net, box), 1)
    results = {"traverse": ref, "split": rs_sp, "milp": rs_mi}
    row = {
        "case": name, "widths": widths, "regions": len(ref), "traverse_s": t_tr,
        "split_s": t_sp, "milp_s": t_mi, "milp_solves": rs_mi.stats["milps"],
        "closure_certified": rs_mi.stats["closure_certified"],
    }
    if one_model:
        t_one, rs_one = best_of(lambda: milp(net, box, decompose=False), 1)
        results["milp-one-model"] = rs_one
        row["milp_one_model_s"] = t_one
    failures = []
    for method, rs in results.items():
        if rs.patterns != ref.patterns:
            failures.append(f"{method}: patterns differ from traverse's")
        elif rs.edges and edge_keys(rs) != edge_keys(ref):
            failures.append(f"{method}: adjacency differs from traverse's")
    row["failures"] = failures
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the first case")
    parser.add_argument("--cases", help="comma-separated case names: " + ",".join(CASES))
    parser.add_argument("--repeat", type=int, default=3, help="runs of traverse/split (best)")
    parser.add_argument("--one-model", action="store_true",
                        help="also time milp(decompose=False), one model with a cut per region")
    parser.add_argument("--json", help="write the rows to this JSON file")
    args = parser.parse_args(argv)
    names = list(CASES)
    if args.cases:
        names = [n.strip() for n in args.cases.split(",")]
        unknown = [n for n in names if n not in CASES]
        if unknown:
            parser.error(f"unknown case(s) {unknown}; choose from {list(CASES)}")
    if args.quick:
        names = names[:1]
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    print(f"polyreg {polyreg.__version__}, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, load average {load[0]:.2f}" if load[0] != "?" else "")
    header = (f"{'case':<22}{'regions':>8}{'traverse':>10}{'split':>9}{'milp':>9}"
              f"{'split/trav':>12}{'milp/trav':>11}{'milp solves':>13}")
    if args.one_model:
        header += f"{'1-model':>10}{'1m/trav':>9}"
    header += "  check"
    print(header)
    rows, failed = [], False
    for name in names:
        row = run_case(name, CASES[name], args.repeat, args.one_model)
        rows.append(row)
        label = f"{name} {row['widths']}"
        line = (f"{label:<22}{row['regions']:>8}{row['traverse_s']:>10.3f}{row['split_s']:>9.3f}"
                f"{row['milp_s']:>9.2f}{row['split_s'] / row['traverse_s']:>11.1f}x"
                f"{row['milp_s'] / row['traverse_s']:>10.0f}x{row['milp_solves']:>13}")
        if args.one_model:
            line += (f"{row['milp_one_model_s']:>10.2f}"
                     f"{row['milp_one_model_s'] / row['traverse_s']:>8.0f}x")
        line += "  " + ("ok" if not row["failures"] else "FAIL")
        print(line, flush=True)
        failed |= bool(row["failures"])
    for row in rows:
        for msg in row["failures"]:
            print(f"FAIL {row['case']}: {msg}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
