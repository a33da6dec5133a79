"""The ``branch`` search's plain data: a :class:`Piece` (the unit of work, picklable), the
decision counts (:class:`BranchCounts`) and the assembly of a finished search's regions into a
:class:`~polyreg.regions.RegionSet` (:func:`assemble`, in one process or after
:func:`polyreg.scale.branchpool.branch_parallel`). The search itself is
:mod:`polyreg.engines.branch_engine`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..regions import Region, RegionSet
from ..solvers import SolveCounter
from ..errors import ToleranceError
from ._common import Context


@dataclass
class Piece:
    """A piece of the search (picklable: pieces are the units of parallel work).

    Attributes
    ----------
    layer : hidden layer (0-based) whose neurons are being decided
    pattern : bits decided so far (the rest False)
    A, b : the piece's rows (domain rows first, then one row per split), unit norm
    x, r : certified ball inside the piece (and the domain)
    G, c : affine maps of the layer's pre-activations on the piece (``z = G x + c``)
    todo : neurons of the layer still to decide (pattern indices), in order
    witnesses : points of the closed piece (LP optima), shape (k, d)
    """

    layer: int
    pattern: np.ndarray
    A: np.ndarray
    b: np.ndarray
    x: np.ndarray
    r: float
    G: np.ndarray
    c: np.ndarray
    N: np.ndarray | None = None  # the rows of G scaled to unit norm (0 for constant ones)
    E: np.ndarray | None = None
    axis: np.ndarray | None = None  # N's rows that may be a side of the box (|N_ij| ~ 1)
    todo: list = field(default_factory=list)
    witnesses: np.ndarray | None = None
    row_ids: list = field(default_factory=list)  # labels of the split rows (LP model sync)
    row_neurons: list = field(default_factory=list)  # the neuron of each split row (exact rows)

    def __getstate__(self) -> dict:
        """Pickled without the layer maps (``G``, ``c``, ``N``, ``E``, ``axis``: two
        ``width x d`` matrices, most of a piece's bytes in hundreds of inputs); the receiving
        search recomputes them from the bits (``BranchSearch._restore``)."""
        state = dict(self.__dict__)
        for name in ("G", "c", "N", "E", "axis"):
            state[name] = None
        return state


@dataclass
class BranchCounts:
    """Decisions by kind (mutable, one per search)."""

    free: int = 0  # stable, constant, missing the domain, coinciding with a row
    ball: int = 0  # split through the ball
    witness: int = 0  # split certified by a witness
    lp_kept: int = 0  # one LP: no split
    lp_split: int = 0  # one LP: split
    chebyshev: int = 0  # Chebyshev fallback LPs
    l2_kept: int = 0  # L2 ball: no split, by a dual bound (no solve, engines._branch_l2)
    l2_split: int = 0  # L2 ball: split, by a witness of the active-set loop or a walk
    l2_lp_kept: int = 0  # L2 ball: no split, by the dual bound of one LP's row duals
    l2_lp_split: int = 0  # L2 ball: split, by one LP's optimum

    def add(self, other: BranchCounts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def assemble(
    ctx: Context,
    regions: list[Region],
    counter: SolveCounter,
    counts: BranchCounts,
    *,
    chebyshev: bool,
    edges: bool,
    workers: int,
    t0: float,
) -> RegionSet:
    """The :class:`RegionSet` of a finished ``branch`` search on ``ctx`` (in one process or in
    several, :func:`polyreg.scale.drive.branch_parallel`): the regions' Chebyshev centres and
    the facet adjacency when asked, the solve and decision counts in ``stats``.

    Raises
    ------
    ToleranceError
        Two regions with one pattern (the search is inconsistent in float64).

    Examples
    --------
    >>> import time, polyreg
    >>> from polyreg.engines._common import Context
    >>> from polyreg.engines.branch_engine import BranchSearch
    >>> ctx = Context.create(polyreg.random_network([2, 4, 1], seed=0), polyreg.Box.cube(2),
    ...                      polyreg.Tolerances())
    >>> search = BranchSearch(ctx)
    >>> regions = list(search.run([search.root()]))
    >>> rs = assemble(ctx, regions, search.counter, search.counts, chebyshev=False, edges=False,
    ...               workers=1, t0=time.perf_counter())
    >>> len(rs) == len(regions), rs.stats["engine"]
    (True, 'branch')
    """
    keys = {r.key for r in regions}
    if len(keys) != len(regions):
        raise ToleranceError("two pieces share a pattern; the search is inconsistent in float64")
    edge_list: list = []
    candidates = 0
    if chebyshev or edges:
        from .assembly import facet_edges, regions_from_patterns

        found = [(r.pattern, r.point, r.radius) for r in regions]
        regions, rows = regions_from_patterns(ctx, found, counter, chebyshev)
        if edges:
            edge_list, candidates = facet_edges(ctx, rows, counter)
    stats = {
        "engine": "branch",
        "lps": counter.lp,
        "socps": counter.socp,
        "solves": counter.total,
        "seconds": time.perf_counter() - t0,
        "stable_neurons": int((~ctx.stab.live).sum()),
        "decisions": dict(vars(counts)),
        "edges_computed": edges,
        "edge_candidates": candidates,
        "workers": workers,
        **counter.exact_stats(),
    }
    return RegionSet(tuple(regions), tuple(edge_list), "branch", ctx.domain, ctx.net.widths, stats)
