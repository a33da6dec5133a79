"""L2 balls: ``branch`` (solver-free far-side certificates, SOCP only where they do not decide)
against ``traverse`` (a facet SOCP per candidate), side by side in one run.

One command, from the repository root::

    python benchmarks/l2.py --quick            # < ~2 minutes
    python benchmarks/l2.py                    # every case (several minutes)
    python benchmarks/l2.py --cases ball8-0.5 --traverse-timeout 300

Per case: the exact count, wall and CPU seconds of ``branch`` (one process, ``edges=False``),
regions per second, SOCPs and LPs per region; ``traverse`` (one process, ``chebyshev=False``)
the same where it finishes within ``--traverse-timeout`` (else ``timeout``); ``ratio`` is
traverse's CPU seconds over branch's (wall seconds on a shared machine depend on what else
runs), ``check`` whether the counts agree. Each run is a forked child with a wall-clock limit.

The cases: the [64, 32, 32, 10] MLP trained on 8x8 digits (``benchmarks/train_digits.py``,
weights in ``benchmarks/data/``) in L2 balls around test images scaled to [0, 1] (both engines
work in the first layer's 32-dimensional row space), and ``random_network([8, 24, 24, 1],
seed=0)`` in L2 balls at the origin (``benchmarks/run.py``'s ``ball8``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

import polyreg  # noqa: E402  (after the sys.path insertion)
from polyreg.engines import branch, traverse  # noqa: E402
from forked import print_table, run_forked  # noqa: E402  (benchmarks/forked.py, next to this script)

# name: (kind, spec, in --quick)
CASES = {
    "digits-3-0.4": ("digits", (3, 0.4), True),  # small enough for traverse to finish
    "digits-3-0.5": ("digits", (3, 0.5), True),
    "digits-0-0.5": ("digits", (0, 0.5), True),
    "digits-2-0.6": ("digits", (2, 0.6), True),
    "digits-3-0.6": ("digits", (3, 0.6), False),
    "digits-0-0.6": ("digits", (0, 0.6), False),
    "digits-0-0.65": ("digits", (0, 0.65), False),
    "ball8-0.2": ("ball8", (0.2,), True),
    "ball8-0.3": ("ball8", (0.3,), True),
    "ball8-0.5": ("ball8", (0.5,), False),
}


def build(kind: str, spec: tuple) -> tuple[polyreg.Network, polyreg.Domain, str]:
    if kind == "ball8":
        (r,) = spec
        net = polyreg.random_network([8, 24, 24, 1], seed=0)
        return net, polyreg.Ball(np.zeros(8), r, norm=2), f"[8, 24, 24, 1] s0, L2 r={r} at 0"
    index, r = spec
    net = polyreg.Network.load(ROOT / "data" / "digits_mlp.npz")
    x0 = np.load(ROOT / "data" / "digits_test_points.npy")[index]
    return net, polyreg.Ball(x0, r, norm=2), f"digits MLP, L2 r={r} at test[{index}]"


def _child(conn, fn, args, kwargs) -> None:
    try:
        c0, t0 = time.process_time(), time.perf_counter()
        rs = fn(*args, **kwargs)
        conn.send(("ok", len(rs), rs.stats.get("lps", 0), rs.stats.get("socps", 0),
                   time.perf_counter() - t0, time.process_time() - c0))
    except BaseException as exc:  # report any failure to the parent
        conn.send(("error: " + repr(exc)[:60], 0, 0, 0, 0.0, 0.0))


def timed(fn, args, kwargs, timeout: float) -> tuple[str, int, int, int, float, float]:
    """Run ``fn`` in a forked child with a wall-clock limit:
    (status, regions, LPs, SOCPs, wall s, CPU s)."""
    return run_forked(_child, fn, args, kwargs, timeout, ("timeout", 0, 0, 0, timeout, 0.0))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the quick subset (< ~2 minutes)")
    ap.add_argument("--cases", help="comma-separated case names (default: all / the quick ones)")
    ap.add_argument("--timeout", type=float, default=600.0, help="branch's limit per case")
    ap.add_argument("--traverse-timeout", type=float, default=None,
                    help="traverse's limit (default 10 s with --quick, else 60 s)")
    ap.add_argument("--no-traverse", action="store_true")
    args = ap.parse_args(argv)
    names = (args.cases.split(",") if args.cases
             else [n for n, c in CASES.items() if c[2] or not args.quick])
    unknown = [n for n in names if n not in CASES]
    if unknown:
        ap.error(f"unknown case(s) {', '.join(unknown)}; known: {', '.join(CASES)}")
    t_limit = args.traverse_timeout or (10.0 if args.quick else 60.0)
    print(f"machine: nproc {os.cpu_count()}, {platform.platform()}, python "
          f"{platform.python_version()}, numpy {np.__version__}, loadavg_1min "
          f"{os.getloadavg()[0]:.2f}; traverse limit {t_limit:g} s\n")
    header = ["case", "d", "regions", "branch s", "cpu s", "reg/s", "reg/cpu s", "SOCP/reg",
              "LP/reg", "traverse s", "cpu s", "reg/s", "SOCP/reg", "LP/reg", "cpu ratio",
              "check"]
    rows = []
    failed = False
    for name in names:
        kind, spec, _ = CASES[name]
        net, domain, what = build(kind, spec)
        st, n, lps, socps, wall, cpu = timed(branch, (net, domain), {"edges": False},
                                             args.timeout)
        tt = ("skipped", 0, 0, 0, 0.0, 0.0)
        if not args.no_traverse:
            tt = timed(traverse, (net, domain), {"chebyshev": False}, t_limit)
        st_t, n_t, lps_t, socps_t, wall_t, cpu_t = tt
        ok = st == "ok" and (st_t != "ok" or n_t == n)
        failed |= not ok
        per = max(n, 1)
        per_t = max(n_t, 1)
        rows.append([
            name, str(net.n_inputs), f"{n:,}" if st == "ok" else st,
            f"{wall:.2f}" if st == "ok" else "-", f"{cpu:.2f}" if st == "ok" else "-",
            f"{n / wall:,.0f}" if st == "ok" and wall > 0 else "-",
            f"{n / cpu:,.0f}" if st == "ok" and cpu > 0 else "-",
            f"{socps / per:.3f}" if st == "ok" else "-", f"{lps / per:.3f}" if st == "ok" else "-",
            f"{wall_t:.2f}" if st_t == "ok" else st_t, f"{cpu_t:.2f}" if st_t == "ok" else "-",
            f"{n_t / wall_t:,.0f}" if st_t == "ok" and wall_t > 0 else "-",
            f"{socps_t / per_t:.2f}" if st_t == "ok" else "-",
            f"{lps_t / per_t:.2f}" if st_t == "ok" else "-",
            f"{cpu_t / cpu:.1f}x" if st == "ok" and st_t == "ok" and cpu > 0 else
            (f">{t_limit / wall:.0f}x (wall)" if st == "ok" and st_t == "timeout"
             and t_limit >= wall else "-"),
            ("ok" if st_t == "ok" else "ok (branch only)") if ok else "FAIL",
        ])
        print(f"  {name}: {what}: " + " | ".join(rows[-1][2:]), file=sys.stderr)
    print_table(header, rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
