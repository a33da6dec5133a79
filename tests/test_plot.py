"""Pictures (polyreg.plot, ``polyreg plot``): sizes, one colour per region, overlays, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import polyreg
from polyreg.cli import main
from polyreg.plot import COLOR_MODES, _area, draw, id_color, plane_regions

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.image import imread

from polyreg.slices import Slice

REPO = Path(__file__).resolve().parent.parent
TINY2D = REPO / "data" / "tiny2d.npz"
BOX2 = polyreg.Box([-1.0, -1.0], [1.0, 1.0])


def colours(path: Path) -> set[tuple[int, int, int]]:
    """Distinct RGB colours of an image, white (the background) left out."""
    img = imread(path)
    px = np.round(img[..., :3] * 255).astype(np.int64).reshape(-1, 3)
    return {tuple(c) for c in np.unique(px, axis=0)} - {(255, 255, 255)}


def count_by_id(pic, path: Path, size=(600, 600)) -> int:
    """Regions visible in an id-coloured rendering (no edges, no antialiasing, no axes)."""
    draw(pic, path, color="id", edges=False, antialiased=False, bare=True, size=size)
    found = colours(path)
    valid = {tuple(round(c * 255) for c in id_color(i)) for i in range(len(pic.polygons))}
    assert found <= valid, "a colour that is no region's id: blending or an overlay"
    return len(found)


def min_radius_pixels(pic, size) -> float:
    """Smallest inscribed radius of a region, in pixels: above 1 pixel, a region covers at
    least one pixel centre, so it shows in a rendering without antialiasing."""
    lo, hi = pic.domain.bounding_box()
    per_unit = min(size[0] / float(hi[0] - lo[0]), size[1] / float(hi[1] - lo[1]))
    return min(r.radius for r in pic.regions) * per_unit


# ---------------------------------------------------------------------------- geometry
def test_plane_regions_2d():
    net = polyreg.load(TINY2D)
    pic = plane_regions(net, BOX2)
    assert len(pic.polygons) == len(pic.regions) == 11
    assert pic.slice is None and pic.regions.method == "traverse"
    assert abs(sum(_area(P) for P in pic.polygons) - 4.0) < 1e-12
    for P, r in zip(pic.polygons, pic.regions, strict=True):
        assert _area(P) > 0  # counter-clockwise
        assert np.array_equal(net.pattern(P.mean(axis=0)), r.pattern)


@pytest.mark.parametrize("method", ["planar", "traverse"])
def test_plane_regions_slice(method):
    if method == "planar":
        pytest.importorskip("polyreg.engines.planar")
    net = polyreg.random_network([5, 8, 8, 1], seed=0)
    slc = Slice.through(np.zeros(5), np.eye(5)[0], np.eye(5)[1] + np.eye(5)[2], BOX2)
    pic = plane_regions(net, slc, method=method)
    assert pic.slice is slc and pic.net.n_inputs == 2
    assert abs(sum(_area(P) for P in pic.polygons) - 4.0) < 1e-9
    direct = polyreg.enumerate_regions(*polyreg.slices.slice_network(net, slc))
    assert {r.hex for r in pic.regions} == direct.patterns


def test_plane_regions_errors():
    with pytest.raises(polyreg.InvalidNetwork, match="takes 3 inputs"):
        plane_regions(polyreg.random_network([3, 4, 1]), polyreg.Box.cube(3))
    with pytest.raises(polyreg.InvalidDomain, match="polygonal domain"):
        plane_regions(polyreg.load(TINY2D), polyreg.Ball([0.0, 0.0], 1.0))


# ---------------------------------------------------------------------------- pictures
@pytest.mark.parametrize("size", [(640, 480), (333, 217), (800, 800)])
def test_png_has_the_requested_size(tmp_path, size):
    pic = plane_regions(polyreg.load(TINY2D), BOX2)
    path = tmp_path / "r.png"
    draw(pic, path, size=size, graph=True)
    assert imread(path).shape[:2] == (size[1], size[0])


def test_one_colour_per_region_2d(tmp_path):
    pic = plane_regions(polyreg.load(TINY2D), BOX2)
    assert count_by_id(pic, tmp_path / "id.png") == len(pic.polygons) == 11


@pytest.mark.parametrize("seed", [1, 2])
def test_one_colour_per_region_random(tmp_path, seed):
    net = polyreg.random_network([2, 6, 1], seed=seed)
    pic = plane_regions(net, BOX2)
    assert min_radius_pixels(pic, (600, 600)) > 1  # every region is visible at this size
    assert count_by_id(pic, tmp_path / "id.png") == len(pic.polygons)


def test_one_colour_per_region_slice(tmp_path):
    net = polyreg.random_network([4, 5, 1], seed=3)
    slc = Slice.through(np.zeros(4), np.eye(4)[0], np.eye(4)[1], polyreg.Box([-1, -1], [1, 1]))
    pic = plane_regions(net, slc)
    assert min_radius_pixels(pic, (600, 600)) > 1
    assert count_by_id(pic, tmp_path / "id.png") == len(pic.polygons)


@pytest.mark.parametrize("color", COLOR_MODES)
def test_every_colour_mode_with_overlays(tmp_path, color):
    pic = plane_regions(polyreg.load(TINY2D), BOX2)
    pts = np.random.default_rng(0).uniform(-1, 1, size=(15, 2))
    fig = draw(pic, tmp_path / f"{color}.png", color=color, graph=True, points=pts,
               ball=(np.array([0.2, 0.1]), 0.5), size=(400, 300))
    assert imread(tmp_path / f"{color}.png").shape[:2] == (300, 400)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["adjacency graph (16 edges)", "points", "ball, radius 0.5"]
    assert len(fig.axes) == (2 if color == "gradient" else 1)  # the colour bar's axes


def test_pattern_colours_differ_between_neighbours():
    from polyreg.plot import _PALETTE

    pic = plane_regions(polyreg.random_network([2, 8, 8, 1], seed=3), BOX2)
    fig = draw(pic, color="pattern")
    faces = fig.axes[0].collections[0].get_facecolors()[:, :3]
    for e in pic.regions.edges:
        assert not np.allclose(faces[e.u], faces[e.v])
    assert len({tuple(f) for f in faces}) == len(_PALETTE)  # colours spread over the palette


def test_linear_colouring_merges_equal_maps():
    net = polyreg.Network.from_layers([
        (np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.5], [1.0, 0.5]]),
         np.array([0.0, 0.0, 0.3, 0.3])),
        (np.array([[1.0, 1.0, 1.0, -1.0]]), np.array([0.0])),
    ])
    pic = plane_regions(net, BOX2)
    assert (len(pic.polygons), pic.linear.count) == (7, 4)
    faces = draw(pic, color="linear").axes[0].collections[0].get_facecolors()[:, :3]
    for group in pic.linear.groups():
        assert len({tuple(faces[i]) for i in group}) == 1


def test_ball_outline_on_a_slice():
    from polyreg.plot import _ball_outline

    net = polyreg.random_network([3, 4, 1], seed=0)
    slc = Slice([0.0, 0.0, 0.5], [2.0, 0.0, 0.0], [0.0, 1.0, 0.0], polyreg.Box([-1, -1], [1, 1]))
    pic = plane_regions(net, slc)
    outline = _ball_outline(pic, np.zeros(3), 1.0, 2)
    x = slc.to_input(outline)
    assert np.allclose(np.linalg.norm(x, axis=1), 1.0)  # on the sphere, in the plane
    assert _ball_outline(pic, np.zeros(3), 0.4, 2) is None  # the plane misses it
    square = _ball_outline(pic, np.zeros(3), 1.0, "inf")
    assert np.allclose(np.abs(slc.to_input(square)).max(axis=1), 1.0)


def test_draw_errors():
    pic = plane_regions(polyreg.load(TINY2D), BOX2)
    with pytest.raises(ValueError, match="color must be one of"):
        draw(pic, color="rainbow")
    with pytest.raises(ValueError, match="at least 16"):
        draw(pic, size=(8, 8))
    with pytest.raises(ValueError, match="network takes 2"):
        draw(pic, points=np.zeros((3, 5)))


# ---------------------------------------------------------------------------- command line
def test_cli_plot_2d(tmp_path, capsys):
    pts = tmp_path / "x.npy"
    np.save(pts, np.random.default_rng(0).uniform(-1, 1, size=(10, 2)))
    out = tmp_path / "regions.png"
    argv = ["plot", str(TINY2D), "--box", "-1", "1", "--out", str(out), "--graph",
            "--points", str(pts), "--ball", "0.5", "--center", "0.2,0.1", "--size", "500", "400",
            "--json"]
    assert main(argv) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["regions"] == 11 and info["linear_regions"] == 11 and info["plane"] == "input"
    assert imread(out).shape[:2] == (400, 500)


def test_cli_plot_slice(tmp_path, capsys):
    net = tmp_path / "net.npz"
    polyreg.random_network([4, 6, 1], seed=0).save(net)
    out = tmp_path / "slice.png"
    assert main(["plot", str(net), "--slice", "0,0,0,0", "1,0,0,0", "0,1,0,0", "--box", "-1", "1",
                 "--out", str(out), "--color", "gradient", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    slc = Slice.through([0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], BOX2)
    assert info["regions"] == len(polyreg.enumerate_regions(
        *polyreg.slices.slice_network(polyreg.load(net), slc)))
    # the same slice from one (3, d) .npy file, default (s, t) range [0, 1]^2
    X = tmp_path / "X.npy"
    np.save(X, np.array([[0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0]], dtype=float))
    assert main(["plot", str(net), "--slice", str(X), "--out", str(out)]) == 0
    assert "activation regions" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--box", "-1", "1"], "takes 4 inputs: give --slice"),
    (["--slice", "missing.npy"], "not a file"),
    (["--slice", "0,0,0,0", "1,0,0,0"], "takes 1 or 3 values"),
    (["--slice", "0,0,0", "1,0,0,0", "0,1,0,0"], "has 3 coordinate(s)"),
    (["--slice", "0,0,0,0", "1,0,0,0", "2,0,0,0"], "linearly dependent"),
    (["--slice", "0,0,0,0", "1,0,0,0", "0,1,0,0", "--ball", "1"], "--ball needs --center"),
])
def test_cli_plot_errors(tmp_path, capsys, argv, message):
    net = tmp_path / "net.npz"
    polyreg.random_network([4, 6, 1], seed=0).save(net)
    assert main(["plot", str(net), "--out", str(tmp_path / "p.png"), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("polyreg: error: ") and message in err, err
