"""Margins: how far a point can move before its activation pattern, or its affine map, changes.

Three quantities, from cheapest to most expensive:

* :func:`margin` -- the closed form of docs/theory.md §1 (Lee et al. 2019, "Towards Robust, Locally
  Linear Deep Networks"): the exact L_p distance from ``x`` to the boundary of its *activation*
  region, with the neuron attaining it, a directional margin and the cut by a domain.
* :func:`lp_distance_to_boundary` -- the same distance by solving, for each facet hyperplane of
  the region, ``min ||y - x||_p`` over the region's polytope restricted to that hyperplane
  (independent check of the closed form).
* :func:`linear_region_margin` -- the exact distance to the boundary of the *linear* region
  (activation regions with the same affine output map merged), from enumerations in growing
  balls. It is ``>=`` the activation margin.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from ..api import enumerate_regions
from ..domains import Ball, Domain
from ..solvers import SolveCounter, nearest_point
from ..network import Network
from ..regions import pattern_hex
from ..tolerances import DEFAULT, Tolerances
from ._util import (
    check_point,
    domain_distance,
    exact_preactivations,
    dual_norm,
    nonconstant,
    norm_name,
    parse_norm,
    region_polytope,
    same_map,
)


def _finite(value: float | None) -> float | None:
    """JSON-ready number: None for an infinite or missing value."""
    if value is None or not np.isfinite(value):
        return None
    return float(value)


@dataclass(frozen=True)
class MarginResult:
    """Answer of :func:`margin`.

    Attributes
    ----------
    margin : float
        ``eps_p(x)``: radius of the largest open L_p ball around ``x`` inside its activation
        region (``inf`` when no neuron can change sign there; 0 on a boundary).
    norm : str
        ``"1"``, ``"2"`` or ``"inf"``.
    neuron : int or None
        Pattern index of the neuron attaining the margin (None when the margin is infinite).
    neuron_name : str or None
        The same as ``"layer:unit"`` (:meth:`Network.neuron_name`).
    pattern : str
        Hex pattern of ``x`` (:func:`polyreg.regions.pattern_hex`).
    point : ndarray or None, shape (d,)
        A nearest point of the attaining hyperplane, at distance ``margin`` from ``x``.
    direction : ndarray or None, shape (d,)
        The direction given, scaled to unit L_p norm.
    directional_margin : float or None
        Distance along ``direction`` to the first neuron that changes sign (``inf`` when none).
    directional_neuron : int or None
        The neuron met first along ``direction``.
    domain_margin : float or None
        L_p distance from ``x`` to the domain's boundary (only with a domain).
    cut_margin : float or None
        ``min(margin, domain_margin)``: the largest L_p ball around ``x`` inside
        region ∩ domain.
    """

    margin: float
    norm: str
    neuron: int | None
    neuron_name: str | None
    pattern: str
    point: np.ndarray | None = field(default=None, repr=False)
    direction: np.ndarray | None = field(default=None, repr=False)
    directional_margin: float | None = None
    directional_neuron: int | None = None
    domain_margin: float | None = None
    cut_margin: float | None = None

    def to_dict(self) -> dict:
        """JSON-ready data (infinite values become ``None``)."""
        return {
            "margin": _finite(self.margin),
            "norm": self.norm,
            "neuron": self.neuron,
            "neuron_name": self.neuron_name,
            "pattern": self.pattern,
            "point": None if self.point is None else self.point.tolist(),
            "directional_margin": _finite(self.directional_margin),
            "directional_neuron": self.directional_neuron,
            "domain_margin": _finite(self.domain_margin),
            "cut_margin": _finite(self.cut_margin),
        }


def _foot(g: np.ndarray, p: float) -> np.ndarray:
    """A vector ``w`` with ``g . w = 1`` and ``||w||_p = 1 / ||g||_q`` (the L_p-shortest)."""
    if p == 2:
        return g / float(g @ g)
    if p == np.inf:
        return np.sign(g) / float(np.abs(g).sum())
    i = int(np.argmax(np.abs(g)))
    w = np.zeros_like(g)
    w[i] = 1.0 / g[i]
    return w


def margin(
    net: Network,
    x: ArrayLike,
    norm: int | float | str = 2,
    direction: ArrayLike | None = None,
    domain: Domain | None = None,
    *,
    tol: Tolerances = DEFAULT,
) -> MarginResult:
    """Exact L_p distance from ``x`` to the boundary of its activation region (closed form).

    ``eps_p(x) = min_k |z_k(x)| / ||g_k||_q`` over the hidden neurons whose pre-activation
    ``z_k = g_k . y + c_k`` is not constant on the region (``1/p + 1/q = 1``).

    Parameters
    ----------
    net : Network
    x : ndarray, shape (d,)
    norm : 1, 2 or "inf"
    direction : ndarray, shape (d,), optional
        Also report the distance along this direction (scaled to unit L_p norm) to the first
        sign change: ``min over k with s_k (g_k . u) < 0 of |z_k| / |g_k . u|``, ``s_k = +1`` for
        an on neuron and ``-1`` for an off one.
    domain : Domain, optional
        Also report the L_p distance from ``x`` to the domain's boundary and the smaller of the
        two (the largest ball inside region ∩ domain).
    tol : Tolerances
        ``tol.gradient`` decides which gradients are zero (the engines' rule).

    Returns
    -------
    MarginResult

    Raises
    ------
    ValueError
        ``x`` or ``direction`` malformed, ``norm`` not 1, 2 or inf, ``x`` outside ``domain``.

    Notes
    -----
    Exactness: the region is the polytope ``{y : s_k z_k(y) >= 0}``; for ``x`` inside it, the
    distance to its complement (a union of open half-spaces) is the least distance to one of
    them, ``|z_k(x)| / ||g_k||_q``. A redundant row's half-space lies beyond the polytope's
    boundary, so it never attains a smaller value. Rules (docs/theory.md §1): a neuron with
    ``g_k = 0`` never changes sign on the region and does not count, even when ``z_k(x) = 0``;
    ``z_k(x) = 0`` with ``g_k != 0`` gives margin 0 (``x`` is on a boundary). The pattern of ``x``
    uses the ``z > 0`` convention. Cost: one masked forward pass of ``d + 1`` points,
    ``O(d sum n_l n_{l-1})``. A pre-activation at ``x`` within float64's rounding of 0 (``x`` on
    or within about 1e-14 of a neuron's hyperplane) makes the pattern a decision float64
    cannot make: it is taken from the exact rational forward pass
    (:func:`polyreg.exact.forward_exact`; ``tol.exact``: ``"always"`` always, ``"never"``
    never).

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.bounds import margin
    >>> net = polyreg.Network.from_layers([([[1.0, 0.0], [0.0, 2.0]], [0.0, -1.0]),
    ...                                    ([[1.0, 1.0]], [0.0])])
    >>> r = margin(net, np.array([0.3, 0.0]), norm=2)
    >>> round(r.margin, 6), r.neuron_name
    (0.3, '1:0')
    >>> round(margin(net, np.array([0.3, 0.0]), direction=np.array([0.0, 1.0])).directional_margin, 6)
    0.5
    """
    p = parse_norm(norm)
    q = dual_norm(p)
    x = check_point(net, x)
    exact_z = exact_preactivations(net, x, tol)
    if exact_z is None:
        pattern = net.pattern(x)
        z = np.concatenate(net.preactivations(x))
    else:  # a sign within float64's rounding of 0: the pattern in rational arithmetic
        hidden = [v for layer in exact_z[:-1] for v in layer]
        pattern = np.array([v > 0 for v in hidden], dtype=bool)
        z = np.array([float(v) for v in hidden])
    maps = net.local_maps(pattern)
    live = nonconstant(net, maps, tol)
    gq = np.linalg.norm(maps.G, ord=q, axis=1)
    dist = np.full(net.n_hidden, np.inf)
    dist[live] = np.abs(z[live]) / gq[live]
    if live.any():
        k = int(np.argmin(dist))
        eps = float(dist[k])
        point = x - z[k] * _foot(maps.G[k], p)
        neuron, name = k, net.neuron_name(k)
    else:
        eps, point, neuron, name = np.inf, None, None, None
    u = dmargin = dneuron = None
    if direction is not None:
        u = check_point(net, direction, "direction")
        length = float(np.linalg.norm(u, ord=p))
        if length == 0:
            raise ValueError("direction is the zero vector")
        u = u / length
        rate = maps.G @ u
        s = np.where(pattern, 1.0, -1.0)
        toward = live & (s * rate < 0)
        along = np.full(net.n_hidden, np.inf)
        along[toward] = np.abs(z[toward]) / np.abs(rate[toward])
        dmargin = float(along.min()) if toward.any() else np.inf
        dneuron = int(np.argmin(along)) if toward.any() else None
    dom_margin = cut = None
    if domain is not None:
        domain = domain.for_inputs(net.n_inputs)
        dom_margin = domain_distance(x, domain, p)
        cut = min(eps, dom_margin)
    return MarginResult(
        eps, norm_name(p), neuron, name, pattern_hex(pattern), point, u, dmargin, dneuron,
        dom_margin, cut,
    )


@dataclass(frozen=True)
class BoundaryDistance:
    """Answer of :func:`lp_distance_to_boundary`.

    Attributes
    ----------
    distance : float
        ``min_k`` of the L_p distance from ``x`` to (region polytope ∩ hyperplane k).
    neuron : int or None
        Row attaining it (pattern index).
    point : ndarray or None
        The nearest boundary point found.
    solves : int
        LPs / QPs solved.
    """

    distance: float
    neuron: int | None
    point: np.ndarray | None = field(repr=False)
    solves: int


def lp_distance_to_boundary(
    net: Network,
    x: np.ndarray,
    norm: int | float | str = 2,
    *,
    prune: bool = True,
    tol: Tolerances = DEFAULT,
) -> BoundaryDistance:
    """L_p distance from ``x`` to the boundary of its region's polytope, by solving.

    For each constraint row ``k`` of the region polytope ``P`` (see
    :func:`polyreg.bounds._util.region_polytope`), solve ``min ||y - x||_p`` s.t. ``y in P``,
    row ``k`` tight (an LP for p = 1, inf; a QP for p = 2, through
    :func:`polyreg.solvers.nearest_point`). The boundary of ``P`` is the union of the
    ``P ∩ H_k``, so the least answer is the distance to the boundary.

    Parameters
    ----------
    prune : bool
        Visit rows by increasing hyperplane distance and stop once it reaches the best facet
        distance found (the hyperplane distance is a lower bound of the facet distance). With
        False every row is solved.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.bounds import lp_distance_to_boundary
    >>> net = polyreg.Network.from_layers([([[1.0, 0.0], [0.0, 2.0]], [0.0, -1.0]),
    ...                                    ([[1.0, 1.0]], [0.0])])
    >>> round(lp_distance_to_boundary(net, np.array([0.3, 0.0]), "inf").distance, 6)
    0.3
    """
    p = parse_norm(norm)
    q = dual_norm(p)
    x = check_point(net, x)
    A, b, neurons = region_polytope(net, net.pattern(x), tol)
    counter = SolveCounter()
    if A.shape[0] == 0:
        return BoundaryDistance(np.inf, None, None, 0)
    hyper = np.maximum(b - A @ x, 0.0) / np.linalg.norm(A, ord=q, axis=1)
    best, best_k, best_y = np.inf, None, None
    for i in np.argsort(hyper, kind="stable"):
        if prune and hyper[i] >= best:
            break
        res = nearest_point(
            A, b, x, p, tol, counter, A_eq=A[i : i + 1], b_eq=b[i : i + 1],
            what=f"distance to the facet of neuron {net.neuron_name(int(neurons[i]))}",
        )
        if res.feasible and res.distance < best:
            best, best_k, best_y = res.distance, int(neurons[i]), res.point
    return BoundaryDistance(best, best_k, best_y, counter.total)


@dataclass(frozen=True)
class LinearMarginResult:
    """Answer of :func:`linear_region_margin`.

    Attributes
    ----------
    margin : float
        Distance from ``x`` to the nearest activation region with another affine output map
        (``inf`` when none was found within ``max_radius``; then ``exact`` is False).
    activation_margin : float
        :func:`margin` at ``x`` (a lower bound of ``margin``).
    norm : str
    exact : bool
        True when ``margin`` is certified; False when the search stopped at ``max_radius``
        (``margin`` is then only known to be ``>= ball_radius``).
    ball_radius : float
        Radius of the last ball enumerated.
    regions : int
        Activation regions in that ball.
    merged : int
        Of those, regions sharing ``x``'s affine map.
    point : ndarray or None
        A nearest point of a region with another map.
    pattern : str or None
        That region's pattern (hex).
    solves : int
        Distance LPs / QPs solved (enumeration solves not included).
    """

    margin: float
    activation_margin: float
    norm: str
    exact: bool
    ball_radius: float
    regions: int
    merged: int
    point: np.ndarray | None = field(repr=False)
    pattern: str | None
    solves: int

    def to_dict(self) -> dict:
        """JSON-ready data (infinite values become ``None``)."""
        return {
            "linear_margin": _finite(self.margin),
            "activation_margin": _finite(self.activation_margin),
            "exact": self.exact,
            "ball_radius": self.ball_radius,
            "regions": self.regions,
            "merged": self.merged,
            "point": None if self.point is None else self.point.tolist(),
            "pattern": self.pattern,
        }


def linear_region_margin(
    net: Network,
    x: np.ndarray,
    norm: int | float | str = 2,
    *,
    initial_radius: float | None = None,
    max_radius: float | None = None,
    tol: Tolerances = DEFAULT,
) -> LinearMarginResult:
    """Exact L_p distance from ``x`` to the boundary of its *linear* region.

    Definition. Let ``A_x`` be the affine output map of ``x``'s activation region (its
    ``z > 0`` pattern). The linear region ``L(x)`` is the union of the closures of the
    activation regions connected to ``x``'s region through shared facets between regions with
    the map ``A_x`` (neighbouring activation regions with equal maps merged). The *linear-region
    margin* is the largest ``r`` with the open ball ``B_p(x, r)`` inside ``L(x)``. Equivalently
    (below), it is ``min ||y - x||_p`` over the closures of the activation regions whose map
    differs from ``A_x``, and the largest ``r`` such that the network is one affine map on
    ``B_p(x, r)``.

    Equivalence: an activation region meeting the open ball ``B`` meets it in an open set,
    where it agrees with ``f``; if ``B`` lies in ``L(x)`` every such region is one of ``L(x)``'s,
    and if every region meeting ``B`` has the map ``A_x`` they are facet-connected inside the
    convex ``B`` (the adjacency graph of a convex set is connected) and so all lie in
    ``L(x)``. Hence the margin is the distance to the nearest region with another map.

    Algorithm. Enumerate the regions in the ball ``B_p(x, r)`` (starting at ``r = 2 eps_p(x)``);
    for each region whose map differs from ``A_x`` (equality up to ``1e-9`` relative), solve the
    distance from ``x`` to its closed polytope (:func:`polyreg.solvers.nearest_point`). A region at
    distance ``< r`` has interior points in the open ball and is enumerated, so when the least
    distance is ``<= r`` it is the answer; otherwise double ``r`` (up to ``max_radius``).

    Parameters
    ----------
    net : Network
    x : ndarray, shape (d,)
    norm : 1, 2 or "inf"
    initial_radius : float, optional
        First ball radius (default ``2 eps_p(x)``, or ``1e-3 (1 + ||x||_p)`` on a boundary).
    max_radius : float, optional
        Largest ball tried (default ``1024`` times the first radius).
    tol : Tolerances

    Returns
    -------
    LinearMarginResult
        ``margin >= activation_margin`` always.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.bounds import linear_region_margin
    >>> # relu(x) + relu(x - 1) - relu(x - 1): the neuron at x = 1 changes no output
    >>> net = polyreg.Network.from_layers([([[1.0], [1.0], [1.0]], [0.0, -1.0, -1.0]),
    ...                                    ([[1.0, 1.0, -1.0]], [0.0])])
    >>> r = linear_region_margin(net, np.array([0.5]), 2)
    >>> round(r.activation_margin, 6), round(r.margin, 6)
    (0.5, 0.5)
    >>> round(linear_region_margin(net, np.array([1.5]), 2).margin, 6)
    1.5
    """
    p = parse_norm(norm)
    x = check_point(net, x)
    act = margin(net, x, p, tol=tol)
    maps = net.local_maps(net.pattern(x))
    if act.neuron is None:  # no neuron can change sign: one region, the whole space
        return LinearMarginResult(np.inf, np.inf, norm_name(p), True, 0.0, 1, 1, None, None, 0)
    if initial_radius is None:
        scale = 1.0 + float(np.linalg.norm(x, ord=p))
        r = 2.0 * act.margin if act.margin > 0 else 1e-3 * scale
    else:
        r = float(initial_radius)
        if not (np.isfinite(r) and r > 0):
            raise ValueError(f"initial_radius must be a positive number, got {initial_radius!r}")
    r_max = 1024.0 * r if max_radius is None else float(max_radius)
    counter = SolveCounter()
    while True:
        rs = enumerate_regions(net, Ball(x, r, norm=p), tol=tol, progress=False)
        best, best_y, best_hex, merged = np.inf, None, None, 0
        for region in rs:
            if same_map(maps.out_W, maps.out_b, region.out_W, region.out_b):
                merged += 1
                continue
            A, b, _ = region_polytope(net, region.pattern, tol)
            res = nearest_point(A, b, x, p, tol, counter, what="distance to a region")
            if res.feasible and res.distance < best:
                best, best_y, best_hex = res.distance, res.point, region.hex
        if best <= r:
            return LinearMarginResult(
                best, act.margin, norm_name(p), True, r, len(rs), merged, best_y, best_hex,
                counter.total,
            )
        if r >= r_max:
            return LinearMarginResult(
                np.inf, act.margin, norm_name(p), False, r, len(rs), merged, None, None,
                counter.total,
            )
        r = min(2.0 * r, r_max)
