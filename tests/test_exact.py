"""Exact rational decisions (polyreg.exact) and the cells that force float64 into its window."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import polyreg
from polyreg import Ball, Box, Tolerances, ToleranceError
from polyreg.exact import (
    interior,
    nearest_sq_distance,
    network_rows,
    q,
    q_mat,
    q_vec,
    solve_square,
)

ENGINES_2D = ["traverse", "skeleton", "planar", "split", "branch"]


# ---------------------------------------------------------------------------- the module
def test_solve_square_and_singular():
    M = q_mat(np.array([[2.0, 1.0], [1.0, 3.0]]))
    assert solve_square(M, q_vec([3.0, 5.0])) == [q(0.8), q(1.4)] or [
        float(v) for v in solve_square(M, q_vec([3.0, 5.0]))
    ] == pytest.approx([0.8, 1.4], abs=1e-15)
    assert solve_square(q_mat(np.array([[1.0, 2.0], [2.0, 4.0]])), q_vec([1.0, 2.0])) is None


def test_interior_point_and_simplex_agree():
    A = q_mat(np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]]))
    b = q_vec([1e-10, 1e-10, 1.0, 1.0])
    by_point = interior(A, b, hint=np.zeros(2))
    by_simplex = interior(A, b)
    assert by_point.method == "point" and by_simplex.method == "simplex"
    assert by_point.full and by_simplex.full
    assert by_simplex.t == q(1e-10)  # exactly half the strip's width
    flat = interior(A, q_vec([0.0, 0.0, 1.0, 1.0]), hint=np.zeros(2))
    assert not flat.full and flat.t == 0


def test_interior_facet_equality():
    # the square |x|, |y| <= 1: row x <= 1 is a facet; the corner row x + y <= 2 is not
    A = q_mat(np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]]))
    b = q_vec([1.0, 1.0, 1.0, 1.0])
    assert interior(A[1:], b[1:], [A[0]], [b[0]]).full
    corner = q_vec([1.0, 1.0])
    assert not interior(A, b, [corner], [q(2.0)]).full
    assert interior(A, b, [corner], [q(3.0)]).t == q(-0.5)  # the hyperplane misses the square
    assert interior(A, b, [corner, corner], [q(2.0), q(3.0)]).t is None  # infeasible


def test_interior_zero_rows():
    A = q_mat(np.array([[0.0, 0.0], [1.0, 0.0], [-1.0, 0.0]]))
    assert interior(A, q_vec([0.0, 1.0, 1.0])).full  # 0 <= 0 bounds nothing
    assert interior(A, q_vec([-1.0, 1.0, 1.0])).t is None  # 0 <= -1: empty


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-4, 4), st.integers(-4, 4), st.integers(-3, 3)),
                min_size=1, max_size=7))
def test_simplex_matches_a_direct_certificate(rows):
    """t* > 0 exactly iff some grid point is strictly inside, for integer half-planes in the
    box |x|, |y| <= 3 (vertices of such sets are rationals with small denominators: a fine
    grid of candidate points, checked exactly, finds an interior point when one exists)."""
    A = np.array([[a, c] for a, c, _ in rows] + [[1, 0], [-1, 0], [0, 1], [0, -1]], float)
    b = np.array([r for _, _, r in rows] + [3, 3, 3, 3], float)
    res = interior(q_mat(A), q_vec(b))
    if res.full:
        x = np.array([float(v) for v in res.point])
        assert np.all(A @ x < b + 1e-12)
    # brute force: midpoints of a 1/840 grid's vertices would be slow; test the certificate:
    # when not full, the vertex returned satisfies A x + t <= b with t <= 0
    if res.t is not None and not res.full:
        xq = res.point
        slack = [bi - sum(ai * xi for ai, xi in zip(a, xq, strict=True))
                 for a, bi in zip(q_mat(A), q_vec(b), strict=True)]
        assert min(slack) == res.t


def test_nearest_sq_distance_and_bad_guess():
    A = q_mat(np.array([[1.0, 1.0], [1.0, -1.0]]))
    b = q_vec([-2.0, 0.0])
    assert nearest_sq_distance(A, b, [], [], q_vec([0.0, 0.0]), [0]) == 2
    assert nearest_sq_distance(A, b, [], [], q_vec([0.0, 0.0]), []) is None  # not feasible


def test_network_rows_match_float_maps():
    net = polyreg.random_network([3, 5, 4, 2], seed=3)
    x = np.array([0.1, -0.2, 0.3])
    pattern = net.pattern(x)
    maps = net.local_maps(pattern)
    neurons = np.arange(net.n_hidden)
    signs = np.where(pattern, 1.0, -1.0)
    A, b = network_rows(net.weights, net.biases, net.negative_slope, pattern, neurons, signs)
    Af = np.array([[float(v) for v in r] for r in A])
    bf = np.array([float(v) for v in b])
    assert np.allclose(Af, -signs[:, None] * maps.G, atol=1e-12)
    assert np.allclose(bf, signs * maps.c, atol=1e-12)
    assert np.all(Af @ x <= bf + 1e-12)  # x lies in its own region


def test_tolerances_exact_validated():
    assert Tolerances().exact == "auto"
    with pytest.raises(ValueError, match="exact"):
        Tolerances(exact="sometimes")


# ---------------------------------------------------------------------------- forced window
def _net(W: np.ndarray, b: np.ndarray) -> polyreg.Network:
    return polyreg.Network.from_layers([(W, b), (np.ones((1, W.shape[0])), [0.0])])


def strip(width: float) -> tuple[polyreg.Network, int]:
    """Lines x = 0, x = width, y = 0: a strip of inradius width / 2; 6 regions in [-1, 1]^2."""
    W = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    return _net(W, np.array([0.0, -width, 0.0])), 6


def triangle(h: float) -> tuple[polyreg.Network, int]:
    """Lines x = 0, y = 0, x + y = h: a right triangle of inradius h (2 - sqrt 2) / 2; 7."""
    W = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    return _net(W, np.array([0.0, 0.0, -h])), 7


def moved(net: polyreg.Network, shift: float, scale: float) -> polyreg.Network:
    """The network of ``x' = scale * x + shift`` (every coordinate), neurons times 8."""
    W, b = net.weights[0], net.biases[0]
    W2 = W / scale
    b2 = b - W2 @ np.full(W.shape[1], shift)
    return polyreg.Network.from_layers([(8 * W2, 8 * b2), (net.weights[1], net.biases[1])])


#: inradius 1e-10, 6e-11, 5.9e-11, 2.9e-11, 1.2e-11; the strips 2e-11 and 5e-12 wide are also
#: within ``Tolerances.merge`` = 1e-10 of a single line but farther than ``zero``: whether the
#: two lines are one is itself undecided in float64 (a merge decision, settled on the exact
#: rows: :func:`polyreg.exact.same_hyperplane`)
FAMILY = [(strip, 2e-10), (strip, 1.2e-10), (strip, 2e-11), (strip, 5e-12), (triangle, 2e-10),
          (triangle, 1e-10), (triangle, 4e-11)]


@pytest.mark.parametrize("method", ENGINES_2D)
@pytest.mark.parametrize("make, size", FAMILY)
def test_forced_window_unit_scale(method, make, size):
    net, expected = make(size)
    box = Box.cube(2, -1, 1)
    with pytest.raises(ToleranceError):
        polyreg.enumerate_regions(net, box, method=method, tol=Tolerances(exact="never"))
    auto = polyreg.enumerate_regions(net, box, method=method)
    assert len(auto) == expected
    assert auto.stats["exact_decisions"] >= 1
    assert auto.stats["exact_seconds"] >= 0
    always = polyreg.enumerate_regions(net, box, method=method, tol=Tolerances(exact="always"))
    assert len(always) == expected
    assert {r.hex for r in always.regions} == {r.hex for r in auto.regions}


@pytest.mark.parametrize("method", ["traverse", "skeleton", "planar", "branch"])
@pytest.mark.parametrize("shift, scale", [(1e3, 1.0), (-2.5e4, 0.5), (7.0, 2.0)])
@pytest.mark.parametrize("width", [3e-10, 2e-11])  # 2e-11: also a merge decision
def test_forced_window_translated_rescaled(method, shift, scale, width):
    net, expected = strip(width / scale)  # width ``width`` after the change of coordinates
    net = moved(net, shift, scale)
    box = Box.cube(2, shift - scale, shift + scale)
    rs = polyreg.enumerate_regions(net, box, method=method)
    assert len(rs) == expected
    always = polyreg.enumerate_regions(net, box, method=method, tol=Tolerances(exact="always"))
    assert len(always) == expected


@pytest.mark.parametrize("method", ["traverse", "planar"])
def test_l2_ball_thin_cap_and_tangent(method):
    disk = Ball([0.0, 0.0], 1.0)
    W = np.array([[1.0, 0.0], [0.0, 1.0]])
    tangent = _net(W, np.array([-1.0, 0.0]))  # x = 1 touches the circle at one point
    assert len(polyreg.enumerate_regions(tangent, disk, method=method)) == 2
    # a cap of height 1e-10 beyond x = 1 - 1e-10, cut in two by y = 0: 4 regions (before the
    # conic doubt went to rational arithmetic, float64 called the half-caps empty: 2)
    cap = _net(W, np.array([-(1.0 - 1e-10), 0.0]))
    rs = polyreg.enumerate_regions(cap, disk, method=method)
    assert len(rs) == 4
    always = polyreg.enumerate_regions(cap, disk, method=method, tol=Tolerances(exact="always"))
    assert len(always) == 4


# ---------------------------------------------------------------------------- the cases
def degenerate() -> polyreg.Network:
    """Integer lines, three or four through each of the points (0, 0) and (1, 1)."""
    W = np.array([[1, 0], [0, 1], [1, 1], [1, -1], [1, 0], [0, 1], [1, 1], [2, -1]], float)
    b = np.array([0, 0, 0, 0, -1, -1, -2, -1], float)
    return _net(W, b)


@pytest.mark.parametrize("shift", [1e3, 1e4, 1e5])
def test_translated_degenerate_skeleton(shift):
    net = degenerate()
    box = Box.cube(2, -2, 3)
    base = len(polyreg.enumerate_regions(net, box, method="skeleton"))
    assert base == len(polyreg.enumerate_regions(net, box, method="traverse"))
    W, b = net.weights[0], net.biases[0]
    moved_net = _net(W, b - W @ np.full(2, shift))  # integer shift: exact in float64
    moved_box = Box.cube(2, shift - 2, shift + 3)
    for mode in ("auto", "always"):
        rs = polyreg.enumerate_regions(moved_net, moved_box, method="skeleton",
                                       tol=Tolerances(exact=mode))
        assert len(rs) == base


def test_cli_exact_flag(tmp_path, capsys):
    import json

    from polyreg.cli import main

    net, expected = strip(2e-10)
    path = tmp_path / "net.npz"
    net.save(path)
    args = ["count", str(path), "--box", "-1", "1", "--method", "skeleton", "--quiet"]
    assert main([*args, "--exact", "never"]) == 1
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["regions"] == expected and summary["exact_decisions"] >= 1
    assert main(args) == 0
    assert "exact decisions" in capsys.readouterr().out


# ---------------------------------------------------------------------------- line
def _segment_across(shift: float, scale: float):  # type: ignore[no-untyped-def]
    from polyreg.slices import Path

    return Path.segment([shift - scale, shift + 0.5 * scale], [shift + scale, shift + 0.5 * scale])


@pytest.mark.parametrize("width", [5e-11, 2e-12])
@pytest.mark.parametrize("shift, scale", [(0.0, 1.0), (1e3, 1.0), (-2.5e4, 0.5), (7.0, 2.0)])
def test_line_forced_window(width, shift, scale):
    """Two parallel lines ``width`` apart crossed by a segment: their roots lie closer than the
    merge gap but farther apart than zero. float64 alone cannot tell one breakpoint from two
    (before the exact path it merged them: 2 regions); the default sweeps the segment in
    rationals: 3 regions, as exact="always"."""
    net, _ = strip(width / scale)
    net = moved(net, shift, scale)
    path = _segment_across(shift, scale)
    with pytest.raises(ToleranceError, match="breakpoints"):
        polyreg.enumerate_regions(net, path, method="line", tol=Tolerances(exact="never"))
    auto = polyreg.enumerate_regions(net, path, method="line")
    assert len(auto) == 3 and auto.stats["exact_decisions"] == 1
    always = polyreg.enumerate_regions(net, path, method="line", tol=Tolerances(exact="always"))
    assert {r.hex for r in always.regions} == {r.hex for r in auto.regions}


def test_line_forced_window_deeper_layer():
    """A layer-2 neuron ``relu(x) - 3e-11`` flips 3e-11 after the layer-1 breakpoint x = 0: a
    root within its gap of its piece's end."""
    from polyreg.slices import Path

    net = polyreg.Network.from_layers([([[1.0, 0.0]], [0.0]), ([[1.0]], [-3e-11]),
                                       ([[1.0]], [0.0])])
    path = Path.segment([-1.0, 0.0], [1.0, 0.0])
    with pytest.raises(ToleranceError):
        polyreg.enumerate_regions(net, path, method="line", tol=Tolerances(exact="never"))
    auto = polyreg.enumerate_regions(net, path, method="line")
    assert sorted(r.hex for r in auto.regions) == ["00", "80", "c0"]  # off, x > 0, both
    assert auto.stats["exact_decisions"] == 1


@pytest.mark.parametrize("closed", [False, True])
def test_line_always_agrees_with_float(closed):
    from polyreg.engines.line import line
    from polyreg.slices import Path

    net = polyreg.random_network([2, 8, 8, 1], seed=1)
    path = Path.polyline([[-1.0, -1.0], [1.0, -0.5], [0.5, 1.0]], closed=closed)
    fast = line(net, path)
    ref = line(net, path, tol=Tolerances(exact="always"))
    assert fast.stats["exact_decisions"] == 0 and ref.stats["exact_decisions"] == 3 - (not closed)
    assert np.array_equal(fast.patterns, ref.patterns)
    np.testing.assert_allclose(fast.knots, ref.knots, atol=1e-12)


# ---------------------------------------------------------------------------- merge decisions
@pytest.mark.parametrize("method", ENGINES_2D)
def test_repeated_scaled_opposite_neurons_exact_merge(method):
    """x = 0.25 as a neuron, twice its scale and its opposite, and y = 0: two lines, 4
    regions; in exact="always" every "same hyperplane" decision is made on the exact rows
    (:func:`polyreg.exact.same_hyperplane`) and agrees."""
    W = np.array([[1.0, 0.0], [2.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])
    net = _net(W, np.array([-0.25, -0.5, 0.25, 0.0]))
    box = Box.cube(2, -1, 1)
    sets = [polyreg.enumerate_regions(net, box, method=method, tol=Tolerances(exact=mode))
            for mode in ("never", "auto", "always")]
    assert [len(rs) for rs in sets] == [4, 4, 4]
    assert sets[0].patterns == sets[1].patterns == sets[2].patterns


def test_same_hyperplane_rank():
    from polyreg.exact import same_hyperplane

    r = q_vec([1.0, -2.0, 0.5])
    assert same_hyperplane(r, q_vec([3.0, -6.0, 1.5])) == 1
    assert same_hyperplane(r, q_vec([-1.0, 2.0, -0.5])) == -1
    assert same_hyperplane(r, q_vec([1.0, -2.0, 0.5 + 2.0**-50])) == 0
    assert same_hyperplane(q_vec([0.0, 0.0, 0.0]), r) == 0


def test_traverse_counts_its_merge_decisions(monkeypatch):
    """Lines 3e-11 apart: grouping a region's rows (``region_rows``) meets the merge window;
    traverse passes its counter, so these decisions are in ``stats['exact_decisions']``."""
    import polyreg.engines._common as common

    seen: list[object] = []
    inner = common.same_planes

    def spy(ctx, pattern, keys, signs, counter, what):  # type: ignore[no-untyped-def]
        if what == "rows of one hyperplane":
            seen.append(counter)
        return inner(ctx, pattern, keys, signs, counter, what)

    monkeypatch.setattr(common, "same_planes", spy)
    net = _net(np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]), np.array([-0.5, -(0.5 + 3e-11), 0.0]))
    rs = polyreg.enumerate_regions(net, Box.cube(2, -1, 1), method="traverse")
    assert len(rs) == 6 and seen
    assert all(c is seen[0] for c in seen)  # the engine's own counter, not a throwaway one
    assert rs.stats["exact_decisions"] == seen[0].exact >= len(seen)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------- general exact LP
@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 3), st.integers(0, 6), st.sampled_from([1, "inf"]))
def test_linear_program_distance_matches_highs(seed, d, m, norm):
    """The L1 / L-inf distance LP from a point to random half-spaces: the exact optimum (from
    the float active set or the simplex) equals HiGHS' within its accuracy, feasibility
    agrees whenever the float margin is clear, and every answer carries its certificate."""
    from polyreg.exact import linear_program, q_mat, q_vec
    from polyreg.solvers import nearest_point

    rng = np.random.default_rng(seed)
    A = rng.normal(size=(m, d))
    b = rng.normal(size=m)
    x = rng.normal(size=d)
    n_aux = d if norm == 1 else 1
    rows, rhs = [np.hstack([A, np.zeros((m, n_aux))])], [b]
    for sgn in (1.0, -1.0):
        aux = -np.eye(d) if norm == 1 else -np.ones((d, 1))
        rows.append(np.hstack([sgn * np.eye(d), aux]))
        rhs.append(sgn * x)
    M, mv = np.vstack(rows), np.concatenate(rhs)
    c = np.concatenate([np.zeros(d), np.ones(n_aux)])
    Mq, mq = q_mat(M), q_vec(mv)
    simplex = linear_program(q_vec(c), Mq, mq)
    ref = nearest_point(A, b, x, norm, Tolerances())
    assert simplex.feasible == ref.feasible
    if ref.feasible:
        assert float(simplex.value) == pytest.approx(ref.distance, abs=1e-7)
        # warm start from the float point's active rows: same optimum value
        z = np.concatenate([ref.point, np.abs(ref.point - x) if norm == 1
                            else [np.abs(ref.point - x).max(initial=0.0)]])
        slack = mv - M @ z
        active = [int(i) for i in np.argsort(slack) if slack[i] <= 1e-7]
        warm = linear_program(q_vec(c), Mq, mq, active=active)
        assert warm.value == simplex.value
    else:  # Farkas: y >= 0, M^T y = 0, m . y < 0
        y = simplex.dual
        assert all(v >= 0 for v in y) and sum(yi * mi for yi, mi in zip(y, mq, strict=True)) < 0


def test_output_map_exact_matches_float():
    from polyreg.exact import output_map_exact, to_float

    net = polyreg.random_network([3, 5, 4, 2], seed=3)
    pattern = net.pattern(np.array([0.1, -0.3, 0.2]))
    W, b = output_map_exact(net.weights, net.biases, net.negative_slope, pattern)
    maps = net.local_maps(pattern)
    np.testing.assert_allclose(np.array([to_float(r) for r in W]), maps.out_W, atol=1e-12)
    np.testing.assert_allclose(to_float(b), maps.out_b, atol=1e-12)
