"""The far-side test of ``branch`` in an L2 ball, by warm LPs instead of second-order cone
programs.

The question per step: does the far side of a hyperplane ``m(x) = u . x + off > 0`` (``u``
of unit norm: ``m`` is the signed distance beyond it) meet the piece ``P = {A x <= b}`` inside
the *open* ball ``B = B(c, R)`` in a full-dimensional set? ``P ∩ B`` holds a certified ball
``B(x0, r0)``, so the answer is yes exactly when ``m* = max_{P ∩ B} m > 0`` (a point of the
closed set with ``m > 0`` and the interior ball span a cone of interior points with ``m > 0``),
and no ball of radius above ``zero`` fits beyond the hyperplane when ``m* <= zero``. Both sides
are decided with LPs over ``P`` and the ball's bounding box (one warm HiGHS model per search,
:class:`~polyreg.lp.RowStackLP`, the box as column bounds), a Kelley cutting-plane loop:

* **upper bound (the near bit)**: for any ``lam >= 0``,
  ``m* <= lam . b + off + g . c + R ||g||`` with ``g = u - A^T lam`` (weak duality: on ``P``,
  ``u . x <= u . x + lam . (b - A x) = lam . b + g . x``, and ``g . x <= g . c + R ||g||`` on
  the ball). ``lam`` is the LP's row duals of ``P``'s rows (those of the box and of the cuts
  are dropped: the ball replaces them). The bound is computed in float64 and enlarged by a
  bound on its rounding error (:func:`dual_bound`); at or below ``tol.zero`` the far side has
  no ball of radius above ``zero`` (the ``zero`` semantics of :mod:`polyreg.tolerances`).
* **lower bound (a split)**: the LP's optimum ``w`` lies in ``P`` (within HiGHS' feasibility
  tolerance); the segment from ``x0`` to ``w`` cut off at the sphere (:func:`clip_to_ball`) is
  a point ``y`` of the closed ``P ∩ B``; when ``m(y) > 0``, the convex hull of ``B(x0, r0)`` and
  ``y`` holds a ball beyond the hyperplane, re-certified in float64 against every row of the
  piece, the hyperplane and the sphere (``BranchSearch._hull_ball``); below ``tol.radius`` it
  does not count.
* otherwise the tangent half-space of the sphere at ``w``'s radial projection
  (``g . x <= g . c + R``, ``g = (w - c) / ||w - c||``) is pushed on the model (it holds the
  ball, so the LP still bounds ``m*`` from above) and the LP solved again, hot-started, up to
  :data:`MAX_CUTS` times; the cuts are popped afterwards.

What none of this settles (a hyperplane nearly tangent to the sphere inside the piece) goes to
the SOCP of :func:`~polyreg.lp.inscribed_ball`, authoritative as before (full, empty, the exact
path, or :class:`~polyreg.errors.ToleranceError`). So a split is always backed by a certified
ball, the near bit by a float64 bound at most ``zero``: the regions are those of the SOCP path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..domains import Ball
from ..tolerances import EPS

if TYPE_CHECKING:
    from .branch import BranchSearch, Piece

#: LPs per far-side test (the first, then tangent cuts) before the SOCP fallback
MAX_LPS = 0
#: rows (those with the best one-row bounds) and sweeps of the dual coordinate descent
DUAL_ROWS = 8
DUAL_SWEEPS = 3


def dual_bound(A: np.ndarray, b: np.ndarray, lam: np.ndarray, u: np.ndarray, c: np.ndarray,
               R: float) -> float:
    """An upper bound on ``max u . x`` over ``{A x <= b} ∩ B(c, R)`` from multipliers ``lam``
    (negative entries are taken as 0), rounding errors included.

    The value ``lam . b + g . c + R ||g||`` with ``g = u - A^T lam`` (weak duality) is computed
    in float64 and enlarged by ``(m + d + 8) eps`` times the sum of the magnitudes it is built
    from: an upper bound of its rounding error (each term is a sum of at most ``m + d`` products).

    Examples
    --------
    >>> import numpy as np
    >>> A, b = np.array([[1.0, 0.0]]), np.array([0.5])      # x <= 0.5, in the unit disk
    >>> u = np.array([1.0, 0.0])
    >>> round(dual_bound(A, b, np.array([1.0]), u, np.zeros(2), 1.0), 9)
    0.5
    >>> round(dual_bound(A, b, np.array([0.0]), u, np.zeros(2), 1.0), 9)   # the ball alone
    1.0
    """
    lam = np.maximum(lam, 0.0)
    m, d = A.shape
    g = u - A.T @ lam if m else u.copy()
    value = float(lam @ b) + float(g @ c) + R * float(np.linalg.norm(g))
    g_mag = np.abs(u) + (np.abs(A).T @ lam if m else 0.0)
    mag = float(lam @ np.abs(b)) + float(g_mag @ np.abs(c)) + R * float(np.linalg.norm(g_mag))
    return value + (m + d + 8) * EPS * mag


def clip_to_ball(x: np.ndarray, w: np.ndarray, c: np.ndarray, R: float) -> np.ndarray:
    """The point of the segment from ``x`` (inside the ball ``B(c, R)``) to ``w`` farthest
    towards ``w`` that is in the closed ball up to rounding (``w`` itself when it is inside).

    Examples
    --------
    >>> import numpy as np
    >>> clip_to_ball(np.zeros(2), np.array([2.0, 0.0]), np.zeros(2), 1.0).round(9).tolist()
    [1.0, 0.0]
    """
    dv = w - x
    f = x - c
    a = float(dv @ dv)
    if a == 0.0:
        return w.copy()
    bq = float(f @ dv)
    cq = float(f @ f) - R * R
    if float((w - c) @ (w - c)) <= R * R:
        return w.copy()
    # the positive root of a t^2 + 2 bq t + cq = 0 (cq < 0: x inside), stable form
    disc = max(bq * bq - a * cq, 0.0)
    t = -cq / (bq + np.sqrt(disc)) if bq + np.sqrt(disc) > 0 else 0.0
    return x + min(max(t, 0.0), 1.0) * dv


def l2_far_test(search: BranchSearch, p: Piece, n: np.ndarray, e: float, s: float,
                av: float) -> tuple[bool, tuple[np.ndarray, float] | None]:
    """Decide the far side ``-s (n . x + e) > 0`` of piece ``p`` in the search's L2 ball.

    Returns ``(decided, ball)``: ``(True, None)`` when the far side has no ball of radius above
    ``tol.zero`` (the near bit), ``(True, (x, r))`` with a certified ball of the far side,
    ``(False, None)`` when the LPs did not settle it (the caller solves the SOCP).
    """
    from .branch import MAX_WITNESSES

    dom = search.ctx.domain
    assert isinstance(dom, Ball)
    c, R = dom.center, float(dom.radius)
    tol = search.tol
    u = -s * n
    off = -s * e
    k = p.b.size
    counts = search.counts
    # no solver: a feasible-direction walk from the piece's centre across the hyperplane,
    # then a dual bound from the rows whose one-row bounds are best
    y = walk_witness(p.A, p.b, p.x, u, c, R)
    my = float(u @ y) + off
    if my > 0:
        ball = search._hull_ball(p, y, my, av, n, e, s)
        if ball is not None:
            counts.l2_ray += 1
            return True, ball
    if k:
        lam1, val1 = row_duals_single(p.A, p.b, u, c, R)
        useful = np.flatnonzero(lam1 > 0)
        if useful.size:
            rows = useful[np.argsort(val1[useful])[:DUAL_ROWS]]
            lam = dual_descent(p.A, p.b, u, c, R, rows, DUAL_SWEEPS)
            if dual_bound(p.A, p.b, lam, u, c, R) + off <= tol.zero:
                counts.l2_row += 1
                return True, None
    if MAX_LPS == 0:
        return False, None
    lp = search._sync(p)
    height = lp.height
    try:
        for _ in range(MAX_LPS):
            value, w = lp.maximize(u)
            if w is None:  # pragma: no cover - the piece holds a certified ball
                return False, None
            lam = lp.row_duals()[:k]
            if dual_bound(p.A, p.b, lam, u, c, R) + off <= tol.zero:
                counts.l2_kept += 1
                return True, None
            if value + off <= tol.zero:
                # the LP's own optimum says no, but the duals do not prove it: the SOCP decides
                return False, None
            y = clip_to_ball(p.x, w, c, R)
            my = float(u @ y) + off
            if my > 0:
                wit = y[None, :]
                p.witnesses = wit if p.witnesses is None else np.vstack(
                    [p.witnesses, wit])[-MAX_WITNESSES:]
                ball = search._hull_ball(p, y, my, av, n, e, s)
                if ball is not None:
                    counts.l2_split += 1
                    return True, ball
            # cut off w by the sphere's tangent half-space at its radial projection
            dw = w - c
            dist = float(np.linalg.norm(dw))
            if dist <= R:  # w in the ball, yet no certificate: a thin far side
                return False, None
            g = dw / dist
            lp.push(g[None, :], np.array([float(g @ c) + R]))
            counts.cuts += 1
        return False, None
    finally:
        lp.truncate(height)


def row_duals_single(A: np.ndarray, b: np.ndarray, u: np.ndarray, c: np.ndarray,
                     R: float) -> tuple[np.ndarray, np.ndarray]:
    """Per row ``j`` the multiplier ``lam_j >= 0`` minimising :func:`dual_bound` with that row
    alone (closed form: the cap of the ball cut off by the row), and that bound less ``u . c``.

    With unit ``u`` and ``a``, ``rho = a . u``, ``h = b - a . c`` (``|h| < R``) the minimiser is
    ``lam = rho - h sqrt(1 - rho^2) / sqrt(R^2 - h^2)``; a row with ``h >= R`` misses the ball.

    Examples
    --------
    >>> import numpy as np
    >>> lam, val = row_duals_single(np.array([[1.0, 0.0]]), np.array([0.5]),
    ...                             np.array([1.0, 0.0]), np.zeros(2), 1.0)
    >>> lam.round(9).tolist(), val.round(9).tolist()
    ([1.0], [0.5])
    """
    rho = A @ u
    h = b - A @ c
    inside = np.abs(h) < R
    sig = np.sqrt(np.maximum(1.0 - rho * rho, 0.0))
    root = np.sqrt(np.maximum(R * R - h * h, 0.0))
    lam = np.where(inside, rho - h * sig / np.where(inside, root, 1.0), 0.0)
    lam = np.maximum(lam, 0.0)
    norm = np.sqrt(np.maximum(1.0 - 2.0 * lam * rho + lam * lam, 0.0))
    return lam, lam * h + R * norm


def ray_witness(A: np.ndarray, b: np.ndarray, x: np.ndarray, u: np.ndarray, c: np.ndarray,
                R: float) -> tuple[np.ndarray, float]:
    """Shoot from ``x`` (inside ``{A x <= b}`` and the ball) along the unit ``u``: the last
    point ``y`` of the ray in the closed set (float64, not certified) and the step ``t``.

    Examples
    --------
    >>> import numpy as np
    >>> y, t = ray_witness(np.array([[1.0, 0.0]]), np.array([0.5]), np.zeros(2),
    ...                    np.array([1.0, 0.0]), np.zeros(2), 1.0)
    >>> y.round(9).tolist(), round(t, 9)
    ([0.5, 0.0], 0.5)
    """
    f = x - c
    bq = float(f @ u)
    cq = float(f @ f) - R * R
    disc = max(bq * bq - cq, 0.0)
    s = bq + np.sqrt(disc)
    t = -cq / s if s > 0 else 0.0  # the sphere: t^2 + 2 bq t + cq = 0, t > 0
    if b.size:
        rate = A @ u
        up = rate > 0
        if up.any():
            t = min(t, float(np.min((b[up] - A[up] @ x) / rate[up])))
    t = max(t, 0.0)
    return x + t * u, t


def dual_descent(A: np.ndarray, b: np.ndarray, u: np.ndarray, c: np.ndarray, R: float,
                 rows: np.ndarray, sweeps: int = 3) -> np.ndarray:
    """Multipliers for :func:`dual_bound` by exact coordinate descent over ``rows``: each step
    minimises the bound in one ``lam_j >= 0`` with the others fixed (the closed form of
    :func:`row_duals_single` with ``u`` replaced by the residual ``u - sum_{i != j} lam_i a_i``).
    Any result is a valid multiplier vector (the bound's soundness does not depend on it).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1.0, 0.0], [0.0, 1.0]]); b = np.array([0.0, 0.0])  # the quadrant x, y <= 0
    >>> lam = dual_descent(A, b, np.array([1.0, 1.0]) / np.sqrt(2), np.zeros(2), 1.0, np.arange(2))
    >>> round(dual_bound(A, b, lam, np.array([1.0, 1.0]) / np.sqrt(2), np.zeros(2), 1.0), 6)
    0.0
    """
    lam = np.zeros(b.size)
    g = u.copy()
    h = b - A @ c
    R2 = R * R
    for _ in range(sweeps):
        for j in rows:
            a = A[j]
            hj = float(h[j])
            v = g + lam[j] * a
            if hj >= R:
                t = 0.0
            else:
                rho = float(a @ v)
                sig2 = max(float(v @ v) - rho * rho, 0.0)
                t = rho - hj * np.sqrt(sig2) / np.sqrt(max(R2 - hj * hj, 1e-300))
                t = max(t, 0.0)
            g = v - t * a
            lam[j] = t
    return lam


def walk_witness(A: np.ndarray, b: np.ndarray, x: np.ndarray, u: np.ndarray, c: np.ndarray,
                 R: float, steps: int = 4) -> np.ndarray:
    """A point of ``{A x <= b}`` ∩ the closed ball far along ``u`` (float64, not certified): from
    ``x`` along ``u`` to the first row or the sphere; at a row, on along ``u`` projected onto the
    rows met so far (a feasible-direction walk; ``u . x`` never decreases), up to ``steps``
    times.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1.0, 0.0]]); b = np.array([0.5])
    >>> walk_witness(A, b, np.zeros(2), np.array([0.8, 0.6]), np.zeros(2), 1.0).round(3).tolist()
    [0.5, 0.866]
    """
    y = x
    active: list[int] = []
    basis: list[np.ndarray] = []  # orthonormal basis of the active rows (Gram-Schmidt)
    direction = u
    for _ in range(steps):
        f = y - c
        bq = float(f @ direction)
        dd = float(direction @ direction)
        cq = float(f @ f) - R * R
        disc = max(bq * bq - dd * cq, 0.0)
        den = bq + np.sqrt(disc)
        t = -cq / den if den > 0 else 0.0
        hit = -1
        if b.size:
            rate = A @ direction
            up = rate > 1e-12 * np.sqrt(dd)
            if active:
                up[active] = False
            if up.any():
                steps_to = (b[up] - A[up] @ y) / rate[up]
                i = int(np.argmin(steps_to))
                if steps_to[i] < t:
                    t = float(steps_to[i])
                    hit = int(np.flatnonzero(up)[i])
        y = y + max(t, 0.0) * direction
        if hit < 0:
            break
        active.append(hit)
        q = A[hit] - sum(float(qi @ A[hit]) * qi for qi in basis) if basis else A[hit].copy()
        qn = float(np.linalg.norm(q))
        if qn <= 1e-9:  # the row is (nearly) in the span of the earlier ones
            break
        q /= qn
        basis.append(q)
        direction = direction - float(q @ direction) * q
        if float(direction @ direction) <= 1e-20:
            break
    return y
