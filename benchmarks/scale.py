"""Benchmark of long runs: parallel speed-up, memory of count-only runs, cost of the cuts, and an
estimate for 10^8 regions on a cluster.

Run from the repository root::

    python benchmarks/scale.py [--quick] [--only speedup,memory,overhead,store]
                               [--million] [--cores 64,256,1024] [--json out.json]

Every measurement runs in a child process (``python benchmarks/scale.py --child ...``), one
after another, so measurements do not compete with each other for the CPU; other load on the
machine does, so the load average is printed with each one.

Sections
--------
speedup
    For each of :data:`SPEED_CASES`: ``polyreg.stream.count_streaming`` with one process, then
    with 2 worker processes (``workers=2``: the domain cut into the default number of parts).
    Wall clock of both (``speed-up = serial wall / parallel wall``), and, robust to other load
    on the machine, the same ratio from CPU seconds: the serial run's CPU time over the
    makespan of the parts' CPU times scheduled on 2 workers in the order the pool received
    them (largest estimated first, each to the first free worker). ``found / regions`` is the
    work duplicated by the cuts (regions crossing a cut are searched on both sides). The two
    runs must agree on the numbers of regions and edges.
memory
    Peak resident memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) of a count-only run
    in a fresh process, minus the resident memory just before the search (imports, network):
    bytes per region at two sizes, extrapolated linearly to 10^6 regions. ``--million`` runs
    :data:`MILLION_NET` (about 10^6 regions; long) and measures it directly.
overhead
    ``found / regions`` for 2 and 8 parts in 2, 3 and 4 input dimensions (small networks).
store
    Regions per second the parts-mode store writer commits (one transaction per part).

The estimate for 10^8 regions (printed last) uses the measured CPU seconds per region of the
serial run, the measured cut overhead (its ``sqrt(n)`` law in 2-D) and the measured parallel
efficiency; see ``benchmarks/README-scale.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

#: speed-up cases: (widths, seed, domain); a domain is "box:H" ([-H, H]^d) or "ball:R" (the
#: L2 ball of radius R around 0, where ``auto`` picks traverse)
SPEED_CASES = [([2, 180, 180, 180, 1], 0, "box:3"), ([3, 40, 40, 1], 0, "ball:2")]
#: --quick: about 1.3 * 10^4 regions
QUICK_CASES = [([2, 64, 64, 64, 1], 0, "box:3")]
#: memory cases (count-only, one process): smaller and larger
MEM_NETS = [(([2, 64, 64, 64, 1], 0), 3.0), (([2, 128, 128, 128, 1], 0), 3.0)]
#: --million: about 10^6 regions
MILLION_NET = (([2, 256, 256, 256, 1], 0), 4.0)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def make_domain(d: int, spec: str):
    import polyreg

    kind, size = spec.split(":")
    if kind == "box":
        return polyreg.Box.cube(d, -float(size), float(size))
    return polyreg.Ball([0.0] * d, float(size), norm=2)


def describe(d: int, spec: str) -> str:
    kind, size = spec.split(":")
    return f"[-{size}, {size}]^{d}" if kind == "box" else f"the L2 ball of radius {size} in R^{d}"


# ---------------------------------------------------------------------------- children
def child_serial(widths: list[int], seed: int, spec: str) -> dict:
    import polyreg
    from polyreg.stream import count_streaming

    net = polyreg.random_network(widths, seed=seed)
    domain = make_domain(widths[0], spec)
    t0, c0 = time.perf_counter(), time.process_time()
    s = count_streaming(net, domain, workers=1)
    return {"regions": s["regions"], "edges": s["edges"], "wall": time.perf_counter() - t0,
            "cpu": time.process_time() - c0}


def child_parallel(widths: list[int], seed: int, spec: str, workers: int,
                   parts: int | None) -> dict:
    import polyreg
    from polyreg.parallel import PoolRunner, default_parts, drive, plan_partition

    net = polyreg.random_network(widths, seed=seed)
    domain = make_domain(widths[0], spec)
    t0 = time.perf_counter()
    runner = PoolRunner(workers)
    try:
        n_parts = default_parts(parts, workers, net.n_inputs)
        partition = plan_partition(net, domain, n_parts)
        t_plan = time.perf_counter() - t0
        final, results = drive(net, domain, partition, runner, chebyshev=False, collect=False)
    finally:
        runner.close()
    wall = time.perf_counter() - t0
    order = sorted(final.parts(), key=lambda p: -p.weight)  # the order drive submits
    free = [0.0] * workers
    for p in order:  # each part to the first free worker
        k = min(range(workers), key=lambda i: free[i])
        free[k] += results[p].stats["cpu"]
    cut_edges: set = set()
    for r in results.values():
        cut_edges |= r.cut_edges
    return {
        "regions": sum(r.owned for r in results.values()),
        "edges": sum(r.local_edges for r in results.values()) + len(cut_edges),
        "found": sum(r.found for r in results.values()),
        "parts": len(final.parts()),
        "wall": wall,
        "plan_seconds": t_plan,
        "part_cpu": [results[p].stats["cpu"] for p in final.parts()],
        "part_found": [results[p].found for p in final.parts()],
        "cpu_makespan": max(free),
    }


def child_memory(widths: list[int], seed: int, box: float) -> dict:
    import polyreg
    from polyreg.stream import count_streaming

    net = polyreg.random_network(widths, seed=seed)
    domain = polyreg.Box.cube(widths[0], -box, box)
    count_streaming(polyreg.random_network([2, 4, 1], seed=0), polyreg.Box.cube(2))  # warm up
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    s = count_streaming(net, domain, workers=1)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"regions": s["regions"], "rss_before_kib": before, "rss_peak_kib": peak,
            "wall": time.perf_counter() - t0}


def child_overhead() -> dict:
    import polyreg
    from polyreg.parallel import SerialRunner, drive, plan_partition

    out = {}
    for widths, box in [([2, 48, 48, 1], 2.0), ([3, 24, 24, 1], 1.5), ([4, 16, 16, 1], 1.0)]:
        net = polyreg.random_network(widths, seed=0)
        domain = polyreg.Box.cube(widths[0], -box, box)
        row = {}
        for parts in (1, 2, 8):
            _, res = drive(net, domain, plan_partition(net, domain, parts), SerialRunner(),
                           chebyshev=False, collect=False)
            row[parts] = (sum(r.owned for r in res.values()), sum(r.found for r in res.values()))
        out[str(widths)] = {"regions": row[1][0], "found_2": row[2][1], "found_8": row[8][1]}
    return out


def child_store(n: int) -> dict:
    import tempfile

    import numpy as np

    import polyreg
    from polyreg.parallel import Part, PartResult
    from polyreg.regions import Region
    from polyreg.store import RegionStore, _StoreSink

    net = polyreg.random_network([2, 128, 128, 128, 1], seed=0)
    rng = np.random.default_rng(0)
    pats = rng.random((n, net.n_hidden)) < 0.5
    W, b = np.zeros((1, 2)), np.zeros(1)
    res = PartResult(Part(0, None, None), owned=n, found=n)
    res.regions = [Region(p, rng.random(2), 0.1, W, b) for p in pats]
    with tempfile.TemporaryDirectory() as d:
        with RegionStore.create(Path(d) / "s.sqlite", net, polyreg.Box.cube(2),
                                mode="parts") as store:
            store.conn.execute("INSERT INTO parts (axis, lo, hi, weight, status) "
                               "VALUES (0, NULL, NULL, 1, 'pending')")
            t0 = time.perf_counter()
            _StoreSink(store, {res.part: 1}).add(res)
            dt = time.perf_counter() - t0
            size = os.path.getsize(Path(d) / "s.sqlite") + sum(
                os.path.getsize(p) for p in Path(d).glob("s.sqlite-*"))
    return {"regions": n, "seconds": dt, "bytes": size}


def speedup_case(widths: list[int], seed: int, spec: str) -> dict:
    d = widths[0]
    print(f"== speed-up: random_network({widths}, seed={seed}) in {describe(d, spec)}")
    print(f"   load average before: {load()}")
    ser = run_child("serial", json.dumps(widths), str(seed), spec)
    print(f"   1 process : {ser['regions']:,} regions, {ser['wall']:.1f} s wall, "
          f"{ser['cpu']:.1f} s CPU ({1e3 * ser['cpu'] / ser['regions']:.3f} ms/region)"
          f"   [load {load()}]")
    par = run_child("parallel", json.dumps(widths), str(seed), spec, "2", "-")
    if (par["regions"], par["edges"]) != (ser["regions"], ser["edges"]):
        raise SystemExit(f"FAIL: 2 workers found {par['regions']} regions / {par['edges']} "
                         f"edges, one process {ser['regions']} / {ser['edges']}")
    over = par["found"] / par["regions"]
    print(f"   2 workers : {par['regions']:,} regions ({par['parts']} parts, found "
          f"{par['found']:,} = {over:.3f} x), {par['wall']:.1f} s wall   [load {load()}]")
    print(f"   speed-up (wall clock)          : {ser['wall'] / par['wall']:.2f}x")
    print(f"   speed-up (CPU, 2-core makespan): {ser['cpu'] / par['cpu_makespan']:.2f}x "
          f"(parts' CPU {sum(par['part_cpu']):.1f} s, makespan {par['cpu_makespan']:.1f} s)")
    return {"net": widths, "seed": seed, "domain": spec, "serial": ser, "parallel": par,
            "speedup_wall": ser["wall"] / par["wall"],
            "speedup_cpu": ser["cpu"] / par["cpu_makespan"]}


def run_child(*args: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, __file__, "--child", *args], env=env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------- main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a ~10^4-region speed-up case")
    parser.add_argument("--only", default="speedup,memory,overhead,store")
    parser.add_argument("--million", action="store_true", help="also a 10^6-region count")
    parser.add_argument("--cores", default="64,256,1024", help="cluster sizes of the estimate")
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "serial":
            res = child_serial(json.loads(rest[0]), int(rest[1]), rest[2])
        elif kind == "parallel":
            res = child_parallel(json.loads(rest[0]), int(rest[1]), rest[2], int(rest[3]),
                                 None if rest[4] == "-" else int(rest[4]))
        elif kind == "memory":
            res = child_memory(json.loads(rest[0]), int(rest[1]), float(rest[2]))
        elif kind == "overhead":
            res = child_overhead()
        else:
            res = child_store(int(rest[0]))
        print(json.dumps(res))
        return 0

    only = set(args.only.split(","))
    report: dict = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    if "speedup" in only:
        report["speedup"] = []
        for widths, seed, spec in QUICK_CASES if args.quick else SPEED_CASES:
            report["speedup"].append(speedup_case(widths, seed, spec))
    if "memory" in only:
        print("== memory of count-only runs (one process, peak RSS minus RSS before the search)")
        rows = []
        cases = list(MEM_NETS) + ([MILLION_NET] if args.million else [])
        for (w, s), b in cases:
            m = run_child("memory", json.dumps(w), str(s), str(b))
            grown = (m["rss_peak_kib"] - m["rss_before_kib"]) * 1024
            m["bytes_per_region"] = grown / m["regions"]
            rows.append(m)
            print(f"   {w} in [-{b:g}, {b:g}]^2: {m['regions']:,} regions, peak RSS "
                  f"{m['rss_peak_kib'] / 1024:.0f} MiB (before {m['rss_before_kib'] / 1024:.0f} "
                  f"MiB), {m['bytes_per_region']:.0f} B/region, {m['wall']:.0f} s   "
                  f"[load {load()}]")
        big = max(rows, key=lambda r: r["regions"])
        est = big["rss_before_kib"] * 1024 + 1e6 * big["bytes_per_region"]
        print(f"   extrapolated to 10^6 regions: {est / 2**20:.0f} MiB peak RSS "
              f"(linear in the count, from the largest run)")
        report["memory"] = {"runs": rows, "extrapolated_1e6_bytes": est}
    if "overhead" in only:
        print("== duplicated work of the cuts (found / regions)")
        ov = run_child("overhead")
        for k, v in ov.items():
            print(f"   {k}: {v['regions']:,} regions; 2 parts {v['found_2'] / v['regions']:.3f}"
                  f", 8 parts {v['found_8'] / v['regions']:.3f}")
        report["overhead"] = ov
    if "store" in only:
        st = run_child("store", "100000")
        rate = st["regions"] / st["seconds"]
        print(f"== store: {st['regions']:,} regions committed in {st['seconds']:.2f} s "
              f"({rate:,.0f} regions/s, {st['bytes'] / st['regions']:.0f} bytes/region on disk)")
        report["store"] = st
    if report.get("speedup"):
        sp = report["speedup"][0]
        par = sp["parallel"]
        n, found, parts = par["regions"], par["found"], par["parts"]
        gamma = (found - n) / ((parts - 1) * n ** 0.5)
        cpu_per_region = sp["serial"]["cpu"] / n
        eff = sp["speedup_cpu"] * (found / n) / 2  # efficiency of the 2 workers, cuts aside
        print("== estimate for 10^8 regions (the first speed-up case's network family)")
        print(f"   measured: {1e3 * cpu_per_region:.3f} ms CPU/region; cut overhead "
              f"gamma = (found - n) / ((parts - 1) sqrt(n)) = {gamma:.2f}; "
              f"2-worker efficiency without the cuts {eff:.2f}")
        rows = []
        for cores in (int(c) for c in args.cores.split(",")):
            p = cores  # one part per core at this scale (see README-scale.md)
            over = 1 + gamma * (p - 1) / 1e4
            hours = 1e8 * cpu_per_region * over / (cores * min(eff, 1.0)) / 3600
            rows.append({"cores": cores, "parts": p, "overhead": over, "hours": hours})
            print(f"   {cores:>5} cores, {p} parts: work x{over:.2f}, about {60 * hours:.0f} min")
        report["estimate"] = {"cpu_per_region": cpu_per_region, "gamma": gamma,
                              "efficiency": eff, "rows": rows}
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
