"""Incremental LPs: :class:`RowStackLP`, one HiGHS model kept alive along a depth-first
search (the ``branch`` engine)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import SolverFailed
from ..tolerances import Tolerances
from .highs import FAST_LP, SMALL_MATRIX_VALUE, configure, feasibility, new_highs, run
from .status import SolveCounter


class RowStackLP:
    """One HiGHS model kept alive across many small LPs over the same or nested polyhedra.

    The feasible set is ``{x : col_lo <= x <= col_hi, A x <= b}`` for a stack of rows: rows are
    pushed (:meth:`push`) and popped back to an earlier height (:meth:`truncate`) as a
    depth-first search descends and backtracks, so HiGHS keeps its factorisation and basis
    between solves (a hot start: a new objective or one new row costs a few simplex
    iterations, not a model rebuild). :meth:`maximize` is the only query: ``max u . x`` over
    the set.

    Parameters
    ----------
    col_lo, col_hi : ndarray, shape (d,)
        Bounds on ``x`` (``-inf`` / ``inf`` allowed).
    tol : Tolerances
        ``solver_feasibility`` is handed to HiGHS.
    counter : SolveCounter
        ``lp`` is incremented per solve.

    Examples
    --------
    >>> import numpy as np
    >>> from polyreg import Tolerances
    >>> from polyreg.solvers import RowStackLP, SolveCounter
    >>> lp = RowStackLP(np.zeros(2), np.ones(2), Tolerances(), SolveCounter())
    >>> lp.push(np.array([[1.0, 1.0]]), np.array([1.5]))
    >>> value, x = lp.maximize(np.array([1.0, 1.0]))
    >>> round(value, 9), lp.height
    (1.5, 1)
    >>> lp.truncate(0); round(lp.maximize(np.array([1.0, 1.0]))[0], 9)
    2.0
    """

    def __init__(self, col_lo: np.ndarray, col_hi: np.ndarray, tol: Tolerances,
                 counter: SolveCounter) -> None:
        import highspy

        self._hs = highspy
        self.d = int(np.asarray(col_lo).size)
        self.counter = counter
        self._feasibility = tol.solver_feasibility
        h = self._instance()
        inf = highspy.kHighsInf
        lo = np.where(np.isfinite(col_lo), col_lo, -inf).astype(np.float64)
        hi = np.where(np.isfinite(col_hi), col_hi, inf).astype(np.float64)
        h.addVars(self.d, lo, hi)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.h = self._solved = h
        self._idx = np.arange(self.d, dtype=np.int32)
        # per row of the stack, bottom first: (a, beta, flipped, tiny) with ``a x <= beta`` as
        # pushed (``a x >= beta`` once flipped: flips_to) and whether ``a`` has a nonzero entry
        # HiGHS drops (below SMALL_MATRIX_VALUE); and how many such rows the stack holds
        self._rows: list[tuple[np.ndarray, float, bool, bool]] = []
        self._n_tiny = 0
        self._what = "LP over a cell"
        self._layouts: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def push(self, A: np.ndarray, b: np.ndarray) -> None:
        """Add the rows ``A x <= b`` on top of the stack."""
        A = np.atleast_2d(np.asarray(A, dtype=np.float64))
        m = A.shape[0]
        if m == 0:
            return
        b = np.asarray(b, dtype=np.float64)
        starts, index, lower = self._layout(m)
        self.h.addRows(m, lower, b, m * self.d, starts, index, A.ravel())
        mag = np.abs(A)
        if mag.min() < SMALL_MATRIX_VALUE:  # (rarely: zeros, or entries HiGHS drops)
            tiny = ((mag > 0) & (mag < SMALL_MATRIX_VALUE)).any(axis=1).tolist()
            self._n_tiny += sum(tiny)
        else:
            tiny = [False] * m
        self._rows.extend((A[i], float(b[i]), False, tiny[i]) for i in range(m))

    @property
    def height(self) -> int:
        """Rows on the stack."""
        return len(self._rows)

    @property
    def drops_entries(self) -> bool:
        """Whether a row of the stack has a nonzero entry below HiGHS' ``small_matrix_value``
        (:data:`~polyreg.solvers.highs.SMALL_MATRIX_VALUE`), which HiGHS drops: the LP is then
        about a slightly different set, so its "no room" answers are not to be trusted as
        they are (``branch`` re-decides them)."""
        return self._n_tiny > 0

    def _instance(self) -> Any:
        """A new HiGHS instance with this model's settings: a new objective keeps the basis
        primal feasible, so the primal simplex from it (about 7 % less CPU than HiGHS' default
        choice here)."""
        return configure(new_highs(), {**FAST_LP, **feasibility(self._feasibility)})

    def _layout(self, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row starts, column indices and lower bounds (``-inf``) of ``m`` dense rows (cached:
        a search pushes one or two rows at a time)."""
        got = self._layouts.get(m)
        if got is None:
            got = self._layouts[m] = (np.arange(m, dtype=np.int32) * self.d,
                                      np.tile(self._idx, m), np.full(m, -self._hs.kHighsInf))
        return got

    def truncate(self, height: int) -> None:
        """Pop rows until ``height`` remain."""
        if height < self.height:
            gone = np.arange(height, self.height, dtype=np.int32)
            self.h.deleteRows(gone.size, gone)
            self._n_tiny -= sum(tiny for *_, tiny in self._rows[height:])
            del self._rows[height:]

    def flips_to(self, i: int, a: np.ndarray, beta: float) -> bool:
        """Whether row ``i`` of the stack holds ``a x <= beta`` reversed, exactly (the same
        hyperplane, the other side: ``-a x <= -beta`` as pushed, or flipped back); then row
        ``i`` is made ``a x <= beta`` by swapping its bounds (one call, the basis kept: cheaper
        than popping it and pushing the reversed row). The set is the same in floats: the row
        ``(-a, -beta)`` and the bounds ``a x >= beta`` are each other's exact negations.

        Examples
        --------
        >>> import numpy as np
        >>> from polyreg import Tolerances
        >>> from polyreg.solvers import RowStackLP, SolveCounter
        >>> lp = RowStackLP(np.zeros(2), np.ones(2), Tolerances(), SolveCounter())
        >>> lp.push(np.array([[1.0, 1.0]]), np.array([0.5]))
        >>> lp.flips_to(0, np.array([-1.0, -1.0]), -0.5), round(lp.maximize(np.ones(2))[0], 9)
        (True, 2.0)
        >>> lp.flips_to(0, np.array([1.0, 1.0]), 0.5), round(lp.maximize(np.ones(2))[0], 9)
        (True, 0.5)
        >>> lp.flips_to(0, np.array([1.0, 0.0]), 0.5)
        False
        """
        row, b0, flipped, tiny = self._rows[i]
        if flipped:
            same = beta == b0 and np.array_equal(a, row)
        else:
            same = beta == -b0 and np.array_equal(a, -row)
        if not same:
            return False
        inf = self._hs.kHighsInf
        if flipped:
            self.h.changeRowBounds(i, -inf, b0)
        else:
            self.h.changeRowBounds(i, b0, inf)
        self._rows[i] = (row, b0, not flipped, tiny)
        return True

    def maximize(self, u: np.ndarray) -> tuple[float, np.ndarray | None]:
        """``(max u . x, argmax)`` over the current set; ``(-inf, None)`` when it is empty.

        Raises
        ------
        SolverFailed
            Unbounded, or any status but optimal / infeasible.
        """
        h = self.h
        self.counter.lp += 1
        u = np.asarray(u, dtype=np.float64)
        h.changeColsCost(self.d, self._idx, u)
        h.run()
        MS = self._hs.HighsModelStatus
        status = h.getModelStatus()
        if status not in (MS.kOptimal, MS.kInfeasible):
            # a hot start gone wrong (seen in 784 dimensions, and after long sequences of rows
            # pushed and popped, where even a cleared solver on the same instance stays
            # 'Unknown'): the same model on a new instance, which is kept from now on
            # (solvers.highs.run: then its retry settings on instances of their own)
            self.counter.lp += 1
            fresh = self.h = self._instance()
            h, status = run(fresh, h.getLp(), self._feasibility)
            if h is not fresh:  # solvers.highs.run went on to its retry settings
                self.counter.lp += 1
        self._solved = h
        if status == MS.kOptimal:
            x = np.asarray(h.getSolution().col_value, dtype=np.float64)
            return float(u.dot(x)), x
        if status == MS.kInfeasible:
            return -np.inf, None
        raise SolverFailed(
            f"HiGHS returned status {h.modelStatusToString(status)!r} on the {self._what}"
        )

    def row_duals(self) -> np.ndarray:
        """The row duals of the last :meth:`maximize`, bottom row first: multipliers
        ``lam >= 0`` (up to the solver's tolerance) with ``u = A^T lam`` plus the bounds' part
        at the optimum, ``A`` the rows as last asked for (a row flipped by :meth:`flips_to`
        gets the multiplier of its reversed form).

        Examples
        --------
        >>> import numpy as np
        >>> from polyreg import Tolerances
        >>> from polyreg.solvers import RowStackLP, SolveCounter
        >>> lp = RowStackLP(np.full(2, -9.0), np.full(2, 9.0), Tolerances(), SolveCounter())
        >>> lp.push(np.array([[1.0, 1.0], [1.0, -1.0]]), np.array([1.0, 0.5]))
        >>> _ = lp.maximize(np.array([1.0, 0.2]))
        >>> lp.row_duals().round(9).tolist()
        [0.6, 0.4]
        >>> lp.flips_to(1, np.array([-1.0, 1.0]), -0.5)  # now -x + y <= -0.5
        True
        >>> _ = lp.maximize(np.array([0.2, 1.0]))
        >>> lp.row_duals().round(9).tolist()
        [0.6, 0.4]
        """
        duals = np.asarray(self._solved.getSolution().row_dual, dtype=np.float64)
        flipped = [i for i, (_, _, f, _) in enumerate(self._rows) if f]
        if flipped:
            duals[flipped] = -duals[flipped]
        return duals
