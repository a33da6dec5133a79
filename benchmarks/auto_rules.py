"""The measurements behind ``auto``'s rule: every candidate engine on one network per (domain,
dimension), side by side in one run (wall seconds in a forked child, one process each).

One command, from the repository root::

    python benchmarks/auto_rules.py               # every row (several minutes)
    python benchmarks/auto_rules.py --rows box8,whole6 --timeout 120

Per row: the exact count, each engine's seconds (``timeout`` past ``--timeout``), the fastest,
and ``auto``'s choice (``polyreg.engines.auto.choose``); ``check`` says whether every engine
that finished found the same count. Random networks ``polyreg.random_network(widths, seed)``;
boxes ``[-h, h]^d``, balls around 0. BLAS single-threaded (``single_thread_blas``). The L2-ball
rows are informative only: that rule belongs to the L2-ball work (issue 13 goal 2).
"""

from __future__ import annotations

import single_thread_blas  # noqa: F401  (first: BLAS threads are fixed at numpy's import)

import argparse
import os
import sys

import numpy as np

from highd import timed

import polyreg
from polyreg.engines import ENGINES
from polyreg.engines.auto import choose

# name: (widths, seed, domain kind, size, engines)
ROWS = {
    "box2": ([2, 32, 32, 1], 0, "box", 1.0, ["planar", "skeleton", "branch", "traverse"]),
    "box4": ([4, 16, 16, 1], 0, "box", 1.0, ["skeleton", "branch", "traverse"]),
    "box6": ([6, 12, 12, 12, 1], 0, "box", 0.5, ["skeleton", "branch", "traverse"]),
    "box8": ([8, 16, 16, 1], 0, "box", 0.5, ["skeleton", "branch"]),
    "box9": ([9, 16, 16, 1], 0, "box", 0.3, ["skeleton", "branch"]),
    "box10": ([10, 16, 16, 1], 1, "box", 0.15, ["skeleton", "branch"]),
    "box12": ([12, 20, 20, 1], 2, "box", 0.1, ["skeleton", "branch"]),
    "linf8": ([8, 12, 12, 1], 0, "inf", 0.5, ["skeleton", "branch"]),
    "l1_4": ([4, 16, 16, 1], 0, "l1", 1.0, ["skeleton", "branch", "traverse"]),
    "l1_6": ([6, 12, 12, 1], 0, "l1", 1.0, ["skeleton", "branch", "traverse"]),
    "l2_2": ([2, 32, 32, 1], 0, "l2", 1.0, ["planar", "traverse", "branch"]),
    "l2_4": ([4, 12, 12, 1], 0, "l2", 1.0, ["traverse", "branch"]),
    "whole2": ([2, 64, 64, 64, 1], 0, "whole", 0.0, ["homog", "traverse"]),
    "whole4": ([4, 8, 8, 1], 0, "whole", 0.0, ["homog", "traverse"]),
    "whole5": ([5, 8, 8, 1], 3, "whole", 0.0, ["homog", "traverse"]),
    "whole6": ([6, 8, 8, 1], 4, "whole", 0.0, ["homog", "traverse"]),
    "whole7": ([7, 8, 8, 1], 5, "whole", 0.0, ["homog", "traverse"]),
    "whole8": ([8, 8, 8, 1], 6, "whole", 0.0, ["homog", "traverse"]),
}


def domain_of(kind: str, d: int, size: float) -> polyreg.Domain:
    if kind == "box":
        return polyreg.Box.cube(d, -size, size)
    if kind == "whole":
        return polyreg.Whole(d)
    norm = {"inf": "inf", "l1": 1, "l2": 2}[kind]
    return polyreg.Ball(np.zeros(d), size, norm=norm)


def options(name: str) -> dict:
    if name == "traverse":
        return {"chebyshev": False}
    if name in ("branch", "homog"):
        return {"edges": False}
    return {}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", help="comma-separated row names (default: all)")
    ap.add_argument("--timeout", type=float, default=120.0)
    args = ap.parse_args(argv)
    names = args.rows.split(",") if args.rows else list(ROWS)
    print(f"loadavg_1min {os.getloadavg()[0]:.2f}")
    failed = False
    for name in names:
        widths, seed, kind, size, engines = ROWS[name]
        net = polyreg.random_network(widths, seed=seed)
        dom = domain_of(kind, widths[0], size)
        times, counts = {}, set()
        for eng in engines:
            if eng not in ENGINES:
                continue
            st, n, _, s, _, _ = timed(ENGINES[eng], (net, dom), options(eng), args.timeout)
            times[eng] = f"{s:.2f}" if st == "ok" else st
            if st == "ok":
                counts.add(n)
        done = {e: float(t) for e, t in times.items() if t.replace(".", "").isdigit()}
        best = min(done, key=done.get) if done else "-"
        ok = len(counts) == 1
        failed |= not ok
        print(f"{name:8s} {str(widths):22s} {kind:5s} regions {'/'.join(map(str, counts)):>8s}  "
              + "  ".join(f"{e} {t}" for e, t in times.items())
              + f"  | fastest {best}, auto {choose(net, dom)}  {'ok' if ok else 'FAIL'}",
              flush=True)
    print(f"loadavg_1min {os.getloadavg()[0]:.2f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
