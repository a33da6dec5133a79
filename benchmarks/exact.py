"""Benchmark: what the exact rational path (``Tolerances.exact``) costs.

Run from the repository root::

    python benchmarks/exact.py [--quick] [--repeat N] [--json out.json]

Ordinary table (default mode against float64 only; best of ``--repeat`` each, interleaved)
------------------------------------------------------------------------------------------
case        network, domain and engine (random networks, seed 0: nothing there is thin).
regions     activation regions found (the two modes must agree: ``check``).
never s     seconds with ``Tolerances(exact="never")`` (float64 only, the old behaviour).
auto s      seconds with the default ``Tolerances(exact="auto")``.
ratio       ``auto s / never s`` (1.00 within noise: ``auto`` costs nothing until a decision
            falls between the tolerances).
exact       exact decisions made in ``auto`` mode (0 on these networks).

Forced table (cells built to fall between the tolerances: ``never`` raises there)
---------------------------------------------------------------------------------
case        ``strip`` (two parallel lines 2e-10 apart, a third across: inradius 1e-10) or
            ``triangle`` (lines x = 0, y = 0, x + y = 1e-10: inradius 2.9e-11) in ``[-1, 1]^2``,
            or ``tri+rand``: the triangle's three neurons added to a random [2, 8, 8, 1]
            network's first layer, or ``merge``: two parallel lines 2e-11 apart (within the
            merge tolerance: "same hyperplane?" is undecided in float64). ``line`` rows: a
            segment across the ``merge`` strip, and a polyline through ``tri+rand`` passing
            1e-11 from the triangle's corner (breakpoints closer than the merge gap).
auto s      default mode: float64, rational arithmetic only where undecided (``exact``
            decisions, ``ex s`` seconds of them).
always s    every full-dimensionality and facet decision in rational arithmetic (``exact``
            decisions); ``ratio`` = ``always s / auto s``.

Exact LP table (one undecided LP, ``d`` inputs, ``m`` rows)
-----------------------------------------------------------
point       the float solver's point checked exactly (the certificate that settles most
            cases), milliseconds.
basis       the rows active at HiGHS's optimum: the point where they are tight nearest to a
            point 1e-3 off the float optimum, solved exactly and verified.
simplex     the rational dual simplex (Bland's rule) from no hint: the fallback.
Robustness table (the radius's per-region nearest-point problems, L1 / L2 / L-inf)
--------------------------------------------------------------------------------
case        ``[6,20,20,4] rand``: a random network at a random point (ordinary: float64
            decides; ``auto`` adds one float LP per problem HiGHS calls empty, its feasibility
            margin), or ``sliver``: a class-1 sliver next to a kink, empty by 5e-11 (float64
            calls it feasible: ``never`` raises; the radius is 7).
radius      the default mode's answer; ``never s`` / ``auto s`` / ``always s`` seconds (best of
            ``--repeat``), ``solves`` the LPs / QPs of ``auto`` (``never``'s in brackets),
            ``exact`` the problems decided in rationals in ``auto`` / ``always``.

The arithmetic is :data:`polyreg.exact.BACKEND` (``gmpy2`` when installed, else
``fractions``); run it twice (with and without gmpy2 on the path) to compare.

Exit status 1 when a check fails.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import polyreg  # noqa: E402
from polyreg import Ball, Box, Tolerances  # noqa: E402
from polyreg import exact as ex  # noqa: E402
from polyreg.slices import Path  # noqa: E402


def _net(W: np.ndarray, b: np.ndarray) -> polyreg.Network:
    return polyreg.Network.from_layers([(W, b), (np.ones((1, W.shape[0])), [0.0])])


def ordinary_cases(quick: bool) -> list[tuple[str, polyreg.Network, polyreg.Domain, str]]:
    rn = polyreg.random_network
    cases = [
        ("[2,16,16,1] box planar", rn([2, 16, 16, 1], seed=0), Box.cube(2, -1, 1), "planar"),
        ("[2,16,16,1] box skeleton", rn([2, 16, 16, 1], seed=0), Box.cube(2, -1, 1), "skeleton"),
        ("[4,10,10,1] box traverse", rn([4, 10, 10, 1], seed=0), Box.cube(4, -1, 1), "traverse"),
        ("[3,10,10,1] L2 traverse", rn([3, 10, 10, 1], seed=0), Ball(np.zeros(3), 1.0),
         "traverse"),
        ("[5,12,12,1] box skeleton", rn([5, 12, 12, 1], seed=0), Box.cube(5, -1, 1), "skeleton"),
        ("[8,10,10,1] box branch", rn([8, 10, 10, 1], seed=0), Box.cube(8, -0.3, 0.3), "branch"),
        ("[4,32,32,32,1] polyline line", rn([4, 32, 32, 32, 1], seed=0),
         Path.polyline(np.random.default_rng(0).normal(size=(200, 4)), closed=True), "line"),
    ]
    if not quick:
        cases += [
            ("[6,16,16,1] box traverse", rn([6, 16, 16, 1], seed=0), Box.cube(6, -1, 1),
             "traverse"),
            ("[4,16,16,1] box split", rn([4, 16, 16, 1], seed=0), Box.cube(4, -1, 1), "split"),
        ]
    return cases


def forced_cases() -> list[tuple[str, polyreg.Network, polyreg.Domain, str]]:
    strip = _net(np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]), np.array([0.0, -2e-10, 0.0]))
    tri_W = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    tri_b = np.array([0.0, 0.0, -1e-10])
    tri = _net(tri_W, tri_b)
    base = polyreg.random_network([2, 8, 8, 1], seed=0)
    W0 = np.vstack([base.weights[0], tri_W])
    b0 = np.concatenate([base.biases[0], tri_b])
    W1 = np.hstack([base.weights[1], np.zeros((8, 3))])
    mixed = polyreg.Network.from_layers([(W0, b0), (W1, base.biases[1]),
                                         (base.weights[2], base.biases[2])])
    # two parallel lines 2e-11 apart: within the merge tolerance, farther than zero (a merge
    # decision in the window: the exact rows decide that they are two lines)
    thin = _net(np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]), np.array([0.0, -2e-11, 0.0]))
    box = Box.cube(2, -1, 1)
    out = []
    for name, net in (("strip", strip), ("triangle", tri), ("tri+rand", mixed),
                      ("merge", thin)):
        for method in ("traverse", "skeleton", "planar", "split", "branch"):
            out.append((f"{name} {method}", net, box, method))
    # line: a segment across the 2e-11 strip; a polyline through the random network with the
    # triangle (its corner crossed 1e-11 away from the vertex)
    across = Path.segment([-1.0, 0.5], [1.0, 0.5])
    out.append(("merge line", thin, across, "line"))
    corner = Path.polyline([[-1.0, -1.0], [1e-11, 1e-11 - 2e-10], [1.0, 1.0], [-1.0, 0.5]])
    out.append(("tri+rand line", mixed, corner, "line"))
    return out


def _time(net, domain, method, mode) -> tuple[float, polyreg.RegionSet]:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    rs = polyreg.enumerate_regions(net, domain, method=method, tol=Tolerances(exact=mode),
                                   progress=False)
    return time.perf_counter() - t, rs


def lp_case(d: int, m: int, seed: int) -> dict:
    """One thin polytope: m random unit rows around the origin, two of them parallel 2e-10
    apart (inradius 1e-10), in ``d`` dimensions: the exact decision by each method (ms)."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(m, d))
    A /= np.linalg.norm(A, axis=1, keepdims=True)
    b = np.ones(m)
    A[0], b[0] = np.eye(d)[0], 1e-10
    A[1], b[1] = -np.eye(d)[0], 1e-10
    Aq, bq = ex.q_mat(A), ex.q_vec(b)
    from scipy.optimize import linprog

    lp = linprog(np.eye(d + 1)[d] * -1, A_ub=np.hstack([A, np.ones((m, 1))]), b_ub=b,
                 bounds=[(None, None)] * d + [(None, 1.0)], method="highs")
    slack = b - A @ lp.x[:d] - lp.x[d]
    order = np.argsort(slack)[: 2 * (d + 1)]
    active = [int(i) for i in order[slack[order] <= slack[order[0]] + 1e-9]]
    times = {}
    t = time.perf_counter()
    assert ex.interior(Aq, bq, hint=lp.x[:d]).full
    times["point"] = 1e3 * (time.perf_counter() - t)
    t = time.perf_counter()
    basic = ex._verify_basis(Aq, bq, [], [], active, ex.q_vec(lp.x[:d] + 1e-3))
    times["basis"] = 1e3 * (time.perf_counter() - t)
    assert basic is not None and basic[0] > 0
    t = time.perf_counter()
    assert ex.interior(Aq, bq).full
    times["simplex"] = 1e3 * (time.perf_counter() - t)
    return {"d": d, "m": m, **times}


def robustness_cases() -> list[tuple[str, polyreg.Network, np.ndarray]]:
    rand = polyreg.random_network([6, 20, 20, 4], seed=0)
    x = np.random.default_rng(0).uniform(-0.5, 0.5, size=6)
    W1 = np.array([[1.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])
    sliver = polyreg.Network.from_layers([(W1, np.array([10.0, -1.0, -3.0, 0.0])),
                                          (np.array([[1.0, -2.0, 2.0, 0.0]]),
                                           np.array([-11.0 - 5e-11]))])
    return [("[6,20,20,4] rand", rand, x), ("sliver", sliver, np.zeros(2))]


def robustness_rows(repeat: int) -> tuple[list[dict], bool]:
    from polyreg.bounds import robustness_radius

    rows, ok = [], True
    print(f"\n{'case':18s} {'norm':>4s} {'radius':>10s} {'never s':>8s} {'auto s':>8s} "
          f"{'always s':>8s} {'solves':>11s} {'exact':>9s} check")
    for name, net, x in robustness_cases():
        for norm in (1, 2, "inf"):
            best = {"never": np.inf, "auto": np.inf, "always": np.inf}
            res: dict = {}
            for _ in range(repeat):
                for mode in best:
                    t = time.perf_counter()
                    try:
                        res[mode] = robustness_radius(net, x, norm, tol=Tolerances(exact=mode))
                    except polyreg.ToleranceError:
                        res[mode] = None
                    best[mode] = min(best[mode], time.perf_counter() - t)
            auto, always, never = res["auto"], res["always"], res["never"]
            same = abs(auto.radius - always.radius) <= 1e-7 * (1 + auto.radius)
            ok &= same
            row = {"case": name, "norm": str(norm), "radius": auto.radius,
                   "never_s": best["never"] if never is not None else None,
                   "auto_s": best["auto"], "always_s": best["always"],
                   "auto_solves": auto.solves,
                   "never_solves": never.solves if never is not None else None,
                   "auto_exact": auto.exact_decisions, "always_exact": always.exact_decisions,
                   "check": same}
            rows.append(row)
            ns = f"{best['never']:8.3f}" if never is not None else f"{'raises':>8s}"
            nsol = f"({never.solves})" if never is not None else "(-)"
            print(f"{name:18s} {str(norm):>4s} {auto.radius:10.6f} {ns} {best['auto']:8.3f} "
                  f"{best['always']:8.3f} {f'{auto.solves} {nsol}':>11s} "
                  f"{f'{auto.exact_decisions}/{always.exact_decisions}':>9s} "
                  f"{'ok' if same else 'FAIL'}")
    return rows, ok


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json", metavar="FILE")
    args = p.parse_args(argv)
    ok = True
    report: dict = {"backend": ex.BACKEND, "ordinary": [], "forced": [], "lp": []}
    print(f"exact arithmetic: {ex.BACKEND}\n")
    print(f"{'case':28s} {'regions':>7s} {'never s':>8s} {'auto s':>8s} {'ratio':>6s} "
          f"{'exact':>5s} check")
    cases = ordinary_cases(args.quick)
    for _name, _net_, _dom, method in cases:  # warm-up: imports, solver start-up
        small = polyreg.random_network([_net_.n_inputs, 4, 1], seed=0)
        _time(small, _dom, method, "auto")
    for name, net, dom, method in cases:
        best = {"never": np.inf, "auto": np.inf}
        sets = {}
        for _ in range(args.repeat):
            for mode in ("never", "auto"):  # interleaved: drift hits both alike
                t, rs = _time(net, dom, method, mode)
                best[mode] = min(best[mode], t)
                sets[mode] = rs
        same = sets["never"].patterns == sets["auto"].patterns
        ok &= same
        row = {"case": name, "regions": len(sets["auto"]), "never_s": best["never"],
               "auto_s": best["auto"], "ratio": best["auto"] / best["never"],
               "exact": sets["auto"].stats.get("exact_decisions", 0), "check": same}
        report["ordinary"].append(row)
        print(f"{name:28s} {row['regions']:7d} {row['never_s']:8.3f} {row['auto_s']:8.3f} "
              f"{row['ratio']:6.2f} {row['exact']:5d} {'ok' if same else 'FAIL'}")
    print(f"\n{'case':22s} {'regions':>7s} {'never':>6s} {'auto s':>8s} {'exact':>5s} "
          f"{'ex s':>6s} {'always s':>8s} {'exact':>5s} {'ratio':>6s} check")
    for name, net, dom, method in forced_cases():
        try:
            _time(net, dom, method, "never")
            never = "ok"
        except polyreg.ToleranceError:
            never = "raises"
        ta, auto = _time(net, dom, method, "auto")
        tw, always = _time(net, dom, method, "always")
        same = auto.patterns == always.patterns
        ok &= same
        row = {"case": name, "regions": len(auto), "never": never, "auto_s": ta,
               "auto_exact": auto.stats.get("exact_decisions", 0),
               "auto_exact_s": auto.stats.get("exact_seconds", 0.0), "always_s": tw,
               "always_exact": always.stats.get("exact_decisions", 0), "ratio": tw / ta,
               "check": same}
        report["forced"].append(row)
        print(f"{name:22s} {row['regions']:7d} {never:>6s} {ta:8.3f} {row['auto_exact']:5d} "
              f"{row['auto_exact_s']:6.3f} {tw:8.3f} {row['always_exact']:5d} "
              f"{row['ratio']:6.1f} {'ok' if same else 'FAIL'}")
    report["robustness"], rob_ok = robustness_rows(args.repeat)
    ok &= rob_ok
    print(f"\n{'d':>3s} {'m':>4s} {'point ms':>9s} {'basis ms':>9s} {'simplex ms':>10s}")
    for d, m in ((2, 12), (4, 40), (8, 60), (8, 120)) if not args.quick else ((2, 12), (8, 60)):
        row = lp_case(d, m, seed=d * 1000 + m)
        report["lp"].append(row)
        print(f"{d:3d} {m:4d} {row['point']:9.3f} {row['basis']:9.3f} {row['simplex']:10.2f}")
    if args.json:
        from polyreg._files import open_output

        with open_output(args.json) as fh:
            json.dump(report, fh, indent=1, default=float)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
