"""Metamorphic properties: the same arrangement written differently has the same count.

(a) a hidden neuron rescaled by ``c > 0`` (row and bias times ``c``, next layer's column times
``1 / c``), (b) the input translated (network and domain moved together), (c) neurons of a
layer permuted, (d) (a) and (b) together; on boxes, polytopes, L1/L2/L-inf balls and the whole
space, for every engine that takes the domain, against ``traverse`` on the untransformed
problem. Generic (random) networks take any factor in [1e-6, 1e6] and any shift up to 1e5;
degenerate ones (integer weights: concurrent lines, duplicated/opposite/dead neurons,
hyperplanes on the box boundary) only transformations exact in float64 (power-of-two factors,
integer shifts, permutations): a shift done in floats moves concurrent lines apart and creates
genuine tiny regions. Plus the reproductions of the scale/translation/thin/huge-domain reports.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

import polyreg
from polyreg import Ball, Box, InvalidDomain, InvalidNetwork, Network, Polytope, Whole
from polyreg.cli import main

ENGINES = ("traverse", "split", "milp", "skeleton", "planar", "branch", "auto")
KINDS = ("box", "polytope", "l1", "l2", "linf", "whole")
#: planar-internal thresholds (vertex merging relative to max|coord|) are fixed on branch lowdim


# ---------------------------------------------------------------------------- transformations
def rescale(net: Network, factors: list[np.ndarray]) -> Network:
    """Hidden layer ``l``'s neuron ``k`` times ``factors[l][k]``, pushed into layer ``l + 1``."""
    Ws, bs = [np.array(W) for W in net.weights], [np.array(b) for b in net.biases]
    for layer, c in enumerate(factors):
        Ws[layer] = Ws[layer] * c[:, None]
        bs[layer] = bs[layer] * c
        Ws[layer + 1] = Ws[layer + 1] / c[None, :]
    return Network(tuple(Ws), tuple(bs), net.negative_slope)


def permute(net: Network, perms: list[np.ndarray]) -> Network:
    Ws, bs = [np.array(W) for W in net.weights], [np.array(b) for b in net.biases]
    for layer, p in enumerate(perms):
        Ws[layer], bs[layer] = Ws[layer][p], bs[layer][p]
        Ws[layer + 1] = Ws[layer + 1][:, p]
    return Network(tuple(Ws), tuple(bs), net.negative_slope)


def translate(net: Network, domain, t: np.ndarray):
    """Network and domain moved by ``t``: ``x' = x + t``."""
    W0 = net.weights[0]
    moved = Network(net.weights, (net.biases[0] - W0 @ t,) + tuple(net.biases[1:]),
                    net.negative_slope)
    if isinstance(domain, Box):
        return moved, Box(domain.lo + t, domain.hi + t)
    if isinstance(domain, Ball):
        return moved, Ball(domain.center + t, domain.radius, norm=domain.norm)
    if isinstance(domain, Polytope):
        return moved, Polytope(domain.A, domain.b + domain.A @ t)
    return moved, domain


def make_domain(kind: str, d: int):
    if kind == "box":
        return Box.cube(d, -1.0, 1.0)
    if kind == "polytope":  # a simplex-like cut of the cube
        A = np.vstack([np.eye(d), -np.eye(d), np.ones((1, d))])
        return Polytope(A, np.concatenate([np.ones(d), np.ones(d), [1.0]]))
    if kind == "whole":
        return Whole(d)
    return Ball(np.zeros(d), 1.0, norm={"l1": 1, "l2": 2, "linf": "inf"}[kind])


def count(net: Network, domain, method: str) -> int | str:
    """Count, or the name of the refusal (InvalidDomain: the engine does not take it)."""
    try:
        return len(polyreg.enumerate_regions(net, domain, method=method, progress=False))
    except (InvalidDomain, InvalidNetwork):  # the engine does not take this domain / net
        return "n/a"


TOLERANCE_ERRORS = {"allowed": 0}


def check_same(base: tuple[Network, object], moved: tuple[Network, object], engines=ENGINES,
               allow_tolerance: bool = False) -> None:
    try:
        truth = count(*base, "traverse")
    except polyreg.ToleranceError:
        # the untransformed problem itself is undecidable in float64 (seen: two integer
        # hyperplanes meeting in a line tangent to the L2 ball, a facet of inscribed radius
        # ~1e-12 that only the conic solver sees): nothing to compare
        TOLERANCE_ERRORS["reference"] = TOLERANCE_ERRORS.get("reference", 0) + 1
        reject()
    assert isinstance(truth, int)
    for method in engines:
        try:
            got = count(*moved, method)
        except polyreg.ToleranceError:
            if not allow_tolerance:
                raise
            TOLERANCE_ERRORS["allowed"] += 1
            continue
        if got == "n/a":
            continue
        assert got == truth, f"{method}: {got} regions after the transformation, {truth} before"


# ---------------------------------------------------------------------------- strategies
@st.composite
def generic(draw, max_d: int = 4, max_width: int = 8):
    d = draw(st.integers(2, max_d))
    depth = draw(st.integers(1, 2))
    widths = [d] + [draw(st.integers(2, max_width if d <= 2 else 5)) for _ in range(depth)] + [1]
    return polyreg.random_network(widths, seed=draw(st.integers(0, 10_000)))


@st.composite
def degenerate(draw, max_d: int = 3, max_width: int = 6):
    """Integer weights with exact coincidences."""
    d = draw(st.integers(2, max_d))
    n = draw(st.integers(2, max_width))
    ints = st.integers(-2, 2)
    W = np.array([[draw(ints) for _ in range(d)] for _ in range(n)], dtype=float)
    b = np.array([draw(st.integers(-1, 1)) for _ in range(n)], dtype=float)
    trick = draw(st.sampled_from(["duplicate", "opposite", "dead", "boundary", "concurrent"]))
    if trick == "duplicate":
        W[-1], b[-1] = 2 * W[0], 2 * b[0]
    elif trick == "opposite":
        W[-1], b[-1] = -W[0], -b[0]
    elif trick == "dead":
        W[-1], b[-1] = 0.0, draw(st.sampled_from([0.0, -1.0, 1.0]))
    elif trick == "boundary":
        W[-1], b[-1] = np.eye(d)[0], -1.0  # x_0 = 1: the box's side
    else:  # every neuron through the integer point p
        p = np.array([draw(st.integers(-1, 1)) for _ in range(d)], dtype=float)
        b = -W @ p
    layers = [(W, b)]
    if draw(st.booleans()):
        m = draw(st.integers(1, 4))
        layers.append((np.array([[draw(ints) for _ in range(n)] for _ in range(m)], float),
                       np.array([draw(st.integers(-1, 1)) for _ in range(m)], float)))
    last = layers[-1][0].shape[0]
    layers.append((np.ones((1, last)), np.zeros(1)))
    return Network.from_layers(layers)


def _factors(draw, net: Network, exact: bool) -> list[np.ndarray]:
    out = []
    for w in net.hidden_widths:
        if exact:
            out.append(2.0 ** np.array([draw(st.integers(-20, 20)) for _ in range(w)]))
        else:
            out.append(10.0 ** np.array([draw(st.floats(-6, 6)) for _ in range(w)]))
    return out


def _shift(draw, d: int, exact: bool) -> np.ndarray:
    if exact:
        return np.array([draw(st.integers(-100_000, 100_000)) for _ in range(d)], dtype=float)
    return np.array([draw(st.floats(-1e5, 1e5)) for _ in range(d)])


def _apply(draw, net, domain, how: str, exact: bool):
    if how in ("scale", "both"):
        net = rescale(net, _factors(draw, net, exact))
    if how == "permute":
        rng = np.random.default_rng(draw(st.integers(0, 1000)))
        net = permute(net, [rng.permutation(w) for w in net.hidden_widths])
    if how in ("translate", "both"):
        net, domain = translate(net, domain, _shift(draw, net.n_inputs, exact))
    return net, domain


HOW = ("scale", "translate", "permute", "both")


# ---------------------------------------------------------------------------- fast profile
@settings(max_examples=6)
@given(net=generic(), kind=st.sampled_from(KINDS), how=st.sampled_from(HOW), data=st.data())
def test_generic_networks_invariant(net, kind, how, data):
    domain = make_domain(kind, net.n_inputs)
    moved = _apply(data.draw, net, domain, how, exact=False)
    check_same((net, domain), moved)


@settings(max_examples=6)
@given(net=degenerate(), kind=st.sampled_from(KINDS), how=st.sampled_from(HOW), data=st.data())
def test_degenerate_networks_invariant_exact_transformations(net, kind, how, data):
    domain = make_domain(kind, net.n_inputs)
    moved = _apply(data.draw, net, domain, how, exact=True)
    check_same((net, domain), moved)


# ---------------------------------------------------------------------------- exhaustive
@pytest.mark.slow
@settings(max_examples=60)
@given(net=generic(), kind=st.sampled_from(KINDS), how=st.sampled_from(HOW), data=st.data())
def test_generic_networks_invariant_exhaustive(net, kind, how, data):
    domain = make_domain(kind, net.n_inputs)
    check_same((net, domain), _apply(data.draw, net, domain, how, exact=False))


@pytest.mark.slow
@settings(max_examples=60)
@given(net=degenerate(), kind=st.sampled_from(KINDS), how=st.sampled_from(HOW), data=st.data())
def test_degenerate_networks_invariant_exhaustive(net, kind, how, data):
    domain = make_domain(kind, net.n_inputs)
    check_same((net, domain), _apply(data.draw, net, domain, how, exact=True))


# ---------------------------------------------------------------------------- reproductions
BOX2 = Box([-1.0, -1.0], [1.0, 1.0])


@pytest.mark.parametrize("method", ENGINES)
def test_huge_weights_count_all_regions(method):
    net = Network.from_layers([(1e12 * np.eye(2), np.zeros(2)), ([[1.0, 1.0]], [0.0])])
    assert count(net, BOX2, method) == 4


@pytest.mark.parametrize("method", [m for m in ENGINES if m != "milp"])
def test_strip_of_width_1e_7(method):
    net = Network.from_layers([([[1e5, 0.0], [0.0, 1.0]], [-99999.99, 0.0]),
                               ([[1.0, 1.0]], [0.0])])
    assert count(net, BOX2, method) == 4


def test_strip_of_width_1e_7_milp_refuses_or_counts():
    """The MILP's margin (1e-6 of the box) is wider than the strip: a clear refusal."""
    net = Network.from_layers([([[1e5, 0.0], [0.0, 1.0]], [-99999.99, 0.0]),
                               ([[1.0, 1.0]], [0.0])])
    try:
        assert count(net, BOX2, "milp") == 4
    except polyreg.ToleranceError as exc:
        assert "missed a region" in str(exc)


@pytest.mark.parametrize("kind", ["box", "linf", "l2", "l1"])
def test_random_rescaling_keeps_counts(kind):
    rng = np.random.default_rng(5)
    for seed in range(3):
        net = polyreg.random_network([2, 8, 8, 1], seed=seed)
        dom = make_domain(kind, 2)
        factors = [10.0 ** rng.uniform(-6, 6, w) for w in net.hidden_widths]
        assert (polyreg.count_regions(rescale(net, factors), dom, method="traverse")
                == polyreg.count_regions(net, dom, method="traverse"))


@pytest.mark.parametrize("norm", ["inf", 2])
@pytest.mark.parametrize("method", [m for m in ENGINES if m != "milp"])
def test_tiny_triangle_in_a_large_ball(method, norm):
    net = Network.from_layers([([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]], [0.0, 0.0, 1e-6]),
                               ([[1.0, 1.0, 1.0]], [0.0])])
    got = count(net, Ball([0.0, 0.0], 1e4, norm=norm), method)
    assert got in (7, "n/a")


@pytest.mark.parametrize("method", ENGINES)
def test_translated_box_far_from_origin(method):
    net = polyreg.random_network([2, 8, 8, 1], seed=3)
    t = np.array([1e5, 1e5])
    moved, box = translate(net, BOX2, t)
    assert count(moved, box, method) == count(net, BOX2, "traverse")


@pytest.mark.parametrize("method", ENGINES)
@pytest.mark.parametrize("domain", [Box([-1.0, 0.0], [1.0, 1e-13]), Ball([0.0, 0.0], 1e-300),
                                    Ball([0.0, 0.0], 1e-12, norm=1)],
                         ids=["box-1e-13", "ball-1e-300", "l1-ball-1e-12"])
def test_thin_domain_is_refused_by_every_engine(method, domain):
    net = polyreg.random_network([2, 4, 1], seed=0)
    with pytest.raises(InvalidDomain, match="below"):
        polyreg.enumerate_regions(net, domain, method=method, progress=False)


@pytest.mark.parametrize("method", ["traverse", "split", "milp"])
def test_thin_domain_is_refused_by_engines_called_directly(method):
    from polyreg import engines

    net = polyreg.random_network([2, 4, 1], seed=0)
    with pytest.raises(InvalidDomain, match="box side"):
        getattr(engines, method)(net, Box([-1.0, 0.0], [1.0, 1e-13]))


@pytest.mark.parametrize("method", ["traverse", "split", "skeleton", "auto"])
def test_huge_box_counts_like_the_whole_plane(method):
    net = polyreg.random_network([2, 6, 4, 1], seed=3)
    whole = polyreg.count_regions(net, Whole(2), method="traverse")
    assert count(net, Box.cube(2, -1e9, 1e9), method) == whole


@pytest.mark.parametrize("method", ENGINES)
@pytest.mark.parametrize("domain", [Box.cube(2, -1e20, 1e20), Ball([0.0, 0.0], 1e300)],
                         ids=["box-1e20", "ball-1e300"])
def test_domains_beyond_float64_are_refused(method, domain):
    net = polyreg.random_network([2, 8, 8, 1], seed=3)
    with pytest.raises(InvalidDomain):
        polyreg.enumerate_regions(net, domain, method=method, progress=False)


@pytest.mark.parametrize("method", ["traverse", "split", "milp"])
def test_small_box_far_out_no_solver_status_error(method):
    net = polyreg.random_network([2, 8, 8, 1], seed=3)
    moved, box = translate(net, BOX2, np.array([1e6, 1e6]))
    from polyreg import engines

    try:
        assert len(getattr(engines, method)(moved, box)) == count(net, BOX2, "traverse")
    except InvalidDomain as exc:  # milp's MILPs run in input units: a clear refusal
        assert method == "milp" and "milp solves" in str(exc)


def test_regions_reported_in_user_coordinates():
    """Centring is internal: points lie in the user's domain and carry their pattern."""
    net = polyreg.random_network([2, 6, 1], seed=1)
    moved, box = translate(net, BOX2, np.array([1e5, -3e4]))
    rs = polyreg.enumerate_regions(moved, box, method="traverse")
    points = np.array([r.point for r in rs])
    assert np.all(box.contains(points))
    for r in rs:
        assert np.array_equal(moved.pattern(r.point), r.pattern)
        y = moved.forward(r.point[None, :])[0]
        assert np.allclose(r.out_W @ r.point + r.out_b, y, rtol=1e-9, atol=1e-6)
    assert rs.domain is box


def test_cli_counts_huge_weights_and_refuses_thin_box(tmp_path, capsys):
    path = tmp_path / "big.npz"
    Network.from_layers([(1e12 * np.eye(2), np.zeros(2)), ([[1.0, 1.0]], [0.0])]).save(path)
    assert main(["count", str(path), "--box", "-1", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["regions"] == 4
    assert main(["count", str(path), "--box", "0", "1e-13"]) == 2
    err = capsys.readouterr().err
    assert "box side" in err and "Traceback" not in err


@pytest.mark.parametrize("method", ["traverse", "skeleton", "split", "branch", "auto"])
def test_tiny_triangle_in_a_huge_box_is_not_dropped(method):
    # a triangle of inradius 2.9e-7 in [-1e9, 1e9]^2: below the floored radius tolerance, so it
    # must be decided exactly (default) -- never called empty by a floored zero tolerance
    net = Network.from_layers([([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]], [0.0, 0.0, 1e-6]),
                               ([[1.0, 1.0, 1.0]], [0.0])])
    assert count(net, polyreg.Box([-1e9, -1e9], [1e9, 1e9]), method) == 7


def test_planar_refuses_a_snap_above_the_radius_tolerance():
    net = Network.from_layers([([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]], [0.0, 0.0, 1e-6]),
                               ([[1.0, 1.0, 1.0]], [0.0])])
    with pytest.raises(polyreg.ToleranceError, match="planar: a vertex"):
        polyreg.enumerate_regions(net, polyreg.Box([-1e9, -1e9], [1e9, 1e9]), method="planar")


# ---------------------------------------------------------------------------- branch, L2 balls
@settings(max_examples=6)
@given(net=generic(max_d=5), how=st.sampled_from(HOW), data=st.data())
def test_branch_l2_ball_invariant(net, how, data):
    """``branch`` in an L2 ball (its solver-free certificates, :mod:`polyreg.engines._branch_l2`)
    under rescaling, translation and permutation, against traverse untransformed."""
    domain = make_domain("l2", net.n_inputs)
    check_same((net, domain), _apply(data.draw, net, domain, how, exact=False),
               engines=("branch",))


@settings(max_examples=6)
@given(net=degenerate(), how=st.sampled_from(HOW), data=st.data())
def test_branch_l2_ball_invariant_degenerate(net, how, data):
    domain = make_domain("l2", net.n_inputs)
    check_same((net, domain), _apply(data.draw, net, domain, how, exact=True),
               engines=("branch",))


@pytest.mark.parametrize("how", ["both", "permute"])
def test_branch_l2_ball_wide_input_invariant(how):
    """12 inputs, a first layer of rank 5 (branch works in its row space): rescaled, translated,
    permuted."""
    import random

    net = polyreg.random_network([12, 5, 6, 1], seed=11)
    domain = Ball(np.full(12, 0.1), 0.5, norm=2)
    rng = random.Random(3)
    moved_net = net
    if how in ("scale", "both"):
        moved_net = rescale(moved_net, [2.0 ** np.array([rng.randint(-20, 20) for _ in range(w)])
                                        for w in net.hidden_widths])
    if how == "permute":
        perm = np.random.default_rng(1)
        moved_net = permute(moved_net, [perm.permutation(w) for w in net.hidden_widths])
    moved_dom = domain
    if how in ("translate", "both"):
        moved_net, moved_dom = translate(moved_net, domain, np.arange(12, dtype=float) - 6.0)
    check_same((net, domain), (moved_net, moved_dom), engines=("branch",))
