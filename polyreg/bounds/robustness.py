"""Exact robustness radius: the L_p distance from ``x`` to the nearest point where the predicted
class changes (GeoCert, Jordan et al. 2019, computed by region enumeration), and cheap upper
bounds on it from adversarial points (random rays, DeepFool-like steps).

The predicted class is ``argmax f(x)`` (first index on ties); a network with one output is a
binary classifier, class 1 when ``f(x) > 0``.

The mathematics, with its papers: docs/theory.md §7.

Exactness. Each "nearest point of another class in a region" problem is solved in float64 first
(HiGHS for L1 / L-inf, Clarabel for L2). Its answer is in doubt when the solver's point violates
a unit row by more than ``Tolerances.zero`` times that scale, when the solver calls the set empty but its
feasibility margin (the largest ``t`` with every unit row satisfied with slack ``t``) is above
``-Tolerances.radius`` times the scale ``max(1, r)`` (``r``: the enumerated ball's radius, a
length invariant under translation), when the solver fails, or when
the distance that decides "nearer than the ball's radius" lies within that window of it. Those
cases (every case with ``Tolerances(exact="always")``; none, with a :class:`ToleranceError`,
with ``exact="never"``) are decided in rational arithmetic on the region's exact rows
(:func:`polyreg.exact.network_rows`, :func:`polyreg.exact.output_map_exact`): for L1 and L-inf
the distance LP by :func:`polyreg.exact.linear_program` (primal and dual feasibility checked
exactly, or a Farkas certificate of emptiness); for L2 emptiness by the same LP and the squared
distance from the float nearest point's active rows checked by the KKT conditions
(:func:`polyreg.exact.nearest_sq_distance`). Left to :class:`ToleranceError`: an L2 problem whose
float active set does not check out (the nearest point of a sliver float64 calls empty, or a
degenerate active set), and ties between two classes' distances within the window (the radius
is right; which class is named ``other`` is float64's choice).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..api import enumerate_regions
from ..budget import Budget
from ..domains import Ball
from ..errors import SolverFailed, ToleranceError
from ..solvers import NearestResult, SolveCounter, Status, nearest_point, solve_milp
from ..network import Network
from ..tolerances import DEFAULT, Tolerances
from ._util import (check_point, dual_norm, exact_preactivations, norm_name, parse_norm,
                    region_polytope)
from .margins import _finite, _foot, margin


def predicted_class(net: Network, points: np.ndarray) -> np.ndarray:
    """Class of each point: ``argmax f`` (first on ties), or ``f > 0`` for one output.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.bounds.robustness import predicted_class
    >>> net = polyreg.Network.from_layers([([[1.0]], [0.0]), ([[1.0]], [-1.0])])
    >>> predicted_class(net, np.array([[0.5], [2.0]])).tolist()
    [0, 1]
    """
    out = net.forward(np.asarray(points, dtype=np.float64))
    if net.n_outputs == 1:
        return (out[..., 0] > 0).astype(int)
    return np.argmax(out, axis=-1)


def _exact_label(net: Network, x: np.ndarray, tol: Tolerances) -> int:
    """:func:`predicted_class` of one point, from the exact rational forward pass when the
    two largest outputs (one output: the output and 0) lie within float64's rounding of each
    other (``x`` on a decision boundary: the radius is 0 and the class is the tie rule's)."""
    z = exact_preactivations(net, x, tol)
    if z is None:
        return int(predicted_class(net, x))
    out = z[-1]
    if len(out) == 1:
        return int(out[0] > 0)
    best = max(out)
    return next(i for i, v in enumerate(out) if v == best)


def _class_gaps(net: Network, label: int, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Affine functions ``h_j = H_W[j] . y + H_b[j]`` whose non-negativity means "not class
    ``label``" for the output map ``(W, b)`` (closure of the set where the class changes)."""
    if net.n_outputs == 1:
        sign = 1.0 if label == 0 else -1.0
        return sign * W, sign * b
    others = [j for j in range(net.n_outputs) if j != label]
    return W[others] - W[label], b[others] - b[label]


@dataclass(frozen=True)
class AdversarialResult:
    """Answer of :func:`adversarial_search`: an upper bound on the robustness radius.

    Attributes
    ----------
    distance : float
        ``||point - x||_p`` (``inf`` when no point of another class was found).
    point : ndarray or None
        A point whose predicted class differs from ``x``'s.
    label : int
        Class of ``x``.
    method : str or None
        ``"gradient"`` or ``"sampling"``: which search found ``point``.
    evaluations : int
        Forward passes spent.
    """

    distance: float
    point: np.ndarray | None = field(repr=False)
    label: int
    method: str | None
    evaluations: int


def _bisect(net: Network, x: np.ndarray, y: np.ndarray, label: int, steps: int = 60) -> np.ndarray:
    """A point of another class on the segment ``[x, y]`` (``y`` has another class), close to
    the first class change of the segment's last bracketing interval."""
    lo, hi = 0.0, 1.0
    for _ in range(steps):
        mid = (lo + hi) / 2
        if predicted_class(net, x + mid * (y - x)) == label:
            lo = mid
        else:
            hi = mid
    return x + hi * (y - x)


def adversarial_search(
    net: Network,
    x: np.ndarray,
    norm: int | float | str = 2,
    *,
    samples: int = 256,
    steps: int = 50,
    max_radius: float | None = None,
    seed: int = 0,
) -> AdversarialResult:
    """Points of another class near ``x``: upper bounds on the robustness radius.

    Two searches, the better answer kept: (1) DeepFool-like steps: in the current region, move
    to the nearest (L_p) zero of the linearised class gap (overshoot 2%), until the class
    changes, then bisect the segment from ``x``; (2) ``samples`` random rays from ``x``
    (directions of unit L_p norm; for L-inf sign vectors, for L1 also the coordinate axes),
    each scanned on a geometric grid up to ``max_radius`` and bisected at its first change.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.bounds import adversarial_search
    >>> net = polyreg.Network.from_layers([([[1.0]], [0.0]), ([[1.0]], [-1.0])])
    >>> round(adversarial_search(net, np.array([0.0]), 2).distance, 6)
    1.0
    """
    p = parse_norm(norm)
    x = check_point(net, x)
    label = int(predicted_class(net, x))
    rng = np.random.default_rng(seed)
    evals = 1
    best, best_y, how = np.inf, None, None
    # (1) region-wise linearised steps
    y = x.copy()
    for _ in range(steps):
        maps = net.local_maps(net.pattern(y))
        HW, Hb = _class_gaps(net, label, maps.out_W, maps.out_b)
        gq = np.linalg.norm(HW, ord=dual_norm(p), axis=1)
        gap = HW @ y + Hb
        ok = gq > 0
        if not ok.any():
            break
        dist = np.where(ok, np.maximum(-gap, 0.0) / np.where(ok, gq, 1.0), np.inf)
        j = int(np.argmin(dist))
        y = y + (-gap[j]) * _foot(HW[j], p) * 1.02 + 1e-12 * _foot(HW[j], p)
        evals += 1
        if predicted_class(net, y) != label:
            y = _bisect(net, x, y, label)
            evals += 60
            best, best_y, how = float(np.linalg.norm(y - x, ord=p)), y, "gradient"
            break
    # (2) random rays
    if samples > 0:
        d = x.size
        if p == np.inf:
            U = rng.choice([-1.0, 1.0], size=(samples, d))
        else:
            U = rng.normal(size=(samples, d))
            if p == 1:
                U = np.vstack([np.eye(d), -np.eye(d), U])[:samples]
        U /= np.linalg.norm(U, ord=p, axis=1, keepdims=True)
        top = best if np.isfinite(best) else (
            max_radius if max_radius is not None else 100.0 * (1.0 + float(np.linalg.norm(x, ord=p)))
        )
        ts = top * np.geomspace(1e-4, 1.0, 64)
        pts = x[None, None, :] + ts[None, :, None] * U[:, None, :]
        changed = predicted_class(net, pts) != label  # (samples, grid)
        evals += pts.shape[0] * pts.shape[1]
        for i in np.flatnonzero(changed.any(axis=1)):
            first = int(np.argmax(changed[i]))
            if ts[first] >= best:
                continue
            start = x + (ts[first - 1] if first else 0.0) * U[i]
            z = _bisect(net, start, x + ts[first] * U[i], label)
            evals += 60
            dist_z = float(np.linalg.norm(z - x, ord=p))
            if dist_z < best:
                best, best_y, how = dist_z, z, "sampling"
    return AdversarialResult(best, best_y, label, how, evals)


@dataclass(frozen=True)
class RobustnessResult:
    """Answer of :func:`robustness_radius`.

    Attributes
    ----------
    radius : float
        Exact L_p distance from ``x`` to the closed set where the class is not ``label``
        (``inf`` with ``exact=False`` when nothing was found within ``max_radius``).
    lower_bound : float
        Certified: the exact radius is ``>= lower_bound``. Equal to ``radius`` when ``exact``;
        otherwise the radius of the largest ball enumerated without finding another class
        (``max_radius`` when the cap was reached).
    point : ndarray or None
        A nearest such point (on the decision boundary: some gap ``h_j`` is 0 there).
    label : int
        Class of ``x``.
    other : int or None
        A class that ties or wins at ``point``.
    norm : str
    exact : bool
    upper_bound : float
        Distance of the best adversarial point of :func:`adversarial_search`.
    ball_radius : float
        Radius of the (last) enumerated ball.
    regions : int
        Regions in that ball.
    solves : int
        LPs / QPs of the per-region problems.
    complete : bool
        False when a budget (``max_regions``, ``time_limit``) stopped an enumeration: then
        ``exact`` is False, ``point`` is the nearest point of another class found (at
        ``upper_bound``, possibly from the enumerated regions) and ``lower_bound`` the largest
        ball searched completely.
    stopped : str or None
        ``"max_regions"`` or ``"time_limit"`` when a budget stopped it.
    exact_decisions, exact_seconds : int, float
        Per-region problems decided in rational arithmetic (float64 in doubt, or
        ``Tolerances(exact="always")``) and their seconds.
    """

    radius: float
    point: np.ndarray | None = field(repr=False)
    label: int
    other: int | None
    norm: str
    exact: bool
    upper_bound: float
    ball_radius: float
    regions: int
    solves: int
    lower_bound: float = 0.0
    complete: bool = True
    stopped: str | None = None
    exact_decisions: int = 0
    exact_seconds: float = 0.0

    def to_dict(self) -> dict:
        """JSON-ready data (infinite values become ``None``)."""
        return {
            "radius": _finite(self.radius),
            "lower_bound": _finite(self.lower_bound),
            "point": None if self.point is None else self.point.tolist(),
            "label": self.label,
            "other": self.other,
            "norm": self.norm,
            "exact": self.exact,
            "upper_bound": _finite(self.upper_bound),
            "ball_radius": self.ball_radius,
            "regions": self.regions,
            "solves": self.solves,
            "complete": self.complete,
            "exact_decisions": self.exact_decisions,
            "exact_seconds": self.exact_seconds,
            **({} if self.stopped is None else {"stopped": self.stopped}),
        }


def _other(net: Network, label: int, j: int | None) -> int:
    """The class whose gap ``j`` (:func:`_class_gaps`) was reached."""
    if net.n_outputs == 1:
        return 1 - label
    return [k for k in range(net.n_outputs) if k != label][j or 0]


def robustness_radius(
    net: Network,
    x: ArrayLike,
    norm: int | float | str = 2,
    *,
    search: bool = True,
    max_radius: float | None = None,
    seed: int = 0,
    tol: Tolerances = DEFAULT,
    progress: bool = False,
    max_regions: int | None = None,
    time_limit: float | None = None,
) -> RobustnessResult:
    """Exact L_p robustness radius of ``x`` (p = 1, 2, inf) and a nearest point of another class.

    ``radius = min ||y - x||_p`` over ``S``, the closure of the set where the predicted class is
    not ``c = class(x)``: ``S = U_{j != c} {f_j >= f_c}`` (one output: ``{f <= 0}`` or ``{f >= 0}``).

    Algorithm (walking regions outward from ``x``). An adversarial search gives an upper bound
    ``u``. Every region whose closure holds a point of ``S`` at distance ``< r`` has interior
    points in the open ball ``B_p(x, r)``, so it is among the regions that
    :func:`polyreg.enumerate_regions` finds in ``Ball(x, r)``. In each such region ``R`` the
    output is one affine map, so ``S ∩ R`` is a union of polytopes and, for every ``j != c``,
    ``min ||y - x||_p`` s.t. ``y in R``, ``h_j(y) >= 0`` is an LP (p = 1, inf) or a QP (p = 2)
    (:func:`polyreg.solvers.nearest_point`). Regions and classes whose gap cannot reach 0 on the ball
    (``h_j(x) + r ||grad h_j||_q < 0``) are skipped. With ``r`` slightly above ``u`` one
    enumeration suffices; without an upper bound, ``r`` doubles from ``2 eps_p(x)`` up to
    ``max_radius``. ``max_radius`` is a cap on the enumerated ball even when the adversarial
    bound lies beyond it: then the answer is ``exact=False`` with the certified
    ``lower_bound = max_radius`` (no other class within the cap) and the adversarial
    ``upper_bound``.

    Parameters
    ----------
    net : Network
    x : ndarray, shape (d,)
    norm : 1, 2 or "inf"
    search : bool
        Run :func:`adversarial_search` first (recommended; without it the balls grow blindly).
    max_radius : float, optional
        Largest ball to enumerate, a hard cap (default: ``1024`` times the first radius).
    seed : int
    tol : Tolerances
    progress : bool
        Print the adversarial upper bound and each enumerated radius to stderr as soon as
        they are known.
    max_regions, time_limit : optional
        Budget (:mod:`polyreg.budget`): at most ``max_regions`` regions per enumerated ball,
        ``time_limit`` seconds for all of them. When it stops an enumeration the answer is
        ``exact=False``, ``complete=False`` with ``stopped``: ``lower_bound`` is the largest
        ball searched completely without a class change (0 if none) and ``upper_bound`` the
        nearest point of another class found (adversarial search or enumerated regions).

    Returns
    -------
    RobustnessResult
        ``radius <= upper_bound`` (up to solver accuracy).

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.bounds import robustness_radius
    >>> # f = relu(x) - 1 changes sign at x = 1
    >>> net = polyreg.Network.from_layers([([[1.0]], [0.0]), ([[1.0]], [-1.0])])
    >>> r = robustness_radius(net, np.array([0.25]), 2)
    >>> round(r.radius, 6), r.label, r.other
    (0.75, 0, 1)
    """
    p = parse_norm(norm)
    q = dual_norm(p)
    x = check_point(net, x)
    label = _exact_label(net, x, tol)
    upper = (
        adversarial_search(net, x, p, seed=seed, max_radius=max_radius)
        if search else AdversarialResult(np.inf, None, label, None, 0)
    )
    if max_radius is not None and not (np.isfinite(max_radius) and max_radius > 0):
        raise ValueError(f"max_radius must be a positive finite number, got {max_radius!r}")
    if progress and np.isfinite(upper.distance):
        print(f"robustness: upper bound {upper.distance:.6g} ({upper.method} search)", file=sys.stderr)
    counter = SolveCounter()
    if np.isfinite(upper.distance):
        r = upper.distance * (1.0 + 1e-6) + 1e-12
    else:
        eps = margin(net, x, p, tol=tol).margin
        scale = 1.0 + float(np.linalg.norm(x, ord=p))
        r = 2.0 * eps if 0 < eps < np.inf else 1e-3 * scale
    if max_radius is None:
        r_max = 1024.0 * r
    else:
        r_max = float(max_radius)
        r = min(r, r_max)
    budget = Budget.make(max_regions, time_limit)
    searched = 0.0  # the largest ball enumerated completely without a class change
    while True:
        if progress:
            print(f"robustness: enumerating the ball of radius {r:.6g}", file=sys.stderr)
        limits: dict = {}
        if budget is not None:
            limits = {"max_regions": max_regions}
            if budget.time_limit is not None:
                limits["time_limit"] = max(budget.time_limit - (time.monotonic() - budget.t0),
                                           1e-3)
        rs = enumerate_regions(net, Ball(x, r, norm=p), tol=tol, progress=False, **limits)
        best, best_y, best_j = np.inf, None, None
        best_prob: _Problem = None  # type: ignore[assignment]
        best_exact = None
        best_res: NearestResult | None = None
        for region in rs:
            HW, Hb = _class_gaps(net, label, region.out_W, region.out_b)
            reach = HW @ x + Hb + min(r, best) * np.linalg.norm(HW, ord=q, axis=1)
            candidates = np.flatnonzero(reach >= 0)
            if candidates.size == 0:
                continue
            A, b, neurons = region_polytope(net, region.pattern, tol)
            for j in candidates:
                prob = _Problem(net, region.pattern, neurons, label, int(j), x, p, r, tol)
                res, exact_d = prob.solve(np.vstack([A, -HW[j : j + 1]]),
                                          np.concatenate([b, Hb[j : j + 1]]), counter)
                if res.feasible and res.distance < best:
                    best, best_y, best_j = res.distance, res.point, int(j)
                    best_prob, best_exact, best_res = prob, exact_d, res
        if not rs.stats.get("complete", True):
            # regions not enumerated may hold a nearer point: bounds only
            if progress:
                print(f"robustness: stopped by the budget ({rs.stats.get('stopped')}) in the "
                      f"ball of radius {r:.6g}", file=sys.stderr)
            if best < upper.distance:
                near, dist, other = best_y, best, _other(net, label, best_j)
            else:
                near, dist, other = upper.point, upper.distance, None
                if near is not None:
                    other = int(predicted_class(net, near))
            return RobustnessResult(
                np.inf, near, label, other, norm_name(p), False, dist, r, len(rs),
                counter.total, lower_bound=searched, complete=False,
                stopped=rs.stats.get("stopped"), **_exact(counter),
            )
        if np.isfinite(best) and abs(best - r) <= tol.radius * best_prob.scale:
            # "nearer than the ball's radius" within float64's window: decide it exactly
            if best_exact is None:
                if tol.exact == "never":
                    raise ToleranceError(
                        f"robustness: the distance {best:.17g} of the nearest point of another "
                        f"class lies within the tolerance radius={tol.radius:g} of the "
                        f"enumerated ball's radius {r:.17g}; pass Tolerances(exact='auto') to "
                        "decide it in rational arithmetic")
                best_exact = best_prob.decide(best_res, counter)[1]
            inside = best_exact is not None and best_exact <= best_prob.ball_q(r)
        else:
            inside = best <= r
        if inside:
            other = _other(net, label, best_j)
            return RobustnessResult(
                best, best_y, label, other, norm_name(p), True, upper.distance, r, len(rs),
                counter.total, lower_bound=best, **_exact(counter),
            )
        if r >= r_max:
            # every point of another class within distance r would lie in an enumerated region
            return RobustnessResult(
                np.inf, None, label, None, norm_name(p), False, upper.distance, r, len(rs),
                counter.total, lower_bound=r, **_exact(counter),
            )
        searched = r
        r = min(2.0 * r, r_max)


def _exact(counter: SolveCounter) -> dict:
    return {"exact_decisions": counter.exact, "exact_seconds": counter.exact_seconds}


class _Problem:
    """One "nearest point of class ``other(j)`` in a region" problem: float64 first, rational
    arithmetic where float64 is in doubt (see the module's docstring)."""

    def __init__(self, net: Network, pattern: np.ndarray, neurons: np.ndarray, label: int,
                 j: int, x: np.ndarray, p: float, r: float, tol: Tolerances) -> None:
        self.net, self.pattern, self.neurons = net, pattern, neurons
        self.label, self.j, self.x, self.p, self.tol = label, j, x, p, tol
        self.scale = max(1.0, r)  # the ball's radius: invariant under translation

    def ball_q(self, r: float) -> Any:
        """The ball's radius on the scale of the exact distance (squared for L2)."""
        from ..exact import q

        return q(r) ** 2 if self.p == 2 else q(r)

    def solve(self, A: np.ndarray, b: np.ndarray, counter: SolveCounter
              ) -> tuple[NearestResult, Any]:
        """The answer and, when decided exactly, the exact distance (squared for L2)."""
        tol = self.tol
        what = "nearest point of another class in a region"
        try:
            res: NearestResult | None = nearest_point(A, b, self.x, self.p, tol, counter, what=what)
        except SolverFailed as exc:
            if tol.exact == "never":
                raise ToleranceError(f"robustness: the {what} is undecided in float64 ({exc}); "
                                     "pass Tolerances(exact='auto') to decide it in rational "
                                     "arithmetic") from exc
            res = None
        if tol.exact != "always" and res is not None and not self._doubt(res, A, b, counter):
            return res, None
        if tol.exact == "never":
            raise ToleranceError(
                f"robustness: the {what} is in doubt in float64 (a feasibility margin or a "
                f"violation between the tolerances zero={tol.zero:g} and radius={tol.radius:g}); "
                "pass Tolerances(exact='auto') to decide it in rational arithmetic"
            )
        return self.decide(res, counter)

    def _doubt(self, res: NearestResult, A: np.ndarray, b: np.ndarray,
               counter: SolveCounter) -> bool:
        nrm = np.linalg.norm(A, axis=1)
        ok = nrm > 0
        Au, bu = A[ok] / nrm[ok, None], b[ok] / nrm[ok]
        if res.feasible:  # the point's absolute violation (unit rows), on the ball's scale
            assert res.point is not None
            viol = float(np.max(Au @ res.point - bu, initial=0.0))
            return viol > self.tol.zero * self.scale
        # called empty: how far from feasible? (unit rows; max t with A y + t <= b, t <= 1)
        if np.any(b[~ok] < 0):
            return False  # a zero row that no point satisfies
        d = A.shape[1]
        counter.lp += 1
        M = np.hstack([Au, np.ones((Au.shape[0], 1))])
        lp = solve_milp(np.concatenate([np.zeros(d), [-1.0]]), M, np.full(Au.shape[0], -np.inf),
                        bu, np.full(d + 1, -np.inf), np.concatenate([np.full(d, np.inf), [1.0]]),
                        np.zeros(d + 1, dtype=bool), feasibility=self.tol.solver_feasibility,
                        what="LP feasibility margin of a nearest-point problem")
        if lp.status != Status.OPTIMAL or lp.x is None:
            return True
        return bool(lp.x[-1] > -self.tol.radius * self.scale)

    def decide(self, res: NearestResult | None, counter: SolveCounter
               ) -> tuple[NearestResult, Any]:
        """The problem decided in rationals (counted in ``counter.exact``)."""
        t0 = time.perf_counter()
        try:
            return self._decide(res)
        finally:
            counter.exact += 1
            counter.exact_seconds += time.perf_counter() - t0

    def _decide(self, res: NearestResult | None) -> tuple[NearestResult, Any]:
        from .. import exact as E

        net, p, x = self.net, self.p, self.x
        d = x.size
        signs = np.where(self.pattern[self.neurons], 1.0, -1.0)
        A, b = E.network_rows(net.weights, net.biases, net.negative_slope, self.pattern,
                              self.neurons, signs)
        W, c = E.output_map_exact(net.weights, net.biases, net.negative_slope, self.pattern)
        if net.n_outputs == 1:
            h = W[0] if self.label == 0 else [-v for v in W[0]]
            h0 = c[0] if self.label == 0 else -c[0]
        else:
            k = [i for i in range(net.n_outputs) if i != self.label][self.j]
            h = [a - bb for a, bb in zip(W[k], W[self.label], strict=True)]
            h0 = c[k] - c[self.label]
        A = [*A, [-v for v in h]]
        b = [*b, h0]
        xq = E.q_vec(x)
        zero, one = E.q(0.0), E.q(1.0)
        # the distance LP (L-inf; L1; for L2 the L-inf LP decides emptiness)
        n_aux = d if p == 1 else 1
        M: list[list] = [list(row) + [zero] * n_aux for row in A]
        m = list(b)
        for i in range(d):
            e = [one if k == i else zero for k in range(d)]
            aux = [-one if (n_aux == 1 or k == i) else zero for k in range(n_aux)]
            M.append(e + aux)
            m.append(xq[i])
            M.append([-v for v in e] + aux)
            m.append(-xq[i])
        cost = [zero] * d + [one] * n_aux
        active: list[int] = []
        if res is not None and res.feasible and p != 2:
            w = res.point - x
            zf = np.concatenate([res.point, np.abs(w) if p == 1 else [np.abs(w).max(initial=0.0)]])
            Mf = np.array([[float(v) for v in row] for row in M])
            mf = np.array([float(v) for v in m])
            slack = (mf - Mf @ zf) / (1.0 + np.abs(mf))
            order = np.argsort(slack)
            active = [int(i) for i in order if slack[i] <= 1e-7]
        lp = E.linear_program(cost, M, m, active=active)
        if not lp.feasible or lp.point is None:
            return NearestResult(False, None, np.inf), None
        if p != 2:
            point = E.to_float(lp.point[:d])
            return NearestResult(True, point, float(lp.value)), lp.value  # type: ignore[arg-type]
        # L2: the squared distance from an active set, checked by the KKT conditions
        guesses = []
        for pt in ([res.point] if res is not None and res.feasible else []) + [
                E.to_float(lp.point[:d])]:
            Af = np.array([[float(v) for v in row] for row in A])
            bf = np.array([float(v) for v in b])
            slack = (bf - Af @ pt) / (1.0 + np.abs(bf))
            for thr in (1e-9, 1e-7, 1e-5):
                guesses.append([int(i) for i in np.argsort(slack) if slack[i] <= thr])
        for act in guesses:
            y = E.nearest_point_exact(A, b, [], [], xq, act)
            if y is not None:
                sq = sum(((yv - xv) ** 2 for yv, xv in zip(y, xq, strict=True)), zero)
                return NearestResult(True, E.to_float(y), float(np.sqrt(float(sq)))), sq
        raise ToleranceError(
            "robustness (L2): the nearest point of another class in a region could not be "
            "decided in rational arithmetic (no active set from float64 checks out)"
        )
