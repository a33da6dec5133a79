"""Command-line sub-commands for bounds (registered through ``COMMAND_MODULES`` in ``polyreg.cli``).

Commands
--------
``margin NET.npz --center C [--norm 1|2|inf] [--direction U] [--box LO HI] [--linear] [--json]``
    Exact L_p distance from ``C`` to the boundary of its activation region (and of its linear
    region with ``--linear``).
``robustness NET.npz --center C [--norm 1|2|inf] [--max-radius R] [--seed S] [--certify LIST]
[--json]``
    Exact L_p distance from ``C`` to the nearest point where the predicted class changes, with
    certified lower bounds (IBP, CROWN, triangle LP) and their ratios to it.
``bounds NET.npz DOMAIN [--method M] [--json] [--quiet]``
    Exact enumeration and every bound that applies: bound, value, exact value, ratio, holds /
    VIOLATED (for ``--ball`` also the robustness radius at the centre against its certified
    lower and adversarial upper bounds). Exit status 3 when a bound is violated (named on
    stderr).
``around NET.npz --points X.npy --radius R[,R2,...] [--norm 1|2|inf] [--labels y.npy] --out
FILE.csv [--plot FILE.png] [--certify LIST] [--max-radius R] [--workers N]
[--max-regions-per-point N] [--reuse-largest] [--json]``
    Per point and radius: exact count of regions in the ball around it (or a lower bound at
    the budget), its margin, local bounds, Jacobian norm, exact robustness radius with its
    adversarial upper and certified lower bounds; a summary per label group and radius
    (median, quartiles, mean); count-vs-radius curves (a histogram for one radius) when
    matplotlib is installed. docs/around.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

from .._files import open_output
from ..api import enumerate_regions
from ..budget import count_text, describe_stop
from .common import (
    NORMS,
    PROG,
    InputError,
    add_budget_options,
    add_domain_args,
    add_exact_arg,
    add_network_arg,
    add_report_args,
    budget_options,
    check_out,
    engine_names,
    build_domain,
    describe_domain,
    format_vector,
    load_array,
    load_center,
    load_labels,
    parse_numbers,
    progress_option,
)
from ..domains import Ball
from ..network import Network
from ..tolerances import Tolerances

#: exit status of ``polyreg bounds`` when a bound is violated
EXIT_VIOLATED = 3

NORM_CHOICES = NORMS


def _fmt(value: float | None) -> str:
    return "inf" if value is None or not np.isfinite(value) else f"{value:.6g}"


def _point_text(point: np.ndarray | None) -> str:
    return "-" if point is None else format_vector(point, ".6g")


# ---------------------------------------------------------------------------- margin
def _margin(args: argparse.Namespace) -> int:
    from ..bounds import linear_region_margin, margin

    net = Network.load(args.network)
    d = net.n_inputs
    x = load_center(args.center, d)
    direction = None
    if args.direction is not None:
        direction = parse_numbers(args.direction, "--direction")
        if direction.size != d:
            raise InputError(
                f"--direction has {direction.size} coordinate(s) but the network takes {d} inputs"
            )
        if not np.any(direction):
            raise InputError("--direction is the zero vector")
    domain = None
    if args.box is not None:
        domain = build_domain(argparse.Namespace(box=args.box, ball=None, polytope=None), d)
        if not domain.contains(x):
            raise InputError("--center lies outside --box")
    res = margin(net, x, args.norm, direction=direction, domain=domain)
    out = res.to_dict()
    lin = None
    if args.linear:
        lin = linear_region_margin(net, x, args.norm)
        out.update(lin.to_dict())
    if args.json:
        print(json.dumps(out))
        return 0
    rows = [
        (f"margin (L{res.norm})", _fmt(res.margin)),
        ("attained by neuron", res.neuron_name or "-"),
        ("pattern", res.pattern),
        ("nearest boundary point", _point_text(res.point)),
    ]
    if direction is not None:
        rows.append(("directional margin", _fmt(res.directional_margin)))
    if domain is not None:
        rows += [("domain margin", _fmt(res.domain_margin)), ("cut margin", _fmt(res.cut_margin))]
    if lin is not None:
        text = _fmt(lin.margin) if lin.exact else f">= {lin.ball_radius:.6g} (not found)"
        rows += [
            ("linear-region margin", text),
            ("regions in last ball", f"{lin.regions} ({lin.merged} with the same map)"),
        ]
    width = max(len(k) for k, _ in rows)
    print("\n".join(f"{k:<{width}}  {v}" for k, v in rows))
    return 0


# ---------------------------------------------------------------------------- robustness
def _robustness(args: argparse.Namespace) -> int:
    from ..bounds import robustness_radius

    net = Network.load(args.network)
    x = load_center(args.center, net.n_inputs)
    max_radius = None
    if args.max_radius is not None:
        max_radius = float(parse_numbers(args.max_radius, "--max-radius")[0])
        if max_radius <= 0:
            raise InputError(f"--max-radius must be positive, got {args.max_radius}")
    certifiers = _certifiers(args.certify)  # bad input is refused before any work
    res = robustness_radius(
        net, x, args.norm, max_radius=max_radius, seed=args.seed, progress=not args.json,
        **budget_options(args),
        tol=Tolerances(exact=args.exact),
    )
    certified = certified_fields(net, x, args.norm, certifiers,
                                 res.radius if res.exact else None, res.upper_bound)
    if args.json:
        print(json.dumps({**res.to_dict(), **certified}))
        return 0
    if res.exact:
        radius_text = _fmt(res.radius)
    elif not res.complete:
        radius_text = (f"between {res.lower_bound:.6g} and {_fmt(res.upper_bound)} (stopped: "
                       f"{describe_stop({'stopped': res.stopped, **budget_options(args)})}; "
                       "not the exact radius)")
    else:
        radius_text = f"> {res.lower_bound:.6g} (certified: no class change within the ball)"
    rows = [
        (f"robustness radius (L{res.norm})", radius_text),
        ("class at centre", str(res.label)),
        ("class reached", "-" if res.other is None else str(res.other)),
        ("nearest point", _point_text(res.point)),
        ("adversarial upper bound", _fmt(res.upper_bound)),
        ("regions examined", f"{res.regions} (ball radius {res.ball_radius:.6g})"),
    ]
    rows += _certified_rows(certified)
    width = max(len(k) for k, _ in rows)
    print("\n".join(f"{k:<{width}}  {v}" for k, v in rows))
    return 0


def _certifiers(text: str) -> tuple[str, ...]:
    """``--certify``: a comma-separated subset of ``ibp,crown,lp``, or ``none``."""
    from ..bounds.certify import METHODS

    names = tuple(t.strip() for t in text.split(",") if t.strip())
    if names == ("none",):
        return ()
    bad = [t for t in names if t not in METHODS]
    if bad or not names:
        raise InputError(f"--certify must be 'none' or a comma-separated subset of "
                         f"{','.join(METHODS)}, got {text!r}")
    return tuple(m for m in METHODS if m in names)


def certified_fields(
    net: Network, x: np.ndarray, norm: str, methods: tuple[str, ...], exact: float | None,
    upper: float | None,
) -> dict:
    """``{"lower_bounds": {method: r}, "ratios": {method: r / exact}}``: certified lower bounds
    of the robustness radius (:func:`polyreg.bounds.certify.certified_radii`) and their ratios
    to the exact radius (``None`` when it is not known or is 0). Empty without methods."""
    from ..bounds.certify import certified_radii

    if not methods:
        return {}
    hint = exact if exact is not None else (upper if upper is not None and np.isfinite(upper) else None)
    radii = certified_radii(net, x, norm, methods, upper=hint)
    lower = {m: radii[m].radius for m in methods}
    ratios = {m: (lower[m] / exact if exact is not None and exact > 0 else None) for m in methods}
    return {"lower_bounds": lower, "ratios": ratios}


def _certified_rows(certified: dict) -> list[tuple[str, str]]:
    rows = []
    for m, r in certified.get("lower_bounds", {}).items():
        ratio = certified["ratios"][m]
        rows.append((f"certified lower bound ({m})",
                     _fmt(r) + ("" if ratio is None else f" (ratio {ratio:.4g})")))
    return rows


# ---------------------------------------------------------------------------- bounds
def _bounds(args: argparse.Namespace) -> int:
    from ..bounds import report

    if args.center is not None and args.ball is None:
        raise InputError("--center is only used with --ball")
    net = Network.load(args.network)
    domain = build_domain(args, net.n_inputs).for_inputs(net.n_inputs)
    progress = progress_option(args)
    budget = budget_options(args)
    regions = enumerate_regions(net, domain, method=args.method, progress=progress, **budget)
    rep = report.check_bounds(net, domain, regions=regions, **budget)
    if args.json:
        print(json.dumps(rep.to_dict()))
    else:
        print(f"network {'-'.join(map(str, net.widths))}, {describe_domain(domain.describe())}: "
              f"{count_text(rep.summary, 'regions')}")
        print(report.format_table(rep))
    bad = rep.violated
    if bad:
        names = ", ".join(
            f"{row.name} (value {row.value:g} vs exact {row.exact:g})"
            if not isinstance(row.value, int) else f"{row.name} (value {row.value} vs exact {row.exact})"
            for row in bad
        )
        print(f"{PROG}: error: bound VIOLATED: {names}", file=sys.stderr)
        return EXIT_VIOLATED
    return 0


# ---------------------------------------------------------------------------- around


def _load_points(path: str, d: int) -> np.ndarray:
    arr = load_array(path, "--points")
    if arr.ndim != 2 or arr.shape[1] != d:
        raise InputError(f"--points: {path!r} must hold an array of shape (n, {d}), got {arr.shape}")
    if arr.shape[0] == 0:
        raise InputError(f"--points: {path!r} holds no points")
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise InputError(f"--points: {path!r} holds {arr.dtype} values, not real numbers")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise InputError(f"--points: {path!r} has non-finite values")
    return arr


def write_csv_atomic(header: list[str], rows: list[list[object]], path: Path) -> None:
    """Write a CSV file through :func:`polyreg._files.open_output` (a temporary file renamed
    over a regular file; streamed into a device or FIFO; a symbolic link's target written)."""
    with open_output(path, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


#: robustness-radius columns of ``polyreg around`` (empty when not computed or not found):
#: exact radius, adversarial upper bound, certified lower bounds and their ratios to the exact
RADIUS_COLUMNS = [
    "radius", "radius_upper", "radius_ibp", "radius_crown", "radius_lp", "ratio_ibp",
    "ratio_crown", "ratio_lp",
]

#: the columns of ``polyreg around``, one row per point and ball radius (``ball_radius``; the
#: column ``radius`` is the point's robustness radius); the coordinates ``x0, x1, ...`` follow
#: ``source`` for points with at most 16 coordinates (:func:`around_columns`)
AROUND_COLUMNS = [
    "index", "label", "class", "ball_radius", "regions", "complete", "source", "margin",
    "local_interval", "local_lp", "local_exact", "jacobian_norm", *RADIUS_COLUMNS,
]


def around_columns(d: int) -> list[str]:
    """:data:`AROUND_COLUMNS` with the coordinates ``x0 .. x{d-1}`` when ``d <= 16``."""
    from ..bounds.sweep import MAX_COORDINATES

    k = AROUND_COLUMNS.index("source") + 1
    coords = [f"x{i}" for i in range(d)] if d <= MAX_COORDINATES else []
    return AROUND_COLUMNS[:k] + coords + AROUND_COLUMNS[k:]


def _radius_columns(net: Network, x: np.ndarray, norm: str, methods: tuple[str, ...],
                    max_radius: float | None) -> dict:
    """The :data:`RADIUS_COLUMNS` of one point (``""`` where not computed)."""
    from ..bounds.certify import radius_bounds

    cols: dict = dict.fromkeys(RADIUS_COLUMNS, "")
    if not methods:
        return cols
    rb = radius_bounds(net, x, norm, methods, max_radius=max_radius)
    cols["radius"] = "" if rb.exact is None else rb.exact
    cols["radius_upper"] = rb.upper if np.isfinite(rb.upper) else ""
    for m, r in rb.lower.items():
        cols[f"radius_{m}"] = r
        ratio = rb.ratios[m]
        cols[f"ratio_{m}"] = "" if ratio is None else ratio
    return cols


def around_point_columns(net: Network, x: np.ndarray, counts: list, *, norm: str,
                         certify: tuple[str, ...], max_radius: float | None) -> list[dict]:
    """The analysis columns of one point, one dict per ball (``counts``: the
    :class:`polyreg.bounds.sweep.RadiusCount` of each radius): margin, local bounds of each
    ball (``local_exact`` from the enumerated patterns, empty when the count is incomplete),
    softmax Jacobian norm, and the robustness-radius columns (computed once per point)."""
    from ..bounds import local_bound, margin, softmax_jacobian
    from ..bounds.counts import _per_layer, _recursion

    shared = {"margin": margin(net, x, norm).margin,
              "jacobian_norm": softmax_jacobian(net, x).norm,
              **_radius_columns(net, x, norm, certify, max_radius)}
    out = []
    for c in counts:
        ball = Ball(x, c.radius, norm=norm)
        exact: object = ""
        if c.complete:  # the local bound from the live neurons of the exact patterns
            on = c.patterns.all(axis=0)
            live = c.patterns.any(axis=0) & ~on
            exact = _recursion(net.n_inputs, list(net.hidden_widths), _per_layer(net, live),
                               _per_layer(net, on), None, net.negative_slope > 0)
        out.append({"local_interval": local_bound(net, ball, "interval").value,
                    "local_lp": local_bound(net, ball, "lp").value,
                    "local_exact": exact, **shared})
    return out


def around_rows(
    net: Network, points: np.ndarray, radius: float | list[float], norm: str,
    labels: list[str] | None, certify: tuple[str, ...] = ("ibp", "crown", "lp"),
    max_radius: float | None = None, *, workers: int = 1, max_regions: int | None = None,
    reuse: bool = False,
) -> list[dict]:
    """One dict per point and ball radius with the :func:`around_columns` (the table of
    ``polyreg around``), sorted by point, then in the order of the radii.

    ``certify`` names the certified lower bounds of the robustness radius to compute (in the
    ball's norm; :func:`polyreg.bounds.certify.radius_bounds`); with none, the radius columns
    stay empty. ``max_radius`` caps the exact radius search when no adversarial point is found.
    ``workers``, ``max_regions`` (per point and ball) and ``reuse`` are those of
    :func:`polyreg.bounds.sweep.sweep`.
    """
    from functools import partial

    from ..bounds.sweep import sweep

    radii = [float(r) for r in np.atleast_1d(np.asarray(radius, dtype=np.float64))]
    extra = partial(around_point_columns, norm=norm, certify=tuple(certify), max_radius=max_radius)
    return sweep(net, points, radii, norm, labels=labels, max_regions=max_regions, reuse=reuse,
                 workers=workers, extra=extra)


def _median(values: list) -> float | None:
    vals = [float(v) for v in values if v != "" and v is not None]
    return float(np.median(vals)) if vals else None


def summarize_groups(rows: list[dict]) -> dict:
    """Per label group: number of points, mean / median / min / max of the region count, mean
    margin, mean LP local bound and median of its ratio to the exact count, mean Jacobian norm;
    with radius columns also the median exact robustness radius (``radius_median``) and, per
    certifier, the median and minimum of its ratio to the exact radius (``ratio_<m>_median``,
    ``ratio_<m>_min``; None when nothing was computed).

    Examples
    --------
    >>> rows = [{"label": "a", "regions": 2, "margin": 0.1, "local_lp": 4, "jacobian_norm": 0.5},
    ...         {"label": "a", "regions": 4, "margin": 0.3, "local_lp": 4, "jacobian_norm": 0.1}]
    >>> s = summarize_groups(rows)["a"]
    >>> s["points"], s["regions_mean"], s["local_lp_ratio_median"]
    (2, 3.0, 1.5)
    """
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["label"] or "all", []).append(row)
    summary = {}
    for name, members in groups.items():
        counts = np.array([m["regions"] for m in members], dtype=float)
        margins = np.array([m["margin"] for m in members], dtype=float)
        summary[name] = {
            "points": len(members),
            "regions_mean": float(counts.mean()),
            "regions_median": float(np.median(counts)),
            "regions_min": int(counts.min()),
            "regions_max": int(counts.max()),
            "margin_mean": (
                float(margins[np.isfinite(margins)].mean()) if np.isfinite(margins).any() else None
            ),
            "local_lp_mean": float(np.mean([float(m["local_lp"]) for m in members])),
            "local_lp_ratio_median": float(np.median([m["local_lp"] / m["regions"] for m in members])),
            "jacobian_mean": float(np.mean([m["jacobian_norm"] for m in members])),
        }
        if any(m.get("radius", "") != "" for m in members):
            summary[name]["radius_median"] = _median([m["radius"] for m in members])
            for method in ("ibp", "crown", "lp"):
                ratios = [m.get(f"ratio_{method}", "") for m in members]
                if any(r != "" for r in ratios):
                    summary[name][f"ratio_{method}_median"] = _median(ratios)
                    summary[name][f"ratio_{method}_min"] = min(float(r) for r in ratios if r != "")
    return summary


def _have_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401 - only: is it installed?
    except ImportError:
        return False
    return True


def _histogram(rows: list[dict], path: Path, radius: float, norm: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups: dict[str, list[int]] = {}
    for row in rows:
        groups.setdefault(row["label"] or "all", []).append(row["regions"])
    fig, ax = plt.subplots(figsize=(6, 4))
    top = max(max(v) for v in groups.values())
    bins = np.arange(0.5, top + 1.5, max(1, top // 40))
    for name, values in groups.items():
        ax.hist(values, bins=bins.tolist(), alpha=0.5, label=str(name))
    ax.set_xlabel(f"regions in the L{norm} ball of radius {radius:g}")
    ax.set_ylabel("points")
    ax.legend()
    try:
        with open_output(path, "wb", what="--plot") as handle:
            fig.savefig(handle, format=path.suffix.lstrip(".").lower() or "png")
    finally:
        plt.close(fig)


def _parse_radii(text: str) -> list[float]:
    """``--radius``: one positive number or a comma-separated list of them (kept in order,
    repeats dropped)."""
    radii = parse_numbers(text, "--radius")
    if radii.size == 0 or np.any(radii <= 0):
        raise InputError(f"--radius must be a positive number or a comma-separated list of "
                         f"positive numbers, got {text!r}")
    return list(dict.fromkeys(float(r) for r in radii))


def _positive(text: str | None, flag: str) -> int | None:
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"{flag} must be a positive integer, got {text!r}") from None
    if value < 1:
        raise InputError(f"{flag} must be a positive integer, got {text!r}")
    return value


def _table(lines: list[tuple[str, ...]]) -> str:
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
                     for line in lines)


def sweep_table(sweep: list[dict]) -> str:
    """The per label and radius summary of ``polyreg around`` as text: counts of a group
    with an incomplete row are lower bounds, marked ``>=``.

    Examples
    --------
    >>> print(sweep_table([{"label": "a", "ball_radius": 0.1, "points": 4, "complete": 4,
    ...     "regions_mean": 4.0, "regions_q1": 1.75, "regions_median": 2.5, "regions_q3": 4.75,
    ...     "regions_min": 1, "regions_max": 10}]))
    group  radius  points  complete  mean  q1    median  q3    min  max
    a      0.1     4       4         4     1.75  2.5     4.75  1    10
    """
    lines: list[tuple[str, ...]] = [("group", "radius", "points", "complete", "mean", "q1",
                                     "median", "q3", "min", "max")]
    for s in sweep:
        ge = ">=" if s["complete"] < s["points"] else ""
        lines.append((str(s["label"]), f"{s['ball_radius']:g}", str(s["points"]),
                      str(s["complete"]),
                      *(ge + f"{s[k]:.4g}" for k in ("regions_mean", "regions_q1",
                                                      "regions_median", "regions_q3")),
                      str(s["regions_min"]), ge + str(s["regions_max"])))
    return _table(lines)


def _around(args: argparse.Namespace) -> int:
    from ..bounds.sweep import summarize

    out = Path(args.out)
    check_out(out)
    radii = _parse_radii(args.radius)
    plot = None
    if args.plot is not None:
        plot = Path(args.plot)
        check_out(plot, "--plot")
        if not _have_matplotlib():
            what = "histogram" if len(radii) == 1 else "plot"
            print(f"{PROG}: warning: matplotlib is not installed (pip install 'polyreg[plot]'); "
                  f"no {what}", file=sys.stderr)
            plot = None
    workers = _positive(args.workers, "--workers") or 1
    budget = _positive(args.max_regions_per_point, "--max-regions-per-point")
    net = Network.load(args.network)
    points = _load_points(args.points, net.n_inputs)
    labels = load_labels(args.labels, points.shape[0]) if args.labels is not None else None
    max_radius = None
    if args.max_radius is not None:
        max_radius = float(parse_numbers(args.max_radius, "--max-radius")[0])
        if max_radius <= 0:
            raise InputError(f"--max-radius must be positive, got {args.max_radius}")
    rows = around_rows(net, points, radii, args.norm, labels, _certifiers(args.certify),
                       max_radius, workers=workers, max_regions=budget,
                       reuse=args.reuse_largest)
    columns = around_columns(net.n_inputs)
    write_csv_atomic(columns, [[row[c] for c in columns] for row in rows], out)
    r = max(radii)
    summary = summarize_groups([row for row in rows if row["ball_radius"] == r])
    sweep = summarize(rows)
    complete = all(row["complete"] for row in rows)
    if plot is not None:
        if len(radii) == 1:
            _histogram(rows, plot, r, args.norm)
        else:
            from ..plot import sweep_figure

            sweep_figure(sweep, plot, norm=args.norm)
    if args.json:
        print(json.dumps({"points": len(points), "radius": r, "radii": radii, "norm": args.norm,
                          "complete": complete, "sweep": sweep, "groups": summary,
                          "out": str(out), "plot": None if plot is None else str(plot)}))
        return 0
    print(f"regions in L{args.norm} balls around {len(points)} points")
    print(sweep_table(sweep))
    if not complete:
        n = sum(not row["complete"] for row in rows)
        print(f"{n} ball(s) stopped at --max-regions-per-point {budget}: their counts are lower "
              "bounds (column complete = False)")
    print()
    header: tuple[str, ...] = ("group", "points", "margin mean", f"local LP mean (r={r:g})",
                               "LP/exact median", "Jacobian mean")
    certs = [m for m in ("ibp", "crown", "lp")
             if any(f"ratio_{m}_median" in s for s in summary.values())]
    if any("radius_median" in s for s in summary.values()):
        header += ("robustness radius median", *(f"{m}/radius median" for m in certs))
    lines = [header]
    for name, s in summary.items():
        line: tuple[str, ...] = (
            name, str(s["points"]), _fmt(s["margin_mean"]), f"{s['local_lp_mean']:.4g}",
            f"{s['local_lp_ratio_median']:.3g}", f"{s['jacobian_mean']:.4g}")
        if len(header) > len(line):
            med = s.get("radius_median")
            line += ("-" if med is None else f"{med:.4g}",)
            for m in certs:
                v = s.get(f"ratio_{m}_median")
                line += ("-" if v is None else f"{v:.3g}",)
        lines.append(line)
    print(_table(lines))
    what = "a histogram" if len(radii) == 1 else "count-vs-radius curves"
    print(f"wrote {len(rows)} rows to {out}" + (f" and {what} to {plot}" if plot else ""))
    return 0


# ---------------------------------------------------------------------------- parsers
def _point_args(p: argparse.ArgumentParser) -> None:
    """``NET.npz --center C [--norm P]``: a network and a point (``margin``, ``robustness``)."""
    add_network_arg(p)
    p.add_argument("--center", required=True, metavar="C",
                   help="the point: a comma-separated list or a .npy file holding a 1-D array")
    p.add_argument("--norm", choices=NORM_CHOICES, default="2", help="L_p norm (default: 2)")


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add ``margin``, ``robustness``, ``bounds`` and ``around`` to the ``polyreg`` parser."""
    p = subparsers.add_parser(
        "margin", help="distance from a point to the boundary of its activation region",
        description="Exact L_p distance from a point to the boundary of its activation region "
        "(closed form), the neuron attaining it; optionally along a direction, cut by a box, and "
        "the distance to the boundary of its linear region (enumeration).",
    )
    _point_args(p)
    p.add_argument("--direction", metavar="U", help="also the margin along this direction")
    p.add_argument("--box", nargs=2, metavar=("LO", "HI"),
                   help="also the distance to the boundary of this box (numbers or lists)")
    p.add_argument("--linear", action="store_true",
                   help="also the exact linear-region margin (enumerates growing balls)")
    add_report_args(p, progress=False)
    p.set_defaults(handler=_margin)

    p = subparsers.add_parser(
        "robustness", help="exact distance to the nearest change of the predicted class",
        description="Exact L_p distance from a point to the nearest point where argmax of the "
        "output (the sign for one output) changes, by walking regions outward.",
    )
    _point_args(p)
    p.add_argument("--max-radius", metavar="R", help="largest ball to enumerate")
    p.add_argument("--seed", type=int, default=0, help="seed of the adversarial search")
    p.add_argument("--certify", default="ibp,crown,lp", metavar="LIST",
                   help="certified lower bounds to compute: a comma-separated subset of "
                   "ibp,crown,lp, or none (default: ibp,crown,lp)")
    add_exact_arg(p)
    add_report_args(p, progress=False)
    add_budget_options(p, "each ball's enumeration (--max-regions) or the search (--time-limit)")
    p.set_defaults(handler=_robustness)

    p = subparsers.add_parser(
        "bounds", help="every region-count bound against the exact count",
        description="Enumerate the regions in a domain and compare every bound that applies "
        "with the exact value. Exit status 3 when a bound is violated.",
        epilog="Exit status: 0 every bound holds, 3 a bound is VIOLATED, 2 bad input, "
        "1 solver failure.",
    )
    add_network_arg(p)
    add_domain_args(p)
    p.add_argument("--method", default="traverse", choices=engine_names(),
                   help="enumeration engine (default: traverse)")
    add_report_args(p, "one JSON object (the report)")
    add_budget_options(p)
    p.set_defaults(handler=_bounds)

    p = subparsers.add_parser(
        "around", help="exact counts, margins, local bounds around many points",
        description="For each point and each radius: the exact number of regions in the ball "
        "around it, its margin, local bounds (interval, LP, exact-live), softmax Jacobian norm "
        "and robustness radius; a CSV table (one row per point and radius) and a summary per "
        "label group and radius (mean, quartiles).",
    )
    add_network_arg(p)
    p.add_argument("--points", required=True, metavar="X.npy", help="points, shape (n, d)")
    p.add_argument("--radius", required=True, metavar="R",
                   help="ball radius, or a comma-separated list of radii (one row per point "
                   "and radius)")
    p.add_argument("--norm", choices=NORM_CHOICES, default="2", help="ball norm (default: 2)")
    p.add_argument("--labels", metavar="y.npy", help="one label per point (groups the summary)")
    p.add_argument("--out", required=True, metavar="FILE.csv",
                   help="output table (written atomically)")
    p.add_argument("--plot", metavar="FILE.png",
                   help="count-vs-radius curves per group, median with quartile bands (a "
                   "histogram for one radius); needs matplotlib")
    p.add_argument("--workers", metavar="N", help="processes over points (default 1)")
    p.add_argument("--max-regions-per-point", metavar="N",
                   help="budget per point and ball: stop once more than N regions are found "
                   "and report N as a lower bound (column complete = False)")
    p.add_argument("--reuse-largest", action="store_true",
                   help="count the smaller balls from the largest ball's regions and their "
                   "distances to the point (one LP / QP per region; faster for many L2 radii, "
                   "slower for a few; docs/around.md)")
    p.add_argument("--certify", default="ibp,crown,lp", metavar="LIST",
                   help="certified lower bounds of the robustness radius (in --norm) per point: "
                   "a comma-separated subset of ibp,crown,lp, or none to skip the radius columns "
                   "(default: ibp,crown,lp)")
    p.add_argument("--max-radius", metavar="R",
                   help="largest ball searched for the exact robustness radius when the "
                   "adversarial search finds no point of another class")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.set_defaults(handler=_around)


__all__ = [
    "AROUND_COLUMNS", "EXIT_VIOLATED", "RADIUS_COLUMNS", "add_parsers", "around_columns",
    "around_point_columns", "around_rows", "certified_fields", "summarize_groups", "sweep_table",
    "write_csv_atomic",
]
