"""The ``branch`` engine's "same hyperplane" tests: a neuron whose hyperplane carries a row of the
piece (a repeated, scaled or opposite neuron, or a neuron on a side of the domain) cannot cut
the piece, and takes its bit from that row, decided as ``region_rows`` decides "same hyperplane"
(:meth:`~polyreg.engines._common.Context.rows_key`: float64 where sure, exact rows in the
window, :func:`~polyreg.engines._common.merge_window`), so that every engine agrees on
degenerate networks.

The functions take the search (:class:`~polyreg.engines.branch_engine.BranchSearch`) and a
piece, as :mod:`polyreg.engines._branch_l2` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._common import coinciding_bit, domain_keys

if TYPE_CHECKING:
    from .branch_engine import BranchSearch, Piece


def may_coincide(search: BranchSearch, p: Piece, optimum: tuple[float, np.ndarray],
                 av: float) -> bool:
    """Whether a row of ``p`` can be on the neuron's hyperplane within ``tol.merge``
    (:func:`on_piece_row`), given the LP ``optimum`` ``(m, w)`` beyond it and the centre's
    distance ``av`` before it.

    Rows within the merge reach (normals within ``merge / f``, offsets within ``merge``,
    ``f = max(1, extent)``; unit normals) differ at a point ``y`` by at most
    ``merge / f * sqrt(|y|^2 + f^2)`` (Cauchy-Schwarz): the same side's row bounds ``m`` by that
    at ``w``, the opposite side's bounds ``av`` by that at the centre. Twice that bound for
    rounding; False means :func:`on_piece_row` finds nothing.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.engines._common import Context
    >>> from polyreg.engines.branch_engine import BranchSearch
    >>> ctx = Context.create(polyreg.random_network([2, 4, 1], seed=0), polyreg.Box.cube(2),
    ...                      polyreg.Tolerances())
    >>> search = BranchSearch(ctx)
    >>> p = search.root()
    >>> may_coincide(search, p, (0.3, np.zeros(2)), 0.2), may_coincide(search, p, (1e-12, np.zeros(2)), 0.2)
    (False, True)
    """
    m, w = optimum
    f = max(1.0, search.ctx.extent)
    c = 2.0 * search.tol.merge / f
    return bool(m <= c * np.sqrt(float(w @ w) + f * f)
                or av <= c * np.sqrt(float(p.x @ p.x) + f * f))


def on_piece_row(search: BranchSearch, p: Piece, k: int, a: np.ndarray, beta: float,
                 near: bool) -> bool | None:
    """Neuron ``k``'s bit when its near-side row ``a x <= beta`` lies on one of ``p``'s rows
    (or on one reversed) within ``tol.merge``; else None."""
    if not p.b.size:
        return None
    close = np.flatnonzero(np.abs(p.A @ a) > 0.5)
    if not close.size:
        return None
    keys = ([] if search._box_cols else domain_keys(search.ctx)) + p.row_neurons
    return coinciding(search, p, k, p.A[close], p.b[close], [keys[i] for i in close], a, beta,
                      near)


def on_box_side(search: BranchSearch, p: Piece, k: int, a: np.ndarray, beta: float,
                near: bool) -> bool | None:
    """Neuron ``k``'s bit when its near-side row ``a x <= beta`` is a side of the box
    (``near``), or one reversed (``not near``), within ``tol.merge``; else None."""
    ctx = search.ctx
    return coinciding(search, p, k, ctx.dom_A, ctx.dom_b, domain_keys(ctx), a, beta, near)


def coinciding(search: BranchSearch, p: Piece, k: int, A: np.ndarray, b: np.ndarray,
               keys: list[int], a: np.ndarray, beta: float, near: bool) -> bool | None:
    """Neuron ``k``'s bit when one of the rows ``A x <= b`` (named by ``keys``) lies on its
    hyperplane (:func:`~polyreg.engines._common.coinciding_bit`), else None."""
    ctx = search.ctx
    Ak, bk, _ = ctx.rows_key(A, b)
    f = max(1.0, ctx.extent)
    dA, db = Ak - a, bk - beta / f
    d2_near = np.einsum("ij,ij->i", dA, dA) + db * db
    dA, db = Ak + a, bk + beta / f
    d2_far = np.einsum("ij,ij->i", dA, dA) + db * db
    d2_on, d2_off = (d2_near, d2_far) if near else (d2_far, d2_near)
    return coinciding_bit(ctx, p.pattern, keys, k, d2_on, d2_off, search.counter)
