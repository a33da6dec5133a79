"""Command-line sub-commands for paths and 2-D slices (registered through ``COMMAND_MODULES``).

Commands
--------
``path NET.npz --through P [--through P ...] [--closed | --ellipse] [--samples K] [--json]``
    Exact activation pattern changes along a path through the given points: the polyline
    through them (two points: the segment), closed back to the first with ``--closed``, or
    the ellipse through exactly three points with ``--ellipse`` (their Steiner circumellipse,
    ``x(0) = P0``, ``x(2 pi / 3) = P1``, ``x(4 pi / 3) = P2``). Prints the pieces, the
    breakpoints, the neuron flips (exact transitions) and the activation regions crossed;
    ``--samples K`` adds the sampled estimate of Novak et al. (2018) over ``K`` equally spaced
    parameters.
``slice NET.npz --through X0 X1 X2 (--box-in-slice LO HI | --disk R [--disk-center S,T])
[--method planar|traverse] [--json] [--quiet]``
    Count the activation regions in the plane ``X0 + s (X1 - X0) + t (X2 - X0)``, bounded in
    slice coordinates ``(s, t)`` by a box or a disk (default centre ``0,0``, i.e. ``X0``).
    ``--method traverse`` runs ``traverse`` on the composed 2-input network.

Each point ``P`` / ``X`` is a comma-separated list of the network's inputs or a ``.npy`` file;
for ``path --through`` a ``.npy`` file may also hold a 2-D array of points (one per row).
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from ..api import enumerate_regions
from .common import (
    InputError,
    add_network_arg,
    add_report_args,
    expand,
    format_summary,
    load_array,
    parse_numbers,
)
from ..domains import Ball, Box
from ..network import Network
from ..regions import RegionSet
from ..slices import Path, Slice


def load_points(text: str, d: int, name: str, many: bool = False) -> np.ndarray:
    """A point (or, with ``many``, several rows of points) from a comma list or a ``.npy`` file.

    Returns
    -------
    ndarray, shape (k, d)

    Raises
    ------
    InputError
        Unreadable file, wrong shape or not ``d`` coordinates.

    Examples
    --------
    >>> load_points("1,2", 2, "--through").tolist()
    [[1.0, 2.0]]
    >>> load_points("1,2,3", 2, "--through")
    Traceback (most recent call last):
    ...
    polyreg.cli.common.InputError: --through: a point has 3 coordinates but the network takes 2 inputs
    """
    if text.endswith(".npy") or os.path.isfile(text):
        arr = load_array(text, name)
        if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
            raise InputError(f"{name}: {text!r} holds {arr.dtype} values, not real numbers")
        if arr.ndim not in ((1, 2) if many else (1,)):
            raise InputError(
                f"{name}: {text!r} must hold a {'1-D or 2-D' if many else '1-D'} array, "
                f"got shape {arr.shape}"
            )
        pts = np.atleast_2d(arr.astype(np.float64))
        if not np.all(np.isfinite(pts)):
            raise InputError(f"{name}: {text!r} has non-finite values")
    else:
        pts = parse_numbers(text, name)[None, :]
    if pts.shape[1] != d:
        raise InputError(
            f"{name}: a point has {pts.shape[1]} coordinates but the network takes {d} inputs"
        )
    return pts


# ---------------------------------------------------------------------------- path
def build_path(args: argparse.Namespace, d: int) -> Path:
    """The :class:`Path` described by ``--through`` / ``--closed`` / ``--ellipse``."""
    pts = np.vstack([load_points(p, d, "--through", many=True) for p in args.through])
    if args.ellipse:
        if pts.shape[0] != 3:
            raise InputError(f"--ellipse needs exactly 3 points, got {pts.shape[0]}")
        return Path.ellipse_through(*pts)
    if pts.shape[0] < 2:
        raise InputError(f"a path needs at least 2 points (--through), got {pts.shape[0]}")
    if pts.shape[0] == 2 and not args.closed:
        return Path.segment(pts[0], pts[1])
    return Path.polyline(pts, closed=args.closed)


def _path(args: argparse.Namespace) -> int:
    from ..engines.line import line, transitions

    if args.samples is not None and args.samples < 2:
        raise InputError(f"--samples must be at least 2, got {args.samples}")
    net = Network.load(args.network)
    path = build_path(args, net.n_inputs)
    t0 = time.perf_counter()
    res = line(net, path)
    seconds = time.perf_counter() - t0
    out = {
        "path": path.kind + (" (closed)" if path.closed and path.kind != "ellipse" else ""),
        "t_range": list(path.t_range),
        "widths": list(net.widths),
        "pieces": res.n_pieces,
        "regions": res.n_regions,
        "breakpoints": int(res.breakpoints.size),
        "transitions": res.transitions,
        "seconds": seconds,
    }
    if args.samples is not None:
        out["samples"] = args.samples
        out["sampled_transitions"] = transitions(net, path, samples=args.samples)
    if args.json:
        out["breakpoint_t"] = res.breakpoints.tolist()
        out["flips"] = res.flips_at_breakpoints.tolist()
        out["path_spec"] = path.describe()
        print(json.dumps(out))
        return 0
    rows = [
        ("path", f"{out['path']}, t in [{path.t_range[0]:g}, {path.t_range[1]:g}]"),
        ("network", "-".join(str(w) for w in net.widths)),
        ("pieces", f"{res.n_pieces:,}"),
        ("regions crossed", f"{res.n_regions:,}"),
        ("breakpoints", f"{res.breakpoints.size:,}"),
        ("transitions", f"{res.transitions:,} (exact neuron flips)"),
    ]
    if args.samples is not None:
        rows.append(("sampled", f"{out['sampled_transitions']:,} ({args.samples:,} samples)"))
    rows.append(("seconds", f"{seconds:.3g}"))
    width = max(len(k) for k, _ in rows)
    print("\n".join(f"{k:<{width}}  {v}" for k, v in rows))
    return 0


# ---------------------------------------------------------------------------- slice
def build_slice(args: argparse.Namespace, d: int) -> Slice:
    """The :class:`Slice` described by ``--through`` and ``--box-in-slice`` / ``--disk``."""
    x0, x1, x2 = (load_points(p, d, "--through")[0] for p in args.through)
    if args.box_in_slice is not None:
        if args.disk_center is not None:
            raise InputError("--disk-center is only used with --disk")
        lo = expand(parse_numbers(args.box_in_slice[0], "--box-in-slice LO"), 2)
        hi = expand(parse_numbers(args.box_in_slice[1], "--box-in-slice HI"), 2)
        for name, vec in (("LO", lo), ("HI", hi)):
            if vec.size != 2:
                raise InputError(
                    f"--box-in-slice {name} has {vec.size} coordinates; slice coordinates "
                    "are (s, t): give one number or two"
                )
        bound: object = Box(lo, hi)
    else:
        radius = parse_numbers(args.disk, "--disk R")
        if radius.size != 1 or radius[0] <= 0:
            raise InputError(f"--disk R must be one positive number, got {args.disk!r}")
        center = np.zeros(2)
        if args.disk_center is not None:
            center = parse_numbers(args.disk_center, "--disk-center")
            if center.size != 2:
                raise InputError(f"--disk-center must be S,T (2 numbers), got {args.disk_center!r}")
        bound = Ball(center, float(radius[0]), norm=2)
    return Slice.through(x0, x1, x2, bound)


def _slice(args: argparse.Namespace) -> int:
    net = Network.load(args.network)
    slc = build_slice(args, net.n_inputs)
    progress = False if (args.quiet or args.json) else None
    if args.method == "planar":
        regions: RegionSet = enumerate_regions(net, slc, method="planar", progress=progress)
    else:
        regions = enumerate_regions(  # a count needs interior points, not Chebyshev centres
            slc.network(net), slc.bound, method=args.method, progress=progress, chebyshev=False
        )
    summary = regions.summary()
    summary["widths"] = list(net.widths)
    summary["domain"] = slc.describe()
    if args.json:
        print(json.dumps(summary))
        return 0
    lines = format_summary(dict(summary, domain=slc.bound.describe())).splitlines()
    for i, ln in enumerate(lines):
        if ln.startswith("domain "):
            value = ln[len("domain") :].strip()
            lines[i] = ln[: len(ln) - len(value)] + (
                f"slice of R^{slc.ambient} through X0, X1, X2; {value} in (s, t)"
            )
    print("\n".join(lines))
    return 0


# ---------------------------------------------------------------------------- parsers
def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``path`` and ``slice`` sub-commands."""
    p = subparsers.add_parser(
        "path", help="exact pattern changes (transitions) along a path through points",
        description="Exact activation pattern changes along a polyline, a closed polygon or "
        "an ellipse through given points (no sampling).",
    )
    add_network_arg(p)
    p.add_argument(
        "--through", action="append", required=True, metavar="P",
        help="a point of the path: a comma-separated list or a .npy file (a 1-D array, or a "
        "2-D array of points, one per row); repeat in order",
    )
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--closed", action="store_true", help="close the polyline back to the first point")
    kind.add_argument(
        "--ellipse", action="store_true",
        help="the ellipse through exactly 3 points (Steiner circumellipse) instead of a polyline",
    )
    p.add_argument(
        "--samples", type=int, metavar="K",
        help="also report Novak et al.'s sampled transitions over K equally spaced points",
    )
    add_report_args(p, progress=False)
    p.set_defaults(handler=_path)

    s = subparsers.add_parser(
        "slice", help="count activation regions in a 2-D slice through three points",
        description="Count the activation regions in the plane X0 + s (X1 - X0) + t (X2 - X0), "
        "bounded in slice coordinates (s, t).",
    )
    add_network_arg(s)
    s.add_argument(
        "--through", nargs=3, required=True, metavar=("X0", "X1", "X2"),
        help="three points (comma-separated lists or .npy files): origin X0, u = X1 - X0, "
        "v = X2 - X0",
    )
    bound = s.add_mutually_exclusive_group(required=True)
    bound.add_argument(
        "--box-in-slice", nargs=2, metavar=("LO", "HI"),
        help="the box LO <= (s, t) <= HI; each one number or S,T (e.g. 0 1: the "
        "parallelogram X0, X1, X1 + X2 - X0, X2)",
    )
    bound.add_argument("--disk", metavar="R", help="the disk of radius R in (s, t)")
    s.add_argument("--disk-center", metavar="S,T", help="centre of --disk (default 0,0, i.e. X0)")
    s.add_argument(
        "--method", choices=["planar", "traverse"], default="planar",
        help="planar (exact polygon clipping, default) or traverse on the composed 2-input network",
    )
    add_report_args(s, "one JSON object (the summary)", progress=False)
    s.add_argument("--quiet", action="store_true", help="no progress line on stderr")
    s.set_defaults(handler=_slice)
