"""Pictures (polyreg.plot, ``polyreg plot``): sizes, one colour per region, overlays, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import polyreg
from polyreg.cli import main
from polyreg.plot import COLOR_MODES, SCALAR_MODES, _area, draw, id_color, plane_regions

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
    labels = [t.get_text() for t in ax.get_legend().get_texts()
              if not t.get_text().startswith("class ")]  # class patches of color="class"
    expected = ["adjacency graph (16 edges)", "points", "ball, radius 0.5"]
    if color != "id":  # the decision boundary, drawn by default in every other mode
        expected.insert(0, "decision boundary")
    assert labels == expected
    assert len(fig.axes) == (2 if color in SCALAR_MODES else 1)  # the colour bar's axes


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


# ---------------------------------------------------------------------------- figures for papers
def small_net() -> polyreg.Network:
    """A 2-input network with 7 regions in BOX2 (fewer than the 9 palette colours)."""
    return polyreg.Network.from_layers([
        (np.array([[1.0, 0.2], [-0.3, 1.0], [1.0, 1.0]]), np.array([0.1, -0.2, 0.3])),
        (np.array([[1.0, -1.0, 0.5], [-0.5, 1.0, 1.0]]), np.array([0.0, 0.1])),
    ])


def test_pattern_mode_one_colour_per_region(tmp_path):
    from polyreg.plot import _PALETTE

    pic = plane_regions(small_net(), BOX2)
    assert 1 < len(pic.polygons) <= len(_PALETTE)
    path = tmp_path / "pattern.png"
    draw(pic, path, color="pattern", edges=False, antialiased=False, bare=True, boundary=False,
         size=(300, 300))
    palette = {tuple(int(v) for v in np.round(c * 255)) for c in _PALETTE}
    found = colours(path) | ({(255, 255, 255)} & palette)
    assert found <= palette
    assert len(found) == len(pic.polygons)


def test_class_mode_and_decision_boundary(tmp_path):
    from polyreg.bounds.robustness import predicted_class
    from polyreg.plot import class_cells, class_colors, decision_boundary

    net = polyreg.random_network([2, 8, 8, 3], seed=2)
    pic = plane_regions(net, BOX2)
    cells = class_cells(pic)
    assert abs(sum(_area(P) for _, _, P in cells) - 4.0) < 1e-9  # the cells tile the box
    for i, k, P in cells:  # each cell's centroid is predicted its class, inside its region
        c = P.mean(axis=0)
        assert predicted_class(net, c[None])[0] == k
        assert np.array_equal(net.pattern(c), pic.regions[i].pattern)
    segs = decision_boundary(pic)
    for seg in segs:  # the two classes meet on every boundary segment: equal top outputs
        out = np.sort(net.forward(seg.mean(axis=0)))
        assert out[-1] - out[-2] < 1e-9 * (1 + abs(out[-1]))
    # boundary pixels: black appears only when the boundary is drawn
    for boundary in (True, False):
        path = tmp_path / f"class{boundary}.png"
        draw(pic, path, color="class", edges=False, antialiased=False, bare=True,
             boundary=boundary, size=(300, 300))
        img = np.round(imread(path)[..., :3] * 255).astype(int)
        black = int(np.sum(np.all(img == 0, axis=-1)))
        assert (black > 100) == boundary and (black == 0) != boundary
        fills = {tuple(int(v) for v in np.round(c * 255)) for c in class_colors(3, light=0.55)}
        assert colours(path) - {(0, 0, 0)} <= fills
        assert len(colours(path) - {(0, 0, 0)}) == len({k for _, k, _ in cells})


@pytest.mark.parametrize("color", ["output", "area", "jacobian"])
def test_scalar_modes_have_a_colour_bar(color):
    from polyreg.plot import region_values

    pic = plane_regions(polyreg.random_network([2, 6, 6, 2], seed=0), BOX2)
    fig = draw(pic, color=color, output=1)
    assert len(fig.axes) == 2
    if color != "output":
        values = region_values(pic, color)
        assert values.shape == (len(pic.polygons),) and np.all(values >= 0)
    with pytest.raises(ValueError, match="output must be in 0..1"):
        draw(pic, color="output", output=2)


def test_jacobian_of_a_slice_uses_the_full_network():
    from polyreg.plot import region_values

    net = polyreg.random_network([4, 6, 2], seed=1)
    slc = Slice.through(np.zeros(4), np.eye(4)[0], np.eye(4)[1], BOX2)
    pic = plane_regions(net, slc)
    values = region_values(pic, "jacobian")
    for v, r in zip(values, pic.regions, strict=True):
        assert v == pytest.approx(np.linalg.norm(net.local_maps(r.pattern).out_W, 2))


def test_aspect_ratio_from_the_domain(tmp_path):
    pic = plane_regions(small_net(), polyreg.Box([-2.0, -0.5], [2.0, 0.5]))
    path = tmp_path / "wide.png"
    draw(pic, path, bare=True)
    h, w = imread(path).shape[:2]
    assert w / h == pytest.approx(4.0, rel=0.02)
    draw(pic, path, title="")  # with axes: cropped to the drawing, still wide
    h, w = imread(path).shape[:2]
    assert 2.5 < w / h < 4.5


def test_labelled_points_graph_and_axes(tmp_path):
    import matplotlib.pyplot as plt

    pic = plane_regions(small_net(), BOX2)
    pts = np.random.default_rng(0).uniform(-1, 1, size=(12, 2))
    fig, ax = plt.subplots()
    try:
        out = draw(pic, color="class", points=pts, labels=[i % 3 for i in range(12)],
                   graph=True, ax=ax)
        assert out is fig
        texts = [t.get_text() for t in ax.get_legend().get_texts()]
        assert texts[-4:] == ["adjacency graph (" + str(len(pic.regions.edges)) + " edges)",
                              "0", "1", "2"]
        # region boundaries and adjacency edges are drawn in different colours and styles
        from matplotlib.collections import LineCollection, PolyCollection

        edges = [c for c in ax.collections if isinstance(c, PolyCollection)][0]
        graph = [c for c in ax.collections if isinstance(c, LineCollection)][-1]
        assert not np.allclose(edges.get_edgecolor()[0], graph.get_color()[0])
        assert graph.get_linestyle()[0][1] is not None  # dashed
    finally:
        plt.close(fig)
    with pytest.raises(ValueError, match="one label per point"):
        draw(pic, points=pts, labels=[0, 1])


@pytest.mark.parametrize("suffix", ["svg", "pdf"])
def test_vector_output_parses(tmp_path, suffix):
    import xml.etree.ElementTree as ET

    pic = plane_regions(small_net(), BOX2)
    path = tmp_path / f"figure.{suffix}"
    draw(pic, path, color="output", graph=True, points=np.zeros((1, 2)), labels=["a"])
    data = path.read_bytes()
    if suffix == "svg":
        root = ET.fromstring(data)
        assert root.tag.endswith("svg")
    else:
        assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")


def test_cli_plot_modes(tmp_path, capsys):
    pts, lab = tmp_path / "x.npy", tmp_path / "y.npy"
    np.save(pts, np.random.default_rng(0).uniform(-1, 1, size=(10, 2)))
    np.save(lab, np.arange(10) % 2)
    for color in ("class", "output", "area", "jacobian"):
        out = tmp_path / f"{color}.png"
        assert main(["plot", str(TINY2D), "--box", "-1,-0.5", "1,0.5", "--out", str(out),
                     "--color", color, "--points", str(pts), "--labels", str(lab), "--json"]) == 0
        info = json.loads(capsys.readouterr().out)
        assert (info["width"], info["height"]) == imread(out).shape[1::-1]
        assert info["width"] > 1.3 * info["height"]  # the box is twice as wide as high
    assert main(["plot", str(TINY2D), "--box", "-1", "1", "--out", str(tmp_path / "p.svg"),
                 "--no-boundary", "--title", ""]) == 0
    assert (tmp_path / "p.svg").read_text().lstrip().startswith("<?xml")
    capsys.readouterr()
    assert main(["plot", str(TINY2D), "--box", "-1", "1", "--out", str(tmp_path / "p.png"),
                 "--labels", str(lab)]) == 2
    assert "--labels needs --points" in capsys.readouterr().err
    assert main(["plot", str(TINY2D), "--box", "-1", "1", "--out", str(tmp_path / "p.png"),
                 "--color", "output", "--output", "3"]) == 2
    assert "--output must be in 0..0" in capsys.readouterr().err
