"""``polyreg.solvers.RowStackLP``: the warm HiGHS model the ``branch`` engine keeps along its
depth-first path, against fresh LPs (``scipy.optimize.linprog``) on random polytopes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import linprog

from polyreg import Tolerances
from polyreg.errors import SolverFailed
from polyreg.solvers import RowStackLP, SolveCounter


def reference(A, b, lo, hi, u):
    res = linprog(-u, A_ub=A if len(b) else None, b_ub=b if len(b) else None,
                  bounds=list(zip(lo, hi, strict=True)), method="highs")
    return -res.fun if res.status == 0 else -np.inf


@given(seed=st.integers(0, 2**31), d=st.integers(1, 6))
def test_push_pop_maximize_agree_with_fresh_lps(seed, d):
    rng = np.random.default_rng(seed)
    lo, hi = -np.ones(d), np.ones(d)
    counter = SolveCounter()
    lp = RowStackLP(lo, hi, Tolerances(), counter)
    rows, rhs = [], []
    for _step in range(12):
        if rows and rng.uniform() < 0.3:
            keep = int(rng.integers(0, len(rows)))
            del rows[keep:], rhs[keep:]
            lp.truncate(keep)
        else:
            a = rng.normal(size=d)
            a /= np.linalg.norm(a)
            rows.append(a)
            rhs.append(float(rng.uniform(-0.2, 0.8)))
            lp.push(a[None, :], np.array([rhs[-1]]))
        assert lp.height == len(rows)
        u = rng.normal(size=d)
        value, x = lp.maximize(u)
        A = np.array(rows).reshape(-1, d)
        ref = reference(A, np.array(rhs), lo, hi, u)
        if np.isinf(ref):
            assert value == -np.inf and x is None
        else:
            assert value == pytest.approx(ref, abs=1e-8)
            assert np.all(A @ x <= np.array(rhs) + 1e-8) and np.all(np.abs(x) <= 1 + 1e-8)
    assert counter.lp >= 12


def test_unbounded_raises():
    lp = RowStackLP(np.full(2, -np.inf), np.full(2, np.inf), Tolerances(), SolveCounter())
    lp.push(np.array([[1.0, 0.0]]), np.array([1.0]))
    with pytest.raises(SolverFailed, match="HiGHS returned status"):
        lp.maximize(np.array([0.0, 1.0]))


class _Stuck:
    """A HiGHS instance whose next ``times`` runs end in status 'Unknown' (what a hot start
    gone wrong gives), every other call passed through."""

    def __init__(self, h, times):
        self._h, self._times = h, times

    def __getattr__(self, name):
        return getattr(self._h, name)

    def getModelStatus(self):
        import highspy

        if self._times > 0:
            self._times -= 1
            return highspy.HighsModelStatus.kUnknown
        return self._h.getModelStatus()


def test_a_stuck_instance_is_replaced_by_a_fresh_one():
    # an instance that stays 'Unknown' is replaced by a new one holding the same rows: the
    # answer is the LP's, the next solves run on the new instance, the row duals are its
    rng = np.random.default_rng(1)
    lp = RowStackLP(np.full(3, -1.0), np.full(3, 1.0), Tolerances(), SolveCounter())
    A, b = rng.normal(size=(4, 3)), rng.uniform(0.1, 0.5, 4)
    lp.push(A, b)
    u = np.array([1.0, -0.5, 0.25])
    want, x_want = lp.maximize(u)
    lp.h = _Stuck(lp.h, times=1)
    got, x = lp.maximize(u)
    assert not isinstance(lp.h, _Stuck) and lp.height == 4
    assert abs(got - want) <= 1e-9 and np.allclose(x, x_want, atol=1e-9)
    assert np.all(A @ x <= b + 1e-9)
    lp.truncate(2)
    assert lp.maximize(u)[0] >= want - 1e-9
    assert lp.row_duals().shape == (2,)


def test_rows_with_entries_highs_drops_are_tracked():
    # an entry below SMALL_MATRIX_VALUE is dropped by HiGHS: the stack says so while such a
    # row is on it (zeros do not count)
    from polyreg.solvers.highs import SMALL_MATRIX_VALUE

    lp = RowStackLP(np.full(2, -1.0), np.full(2, 1.0), Tolerances(), SolveCounter())
    lp.push(np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([0.5, 1.0]))
    assert not lp.drops_entries
    lp.push(np.array([[SMALL_MATRIX_VALUE / 4, 1.0]]), np.array([0.5]))
    lp.push(np.array([[1.0, -1.0]]), np.array([0.5]))
    assert lp.drops_entries
    lp.truncate(3)
    assert lp.drops_entries
    lp.truncate(2)
    assert not lp.drops_entries and lp.height == 2
