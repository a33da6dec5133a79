"""Certification of the cells the low-dimensional engines (``planar``, ``skeleton``) read off
their subdivision.

Each engine gives every cell a cheap certificate first: an interior point and a radius that
the point's distance to the cell's own boundary proves (a polygon's centroid in ``planar``, a
forward pass at the cell's vertex mean in ``skeleton``). A cell whose certificate reaches
``tol.radius`` counts. The others, except those the engine knows are hopeless (an upper bound
on the inscribed radius at most ``tol.zero``), are decided by one inscribed-ball solve on the
cell's rows (:func:`polyreg.solvers.inscribed_ball`, which decides in rationals what float64 cannot,
on the exact rows when the engine supplies them); with ``tol.exact == "always"`` every cell
is. Solves happen in the order of the cells, so their counts are reproducible.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from ..domains import Domain
from ..exact import RowsFn
from ..solvers import SolveCounter, inscribed_ball
from ..tolerances import Tolerances

#: a cell's rows for its inscribed-ball solve: ``(A, b, exact)`` with ``A x <= b`` (inside the
#: domain) and ``exact`` the exact rows' function for the solver, or None
CellRows = Callable[[int], tuple[np.ndarray, np.ndarray, RowsFn | None]]


def certify_cells(
    points: np.ndarray,
    radius: np.ndarray,
    rows: CellRows,
    domain: Domain,
    tol: Tolerances,
    counter: SolveCounter,
    *,
    what: str,
    hopeless: np.ndarray | None = None,
) -> np.ndarray:
    """Which cells are full-dimensional regions; ``points`` and ``radius`` (the cheap
    certificates, one row per cell) are updated in place for the cells a solve decides.

    Parameters
    ----------
    points, radius : ndarray, shapes (C, d) and (C,)
        Certified interior points and radii (a radius below ``tol.radius``: not certified).
    rows : callable
        ``rows(i)`` -> ``(A, b, exact)``, cell ``i``'s rows for a solve.
    domain, tol, counter
        As for :func:`polyreg.solvers.inscribed_ball` (``counter`` counts the solves).
    what : str
        What a cell is, for the solver's messages (``"planar cell"``).
    hopeless : ndarray of bool, optional
        Cells known to be too thin (no solve; ignored with ``tol.exact == "always"``).

    Returns
    -------
    ndarray of bool, shape (C,)
        The cells that count.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.solvers import SolveCounter
    >>> square = (np.vstack([np.eye(2), -np.eye(2)]), np.array([0.5, 0.5, 0.0, 0.0]))
    >>> points, radius = np.array([[0.25, 0.25], [0.0, 0.0]]), np.array([0.25, 0.0])
    >>> counter = SolveCounter()
    >>> keep = certify_cells(points, radius, lambda i: (*square, None),
    ...                      polyreg.Box.cube(2, -1, 1), polyreg.Tolerances(), counter,
    ...                      what="cell")
    >>> keep.tolist(), radius.round(3).tolist(), counter.total
    ([True, True], [0.25, 0.25], 1)
    """
    keep = radius >= tol.radius
    skip = np.zeros(keep.size, dtype=bool) if hopeless is None else np.array(hopeless, dtype=bool)
    if tol.exact == "always":  # every cell re-decided by a (rational) solve
        keep[:] = skip[:] = False
    for i in np.flatnonzero(~keep & ~skip):
        A, b, exact = rows(int(i))
        ball = inscribed_ball(A, b, domain, tol, counter, what=what, exact=exact)
        if ball.full:
            keep[i] = True
            points[i], radius[i] = ball.center, ball.radius
    return keep


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while many small objects are created (restored
    after): it would rescan them all again and again.

    Examples
    --------
    >>> import gc
    >>> with gc_paused():
    ...     gc.isenabled()
    False
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
