"""The far-side test of ``branch`` in an L2 ball, without a solver where possible.

The question per step: does the far side of a hyperplane, ``m(x) = u . x + off > 0`` (``u`` of
unit norm: ``m`` is the signed distance beyond it), meet the piece ``P = {A x <= b}`` inside the
*open* ball ``B = B(c, R)`` in a full-dimensional set? ``P ∩ B`` holds a certified ball
``B(x0, r0)``, so the answer is yes exactly when ``m* = max_{P ∩ B} m > 0`` (a point of the
closed set with ``m > 0`` and the interior ball span a cone of interior points with ``m > 0``),
and no ball of radius above ``zero`` fits beyond the hyperplane when ``m* <= zero``. Both are
settled by certificates checked in float64, from an approximate primal-dual pair of
``max u . x`` over ``P ∩ B`` (:func:`active_set`, a few small dense solves in the rows' space):

* **upper bound (the near bit)**: for any ``lam >= 0``,
  ``m* <= lam . b + off + g . c + R ||g||`` with ``g = u - A^T lam`` (weak duality: on ``P``,
  ``u . x <= u . x + lam . (b - A x) = lam . b + g . x``, and ``g . x <= g . c + R ||g||`` on
  the ball). The bound is computed in float64 and enlarged by a bound on its rounding error
  (:func:`dual_bound`); at or below ``tol.zero`` the far side holds no ball of radius above
  ``zero`` (the ``zero`` semantics of :mod:`polyreg.tolerances`, as the LP path of ``branch``).
  The multipliers only have to be non-negative for this to hold: how they were found does not
  matter.
* **lower bound (a split)**: a point ``y`` of the closed ``P ∩ B`` with ``m(y) > 0`` (the
  active-set point pulled into ``P`` along the segment from ``x0``, :func:`segment_in_rows`,
  else a feasible-direction walk from ``x0``, :func:`walk_witness`): the convex hull of
  ``B(x0, r0)`` and ``y`` holds a ball beyond the hyperplane, re-certified in float64 against
  every row of the piece, the hyperplane and the sphere (``BranchSearch._hull_ball``); below
  ``tol.radius`` it does not count.

What neither settles (a hyperplane nearly tangent to the sphere inside the piece, or an
active set that did not converge) goes to the SOCP of :func:`~polyreg.solvers.inscribed_ball`,
authoritative as before (full, empty, the exact path, or
:class:`~polyreg.errors.ToleranceError`). So a split is always backed by a certified ball and
the near bit by a float64 upper bound at most ``zero``: the regions are those of the SOCP path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..domains import Ball
from ..tolerances import EPS

if TYPE_CHECKING:
    from .branch_engine import BranchSearch, Piece

#: iterations of the active-set loop (:func:`active_set`)
ACTIVE_ITER = 16
#: witnesses kept per piece (as ``branch.MAX_WITNESSES``; not imported: no import cycle)
MAX_WITNESSES = 12


def l2_far_test(search: BranchSearch, p: Piece, n: np.ndarray, e: float, s: float,
                av: float) -> tuple[bool, tuple[np.ndarray, float] | None]:
    """Decide the far side ``-s (n . x + e) > 0`` of piece ``p`` in the search's L2 ball
    (``av``: the distance of the piece's centre ``p.x`` to the hyperplane, on the near side).

    Returns ``(decided, ball)``: ``(True, None)`` when the far side holds no ball of radius
    above ``tol.zero`` (the near bit), ``(True, (x, r))`` with a certified ball of the far side
    (``r >= tol.radius``), ``(False, None)`` when the certificates did not settle it (the
    caller solves the SOCP).
    """
    dom = search.ctx.domain
    assert isinstance(dom, Ball)
    c, R = dom.center, float(dom.radius)
    u = -s * n
    off = -s * e
    counts = search.counts
    lam, yc = active_set(p.A, p.b - p.A @ c, u, R, ACTIVE_ITER)
    if dual_bound(p.A, p.b, lam, u, c, R) + off <= search.tol.zero:
        counts.l2_kept += 1
        return True, None
    y = segment_in_rows(p.A, p.b, p.x, c + yc)
    wit = y[None, :]  # a point of the closed piece: a witness for later neurons
    p.witnesses = wit if p.witnesses is None else np.vstack([p.witnesses, wit])[-MAX_WITNESSES:]
    for attempt in range(2):
        if attempt:
            y = walk_witness(p.A, p.b, p.x, u, c, R)
        my = float(u @ y) + off
        if my > 0:
            ball = search._hull_ball(p, y, my, av, n, e, s)
            if ball is not None:
                counts.l2_split += 1
                return True, ball
    # the active set did not converge (typically a maximum inside the ball, at a vertex of
    # the piece): one warm LP over the piece and the ball's bounding box, whose row duals give
    # the bound and whose optimum, cut back to the ball from x0, the witness
    lp = search._sync(p)
    _, w = lp.maximize(u)
    if w is None:  # pragma: no cover - the piece holds a certified ball
        return False, None
    lam = lp.row_duals()[: p.b.size]
    if dual_bound(p.A, p.b, lam, u, c, R) + off <= search.tol.zero:
        counts.l2_lp_kept += 1
        return True, None
    y = clip_to_ball(p.x, w, c, R)
    my = float(u @ y) + off
    if my > 0:
        ball = search._hull_ball(p, y, my, av, n, e, s)
        if ball is not None:
            counts.l2_lp_split += 1
            return True, ball
    return False, None


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


def active_set(A: np.ndarray, h: np.ndarray, u: np.ndarray, R: float,
               max_iter: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Approximate primal-dual solution of ``max u . y`` s.t. ``A y <= h``, ``||y|| <= R`` (the
    ball centred at the origin) by an active-set loop: for a set ``S`` of rows held at
    equality, the optimum on the sphere is ``y = R (w + g0 / gamma)`` with ``w`` the least-norm
    point of ``A_S y = h_S`` over ``R``, ``g0`` the part of ``u`` orthogonal to the rows of ``S``
    and ``gamma = ||g0|| / sqrt(1 - ||w||^2)``; the multipliers are
    ``lam_S = (A_S A_S^T)^-1 (A_S u - gamma h_S / R)``. A row with a negative multiplier
    leaves ``S``, the most violated row joins it, until neither happens or ``max_iter``.

    Returns ``(lam, y)``: multipliers (zero off ``S``, clipped at 0) for :func:`dual_bound` and
    a point for a witness; neither is trusted (both are checked by the caller).

    Examples
    --------
    >>> import numpy as np
    >>> lam, y = active_set(np.array([[1.0, 0.0]]), np.array([0.5]), np.array([1.0, 0.0]), 1.0)
    >>> lam.round(6).tolist(), y.round(6).tolist()
    ([1.0], [0.5, 0.0])
    """
    k = h.size
    uu = float(u @ u)
    y = R * u / max(np.sqrt(uu), 1e-300)
    lam = np.zeros(k)
    if k == 0:
        return lam, y
    # everything in row space: Gram matrix, A u; y is formed once at the end
    gram = A @ A.T
    au = A @ u
    tol_v = 1e-12 * (R + 1.0)
    S: list[int] = []
    lam_s = np.zeros(0)
    lam0 = mu = np.zeros(0)
    gamma = 0.0
    ay = R * au / max(np.sqrt(uu), 1e-300)  # A y at y = R u / ||u||
    for _ in range(max_iter):
        if S:
            G = gram[S][:, S]
            rhs = np.empty((len(S), 2))
            rhs[:, 0] = au[S]
            rhs[:, 1] = h[S]
            try:
                sol = np.linalg.solve(G, rhs)
            except np.linalg.LinAlgError:
                S.pop()
                break
            l0, m0 = sol[:, 0], sol[:, 1] / R
            nw2 = float(m0 @ (G @ m0))
            if nw2 >= 1.0:  # the rows of S do not meet the open ball together
                S.pop()
                break
            ng0 = np.sqrt(max(uu - float(l0 @ au[S]), 0.0))
            gam = ng0 / np.sqrt(1.0 - nw2)
            ls = l0 - gam * m0
            worst = int(np.argmin(ls))
            if ls[worst] < -1e-12:
                S.pop(worst)
                continue
            lam0, mu, gamma, lam_s = l0, m0, gam, ls
            # A y with y = R (w + g0 / gamma), w = A_S^T mu, g0 = u - A_S^T lam0
            gs = gram[:, S]
            aw = gs @ mu
            ag0 = au - gs @ lam0
            ay = R * (aw + ag0 / gamma) if gamma > 0 else R * aw
        viol = ay - h
        j = int(np.argmax(viol))
        if viol[j] <= tol_v or j in S:
            break
        S.append(j)
    if lam_s.size and len(S) == lam_s.size:
        lam[S] = lam_s
        AS = A[S]
        w = AS.T @ mu
        g0 = u - AS.T @ lam0
        y = R * (w + g0 / gamma) if gamma > 0 else R * w
    return np.maximum(lam, 0.0), y


def segment_in_rows(A: np.ndarray, b: np.ndarray, x0: np.ndarray, x1: np.ndarray) -> np.ndarray:
    """The point of the segment from ``x0`` (inside ``{A x <= b}``) towards ``x1`` where it
    leaves the polyhedron (``x1`` itself when it is inside; float64, not certified).

    Examples
    --------
    >>> import numpy as np
    >>> segment_in_rows(np.array([[1.0, 0.0]]), np.array([0.5]), np.zeros(2),
    ...                 np.array([2.0, 2.0])).round(6).tolist()
    [0.5, 0.5]
    """
    dv = x1 - x0
    t = 1.0
    if b.size:
        rate = A @ dv
        up = rate > 0
        if up.any():
            t = min(1.0, float(np.min((b[up] - A[up] @ x0) / rate[up])))
    return x0 + max(t, 0.0) * dv


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


def clip_to_ball(x: np.ndarray, w: np.ndarray, c: np.ndarray, R: float) -> np.ndarray:
    """The point of the segment from ``x`` (inside the ball ``B(c, R)``) towards ``w`` where it
    leaves the ball (``w`` itself when it is inside; float64, not certified).

    Examples
    --------
    >>> import numpy as np
    >>> clip_to_ball(np.zeros(2), np.array([2.0, 0.0]), np.zeros(2), 1.0).round(9).tolist()
    [1.0, 0.0]
    """
    dw = w - c
    if float(dw @ dw) <= R * R:
        return w.copy()
    dv = w - x
    f = x - c
    a = float(dv @ dv)
    bq = float(f @ dv)
    cq = float(f @ f) - R * R
    den = bq + np.sqrt(max(bq * bq - a * cq, 0.0))  # a t^2 + 2 bq t + cq = 0, cq < 0
    t = -cq / den if den > 0 else 0.0
    return x + min(max(t, 0.0), 1.0) * dv
