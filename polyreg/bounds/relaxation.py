"""Pre-activation bounds over a domain from the triangle LP relaxation of the ReLUs: tighter
than interval propagation, sound, and solved through :mod:`polyreg.solvers` (HiGHS; Clarabel for
the L2 ball). The relaxation and its soundness: docs/theory.md §3."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ..domains import Ball, Domain, Polytope
from ..errors import SolverFailed
from ..solvers import SolveCounter, Status, solve_lp_in_l2_ball, solve_milp
from ..network import Network
from ..propagation import stability
from ..tolerances import DEFAULT, Tolerances


@dataclass(frozen=True)
class NeuronBounds:
    """Sound bounds of every hidden pre-activation over a domain and their classification.

    Attributes
    ----------
    lower, upper : ndarray, shape (N,)
    on, live : ndarray of bool, shape (N,)
        Stable on; may change sign (the rest is stable off).
    solves : int
        LPs / SOCPs solved.
    """

    lower: np.ndarray
    upper: np.ndarray
    on: np.ndarray
    live: np.ndarray
    solves: int = 0


#: relative widening of an LP optimum before it may prove a neuron stable (solver accuracy)
LP_WIDEN = 1e-6


@dataclass
class _Rows:
    """Constraint rows ``lo <= row @ x <= hi`` of one layer's relaxation, collected in order."""

    rows: list[np.ndarray] = field(default_factory=list)
    lo: list[float] = field(default_factory=list)
    hi: list[float] = field(default_factory=list)

    def add(self, row: np.ndarray, lo: float, hi: float) -> None:
        self.rows.append(row)
        self.lo.append(lo)
        self.hi.append(hi)


def relaxation_bounds(net: Network, domain: Domain, *, tol: Tolerances = DEFAULT) -> NeuronBounds:
    """Pre-activation bounds from the triangle LP relaxation of the ReLUs over the domain.

    Layer by layer: for each neuron left live by interval propagation, minimise and maximise
    its pre-activation over ``x in domain``, with every earlier ReLU ``a = relu(z)``, ``z in
    [l, u]``, replaced by ``a = z`` (``l >= 0``), ``a = alpha z`` (``u <= 0``) or the triangle
    ``a >= z, a >= alpha z, a <= alpha l + (u - alpha l)/(u - l) (z - l)``, using the tightest
    bounds already found. Box and L-inf domains are column bounds, L1 balls are lifted, polytopes
    are rows, the L2 ball is a second-order cone (Clarabel); HiGHS solves the LPs.

    Soundness: every point ``x`` of the domain with its true activations is feasible for each
    relaxation, so the optima bound the true range; optima are widened by ``LP_WIDEN``
    relative before use, and intersected with the interval bounds. Hence the live set is
    contained in the interval live set and contains every neuron that changes sign.

    Examples
    --------
    >>> import polyreg
    >>> from polyreg.bounds.relaxation import relaxation_bounds
    >>> net = polyreg.random_network([2, 8, 8, 1], seed=0)
    >>> dom = polyreg.Box([-1, -1], [1, 1])
    >>> lp = relaxation_bounds(net, dom)
    >>> int(lp.live.sum()) <= int(polyreg.propagation.stability(net, dom, polyreg.Tolerances()).live.sum())
    True
    """
    domain = domain.for_inputs(net.n_inputs)
    stab = stability(net, domain, tol)
    lower, upper = stab.lower.copy(), stab.upper.copy()
    counter = SolveCounter()
    if not domain.bounded:
        return NeuronBounds(lower, upper, stab.on, stab.live, 0)
    d = net.n_inputs
    alpha = net.negative_slope
    offsets = net.layer_offsets
    l1 = isinstance(domain, Ball) and domain.norm == 1
    l2 = isinstance(domain, Ball) and domain.norm == 2
    n_x = d + (2 * d if l1 else 0)
    lo_box, hi_box = domain.bounding_box()
    scale = net.weight_scale()
    for layer in range(len(net.hidden_widths)):
        seg = slice(offsets[layer], offsets[layer + 1])
        todo = np.flatnonzero(stab.live[seg])
        if todo.size == 0 or (layer == 0 and not isinstance(domain, Polytope)):
            continue  # layer 1 is exact for boxes and balls
        sizes = [net.hidden_widths[m] for m in range(layer)]
        starts = np.concatenate([[n_x], n_x + np.cumsum(sizes)]).astype(int)
        n = int(starts[-1])
        acc = _Rows()  # this layer's constraint rows; no closure over the loop's variables
        add = acc.add

        col_lo = np.full(n, -np.inf)
        col_hi = np.full(n, np.inf)
        if l1:  # x - c = u - v, u, v >= 0, sum(u + v) <= r
            assert isinstance(domain, Ball)
            col_lo[d:n_x] = 0.0
            for i in range(d):
                row = np.zeros(n)
                row[i], row[d + i], row[2 * d + i] = 1.0, -1.0, 1.0
                add(row, domain.center[i], domain.center[i])
            row = np.zeros(n)
            row[d:n_x] = 1.0
            add(row, -np.inf, domain.radius)
        if not l2:
            col_lo[:d], col_hi[:d] = lo_box, hi_box
        if isinstance(domain, Polytope):
            A, b = domain.rows()
            for a_row, b_i in zip(A, b, strict=True):
                row = np.zeros(n)
                row[:d] = a_row
                add(row, -np.inf, b_i)
        for m in range(layer):
            W, bias = net.weights[m], net.biases[m]
            src = slice(0, d) if m == 0 else slice(int(starts[m - 1]), int(starts[m]))
            for k in range(W.shape[0]):
                g = int(offsets[m] + k)
                lo_k, hi_k = lower[g], upper[g]
                zrow = np.zeros(n)
                zrow[src] = W[k]
                a_col = int(starts[m]) + k
                if lo_k >= 0:  # a = z
                    row = -zrow.copy()
                    row[a_col] += 1.0
                    add(row, bias[k], bias[k])
                elif hi_k <= 0:  # a = alpha z
                    row = -alpha * zrow
                    row[a_col] += 1.0
                    add(row, alpha * bias[k], alpha * bias[k])
                else:
                    add(zrow, lo_k - bias[k], hi_k - bias[k])  # l <= z <= u
                    row = zrow.copy()
                    row[a_col] -= 1.0
                    add(row, -np.inf, -bias[k])  # a >= z
                    row = alpha * zrow
                    row[a_col] -= 1.0
                    add(row, -np.inf, -alpha * bias[k])  # a >= alpha z
                    slope = (hi_k - alpha * lo_k) / (hi_k - lo_k)
                    row = -slope * zrow
                    row[a_col] += 1.0
                    add(row, -np.inf, alpha * lo_k + slope * (bias[k] - lo_k))  # a <= chord
        M = np.array(acc.rows).reshape(-1, n)
        rlo_a, rhi_a = np.array(acc.lo), np.array(acc.hi)
        M_sparse = sp.csr_matrix(M)
        W, bias = net.weights[layer], net.biases[layer]
        src = slice(0, d) if layer == 0 else slice(int(starts[layer - 1]), int(starts[layer]))
        for k in todo.tolist():
            g = int(offsets[layer] + k)
            found = []
            for sign in (1.0, -1.0):
                cost = np.zeros(n)
                cost[src] = sign * W[k]
                what = f"relaxation bound of neuron {net.neuron_name(g)}"
                if l2:
                    assert isinstance(domain, Ball)
                    cres = solve_lp_in_l2_ball(cost, M, rlo_a, rhi_a, col_lo, col_hi,
                                               domain.center, domain.radius, tol, counter, what=what)
                    status, value = cres.status, cres.objective
                else:
                    counter.lp += 1
                    mres = solve_milp(cost, M_sparse, rlo_a, rhi_a, col_lo, col_hi,
                                      np.zeros(n, dtype=bool), what=what)
                    status, value = mres.status, mres.objective
                if status != Status.OPTIMAL:
                    raise SolverFailed(f"{what}: the relaxation is {status.value}")
                found.append(sign * value + bias[k])
            lo_lp, hi_lp = found
            lower[g] = max(lower[g], lo_lp - LP_WIDEN * (1.0 + abs(lo_lp)))
            upper[g] = min(upper[g], hi_lp + LP_WIDEN * (1.0 + abs(hi_lp)))
    slack = tol.stable * scale * (1.0 + np.abs(np.nan_to_num(lower, posinf=0, neginf=0)))
    on = stab.on | (lower > slack)
    off = ~stab.live & ~stab.on | (upper <= slack)
    return NeuronBounds(lower, upper, on, ~(on | off), counter.total)
