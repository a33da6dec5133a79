"""Region adjacency graphs (polyreg.graph): attributes, invariants, linear regions, graph facts,
exports."""

from __future__ import annotations

import json
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import polyreg
from polyreg.cli import main
from polyreg.domains import sample
from polyreg.graph import (
    boundary_regions,
    degree_distribution,
    diameter,
    linear_regions,
    most_crossed_neurons,
    neuron_pairs,
    read_graph,
    region_graph,
    region_vertices,
    write_graph,
)



# kept local (not imported from conftest: another conftest.py in a sub-directory of tests/
# can shadow the module name ``conftest``)
def net_from(*layers: tuple[object, object]) -> polyreg.Network:
    """``net_from((W0, b0), (W1, b1), ...)`` from nested lists."""
    return polyreg.Network.from_layers(
        [(np.asarray(W, dtype=float), np.asarray(b, dtype=float)) for W, b in layers]
    )


def one_layer(W: np.ndarray, b: np.ndarray) -> polyreg.Network:
    """One hidden layer ``relu(W x + b)`` followed by a summing output."""
    W = np.asarray(W, dtype=float)
    return net_from((W, b), (np.ones((1, W.shape[0])), [0.0]))


def lines_through(point: object, k: int, phase: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """``k`` distinct lines through ``point`` in the plane."""
    angles = phase + np.pi * np.arange(k) / k
    W = np.column_stack([np.cos(angles), np.sin(angles)])
    return W, -W @ np.asarray(point, dtype=float)


BOX2 = polyreg.Box([-1.0, -1.0], [1.0, 1.0])
TINY2D = Path(__file__).resolve().parents[2] / "data" / "tiny2d.npz"


def _dead_output() -> polyreg.Network:
    net = polyreg.random_network([2, 6, 6, 1], seed=4)
    return polyreg.Network(net.weights[:-1] + (np.zeros((1, 6)),),
                           net.biases[:-1] + (np.zeros(1),))


def _duplicate_pair(sign: float) -> polyreg.Network:
    """Neurons x, y and a duplicated pair on x + y/2 + 0.3 = 0 with output weights 1, sign."""
    return net_from(
        ([[1.0, 0.0], [0.0, 1.0], [1.0, 0.5], [1.0, 0.5]], [0.0, 0.0, 0.3, 0.3]),
        ([[1.0, 1.0, 1.0, sign]], [0.0]),
    )


CASES = {
    "tiny2d_box": (lambda: polyreg.load(TINY2D), BOX2),
    "deep2d_box": (lambda: polyreg.random_network([2, 8, 8, 1], seed=3), BOX2),
    "deep3d_cube": (lambda: polyreg.random_network([3, 6, 6, 1], seed=3), polyreg.Box.cube(3)),
    "l1ball_3d": (lambda: polyreg.random_network([3, 8, 2], seed=3),
                  polyreg.Ball([0.0, 0.0, 0.0], 1.0, norm=1)),
    "l2disk": (lambda: polyreg.random_network([2, 6, 6, 1], seed=3), polyreg.Ball([0.0, 0.0], 1.0)),
    "whole": (lambda: polyreg.random_network([2, 5, 5, 1], seed=3), polyreg.Whole(2)),
    "triangle": (lambda: polyreg.random_network([2, 10, 1], seed=2),
                 polyreg.Polytope(np.array([[-1.0, 0.0], [0.0, -1.0], [1.0, 1.0]]),
                                  np.array([1.0, 1.0, 1.0]))),
    "interval": (lambda: polyreg.random_network([1, 8, 8, 1], seed=5), polyreg.Box([-2.0], [2.0])),
}

#: exact volume of each bounded polyhedral domain
VOLUMES = {"tiny2d_box": 4.0, "deep2d_box": 4.0, "deep3d_cube": 8.0, "l1ball_3d": 8.0 / 6.0,
           "triangle": 4.5, "interval": 4.0}


@pytest.fixture(scope="module")
def solved() -> dict:
    """Each case enumerated once: name -> (net, domain, RegionSet, graph)."""
    out = {}
    for name, (make, domain) in CASES.items():
        net = make()
        rs = polyreg.enumerate_regions(net, domain)
        out[name] = (net, domain, rs, region_graph(rs, net))
    return out


def _layer(net: polyreg.Network, k: int) -> int:
    return int(np.searchsorted(net.layer_offsets, k, side="right"))


# ---------------------------------------------------------------------------- invariants
@pytest.mark.parametrize("name", sorted(CASES))
def test_nodes_edges_connected(solved, name):
    net, _, rs, g = solved[name]
    assert g.number_of_nodes() == len(rs)
    assert g.number_of_edges() == len(rs.edges)
    assert nx.is_connected(g)
    assert g.graph["regions"] == len(rs)
    assert g.graph["widths"] == net.widths
    for i, r in enumerate(rs):
        node = g.nodes[i]
        assert node["pattern"] == r.hex
        np.testing.assert_array_equal(node["point"], r.point)
        assert node["radius"] == r.radius
        np.testing.assert_array_equal(node["out_W"], r.out_W)
        assert isinstance(node["out_hash"], str) and len(node["out_hash"]) == 16


@pytest.mark.parametrize("name", sorted(CASES))
def test_edges_flip_crossed_or_downstream(solved, name):
    """An edge's patterns differ exactly in the crossed neuron(s) and, possibly, in neurons of
    later layers (a bent hyperplane continuing on the other side)."""
    net, _, rs, g = solved[name]
    for u, v, data in g.edges(data=True):
        diff = set(np.flatnonzero(rs[u].pattern != rs[v].pattern).tolist())
        carried = set(data["neuron_ids"])
        assert carried, f"edge {u}-{v} carries no neuron"
        assert diff == set(data["flipped"])
        assert carried <= diff  # general position: every crossed neuron flips
        first = min(_layer(net, k) for k in carried)
        assert all(_layer(net, k) > first for k in diff - carried), (u, v, diff, carried)
        names = [net.neuron_name(k) for k in data["neuron_ids"]]
        assert [f"{a}:{b}" for a, b in data["neurons"]] == names


@pytest.mark.parametrize("name", sorted(VOLUMES))
def test_volumes_sum_to_domain(solved, name):
    _, _, rs, g = solved[name]
    assert g.graph["volumes"] == "exact"
    vols = np.array([g.nodes[i]["volume"] for i in g])
    assert np.all(vols > 0)
    assert math.isclose(vols.sum(), VOLUMES[name], rel_tol=1e-9)


@pytest.mark.parametrize("name", ["l2disk", "whole"])
def test_volumes_omitted_where_not_exact(solved, name):
    _, _, _, g = solved[name]
    assert g.graph["volumes"].startswith("omitted")
    assert all("volume" not in a for _, a in g.nodes(data=True))
    assert all("facet_area" not in a for *_, a in g.edges(data=True))


def test_volumes_need_a_network():
    net = polyreg.load(TINY2D)
    g = region_graph(polyreg.enumerate_regions(net, BOX2))
    assert g.graph["volumes"] == "omitted: no network given"
    assert region_graph(polyreg.enumerate_regions(net, BOX2), net,
                        volumes=False, facet_areas=False).graph["volumes"].startswith("omitted")


def test_volume_of_a_region_against_sampling():
    """An independent estimate: the fraction of uniform samples with each pattern."""
    net, domain = CASES["deep3d_cube"][0](), CASES["deep3d_cube"][1]
    rs = polyreg.enumerate_regions(net, domain)
    g = region_graph(rs, net)
    pts = sample(domain, 40000, np.random.default_rng(1))
    index = {r.hex: i for i, r in enumerate(rs)}
    from polyreg.regions import pattern_hex

    counts = np.zeros(len(rs))
    for p in net.pattern(pts):
        counts[index[pattern_hex(p)]] += 1
    frac = counts / counts.sum() * 8.0
    vols = np.array([g.nodes[i]["volume"] for i in range(len(rs))])
    assert np.abs(frac - vols).max() < 0.05


# ---------------------------------------------------------------------------- 2-D geometry
def _pieces(polys: list[np.ndarray], lo: np.ndarray, hi: np.ndarray) -> list[list[tuple]]:
    """Per polygon, its interior boundary pieces: each side split at every other polygon's
    vertex lying inside it (T-junctions: a side shared with several neighbours), without the
    pieces on the box's boundary. Each piece is (start, end)."""
    verts = np.unique(np.round(np.vstack(polys), 12), axis=0)
    scale = float(np.max(hi - lo))
    out = []
    for P in polys:
        pieces = []
        for a, b in zip(P, np.roll(P, -1, axis=0), strict=True):
            ab = b - a
            L = float(np.linalg.norm(ab))
            if 1e-12 * scale >= L:
                continue
            t = (verts - a) @ ab / L**2
            off = np.abs((verts - a) @ np.array([-ab[1], ab[0]])) / L
            inner = np.sort(t[(off <= 1e-9 * scale) & (t > 1e-9) & (t < 1 - 1e-9)])
            ts = np.concatenate([[0.0], inner, [1.0]])
            for t0, t1 in zip(ts[:-1], ts[1:], strict=True):
                p, q = a + t0 * ab, a + t1 * ab
                on_box = any(
                    abs(p[k] - edge) <= 1e-9 * scale and abs(q[k] - edge) <= 1e-9 * scale
                    for k in range(2) for edge in (lo[k], hi[k])
                )
                if not on_box:
                    pieces.append((p, q))
        out.append(pieces)
    return out


TWO_D = {
    "tiny2d": lambda: polyreg.load(TINY2D),
    "deep": lambda: polyreg.random_network([2, 8, 8, 1], seed=3),
    "deeper": lambda: polyreg.random_network([2, 6, 6, 6, 1], seed=7),
    "concurrent": lambda: one_layer(*lines_through([0.2, -0.1], 5)),
    "duplicate_pair": lambda: _duplicate_pair(-1.0),
    "collinear_bends": lambda: net_from(  # a layer-2 neuron bending exactly on a layer-1 line
        ([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]),
        ([[1.0, 1.0], [1.0, -2.0]], [-0.5, 0.2]),
        ([[1.0, 1.0]], [0.0]),
    ),
}


@pytest.mark.parametrize("name", sorted(TWO_D))
def test_degree_equals_interior_polygon_edges(name):
    net = TWO_D[name]()
    rs = polyreg.enumerate_regions(net, BOX2)
    g = region_graph(rs, net)
    polys = region_vertices(rs, net)
    pieces = _pieces(polys, BOX2.lo, BOX2.hi)
    for i in range(len(rs)):
        assert g.degree(i) == len(pieces[i]), (name, i, rs[i].hex)
        # the facet lengths of the incident edges add up to the interior boundary length
        interior = sum(float(np.linalg.norm(q - p)) for p, q in pieces[i])
        facets = sum(g.edges[i, j]["facet_area"] for j in g.neighbors(i))
        assert math.isclose(interior, facets, rel_tol=1e-9, abs_tol=1e-12)


def test_polygons_tile_the_box():
    net = polyreg.random_network([2, 8, 8, 1], seed=3)
    rs = polyreg.enumerate_regions(net, BOX2)
    polys = region_vertices(rs, net)
    areas = [0.5 * float(np.sum(P[:, 0] * np.roll(P[:, 1], -1) - np.roll(P[:, 0], -1) * P[:, 1]))
             for P in polys]
    assert min(areas) > 0  # counter-clockwise
    assert math.isclose(sum(areas), 4.0, rel_tol=1e-12)


def test_region_vertices_rejects_a_disk():
    net = polyreg.load(TINY2D)
    rs = polyreg.enumerate_regions(net, polyreg.Ball([0.0, 0.0], 1.0))
    with pytest.raises(ValueError, match="polyhedral domain"):
        region_vertices(rs, net)


def test_facet_areas_3d_against_hull():
    """In 3-D each region's surface inside the cube is the sum of its facet areas."""
    from scipy.spatial import ConvexHull

    net, domain = CASES["deep3d_cube"][0](), CASES["deep3d_cube"][1]
    rs = polyreg.enumerate_regions(net, domain)
    g = region_graph(rs, net)
    verts = region_vertices(rs, net)
    for i, V in enumerate(verts):
        hull = ConvexHull(V)
        eq = hull.equations
        on_box = np.any(np.isclose(np.abs(eq[:, :3]).max(axis=1), 1.0, atol=1e-9)
                        & np.isclose(np.abs(eq[:, 3]), 1.0, atol=1e-9)[:, None], axis=1)
        tri = V[hull.simplices]
        area = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
        interior = float(area[~on_box].sum())
        facets = sum(g.edges[i, j]["facet_area"] for j in g.neighbors(i))
        assert math.isclose(interior, facets, rel_tol=1e-8), i


# ---------------------------------------------------------------------------- linear regions
def test_dead_output_has_one_linear_region():
    net = _dead_output()
    rs = polyreg.enumerate_regions(net, BOX2)
    lr = linear_regions(rs)
    assert len(rs) > 20
    assert (lr.activation_regions, lr.count) == (len(rs), 1)
    assert lr.merged_edges == len(rs.edges)
    assert linear_regions(rs, net).count == 1
    assert region_graph(rs, net).graph["linear_regions"] == 1


@pytest.mark.parametrize("sign, expected", [(-1.0, 4), (1.0, 7)])
def test_duplicated_pair(sign, expected):
    """relu(h) - relu(h) = 0: the duplicated line splits 3 of the 4 quadrant regions, and each
    split pair merges back; with relu(h) + relu(h) nothing merges."""
    net = _duplicate_pair(sign)
    rs = polyreg.enumerate_regions(net, BOX2)
    lr = linear_regions(rs)
    assert len(rs) == 7
    assert lr.count == expected
    if sign < 0:
        # the linear regions are the quadrants: same bits for x and y (neurons 0, 1)
        for group in lr.groups():
            assert len({(bool(rs[i].pattern[0]), bool(rs[i].pattern[1])) for i in group}) == 1
        assert sorted(len(gr) for gr in lr.groups()) == [1, 2, 2, 2]
        g = region_graph(rs, net)
        merged = [d["neurons"] for *_, d in g.edges(data=True) if d["same_map"]]
        assert len(merged) == 3
        assert all(set(n) == {(1, 2), (1, 3)} for n in merged)


def test_linear_regions_labels_and_tolerance():
    net = polyreg.random_network([2, 8, 8, 1], seed=3)
    rs = polyreg.enumerate_regions(net, BOX2)
    lr = linear_regions(rs)
    assert lr.labels.shape == (len(rs),)
    assert lr.labels[0] == 0 and set(lr.labels.tolist()) == set(range(lr.count))
    assert linear_regions(rs, rtol=1e6).count == 1  # everything "equal"
    with pytest.raises(ValueError, match="rtol"):
        linear_regions(rs, rtol=-1.0)


def test_count_linear_cli(capsys, tmp_path):
    path = tmp_path / "dead.npz"
    _dead_output().save(path)
    assert main(["count", str(path), "--box", "-1", "1", "--linear", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["linear_regions"] == 1 and out["regions"] > 20
    assert main(["count", str(path), "--box", "-1", "1", "--linear", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "linear regions  1" in text
    assert main(["count", str(path), "--box", "-1", "1", "--json"]) == 0
    assert "linear_regions" not in json.loads(capsys.readouterr().out)


# ---------------------------------------------------------------------------- graph facts
def test_degree_distribution_and_diameter(solved):
    for _name, (_, _, rs, g) in solved.items():
        dist = degree_distribution(g)
        assert sum(dist.values()) == len(rs)
        assert dist == degree_distribution(rs)
        assert diameter(g) == nx.diameter(g) == diameter(rs)


def test_diameter_errors():
    with pytest.raises(ValueError, match="empty"):
        diameter(nx.Graph())
    with pytest.raises(ValueError, match="not connected"):
        diameter(nx.Graph([(0, 1), (2, 3)]))
    assert diameter(nx.empty_graph(1)) == 0
    with pytest.raises(TypeError, match="RegionSet or a networkx.Graph"):
        diameter([1, 2])


def test_most_crossed_neurons(solved):
    net, _, rs, g = solved["deep2d_box"]
    ranked = most_crossed_neurons(g, top=None)
    assert ranked == most_crossed_neurons(rs, top=None)
    with pytest.raises(ValueError, match="no widths"):
        most_crossed_neurons(rs.graph)  # pattern indices only: layers unknown
    assert sum(c for _, c in ranked) == sum(len(e.neurons) for e in rs.edges)
    counts = [c for _, c in ranked]
    assert counts == sorted(counts, reverse=True)
    assert most_crossed_neurons(g, top=3) == ranked[:3]
    assert all(1 <= layer <= 2 and 0 <= unit < 8 for (layer, unit), _ in ranked)


def test_boundary_regions_box_from_polygons(solved):
    net, domain, rs, _ = solved["deep2d_box"]
    polys = region_vertices(rs, net)
    expected = []
    for i, P in enumerate(polys):
        for a, b in zip(P, np.roll(P, -1, axis=0), strict=True):
            if np.linalg.norm(b - a) > 1e-9 and any(
                np.isclose(a[k], e) and np.isclose(b[k], e) for k in range(2) for e in (-1.0, 1.0)
            ):
                expected.append(i)
                break
    assert boundary_regions(rs, net).tolist() == expected


def test_boundary_regions_vertex_touch_is_not_boundary():
    """A region meeting the boundary only in a point does not count: the triangle between
    two lines through (1, 0), on the box's side, and the line x = 0."""
    net = one_layer(np.array([[0.5, -1.0], [0.5, 1.0], [1.0, 0.0]]), np.array([-0.5, -0.5, 0.0]))
    rs = polyreg.enumerate_regions(net, BOX2)
    from polyreg.regions import pattern_hex

    triangle = [r.hex for r in rs].index(pattern_hex(net.pattern(np.array([0.5, 0.0]))))
    found = boundary_regions(rs, net).tolist()
    assert triangle not in found
    assert len(found) == len(rs) - 1


@pytest.mark.parametrize("name", ["l2disk", "l1ball_3d"])
def test_boundary_regions_balls_against_sphere_samples(solved, name):
    net, domain, rs, _ = solved[name]
    found = set(boundary_regions(rs, net).tolist())
    d = net.n_inputs
    u = np.random.default_rng(0).normal(size=(20000, d))
    if domain.norm == 2:
        u /= np.linalg.norm(u, axis=1, keepdims=True)
    else:
        u /= np.abs(u).sum(axis=1, keepdims=True)
    on_sphere = domain.center + domain.radius * (1 - 1e-9) * u
    index = {r.hex: i for i, r in enumerate(rs)}
    from polyreg.regions import pattern_hex

    hit = {index[pattern_hex(p)] for p in net.pattern(on_sphere)}
    assert hit <= found
    assert len(found) - len(hit) <= 2  # only slivers can escape 20000 samples


def test_boundary_regions_whole_space_are_the_unbounded_ones():
    """m lines in general position: 2m unbounded regions."""
    rng = np.random.default_rng(3)
    W, b = rng.normal(size=(6, 2)), rng.normal(size=6)
    net = one_layer(W, b)
    rs = polyreg.enumerate_regions(net, polyreg.Whole(2))
    assert len(rs) == 1 + 6 + 15
    assert len(boundary_regions(rs, net)) == 12


def test_net_must_match():
    net = polyreg.load(TINY2D)
    rs = polyreg.enumerate_regions(net, BOX2)
    with pytest.raises(ValueError, match="widths"):
        region_graph(rs, polyreg.random_network([2, 3, 1]))
    with pytest.raises(TypeError, match="polyreg.Network"):
        boundary_regions(rs, "net.npz")


def test_neuron_pairs_match_neuron_name():
    net = polyreg.random_network([3, 4, 5, 2, 1], seed=0)
    pairs = neuron_pairs(net.widths, range(net.n_hidden))
    assert [f"{a}:{b}" for a, b in pairs] == [net.neuron_name(k) for k in range(net.n_hidden)]


# ---------------------------------------------------------------------------- exports
def assert_same_graph(g: nx.Graph, h: nx.Graph) -> None:
    assert sorted(g.nodes) == sorted(h.nodes)
    assert {frozenset(e) for e in g.edges} == {frozenset(e) for e in h.edges}
    assert g.graph == h.graph

    def same(a: object, b: object) -> bool:
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and \
                a.shape == b.shape and np.array_equal(a, b)
        return type(a) is type(b) and a == b

    for n in g:
        ga, ha = g.nodes[n], h.nodes[n]
        assert set(ga) == set(ha), (set(ga) ^ set(ha))
        for k in ga:
            assert same(ga[k], ha[k]), (n, k, ga[k], ha[k])
    for u, v in g.edges:
        ga, ha = g.edges[u, v], h.edges[u, v]
        assert set(ga) == set(ha)
        for k in ga:
            assert same(ga[k], ha[k]), (u, v, k, ga[k], ha[k])


@pytest.mark.parametrize("fmt", ["graphml", "json", "npz"])
@pytest.mark.parametrize("name", ["tiny2d_box", "deep3d_cube", "l2disk", "interval"])
def test_round_trip(solved, tmp_path, fmt, name):
    g = solved[name][3]
    path = write_graph(g, tmp_path / f"g.{fmt}")
    assert path.is_file()
    assert_same_graph(g, read_graph(path))
    assert not list(tmp_path.glob(".*"))  # no temporary file left


@pytest.mark.parametrize("fmt", ["graphml", "json"])
def test_round_trip_plain_regionset_graph(solved, tmp_path, fmt):
    g = solved["tiny2d_box"][2].graph
    assert_same_graph(g, read_graph(write_graph(g, tmp_path / f"plain.{fmt}")))


def test_npz_needs_region_graph_layout(solved, tmp_path):
    with pytest.raises(ValueError, match="widths"):
        write_graph(solved["tiny2d_box"][2].graph, tmp_path / "plain.npz")
    with pytest.raises(ValueError, match="nodes 0, 1"):
        write_graph(nx.relabel_nodes(solved["tiny2d_box"][3], {0: 99}), tmp_path / "x.npz")


def test_json_is_networkx_node_link(solved, tmp_path):
    g = solved["tiny2d_box"][3]
    path = write_graph(g, tmp_path / "g.json")
    data = json.loads(path.read_text())
    try:
        h = nx.node_link_graph(data, edges="edges")
    except TypeError:  # networkx < 3.4 names the keyword "link"
        h = nx.node_link_graph(data, link="edges")
    assert h.number_of_nodes() == g.number_of_nodes()
    assert h.number_of_edges() == g.number_of_edges()
    assert data["graph"]["schema"] == "polyreg.graph/1"


def test_graphml_is_readable_by_networkx(solved, tmp_path):
    g = solved["deep2d_box"][3]
    h = nx.read_graphml(write_graph(g, tmp_path / "g.graphml"))
    assert h.number_of_edges() == g.number_of_edges()
    assert json.loads(h.nodes["0"]["point"]) == g.nodes[0]["point"].tolist()


def test_npz_is_compact(solved, tmp_path):
    g = solved["deep2d_box"][3]
    sizes = {fmt: write_graph(g, tmp_path / f"g.{fmt}").stat().st_size
             for fmt in ("graphml", "json", "npz")}
    assert sizes["npz"] < sizes["json"] < sizes["graphml"]


def test_export_errors(solved, tmp_path):
    g = solved["tiny2d_box"][3]
    with pytest.raises(ValueError, match="unknown graph format"):
        write_graph(g, tmp_path / "g.txt")
    assert read_graph(write_graph(g, tmp_path / "g.txt", format="json"), format="json")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_graph(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ValueError, match="not JSON"):
        read_graph(tmp_path / "bad.json")
    (tmp_path / "other.json").write_text('{"nodes": 3}')
    with pytest.raises(ValueError, match="not a polyreg node-link graph"):
        read_graph(tmp_path / "other.json")
    np.savez(tmp_path / "other.npz", a=np.zeros(2))
    with pytest.raises(ValueError, match="no 'meta'"):
        read_graph(tmp_path / "other.npz")


def test_slice_regionset_graph():
    """A planar RegionSet on a slice: volumes in slice coordinates add up to the bound."""
    planar_mod = pytest.importorskip("polyreg.engines.planar")
    from polyreg.slices import Slice

    net = polyreg.random_network([4, 6, 6, 1], seed=0)
    slc = Slice.through(np.zeros(4), np.eye(4)[0], np.eye(4)[1], polyreg.Box([-1, -1], [1, 1]))
    rs = planar_mod.planar(net, slc)
    g = region_graph(rs, net)
    assert g.graph["volumes"] == "exact"
    assert math.isclose(sum(a["volume"] for _, a in g.nodes(data=True)), 4.0, rel_tol=1e-9)
    assert nx.is_connected(g)
