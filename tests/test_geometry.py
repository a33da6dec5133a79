"""polyreg.geometry.group_rows: O(m log m) grouping, identical to the pairwise definition."""

from __future__ import annotations

import tracemalloc

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import pdist, squareform

from polyreg.geometry import group_rows


def group_rows_pairwise(A, b, merge):
    """The former implementation (all pairwise distances, O(m^2) memory): the oracle."""
    m = A.shape[0]
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    R = np.hstack([A, b[:, None]])
    close = squareform(pdist(R) <= merge)
    i, j = np.nonzero(np.triu(close, k=1))
    if i.size == 0:
        return np.arange(m)
    graph = coo_matrix((np.ones(i.size), (i, j)), shape=(m, m))
    _, labels = connected_components(graph, directed=False)
    return labels


@st.composite
def rows_with_near_duplicates(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    d = draw(st.integers(1, 6))
    m = draw(st.integers(1, 150))
    merge = draw(st.sampled_from([0.0, 1e-12, 1e-9, 1e-6, 0.05]))
    A = rng.normal(size=(m, d))
    if draw(st.booleans()):  # few distinct directions: many parallel rows
        A = rng.integers(-1, 2, size=(m, d)).astype(float)
        A[~A.any(axis=1), 0] = 1.0
    A /= np.linalg.norm(A, axis=1)[:, None]
    b = rng.normal(size=m) * draw(st.sampled_from([1.0, 1e-3, 1e4]))
    R = np.hstack([A, b[:, None]])
    # plant copies and near-copies of earlier rows: at distances around merge, and chains
    n_plant = draw(st.integers(0, m))
    for _ in range(n_plant):
        src, dst = rng.integers(0, m, size=2)
        step = rng.normal(size=d + 1)
        step /= np.linalg.norm(step)
        factor = rng.choice([0.0, 0.3, 0.999, 1.0, 1.001, 2.0])
        R[dst] = R[src] + factor * merge * step
    if draw(st.booleans()):
        R[rng.integers(0, m, size=max(1, m // 10))] *= -1.0  # opposite rows (never merged)
    return R[:, :-1].copy(), R[:, -1].copy(), merge


@settings(max_examples=150, deadline=None)
@given(rows_with_near_duplicates())
def test_group_rows_equals_pairwise(case):
    A, b, merge = case
    np.testing.assert_array_equal(group_rows(A, b, merge), group_rows_pairwise(A, b, merge))


def test_group_rows_edge_cases():
    A = np.array([[1.0, 0.0], [1.0, 0.0], [-0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    b = np.array([0.5, 0.5, 0.0, -0.0, 0.5 + 1e-10])
    for merge in (0.0, 1e-11, 1e-9, -1.0):
        np.testing.assert_array_equal(group_rows(A, b, merge), group_rows_pairwise(A, b, merge))
    assert group_rows(np.zeros((0, 3)), np.zeros(0), 1e-9).shape == (0,)
    assert group_rows(np.ones((1, 3)), np.zeros(1), 1e-9).tolist() == [0]
    # a row with a NaN is within no distance of anything, as with pairwise distances
    A[1, 0] = np.nan
    np.testing.assert_array_equal(group_rows(A, b, 1e-9), group_rows_pairwise(A, b, 1e-9))
    # a chain of rows each within merge of the next: one group, transitively
    A = np.ones((50, 1))
    b = np.arange(50) * 0.9e-9
    assert group_rows(A, b, 1e-9).tolist() == [0] * 50


def test_many_duplicated_rows_are_memory_light():
    # 10,000 copies of 3 rows (a polytope file with duplicated rows): pairwise distances took
    # 885 MB; grouping keeps the memory linear (no timing assertion)
    rng = np.random.default_rng(0)
    base = np.array([[1.0, 0.0], [0.0, 1.0], [-0.6, -0.8]])
    pick = rng.integers(0, 3, size=10_000)
    A, b = base[pick], np.ones(10_000)
    A[::7] += 1e-13  # near-copies too
    tracemalloc.start()
    try:
        labels = group_rows(A, b, 1e-9)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(set(labels.tolist())) == 3  # one group per distinct row ...
    assert len(set(zip(pick.tolist(), labels.tolist(), strict=True))) == 3  # ... holding exactly its copies
    assert peak < 50e6  # bytes; the pairwise matrix alone is 400 MB
