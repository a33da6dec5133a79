"""Command-line sub-command ``plot`` (registered through ``COMMAND_MODULES`` in ``polyreg.cli``).

``plot NET.npz (--box LO HI | --slice X0 X1 X2 [--box LO HI]) --out FILE.png|.svg|.pdf
[--graph] [--points X.npy [--labels y.npy]] [--ball R --center C [--norm 1|2|inf]]
[--color MODE] [--output K] [--no-boundary] [--size W H] [--dpi D] [--title T] [--no-edges]
[--method M] [--json]``
    A picture of every activation region in a plane: the input plane of a 2-input network
    (``--box`` is the domain), or the slice through three input points ``X0, X1, X2``
    (``x = X0 + s (X1 - X0) + t (X2 - X0)``; ``--box`` bounds ``(s, t)``, default ``[0, 1]^2``).
    Needs matplotlib (``pip install 'polyreg[plot]'``). The gallery: docs/gallery.md.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

from .. import npyfile
from .common import (
    NORMS,
    InputError,
    add_network_arg,
    add_report_args,
    at_least,
    check_out,
    load_center,
    load_labels,
    parse_numbers,
)
from ..network import Network


def _slice_points(values: list[str], d: int) -> np.ndarray:
    """``--slice``: three values (each a comma-separated list or a ``.npy`` file), one
    ``.npy`` file holding a ``(3, d)`` array, or one value ``A.npy,B.npy,C.npy``."""
    if len(values) == 3:
        return np.vstack([load_center(v, d) for v in values])
    if len(values) != 1:
        raise InputError(f"--slice takes 1 or 3 values, got {len(values)}")
    text = values[0]
    pieces = text.split(",")
    if len(pieces) == 3 and all(p.strip().endswith(".npy") for p in pieces):
        return np.vstack([load_center(p.strip(), d) for p in pieces])
    if not os.path.isfile(text):
        raise InputError(
            f"--slice: {text!r} is not a file; give three points X0 X1 X2 (comma-separated "
            "lists or .npy files) or one .npy file holding a (3, d) array"
        )
    try:
        arr = npyfile.load(text)
    except Exception as exc:  # numpy raises ValueError, OSError, EOFError, ...
        raise InputError(f"--slice: cannot read {text!r} as a .npy array: {exc}") from exc
    if not isinstance(arr, np.ndarray) or arr.shape != (3, d):
        raise InputError(f"--slice: {text!r} must hold an array of shape (3, {d}), got "
                         f"{getattr(arr, 'shape', None)}")
    return arr.astype(float)


def _box2(args: argparse.Namespace, default: tuple[float, float] | None):
    from ..domains import Box

    if args.box is None:
        if default is None:
            raise InputError("give --box LO HI (the 2-input network's domain) or --slice")
        return Box([default[0]] * 2, [default[1]] * 2)
    lo, hi = (parse_numbers(v, f"--box {n}") for v, n in zip(args.box, ("LO", "HI"), strict=True))
    lo, hi = (np.full(2, v[0]) if v.size == 1 else v for v in (lo, hi))
    if lo.size != 2 or hi.size != 2:
        raise InputError("--box LO HI must have 2 coordinates each (the plane's)")
    return Box(lo, hi)


def _plot(args: argparse.Namespace) -> int:
    from ..plot import draw, plane_regions

    out = Path(args.out)
    check_out(out)
    if args.center is not None and args.ball is None:
        raise InputError("--center is only used with --ball")
    if args.ball is not None and args.center is None:
        raise InputError("--ball needs --center C")
    net = Network.load(args.network)
    d = net.n_inputs
    if args.slice is not None:
        from ..slices import Slice

        X = _slice_points(args.slice, d)
        domain = Slice.through(X[0], X[1], X[2], _box2(args, (0.0, 1.0)))
    else:
        if d != 2:
            raise InputError(
                f"the network takes {d} inputs: give --slice X0 X1 X2 (three input points)"
            )
        domain = _box2(args, None)
    points = None
    if args.points is not None:
        if not os.path.isfile(args.points):
            raise InputError(f"--points: file {args.points!r} does not exist")
        try:
            points = npyfile.load(args.points)
        except Exception as exc:  # numpy raises ValueError, OSError, EOFError, ...
            raise InputError(f"--points: cannot read {args.points!r}: {exc}") from exc
        points = np.atleast_2d(np.asarray(points, dtype=float))
        if points.ndim != 2 or points.shape[1] != d:
            raise InputError(f"--points must hold an array of shape (m, {d}), got {points.shape}")
    labels = None
    if args.labels is not None:
        if points is None:
            raise InputError("--labels needs --points")
        labels = load_labels(args.labels, points.shape[0])
    ball = None
    if args.ball is not None:
        radius = parse_numbers(args.ball, "--ball R")
        if radius.size != 1 or radius[0] <= 0:
            raise InputError(f"--ball R must be one positive number, got {args.ball!r}")
        ball = (load_center(args.center, d), float(radius[0]), args.norm)
    try:
        import matplotlib  # noqa: F401 - only: is it installed?
    except ImportError as exc:
        raise InputError("plot needs matplotlib: pip install 'polyreg[plot]'") from exc
    if not 0 <= args.output < net.n_outputs:
        raise InputError(f"--output must be in 0..{net.n_outputs - 1}, got {args.output}")
    pic = plane_regions(net, domain, method=args.method)
    fig = draw(pic, out, color=args.color, graph=args.graph, points=points, labels=labels,
               ball=ball, boundary=not args.no_boundary, output=args.output,
               size=None if args.size is None else tuple(args.size), dpi=args.dpi,
               edges=not args.no_edges, title=args.title)
    if args.size is None:  # cropped to the drawing when saved: read the size back
        width, height = _saved_size(out, fig, args.dpi)
    else:
        width, height = args.size
    summary = {
        "out": str(out), "regions": len(pic.polygons), "linear_regions": pic.linear.count,
        "edges": len(pic.regions.edges), "width": width, "height": height,
        "color": args.color, "engine": pic.regions.method,
        "plane": "slice" if pic.slice is not None else "input",
    }
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"wrote {out} ({width} x {height} px): {summary['regions']:,} "
              f"activation regions, {summary['linear_regions']:,} linear regions")
    return 0


def _saved_size(out: Path, fig: object, dpi: int) -> tuple[int, int]:
    """Pixel size of a written PNG (read from its header), else of the figure at ``dpi``."""
    if out.suffix.lower() == ".png" and out.is_file():
        with open(out, "rb") as handle:
            head = handle.read(24)
        if head[:8] == b"\x89PNG\r\n\x1a\n":
            return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    w, h = fig.get_size_inches()  # type: ignore[attr-defined]
    return round(w * dpi), round(h * dpi)


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add ``plot`` to the ``polyreg`` parser."""
    from ..plot import COLOR_MODES

    p = subparsers.add_parser(
        "plot", help="draw every region in a plane or a 2-D slice (needs matplotlib)",
        description="Draw every activation region of a 2-input network in --box, or of any "
        "network in the slice x = X0 + s (X1 - X0) + t (X2 - X0) through three input points, "
        "as filled polygons.",
    )
    add_network_arg(p)
    p.add_argument("--slice", nargs="+", metavar="X",
                   help="three input points X0 X1 X2 (comma-separated lists or .npy files), "
                   "or one .npy file holding a (3, d) array")
    p.add_argument("--box", nargs=2, metavar=("LO", "HI"),
                   help="the domain of a 2-input network, or with --slice the range of (s, t) "
                   "(default [0, 1]^2); numbers or 2-coordinate lists")
    p.add_argument("--out", required=True, metavar="FILE.png",
                   help="image file (format from the suffix: .png, .pdf, .svg)")
    p.add_argument("--color", choices=COLOR_MODES, default="pattern",
                   help="pattern: per activation region (default); class: by predicted class; "
                   "output: the value of output --output; area: region area; jacobian: "
                   "spectral norm of the local Jacobian (input coordinates); linear: per linear "
                   "region; gradient: norm of the output gradient on the plane; id: unique "
                   "colour per region index")
    p.add_argument("--output", type=int, default=0, metavar="K",
                   help="the output drawn by --color output (default 0)")
    p.add_argument("--no-boundary", action="store_true",
                   help="do not draw the decision boundary")
    p.add_argument("--labels", metavar="y.npy",
                   help="one label per --points row: a colour and marker per label")
    p.add_argument("--title", help="title (default: the counts; '' for none)")
    p.add_argument("--graph", action="store_true", help="overlay the adjacency graph")
    p.add_argument("--points", metavar="X.npy", help="data points (m, d) to mark (projected)")
    p.add_argument("--ball", metavar="R", help="draw the ball of radius R around --center")
    p.add_argument("--center", metavar="C", help="centre of --ball: a list or a .npy file")
    p.add_argument("--norm", choices=NORMS, default="2", help="norm of --ball")
    p.add_argument("--size", nargs=2, type=at_least(16), default=None,
                   metavar=("W", "H"), help="image size in pixels (default: 5 inches wide at "
                   "--dpi, the height from the domain's aspect ratio, cropped to the drawing)")
    p.add_argument("--dpi", type=at_least(16), default=200, help="dots per inch (default 200)")
    p.add_argument("--no-edges", action="store_true", help="do not draw region boundaries")
    p.add_argument("--method", choices=["traverse", "planar"], default=None,
                   help="engine (default: traverse for 2-input networks, planar for slices)")
    add_report_args(p, progress=False)
    p.set_defaults(handler=_plot)
