"""Benchmark: how tight is every bound of ``polyreg.bounds``? Bound / exact, median and worst.

Run from the repository root (about 2-3 minutes on 2 cores; ``--quick``: a few seconds)::

    python benchmarks/bounds.py [--quick] [--seeds N] [--plot FILE.png] [--out FILE.md]

Family of networks (stated in the output): ``polyreg.random_network`` (He-normal weights, normal
biases with standard deviation 0.5) with widths ``[2, 8, 8, 2]``, ``[2, 12, 12, 3]``,
``[3, 8, 8, 2]``, ``[2, 6, 6, 6, 2]``, seeds ``0 .. N-1``, plus the same widths trained for 300
steps of full-batch gradient descent on Gaussian blobs (one per class, 120 points).

Tables
------
Count bounds  every row of ``polyreg bounds`` (:func:`polyreg.bounds.report.check_bounds`) on
              three domains per network: the box ``c +- 0.5``, the L1 ball and the L2 ball of
              radius 0.4 around ``c ~ N(0, 0.5^2 I)``. ``bound / exact`` (>= 1), median and worst
              (largest) over every case where the bound applies; ``holds`` counts cases.
Radius bounds for points ``x ~ N(0, 0.7^2 I)`` and p = 1, 2, inf: certified lower bounds
              (IBP, CROWN, triangle LP; :func:`polyreg.bounds.certify.radius_bounds`) and the
              adversarial upper bound, each divided by the exact robustness radius; median and
              worst (smallest for lower bounds, largest for the upper bound).
Hanin-Rolnick random networks of widths ``n x L`` (2 inputs, one output): mean over ``N``
              networks of the exact transitions per unit length along a random segment of
              length 2, of the plug-in expectation formula and of the bound ``C_grad C_bias N``;
              exact regions per unit volume in a cube of side 0.5 against ``(T N)^2 / 2``,
              ``T = C_grad C_bias``.

Exit status 1 when a bound is violated (lower > exact or upper < exact).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402

import numpy as np  # noqa: E402

import polyreg  # noqa: E402
from polyreg.bounds import report  # noqa: E402
from polyreg.bounds.certify import radius_bounds  # noqa: E402
from polyreg.bounds.counts import hanin_rolnick_line, hanin_rolnick_volume  # noqa: E402

WIDTHS = [[2, 8, 8, 2], [2, 12, 12, 3], [3, 8, 8, 2], [2, 6, 6, 6, 2]]


def train(net: polyreg.Network, seed: int, steps: int = 300, n: int = 120) -> polyreg.Network:
    """Full-batch gradient descent on softmax cross-entropy, Gaussian blobs (one per class)."""
    rng = np.random.default_rng(seed)
    k, d = net.n_outputs, net.n_inputs
    centres = rng.normal(scale=1.5, size=(k, d))
    y = rng.integers(0, k, size=n)
    X = centres[y] + rng.normal(scale=0.6, size=(n, d))
    Ws, bs = [W.copy() for W in net.weights], [b.copy() for b in net.biases]
    for _ in range(steps):
        acts, zs = [X], []
        for W, b in zip(Ws[:-1], bs[:-1], strict=True):
            zs.append(acts[-1] @ W.T + b)
            acts.append(np.maximum(zs[-1], 0))
        logits = acts[-1] @ Ws[-1].T + bs[-1]
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        delta = (p - np.eye(k)[y]) / n
        for layer in range(len(Ws) - 1, -1, -1):
            gW, gb = delta.T @ acts[layer], delta.sum(0)
            if layer:
                delta = (delta @ Ws[layer]) * (zs[layer - 1] > 0)
            Ws[layer] -= 0.3 * gW
            bs[layer] -= 0.3 * gb
    return polyreg.Network.from_layers(list(zip(Ws, bs, strict=True)))


def networks(seeds: int):
    for widths in WIDTHS:
        for seed in range(seeds):
            net = polyreg.random_network(widths, seed=seed)
            yield "random", widths, seed, net
            yield "trained", widths, seed, train(net, seed)


def _stat(values: list[float], worst: str) -> tuple[str, str]:
    if not values:
        return "-", "-"
    v = np.array(values, dtype=float)
    w = v.max() if worst == "max" else v.min()
    return f"{np.median(v):.4g}", f"{w:.4g}"


def count_table(seeds: int) -> tuple[list[str], int]:
    ratios: dict[str, list[float]] = defaultdict(list)
    holds: dict[str, list[bool]] = defaultdict(list)
    cases = 0
    rng = np.random.default_rng(0)
    for _kind, widths, _seed, net in networks(seeds):
        c = rng.normal(scale=0.5, size=widths[0])
        for dom in (polyreg.Box(c - 0.5, c + 0.5), polyreg.Ball(c, 0.4, norm=1),
                    polyreg.Ball(c, 0.4, norm=2)):
            rep = report.check_bounds(net, dom)
            cases += 1
            for row in rep.rows:
                if row.quantity != "regions":
                    continue
                ratios[row.name].append(float(row.ratio))
                holds[row.name].append(row.holds)
    lines = ["| count bound | bound / exact: median | worst (max) | holds |",
             "| --- | --- | --- | --- |"]
    bad = 0
    for name, vals in ratios.items():
        med, worst = _stat(vals, "max")
        ok = sum(holds[name])
        bad += len(holds[name]) - ok
        lines.append(f"| `{name}` | {med} | {worst} | {ok}/{len(holds[name])} |")
    return lines, bad


def radius_table(seeds: int, points: int) -> tuple[list[str], int]:
    ratios: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    bad = 0
    rng = np.random.default_rng(1)
    for kind, widths, _seed, net in networks(seeds):
        for _ in range(points):
            x = rng.normal(scale=0.7, size=widths[0])
            for norm in (1, 2, "inf"):
                rb = radius_bounds(net, x, norm)
                if rb.exact is None or rb.exact == 0:
                    continue
                for m, r in rb.lower.items():
                    ratios[(m, str(norm), kind)].append(r / rb.exact)
                    bad += r > rb.exact * (1 + 1e-9)
                ratios[("adversarial", str(norm), kind)].append(rb.upper / rb.exact)
                bad += rb.upper < rb.exact * (1 - 1e-7)
    lines = ["| radius bound | norm | networks | bound / exact: median | worst | cases |",
             "| --- | --- | --- | --- | --- | --- |"]
    for (m, norm, kind), vals in sorted(ratios.items(), key=lambda kv: (
            ["ibp", "crown", "lp", "adversarial"].index(kv[0][0]), kv[0][1], kv[0][2])):
        med, worst = _stat(vals, "max" if m == "adversarial" else "min")
        lines.append(f"| `{m}` ({'upper' if m == 'adversarial' else 'lower'}) | L{norm} | {kind} "
                     f"| {med} | {worst} | {len(vals)} |")
    return lines, bad


def hanin_rolnick_table(nets: int, plot: str | None) -> list[str]:
    rng = np.random.default_rng(2)
    lines = ["| widths | neurons | transitions / length: exact | formula | bound C_grad C_bias N "
             "| exact / bound | regions / volume: exact | (T N)^2 / 2 | exact / prediction |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    rows = []
    for depth in (1, 2, 4):
        for width in (8, 16):
            widths = [2] + [width] * depth + [1]
            ex, fo, bd, vex, vpr = [], [], [], [], []
            for seed in range(nets):
                net = polyreg.random_network(widths, seed=seed, bias_scale=0.5)
                a, u = rng.normal(size=2), rng.normal(size=2)
                u /= np.linalg.norm(u)
                hr = hanin_rolnick_line(net, a - u, a + u, bias_std=0.5)
                ex.append(hr.exact)
                fo.append(hr.formula)
                bd.append(hr.prediction)
                hv = hanin_rolnick_volume(net, a, 0.5, bias_std=0.5)
                vex.append(hv.exact)
                vpr.append(hv.prediction)
            N = width * depth
            rows.append((depth, width, N, np.mean(ex), np.mean(fo), np.mean(bd), np.mean(vex),
                         np.mean(vpr)))
            lines.append(f"| {width} x {depth} | {N} | {np.mean(ex):.3g} | {np.mean(fo):.3g} | "
                         f"{np.mean(bd):.3g} | {np.mean(ex) / np.mean(bd):.3g} | "
                         f"{np.mean(vex):.4g} | {np.mean(vpr):.4g} | "
                         f"{np.mean(vex) / np.mean(vpr):.3g} |")
    if plot:
        try:
            import matplotlib
        except ImportError:
            print("matplotlib is not installed: no plot", file=sys.stderr)
        else:
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
            for depth, marker in ((1, "o"), (2, "s"), (4, "^")):
                sel = [r for r in rows if r[0] == depth]
                axes[0].plot([r[2] for r in sel], [r[3] for r in sel], marker, ls="-",
                             label=f"exact, depth {depth}")
                axes[0].plot([r[2] for r in sel], [r[4] for r in sel], marker, ls=":",
                             mfc="none", label=f"formula, depth {depth}")
                axes[1].plot([r[2] for r in sel], [r[6] for r in sel], marker, ls="-",
                             label=f"depth {depth}")
            axes[0].set_xlabel("hidden neurons N")
            axes[0].set_ylabel("transitions per unit length")
            axes[0].legend(fontsize=7)
            axes[1].set_xlabel("hidden neurons N")
            axes[1].set_ylabel("regions per unit area (cube side 0.5)")
            axes[1].legend(fontsize=7)
            fig.tight_layout()
            fig.savefig(plot, dpi=110)
            plt.close(fig)
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="one seed, one point, 3 networks")
    ap.add_argument("--seeds", type=int, default=3, help="seeds per architecture (default 3)")
    ap.add_argument("--points", type=int, default=2, help="points per network (default 2)")
    ap.add_argument("--hr-networks", type=int, default=10,
                    help="networks per Hanin-Rolnick row (default 10)")
    ap.add_argument("--plot", help="Hanin-Rolnick plot (PNG; needs matplotlib)")
    ap.add_argument("--out", help="also write the tables to this Markdown file")
    args = ap.parse_args(argv)
    seeds, points, hr = args.seeds, args.points, args.hr_networks
    if args.quick:
        seeds, points, hr = 1, 1, 3
    t0 = time.perf_counter()
    out = [f"Family: {len(WIDTHS)} architectures {WIDTHS}, seeds 0..{seeds - 1}, random and "
           f"trained ({2 * len(WIDTHS) * seeds} networks).", ""]
    lines, bad_counts = count_table(seeds)
    out += ["Count bounds (3 domains per network):", "", *lines, ""]
    lines, bad_radii = radius_table(seeds, points)
    out += [f"Radius bounds ({points} point(s) per network, p = 1, 2, inf):", "", *lines, ""]
    out += [f"Hanin & Rolnick ({hr} random networks per row, bias std 0.5):", "",
            *hanin_rolnick_table(hr, args.plot), ""]
    out.append(f"({time.perf_counter() - t0:.0f} s)")
    text = "\n".join(out)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    if bad_counts or bad_radii:
        print(f"VIOLATED: {bad_counts} count and {bad_radii} radius bound(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
