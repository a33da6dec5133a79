"""Plain polyhedral geometry on ``A x <= b`` (numpy/scipy only, no solver, no network)."""

from __future__ import annotations

import functools

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

#: rows per block of the candidate sweep in :func:`group_rows` (bounds its memory)
_BLOCK = 64


@functools.lru_cache(maxsize=64)
def _direction(n: int) -> np.ndarray:
    """A fixed unit vector with distinct, irrational-looking entries (sorting projections)."""
    u = np.random.default_rng(0x5EED).normal(size=n)
    u /= np.linalg.norm(u)
    u.setflags(write=False)
    return u


def group_rows(A: np.ndarray, b: np.ndarray, merge: float) -> np.ndarray:
    """Label unit-normalised rows ``[a | b]`` that describe the same half-space.

    Rows whose ``[a | b]`` differ by at most ``merge`` (Euclidean, computed exactly as
    ``scipy.spatial.distance.pdist`` does) get the same label (transitively); labels are
    numbered in order of each group's first row, ``0, 1, ...``.

    Cost ``O(m log m)`` time and ``O(m)`` memory for rows in general position: exact duplicates
    are removed first (``np.unique``); the other rows are sorted by their projection on a fixed
    unit vector ``u``, and only pairs whose projections differ by at most ``merge`` (plus a
    bound on the projections' rounding) can be within ``merge`` (``|u.(r - s)| <= |r - s|``);
    their distances are computed in blocks of :data:`_BLOCK` rows. Worst case (many distinct
    rows within ``merge`` of each other) ``O(m^2 d)`` time, still ``O(m)`` memory.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1.0, 0], [1.0, 0], [0, 1.0]]); b = np.array([0.5, 0.5, 0.0])
    >>> group_rows(A, b, 1e-9).tolist()
    [0, 0, 1]
    """
    m = A.shape[0]
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    R = np.hstack([A, np.asarray(b, dtype=np.float64)[:, None]])
    if not merge >= 0:  # nothing is within a negative (or NaN) distance, not even a copy
        return np.arange(m)
    if np.all(np.isfinite(R)):
        # exact copies are within any merge >= 0 of each other: keep one of each
        U, first, inverse = np.unique(R, axis=0, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
        # unique rows in the order of their first appearance
        order = np.argsort(first, kind="stable")
        U = U[order]
        rank = np.empty(U.shape[0], dtype=np.int64)
        rank[order] = np.arange(U.shape[0])
        inverse = rank[inverse]
    else:  # NaN rows are within no distance of anything, not even of a copy
        U, inverse = R, np.arange(m)
    n = U.shape[0]
    i, j = _close_pairs(U, merge)
    labels: np.ndarray
    if i.size == 0:
        labels = np.arange(n)
    else:
        graph = coo_matrix((np.ones(i.size), (i, j)), shape=(n, n))
        _, labels = connected_components(graph, directed=False)
    labels = labels[inverse]
    # number the groups in order of first appearance (as connected_components does on m rows)
    _, first_label = np.unique(labels, return_index=True)
    renumber = np.empty(labels.max() + 1, dtype=np.int64)
    renumber[labels[np.sort(first_label)]] = np.arange(first_label.size)
    return renumber[labels]


def _close_pairs(U: np.ndarray, merge: float) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs ``(i, j)``, ``i != j``, of rows of ``U`` with ``pdist`` distance <= merge."""
    from scipy.spatial.distance import cdist

    n, D = U.shape
    if n < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if not np.all(np.isfinite(U)):  # projections are meaningless: every pair is a candidate
        sort = np.arange(n)
        hi = np.full(n, n)
    else:
        u = _direction(D)
        proj = U @ u
        # |fl(u.r) - u.r| <= gamma * sum |r_k u_k| whatever the summation order; the distance
        # computed by cdist may also lie below the true one by a relative gamma
        gamma = 2.0 * (D + 2) * np.finfo(float).eps
        err = gamma * float((np.abs(U) @ np.abs(u)).max())
        window = merge * (1.0 + gamma) + 2.0 * err
        sort = np.argsort(proj, kind="stable")
        p = proj[sort]
        hi = np.searchsorted(p, p + window, side="right")
    Us = U[sort]
    out_i, out_j = [], []
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        reach = int(hi[start:stop].max())
        dist = cdist(Us[start:stop], Us[start:reach])
        k = np.arange(start, stop)[:, None]
        col = np.arange(start, reach)[None, :]
        close = (dist <= merge) & (col > k)
        bi, bj = np.nonzero(close)
        out_i.append(sort[bi + start])
        out_j.append(sort[bj + start])
    if not out_i:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(out_i), np.concatenate(out_j)


def foot_point_margins(A: np.ndarray, slack: np.ndarray, same: np.ndarray) -> np.ndarray:
    """For each row k, the least slack of the other rows at the foot of the perpendicular
    from a point (with slacks ``slack``) to row k's hyperplane.

    ``same[k, j]`` is True when rows k and j lie on one hyperplane (ignored for row k). A
    positive value certifies that row k's hyperplane carries a facet: its foot point lies in the
    relative interior of that facet.
    """
    cos = A @ A.T
    at_foot = slack[None, :] - slack[:, None] * cos
    at_foot[same] = np.inf
    return at_foot.min(axis=1) if A.shape[0] else np.zeros(0)


def polar_facets(
    A: np.ndarray, slack: np.ndarray, reps: np.ndarray, margin: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Classify rows of a bounded polytope ``{x : A x <= b}`` as facet / redundant with one
    convex hull in the polar (no LP).

    With ``p`` strictly inside (``slack = b - A p > 0``), the non-redundant rows are exactly the
    vertices of ``conv{a_i / slack_i}`` (the polar of ``P - p``), and each hull facet
    ``n . y + o = 0`` is a vertex ``-n / o`` of ``P - p``. Qhull's answer is only used where it
    is certified:

    * a row is a *facet* when the mean of the polytope vertices on it, moved onto its
      hyperplane, has slack ``>= margin`` for every other hyperplane (a point in the facet's
      relative interior);
    * a row is *redundant* when its polar point lies inside the hull by a clear margin;
    * everything else is *undecided* (left to an exact test by the caller).

    Parameters
    ----------
    A : ndarray (m, d), unit rows
    slack : ndarray (m,), all > 0
    reps : ndarray of int
        One representative row per distinct hyperplane (duplicates removed); only these are
        classified and used.
    margin : float

    Returns
    -------
    (facet, points, undecided) or None
        ``facet``: bool per entry of ``reps``; ``points``: (len(reps), d) facet points relative
        to ``p`` (valid where ``facet``); ``undecided``: bool per entry of ``reps``. None when
        the hull cannot be built (lower-dimensional or unbounded input).
    """
    from scipy.spatial import ConvexHull, QhullError

    Y = A[reps] / slack[reps, None]
    d = A.shape[1]
    if reps.size <= d:
        return None
    try:
        hull = ConvexHull(Y)
    except (QhullError, ValueError):
        return None
    eq = hull.equations
    if np.any(eq[:, -1] >= 0):  # origin not strictly inside: unbounded polytope
        return None
    vertices = -eq[:, :-1] / eq[:, -1:]
    is_vertex = np.zeros(reps.size, dtype=bool)
    is_vertex[hull.vertices] = True
    # redundant: polar point strictly inside every hull facet
    depth = (Y @ eq[:, :-1].T + eq[:, -1]).max(axis=1)
    scale = np.linalg.norm(Y, axis=1).max()
    clearly_inside = depth < -1e-9 * scale
    # facet certification: mean of the polytope vertices incident to each hull vertex
    n_simp = hull.simplices.shape[0]
    inc_rows = hull.simplices.ravel()
    inc_cols = np.repeat(np.arange(n_simp), hull.simplices.shape[1])
    sums = np.zeros((reps.size, d))
    np.add.at(sums, inc_rows, vertices[inc_cols])
    counts = np.bincount(inc_rows, minlength=reps.size)
    points = sums / np.maximum(counts, 1)[:, None]
    Ar = A[reps]
    # move onto the row's own hyperplane: a_k . x = slack_k  (coordinates relative to p)
    points -= (np.einsum("ij,ij->i", Ar, points) - slack[reps])[:, None] * Ar
    slack_at = slack[reps][None, :] - points @ Ar.T  # [k, j]: slack of row j at point k
    np.fill_diagonal(slack_at, np.inf)
    facet = is_vertex & (slack_at.min(axis=1) >= margin)
    undecided = ~facet & ~(clearly_inside & ~is_vertex)
    return facet, points, undecided
