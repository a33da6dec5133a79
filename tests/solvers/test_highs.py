"""polyreg.solvers.highs: the retry of LPs HiGHS' fast settings leave undecided (status 'Unknown')."""

from __future__ import annotations

import numpy as np
import pytest

from polyreg import Tolerances
from polyreg.solvers import highs
from polyreg.solvers import milp as milp_mod
from polyreg.solvers.status import Status
from polyreg.errors import SolverFailed

_REAL_NEW = highs.new_highs


class _Stalled:
    """A HiGHS stand-in whose every solve ends in status 'Unknown' (what the primal simplex
    without presolve returned on some ill-conditioned LPs of deep random networks)."""

    def __init__(self) -> None:
        import highspy

        self._real = _REAL_NEW()
        self._unknown = highspy.HighsModelStatus.kUnknown

    def setOptionValue(self, *args: object) -> None:
        self._real.setOptionValue(*args)

    def passModel(self, model: object) -> None:
        self._real.passModel(model)

    def run(self) -> None:
        pass

    def getModelStatus(self) -> object:
        return self._unknown

    def modelStatusToString(self, status: object) -> str:
        return self._real.modelStatusToString(status)


def _lp() -> tuple:
    # min x + y s.t. x + 2y >= 1, 0 <= x, y: optimum 0.5 at (0, 0.5)
    return (np.array([1.0, 1.0]), np.array([[1.0, 2.0]]), np.array([1.0]), np.array([np.inf]),
            np.zeros(2), np.full(2, np.inf), Tolerances(), "test LP")


def test_unknown_status_is_retried(monkeypatch):
    monkeypatch.setattr(highs, "lp_instance", _Stalled)
    monkeypatch.setattr(highs._local, "tol", None, raising=False)
    before = dict(highs.RETRIES)
    status, z, value = highs.solve_lp(*_lp())
    assert status == Status.OPTIMAL
    assert round(value, 9) == 0.5 and np.allclose(z, [0.0, 0.5], atol=1e-9)
    assert highs.RETRIES["rescued"] == before["rescued"] + 1
    assert highs.RETRIES["attempts"] == before["attempts"] + 1


def test_all_retries_fail_raise(monkeypatch):
    monkeypatch.setattr(highs, "lp_instance", _Stalled)
    monkeypatch.setattr(highs, "new_highs", _Stalled)
    monkeypatch.setattr(highs._local, "tol", None, raising=False)
    before = highs.RETRIES["attempts"]
    with pytest.raises(SolverFailed, match="Unknown"):
        highs.solve_lp(*_lp())
    assert highs.RETRIES["attempts"] == before + len(highs.RETRY_OPTIONS)


def test_unknown_status_is_retried_in_solve_milp(monkeypatch):
    """The nearest-point LPs (L1, L-inf) go through solve_milp: the same retry."""
    monkeypatch.setattr(highs, "milp_instance", _Stalled)
    before = highs.RETRIES["rescued"]
    cost, A, lo, hi, clo, chi, _, _ = _lp()
    res = milp_mod.solve_milp(cost, A, lo, hi, clo, chi, np.zeros(2, dtype=bool))
    assert res.status == Status.OPTIMAL and round(res.objective, 9) == 0.5
    assert highs.RETRIES["rescued"] == before + 1


def test_recorded_unknown_status_lp_is_answered():
    """A real LP HiGHS leaves in status 'Unknown' (tests/data/README.md): solve_milp answers
    'infeasible' through the retry, and the rational LP agrees (max t < 0: empty)."""
    from conftest import DATA_DIR

    from polyreg import exact as ex
    from polyreg.npyfile import load_npz

    d = load_npz(DATA_DIR / "lp_unknown_status.npz")
    res = milp_mod.solve_milp(d["cost"], d["A"], d["row_lo"], d["row_hi"], d["col_lo"], d["col_hi"],
                        np.zeros(d["A"].shape[1], dtype=bool), feasibility=1e-10)
    assert res.status == Status.INFEASIBLE
    # the same set as {M z <= r}: rows with a finite upper bound, t >= 0
    M = np.vstack([d["A"], -np.eye(d["A"].shape[1])[-1:]])
    r = np.concatenate([d["row_hi"], [0.0]])
    t = ex.interior(ex.q_mat(M), ex.q_vec(r)).t
    assert t is None or t < 0


def test_small_matrix_entries_are_kept():
    # HiGHS' default drops entries below 1e-9: the row -1e-10 x + y <= 1 became y <= 1
    h = highs.new_highs()
    got = h.getOptionValue("small_matrix_value")  # (status, value) in some highspy versions
    assert (got[-1] if isinstance(got, tuple) else got) == highs.SMALL_MATRIX_VALUE
    # min x s.t. 1e-10 x + y >= 1, y <= 0: x = 1e10 when the entry is kept (infeasible without)
    status, z, value = highs.solve_lp(
        np.array([1.0, 0.0]), np.array([[1e-10, 1.0], [0.0, 1.0]]),
        np.array([1.0, -np.inf]), np.array([np.inf, 0.0]),
        np.array([-1e11, -np.inf]), np.array([np.inf, np.inf]), Tolerances(), "small entry")
    assert status == Status.OPTIMAL and z is not None
    assert z[0] == pytest.approx(1e10, rel=1e-6)


@pytest.mark.parametrize("k, rational", [(34, False), (45, True)])
def test_whole_space_region_beyond_nearly_parallel_lines(k, rational):
    # y = 0 and y = 2^-k x + 1 cross at x = -2^k: the region between them beyond that point
    # needs the 2^-k entry (traverse found 3 of the 4 regions with HiGHS' default 1e-9); below
    # what HiGHS keeps (1e-12) an "empty" facet LP goes to rationals
    import polyreg
    from polyreg import Whole
    from polyreg.engines import traverse

    net = polyreg.Network.from_layers([(np.array([[0.0, 1.0], [-2.0**-k, 1.0]]),
                                        np.array([0.0, -1.0])), (np.ones((1, 2)), [0.0])])
    rs = traverse(net, Whole(2))
    assert len(rs) == 4
    assert (rs.stats["exact_decisions"] > 0) == rational


def test_empty_verdict_on_a_dropped_entry_is_refused_without_rationals():
    # the k = 45 case above with exact="never": float64 cannot decide, so ToleranceError
    # (it was a silent 3)
    import polyreg
    from polyreg import Whole
    from polyreg.engines import traverse

    net = polyreg.Network.from_layers([(np.array([[0.0, 1.0], [-2.0**-45, 1.0]]),
                                        np.array([0.0, -1.0])), (np.ones((1, 2)), [0.0])])
    with pytest.raises(polyreg.ToleranceError, match="HiGHS drops"):
        traverse(net, Whole(2), tol=Tolerances(exact="never"))
