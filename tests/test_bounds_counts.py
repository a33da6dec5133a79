"""Region-count bounds (docs/theory.md §2-3) against exact counts."""

from __future__ import annotations

from itertools import combinations
from math import comb, prod

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import polyreg
from polyreg import Ball, Box, Whole
from polyreg.bounds import (
    local_bound,
    montufar2014_lower,
    montufar_bound,
    relaxation_bounds,
    serra_bound,
    serra_lower,
    trivial_bound,
    zaslavsky_bound,
    zaslavsky_convex_bound,
)
from polyreg.bounds.counts import zaslavsky as zaslavsky_formula
from polyreg.propagation import stability


def net_from(*layers):
    """``net_from((W0, b0), (W1, b1), ...)`` from nested lists (kept local: ``conftest`` may
    name another directory's module when the whole suite is collected)."""
    return polyreg.Network.from_layers(
        [(np.asarray(W, dtype=float), np.asarray(b, dtype=float)) for W, b in layers]
    )


def one_layer(W, b):
    """One hidden layer ``relu(W x + b)`` followed by a summing output."""
    W = np.asarray(W, dtype=float)
    return net_from((W, np.asarray(b, dtype=float)), (np.ones((1, W.shape[0])), [0.0]))


def zaslavsky(m: int, d: int) -> int:
    """Regions of m hyperplanes in general position in R^d (independent oracle)."""
    return sum(comb(m, i) for i in range(d + 1))


def arrangement_box(W: np.ndarray, b: np.ndarray) -> Box:
    """A box holding every vertex of the arrangement ``W x + b = 0`` (m >= d, general position)."""
    m, d = W.shape
    pts = np.array([np.linalg.solve(W[list(S)], -b[list(S)]) for S in combinations(range(m), d)])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    return Box(mid - 2 * half - 1.0, mid + 2 * half + 1.0)


NETS = [
    ([2, 8, 8, 3], 0),
    ([3, 10, 10, 1], 1),
    ([2, 5, 5, 5, 2], 2),
    ([4, 12, 6, 1], 3),
]
DOMAINS = {
    "box": lambda d: Box.cube(d, -1, 1),
    "ball1": lambda d: Ball(np.full(d, 0.1), 0.6, norm=1),
    "ball2": lambda d: Ball(np.full(d, 0.1), 0.6, norm=2),
    "ballinf": lambda d: Ball(np.full(d, -0.1), 0.5, norm="inf"),
}


@pytest.mark.parametrize("domain_name", sorted(DOMAINS))
@pytest.mark.parametrize("widths,seed", NETS)
def test_every_bound_at_least_exact_and_local_ordered(widths, seed, domain_name):
    net = polyreg.random_network(widths, seed=seed)
    domain = DOMAINS[domain_name](widths[0])
    rs = polyreg.enumerate_regions(net, domain)
    n = len(rs)
    globals_ = [trivial_bound(net), montufar_bound(net), serra_bound(net),
                serra_bound(net, rank=True)]
    for b in globals_:
        assert b.value >= n, b.name
    assert serra_bound(net, rank=True).value <= serra_bound(net).value <= montufar_bound(net).value
    assert montufar_bound(net).value <= trivial_bound(net).value
    loc = {m: local_bound(net, domain, m, regions=rs) for m in ("interval", "lp", "exact")}
    assert loc["interval"].value >= loc["lp"].value >= loc["exact"].value >= n
    assert loc["interval"].value <= serra_bound(net).value
    # nested live sets, per layer
    for a, b in (("interval", "lp"), ("lp", "exact")):
        assert all(x >= y for x, y in zip(loc[a].quantities["live"], loc[b].quantities["live"], strict=True))
    for m in loc:
        assert local_bound(net, domain, m, regions=rs, rank=True).value <= loc[m].value


def test_lp_relaxation_is_sound_and_tighter():
    net = polyreg.random_network([3, 10, 10, 10, 1], seed=4)
    for domain in (Ball([0.1, 0.0, -0.2], 0.4, norm=2), Ball([0.1, 0.0, -0.2], 0.4, norm=1),
                   Box.cube(3, -0.5, 0.5),
                   polyreg.Polytope(np.vstack([np.eye(3), -np.eye(3), [[1.0, 1.0, 1.0]]]),
                                    np.array([0.5] * 6 + [0.2]))):
        nb = relaxation_bounds(net, domain)
        st_ = stability(net, domain, polyreg.Tolerances())
        assert np.all(nb.lower >= st_.lower - 1e-12) and np.all(nb.upper <= st_.upper + 1e-12)
        assert np.all(nb.live <= st_.live)
        pts = polyreg.domains.sample(domain, 4000, np.random.default_rng(0))
        z = np.concatenate(net.preactivations(pts), axis=1)
        assert np.all(z >= nb.lower - 1e-9) and np.all(z <= nb.upper + 1e-9)
        assert nb.solves > 0


def test_local_bound_needs_the_stable_on_neurons():
    """Layer 1 is on everywhere in the ball (no live neuron there), yet layer 2 splits the ball:
    the literal recipe min(d, k_l - j) would give 1; the bound with s_l holds."""
    net = net_from(
        ([[1.0, 0.0], [0.0, 1.0]], [10.0, 10.0]),
        ([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [-10.0, -10.0, -20.0]),
        ([[1.0, 1.0, 1.0]], [0.0]),
    )
    ball = Ball([0.0, 0.0], 1.0)
    n = polyreg.count_regions(net, ball)
    assert n == 6  # three lines through the origin
    for m in ("interval", "lp", "exact"):
        b = local_bound(net, ball, m)
        assert b.quantities["live"][0] == 0 and b.quantities["stable_on"][0] == 2
        assert b.value >= n


def test_zaslavsky_equal_in_general_position():
    rng = np.random.default_rng(3)
    for m, d in ((5, 2), (6, 3), (4, 3), (7, 2)):
        W, b = rng.normal(size=(m, d)), rng.normal(size=m)
        net = one_layer(W, b)
        exact = zaslavsky(m, d)
        assert zaslavsky_bound(net).value == exact == zaslavsky_formula(m, d)
        assert zaslavsky_bound(net).quantities["bounded_regions"] == comb(m - 1, d)
        box = arrangement_box(W, b)
        assert polyreg.count_regions(net, box) == exact
        assert polyreg.count_regions(net, Whole()) == exact
        assert zaslavsky_convex_bound(net, box).value == exact
        assert zaslavsky_convex_bound(net, Whole()).value == exact


@pytest.mark.parametrize(
    "domain",
    [Box([-0.7, -0.4], [0.5, 0.9]), Ball([0.1, 0.2], 0.8, norm=2), Ball([0.1, 0.2], 0.8, norm=1),
     Ball([0.1, 0.2], 0.6, norm="inf"),
     polyreg.Polytope(np.array([[-1.0, 0], [0, -1], [1, 1]]), np.array([0.5, 0.5, 0.6])),
     Ball([0.1, 0.2, 0.0], 0.9, norm=2), Box.cube(3, -0.6, 0.6)],
)
def test_zaslavsky_in_a_convex_set_is_exact(domain):
    rng = np.random.default_rng(domain.dim)
    W, b = rng.normal(size=(7, domain.dim)), rng.normal(scale=0.5, size=7)
    net = one_layer(W, b)
    bound = zaslavsky_convex_bound(net, domain)
    assert bound.value == polyreg.count_regions(net, domain)
    assert bound.quantities["N_k"][0] == 1


def test_zaslavsky_in_a_convex_set_degenerate_is_upper():
    # three lines through one point inside the box: 6 regions, the subset count gives 7
    net = one_layer([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0.0, 0.0, 0.0])
    box = Box([-1, -1], [1, 1])
    assert polyreg.count_regions(net, box) == 6
    assert zaslavsky_convex_bound(net, box).value == 7
    with pytest.raises(ValueError, match="max_subsets"):
        zaslavsky_convex_bound(net, box, max_subsets=2)
    with pytest.raises(ValueError, match="one hidden layer"):
        zaslavsky_bound(polyreg.random_network([2, 3, 3, 1]))


def test_serra_one_input_exact_maximum():
    for hidden in ([3, 3], [4, 3, 5], [3, 3, 3, 3]):
        net = polyreg.random_network([1, *hidden, 1], seed=0)
        expected = prod(n + 1 for n in hidden)
        assert serra_bound(net).value == expected == montufar_bound(net).value
        assert serra_lower([1, *hidden]).value == expected  # attainable


def test_serra_recursion_known_values():
    # one layer: Zaslavsky; [2, 3, 3]: sum_{j<=2} C(3, j) f_2(min(2, 3 - j)), f_2(d) = Z(3, d)
    assert serra_bound(polyreg.random_network([2, 5, 1])).value == zaslavsky(5, 2)
    z = [zaslavsky(3, d) for d in range(3)]  # 1, 4, 7
    expected = 1 * z[2] + 3 * z[2] + 3 * z[1]  # 40 (Montufar: 7 * 7 = 49)
    assert serra_bound(polyreg.random_network([2, 3, 3, 1])).value == expected
    assert montufar_bound(polyreg.random_network([2, 3, 3, 1])).value == 49 > expected
    # rank variant: a rank-one first layer caps the dimension at 1
    W0 = np.outer([1.0, 2.0, -1.0, 0.5], [1.0, 1.0])
    net = net_from((W0, [0.1, -0.2, 0.3, 0.0]), (np.eye(4)[:3], np.zeros(3)), (np.ones((1, 3)), [0.0]))
    rank = serra_bound(net, rank=True)
    assert rank.quantities["ranks"] == [1, 3]
    assert rank.value < serra_bound(net).value
    assert polyreg.count_regions(net, Box.cube(2, -3, 3)) <= rank.value


def test_lower_bounds_below_upper_bounds():
    for widths in ([1, 3, 3], [2, 6, 6], [2, 6, 6, 6], [3, 9, 9]):
        upper = serra_bound(polyreg.random_network([*widths, 1])).value
        assert montufar2014_lower(widths).value <= upper
        assert serra_lower(widths).value <= upper
    with pytest.raises(ValueError, match="3 n_0"):
        serra_lower([2, 5, 6])
    with pytest.raises(ValueError, match=">= n_0"):
        montufar2014_lower([3, 2, 6])


def test_leaky_relu_bounds_hold():
    base = polyreg.random_network([2, 6, 6, 1], seed=8)
    net = polyreg.Network(base.weights, base.biases, negative_slope=0.1)
    box = Box.cube(2, -2, 2)
    n = polyreg.count_regions(net, box)
    assert serra_bound(net).value >= n
    assert serra_bound(net).value == prod(zaslavsky(6, 2) for _ in range(2))
    for m in ("interval", "lp", "exact"):
        assert local_bound(net, box, m).value >= n


def test_local_bound_validation():
    net = polyreg.random_network([2, 4, 1])
    with pytest.raises(ValueError, match="method must be 'interval', 'lp' or 'exact'"):
        local_bound(net, Box.cube(2), "magic")
    assert local_bound(net, Whole(), "lp").value == local_bound(net, Whole(), "interval").value


@given(seed=st.integers(0, 10_000), width=st.integers(2, 7), depth=st.integers(1, 3),
       radius=st.floats(0.05, 1.5))
def test_property_bounds_hold_in_balls(seed, width, depth, radius):
    net = polyreg.random_network([2] + [width] * depth + [1], seed=seed)
    rng = np.random.default_rng(seed)
    ball = Ball(rng.normal(size=2), radius, norm=["1", "2", "inf"][seed % 3])
    rs = polyreg.enumerate_regions(net, ball)
    values = [local_bound(net, ball, m, regions=rs).value for m in ("interval", "lp", "exact")]
    assert values[0] >= values[1] >= values[2] >= len(rs)
    assert serra_bound(net).value >= values[0]


# ------------------------------------------------------------- Serra & Ramalingam 2020, Hanin & Rolnick 2019
def test_serra_ramalingam_bound_sound_and_below_local_lp():
    from polyreg.bounds.counts import local_bound, serra_ramalingam_bound

    for widths, seed, dom in [([2, 6, 6, 1], 3, polyreg.Box([-1, -1], [1, 1])),
                              ([3, 6, 6, 2], 1, polyreg.Ball([0.1, 0.0, -0.1], 0.6, norm=1)),
                              ([2, 8, 8, 1], 2, polyreg.Ball([0.2, 0.1], 0.5, norm=2))]:
        net = polyreg.random_network(widths, seed=seed)
        n = polyreg.count_regions(net, dom)
        b = serra_ramalingam_bound(net, dom)
        assert n <= b.value <= local_bound(net, dom, "lp", rank=True).value
        assert serra_ramalingam_bound(net, dom, layers=2).value == n  # every layer counted exactly
    with pytest.raises(ValueError, match="layers"):
        serra_ramalingam_bound(net, dom, layers=3)


def test_serra_ramalingam_dead_layer():
    # a second layer that is off over the whole box: one cell per first-layer region
    from polyreg.bounds.counts import serra_ramalingam_bound

    net = polyreg.Network.from_layers([
        (np.array([[1.0, 0.0], [0.0, 1.0]]), np.zeros(2)),
        (np.array([[1.0, 1.0]]), np.array([-100.0])),
        (np.array([[1.0]]), np.zeros(1)),
    ])
    box = polyreg.Box([-1, -1], [1, 1])
    assert serra_ramalingam_bound(net, box).value == polyreg.count_regions(net, box) == 4


def test_hanin_rolnick_line_formula_and_bound():
    from polyreg.bounds.counts import hanin_rolnick_line

    rng = np.random.default_rng(0)
    exact, formula = [], []
    for seed in range(12):
        net = polyreg.random_network([2, 8, 8, 1], seed=seed, bias_scale=0.5)
        a, u = rng.normal(size=2), rng.normal(size=2)
        u /= np.linalg.norm(u)
        hr = hanin_rolnick_line(net, a - u, a + u, bias_std=0.5)
        assert hr.quantities["transitions"] == round(hr.exact * 2.0)
        exact.append(hr.exact)
        formula.append(hr.formula)
        assert hr.exact <= hr.prediction  # the bound holds here with a wide margin
    # the plug-in expectation formula agrees with the exact mean (statistical, generous)
    assert np.mean(formula) == pytest.approx(np.mean(exact), rel=0.35)


def test_hanin_rolnick_volume_counts():
    from polyreg.bounds.counts import hanin_rolnick_volume

    net = polyreg.random_network([2, 6, 6, 1], seed=1)
    hv = hanin_rolnick_volume(net, np.zeros(2), 0.5, bias_std=0.5)
    n = polyreg.count_regions(net, polyreg.Box([-0.25, -0.25], [0.25, 0.25]))
    assert hv.exact == pytest.approx(n / 0.25) and hv.quantities["regions"] == n
    assert hv.prediction == pytest.approx((hv.c_grad * hv.c_bias * 12) ** 2 / 2)


@pytest.mark.slow
@pytest.mark.parametrize("widths", [[2, 6, 6, 1], [2, 5, 5, 5, 2], [3, 6, 6, 1], [2, 10, 1], [2, 4, 8, 4, 1]])
def test_every_count_bound_holds_many_random_cases(widths):
    # 5 architectures x 3 domains x 14 seeds = 210 networks, every check of `polyreg bounds`
    from polyreg.bounds import report

    rng = np.random.default_rng(len(widths))
    for seed in range(14):
        net = polyreg.random_network(widths, seed=seed, bias_scale=float(rng.uniform(0.1, 1.0)))
        c = rng.normal(scale=0.5, size=widths[0])
        for dom in (polyreg.Box(c - 0.7, c + 0.7), polyreg.Ball(c, 0.5, norm=1),
                    polyreg.Ball(c, 0.4, norm=2)):
            rep = report.check_bounds(net, dom)
            assert rep.violated == [], [(r.name, r.value, r.exact) for r in rep.violated]
