"""``branch``: depth-first neuron-by-neuron splitting with cheap certificates and warm LPs.

The domain is one *piece*; a piece is a polytope (input-space rows ``A x <= b``: the domain's
and one per neuron that split an ancestor) with the bits of the neurons decided so far and a
*certified ball* ``B(x, r)`` inside it (every row's slack at ``x`` re-checked in float64 to be at
least ``r``). Inside a piece every neuron of the next layer is one affine function (the earlier
bits are fixed), so the neurons of a layer are decided one at a time, depth first:

1. **Free decisions** (no LP), for all the layer's neurons at once when the piece enters the
   layer: stable neurons (interval bounds over the domain) and neurons constant on the piece
   (gradient below ``tol.gradient * scale``; identically zero is off) take their bit; so does
   a neuron whose hyperplane misses the domain's bounding set (box interval of the affine map
   on the piece, or the exact range over an L_p ball). Then per neuron and piece: a hyperplane
   that coincides (within ``tol.merge``) with a row of the piece cannot cut it (repeated,
   scaled or opposite neurons, a neuron on a side of the domain). The neurons left are taken
   in order of their hyperplanes' distance to the piece's centre, far first (the likeliest
   not to cut: one LP then decides them for every piece below), re-ordered for a child that
   gets a ball of its own at a split.
2. **Certain splits** (no LP): the hyperplane crosses the piece's ball with both caps holding a
   ball of radius ``>= tol.radius``: the caps' inscribed balls are the children's balls. The
   same when a known point of the piece (a *witness*: an earlier LP's optimum) lies beyond the
   hyperplane by ``m > 0``: the convex hull of the ball and the witness lies in the piece and
   holds the ball of radius ``r m / (m + v + r)`` beyond the hyperplane (``v`` the centre's
   distance to it), re-certified in float64.
3. **One LP otherwise**: ``m = max`` of the far-side signed distance over the piece, on one
   HiGHS model per search kept in sync with the piece's rows (:class:`~polyreg.solvers.RowStackLP`:
   rows pushed and popped along the depth-first path, so every solve is a hot start). ``m <=
   tol.zero``: no ball of radius above ``tol.zero`` fits beyond the hyperplane (its centre would
   be that far from it), so the far side is empty or lower-dimensional and the neuron takes the
   near bit (the ``zero`` semantics of :mod:`polyreg.tolerances`). Otherwise the optimum is a
   witness as in 2; when its hull ball is below ``tol.radius``, the far side's Chebyshev ball
   is solved for (:func:`~polyreg.solvers.inscribed_ball`, authoritative: full, empty, or
   :class:`~polyreg.errors.ToleranceError`).

A piece with every neuron decided is an activation region: its pattern is canonical (stable
bits proven, identically-zero neurons off), its ball is certified against every neuron's row
(a neuron decided without a split has the whole ball on its side: its distance to the centre
is folded into ``r``). Every full-dimensional region is found exactly once: the leaves
partition the domain up to lower-dimensional sets (a dropped side has no ball of radius
``tol.zero``), every leaf is full-dimensional, and two leaves differ in the bit of the neuron
that split their last common ancestor, which is not constant there, hence not identically zero
on either leaf.

Domains: every domain the other engines take. Bounded polyhedral domains (box, polytope,
L-inf ball, L1 ball with explicit rows) use the warm LP of step 3. An L2 ball answers step 3
with certificates checked in float64 (:mod:`polyreg.engines._branch_l2`: a witness point
beyond the hyperplane for a split, a weak-duality bound at most ``tol.zero`` for the near bit,
both from a small active-set loop, no solver), and :func:`~polyreg.solvers.inscribed_ball` (an
SOCP) only where they do not settle it; with ``reduce`` it works in the first layer's row space
(the regions are cylinders). The lifted L1 ball and the whole space answer step 3 with
:func:`~polyreg.solvers.inscribed_ball`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np

from ..domains import Ball, Box, Domain
from ..errors import ToleranceError
from ..exact import RowsFn
from ..solvers import RowStackLP, SolveCounter, inscribed_ball
from ..network import Network
from ..regions import Region, RegionSet
from ..tolerances import DEFAULT, Tolerances
from ._branch_data import BranchCounts, Piece, assemble
from ._branch_l2 import l2_far_test
from ._branch_rows import may_coincide, on_box_side, on_piece_row
from ._common import (
    domain_radius,
    Context,
    Progress,
    domain_keys,
    key_rows_fn,
    lift_regions,
    reduce_dimension,
)

__all__ = ["BranchCounts", "BranchSearch", "Piece", "assemble", "branch"]

#: witnesses (LP optima) kept per piece
MAX_WITNESSES = 12


class BranchSearch:
    """The depth-first search of :func:`branch` (its public stepping API: the parallel driver
    calls :meth:`root`, :meth:`step` and :meth:`run` on pieces).

    Examples
    --------
    >>> import polyreg
    >>> from polyreg.engines._common import Context
    >>> net = polyreg.random_network([3, 6, 1], seed=0)
    >>> s = BranchSearch(Context.create(net, polyreg.Box.cube(3), polyreg.Tolerances()))
    >>> len(list(s.run([s.root()]))) == len(polyreg.engines.traverse(net, polyreg.Box.cube(3)))
    True
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.net = ctx.net
        self.tol = ctx.tol
        self.counter = SolveCounter()
        self.counts = BranchCounts()
        dom = ctx.domain
        self.polyhedral = dom.bounded and dom.rows() is not None
        self.lp: RowStackLP | None = None
        self._model_rows: list[int] = []  # ids of the rows in the LP model, bottom up
        self._lo, self._hi = dom.bounding_box()
        if dom.bounded:
            self._mid = (self._lo + self._hi) / 2
            self._half = (self._hi - self._lo) / 2
        self._box_cols = isinstance(dom, Box) or (isinstance(dom, Ball) and dom.norm == np.inf)
        # an L2 ball: far sides by certificates before any SOCP (engines._branch_l2)
        self._l2 = isinstance(dom, Ball) and dom.norm == 2
        self.n_layers = len(self.net.hidden_widths)
        self.seen: set[bytes] = set()
        # row labels (the LP model's sync, _sync): this search draws them from the residue
        # class ``label_slot`` modulo ``label_stride``, so that searches in several processes
        # exchanging pieces never give one label to two rows (set by the parallel driver)
        self.label_slot, self.label_stride = 0, 1
        self._row_counter = 0
        self._last_optimum: np.ndarray | None = None  # of the LP model's last solve
        # per hidden layer: its neurons' pattern indices, stability masks and constant floors
        self._layers = []
        for layer in range(self.n_layers):
            lo, hi = self.net.layer_offsets[layer], self.net.layer_offsets[layer + 1]
            idx = np.arange(lo, hi)
            small, small_c = ctx.constant_floor(idx)
            self._layers.append((lo, hi, idx, ctx.stab.live[lo:hi], ctx.stab.on[lo:hi], small,
                                 small_c))

    # ----------------------------------------------------------------- start
    def root(self) -> Piece:
        """The whole domain, at its inscribed ball, entering the first layer."""
        ctx = self.ctx
        start = inscribed_ball(ctx.dom_A, ctx.dom_b, ctx.domain, ctx.tol, self.counter,
                               what="domain")
        if not start.full or start.center is None:  # pragma: no cover - full-dimensional domains
            raise ToleranceError("the domain has no interior at the tolerance")
        net = self.net
        if self._box_cols:  # the box is checked directly, its rows are not carried
            A0, b0 = np.zeros((0, net.n_inputs)), np.zeros(0)
        else:
            A0, b0 = ctx.dom_A, ctx.dom_b
        piece = Piece(0, np.zeros(net.n_hidden, dtype=bool), A0, b0, start.center,
                      start.radius, net.weights[0], net.biases[0])
        self._enter(piece)
        return piece

    # ----------------------------------------------------------------- layers
    def _enter(self, p: Piece) -> None:
        """Decide the free neurons of ``p.layer`` (``p.G``, ``p.c`` set) and order the rest."""
        ctx = self.ctx
        lo, hi, idx, live, on, _, _ = self._layers[p.layer]
        pattern = p.pattern[lo:hi]  # a view: the layer's bits
        pattern[:] = on
        c = p.c
        constant, small_c, N, E = self._unit_maps(p)
        if constant.any():
            pattern[constant] = c[constant] > small_c[constant]  # identically zero: off
        cand = live & ~constant
        n_cand = int(np.count_nonzero(cand))
        self.counts.free += int(hi - lo - n_cand)
        if not n_cand:
            p.todo = []
            return
        # every row of the layer at once (the others are masked out by cand)
        v = N @ p.x + E  # signed distance of the centre
        dom = ctx.domain
        if isinstance(dom, Ball):
            meets = np.abs(N @ dom.center + E) < dom.radius * np.linalg.norm(
                N, ord=dom.dual_norm, axis=1)
        elif dom.bounded:
            meets = np.abs(N @ self._mid + E) < np.abs(N) @ self._half
        else:
            meets = np.ones(hi - lo, dtype=bool)
        miss = cand & ~meets
        if miss.any():
            pattern[miss] = v[miss] > 0
            p.r = min(p.r, float(np.abs(v[miss]).min()))
            self.counts.free += int(np.count_nonzero(miss))
        keep = cand & meets
        p.todo = _far_first(idx[keep], v[keep])

    def _reorder(self, p: Piece) -> None:
        """Order ``p``'s undecided neurons by the distance of its (new) centre to their
        hyperplanes, far first (:func:`_far_first`)."""
        if p.N is None or p.E is None:  # pragma: no cover - set by _enter
            return
        todo = np.array(p.todo)
        i = todo - self.net.layer_offsets[p.layer]
        p.todo = _far_first(todo, p.N[i] @ p.x + p.E[i])

    def _unit_maps(self, p: Piece) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Set ``p.N``, ``p.E`` (the layer's maps ``p.G``, ``p.c`` scaled to unit normals; rows
        constant on the piece left as they are) and ``p.axis``; returns the constant rows' mask
        and the offsets' floor (:meth:`Context.constant_floor`, the thresholds region_rows
        uses), and ``p.N``, ``p.E``."""
        lo, hi, _, live, _, small, small_c = self._layers[p.layer]
        G = p.G
        gnorm = np.sqrt(np.add.reduce(G * G, axis=1))  # np.linalg.norm's own sum, unwrapped
        constant = live & (gnorm <= small)
        safe = np.where(live & ~constant, gnorm, 1.0)
        p.N = G / safe[:, None]
        p.E = p.c / safe
        # rows that may be a side of the box (|N_ij| ~ 1): on_box_side is asked for them only
        p.axis = (np.abs(p.N).max(axis=1) > 1 - 1e-6 if self._box_cols
                  else np.zeros(hi - lo, dtype=bool))
        return constant, small_c, p.N, p.E

    def _forward(self, pattern: np.ndarray, layer: int, G: np.ndarray,
                 c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The affine maps of layer ``layer + 1`` (the output layer after the last hidden one)
        on a piece, from those of ``layer`` (``z = G x + c``) and the piece's bits there."""
        net = self.net
        lo, hi = net.layer_offsets[layer], net.layer_offsets[layer + 1]
        slope = np.where(pattern[lo:hi], 1.0, net.negative_slope)
        W, b = net.weights[layer + 1], net.biases[layer + 1]
        return W @ (slope[:, None] * G), W @ (slope * c) + b

    def _restore(self, p: Piece) -> None:
        """The layer maps of a piece that crossed a process boundary without them
        (:meth:`Piece.__getstate__`): the same products :meth:`_next_layer` took (one
        :meth:`_forward` per layer, the same floats), from the piece's bits."""
        G, c = self.net.weights[0], self.net.biases[0]
        for layer in range(p.layer):
            G, c = self._forward(p.pattern, layer, G, c)
        p.G, p.c = G, c
        self._unit_maps(p)

    def _next_layer(self, p: Piece) -> None:
        p.G, p.c = self._forward(p.pattern, p.layer, p.G, p.c)
        p.layer += 1
        if p.layer < self.n_layers:
            self._enter(p)

    # ----------------------------------------------------------------- certificates
    def _certify(self, A: np.ndarray, b: np.ndarray, x: np.ndarray) -> float:
        """Radius of a ball around ``x`` inside ``{A x <= b}`` ∩ domain, in float64."""
        least = np.minimum.reduce  # ndarray.min's own reduction, without its Python wrappers
        r = float(least(b - A @ x)) if b.size else np.inf
        if self._box_cols:  # unit rows +-e_i: the margin is the least coordinate slack
            return min(r, float(least(x - self._lo)), float(least(self._hi - x)))
        return domain_radius(self.ctx, x, r)

    def _sync(self, p: Piece) -> RowStackLP:
        """The LP model holding exactly ``p``'s rows (popping and pushing the difference)."""
        if self.lp is None:
            d = self.net.n_inputs
            n_dom = self.ctx.dom_b.size
            if self._box_cols or self._l2:  # the (bounding) box as the columns' bounds
                self.lp = RowStackLP(self._lo, self._hi, self.tol, self.counter)
                self._floor = 0
            else:  # the domain's rows stay at the bottom of the stack
                self.lp = RowStackLP(np.full(d, -np.inf), np.full(d, np.inf), self.tol,
                                     self.counter)
                self.lp.push(self.ctx.dom_A, self.ctx.dom_b)
                self._floor = n_dom
            self._model_ids: list[int] = []
        ids = p.row_ids
        mine = self._model_ids
        # a label is given to one child only, so the paths agree up to the last place where
        # their labels agree: scan back from the shorter length (usually a step or two)
        common = min(len(ids), len(mine))
        while common and ids[common - 1] != mine[common - 1]:
            common -= 1
        lp = self.lp
        pos = self._floor + common
        # the first row that differs is often the sibling's, the same hyperplane reversed (the
        # search goes from one child of a split to the other): its bounds are swapped in place
        if (common < len(ids) and lp.height > pos
                and lp.flips_to(pos, p.A[pos], float(p.b[pos]))):
            lp.truncate(pos + 1)
            common += 1
        else:
            lp.truncate(pos)
        if common < len(ids):
            lo = self._floor + common
            lp.push(p.A[lo:], p.b[lo:])
        self._model_ids = ids  # never changed in place (a split makes new lists)
        return lp

    # ----------------------------------------------------------------- one neuron
    def _decide(self, p: Piece, k: int, stack: list[Piece]) -> None:
        """Decide neuron ``k`` on piece ``p``: set its bit, or split ``p`` (the far child goes
        on ``stack``, ``p`` becomes the near child)."""
        tol = self.tol
        i = k - self.net.layer_offsets[p.layer]
        if p.N is None or p.E is None or p.axis is None:  # pragma: no cover - set by _enter
            raise RuntimeError("a piece reached a neuron before its layer's maps were set")
        n, e = p.N[i], float(p.E[i])
        v = float(n @ p.x) + e
        near = v > 0
        s = 1.0 if near else -1.0
        av = abs(v)
        # the near side as a row a x <= beta: -s (n x + e) <= 0
        a_near, b_near = -s * n, s * e
        r = p.r
        far_ball: tuple[np.ndarray, float] | None = None
        if av < r and (r - av) / 2 >= tol.radius:
            # through the ball: both caps hold a ball
            xf = p.x - s * n * (r + av) / 2
            rf = min(self._certify(p.A, p.b, xf), -s * (float(n @ xf) + e))
            if rf >= tol.radius:
                far_ball = (xf, rf)
                self.counts.ball += 1
        w = p.witnesses
        if far_ball is None and w is not None and len(w):
            m = -s * (w @ n + e)  # distance beyond the hyperplane
            j = int(m.argmax())
            if m[j] > 0:
                far_ball = self._hull_ball(p, w[j], float(m[j]), av, n, e, s)
                if far_ball is not None:
                    self.counts.witness += 1
        if far_ball is None:
            bit: bool | None = None
            if self._box_cols and p.axis[i]:
                # on a side of the box (which is not among the piece's rows)?
                bit = on_box_side(self, p, k, a_near, b_near, near)
            optimum = None
            if bit is None and self.polyhedral:
                # one LP first: a far side with no room settles the bit (the near one, which a
                # row of the piece on the same hyperplane would give too)
                got = self._far_lp(p, n, e, s)
                if got is None:
                    p.pattern[k] = near
                    p.r = min(p.r, av)
                    return
                m, w = got
                optimum = None if w is None else (m, w)  # None: in doubt, Chebyshev decides
            if bit is None and (optimum is None or may_coincide(self, p, optimum, av)):
                # a row of the piece on the same hyperplane: the neuron cannot cut the piece
                # (a ball crossing the hyperplane or a witness beyond it rule this out)
                bit = on_piece_row(self, p, k, a_near, b_near, near)
            if bit is not None:
                p.pattern[k] = bit
                self.counts.free += 1
                return
            far_ball = self._far_test(p, n, e, s, av, k, optimum)
            if far_ball is None:
                p.pattern[k] = near
                p.r = min(p.r, av)
                return
        # continue on the side of the LP model's last optimum (its basis stays feasible there):
        # beyond the hyperplane after an LP split
        last = self._last_optimum
        far_first = last is not None and s * (float(n @ last) + e) < 0
        self._split(p, k, n, e, s, av, far_ball, stack, far_first=far_first)

    def _split(self, p: Piece, k: int, n: np.ndarray, e: float, s: float, av: float,
               far_ball: tuple[np.ndarray, float], stack: list[Piece],
               far_first: bool = False) -> None:
        """Split ``p`` at neuron ``k``'s hyperplane (its ball ``far_ball`` beyond it): ``p``
        becomes the near child and the far one goes on ``stack``, or the other way round with
        ``far_first`` (where the LP model's last optimum lies in the far child, as after every
        LP split: the next LP there starts from a feasible basis)."""
        row = s * n  # the far side as a row: s n x <= -s e
        r, centre = p.r, p.x
        A_far = np.concatenate((p.A, row[None, :]))
        b_far = np.concatenate((p.b, (-s * e,)))
        A_near = np.concatenate((p.A, -row[None, :]))
        b_near = np.concatenate((p.b, (s * e,)))
        if av >= r:
            near_ball = (p.x, r)
        else:  # the near cap's ball
            xn = p.x + s * n * (r - av) / 2
            near_ball = (xn, min((r + av) / 2, self._certify(A_near, b_near, xn)))
        w = p.witnesses
        w_far = w_near = w
        if w is not None and len(w):
            t = s * (w @ n + e)  # the witnesses' side (closed)
            w_far, w_near = w[t <= 0], w[t >= 0]
        # the two children: (bit of k, rows, ball, witnesses, label of the split row); one
        # stays in p, the other goes on the stack as a new Piece
        far_id, near_id = self._label(), self._label()  # the far row is labelled first
        far = (s < 0, A_far, b_far, far_ball, w_far, far_id)
        near = (s > 0, A_near, b_near, near_ball, w_near, near_id)
        stay, go = (far, near) if far_first else (near, far)
        ids, neurons = p.row_ids, p.row_neurons + [k]
        bit, A, b, (x, r), wit, label = go
        pattern = p.pattern.copy()
        pattern[k] = bit
        other = Piece(p.layer, pattern, A, b, x, r, p.G, p.c, p.N, p.E, p.axis, list(p.todo),
                      wit, ids + [label], neurons)
        bit, p.A, p.b, (p.x, p.r), p.witnesses, label = stay
        p.pattern[k] = bit
        p.row_ids, p.row_neurons = ids + [label], list(neurons)
        for child in (p, other):  # a child with a ball of its own: its own order
            if child.x is not centre and len(child.todo) > 1:
                self._reorder(child)
        stack.append(other)

    def _hull_ball(self, p: Piece, w: np.ndarray, m: float, av: float, n: np.ndarray, e: float,
                   s: float) -> tuple[np.ndarray, float] | None:
        """A ball beyond the hyperplane inside the hull of ``B(p.x, p.r)`` and ``w`` (``w``
        at distance ``m`` beyond it, the centre at ``av`` before it), certified in float64."""
        r = p.r
        t = (av + r) / (m + av + r)
        y = p.x + t * (w - p.x)
        ry = min(self._certify(p.A, p.b, y), -s * (float(n @ y) + e))
        if ry >= self.tol.radius:
            return y, ry
        return None

    def _far_lp(self, p: Piece, n: np.ndarray, e: float,
                s: float) -> tuple[float, np.ndarray | None] | None:
        """One LP: ``(m, w)``, the largest distance ``m`` beyond neuron ``n, e``'s hyperplane
        (far side ``-s``) over the polyhedral piece ``p`` and a point ``w`` reaching it (kept
        among ``p``'s witnesses); None when ``m <= tol.zero`` (no room beyond, unless
        ``tol.exact`` is ``"always"``). ``(m, None)`` when ``m <= tol.zero`` but the model
        holds a row with an entry HiGHS drops (:attr:`RowStackLP.drops_entries`: the LP was
        about a slightly tilted set): the caller decides by the Chebyshev solve, whose own
        "empty" goes to rational arithmetic (:func:`~polyreg.solvers.inscribed_ball`)."""
        lp = self._sync(p)
        value, w = lp.maximize(-s * n)
        if w is None:  # pragma: no cover - the piece holds a ball
            raise ToleranceError("a piece with a certified ball is infeasible in the LP")
        m = value - s * e
        self._last_optimum = w
        wit = w[None, :]
        p.witnesses = wit if p.witnesses is None else np.concatenate((p.witnesses, wit))[
            -MAX_WITNESSES:]
        if m <= self.tol.zero and self.tol.exact != "always":
            if lp.drops_entries:
                return m, None
            self.counts.lp_kept += 1
            return None
        return m, w

    def _far_test(self, p: Piece, n: np.ndarray, e: float, s: float, av: float, k: int,
                  optimum: tuple[float, np.ndarray] | None = None,
                  ) -> tuple[np.ndarray, float] | None:
        """The far side of neuron ``k`` in ``p``: its certified ball, or None when it has no
        interior (from the LP ``optimum`` of :meth:`_far_lp` for a polyhedral piece; a
        Chebyshev solve when that does not certify)."""
        tol = self.tol
        if optimum is not None:
            ball = self._hull_ball(p, optimum[1], optimum[0], av, n, e, s)
            if ball is not None:
                self.counts.lp_split += 1
                return ball
        elif self._l2:
            decided, ball = l2_far_test(self, p, n, e, s, av)
            if decided:
                return ball
        self.counts.chebyshev += 1
        A_far = np.vstack([p.A, s * n[None, :]])
        b_far = np.append(p.b, -s * e)
        if self._box_cols:
            A_far = np.vstack([self.ctx.dom_A, A_far])
            b_far = np.concatenate([self.ctx.dom_b, b_far])
        res = inscribed_ball(A_far, b_far, self.ctx.domain, tol, self.counter,
                             what=f"piece of neuron {self.net.neuron_name(k)}",
                             exact=self._exact_far(p, k, s < 0))
        if not res.full or res.center is None:
            return None
        return res.center, res.radius

    def _exact_far(self, p: Piece, k: int, far_on: bool) -> RowsFn:
        """The exact rows of ``p``'s far side of neuron ``k`` (row for row like the Chebyshev
        solve's: the domain's, the split rows', neuron ``k``'s), recomputed in rationals from
        the network for the piece's bits (a neuron's row depends on earlier layers' bits only,
        fixed for the piece), called only when a decision goes to rational arithmetic."""
        pattern = p.pattern.copy()
        pattern[k] = far_on
        return key_rows_fn(self.ctx, pattern, domain_keys(self.ctx) + p.row_neurons + [k])

    # ----------------------------------------------------------------- the search
    def run(self, pieces: list[Piece]) -> Iterator[Region]:
        """Every region below ``pieces``, depth first."""
        stack = list(reversed(pieces))
        self._fresh_ids(stack)
        for p in stack:
            if p.G is None:
                self._restore(p)
        while stack:
            p = stack.pop()
            region = self._finish(p, stack)
            if region is not None:
                yield region

    def step(self, p: Piece, stack: list[Piece]) -> Region | None:
        """Work on ``p`` until it is a region (returned) or has been split (its far child
        pushed on ``stack``, ``p`` pushed back on top); None when it was split."""
        if p.G is None:  # a piece from another process (pickled without its maps)
            self._fresh_ids([p])
            self._restore(p)
        return self._advance(p, stack, stop_at_split=True)

    def _label(self) -> int:
        """A new row label (of this search's residue class)."""
        self._row_counter += self.label_stride
        return self._row_counter

    def _fresh_ids(self, pieces: list[Piece], top: int = 0) -> None:
        """New row labels continue above ``top`` and every label in ``pieces`` (pieces from
        elsewhere), in this search's residue class."""
        top = max(top, max((max(p.row_ids, default=0) for p in pieces), default=0))
        if top > self._row_counter:
            self._row_counter = top + (self.label_slot - top) % self.label_stride

    def _finish(self, p: Piece, stack: list[Piece]) -> Region | None:
        return self._advance(p, stack, stop_at_split=False)

    def _advance(self, p: Piece, stack: list[Piece], stop_at_split: bool) -> Region | None:
        """Decide ``p``'s neurons layer by layer (far children of splits go on ``stack``) until
        it is a region (returned); with ``stop_at_split``, return None at the first split, ``p``
        pushed back on top of its far child."""
        before = len(stack)
        while True:
            if not p.todo:
                if p.layer + 1 >= self.n_layers:
                    return self._region(p)
                self._next_layer(p)
                continue
            k = p.todo.pop(0)
            self._decide(p, k, stack)
            if stop_at_split and len(stack) > before:
                stack.append(p)
                return None

    def _region(self, p: Piece) -> Region:
        """The region of a finished piece (its last layer's maps give the output map)."""
        out_W, out_b = self._forward(p.pattern, p.layer, p.G, p.c)
        x, r = p.x, p.r
        if r < self.tol.radius:  # rounding ate the ball: ask the solver (authoritative)
            from ._common import region_ball, region_rows

            x, r = region_ball(self.ctx, region_rows(self.ctx, p.pattern), self.counter)
        return Region(p.pattern.copy(), x, r, out_W, out_b)


def _far_first(neurons: np.ndarray, v: np.ndarray) -> list:
    """``neurons`` ordered by ``|v|`` (their hyperplanes' distances to a piece's centre),
    largest first: the likeliest not to cut the piece, each decided by one LP for every piece
    below it, before the splits that would make it one LP per child.

    Examples
    --------
    >>> import numpy as np
    >>> _far_first(np.array([4, 5, 6]), np.array([0.1, -0.3, 0.2]))
    [5, 6, 4]
    """
    return neurons[np.argsort(-np.abs(v), kind="stable")].tolist()


def branch(
    net: Network,
    domain: Domain,
    *,
    tol: Tolerances = DEFAULT,
    progress: bool | None = None,
    max_regions: int | None = None,
    chebyshev: bool = False,
    edges: bool = True,
    workers: int | None = None,
    reduce: bool = True,
) -> RegionSet:
    """Enumerate every activation region whose interior meets the domain's, by a depth-first
    split of the domain, neuron by neuron (see the module docstring for the method).

    Parameters
    ----------
    net : Network
    domain : Domain
        Box, Ball (norm 1, 2, inf), Polytope or Whole.
    tol : Tolerances
    progress : bool, optional
        Progress line on stderr; default: only when stderr is a terminal.
    max_regions : int, optional
        Stop with an error once more regions than this are found.
    chebyshev : bool
        Report each region's Chebyshev centre and radius (one LP/SOCP per region); by default
        a certified interior point and the radius of a ball around it inside the region.
    edges : bool
        Compute the facet adjacency afterwards (:func:`polyreg.engines.assembly.facet_edges`,
        about one LP per region and facet: several times the enumeration's own cost). With
        False (what a count needs) the result has no edges and ``stats['edges_computed']`` is
        False.
    workers : int, optional
        Accepted for the signature only: this engine runs in one process. ``workers > 1`` is
        run by :func:`polyreg.enumerate_regions` (which hands it to
        :func:`polyreg.scale.drive.branch_parallel`: the search tree cut at a shallow depth into
        pieces searched by that many processes); given here it raises ``ValueError``.
    reduce : bool
        For an L2 ball or the whole space, work in the row space of the first layer when its
        rank is below the input dimension (exact: the regions are cylinders along the null
        space, see ``_common.Reduction``), as ``traverse`` does.

    Returns
    -------
    RegionSet
        ``stats`` has the solve counts and ``decisions`` (neuron/piece decisions by kind).

    Raises
    ------
    ToleranceError
        A piece too thin to decide in float64, or more than ``max_regions`` regions.

    Examples
    --------
    >>> import polyreg
    >>> from polyreg.engines import branch, traverse
    >>> net = polyreg.random_network([3, 8, 6, 1], seed=0)
    >>> box = polyreg.Box.cube(3, -2, 2)
    >>> branch(net, box, edges=False).patterns == traverse(net, box).patterns
    True
    """
    t0 = time.perf_counter()
    domain = domain.for_inputs(net.n_inputs)
    reduction = reduce_dimension(net, domain) if reduce else None
    if reduction is not None:
        small = branch(reduction.net, reduction.domain, tol=tol, progress=progress,
                       max_regions=max_regions, chebyshev=chebyshev, edges=edges,
                       workers=workers)
        return lift_regions(small, reduction, net, domain, t0)
    if workers is not None and workers > 1:
        raise ValueError(
            "the branch engine runs in one process: for workers call "
            "polyreg.enumerate_regions(net, domain, method='branch', workers=...)")
    ctx = Context.create(net, domain, tol)
    search = BranchSearch(ctx)
    show = Progress(progress)
    regions = []
    for region in search.run([search.root()]):
        regions.append(region)
        if max_regions is not None and len(regions) > max_regions:
            raise ToleranceError(f"more than max_regions={max_regions} regions")
        show(len(regions), -1, search.counter.total)
    show(len(regions), 0, search.counter.total, final=True)
    return assemble(ctx, regions, search.counter, search.counts, chebyshev=chebyshev,
                    edges=edges, workers=1, t0=t0)
