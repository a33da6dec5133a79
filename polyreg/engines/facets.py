"""Which hyperplanes of a region carry a facet that meets the domain's interior: the facet test
shared by the engines that cross or check facets (``traverse``, ``milp``, ``skeleton``) and the
domain filter ``split`` uses. Each facet comes with a point in its relative interior: the foot of
the perpendicular from the region's centre when it provably lies inside the facet, else a point
from one LP on the facet's hyperplane (:func:`polyreg.solvers.inscribed_ball`)."""

from __future__ import annotations

import numpy as np

from ..domains import Ball
from ..geometry import foot_point_margins, polar_facets
from ..solvers import SolveCounter, domain_margin as _domain_margin, inscribed_ball
from ._common import CUT, DOMAIN_ROW, Context, CutCoincides, RegionRows, exact_rows

#: largest input dimension where facets are found by a convex hull in the polar (qhull) rather
#: than by one LP each; above it hulls grow too large to pay off
QHULL_MAX_DIM = 6


def meets_domain(ctx: Context, A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether each hyperplane ``a x = b`` can meet the domain's interior (sound filter: False
    only where the hyperplane provably misses it; it is tested against a ball exactly and against
    the bounding box of any other bounded domain).

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.engines._common import Context
    >>> net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [0.0])])
    >>> ctx = Context.create(net, polyreg.Box.cube(2), polyreg.Tolerances())
    >>> meets_domain(ctx, np.array([[1.0, 0.0], [1.0, 0.0]]), np.array([0.5, 2.0])).tolist()
    [True, False]
    """
    dom = ctx.domain
    if isinstance(dom, Ball):
        q = dom.dual_norm
        return np.abs(A @ dom.center - b) < dom.radius * np.linalg.norm(A, ord=q, axis=1)
    if not dom.bounded:
        return np.ones(A.shape[0], dtype=bool)
    lo, hi = dom.bounding_box()
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    centre = A @ mid - b
    spread = np.abs(A) @ half
    return np.abs(centre) < spread


def find_facets(
    ctx: Context, rr: RegionRows, center: np.ndarray, counter: SolveCounter
) -> list[tuple[int, np.ndarray]]:
    """Rows of ``rr`` whose hyperplane carries a facet of region ∩ domain meeting the domain's
    interior, each with a point in the facet's relative interior.

    Domain rows and neuron rows lying on the domain's boundary are not crossable and are left
    out. One representative row per hyperplane. Cut rows (a part's bounds, see
    :meth:`Context.with_cuts`) are tested like neuron rows and reported; a cut sharing its
    hyperplane with a neuron raises :class:`CutCoincides`.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.engines._common import Context, region_rows
    >>> from polyreg.solvers import SolveCounter
    >>> net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [0.0])])
    >>> ctx = Context.create(net, polyreg.Box.cube(2), polyreg.Tolerances())
    >>> rr = region_rows(ctx, np.array([True, True]))  # the quadrant x, y > 0
    >>> sorted(int(rr.neuron[k]) for k, _ in find_facets(ctx, rr, np.array([0.5, 0.5]), SolveCounter()))
    [0, 1]
    """
    A, b, group, neuron = rr.A, rr.b, rr.group, rr.neuron
    labels, first = np.unique(group, return_index=True)
    where = np.searchsorted(labels, group)
    on_boundary = np.zeros(labels.size, dtype=bool)
    on_boundary[where[neuron == DOMAIN_ROW]] = True
    if ctx.cut_b.size:
        has_cut = np.zeros(labels.size, dtype=bool)
        has_neuron = np.zeros(labels.size, dtype=bool)
        has_cut[where[neuron <= CUT]] = True
        has_neuron[where[neuron >= 0]] = True
        bad = np.flatnonzero(has_cut & has_neuron & ~on_boundary)
        if bad.size:
            rows = np.flatnonzero(where == bad[0])
            cut = CUT - int(neuron[rows][neuron[rows] <= CUT][0])
            name = ctx.net.neuron_name(int(neuron[rows][neuron[rows] >= 0][0]))
            raise CutCoincides(
                f"cut {cut} of the part lies on the hyperplane of neuron {name}", cut
            )
    if on_boundary.all():
        return []
    slack = b - A @ center
    same = group[:, None] == group[None, :]
    d = A.shape[1]
    crossable = ~on_boundary
    out: list[tuple[int, np.ndarray]] = []
    polar = None
    always = ctx.tol.exact == "always"  # every facet decided by a (rational) solve
    if d <= QHULL_MAX_DIM and ctx.domain.bounded and not always:
        # facets of region ∩ (domain, or for a round ball its bounding box) from one hull
        A_h, b_h, reps_h = A, b, first
        if ctx.dom_b.size == 0:
            lo, hi = ctx.domain.bounding_box()
            eye = np.eye(d)
            A_h = np.vstack([A, eye, -eye])
            b_h = np.concatenate([b, hi, -lo])
            reps_h = np.concatenate([first, A.shape[0] + np.arange(2 * d)])
        slack_h = b_h - A_h @ center
        polar = polar_facets(A_h, slack_h, reps_h, ctx.tol.radius)
    if polar is not None:
        facet, points, undecided = polar
        n = first.size
        facet, points, undecided = facet[:n] & crossable, points[:n], undecided[:n] & crossable
        points = center + points
        if ctx.dom_b.size == 0:  # the facet point must also lie inside the round ball
            inside = np.array([_domain_margin(p, ctx.domain) for p in points[facet]])
            ok = inside >= ctx.tol.radius
            undecided[np.flatnonzero(facet)[~ok]] = True
            facet[np.flatnonzero(facet)[~ok]] = False
        out.extend((int(first[k]), points[k]) for k in np.flatnonzero(facet))
        reps = first[undecided]
    else:
        reps = first[crossable]
    if reps.size:
        reps = reps[meets_domain(ctx, A[reps], b[reps])]
    if reps.size == 0:
        return out
    margins = foot_point_margins(A, slack, same)[reps]
    feet = center[None, :] + slack[reps, None] * A[reps]
    if ctx.domain.rows() is None and ctx.domain.bounded:
        margins = np.minimum(margins, [_domain_margin(f, ctx.domain) for f in feet])
    elif not ctx.domain.bounded:
        margins = np.minimum(margins, 1.0)
    for k, margin, foot in zip(reps, margins, feet, strict=True):
        if margin >= ctx.tol.radius and not always:
            out.append((int(k), foot))
            continue
        res = inscribed_ball(
            A, b, ctx.domain, ctx.tol, counter, on_row=int(k), skip=same[k],
            what=f"facet test of neuron {ctx.net.neuron_name(int(neuron[k]))}",
            exact=exact_rows(ctx, rr),
        )
        if res.full and res.center is not None:
            out.append((int(k), res.center))
    return out


__all__ = ["QHULL_MAX_DIM", "find_facets", "meets_domain"]
