"""The coordinates a solve works in and the domain's part of it, shared by the inscribed ball
(:mod:`polyreg.solvers.ball`) and its rational fallback (:mod:`polyreg.solvers.fallback`):
:data:`WHOLE_CAP`, :func:`domain_margin`, the frame :func:`frame` / :func:`framed_domain`."""

from __future__ import annotations

import numpy as np

from ..domains import Ball, Domain
from ..tolerances import Tolerances

#: radius cap for unbounded domains (whole space): regions there may contain arbitrarily large
#: balls; the LP maximises min(radius, WHOLE_CAP)
WHOLE_CAP = 1.0


def domain_margin(x: np.ndarray, domain: Domain, p: np.ndarray | None = None) -> float:
    """Euclidean distance from ``x`` (``x + p`` with a reference point ``p``) to the boundary
    of a domain not given by rows (or +inf).

    Examples
    --------
    >>> import numpy as np
    >>> from polyreg import Ball
    >>> round(float(domain_margin(np.array([0.5, 0.0]), Ball([0, 0], 1.0, norm=2))), 9)
    0.5
    """
    if isinstance(domain, Ball) and domain.rows() is None:
        centre = domain.center if p is None else domain.center - p
        v = x - centre
        big = float(np.abs(v).max(initial=0.0))
        dist = big * np.linalg.norm(v / big, ord=domain.norm) if big > 0 else 0.0  # no overflow
        factor = 1.0 if domain.norm == 2 else np.sqrt(domain.dim)
        return (domain.radius - dist) / factor
    return np.inf


def frame(domain: Domain, tol: Tolerances) -> tuple[np.ndarray | None, float]:
    """Reference point ``p`` (None: the origin) and power-of-two scale ``s >= 1`` of the frame
    :func:`~polyreg.solvers.inscribed_ball` solves in: the domain's interior point, and the scale at which
    ``tol.radius`` is ten times the solvers' feasibility tolerance (1 unless the tolerances
    were raised for a domain of large extent, see :meth:`Tolerances.effective`)."""
    ratio = tol.radius / (10 * tol.solver_feasibility)
    s = float(2.0 ** np.round(np.log2(ratio))) if ratio > 1 else 1.0
    if not domain.bounded:
        return None, s
    p = domain.center if isinstance(domain, Ball) else domain.interior_point()
    return (p if np.any(p) else None), s


def framed_domain(domain: Domain, p: np.ndarray | None, s: float) -> Domain:
    """The domain in the frame ``u = (x - p) / s`` where the solve needs more than its rows
    (balls without rows; the whole space is its own frame)."""
    if not isinstance(domain, Ball) or domain.rows() is not None or (p is None and s == 1.0):
        return domain
    centre = domain.center - p if p is not None else domain.center
    return Ball(centre / s, domain.radius / s, norm=domain.norm)
