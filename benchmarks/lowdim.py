"""Benchmark: the exact low-dimensional engines (``planar``, ``line``) against ``traverse``.

Run from the repository root::

    python benchmarks/lowdim.py [--quick] [--repeat N] [--json out.json]

Planar table (one row per case; ``traverse`` runs once, ``planar`` best of ``--repeat``)
----------------------------------------------------------------------------------------
case        network and domain. ``slice784`` is a 2-D slice of
            ``random_network([784, 256, 256, 10], seed=0)`` through three points drawn uniformly
            from ``[0, 1]^784`` (seed 0), ``(s, t)`` in ``[0, 1]^2``; ``traverse`` runs on the
            composed 2-input network :meth:`polyreg.slices.Slice.network` with the same bound.
regions     activation regions found by ``planar``.
planar s    wall-clock seconds of ``planar`` (best of ``--repeat``), adjacency included.
reg/s       ``regions / planar s``.
trav s      wall-clock seconds of ``traverse(..., chebyshev=False)`` (``-`` with ``--quick`` for
            the large cases).
ratio       ``trav s / planar s``.
check       ``ok`` when both engines found the same set of patterns, ``FAIL`` otherwise.

Line table
----------
case        network and path; ``breakpoints`` over ``line s`` (best of ``--repeat``) is
            ``bp/s``; ``sampled`` is Novak et al.'s estimate with ``K`` samples and ``exact`` the
            sum of flips (the check requires ``sampled <= exact``).

BLAS threads: unless ``OPENBLAS_NUM_THREADS`` / ``OMP_NUM_THREADS`` / ``MKL_NUM_THREADS`` are
set, they are set to 1 before NumPy is imported: both engines do many small matrix products,
which multi-threaded BLAS slows down by an order of magnitude on a busy machine.

Exit status 1 when a check fails.
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

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import polyreg  # noqa: E402
from polyreg.engines.line import line, transitions  # noqa: E402
from polyreg.engines.planar import planar  # noqa: E402
from polyreg.engines.traverse_engine import traverse  # noqa: E402
from polyreg.slices import Path, Slice  # noqa: E402


def planar_cases() -> list[tuple[str, polyreg.Network, object, object, object, bool]]:
    """``(name, net, planar domain, traverse net, traverse domain, large)``."""
    out = []
    for name, widths, box in [
        ("2-16-16-1 [-2,2]^2", [2, 16, 16, 1], polyreg.Box.cube(2, -2, 2)),
        ("2-32-32-1 [-3,3]^2", [2, 32, 32, 1], polyreg.Box.cube(2, -3, 3)),
        ("2-32-32-1 disk r=3", [2, 32, 32, 1], polyreg.Ball([0.0, 0.0], 3.0)),
        ("2-64-64-64-1 [-3,3]^2", [2, 64, 64, 64, 1], polyreg.Box.cube(2, -3, 3)),
    ]:
        net = polyreg.random_network(widths, seed=0)
        out.append((name, net, box, net, box, widths[1] >= 64))
    net = polyreg.random_network([784, 256, 256, 10], seed=0)
    x = np.random.default_rng(0).uniform(0, 1, size=(3, 784))
    slc = Slice.through(*x, bound=polyreg.Box([0, 0], [1, 1]))
    out.append(("slice784 [0,1]^2", net, slc, slc.network(net), slc.bound, True))
    return out


def line_cases() -> list[tuple[str, polyreg.Network, Path, int]]:
    rng = np.random.default_rng(0)
    net2 = polyreg.random_network([2, 64, 64, 64, 1], seed=0)
    net784 = polyreg.random_network([784, 256, 256, 10], seed=0)
    return [
        ("2-64-64-64-1 polyline 2000 pts", net2, Path.polyline(rng.uniform(-3, 3, (2000, 2))), 20_000),
        ("2-64-64-64-1 ellipse r=20", net2, Path.ellipse([0, 0], [20, 0], [0, 20]), 20_000),
        ("784-256-256-10 closed polyline 100 pts", net784,
         Path.polyline(rng.uniform(0, 1, (100, 784)), closed=True), 1_000),
        ("784-256-256-10 ellipse through 3 pts", net784,
         Path.ellipse_through(*rng.uniform(0, 1, (3, 784))), 1_000),
    ]


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip traverse on the large cases")
    parser.add_argument("--repeat", type=int, default=3, help="planar / line runs per case (best)")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = parser.parse_args(argv)
    failed = False
    rows: dict[str, list[dict]] = {"planar": [], "line": []}
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"BLAS threads {os.environ.get('OPENBLAS_NUM_THREADS')}, load {os.getloadavg()[0]:.1f}")
    print()
    head = f"{'case':<24} {'regions':>8} {'planar s':>9} {'reg/s':>9} {'trav s':>8} {'ratio':>7}  check"
    print(head)
    print("-" * len(head))
    for name, net, dom, net_t, dom_t, large in planar_cases():
        sec, rs = best_of(lambda net=net, dom=dom: planar(net, dom, progress=False),
                          args.repeat)
        row = {"case": name, "regions": len(rs), "planar_s": sec, "regions_per_s": len(rs) / sec}
        trav = ratio = "-"
        check = "ok (planar only)"
        if not (args.quick and large):
            t = time.perf_counter()
            tr = traverse(net_t, dom_t, chebyshev=False, progress=False)
            ts = time.perf_counter() - t
            row.update(traverse_s=ts, ratio=ts / sec)
            trav, ratio = f"{ts:.3g}", f"{ts / sec:.0f}x"
            ok = tr.patterns == rs.patterns
            check = "ok" if ok else f"FAIL ({len(tr)} traverse regions)"
            failed |= not ok
        rows["planar"].append(row)
        print(f"{name:<24} {len(rs):>8,} {sec:>9.3f} {len(rs) / sec:>9,.0f} {trav:>8} "
              f"{ratio:>7}  {check}")
    print()
    head = (f"{'case':<40} {'breakpoints':>11} {'line s':>8} {'bp/s':>9} {'exact':>7} "
            f"{'sampled (K)':>14}  check")
    print(head)
    print("-" * len(head))
    for name, net, path, K in line_cases():
        sec, res = best_of(lambda net=net, path=path: line(net, path), args.repeat)
        n_bp = int(res.breakpoints.size)
        sampled = transitions(net, path, samples=K)
        ok = sampled <= res.transitions
        failed |= not ok
        rows["line"].append({"case": name, "breakpoints": n_bp, "line_s": sec,
                             "breakpoints_per_s": n_bp / sec, "exact": res.transitions,
                             "sampled": sampled, "samples": K})
        print(f"{name:<40} {n_bp:>11,} {sec:>8.3f} {n_bp / sec:>9,.0f} {res.transitions:>7,} "
              f"{f'{sampled:,} ({K:,})':>14}  {'ok' if ok else 'FAIL'}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(rows, handle, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
