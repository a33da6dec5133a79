"""Plain polyhedral geometry on ``A x <= b`` (numpy/scipy only, no solver, no network)."""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def group_rows(A: np.ndarray, b: np.ndarray, merge: float) -> np.ndarray:
    """Label unit-normalised rows ``[a | b]`` that describe the same half-space.

    Rows whose ``[a | b]`` differ by at most ``merge`` (Euclidean) get the same label
    (transitively). Cost ``O(m^2 d)``.

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
    from scipy.spatial.distance import pdist, squareform

    R = np.hstack([A, b[:, None]])
    # direct differences: the |r|^2 + |s|^2 - 2 r.s shortcut loses ~1e-16 absolute, far above
    # merge^2
    close = squareform(pdist(R) <= merge)
    i, j = np.nonzero(np.triu(close, k=1))
    if i.size == 0:
        return np.arange(m)
    graph = coo_matrix((np.ones(i.size), (i, j)), shape=(m, m))
    _, labels = connected_components(graph, directed=False)
    return labels


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
    points -= ((np.einsum("ij,ij->i", Ar, points) - slack[reps]))[:, None] * Ar
    slack_at = slack[reps][None, :] - points @ Ar.T  # [k, j]: slack of row j at point k
    np.fill_diagonal(slack_at, np.inf)
    facet = is_vertex & (slack_at.min(axis=1) >= margin)
    undecided = ~facet & ~(clearly_inside & ~is_vertex)
    return facet, points, undecided
