"""Boxes and L-inf balls in 10 to 784 inputs: polyreg's ``branch`` against nnenum, side by side
(and the whole space in 2 to 5 inputs: ``homog`` against ``traverse``).

One command, from the repository root::

    python benchmarks/highd.py --quick          # < ~2 minutes
    python benchmarks/highd.py                  # every case (several minutes)
    python benchmarks/highd.py --cases r10,digits-0-0.1 --workers 2 --timeout 300
    python benchmarks/highd.py --no-traverse --repeat 3   # best of 3 alternating runs each

Per case: the exact count and in-process seconds of ``branch`` with ``--workers`` processes
(default 2), its LPs per region and peak resident memory (``MB``: the largest of the forked
child running it and its workers); ``traverse`` (one process, ``chebyshev=False``) for
reference where it finishes within ``--traverse-timeout``; nnenum 1.x in exact branch mode
(no specification, the output layer linear, ``Settings.NUM_PROCESSES = --workers``) run as a
subprocess of another interpreter (``NNENUM_PYTHON``, or ``/work/peers/nnenum-venv/bin/python``
when it exists; nnenum is GPL and never imported here) through ``benchmarks/nnenum_count.py``,
its leaf-star count and seconds (``enumerate_network`` only). BLAS runs single-threaded
in every process (``OPENBLAS_NUM_THREADS=1`` etc. unless set). ``ratio`` is nnenum's wall
seconds over branch's; ``cpu s`` are the CPU seconds of the run and its worker processes, and
``cpu ratio`` their ratio: on a loaded machine (the load average is printed) wall seconds
depend on what else runs, CPU seconds much less. ``check`` says whether every count agrees.
Without nnenum the ratio is traverse's seconds over branch's.

The networks: ``polyreg.random_network(widths, seed)`` in boxes ``[-h, h]^d``, the
[64, 32, 32, 10] MLP trained on 8x8 digits (``benchmarks/train_digits.py``, weights in
``benchmarks/data/``) in L-inf balls around test images scaled to [0, 1], and a random
[784, 64, 64, 10] network in an L-inf ball around a random image. The ``w*`` cases are the whole
space: ``engine s`` is then ``homog`` (one process) and nnenum does not apply; ``box s`` is
``auto`` (skeleton) on the box ``[-1e5, 1e5]^d`` holding every vertex (the same count) and
``homog/box`` the ratio of the seconds (goal: within 3x).
"""

from __future__ import annotations

import single_thread_blas  # noqa: F401  (first: BLAS threads are fixed at numpy's import)

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

import polyreg  # noqa: E402
from polyreg.engines import auto, homog, traverse  # noqa: E402
from polyreg.scale.drive import branch_workers  # noqa: E402
from forked import print_table, run_forked  # noqa: E402  (benchmarks/forked.py, next to this script)

#: half-width of the box compared with the whole space (``box s``): it holds every vertex of the
#: ``w*`` networks (its count equals the whole space's, checked)
WHOLE_BOX = 1e5

# name: (kind, spec, in --quick)
CASES = {
    "r10": ("random", ([10, 16, 16, 1], 1, 0.15), False),
    "r12": ("random", ([12, 20, 20, 1], 2, 0.1), True),
    "r16": ("random", ([16, 24, 24, 1], 3, 0.05), True),
    "r10x3": ("random", ([10, 16, 16, 16, 1], 6, 0.1), False),
    "r24": ("random", ([24, 32, 32, 1], 4, 0.05), True),
    "r32x3": ("random", ([32, 32, 32, 32, 1], 5, 0.02), True),
    "digits-0-0.06": ("digits", (0, 0.06), True),
    "digits-1-0.1": ("digits", (1, 0.1), True),
    "digits-0-0.1": ("digits", (0, 0.1), False),
    "digits-2-0.1": ("digits", (2, 0.1), False),
    "mnist784": ("mnist", (0.001,), False),
    "w4": ("whole", ([4, 8, 8, 1], 0), True),
    "w5": ("whole", ([5, 8, 8, 1], 3), False),
    "w2deep": ("whole", ([2, 64, 64, 64, 1], 0), False),
    "w6": ("whole", ([6, 8, 8, 1], 4), False),
    "w7": ("whole", ([7, 8, 8, 1], 5), False),
}


def build(kind: str, spec: tuple) -> tuple[polyreg.Network, polyreg.Domain, str]:
    if kind == "random":
        widths, seed, h = spec
        net = polyreg.random_network(widths, seed=seed)
        return net, polyreg.Box.cube(widths[0], -h, h), f"{widths} s{seed} box ±{h}"
    if kind == "whole":
        widths, seed = spec
        net = polyreg.random_network(widths, seed=seed)
        return net, polyreg.Whole(widths[0]), f"{widths} s{seed}, all of R^{widths[0]}"
    if kind == "mnist":  # the shape of an MNIST MLP, random weights, at a random image
        (r,) = spec
        net = polyreg.random_network([784, 64, 64, 10], seed=0)
        x0 = np.random.default_rng(0).uniform(0, 1, 784)
        return net, polyreg.Ball(x0, r, norm="inf"), f"[784, 64, 64, 10] s0, L-inf r={r}"
    index, r = spec
    net = polyreg.Network.load(ROOT / "data" / "digits_mlp.npz")
    x0 = np.load(ROOT / "data" / "digits_test_points.npy")[index]
    return net, polyreg.Ball(x0, r, norm="inf"), f"digits MLP, L-inf r={r} at test[{index}]"


def box_of(domain: polyreg.Domain) -> tuple[np.ndarray, np.ndarray]:
    return domain.bounding_box()


def cpu_seconds() -> float:
    """CPU seconds of this process and of its children waited for."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + ru.ru_utime + ru.ru_stime


def peak_mb() -> float:
    """Largest resident set of this process or of a child waited for, in MB (Linux: KB)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def _child(conn, fn, args, kwargs) -> None:
    try:
        c0, t0 = cpu_seconds(), time.perf_counter()
        rs = fn(*args, **kwargs)
        conn.send(("ok", len(rs), rs.stats.get("lps", 0), time.perf_counter() - t0,
                   cpu_seconds() - c0, peak_mb()))
    except BaseException as exc:  # report any failure to the parent
        conn.send(("error", repr(exc), 0, 0.0, 0.0, 0.0))


def timed(fn, args, kwargs, timeout: float) -> tuple[str, int, int, float, float, float]:
    """Run ``fn`` in a forked child with a wall-clock limit:
    (status, regions, lps, wall s, CPU s, peak MB)."""
    return run_forked(_child, fn, args, kwargs, timeout, ("timeout", 0, 0, timeout, 0.0, 0.0))


def nnenum_python() -> str | None:
    env = os.environ.get("NNENUM_PYTHON")
    if env:
        return env
    default = Path("/work/peers/nnenum-venv/bin/python")
    return str(default) if default.exists() else None


def run_nnenum(py: str, net: polyreg.Network, domain: polyreg.Domain, workers: int,
               timeout: float) -> tuple[str, int, float, float]:
    lo, hi = box_of(domain)
    with tempfile.TemporaryDirectory() as tmp:
        net.save(Path(tmp) / "net.npz")
        np.save(Path(tmp) / "lo.npy", lo)
        np.save(Path(tmp) / "hi.npy", hi)
        try:
            out = subprocess.run(
                [py, str(ROOT / "nnenum_count.py"), str(Path(tmp) / "net.npz"),
                 str(Path(tmp) / "lo.npy"), str(Path(tmp) / "hi.npy"), str(workers)],
                capture_output=True, text=True, timeout=timeout, check=False,
            )
        except subprocess.TimeoutExpired:
            return "timeout", 0, timeout, 0.0
    if out.returncode != 0:
        return "error: " + out.stderr.strip().splitlines()[-1][:80], 0, 0.0, 0.0
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return "ok", int(data["stars"]), float(data["seconds"]), float(data.get("cpu", 0.0))


def fmt(status: str, value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}" if status == "ok" else status


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the quick subset (< ~2 minutes)")
    ap.add_argument("--cases", help="comma-separated case names (default: all / the quick ones)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=300.0, help="per nnenum / branch run")
    ap.add_argument("--traverse-timeout", type=float, default=None,
                    help="traverse's limit (default 10 s with --quick, else 120 s)")
    ap.add_argument("--no-traverse", action="store_true")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs of branch/homog and nnenum per case, alternating; the least wall "
                         "and the least CPU seconds of each are reported (default 1)")
    args = ap.parse_args(argv)
    names = (args.cases.split(",") if args.cases
             else [n for n, c in CASES.items() if c[2] or not args.quick])
    unknown = [n for n in names if n not in CASES]
    if unknown:
        ap.error(f"unknown case(s) {', '.join(unknown)}; known: {', '.join(CASES)}")
    t_limit = args.traverse_timeout or (10.0 if args.quick else 120.0)
    py = nnenum_python()
    from importlib.metadata import version

    import highspy  # noqa: F401  (imported before any timing, as nnenum's imports are)

    print(f"machine: nproc {os.cpu_count()}, {platform.platform()}, python "
          f"{platform.python_version()}, numpy {np.__version__}, highspy "
          f"{version('highspy')}, loadavg_1min {os.getloadavg()[0]:.2f}")
    print(f"branch workers {args.workers}; nnenum: {py or 'not found (ratio vs traverse)'}"
          f" with {args.workers} processes; traverse limit {t_limit:g} s\n")
    header = ["case", "d", "regions", "engine s", "cpu s", "LP/reg", "reg/s", "MB", "traverse s",
              "LP/reg", "nnenum s", "cpu s", "stars", "ratio", "cpu ratio", "box s", "homog/box",
              "check"]
    rows = []
    failed = False
    for name in names:
        kind, spec, _ = CASES[name]
        net, domain, what = build(kind, spec)
        if kind == "whole":  # goal 3: homog (one process) against traverse
            engine, opts = homog, {"edges": False}
        else:
            engine, opts = branch_workers, {"workers": args.workers, "edges": False}
        st_n, n_n, s_n, c_n = ("absent", 0, 0.0, 0.0)
        for rep in range(max(1, args.repeat)):  # alternating, the least seconds of each
            got = timed(engine, (net, domain), opts, args.timeout)
            if rep == 0:
                st, n_b, lps_b, s_b, c_b, mb = got
            elif got[0] == "ok":
                s_b, c_b = min(s_b, got[3]), min(c_b, got[4])
            if py is not None and kind != "whole":
                got_n = run_nnenum(py, net, domain, args.workers, args.timeout)
                if rep == 0:
                    st_n, n_n, s_n, c_n = got_n
                elif got_n[0] == "ok":
                    s_n, c_n = min(s_n, got_n[2]), min(c_n, got_n[3])
        st_t, n_t, lps_t, s_t, _, _ = ("skipped", 0, 0, 0.0, 0.0, 0.0)
        if not args.no_traverse:
            st_t, n_t, lps_t, s_t, _, _ = timed(traverse, (net, domain), {"chebyshev": False},
                                             t_limit)
        st_x, n_x, s_x = "absent", 0, 0.0
        if kind == "whole":  # goal 3: the same network's count in a box holding its vertices
            big = polyreg.Box.cube(net.n_inputs, -WHOLE_BOX, WHOLE_BOX)
            st_x, n_x, _, s_x, _, _ = timed(auto, (net, big), {}, args.timeout)
        counts = [n for s, n in ((st, n_b), (st_t, n_t), (st_n, n_n), (st_x, n_x)) if s == "ok"]
        ok = st == "ok" and len(set(counts)) == 1
        failed |= not ok
        ref = s_n if st_n == "ok" else (s_t if st_t == "ok" else None)
        ratio = f"{ref / s_b:.2f}x" if (ref is not None and st == "ok") else "-"
        if st_n != "ok" and st_t == "ok" and st == "ok":
            ratio += " (trav.)"
        cpu_ratio = f"{c_n / c_b:.2f}x" if st == "ok" and st_n == "ok" and c_b > 0 else "-"
        rows.append([
            name, str(net.n_inputs), f"{n_b:,}" if st == "ok" else st, fmt(st, s_b),
            fmt(st, c_b),
            f"{lps_b / max(n_b, 1):.2f}" if st == "ok" else "-",
            f"{n_b / s_b:,.0f}" if st == "ok" and s_b > 0 else "-",
            f"{mb:.0f}" if st == "ok" else "-",
            fmt(st_t, s_t), f"{lps_t / max(n_t, 1):.2f}" if st_t == "ok" else "-",
            fmt(st_n, s_n), fmt(st_n, c_n), f"{n_n:,}" if st_n == "ok" else "-", ratio,
            cpu_ratio, fmt(st_x, s_x) if kind == "whole" else "-",
            f"{s_b / s_x:.2f}x" if st_x == "ok" and st == "ok" and s_x > 0 else "-",
            "ok" if ok else "FAIL",
        ])
        print(f"  {name}: {what}: " + " | ".join(rows[-1][2:]), file=sys.stderr)
    print_table(header, rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
