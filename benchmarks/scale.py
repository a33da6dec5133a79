"""Benchmark of long runs: parallel speed-up, memory of count-only runs, cost of the cuts, and an
estimate for 10^8 regions on a cluster.

Run from the repository root::

    python benchmarks/scale.py [--quick] [--only speedup,memory,overhead,store] [--repeat 3]
                               [--million] [--cores 64,256,1024] [--json out.json]

Every measurement runs in a child process (``python benchmarks/scale.py --child ...``), one
after another, so measurements do not compete with each other for the CPU; other load on the
machine does, so the load average is printed with each one.

Sections
--------
speedup
    For each of :data:`SPEED_CASES`: ``polyreg.scale.stream.count_streaming`` with one process, then
    with 2 processes sharing one frontier (``workers=2``: :mod:`polyreg.scale.frontier`, regions
    owned by pattern hash), then with 2 processes on domain slabs (:mod:`polyreg.scale.parallel`,
    the default number of parts; what stores and dask clusters run). Wall-clock speed-up
    (``serial wall / parallel wall``) and, robust to other load on the machine, the same ratio
    from CPU seconds: the serial run's CPU time over the busiest worker's CPU time (shared
    frontier) or over the makespan of the parts' CPU times scheduled on 2 workers in the order
    the pool received them (slabs). ``found / regions`` is the slabs' duplicated work (regions
    crossing a cut are searched on both sides). All runs must agree on the numbers of regions
    and edges. The three runs alternate ``--repeat`` times and the fastest of each counts.
memory
    Peak resident memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) of a count-only run
    in a fresh process, minus the resident memory just before the search (imports, network):
    bytes per region at two sizes, extrapolated linearly to 10^6 regions. ``--million`` runs
    :data:`MILLION_CASE` (about 10^6 regions; long) and measures it directly.
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
#: L2 ball of radius R around 0). First: 91,792 regions in a 3-D L2 ball (``auto`` runs
#: traverse there); second: 32,111 regions in a 2-D box (cuts cost least in 2-D)
SPEED_CASES = [([3, 48, 48, 1], 0, "ball:2"), ([2, 96, 96, 96, 1], 0, "box:3")]
#: --quick: about 1.3 * 10^4 regions
QUICK_CASES = [([2, 64, 64, 64, 1], 0, "box:3")]
#: memory cases (count-only, one process): (widths, seed, domain), smaller and larger
MEM_CASES = [([3, 32, 32, 1], 0, "ball:2"), ([3, 48, 48, 1], 0, "ball:2")]
#: --million: about 10^6 regions (some 15 minutes of one core)
MILLION_CASE = ([3, 104, 104, 1], 0, "ball:2")


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
    from polyreg.scale.stream import count_streaming

    net = polyreg.random_network(widths, seed=seed)
    domain = make_domain(widths[0], spec)
    t0, c0 = time.perf_counter(), time.process_time()
    s = count_streaming(net, domain, workers=1)
    return {"regions": s["regions"], "edges": s["edges"], "wall": time.perf_counter() - t0,
            "cpu": time.process_time() - c0}


def child_shared(widths: list[int], seed: int, spec: str, workers: int) -> dict:
    import polyreg
    from polyreg.scale.stream import count_streaming

    net = polyreg.random_network(widths, seed=seed)
    domain = make_domain(widths[0], spec)
    t0 = time.perf_counter()
    s = count_streaming(net, domain, workers=workers)
    return {"regions": s["regions"], "edges": s["edges"], "wall": time.perf_counter() - t0,
            "cpu_workers": s["cpu"], "cpu_makespan": max(s["cpu"]), "messages": s["messages"]}


def child_parallel(widths: list[int], seed: int, spec: str, workers: int,
                   parts: int | None) -> dict:
    import polyreg
    from polyreg.scale.parallel import PoolRunner, default_parts, drive, plan_partition

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
    order = sorted(final.parts(), key=lambda p: (-p.density, -p.weight))  # drive's order
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


def child_memory(widths: list[int], seed: int, spec: str) -> dict:
    import polyreg
    from polyreg.scale.stream import count_streaming

    net = polyreg.random_network(widths, seed=seed)
    domain = make_domain(widths[0], spec)
    count_streaming(polyreg.random_network([2, 4, 1], seed=0), polyreg.Box.cube(2))  # warm up
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    s = count_streaming(net, domain, workers=1)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"regions": s["regions"], "rss_before_kib": before, "rss_peak_kib": peak,
            "wall": time.perf_counter() - t0}


def child_overhead() -> dict:
    import polyreg
    from polyreg.scale.parallel import SerialRunner, drive, plan_partition

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
    from polyreg.scale.parallel import Part, PartResult
    from polyreg.regions import Region
    from polyreg.scale.store import RegionStore, _StoreSink

    net = polyreg.random_network([2, 128, 128, 128, 1], seed=0)
    rng = np.random.default_rng(0)
    pats = rng.random((n, net.n_hidden)) < 0.5
    W, b = np.zeros((1, 2)), np.zeros(1)
    res = PartResult(Part(0, None, None), owned=n, found=n)
    res.regions = [Region(p, rng.random(2), 0.1, W, b) for p in pats]
    with tempfile.TemporaryDirectory() as d, RegionStore.create(
            Path(d) / "s.sqlite", net, polyreg.Box.cube(2), mode="parts") as store:
        store.conn.execute("INSERT INTO parts (axis, lo, hi, weight, status) "
                           "VALUES (0, NULL, NULL, 1, 'pending')")
        t0 = time.perf_counter()
        _StoreSink(store, {res.part: 1}).add(res)
        dt = time.perf_counter() - t0
        size = os.path.getsize(Path(d) / "s.sqlite") + sum(
            os.path.getsize(p) for p in Path(d).glob("s.sqlite-*"))
    return {"regions": n, "seconds": dt, "bytes": size}


def speedup_case(widths: list[int], seed: int, spec: str, repeat: int) -> dict:
    """One process, 2 workers sharing a frontier, 2 workers on slabs, alternated ``repeat``
    times; the fastest of each counts (the usual way to read timings on a shared machine: the
    slower runs measure the other load)."""
    d = widths[0]
    print(f"== speed-up: random_network({widths}, seed={seed}) in {describe(d, spec)}")
    runs: dict[str, list] = {"serial": [], "shared": [], "slabs": []}
    for k in range(repeat):
        ser = run_child("serial", json.dumps(widths), str(seed), spec)
        ser["load"] = load()
        sh = run_child("shared", json.dumps(widths), str(seed), spec, "2")
        sh["load"] = load()
        par = run_child("parallel", json.dumps(widths), str(seed), spec, "2", "-")
        par["load"] = load()
        for name, r in (("shared frontier", sh), ("slabs", par)):
            if (r["regions"], r["edges"]) != (ser["regions"], ser["edges"]):
                raise SystemExit(f"FAIL: 2 workers ({name}) found {r['regions']} regions / "
                                 f"{r['edges']} edges, one process {ser['regions']} / "
                                 f"{ser['edges']}")
        print(f"   run {k + 1}: 1 process {ser['wall']:.1f} s wall / {ser['cpu']:.1f} s CPU "
              f"[load {ser['load']}]; shared frontier {sh['wall']:.1f} s wall, busiest worker "
              f"{sh['cpu_makespan']:.1f} s CPU [load {sh['load']}]; slabs {par['wall']:.1f} s "
              f"wall, CPU makespan {par['cpu_makespan']:.1f} s [load {par['load']}]")
        runs["serial"].append(ser)
        runs["shared"].append(sh)
        runs["slabs"].append(par)
    ser, sh, par = (min(runs[k], key=lambda r: r["wall"]) for k in ("serial", "shared", "slabs"))
    over = par["found"] / par["regions"]
    cpu = min(r["cpu"] for r in runs["serial"])
    speed = {
        "shared_wall": ser["wall"] / sh["wall"],
        "shared_cpu": cpu / min(r["cpu_makespan"] for r in runs["shared"]),
        "slabs_wall": ser["wall"] / par["wall"],
        "slabs_cpu": cpu / min(r["cpu_makespan"] for r in runs["slabs"]),
    }
    print(f"   1 process      : {ser['regions']:,} regions, {ser['edges']:,} edges, "
          f"{ser['wall']:.1f} s wall, {ser['cpu']:.1f} s CPU "
          f"({1e3 * ser['cpu'] / ser['regions']:.3f} ms/region)")
    print(f"   shared frontier: {sh['wall']:.1f} s wall, {sh['messages']:,} batches exchanged; "
          f"speed-up {speed['shared_wall']:.2f}x wall, {speed['shared_cpu']:.2f}x CPU "
          f"(best of {repeat})")
    print(f"   slabs          : {par['parts']} parts, found {par['found']:,} = {over:.3f} x, "
          f"{par['wall']:.1f} s wall (planning {par['plan_seconds']:.1f} s); speed-up "
          f"{speed['slabs_wall']:.2f}x wall, {speed['slabs_cpu']:.2f}x CPU makespan")
    return {"net": widths, "seed": seed, "domain": spec, "serial": ser, "shared": sh,
            "parallel": par, "runs": runs, "speedup": speed,
            "speedup_wall": speed["slabs_wall"], "speedup_cpu": speed["slabs_cpu"]}


def estimate(sp: dict, clusters: list[int], n: float = 1e8) -> dict:
    """Hours for ``n`` regions on clusters of ``clusters`` cores, from a speed-up case.

    Work = ``n * (CPU s per region) * (1 + cut overhead)``; each of ``P - 1`` slab cuts is
    crossed by about ``gamma * n ** ((d - 1) / d)`` regions (measured ``gamma``), searched twice;
    time = work / (cores * efficiency), the efficiency being the 2-worker run's without its
    cuts (balance, process start). One part per core (more parts only add cuts).
    """
    par, ser = sp["parallel"], sp["serial"]
    d = sp["net"][0]
    m = par["regions"]
    cpu = ser["cpu"] / m
    gamma = (par["found"] - m) / ((par["parts"] - 1) * m ** ((d - 1) / d))
    eff = min(1.0, sp["speedup_cpu"] * (par["found"] / m) / 2)
    print(f"   {sp['net']} in {describe(d, sp['domain'])}: {1e3 * cpu:.3f} ms CPU/region, "
          f"gamma {gamma:.2f}, efficiency {eff:.2f}")
    rows = []
    for cores in clusters:
        over = 1 + gamma * (cores - 1) * n ** (-1 / d)
        hours = n * cpu * over / (cores * eff) / 3600
        rows.append({"cores": cores, "parts": cores, "work_factor": over, "hours": hours})
        print(f"   {cores:>6} cores: work x{over:.2f}, about {hours:.2f} h")
    return {"net": sp["net"], "domain": sp["domain"], "cpu_per_region": cpu, "gamma": gamma,
            "efficiency": eff, "rows": rows}


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
    parser.add_argument("--repeat", type=int, default=2,
                        help="speed-up runs per case (the fastest counts; default 2)")
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
        elif kind == "shared":
            res = child_shared(json.loads(rest[0]), int(rest[1]), rest[2], int(rest[3]))
        elif kind == "memory":
            res = child_memory(json.loads(rest[0]), int(rest[1]), rest[2])
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
            report["speedup"].append(speedup_case(widths, seed, spec, args.repeat))
    if "memory" in only:
        print("== memory of count-only runs (one process, peak RSS minus RSS before the search)")
        rows = []
        cases = list(MEM_CASES) + ([MILLION_CASE] if args.million else [])
        for w, s, spec in cases:
            m = run_child("memory", json.dumps(w), str(s), spec)
            grown = (m["rss_peak_kib"] - m["rss_before_kib"]) * 1024
            m["bytes_per_region"] = grown / m["regions"]
            m["net"], m["domain"] = w, spec
            rows.append(m)
            print(f"   {w} in {describe(w[0], spec)}: {m['regions']:,} regions, peak RSS "
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
        print("== estimate for 10^8 regions (per speed-up case: its network family and domain)")
        report["estimate"] = []
        for sp in report["speedup"]:
            report["estimate"].append(estimate(sp, [int(c) for c in args.cores.split(",")]))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
