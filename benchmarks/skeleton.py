"""Benchmark: ``skeleton`` against ``traverse`` and the published edge-subdivision times.

Run from the repository root::

    python benchmarks/skeleton.py [--quick] [--repeat N] [--json out.json]

The four networks of the issue (``polyreg.random_network(widths, seed=0)``, the same boxes; our
random weights, so region counts differ from the paper's), side by side in one process:

case        widths and box.
regions     activation regions found by ``skeleton`` (the paper's own networks had 2,830,
            1,855, 9,796 and 23,691).
skel s      wall-clock seconds of ``skeleton`` (best of ``--repeat``): the full ``RegionSet``
            (1-skeleton, certified regions with output maps, adjacency with facet points).
cpu s       process CPU seconds of the same runs (best of ``--repeat``): less sensitive to
            other processes on the machine than the wall clock.
1-skel s    the part of ``skel s`` spent building the 1-skeleton and reading the regions'
            patterns from it (what the paper times: the skeleton plus the distinct sign vectors;
            here also certified, but without output maps, adjacency or Python objects).
paper s     the published time (Berzins 2023, PyTorch float32 CPU, lower end of its range).
target s    half the published time (the issue's goal); ``x paper`` = paper s / skel s.
trav s      ``traverse(..., chebyshev=False)`` wall-clock seconds, one run (``-`` with
            ``--quick`` for the 2-D rows); ``x trav`` = trav s / skel s (goal on the first row:
            >= 10).
check       ``ok`` when both engines found the same patterns and the same adjacency.

BLAS threads are set to 1 unless ``OPENBLAS_NUM_THREADS`` / ``OMP_NUM_THREADS`` /
``MKL_NUM_THREADS`` are set (many small products; multi-threaded BLAS slows them on a busy
machine). Exit status 1 when a check fails.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import polyreg  # noqa: E402
from polyreg.engines.skeleton import skeleton  # noqa: E402
from polyreg.engines.traverse_engine import traverse  # noqa: E402

#: (widths, box low, box high, published seconds (lower end), paper's region count)
CASES = [
    ([4, 16, 16, 1], -1.0, 1.0, 0.10, 2830),
    ([6, 12, 12, 12, 1], -0.5, 0.5, 0.27, 1855),
    ([2, 64, 64, 64, 1], -3.0, 3.0, 0.61, 9796),
    ([2, 128, 128, 1], -3.0, 3.0, 1.90, 23691),
]


def _pairs(rs: polyreg.RegionSet) -> set:
    return {tuple(sorted((rs[e.u].hex, rs[e.v].hex))) for e in rs.edges}


def run_case(widths, lo, hi, paper, repeat: int, with_traverse: bool) -> dict:
    """Time one row; ``traverse`` once (if asked) right after the skeleton runs."""
    net = polyreg.random_network(widths, seed=0)
    box = polyreg.Box.cube(widths[0], lo, hi)
    skeleton(net, box)  # warm-up (imports, allocator)
    wall, cpu, skel = [], [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        rs = skeleton(net, box)
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        skel.append(rs.stats["read_seconds"])
    row = {
        "case": "-".join(map(str, widths)) + f" [{lo:g},{hi:g}]^{widths[0]}",
        "regions": len(rs),
        "edges": len(rs.edges),
        "vertices": rs.stats["vertices"],
        "skeleton_s": min(wall),
        "cpu_s": min(cpu),
        "one_skeleton_s": min(skel),
        "paper_s": paper,
        "target_s": paper / 2,
        "x_paper": paper / min(wall),
        "traverse_s": None,
        "x_traverse": None,
        "check": "-",
    }
    if with_traverse:
        t = time.perf_counter()
        rt = traverse(net, box, chebyshev=False)
        row["traverse_s"] = time.perf_counter() - t
        row["x_traverse"] = row["traverse_s"] / min(wall)
        ok = rt.patterns == rs.patterns and _pairs(rt) == _pairs(rs)
        row["check"] = "ok" if ok else "FAIL"
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="no traverse on the 2-D rows")
    parser.add_argument("--repeat", type=int, default=3, help="skeleton runs per row (best)")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# python {platform.python_version()}, {os.cpu_count()} CPUs, load {load:.2f}, "
          f"BLAS threads {os.environ.get('OPENBLAS_NUM_THREADS')}")
    head = (f"{'case':<28} {'regions':>8} {'skel s':>8} {'cpu s':>7} {'1-skel s':>8} "
            f"{'paper s':>7} {'target s':>8} {'x paper':>7} {'trav s':>8} {'x trav':>7}  check")
    print(head)
    rows, failed = [], False
    for widths, lo, hi, paper, _ in CASES:
        with_traverse = not (args.quick and widths[0] == 2)
        row = run_case(widths, lo, hi, paper, max(1, args.repeat), with_traverse)
        rows.append(row)
        failed |= row["check"] == "FAIL"
        trav = "-" if row["traverse_s"] is None else f"{row['traverse_s']:.2f}"
        xtrav = "-" if row["x_traverse"] is None else f"{row['x_traverse']:.0f}"
        print(f"{row['case']:<28} {row['regions']:>8,} {row['skeleton_s']:>8.3f} "
              f"{row['cpu_s']:>7.3f} {row['one_skeleton_s']:>8.3f} {paper:>7.2f} "
              f"{paper / 2:>8.3f} {row['x_paper']:>7.1f} {trav:>8} {xtrav:>7}  {row['check']}",
              flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"load": load, "rows": rows}, handle, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
