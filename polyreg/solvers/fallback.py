"""The rational fallback of :func:`~polyreg.solvers.inscribed_ball`: where float64 cannot decide
whether a set is full-dimensional, :func:`exact_ball` decides it in rational arithmetic
(:mod:`polyreg.exact`), also inside L2 and L1 balls as far as rationals can."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..domains import Ball, Domain
from ..errors import ToleranceError
from ..tolerances import Tolerances
from .frame import WHOLE_CAP, domain_margin
from .nearest import nearest_point
from .status import BallResult, SolveCounter

if TYPE_CHECKING:
    from ..exact import RowsFn


def exact_ball(
    A: np.ndarray,
    b: np.ndarray,
    keep: np.ndarray,
    on_row: int | None,
    domain: Domain,
    tol: Tolerances,
    counter: SolveCounter,
    what: str,
    rows: RowsFn | None,
    hint: np.ndarray | None,
    active: Sequence[int],
) -> BallResult:
    """The decision of :func:`~polyreg.solvers.inscribed_ball` in rational arithmetic
    (:mod:`polyreg.exact`).

    Polyhedral domains (their rows among ``A``) and the whole space: exact. The L2 ball: the
    polyhedral part's relative interior exactly, then the squared distance from the ball's
    centre to it exactly from the active set of a float nearest point (Clarabel); when that
    active set fails the KKT check, :class:`ToleranceError`. A row-less L1 ball (dimension
    above ``Ball.L1_ROWS_MAX_DIM``): only a certificate of interior (the float point, checked
    exactly); otherwise :class:`ToleranceError`. The returned centre is an exact interior
    point rounded to float64 (it may lie within rounding of the boundary of a set thinner
    than the tolerances), its radius the float estimate of that point's inscribed radius.
    """
    from .. import exact as ex

    t0 = time.perf_counter()
    counter.exact += 1
    try:
        Aq, bq = rows() if rows is not None else (ex.q_mat(A), ex.q_vec(b))
        if on_row is not None and len(Aq) != A.shape[0]:
            raise ValueError(
                f"exact rows for {what}: {len(Aq)} rows, the float rows {A.shape[0]}")
        if on_row is None:
            idx = list(range(len(Aq)))
            pos = {int(i): int(i) for i in active}
            E, f = [], []
        else:
            idx = [int(i) for i in np.flatnonzero(keep)]
            pos = {int(i): n for n, i in enumerate(idx)}
            E, f = [Aq[on_row]], [bq[on_row]]
        Ak, bk = [Aq[i] for i in idx], [bq[i] for i in idx]
        act = [pos[int(i)] for i in active if int(i) in pos]
        res = ex.interior(Ak, bk, E, f, hint=hint, active=act)
        if not res.full or res.point is None:
            return BallResult(False, None, -np.inf)
        point = res.point
        if isinstance(domain, Ball) and domain.rows() is None:
            c = ex.q_vec(domain.center)
            r = ex.q(float(domain.radius))
            if domain.norm == 2:
                point = _exact_in_l2(ex, Ak, bk, E, f, point, hint, c, r, tol, counter, what)
            elif domain.norm == 1:
                inside = None if hint is None else _l1_inside(ex, Ak, bk, E, f, hint, c, r)
                if inside is None:
                    raise ToleranceError(
                        f"{what}: undecided in float64 and, for an L1 ball without explicit rows, "
                        "no exact certificate of interior was found (rational arithmetic decides "
                        "only its polyhedral part)"
                    )
                point = inside
            if point is None:
                return BallResult(False, None, -np.inf)
        x = ex.to_float(point)
        Af = A[keep] if on_row is not None else A
        bf = b[keep] if on_row is not None else b
        radius = float(np.min(bf - Af @ x, initial=WHOLE_CAP))
        radius = min(radius, domain_margin(x, domain))
        return BallResult(True, x, radius)
    finally:
        counter.exact_seconds += time.perf_counter() - t0


def _l1_inside(ex, A, b, E, f, hint, c, r):
    """An exact point strictly inside the polyhedron and the L1 ball near ``hint``, or None."""
    x = ex.project(ex.q_vec(hint), E, f)
    least = ex.check_point(A, b, E, f, x)
    if least is None or least <= 0:
        return None
    return x if sum(abs(xi - ci) for xi, ci in zip(x, c, strict=True)) < r else None


def _exact_in_l2(ex, A, b, E, f, inner, hint, c, r, tol, counter, what):
    """An exact point strictly inside ``{A x <= b, E x = f}`` (relative interior, which
    contains ``inner``) and the open ball ``B(c, r)``; None when there is none."""
    r2 = r * r

    def in_ball(x):
        return sum(((xi - ci) ** 2 for xi, ci in zip(x, c, strict=True)), ex.q(0)) < r2

    if hint is not None:
        x = ex.project(ex.q_vec(hint), E, f)
        least = ex.check_point(A, b, E, f, x)
        if least is not None and least > 0 and in_ball(x):
            return x
    if in_ball(inner):
        return inner
    # the nearest point of the closed polyhedron to c: rational, from its active set
    Af, bf = ex.to_float_rows(A, b)
    Ef, ff = ex.to_float_rows(E, f)
    near = nearest_point(Af, bf, ex.to_float(c), 2, tol, counter,
                         A_eq=Ef if E else None, b_eq=ff if E else None, what=what)
    if not near.feasible or near.point is None:  # pragma: no cover - the set has an interior
        raise ToleranceError(f"{what}: the float nearest point disagrees with rational arithmetic")
    norms = np.linalg.norm(Af, axis=1) if Af.size else np.zeros(0)
    slack = (bf - Af @ near.point) / np.where(norms > 0, norms, 1.0) if Af.size else np.zeros(0)
    for eps in (1e-12, 1e-10, 1e-8, 1e-6):
        act = [int(i) for i in np.flatnonzero(slack <= eps * (1.0 + np.abs(bf)))]
        dist2 = ex.nearest_sq_distance(A, b, E, f, c, act)
        if dist2 is None:
            continue
        if dist2 >= r2:
            return None
        # the nearest point y lies in the open ball; move it towards the interior point
        y = ex.nearest_point_exact(A, b, E, f, c, act)
        lam = ex.q(0.5)
        for _ in range(2000):
            x = [yi + lam * (ii - yi) for yi, ii in zip(y, inner, strict=True)]
            if in_ball(x):
                return x
            lam /= 2
        break  # pragma: no cover - lam -> 0 reaches the open ball
    raise ToleranceError(
        f"{what}: undecided in float64, and rational arithmetic could not settle the L2 ball "
        "(the float nearest point's active set fails the KKT conditions)"
    )
