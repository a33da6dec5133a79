"""Upper bounds on the number of activation regions, global and local (docs/theory.md §2-3).

Every function returns a :class:`CountBound`: the value (an exact Python ``int``) and the
quantities it used, so a table can show *why* a bound is what it is.

* global, for the whole input space (hence for any domain): :func:`trivial_bound` (``2^N``),
  :func:`zaslavsky_bound` (one hidden layer), :func:`montufar_bound` (Montufar 2017),
  :func:`serra_bound` (Serra, Tjandraatmadja, Ramalingam 2018, Theorem 1 and its rank variant);
* for a convex domain: :func:`zaslavsky_convex_bound` (one hidden layer, flats meeting the
  domain) and :func:`local_bound` (live neurons from interval bounds, an LP relaxation, or the
  exact enumeration);
* constructions (lower bounds on the *maximum* over networks of given widths):
  :func:`montufar2014_lower`, :func:`serra_lower`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from math import comb, prod
from collections.abc import Sequence

import numpy as np

from ..api import enumerate_regions
from ..domains import Ball, Domain, Whole
from ..solvers import SolveCounter, Status, nearest_point, solve_milp
from ..network import Network
from ..propagation import stability
from ..regions import RegionSet
from ..tolerances import DEFAULT, Tolerances
from .relaxation import relaxation_bounds


@dataclass(frozen=True)
class CountBound:
    """A bound on a number of regions and what it was computed from.

    Attributes
    ----------
    name : str
        Short identifier (``"serra2018"``, ``"local-lp"``, ...).
    value : int
        The bound (an exact integer; it may exceed float range).
    kind : str
        ``"upper"``: at least the number of regions of this network in all of R^d, hence in
        any domain; ``"local"``: at least the number of regions meeting the given domain;
        ``"lower"``: a construction attains at least this many regions (a lower bound on the
        maximum over networks of these widths, not a statement about this network).
    quantities : dict
        The inputs of the formula (widths, dimensions, ranks, live neurons, ...), JSON-ready.
    reference : str
        Where the formula comes from.
    """

    name: str
    value: int
    kind: str = "upper"
    quantities: dict = field(default_factory=dict)
    reference: str = ""

    def to_dict(self) -> dict:
        return {
            "name": self.name, "value": self.value, "kind": self.kind,
            "quantities": self.quantities, "reference": self.reference,
        }


def zaslavsky(m: int, d: int) -> int:
    """``sum_{i=0}^{d} C(m, i)``: the regions of ``m`` hyperplanes in general position in R^d
    (and the most any ``m`` hyperplanes make).

    Examples
    --------
    >>> zaslavsky(4, 2)
    11
    """
    return sum(comb(m, i) for i in range(min(m, d) + 1))


def _one_layer(net: Network, what: str) -> None:
    if len(net.hidden_widths) != 1:
        raise ValueError(
            f"{what} applies to one hidden layer; the network has {len(net.hidden_widths)}"
        )


def trivial_bound(net: Network) -> CountBound:
    """``2^N`` for ``N`` hidden neurons: one region per pattern at most.

    Examples
    --------
    >>> import polyreg
    >>> from polyreg.bounds import trivial_bound
    >>> trivial_bound(polyreg.random_network([2, 3, 4, 1])).value
    128
    """
    return CountBound("trivial", 2 ** net.n_hidden, "upper", {"neurons": net.n_hidden}, "2^N")


def zaslavsky_bound(net: Network) -> CountBound:
    """Zaslavsky's count for one hidden layer of ``m`` neurons in R^d: ``sum_{i<=d} C(m, i)``.

    An upper bound for every one-layer network; equal to the number of regions in R^d (and in
    any box holding every vertex of the arrangement) when the hyperplanes are in general
    position. ``quantities["bounded_regions"]`` is ``C(m - 1, d)``, the bounded ones then.

    Raises
    ------
    ValueError
        The network has more than one hidden layer.

    Examples
    --------
    >>> import polyreg
    >>> from polyreg.bounds import zaslavsky_bound
    >>> zaslavsky_bound(polyreg.random_network([2, 4, 1])).value
    11
    """
    _one_layer(net, "Zaslavsky's bound")
    m, d = net.hidden_widths[0], net.n_inputs
    return CountBound(
        "zaslavsky", zaslavsky(m, d), "upper",
        {"hyperplanes": m, "dimension": d, "bounded_regions": comb(m - 1, d) if m else 0},
        "Zaslavsky 1975",
    )


def montufar_bound(net: Network) -> CountBound:
    """Montufar 2017: ``prod_l sum_{j=0}^{d_l} C(n_l, j)``, ``d_l = min(n_0, ..., n_l)``.

    Examples
    --------
    >>> import polyreg
    >>> from polyreg.bounds import montufar_bound
    >>> montufar_bound(polyreg.random_network([2, 3, 3, 1])).value
    49
    """
    widths = net.widths[:-1]
    dims = [min(widths[: l + 1]) for l in range(1, len(widths))]
    factors = [zaslavsky(n, dl) for n, dl in zip(widths[1:], dims, strict=True)]
    return CountBound(
        "montufar2017", prod(factors), "upper",
        {"widths": list(widths), "dims": dims, "factors": factors},
        "Montufar 2017, 'Notes on the number of linear regions of deep neural networks'",
    )


def _recursion(
    n0: int,
    widths: Sequence[int],
    live: Sequence[int],
    stable_on: Sequence[int],
    ranks: Sequence[int] | None,
    leaky: bool,
) -> int:
    """``f_1(n_0)`` of ``f_l(d) = sum_{j=0}^{min(d', k_l)} C(k_l, j) f_{l+1}(next)``, with
    ``d' = min(d, rank W^l)`` (rank variant) or ``d``, ``next = min(d', k_l - j + s_l)`` for ReLU
    and ``min(d', n_l)`` for LeakyReLU, ``f_{L+1} = 1``. Serra's Theorem 1 is ``k = n, s = 0``."""
    L = len(widths)

    @cache
    def f(layer: int, d: int) -> int:
        if layer == L:
            return 1
        if ranks is not None:
            d = min(d, ranks[layer])
        k, s, n = live[layer], stable_on[layer], widths[layer]
        total = 0
        for j in range(min(d, k) + 1):
            nxt = min(d, n) if leaky else min(d, k - j + s)
            total += comb(k, j) * f(layer + 1, nxt)
        return total

    return f(0, n0)


def _ranks(net: Network) -> list[int]:
    return [int(np.linalg.matrix_rank(W)) for W in net.weights[:-1]]


def serra_bound(net: Network, rank: bool = False) -> CountBound:
    """Serra, Tjandraatmadja, Ramalingam 2018, Theorem 1, as a recursion (tight for one layer):

    ``f_{L+1}(d) = 1``, ``f_l(d) = sum_{j=0}^{min(d, n_l)} C(n_l, j) f_{l+1}(min(d, n_l - j))``,
    bound ``f_1(n_0)``. With ``rank=True``, ``d`` is first replaced by ``min(d, rank W^l)``.

    For a LeakyReLU network the dimension is not reduced by inactive neurons (their slope is not
    zero): ``n_l - j`` becomes ``n_l`` (then the bound is a product of Zaslavsky factors).

    Examples
    --------
    >>> import polyreg
    >>> from polyreg.bounds import serra_bound
    >>> net = polyreg.random_network([1, 3, 3, 1])
    >>> serra_bound(net).value          # n_0 = 1: prod (n_l + 1) (attainable)
    16
    """
    widths = list(net.hidden_widths)
    ranks = _ranks(net) if rank else None
    value = _recursion(net.n_inputs, widths, widths, [0] * len(widths), ranks,
                       net.negative_slope > 0)
    q = {"n0": net.n_inputs, "widths": widths}
    if ranks is not None:
        q["ranks"] = ranks
    return CountBound(
        "serra2018-rank" if rank else "serra2018", value, "upper", q,
        "Serra, Tjandraatmadja, Ramalingam 2018, Theorem 1" + (" (rank variant)" if rank else ""),
    )


def montufar2014_lower(widths: Sequence[int]) -> CountBound:
    """Montufar et al. 2014 construction: ``prod_{l<L} floor(n_l/n_0)^{n_0} sum_{j<=n_0}
    C(n_L, j)`` regions are attainable with hidden widths ``n_1..n_L >= n_0``.

    Parameters
    ----------
    widths : sequence of int
        ``(n_0, n_1, ..., n_L)``: input and hidden widths (no output).

    Examples
    --------
    >>> from polyreg.bounds import montufar2014_lower
    >>> montufar2014_lower([2, 4, 4]).value
    44
    """
    n0, hidden = int(widths[0]), [int(n) for n in widths[1:]]
    if not hidden or min(hidden) < n0:
        raise ValueError(f"Montufar's construction needs every hidden width >= n_0 = {n0}")
    value = prod((n // n0) ** n0 for n in hidden[:-1]) * zaslavsky(hidden[-1], n0)
    return CountBound("montufar2014-lower", value, "lower", {"widths": [n0, *hidden]},
                      "Montufar, Pascanu, Cho, Bengio 2014")


def serra_lower(widths: Sequence[int]) -> CountBound:
    """Serra et al. 2018, Theorem 6 (``n_l >= 3 n_0``): ``prod_{l<L} (floor(n_l/n_0) + 1)^{n_0}
    sum_{j<=n_0} C(n_L, j)`` regions are attainable.

    Examples
    --------
    >>> from polyreg.bounds import serra_lower
    >>> serra_lower([1, 3, 3]).value
    16
    """
    n0, hidden = int(widths[0]), [int(n) for n in widths[1:]]
    if not hidden or min(hidden) < 3 * n0:
        raise ValueError(f"Serra's construction needs every hidden width >= 3 n_0 = {3 * n0}")
    value = prod((n // n0 + 1) ** n0 for n in hidden[:-1]) * zaslavsky(hidden[-1], n0)
    return CountBound("serra2018-lower", value, "lower", {"widths": [n0, *hidden]},
                      "Serra, Tjandraatmadja, Ramalingam 2018, Theorem 6")


# ---------------------------------------------------------------------------- one layer in K
def _flat_meets(
    W: np.ndarray, c: np.ndarray, domain: Domain, tol: Tolerances, counter: SolveCounter
) -> bool:
    """Whether the flat ``W y + c = 0`` meets the domain's interior (an LP / QP)."""
    d = W.shape[1]
    if isinstance(domain, Whole):
        return nearest_point(None, np.zeros(0), np.zeros(d), 2, tol, counter,
                             A_eq=W, b_eq=-c, what="flat").feasible
    rows = domain.rows()
    if rows is None:  # a round ball (or a high-dimensional L1 ball): distance to its centre
        assert isinstance(domain, Ball)
        res = nearest_point(None, np.zeros(0), domain.center, domain.norm, tol, counter,
                            A_eq=W, b_eq=-c, what="flat in a ball")
        return res.feasible and res.distance < domain.radius - tol.zero
    A, b = rows
    norms = np.linalg.norm(A, axis=1)
    A, b = A / norms[:, None], b / norms
    m = A.shape[0]
    M = np.vstack([np.hstack([A, np.ones((m, 1))]), np.hstack([W, np.zeros((W.shape[0], 1))])])
    lo = np.concatenate([np.full(m, -np.inf), -c])
    hi = np.concatenate([b, -c])
    cost = np.zeros(d + 1)
    cost[-1] = -1.0
    counter.lp += 1
    mres = solve_milp(cost, M, lo, hi, np.full(d + 1, -np.inf), np.append(np.full(d, np.inf), 1.0),
                      np.zeros(d + 1, dtype=bool), what="LP flat meets domain")
    return mres.status == Status.OPTIMAL and -mres.objective > tol.zero


def zaslavsky_convex_bound(
    net: Network,
    domain: Domain,
    *,
    max_subsets: int = 20000,
    tol: Tolerances = DEFAULT,
) -> CountBound:
    """Regions of a one-layer network inside a convex domain ``K``: ``sum_{k=0}^{d} N_k(K)``.

    ``N_k(K)`` is the number of ``k``-subsets of the hyperplanes whose common intersection meets
    the interior of ``K`` (``N_0 = 1``; in 2-D: 1 + lines meeting K + crossings inside K).

    An upper bound for every one-layer network (the regions inside ``K`` number
    ``sum |mu(X)|`` over the flats ``X`` meeting ``K``, and ``|mu(X)|`` counts no-broken-circuit
    subsets, which are among the subsets counted here); equal in general position. Neurons with
    a zero weight row make no hyperplane and are left out. Flats are tested by one LP (QP for a
    round ball) each, level by level: a ``k``-subset is tested only when all its
    ``(k-1)``-subsets meet ``K``. A flat counts when it enters the interior by more than
    ``tol.zero``.

    Raises
    ------
    ValueError
        More than one hidden layer, or more than ``max_subsets`` subsets to test.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.bounds import zaslavsky_convex_bound
    >>> net = polyreg.Network.from_layers([([[1.0, 0], [0, 1.0], [1, 1]], [0.0, 0.0, -5.0]),
    ...                                    ([[1.0, 1.0, 1.0]], [0.0])])
    >>> zaslavsky_convex_bound(net, polyreg.Box([-1, -1], [1, 1])).value   # 1 + 2 lines + 1
    4
    """
    _one_layer(net, "the one-layer count in a convex set")
    domain = domain.for_inputs(net.n_inputs)
    W, c = net.weights[0], net.biases[0]
    planes = np.flatnonzero(np.any(W != 0, axis=1))
    d = net.n_inputs
    total = sum(comb(planes.size, k) for k in range(1, d + 1))
    if total > max_subsets:
        raise ValueError(
            f"{total} subsets of {planes.size} hyperplanes to test (max_subsets={max_subsets})"
        )
    counter = SolveCounter()
    counts = [1]
    level: set[tuple[int, ...]] = {()}
    for k in range(1, d + 1):
        nxt: set[tuple[int, ...]] = set()
        for S in sorted(level):
            start = S[-1] + 1 if S else 0
            for j in range(start, planes.size):
                T = S + (j,)
                if k > 1 and any(T[:i] + T[i + 1 :] not in level for i in range(k)):
                    continue
                idx = planes[list(T)]
                if _flat_meets(W[idx], c[idx], domain, tol, counter):
                    nxt.add(T)
        counts.append(len(nxt))
        level = nxt
        if not level:
            counts.extend([0] * (d - k))
            break
    return CountBound(
        "zaslavsky-convex", sum(counts), "local",
        {"hyperplanes": int(planes.size), "dimension": d, "N_k": counts, "solves": counter.total},
        "Zaslavsky 1975, restricted to a convex set",
    )


# ---------------------------------------------------------------------------- local bound
def _per_layer(net: Network, mask: np.ndarray) -> list[int]:
    o = net.layer_offsets
    return [int(mask[o[i] : o[i + 1]].sum()) for i in range(len(net.hidden_widths))]


def local_bound(
    net: Network,
    domain: Domain,
    method: str = "interval",
    *,
    regions: RegionSet | None = None,
    rank: bool = False,
    tol: Tolerances = DEFAULT,
) -> CountBound:
    """Upper bound on the number of regions meeting a convex domain, from its live neurons.

    ``f_{L+1}(d) = 1``, ``f_l(d) = sum_{j=0}^{min(d, k_l)} C(k_l, j) f_{l+1}(min(d, k_l - j +
    s_l))``, bound ``f_1(n_0)``: Serra's recursion with the width ``n_l`` replaced by ``k_l``,
    the live neurons of layer ``l``, and ``s_l`` (the neurons of layer ``l`` that are on over
    the whole domain) added to the dimension cap. With ``rank=True``, ``d`` is first capped by
    ``rank W^l``. For LeakyReLU the cap is ``min(d, n_l)``.

    Parameters
    ----------
    net : Network
    domain : Domain
        Any convex domain (``Ball`` for "the local bound in a ball around a point").
    method : {"interval", "lp", "exact"}
        How the live neurons are found: interval propagation
        (:func:`polyreg.propagation.stability`; a neuron is live when its range straddles 0);
        the triangle LP relaxation (:func:`relaxation_bounds`); or the exact enumeration (live
        = the neuron's bit varies among the regions; on = on in every region).
    regions : RegionSet, optional
        For ``"exact"``: the enumeration of ``domain`` (computed when not given).
    rank : bool
    tol : Tolerances

    Returns
    -------
    CountBound
        ``kind="local"``; ``quantities``: ``live`` (``k_l``), ``stable_on`` (``s_l``), ``method``,
        ``solves``.

    Notes
    -----
    Why ``s_l``: the recursion tracks the dimension of the image of a region after layer ``l``,
    at most the number of *on* neurons, and a stable-on neuron is on without being live. The
    literal recipe ``min(d, k_l - j)`` is unsound: a layer that is on everywhere in the domain
    (``k_1 = 0``) would cap the dimension at 0 and the bound at 1 although later layers may
    split the domain.

    Soundness (by induction over layers, for any convex domain ``K``). Call a neuron *non-live*
    when its sign is constant on ``K`` up to a null set (true for interval- and LP-stable
    neurons by soundness of their bounds -- up to ``tol.stable``, the classification the
    enumeration engines use themselves -- and for neurons with one bit in every enumerated
    region, since a sign change inside ``K`` puts full-dimensional regions on both sides).
    Claim: a full-dimensional convex cell ``C`` of ``K`` on which ``x -> a^{l-1}(x)`` is affine
    with an image of dimension ``<= e`` contains at most ``f_l(e)`` full-dimensional regions.
    On ``C``, layer ``l``'s pre-activations are affine, ``z = W^l a^{l-1} + b^l``, and only live
    neurons cut the interior (a non-live one that did would give both bits). These at most
    ``k_l`` hyperplanes are pulled back from the ``e``-dimensional image (``min(e, rank W^l)``
    with the rank variant), so they cut ``C`` into at most ``sum_{j<=e} C(k_l, j)`` cells
    (Zaslavsky's maximum for any arrangement). Distinct cells have distinct *off* sets among
    the live neurons (injective), so at most ``sum_{j'<=j} C(k_l, j')`` cells have at most
    ``j`` live neurons off; a cell whose off set has size ``j`` has at most ``k_l - j + s_l`` on
    neurons, so the image of ``a^l`` on it has dimension ``<= min(e, k_l - j + s_l)``. Sorting the
    cells by their off-count and using that ``f_{l+1}`` is non-decreasing, the sum over cells
    of ``f_{l+1}(image dimension)`` is at most ``sum_{j=0}^{min(e, k_l)} C(k_l, j)
    f_{l+1}(min(e, k_l - j + s_l))  = f_l(e)``. With ``f_{L+1} = 1`` (the output layer has no
    pattern) and ``C = K``, ``e = n_0`` the claim is the bound. The three variants are ordered
    (interval >= LP >= exact) because their live sets are nested and the recursion does not
    grow when a live neuron becomes stable (on or off).

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.bounds import local_bound
    >>> net = polyreg.random_network([2, 6, 6, 1], seed=3)
    >>> ball = polyreg.Ball([0.2, -0.1], 0.3)
    >>> n = polyreg.count_regions(net, ball)
    >>> [local_bound(net, ball, m).value >= n for m in ("interval", "lp", "exact")]
    [True, True, True]
    """
    domain = domain.for_inputs(net.n_inputs)
    solves = 0
    if method == "interval":
        stab = stability(net, domain, tol)
        live, on = stab.live, stab.on
    elif method == "lp":
        nb = relaxation_bounds(net, domain, tol=tol)
        live, on, solves = nb.live, nb.on, nb.solves
    elif method == "exact":
        if regions is None:
            regions = enumerate_regions(net, domain, tol=tol, progress=False)
        P = np.array([r.pattern for r in regions], dtype=bool).reshape(-1, net.n_hidden)
        on = np.asarray(P.all(axis=0))
        live = P.any(axis=0) & ~on
    else:
        raise ValueError(f"method must be 'interval', 'lp' or 'exact', got {method!r}")
    k, s = _per_layer(net, live), _per_layer(net, on)
    ranks = _ranks(net) if rank else None
    value = _recursion(net.n_inputs, list(net.hidden_widths), k, s, ranks, net.negative_slope > 0)
    q: dict = {"method": method, "live": k, "stable_on": s, "solves": solves}
    if ranks is not None:
        q["ranks"] = ranks
    name = f"local-{method}" + ("-rank" if rank else "")
    return CountBound(name, value, "local", q, "Serra et al. 2018 recursion over live neurons")


# ---------------------------------------------------------------------------- Serra & Ramalingam 2020
def _truncated(net: Network, layers: int) -> Network:
    """The first ``layers`` hidden layers of ``net`` with an identity output layer (its output
    map on a region is the Jacobian of ``a^layers``)."""
    n = net.hidden_widths[layers - 1]
    return Network(tuple(net.weights[:layers]) + (np.eye(n),),
                   tuple(net.biases[:layers]) + (np.zeros(n),), net.negative_slope)


def serra_ramalingam_bound(
    net: Network,
    domain: Domain,
    *,
    layers: int = 1,
    method: str = "milp",
    rank: bool = True,
    tol: Tolerances = DEFAULT,
) -> CountBound:
    """An MILP-based upper bound on the regions meeting a convex domain that accounts for the
    domain and for stable neurons, after Serra & Ramalingam 2020 ("Empirical bounds on linear
    regions of deep rectifier networks", AAAI).

    The first ``layers`` hidden layers are counted exactly: their regions in the domain are
    enumerated with the MILP engine (:func:`polyreg.engines.milp_engine.milp`; the L2 ball and the
    whole space, which it refuses, use ``traverse``). On each such region ``R`` the map
    ``x -> a^layers(x)`` is affine; ``e_R`` is the rank of its Jacobian (at most the number of
    on neurons). The later layers enter through the recursion of :func:`local_bound` with live
    and stable-on neurons from the triangle LP over the domain (:func:`relaxation_bounds`) and,
    with ``rank=True``, the rank cap::

        bound = sum_R f_{layers+1}(e_R)

    Soundness: the claim proved in :func:`local_bound` (a full-dimensional convex cell on which
    ``a^{l-1}`` is affine with an image of dimension ``<= e`` holds at most ``f_l(e)`` regions)
    applied to each ``R`` with ``l = layers + 1``; the regions of ``K`` are the disjoint union of
    those inside the cells ``R``. It never exceeds the LP local bound with the same live sets
    (the exact cells are one arrangement among those the first level of the recursion bounds).

    This is our sound variant of the paper's idea (a MILP over the trained network and its input
    domain replaces worst-case widths); the paper's own activation-based formula is not
    reproduced here.

    Examples
    --------
    >>> import polyreg
    >>> from polyreg.bounds import counts
    >>> net = polyreg.random_network([2, 6, 6, 1], seed=3)
    >>> box = polyreg.Box([-1, -1], [1, 1])
    >>> n = polyreg.count_regions(net, box)
    >>> b = counts.serra_ramalingam_bound(net, box)
    >>> n <= b.value <= counts.local_bound(net, box, "lp", rank=True).value
    True
    """
    from ..domains import Ball
    from ..engines.milp_engine import milp

    domain = domain.for_inputs(net.n_inputs)
    L = len(net.hidden_widths)
    if not 1 <= layers <= L:
        raise ValueError(f"layers must lie in 1..{L}, got {layers}")
    trunc = _truncated(net, layers)
    use = method
    if method == "milp" and (isinstance(domain, Whole) or (isinstance(domain, Ball) and domain.norm == 2)):
        use = "traverse"
    if use == "milp":
        regions = milp(trunc, domain, tol=tol, progress=False)
    else:
        regions = enumerate_regions(trunc, domain, method=use, tol=tol, progress=False)
    dims: dict[int, int] = {}
    for region in regions:
        e = int(np.linalg.matrix_rank(region.out_W)) if region.out_W.size else 0
        dims[e] = dims.get(e, 0) + 1
    nb = relaxation_bounds(net, domain, tol=tol)
    k, s = _per_layer(net, nb.live), _per_layer(net, nb.on)
    ranks = _ranks(net) if rank else None
    rest = list(net.hidden_widths[layers:])
    value = 0
    for e, count in dims.items():
        if rest:
            value += count * _recursion(
                e, rest, k[layers:], s[layers:], ranks[layers:] if ranks else None,
                net.negative_slope > 0,
            )
        else:
            value += count
    q = {"layers": layers, "engine": use, "cells": len(regions), "image_dims": dict(sorted(dims.items())),
         "live": k, "stable_on": s, "solves": nb.solves}
    return CountBound(
        "serra-ramalingam2020", value, "local", q,
        "after Serra & Ramalingam 2020 (MILP over the domain, stable neurons); polyreg's variant",
    )


# ---------------------------------------------------------------------------- Hanin & Rolnick 2019
@dataclass(frozen=True)
class DensityCheck:
    """Exact counts against Hanin & Rolnick's density predictions (:func:`hanin_rolnick_line`,
    :func:`hanin_rolnick_volume`).

    Attributes
    ----------
    exact : float
        Exact transitions per unit length (line) or regions per unit volume (cube).
    formula : float or None
        Line only: the plug-in value of the exact expectation formula (see
        :func:`hanin_rolnick_line`) on this network: an unbiased one-sample estimate of the
        expected transitions per unit length.
    prediction : float
        The paper's bound with ``T = C_grad * C_bias``: ``T N`` per unit length, or
        ``(T N)^d / d!`` per unit volume (``N`` hidden neurons, ``d`` inputs).
    c_grad, c_bias : float
        ``C_grad``: the largest mean gradient norm ``E ||grad z_k||`` over the neurons, estimated
        on the sample points; ``C_bias``: the largest bias density, ``1 / (sigma_b sqrt(2 pi))``.
    quantities : dict
    """

    exact: float
    formula: float | None
    prediction: float
    c_grad: float
    c_bias: float
    quantities: dict = field(default_factory=dict)


def _c_grad(net: Network, points: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """``max_k mean ||grad z_k||`` over the points; also the per-point gradients and values."""
    grads, values = [], []
    for x in points:
        maps = net.local_maps(net.pattern(x))
        grads.append(maps.G)
        values.append(maps.G @ x + maps.c)
    G = np.array(grads)  # (P, N, d)
    return float(np.linalg.norm(G, axis=2).mean(axis=0).max()), G, np.array(values)


def hanin_rolnick_line(
    net: Network, start: np.ndarray, end: np.ndarray, *, bias_std: float, samples: int = 400,
    tol: Tolerances = DEFAULT,
) -> DensityCheck:
    """Exact activation-pattern transitions along the segment ``[start, end]`` per unit length,
    against Hanin & Rolnick 2019 ("Complexity of linear regions in deep networks", ICML).

    Assumptions of the paper: weights and biases random and independent, every bias with a
    density bounded by ``C_bias`` (here normal with standard deviation ``bias_std``:
    ``C_bias = 1 / (bias_std sqrt(2 pi))``), gradient norms with ``E ||grad z_k(x)|| <= C_grad``.
    Their formula for the boundary volume (equality, a Kac-Rice argument), restricted to a line
    ``x(t) = start + t u``, ``|u| = 1``::

        E[#transitions] / length = (1/length) int sum_k E[ |grad z_k(x(t)) . u|
                                                 rho_{b_k}(z_k(x(t)) - b_k) ] dt
                                 <= C_grad C_bias N.

    ``formula`` evaluates the integrand on this network (``samples`` midpoints; one-sample
    estimate of the expectation, so it matches ``exact`` only on average over networks);
    ``prediction`` is ``C_grad C_bias N``. The exact count is :func:`polyreg.engines.line.line`.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.bounds.counts import hanin_rolnick_line
    >>> net = polyreg.random_network([2, 8, 8, 1], seed=0, bias_scale=0.5)
    >>> hr = hanin_rolnick_line(net, np.array([-1.0, 0.0]), np.array([1.0, 0.0]), bias_std=0.5)
    >>> hr.exact > 0 and hr.formula > 0 and hr.prediction > 0
    True
    """
    from ..engines.line import line
    from ..slices import Path

    start, end = np.asarray(start, float), np.asarray(end, float)
    length = float(np.linalg.norm(end - start))
    u = (end - start) / length
    res = line(net, Path.segment(start, end), tol=tol)
    transitions = res.n_pieces - 1
    ts = (np.arange(samples) + 0.5) / samples
    pts = start[None, :] + ts[:, None] * (end - start)[None, :]
    c_grad, G, Z = _c_grad(net, pts)
    bias = np.concatenate(net.biases[:-1])
    pre_bias = Z - bias[None, :]  # z_k(x) - b_k
    rho = np.exp(-0.5 * (pre_bias / bias_std) ** 2) / (bias_std * np.sqrt(2 * np.pi))
    formula = float(np.mean(np.sum(np.abs(G @ u) * rho, axis=1)))
    c_bias = 1.0 / (bias_std * np.sqrt(2 * np.pi))
    return DensityCheck(
        float(transitions / length), formula, float(c_grad * c_bias * net.n_hidden), c_grad,
        float(c_bias),
        {"transitions": transitions, "length": length, "neurons": net.n_hidden},
    )


def hanin_rolnick_volume(
    net: Network, center: np.ndarray, side: float, *, bias_std: float, samples: int = 400,
    method: str = "traverse", seed: int = 0, tol: Tolerances = DEFAULT,
) -> DensityCheck:
    """Exact regions per unit volume in the cube of side ``side`` around ``center``, against
    Hanin & Rolnick 2019 ("Deep ReLU networks have surprisingly few activation patterns",
    NeurIPS), Theorem 1: under the assumptions of :func:`hanin_rolnick_line` (and ``N >= d``)

        E[#regions meeting C] / vol(C) <= (T N)^d / d!

    for cubes ``C`` with side above a threshold ``delta_0``, with ``T`` depending only on
    ``C_grad`` and ``C_bias``. The paper's ``T`` is ``C_grad C_bias`` times an absolute
    constant; ``prediction`` uses ``T = C_grad C_bias`` (read the ratio as that constant's
    lower estimate). ``C_grad`` is estimated at ``samples`` uniform points of the cube.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.bounds.counts import hanin_rolnick_volume
    >>> net = polyreg.random_network([2, 8, 8, 1], seed=0)
    >>> hr = hanin_rolnick_volume(net, np.zeros(2), 1.0, bias_std=0.5)
    >>> hr.exact > 0 and hr.prediction > 0
    True
    """
    from ..domains import Box

    center = np.asarray(center, float)
    d = center.size
    box = Box(center - side / 2, center + side / 2)
    n = len(enumerate_regions(net, box, method=method, tol=tol, progress=False))
    rng = np.random.default_rng(seed)
    pts = center + side * (rng.random((samples, d)) - 0.5)
    c_grad, _, _ = _c_grad(net, pts)
    c_bias = 1.0 / (bias_std * np.sqrt(2 * np.pi))
    T, N = c_grad * c_bias, net.n_hidden
    pred = (T * N) ** d / float(np.prod(np.arange(1, d + 1)))
    return DensityCheck(
        float(n / side**d), None, float(pred), c_grad, float(c_bias),
        {"regions": n, "side": side, "volume": side**d, "neurons": N, "dimension": d},
    )
