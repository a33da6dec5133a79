"""Benchmark: exact region enumeration with polyreg against dense random sampling in equal time.

Run from the repository root::

    python benchmarks/run.py [--quick] [--cases NAME,...] [--json out.json]
                             [--timeout S] [--radius NAME=R,...] [--naive]

Every case is a random ``polyreg.random_network(widths, seed=0)`` in a fixed domain. Each
enumeration runs in a child process with a wall-clock limit (``--timeout``, default 300 s);
a case that exceeds it is reported as ``timeout`` instead of failing the run. The cases run one
after another, never concurrently, so they do not compete with each other for the CPU (other
load on the machine does: the header prints the load average).

Columns of the main table
-------------------------
case        case name (``--cases`` selects them).
domain      the input domain (``--radius`` overrides a ball's radius).
regions     exact number of activation regions, ``len(enumerate_regions(net, domain,
            chebyshev=False))``.
s           wall-clock seconds of that enumeration (measured inside the child process, so
            process start-up is not counted; the JSON also holds its CPU seconds).
cheb s      seconds of the same enumeration with ``chebyshev=True`` (one more LP/SOCP per
            region for the Chebyshev centre). The run checks that it finds the identical set of
            patterns; a different count or set prints FAIL.
solves/reg  LP + SOCP solves per region of the ``chebyshev=False`` run, ``stats['solves'] /
            regions``.
reg/s       regions per second, ``regions / s``.
s/1k        seconds per 1000 regions, ``1000 * s / regions`` (compare with the peer table).
samples     random points drawn by the sampling baseline, which runs for the same ``s`` seconds:
            uniform points of the domain (``polyreg.domains.sample``) in batches, the network's
            activation pattern of every point (``net.pattern``), patterns hashed as
            ``np.packbits(pattern).tobytes()``.
found       distinct patterns the sampling found in those ``s`` seconds.
coverage    ``found / regions``: the share of the exact regions that sampling sees in equal time.
            A random point lands on a region boundary (a zero-measure set) with probability 0,
            so every sampled pattern must be one of the exact regions; the run checks
            ``found <= regions`` and that inclusion, and prints FAIL otherwise.
speedup     ``(regions / s) / (found / sampling seconds)``: polyreg's regions per second over
            the rate at which sampling finds distinct regions. With equal time it is about
            ``1 / coverage``; unlike sampling, polyreg also certifies that no region is missing.
check       ``ok``, or ``FAIL`` with the reason printed loudly below the tables.

The peer table sets ``s/1k`` of ``mlp4`` and ``mlp6`` beside nnenum's timings quoted in the
issue for random networks of the same shapes (its own random weights, region counts and
machine, so an order-of-magnitude comparison only).

``--naive`` adds the textbook baseline on ``mlp4``: split the domain layer by layer with
``scipy.optimize.linprog``; for each layer, for each neuron, for each current cell two LPs
(min and max of the neuron's pre-activation over the cell) decide whether its hyperplane cuts
the cell, which is then split in two. Its patterns must equal polyreg's.

A case that raises (e.g. ``SolverFailed``) shows ``error`` and counts as FAIL; a timeout does
not. The exit status is 1 when anything printed FAIL, else 0.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import multiprocessing as mp
import multiprocessing.connection
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # benchmark the checkout this file sits in
    sys.path.insert(0, str(ROOT))

import polyreg  # noqa: E402  (after the sys.path insertion)
from polyreg.domains import sample  # noqa: E402

# ----------------------------------------------------------------------------- cases

NETWORK_SEED = 0  # polyreg.random_network(widths, seed=NETWORK_SEED) for every case
X0_SEED = 0  # mnist centre: np.random.default_rng(X0_SEED).uniform(0, 1, 784)
SAMPLING_SEED = 1  # rng of the sampling baseline
DEFAULT_BATCH = 20_000  # sampled points per batch
BATCH_FLOATS = 4_000_000  # cap on batch * input dimension (32 MB of float64 per batch)


@dataclass(frozen=True)
class PeerReference:
    """A timing of another tool on its own network of the same shape (quoted in the issue)."""

    tool: str
    regions: int
    seconds: float

    @property
    def per_1000(self) -> float:
        return 1000.0 * self.seconds / self.regions


@dataclass(frozen=True)
class Case:
    """One benchmark network and domain.

    ``radius`` (full run) and ``quick_radius`` (``--quick``) parametrise ball domains; ``None``
    for boxes.
    """

    name: str
    widths: tuple[int, ...]
    describe: str
    make_domain: Callable[[float | None], polyreg.Domain]
    radius: float | None = None
    quick_radius: float | None = None
    peer: PeerReference | None = None

    def build(self, radius: float | None) -> tuple[polyreg.Network, polyreg.Domain]:
        net = polyreg.random_network(list(self.widths), seed=NETWORK_SEED)
        return net, self.make_domain(radius)


def _ball8(r: float | None) -> polyreg.Domain:
    assert r is not None
    return polyreg.Ball(np.zeros(8), r, norm=2)


def _mnist(r: float | None) -> polyreg.Domain:
    assert r is not None
    x0 = np.random.default_rng(X0_SEED).uniform(0.0, 1.0, 784)
    return polyreg.Ball(x0, r, norm=2)


CASES: dict[str, Case] = {
    c.name: c
    for c in [
        Case("mlp4", (4, 16, 16, 1), "[-1,1]^4", lambda _: polyreg.Box.cube(4, -1.0, 1.0),
             peer=PeerReference("nnenum", 2830, 1.05)),
        Case("mlp6", (6, 12, 12, 12, 1), "[-0.5,0.5]^6", lambda _: polyreg.Box.cube(6, -0.5, 0.5),
             peer=PeerReference("nnenum", 1855, 0.8)),
        # The issue asks for r = 0.5; 8-D L2 balls are slow in the current engine (SOCPs), so
        # --quick uses r = 0.2 and the full run is guarded by --timeout.
        Case("ball8", (8, 24, 24, 1), "L2 ball r={r:g} at 0", _ball8, radius=0.5, quick_radius=0.2),
        # Radius chosen offline for ~10^3 regions (chebyshev=False, this network and x0):
        # r=0.03 -> 64, 0.05 -> 120, 0.07 -> 674, 0.075 -> 950, 0.077 -> 1082, 0.08 -> 1470,
        # 0.1 -> 4683 regions; 0.077 takes 12-25 s, 0.1 took ~110 s (2 busy cores).
        # --quick uses 0.05 (< 1 s).
        Case("mnist", (784, 64, 64, 10), "L2 ball r={r:g} at x0", _mnist, radius=0.077,
             quick_radius=0.05),
    ]
}


# ----------------------------------------------------------------------------- child processes


#: engine measured (``--method``); set before the children are forked, so they inherit it
METHOD = "traverse"


def warm_up() -> None:
    """Small enumerations in the parent, so that the lazily imported solvers (highspy,
    clarabel, scipy.spatial) are loaded once and inherited by the forked children instead of
    being imported inside the first timed call."""
    import scipy.optimize  # noqa: F401  (the naive baseline)

    net = polyreg.random_network([3, 6, 6, 1], seed=0)
    for domain in (polyreg.Box.cube(3, -1.0, 1.0), polyreg.Ball(np.zeros(3), 1.0, norm=2)):
        for chebyshev in (False, True):
            polyreg.enumerate_regions(net, domain, method=METHOD, chebyshev=chebyshev,
                                      progress=False)


@dataclass
class Outcome:
    """What a child process returned: ``status`` is ``ok``, ``timeout`` or ``error``."""

    status: str
    value: Any = None
    message: str = ""


def _child(conn: mp.connection.Connection, fn: Callable[..., Any], args: tuple) -> None:
    try:
        result = fn(*args)
    except Exception as exc:  # reported, not raised: one failing case must not stop the run
        conn.send(Outcome("error", message=f"{type(exc).__name__}: {exc}"))
    else:
        conn.send(Outcome("ok", result))
    conn.close()


def run_limited(fn: Callable[..., Any], args: tuple, timeout: float) -> Outcome:
    """``fn(*args)`` in a child process, killed after ``timeout`` seconds."""
    # fork: the child inherits the warmed-up imports (see warm_up); spawn elsewhere
    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    ctx: Any = mp.get_context(method)
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, fn, args), daemon=True)
    proc.start()
    send.close()
    try:
        if recv.poll(timeout):
            outcome: Outcome = recv.recv()
        else:
            outcome = Outcome("timeout", message=f"no result within {timeout:g} s")
    except EOFError:
        proc.join(5)
        outcome = Outcome("error", message=f"child process died (exit code {proc.exitcode})")
    finally:
        recv.close()
        if proc.is_alive():
            proc.terminate()
            proc.join(5)
        if proc.is_alive():
            proc.kill()
        proc.join()
    return outcome


@dataclass
class Enumeration:
    keys: list[bytes]
    seconds: float
    cpu_seconds: float
    stats: dict


def enumerate_case(name: str, radius: float | None, chebyshev: bool) -> Enumeration:
    """Child-process body: one timed ``polyreg.enumerate_regions`` call."""
    net, domain = CASES[name].build(radius)
    t0, c0 = time.perf_counter(), time.process_time()
    regions = polyreg.enumerate_regions(net, domain, method=METHOD, chebyshev=chebyshev,
                                        progress=False)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return Enumeration([r.key for r in regions], seconds, cpu, dict(regions.stats))


# ----------------------------------------------------------------------------- sampling baseline


@dataclass
class Sampling:
    points: int
    seconds: float
    keys: set[bytes]


def sample_patterns(
    net: polyreg.Network, domain: polyreg.Domain, budget: float, seed: int = SAMPLING_SEED
) -> Sampling:
    """Distinct activation patterns of uniform random points found within ``budget`` seconds.

    The last batch is shrunk to the time left (at the measured rate), so the run ends within
    a few milliseconds of ``budget``.
    """
    rng = np.random.default_rng(seed)
    batch = max(1000, min(DEFAULT_BATCH, BATCH_FLOATS // net.n_inputs))
    found: set[bytes] = set()
    points = 0
    t0 = time.perf_counter()
    while (elapsed := time.perf_counter() - t0) < budget:
        n = batch
        if points:
            n = int(min(batch, max(1.0, (budget - elapsed) * points / elapsed)))
        packed = np.packbits(net.pattern(sample(domain, n, rng)), axis=1)
        found.update(row.tobytes() for row in np.unique(packed, axis=0))
        points += n
    return Sampling(points, time.perf_counter() - t0, found)


# ----------------------------------------------------------------------------- naive LP baseline


@dataclass
class NaiveResult:
    keys: list[bytes]
    seconds: float
    lps: int


def naive_split(name: str) -> NaiveResult:
    """Layer-by-layer splitting of a box with two ``linprog`` LPs per (cell, neuron).

    A cell is a polytope ``A x <= b`` inside the box on which the earlier layers' pattern is
    fixed, so the layer's pre-activations are affine there: ``z = Z x + zc``. For each neuron
    the minimum and maximum of ``z_j`` over the cell decide: both signs occur (split the cell
    along ``z_j = 0``), or the neuron is on / off on the whole cell.
    """
    from scipy.optimize import linprog

    net, domain = CASES[name].build(None)
    if not isinstance(domain, polyreg.Box):
        raise ValueError("the naive baseline supports box domains only")
    d = net.n_inputs
    bounds = list(zip(domain.lo.tolist(), domain.hi.tolist(), strict=True))
    alpha = net.negative_slope
    lps = 0

    def extent(A: np.ndarray, b: np.ndarray, g: np.ndarray) -> tuple[float, float]:
        nonlocal lps
        out = []
        for sign in (1.0, -1.0):
            res = linprog(sign * g, A_ub=A if A.size else None, b_ub=b if b.size else None,
                          bounds=bounds, method="highs")
            lps += 1
            if res.status != 0:
                raise RuntimeError(f"linprog failed: {res.message}")
            out.append(sign * res.fun)
        return out[0], out[1]

    t0 = time.perf_counter()
    # cell: (A, b, bits, M, m) with the layer input a(x) = M x + m on the cell
    cells: list[tuple[np.ndarray, np.ndarray, list[bool], np.ndarray, np.ndarray]] = [
        (np.zeros((0, d)), np.zeros(0), [], np.eye(d), np.zeros(d))
    ]
    for W, bias in zip(net.weights[:-1], net.biases[:-1], strict=True):
        maps = [(W @ M, W @ m + bias) for (_, _, _, M, m) in cells]
        work = [(A, b, bits, Z, zc) for (A, b, bits, _, _), (Z, zc) in zip(cells, maps, strict=True)]
        for j in range(W.shape[0]):
            nxt = []
            for A, b, bits, Z, zc in work:
                g, c = Z[j], float(zc[j])
                eps = 1e-9 * max(1.0, float(np.linalg.norm(g)), abs(c))
                lo, hi = extent(A, b, g)
                lo, hi = lo + c, hi + c
                if lo < -eps and hi > eps:  # the hyperplane z_j = 0 cuts the cell
                    nxt.append((np.vstack([A, -g]), np.append(b, c), bits + [True], Z, zc))
                    nxt.append((np.vstack([A, g]), np.append(b, -c), bits + [False], Z, zc))
                else:
                    nxt.append((A, b, bits + [hi > eps], Z, zc))
            work = nxt
        n = W.shape[0]
        cells = []
        for A, b, bits, Z, zc in work:
            slope = np.where(np.array(bits[-n:]), 1.0, alpha)
            cells.append((A, b, bits, slope[:, None] * Z, slope * zc))
    keys = [np.packbits(np.array(bits, dtype=bool)).tobytes() for (_, _, bits, _, _) in cells]
    return NaiveResult(keys, time.perf_counter() - t0, lps)


# ----------------------------------------------------------------------------- one case


@dataclass
class Row:
    """One line of the main table (``None`` where a value is unavailable)."""

    case: str
    widths: list[int]
    domain: str
    radius: float | None
    status: str = "ok"
    regions: int | None = None
    seconds: float | None = None
    cpu_seconds: float | None = None
    cheb_seconds: float | None = None
    cheb_status: str = ""
    solves: int | None = None
    solves_per_region: float | None = None
    regions_per_second: float | None = None
    seconds_per_1000: float | None = None
    samples: int | None = None
    sampling_seconds: float | None = None
    found: int | None = None
    coverage: float | None = None
    speedup: float | None = None
    stats: dict = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    keys: list[bytes] = field(default_factory=list, repr=False)


def run_case(case: Case, radius: float | None, timeout: float) -> Row:
    row = Row(case.name, list(case.widths), case.describe.format(r=radius), radius)
    log(f"[{case.name}] enumerate (chebyshev=False) ...")
    plain = run_limited(enumerate_case, (case.name, radius, False), timeout)
    if plain.status != "ok":
        row.status = plain.status
        log(f"[{case.name}] {plain.status}: {plain.message}")
        if plain.status == "error":
            row.failures.append(plain.message)
        return row
    res: Enumeration = plain.value
    exact = set(res.keys)
    n = len(exact)
    row.keys = res.keys
    row.regions, row.seconds, row.cpu_seconds = n, res.seconds, res.cpu_seconds
    row.stats = res.stats
    row.solves = int(res.stats.get("solves", 0))
    row.solves_per_region = row.solves / n
    row.regions_per_second = n / res.seconds
    row.seconds_per_1000 = 1000.0 * res.seconds / n
    if len(res.keys) != n:
        row.failures.append(f"{len(res.keys) - n} duplicate patterns in the enumeration")

    log(f"[{case.name}] {n} regions in {res.seconds:.2f} s (engine {res.stats.get('engine')}); "
        "enumerate (chebyshev=True) ...")
    cheb = run_limited(enumerate_case, (case.name, radius, True), timeout)
    row.cheb_status = cheb.status
    if cheb.status == "ok":
        row.cheb_seconds = cheb.value.seconds
        if set(cheb.value.keys) != exact:
            row.failures.append(f"chebyshev=True gives {len(set(cheb.value.keys))} regions, "
                                f"chebyshev=False {n}")
    else:
        log(f"[{case.name}] chebyshev=True {cheb.status}: {cheb.message}")
        if cheb.status == "error":
            row.failures.append(f"chebyshev=True: {cheb.message}")

    log(f"[{case.name}] sampling for {res.seconds:.2f} s ...")
    net, domain = case.build(radius)
    smp = sample_patterns(net, domain, res.seconds)
    row.samples, row.sampling_seconds, row.found = smp.points, smp.seconds, len(smp.keys)
    row.coverage = len(smp.keys) / n
    if smp.keys:
        row.speedup = row.regions_per_second / (len(smp.keys) / smp.seconds)
    outside = smp.keys - exact
    if len(smp.keys) > n:
        row.failures.append(f"sampling found {len(smp.keys)} > {n} exact regions")
    if outside:
        row.failures.append(f"{len(outside)} sampled pattern(s) missing from the exact set, "
                            f"e.g. {min(outside).hex()}")
    return row


# ----------------------------------------------------------------------------- output


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _git(*args: str) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                             timeout=10, check=False)
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine_info() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    dirty = _git("status", "--porcelain", "--", "polyreg")
    return {
        "nproc": nproc,
        "cpu": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": _version("scipy"),
        "highspy": _version("highspy"),
        "clarabel": _version("clarabel"),
        "loadavg_1min": round(os.getloadavg()[0], 2),
        "polyreg": polyreg.__version__,
        "git": (_git("rev-parse", "--short", "HEAD") or "?")
        + (" + uncommitted changes in polyreg/" if dirty else ""),
    }


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:  # the first two columns left-aligned, numbers right
        return "  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def main_table(rows: list[Row]) -> str:
    headers = ["case", "domain", "regions", "s", "cheb s", "solves/reg", "reg/s", "s/1k",
               "samples", "found", "coverage", "speedup", "check"]
    body = []
    for r in rows:
        if r.status != "ok":
            body.append([r.case, r.domain, r.status] + ["-"] * 9 + ["FAIL" if r.failures else "-"])
            continue
        cheb = _fmt(r.cheb_seconds, ".2f") if r.cheb_status == "ok" else r.cheb_status
        body.append([
            r.case, r.domain, str(r.regions), _fmt(r.seconds, ".2f"), cheb,
            _fmt(r.solves_per_region, ".3f"), _fmt(r.regions_per_second, ".0f"),
            _fmt(r.seconds_per_1000, ".3f"), _fmt(r.samples, ","), _fmt(r.found, "d"),
            "-" if r.coverage is None else f"{100 * r.coverage:.1f}%",
            "-" if r.speedup is None else f"{r.speedup:.1f}x",
            "FAIL" if r.failures else "ok",
        ])
    return format_table(headers, body)


def peer_table(rows: list[Row]) -> str | None:
    body = []
    for r in rows:
        peer = CASES[r.case].peer
        if peer is None:
            continue
        body.append([r.case, "x".join(map(str, r.widths)), _fmt(r.regions, "d"),
                     _fmt(r.seconds, ".2f"), _fmt(r.seconds_per_1000, ".3f"),
                     peer.tool, str(peer.regions), f"{peer.seconds:.2f}", f"{peer.per_1000:.2f}"])
    if not body:
        return None
    return format_table(["case", "widths", "regions", "s", "s/1k", "peer", "peer regions",
                         "peer s", "peer s/1k"], body)


# ----------------------------------------------------------------------------- main


def parse_radii(text: str) -> dict[str, float]:
    out = {}
    for item in filter(None, text.split(",")):
        name, _, value = item.partition("=")
        if name not in CASES or CASES[name].radius is None:
            raise SystemExit(f"--radius: {name!r} is not a ball case")
        out[name] = float(value)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small radii; < 1 minute in total")
    parser.add_argument("--method", default="traverse",
                        help="engine to measure (default traverse, the LP engine of this table)")
    parser.add_argument("--cases", default=",".join(CASES),
                        help=f"comma-separated subset of {','.join(CASES)}")
    parser.add_argument("--json", metavar="FILE", help="also write all measurements as JSON")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds per enumeration before it is reported as timeout (300)")
    parser.add_argument("--radius", default="", metavar="NAME=R,...",
                        help="override a ball case's radius, e.g. ball8=0.3")
    parser.add_argument("--naive", action="store_true",
                        help="also run the naive layer-by-layer linprog baseline on mlp4")
    parser.add_argument("--naive-timeout", type=float, default=900.0,
                        help="seconds before the naive baseline is reported as timeout (900)")
    args = parser.parse_args(argv)
    global METHOD
    METHOD = args.method

    names = [n.strip() for n in args.cases.split(",") if n.strip()]
    unknown = [n for n in names if n not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; choose from {', '.join(CASES)}")
    if args.naive and "mlp4" not in names:
        names.insert(0, "mlp4")  # the naive baseline is compared with polyreg's mlp4 row
    radii = parse_radii(args.radius)

    info = machine_info()
    print("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    print(f"mode: {'quick' if args.quick else 'full'}, timeout {args.timeout:g} s per "
          "enumeration, networks polyreg.random_network(widths, seed=0)\n", flush=True)

    t_start = time.perf_counter()
    warm_up()
    rows: list[Row] = []
    for name in names:
        case = CASES[name]
        radius = radii.get(name, case.quick_radius if args.quick else case.radius)
        rows.append(run_case(case, radius, args.timeout))

    naive: dict[str, Any] | None = None
    if args.naive:
        naive = run_naive(rows, args.naive_timeout)

    print(main_table(rows))
    peers = peer_table(rows)
    if peers:
        print("\npeer reference (their own random nets and machine; order of magnitude only):")
        print(peers)
    if naive is not None:
        print("\n" + naive["text"])
    failures = [(r.case, f) for r in rows for f in r.failures]
    failures += [("naive", f) for f in (naive or {}).get("failures", [])]
    for case_name, message in failures:
        print(f"\n!!!!! FAIL [{case_name}]: {message} !!!!!")
    total = time.perf_counter() - t_start
    print(f"\ntotal {total:.1f} s")

    if args.json:
        payload = {
            "machine": info,
            "mode": "quick" if args.quick else "full",
            "timeout": args.timeout,
            "cases": [{k: v for k, v in asdict(r).items() if k != "keys"} for r in rows],
            "naive": None if naive is None else {k: v for k, v in naive.items() if k != "text"},
            "total_seconds": total,
        }
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n")
    return 1 if failures else 0


def run_naive(rows: list[Row], timeout: float) -> dict[str, Any]:
    """The naive linprog baseline on mlp4, compared with polyreg's mlp4 row."""
    log("[naive] layer-by-layer linprog splitting on mlp4 ...")
    out: dict[str, Any] = {"case": "mlp4", "status": "", "failures": []}
    outcome = run_limited(naive_split, ("mlp4",), timeout)
    out["status"] = outcome.status
    if outcome.status != "ok":
        out["text"] = f"naive linprog baseline on mlp4: {outcome.status} ({outcome.message})"
        if outcome.status == "error":
            out["failures"].append(outcome.message)
        return out
    res: NaiveResult = outcome.value
    out.update(regions=len(set(res.keys)), seconds=res.seconds, lps=res.lps)
    poly = next((r for r in rows if r.case == "mlp4" and r.status == "ok"), None)
    text = (f"naive linprog baseline on mlp4: {out['regions']} regions in {res.seconds:.1f} s "
            f"({res.lps} LPs, {res.lps / max(out['regions'], 1):.1f} per region)")
    if poly is not None and poly.seconds:
        same = set(res.keys) == set(poly.keys)
        out.update(polyreg_seconds=poly.seconds, speedup=res.seconds / poly.seconds,
                   identical=same)
        text += (f"; polyreg {poly.regions} regions in {poly.seconds:.2f} s: polyreg/naive time "
                 f"{poly.seconds / res.seconds:.4f} ({res.seconds / poly.seconds:.0f}x faster); "
                 f"identical pattern sets: {'yes' if same else 'NO'}")
        if not same:
            out["failures"].append(
                f"naive and polyreg patterns differ: {len(set(res.keys) - set(poly.keys))} only "
                f"naive, {len(set(poly.keys) - set(res.keys))} only polyreg")
    out["text"] = text
    return out


if __name__ == "__main__":
    sys.exit(main())
