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
    R = np.hstack([A, b[:, None]])
    sq = np.einsum("ij,ij->i", R, R)
    dist2 = sq[:, None] + sq[None, :] - 2 * (R @ R.T)
    i, j = np.nonzero(np.triu(dist2 <= merge * merge, k=1))
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
