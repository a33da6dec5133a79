"""Exact rational decisions for the cases float64 cannot settle.

Every float64 is a rational number, so every question polyreg asks about a region (is this
polyhedron full-dimensional, does this row carry a facet) has an exact answer. The engines ask
it in float64 first (:func:`polyreg.solvers.inscribed_ball`); when the float answer lands between
``Tolerances.zero`` and ``Tolerances.radius`` (or always, with ``Tolerances(exact="always")``)
the question is settled here, in rational arithmetic:

* **Interior of a polyhedron** ``P = {A x <= b, E x = f}`` (``E`` holds at most the facet's own
  row): ``t* = max t`` s.t. ``A x + t 1 <= b``, ``E x = f``, ``t <= 1``; the relative interior
  is non-empty iff ``t* > 0`` (no norms needed, so any positive scaling of the rows will do).
  Decided by, in order: (1) the float solver's point, converted exactly (projected exactly onto
  ``E x = f``) and checked to satisfy every row strictly -- a certificate of interior that
  costs ``O(m d)`` rational operations and settles almost every case; (2) the float optimum's
  active rows: the vertex where they are tight, solved exactly, checked primal feasible (with
  ``t > 0``: interior) and, for ``t <= 0``, dual feasible (then ``t`` is the optimum); (3) a
  rational simplex
  on the LP dual ``min b.y + f.z + s`` s.t. ``A^T y + E^T z = 0``, ``1.y + s = 1``,
  ``y, s >= 0`` (always feasible: ``y = 0, s = 1``), warm-started by pivoting in first the
  rows active at the float solution (usually the optimal basis, so few or no further pivots),
  Bland's rule (terminates), optimum ``t*`` and the primal vertex recovered exactly.
* **Inside an L2 ball** (not polyhedral): ``int P ∩ int B(c, r)`` is non-empty iff ``P`` has a
  relative interior and ``dist(c, P)^2 < r^2``; the nearest point of ``P`` to ``c`` is rational
  (a linear KKT system on the active rows), so both are decided exactly from the active set of
  the float nearest point, checked by the KKT conditions (primal feasibility, non-negative
  multipliers). Only when that active set does not check out does the decision stay
  undecided (:class:`~polyreg.errors.ToleranceError`).
* **Rows**: decisions are made on the exact rows of the network the engine runs on (the
  canonical network: powers-of-two rescaling and dyadic centring are exact), recomputed in
  rationals from its weights for the region's activation pattern (:func:`network_rows`), so
  degenerate arrangements (three lines through one point) stay degenerate; rows given only as
  floats are taken as the rationals they are.

Arithmetic: ``gmpy2.mpq`` (GMP rationals) when gmpy2 is installed (``pip install
polyreg[exact]``), else :class:`fractions.Fraction` (same results, slower; see
``benchmarks/exact.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

try:  # pragma: no cover - depends on the environment
    from gmpy2 import mpq as _mpq

    BACKEND = "gmpy2"
except ImportError:  # pragma: no cover - depends on the environment
    _mpq = Fraction
    BACKEND = "fractions"

#: a rational number (``gmpy2.mpq`` or ``fractions.Fraction``)
Q = Any
QVec = list
QMat = list
#: a provider of exact rows ``(A, b)`` aligned with a float row set (called only when needed)
RowsFn = Callable[[], tuple[QMat, QVec]]

_ZERO = _mpq(0)
_ONE = _mpq(1)

def q(x: float | int) -> Q:
    """The rational value of a float64 (exact).

    Examples
    --------
    >>> str(q(0.5)), str(q(3))
    ('1/2', '3')
    """
    return _mpq(float(x)) if isinstance(x, float | np.floating) else _mpq(int(x))


def q_vec(v: Sequence[float] | np.ndarray) -> QVec:
    """A float vector as exact rationals."""
    return [_mpq(float(x)) for x in np.asarray(v, dtype=np.float64).ravel()]


def q_mat(M: np.ndarray) -> QMat:
    """A float matrix as exact rationals (list of rows)."""
    M = np.asarray(M, dtype=np.float64)
    return [[_mpq(float(x)) for x in row] for row in M]


def to_float(v: Sequence[Q]) -> np.ndarray:
    """Rationals rounded to float64."""
    return np.array([float(x) for x in v], dtype=np.float64)


def _dot(a: Sequence[Q], x: Sequence[Q]) -> Q:
    s = _ZERO
    for ai, xi in zip(a, x, strict=True):
        if ai:
            s += ai * xi
    return s


def solve_square(M: QMat, rhs: QVec) -> QVec | None:
    """The solution of the square rational system ``M x = rhs`` (None when singular).

    Examples
    --------
    >>> [str(v) for v in solve_square([[q(2), q(1)], [q(1), q(3)]], [q(3), q(5)])]
    ['4/5', '7/5']
    """
    n = len(M)
    T = [list(row) + [r] for row, r in zip(M, rhs, strict=True)]
    for col in range(n):
        piv = next((i for i in range(col, n) if T[i][col]), None)
        if piv is None:
            return None
        T[col], T[piv] = T[piv], T[col]
        p = T[col][col]
        rowp = [v / p for v in T[col]]
        T[col] = rowp
        for i in range(n):
            if i != col and T[i][col]:
                f = T[i][col]
                T[i] = [a - f * c for a, c in zip(T[i], rowp, strict=True)]
    return [T[i][n] for i in range(n)]


def independent_rows(M: QMat) -> list[int]:
    """Indices of a maximal set of linearly independent rows of ``M`` (first ones kept)."""
    basis: list[tuple[int, list[Q]]] = []  # (pivot column, reduced row)
    keep = []
    for i, row in enumerate(M):
        r = list(row)
        for col, br in basis:
            if r[col]:
                f = r[col] / br[col]
                r = [a - f * c for a, c in zip(r, br, strict=True)]
        lead = next((j for j, v in enumerate(r) if v), None)
        if lead is not None:
            basis.append((lead, r))
            keep.append(i)
    return keep


def same_hyperplane(r: Sequence[Q], s: Sequence[Q]) -> int:
    """Whether two rows ``[a | b]`` (``a x <= b``) lie on one hyperplane, exactly: ``1`` when
    ``s`` is a positive multiple of ``r`` (the same half-space: a repeated or rescaled
    neuron), ``-1`` a negative one (the opposite half-space), ``0`` otherwise (the rank of the
    ``2 x (d + 1)`` matrix ``[r; s]`` is 2, or a row is zero).

    Examples
    --------
    >>> r = q_vec([1.0, 2.0, 3.0])
    >>> same_hyperplane(r, q_vec([2.0, 4.0, 6.0])), same_hyperplane(r, q_vec([-0.5, -1.0, -1.5]))
    (1, -1)
    >>> same_hyperplane(r, q_vec([1.0, 2.0, 3.0 + 1e-15]))
    0
    """
    i = next((j for j, v in enumerate(r) if v), None)
    if i is None or not s[i]:
        return 0
    lam = s[i] / r[i]
    if any(sv != lam * rv for rv, sv in zip(r, s, strict=True)):
        return 0
    return 1 if lam > 0 else -1


# ---------------------------------------------------------------------------- exact LP
@dataclass(frozen=True)
class Interior:
    """Answer of :func:`interior`: ``t`` is ``t*`` (None when ``P`` is empty), ``point`` an
    exact point with ``A x + t 1 <= b`` and ``E x = f`` (strictly inside when ``t > 0``),
    ``method`` how it was decided (``"point"``: the float point checked out; ``"basis"``: the
    float solver's active rows, verified exactly; ``"simplex"``)."""

    t: Q | None
    point: QVec | None
    method: str

    @property
    def full(self) -> bool:
        return self.t is not None and self.t > 0


def check_point(A: QMat, b: QVec, E: QMat, f: QVec, x: QVec) -> Q | None:
    """Least slack ``min_i (b - A x)_i`` (capped at 1) when ``E x = f`` holds exactly, else
    None."""
    for e, fi in zip(E, f, strict=True):
        if _dot(e, x) != fi:
            return None
    least = _ONE
    for a, bi in zip(A, b, strict=True):
        s = bi - _dot(a, x)
        if s < least:
            least = s
    return least


def project(x: QVec, E: QMat, f: QVec) -> QVec:
    """``x`` moved exactly onto ``E x = f`` (one row, or none: orthogonal projection)."""
    if not E:
        return x
    if len(E) > 1:
        raise ValueError("project handles at most one equality row")
    e, fe = E[0], f[0]
    ee = _dot(e, e)
    if not ee:
        return x
    c = (fe - _dot(e, x)) / ee
    return [xi + c * ei for xi, ei in zip(x, e, strict=True)]


def interior(
    A: QMat,
    b: QVec,
    E: QMat | None = None,
    f: QVec | None = None,
    *,
    hint: np.ndarray | None = None,
    active: Sequence[int] = (),
) -> Interior:
    """Decide exactly whether ``{A x <= b, E x = f}`` has a (relative) interior point.

    Parameters
    ----------
    A, b : rationals, shapes (m, d), (m,)
    E, f : rationals, shapes (k, d), (k,), optional
        Equalities (``k <= 1`` for the point certificate; any ``k`` for the simplex).
    hint : ndarray, optional
        A float point believed to lie inside (checked exactly, after an exact projection onto
        ``E x = f``).
    active : sequence of int
        Rows believed active at the LP optimum (pivoted into the dual basis first).

    Returns
    -------
    Interior

    Examples
    --------
    >>> A = q_mat(np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]]))
    >>> strip = interior(A, q_vec([1e-10, 1e-10, 1.0, 1.0]))   # |x| <= 1e-10, |y| <= 1
    >>> strip.full, float(strip.t)
    (True, 1e-10)
    >>> interior(A, q_vec([0.0, 0.0, 1.0, 1.0])).full           # the segment x = 0
    False
    """
    E = E or []
    f = f or []
    # rows with a zero normal: always satisfied (b >= 0, dropped: they bound no margin) or
    # never (b < 0: the set is empty)
    nz = [i for i, a in enumerate(A) if any(a)]
    if len(nz) < len(A):
        if any(b[i] < 0 for i in range(len(A)) if i not in set(nz)):
            return Interior(None, None, "zero row")
        where = {i: n for n, i in enumerate(nz)}
        A, b = [A[i] for i in nz], [b[i] for i in nz]
        active = [where[i] for i in active if i in where]
    x0 = None
    if hint is not None and len(E) <= 1:
        x0 = project(q_vec(hint), E, f)
        least = check_point(A, b, E, f, x0)
        if least is not None and least > 0:
            return Interior(least, x0, "point")
    if active:
        basic = _verify_basis(A, b, E, f, active, x0)
        if basic is not None:
            return Interior(basic[0], basic[1], "basis")
    t, vertex = _dual_simplex(A, b, E, f, active)
    return Interior(t, vertex, "simplex")


def _verify_basis(
    A: QMat, b: QVec, E: QMat, f: QVec, active: Sequence[int], x0: QVec | None = None
) -> tuple[Q, QVec] | None:
    """``(t*, x*)`` from the float solver's active rows, when they check out exactly.

    The point ``(x, t)`` where the active rows (and ``E x = f``) are tight, nearest to
    ``(x0, 0)`` (a vertex when they are ``d + 1`` independent rows; a degenerate optimum, such
    as the middle of a strip, has fewer), is solved exactly; it is accepted when primal
    feasible with ``t > 0`` (an interior point whatever the optimum), or primal feasible and
    optimal (``e_t = M^T lam`` with ``lam >= 0`` on the inequality rows). None otherwise (the
    simplex decides)."""
    d = len(A[0]) if A else len(E[0])
    cand = [list(e) + [_ZERO] for e in E] + [list(A[i]) + [_ONE] for i in active]
    rhs = list(f) + [b[i] for i in active]
    keep = independent_rows(cand)
    if not keep:
        return None
    M = [cand[i] for i in keep]
    r = [rhs[i] for i in keep]
    G = [[_dot(u, v) for v in M] for u in M]
    z0 = (list(x0) if x0 is not None else [_ZERO] * d) + [_ZERO]
    mu = solve_square(G, [ri - _dot(u, z0) for u, ri in zip(M, r, strict=True)])
    if mu is None:  # pragma: no cover - independent rows
        return None
    z = list(z0)
    for mi, u in zip(mu, M, strict=True):
        if mi:
            z = [zv + mi * uv for zv, uv in zip(z, u, strict=True)]
    x, t = z[:d], min(z[d], _ONE)
    if check_point(A, b, E, f, x) is None or any(
        bi - _dot(a, x) < t for a, bi in zip(A, b, strict=True)
    ):
        return None
    if t > 0:
        return t, x
    # optimal iff e_t = M^T lam with lam >= 0 on the inequality rows
    e_t = [_ZERO] * d + [_ONE]
    lam = solve_square(G, [u[d] for u in M])
    if lam is None:  # pragma: no cover - independent rows
        return None
    back = [_ZERO] * (d + 1)
    for li, u in zip(lam, M, strict=True):
        back = [bv + li * uv for bv, uv in zip(back, u, strict=True)]
    if back != e_t or any(v < 0 for v, i in zip(lam, keep, strict=True) if i >= len(E)):
        return None
    return t, x


def _dual_simplex(
    A: QMat, b: QVec, E: QMat, f: QVec, active: Sequence[int]
) -> tuple[Q | None, QVec | None]:
    """``max t`` s.t. ``A x + t <= b``, ``E x = f``, ``t <= 1`` through its dual in standard
    form; returns ``(t*, x*)``, or ``(None, None)`` when the primal is infeasible."""
    m, k = len(A), len(E)
    d = len(A[0]) if m else (len(E[0]) if k else 0)
    # dual columns: y_0..y_{m-1}, z+_0..z+_{k-1}, z-_0..z-_{k-1}, s ; rows: x_0..x_{d-1}, t
    cols: list[list[Q]] = []
    cost: list[Q] = []
    for j in range(m):
        cols.append(list(A[j]) + [_ONE])
        cost.append(b[j])
    for i in range(k):
        cols.append(list(E[i]) + [_ZERO])
        cost.append(f[i])
    for i in range(k):
        cols.append([-v for v in E[i]] + [_ZERO])
        cost.append(-f[i])
    s_col = len(cols)
    cols.append([_ZERO] * d + [_ONE])
    cost.append(_ONE)
    n = len(cols)
    rows = d + 1
    T = [[cols[j][r] for j in range(n)] + [_ZERO if r < d else _ONE] for r in range(rows)]
    basis: list[int] = [-1] * rows
    basis[d] = s_col
    # drive a basic column into each x-row (degenerate pivots: their right-hand side is 0);
    # rows active at the float optimum first, then any column
    order = [j for j in active if 0 <= j < m] + list(range(n))
    in_basis = {s_col}
    dropped: list[int] = []
    for r in range(d):
        pick = next((j for j in order if j not in in_basis and T[r][j]), None)
        if pick is None:
            dropped.append(r)  # x_r appears in no constraint independent of the others
            continue
        _pivot(T, r, pick)
        basis[r] = pick
        in_basis.add(pick)
    keep = [r for r in range(rows) if r not in dropped]
    T = [T[r] for r in keep]
    basis = [basis[r] for r in keep]
    # phase 2 with Bland's rule (minimise cost)
    if _bland(T, basis, cost, n, n) is not None:
        return None, None  # dual unbounded: the primal is infeasible
    t_star = sum((cost[j] * T[i][n] for i, j in enumerate(basis)), _ZERO)
    # primal vertex: the dual constraints of the basic columns are tight (free x_r set to 0)
    B = [[cols[j][r] for r in keep] for j in basis]
    pi = solve_square(B, [cost[j] for j in basis])
    if pi is None:  # pragma: no cover - a basis is non-singular
        raise ArithmeticError("exact simplex: singular basis")
    full = [_ZERO] * rows
    for r, v in zip(keep, pi, strict=True):
        full[r] = v
    x, t = full[:d], full[d]
    if t != t_star or check_point(A, b, E, f, x) is None or any(
        bi - _dot(a, x) < t for a, bi in zip(A, b, strict=True)
    ):  # pragma: no cover - exact arithmetic
        raise ArithmeticError("exact simplex: the primal vertex does not check out")
    return t_star, x


def _bland(T: list[list[Q]], basis: list[int], cost: list[Q], allowed: int, rhs: int) -> int | None:
    """Minimise ``cost`` by the simplex method with Bland's rule (no cycling) on the tableau ``T``
    (right-hand side in column ``rhs``) with basis ``basis``, both updated in place, entering
    only columns ``< allowed``. Returns None at the optimum, or the entering column of an
    unbounded direction."""
    while True:
        red = list(cost) + [_ZERO]
        for i, j in enumerate(basis):
            cj = cost[j]
            if cj:
                red = [a - cj * v for a, v in zip(red, T[i], strict=True)]
        enter = next((j for j in range(allowed) if red[j] < 0), None)
        if enter is None:
            return None
        best: Q = None
        leave = -1
        for i, Ti in enumerate(T):
            a = Ti[enter]
            if a > 0:
                ratio = Ti[rhs] / a
                if leave < 0 or ratio < best or (ratio == best and basis[i] < basis[leave]):
                    best, leave = ratio, i
        if leave < 0:
            return enter
        _pivot(T, leave, enter)
        basis[leave] = enter


def _pivot(T: list[list[Q]], r: int, j: int) -> None:
    p = T[r][j]
    rowp = [v / p for v in T[r]] if p != 1 else T[r]
    T[r] = rowp
    for i, Ti in enumerate(T):
        if i != r:
            a = Ti[j]
            if a:
                T[i] = [u - a * v for u, v in zip(Ti, rowp, strict=True)]


# ---------------------------------------------------------------------------- L2 ball
def nearest_point_exact(
    A: QMat, b: QVec, E: QMat, f: QVec, c: QVec, active: Sequence[int]
) -> QVec | None:
    """The point of ``P = {A x <= b, E x = f}`` nearest to ``c``, exactly, from a guess of the
    rows active there (equalities are always active); None when the guess fails the KKT
    conditions (primal feasibility, non-negative multipliers)."""
    S = list(E) + [A[i] for i in active]
    rhs = list(f) + [b[i] for i in active]
    keep = independent_rows(S)
    S = [S[i] for i in keep]
    rhs = [rhs[i] for i in keep]
    n_eq = sum(1 for i in keep if i < len(E))
    # x = c - S^T lam with S x = rhs:  (S S^T) lam = S c - rhs
    G = [[_dot(si, sj) for sj in S] for si in S]
    lam = solve_square(G, [_dot(si, c) - ri for si, ri in zip(S, rhs, strict=True)]) if S else []
    if lam is None:  # pragma: no cover - independent rows
        return None
    if any(v < 0 for v in lam[n_eq:]):
        return None
    x = list(c)
    for li, si in zip(lam, S, strict=True):
        if li:
            x = [xv - li * sv for xv, sv in zip(x, si, strict=True)]
    if check_point(A, b, E, f, x) is None or any(
        bi - _dot(a, x) < 0 for a, bi in zip(A, b, strict=True)
    ):
        return None
    return x


def nearest_sq_distance(
    A: QMat, b: QVec, E: QMat, f: QVec, c: QVec, active: Sequence[int]
) -> Q | None:
    """``dist(c, P)^2`` exactly (see :func:`nearest_point_exact`; None when the active set
    guess fails).

    Examples
    --------
    >>> A = q_mat(np.array([[1.0, 1.0]])); b = q_vec([-2.0])   # x + y <= -2
    >>> str(nearest_sq_distance(A, b, [], [], q_vec([0.0, 0.0]), [0]))
    '2'
    """
    x = nearest_point_exact(A, b, E, f, c, active)
    if x is None:
        return None
    return sum(((xv - cv) ** 2 for xv, cv in zip(x, c, strict=True)), _ZERO)


def to_float_rows(A: QMat, b: QVec) -> tuple[np.ndarray, np.ndarray]:
    """Rational rows rounded to float64 (shape ``(m, d)``, ``(m,)``; ``m`` may be 0)."""
    if not A:
        return np.zeros((0, 0)), np.zeros(0)
    return np.array([[float(v) for v in row] for row in A]), to_float(b)


# ---------------------------------------------------------------------------- network rows
def network_rows(
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    negative_slope: float,
    pattern: np.ndarray,
    neurons: np.ndarray,
    signs: np.ndarray,
) -> tuple[QMat, QVec]:
    """Exact rows ``-s_k g_k x <= s_k c_k`` (``s_k (g_k x + c_k) >= 0``) of the given neurons
    for an activation pattern: the local affine maps recomputed in rationals from the weights.

    Examples
    --------
    >>> W0, b0 = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0.0, 0.0])
    >>> W1, b1 = np.array([[1.0, 1.0]]), np.array([-0.5])
    >>> A, b = network_rows([W0, W1, np.ones((1, 1))], [b0, b1, np.zeros(1)], 0.0,
    ...                     np.array([True, False, True]), np.array([0, 2]), np.array([1.0, -1.0]))
    >>> [[str(v) for v in r] for r in A], [str(v) for v in b]
    ([['-1', '0'], ['1', '0']], ['0', '1/2'])
    """
    neurons = np.asarray(neurons, dtype=np.int64)
    if neurons.size == 0:
        return [], []
    d = np.asarray(weights[0]).shape[1]
    widths = [np.asarray(W).shape[0] for W in weights[:-1]]
    offsets = np.concatenate([[0], np.cumsum(widths)]).astype(np.int64)
    last = int(np.searchsorted(offsets, int(neurons.max()), side="right")) - 1
    alpha = q(float(negative_slope))
    G: list[list[Q]] = []
    c: list[Q] = []
    rows_G: dict[int, list[Q]] = {}
    rows_c: dict[int, Q] = {}
    wanted = {int(k) for k in neurons}
    for layer in range(last + 1):
        W = np.asarray(weights[layer], dtype=np.float64)
        bl = np.asarray(biases[layer], dtype=np.float64)
        if layer == 0:
            newG = q_mat(W)
            newc = q_vec(bl)
        else:
            Wq = q_mat(W)
            newG, newc = [], []
            for i in range(W.shape[0]):
                g = [_ZERO] * d
                ci = _mpq(float(bl[i]))
                for j, wij in enumerate(Wq[i]):
                    if wij:
                        ci += wij * c[j]
                        Gj = G[j]
                        g = [gv + wij * hv for gv, hv in zip(g, Gj, strict=True)]
                newG.append(g)
                newc.append(ci)
        o = int(offsets[layer])
        for i in range(len(newG)):
            if o + i in wanted:
                rows_G[o + i], rows_c[o + i] = newG[i], newc[i]
        if layer < last:  # activation: h = z (on) or alpha z (off)
            act = pattern[o : o + len(newG)]
            G = [g if on else [alpha * v for v in g] for g, on in zip(newG, act, strict=True)]
            c = [ci if on else alpha * ci for ci, on in zip(newc, act, strict=True)]
    A, bq = [], []
    for k, s in zip(neurons, signs, strict=True):
        g, ck = rows_G[int(k)], rows_c[int(k)]
        if s > 0:
            A.append([-v for v in g])
            bq.append(ck)
        else:
            A.append(list(g))
            bq.append(-ck)
    return A, bq


def forward_exact(
    weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], negative_slope: float,
    x: Sequence[float] | np.ndarray,
) -> list[list[Q]]:
    """Pre-activations of every layer (the last one is the output) at the point ``x``, in
    rational arithmetic (``z > 0`` is on).

    Examples
    --------
    >>> z = forward_exact([np.array([[1.0], [-1.0]]), np.array([[1.0, 1.0]])],
    ...                   [np.array([-0.1, 0.1]), np.array([0.0])], 0.0, [0.1])
    >>> [[str(v) for v in layer] for layer in z]
    [['0', '0'], ['0']]
    """
    a = q_vec(np.asarray(x, dtype=np.float64))
    alpha = q(float(negative_slope))
    out: list[list[Q]] = []
    for layer, (W, b) in enumerate(zip(weights, biases, strict=True)):
        Wq, bq = q_mat(W), q_vec(b)
        z = [_dot(row, a) + bi for row, bi in zip(Wq, bq, strict=True)]
        out.append(z)
        if layer + 1 < len(weights):
            a = [v if v > 0 else alpha * v for v in z]
    return out


def pattern_rows(
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    negative_slope: float,
    pattern: np.ndarray,
    domain_rows: tuple[np.ndarray, np.ndarray] | None,
) -> RowsFn:
    """A provider of the exact rows of the whole activation region of ``pattern`` (every hidden
    neuron's sign condition, then the domain's rows), computed when called."""
    pattern = np.asarray(pattern, dtype=bool).copy()

    def rows() -> tuple[QMat, QVec]:
        neurons = np.arange(pattern.size)
        A, b = network_rows(weights, biases, negative_slope, pattern, neurons,
                            np.where(pattern, 1.0, -1.0))
        if domain_rows is not None:
            A += q_mat(domain_rows[0])
            b += q_vec(domain_rows[1])
        return A, b

    return rows



# ---------------------------------------------------------------------------- general exact LP
@dataclass(frozen=True)
class LinearResult:
    """Answer of :func:`linear_program`, verified in rationals.

    ``feasible`` False: ``dual`` is a Farkas certificate (``y >= 0``, ``M^T y = 0``,
    ``m . y < 0``). ``feasible`` True: ``point`` is primal feasible (``M z <= m``), ``dual``
    (``y >= 0``, ``M^T y = -c``) is dual feasible and ``value = c . z = -m . y`` (so both are
    optimal). ``method``: ``"basis"`` (the float solver's active rows checked out) or
    ``"simplex"``."""

    feasible: bool
    value: Q | None
    point: QVec | None
    dual: QVec
    method: str


def linear_program(
    c: QVec, M: QMat, m: QVec, *, active: Sequence[int] = ()
) -> LinearResult:
    """``min c . z`` s.t. ``M z <= m`` (``z`` free), exactly, for a problem whose dual
    ``{y >= 0, M^T y = -c}`` is feasible (the objective is bounded below on ``R^n``'s
    relaxation, as a distance's is) and ``M`` of full column rank.

    Decided by, in order: (1) the rows ``active`` at the float solver's optimum: the vertex where
    ``n`` independent ones are tight and their multipliers, solved exactly and accepted when
    primal and dual feasible; (2) a rational simplex on the dual ``min m . y`` s.t.
    ``M^T y = -c``, ``y >= 0`` (phase 1 with artificial columns, Bland's rule in both phases):
    an optimal basis gives the primal vertex, an unbounded direction a Farkas certificate of
    primal infeasibility. Every answer is re-checked (:class:`LinearResult`).

    Raises
    ------
    ValueError
        The dual is infeasible (the objective is unbounded below, or nothing is decided).

    Examples
    --------
    >>> # min t s.t. -t <= y - 1/4 <= t, y >= 1/2 (distance from 1/4 to [1/2, oo))
    >>> M = q_mat(np.array([[1.0, -1.0], [-1.0, -1.0], [-1.0, 0.0]]))
    >>> res = linear_program(q_vec([0.0, 1.0]), M, q_vec([0.25, -0.25, -0.5]))
    >>> res.feasible, str(res.value), [str(v) for v in res.point]
    (True, '1/4', ['1/2', '1/4'])
    >>> linear_program(q_vec([0.0, 1.0]), M + q_mat(np.array([[1.0, 0.0]])),
    ...                q_vec([0.25, -0.25, -0.5, 0.25])).feasible      # and y <= 1/4
    False
    """
    n = len(c)
    if active:
        got = _linear_basis(c, M, m, active)
        if got is not None:
            return got
    return _linear_simplex(c, M, m, n)


def _linear_check(c: QVec, M: QMat, m: QVec, z: QVec, y: QVec) -> bool:
    n = len(c)
    if any(v < 0 for v in y):
        return False
    if any(_dot(row, z) > mi for row, mi in zip(M, m, strict=True)):
        return False
    back = [_ZERO] * n
    for yi, row in zip(y, M, strict=True):
        if yi:
            back = [bv + yi * rv for bv, rv in zip(back, row, strict=True)]
    if any(bv != -cv for bv, cv in zip(back, c, strict=True)):
        return False
    return bool(_dot(c, z) == -_dot(m, y))


def _linear_basis(c: QVec, M: QMat, m: QVec, active: Sequence[int]) -> LinearResult | None:
    n = len(c)
    cand = [int(i) for i in active]
    keep = independent_rows([M[i] for i in cand])
    if len(keep) != n:
        return None
    B = [cand[i] for i in keep]
    z = solve_square([M[i] for i in B], [m[i] for i in B])
    if z is None:  # pragma: no cover - independent rows
        return None
    # multipliers: sum_i y_i M_i = -c over the basis rows (the transpose system)
    MT = [[M[i][k] for i in B] for k in range(n)]
    yb = solve_square(MT, [-v for v in c])
    if yb is None:  # pragma: no cover - independent rows
        return None
    y = [_ZERO] * len(M)
    for i, v in zip(B, yb, strict=True):
        y[i] = v
    if not _linear_check(c, M, m, z, y):
        return None
    return LinearResult(True, _dot(c, z), z, y, "basis")


def _linear_simplex(c: QVec, M: QMat, m: QVec, n: int) -> LinearResult:
    rows_m = len(M)
    # dual in standard form: n equality rows M^T y = -c (flipped so the right side is >= 0),
    # columns y_0..y_{rows_m-1}, then one artificial per row
    T: list[list[Q]] = []
    for k in range(n):
        rhs = -c[k]
        sgn = -1 if rhs < 0 else 1
        row = [sgn * M[i][k] for i in range(rows_m)]
        row += [_ONE if a == k else _ZERO for a in range(n)]
        T.append(row + [sgn * rhs])
    ncol = rows_m + n
    basis = [rows_m + k for k in range(n)]

    # phase 1: minimise the artificials
    _bland(T, basis, [_ZERO] * rows_m + [_ONE] * n, ncol, ncol)
    if any(T[i][ncol] > 0 for i, j in enumerate(basis) if j >= rows_m):
        raise ValueError("exact LP: the dual is infeasible (objective unbounded below?)")
    drop = []
    for i, j in enumerate(basis):
        if j >= rows_m:  # an artificial at level 0: pivot it out, or the row is redundant
            pick = next((k for k in range(rows_m) if T[i][k] and k not in basis), None)
            if pick is None:
                drop.append(i)
            else:
                _pivot(T, i, pick)
                basis[i] = pick
    for i in reversed(drop):
        del T[i]
        del basis[i]
    # phase 2: min m . y over the dual's columns (artificials never enter)
    cost = list(m) + [_ZERO] * n
    enter = _bland(T, basis, cost, rows_m, ncol)
    if enter is not None:  # a ray y(s) = y + s d, d >= 0, M^T d = 0, m . d < 0
        d = [_ZERO] * rows_m
        d[enter] = _ONE
        for i, j in enumerate(basis):
            d[j] = -T[i][enter]
        back = [_dot([M[i][k] for i in range(rows_m)], d) for k in range(n)]
        if any(v < 0 for v in d) or any(back) or not _dot(m, d) < 0:  # pragma: no cover
            raise ArithmeticError("exact LP: the Farkas certificate does not check out")
        return LinearResult(False, None, None, d, "simplex")
    y = [_ZERO] * rows_m
    for i, j in enumerate(basis):
        y[j] = T[i][ncol]
    # primal vertex: the basic rows are tight (complementary slackness)
    Bq = [M[j] for j in basis]
    sub = independent_rows([[row[k] for row in Bq] for k in range(n)])  # columns used
    if len(sub) == n and len(Bq) == n:
        z = solve_square(Bq, [m[j] for j in basis])
    else:  # pragma: no cover - M has full column rank in every use here
        raise ArithmeticError("exact LP: rank-deficient basis")
    if z is None or not _linear_check(c, M, m, z, y):  # pragma: no cover - exact arithmetic
        raise ArithmeticError("exact LP: the optimal basis does not check out")
    return LinearResult(True, _dot(c, z), z, y, "simplex")


def output_map_exact(
    weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], negative_slope: float,
    pattern: np.ndarray,
) -> tuple[QMat, QVec]:
    """The network's output as an affine map ``W x + b`` on the region of ``pattern``, in
    rationals (rows: outputs).

    Examples
    --------
    >>> W, b = output_map_exact([np.array([[1.0], [-1.0]]), np.array([[1.0, 3.0]])],
    ...                         [np.array([0.5, 0.0]), np.array([-1.0])], 0.0,
    ...                         np.array([True, False]))
    >>> [[str(v) for v in r] for r in W], [str(v) for v in b]
    ([['1']], ['-1/2'])
    """
    pattern = np.asarray(pattern, dtype=bool)
    d = np.asarray(weights[0]).shape[1]
    alpha = q(float(negative_slope))
    G: QMat = [[_ONE if i == j else _ZERO for j in range(d)] for i in range(d)]
    cv: QVec = [_ZERO] * d
    o = 0
    for layer, (W, bl) in enumerate(zip(weights, biases, strict=True)):
        Wq, bq = q_mat(np.asarray(W)), q_vec(np.asarray(bl))
        newG, newc = [], []
        for row, bi in zip(Wq, bq, strict=True):
            g = [_ZERO] * d
            ci = bi
            for j, wij in enumerate(row):
                if wij:
                    ci += wij * cv[j]
                    g = [gv + wij * hv for gv, hv in zip(g, G[j], strict=True)]
            newG.append(g)
            newc.append(ci)
        if layer + 1 == len(weights):
            return newG, newc
        act = pattern[o : o + len(newG)]
        o += len(newG)
        G = [g if on else [alpha * v for v in g] for g, on in zip(newG, act, strict=True)]
        cv = [ci if on else alpha * ci for ci, on in zip(newc, act, strict=True)]
    raise ValueError("a network has at least one layer")  # pragma: no cover
