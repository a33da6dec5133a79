"""``homog``: the activation regions of all of R^d as bounded problems on the faces of a cube
(or on the 2^d simplex facets of a cross-polytope) in the homogenised space.

Homogenisation
--------------
Write the network with an extra input ``t`` that multiplies every bias: ``z^1 = W^1 x + b^1 t``,
``z^l = W^l a^{l-1} + b^l t``. ReLU (and LeakyReLU) is positively homogeneous, so for ``t > 0``
every pre-activation satisfies ``z^l(x, t) = t z^l(x / t, 1)``: the pattern at ``(x, t)`` is the
pattern of the original network at ``x / t``. The map ``phi(x, t) = x / t`` is a diffeomorphism of
the open half-space ``H = {t > 0}`` of R^{d+1} onto the rays' traces, so:

(a) each activation region ``R`` of R^d (open, full-dimensional) is the image under ``phi`` of the
    open cone ``C(R) = {(x, t) : t > 0, x / t in R}``, and distinct regions have disjoint cones;

(b) take the boundary ``S`` of the cross-polytope ``{|x|_1 + |t| <= 1}`` inside ``H``. Every ray
    of ``H`` from the origin meets ``S`` exactly once, so ``C(R) ∩ S`` is a non-empty relatively
    open subset of ``S``. ``S ∩ closure(H)`` is the union of the ``2^d`` simplex facets
    ``F_s = {s . x + t = 1, s_i x_i >= 0, t >= 0}`` (``s`` in ``{-1, 1}^d``), so the open set
    ``C(R) ∩ S`` contains a relatively open subset of some ``F_s`` (a finite union of closed
    sets with empty interiors has empty interior): ``R`` is a full-dimensional region of the
    network restricted to some ``F_s``, with the same pattern;

(c) conversely, a full-dimensional region of the network restricted to ``F_s`` with pattern
    ``P`` is an open subset of ``F_s``; its interior points have ``t > 0`` (the relative
    interior of ``F_s`` does), and ``phi`` maps it onto an open set of R^d where the pattern is
    ``P``: a full-dimensional region of R^d.

The cube (the default, ``faces="cube"``)
------------------------------------------
(a)-(c) use only that every ray of ``H`` meets ``S`` exactly once and that ``S ∩ closure(H)``
is a finite union of closed faces on which the network is an ordinary network: true of the
boundary of any convex polytope with the origin inside. Take the cube ``|x|_inf <= L``,
``|t| <= 1`` (``L > 0``, :func:`cube_half_width`). Its faces meeting ``closure(H)`` are the top
``t = 1`` — where ``x / t = x``: the network itself on the box ``[-L, L]^d``, no projection,
no extra neuron — and the ``2d`` sides ``x_i = ±L`` with ``0 <= t <= 1``, each the box
``[-L, L]^{d-1} x [0, L]`` in ``w = (x without x_i, tau = L t)`` (:func:`side_network`; the
relative interior has ``t > 0``). So ``1 + 2d`` boxes instead of ``2^d`` simplices, and what
lies within ``L`` of the origin is solved undistorted on the top face. The sides hold the
arrangement beyond ``L``, and every unbounded region of R^d meets them; at ``tau = 0`` (the
directions at infinity) a deeper neuron whose inputs are all off there is identically zero
(``t = 0`` removes the biases), so the sides are degenerate along ``tau = 0``: ``skeleton``
resolves those ties symbolically but checks every region around them with exact facet tests,
which dominate from 6 inputs: the sides then go to ``branch``.

Sides proven empty (``prove_sides``, the default)
-------------------------------------------------
Most regions of R^d are unbounded and meet several sides, so enumerating the sides costs
several times the top face. They can be skipped when the top face provably holds every region:

(d) if the first layer has rank ``d`` (:func:`pointed`), every region ``R`` lies in one cell
    of the first layer's hyperplanes, whose lineality space ``{v : W^1 v = 0}`` is ``{0}``;
    so the closure of ``R`` is a pointed polyhedron and has a vertex ``v``: a point where
    ``d`` of its rows are tight with rank ``d``;

(e) if ``|v|_inf < L``, ``R`` meets the open top box (it is open and ``v`` is in its
    closure) and the top face finds it. Otherwise the ray of ``(v, 1)`` crosses the side
    ``x_i = sigma L`` with ``|v_i| = |v|_inf`` at ``t = L / |v|_inf`` in ``(0, 1]``, i.e.
    ``tau`` in ``(0, L]``; the side's hyperplane is transversal to the ray, so there the same
    ``d`` rows are tight with rank ``d``: a vertex of the side's subdivision off ``tau = 0``,
    which :func:`polyreg.engines._skeleton.far.neuron_vertices` reports (it scans the side's
    skeleton with the ``tau = 0`` side shifted inwards, where deeper neurons are identically
    zero, and errs on the side of reporting more);

(f) so if no side reports anything, every region meets the top box: the sides are skipped.
    Reported vertices move the cube beyond them (``L = 2^ceil(log2(4 max |v|_inf))``; the
    vertices are finitely many) and the scan is repeated (:func:`far_sides`). A side still
    reporting is enumerated; a region ``R`` the top face misses has a vertex ``v`` beyond
    ``L``, reported on the side its ray crosses (or on each side of a ridge it crosses), and
    the open cone of ``R`` meets that side near the crossing in a relatively open set. The
    reported sides are enumerated on the proven cube. The scan runs up to 8 inputs
    (skeleton's first stage); a first layer of lower rank, a scan too large for memory or a
    skeleton float64 made impossible
    (:class:`~polyreg.engines._skeleton.complex.Inconsistent`) enumerates every side;

(g) the projection thins what lies far out: two lines crossing at ``x = -2^41`` bound a wedge
    of width ``2^-41 |x|`` beyond the crossing, whose trace on the side ``x = -L`` is a sliver
    of width about ``2^-41 L`` at ``tau = 0``: the same fraction of the face's extent on every
    cube, but ``L`` times larger in absolute terms, while a face's "empty" verdict is an
    optimum at most the *absolute* ``tol.zero``. On a cube of half-width 4 the sliver
    (``2^-39``) was below ``zero`` (``1e-12``) and silently empty; so the faces are enumerated
    on a cube of half-width at least :func:`least_half_width` (``zero <= RADIUS_FLOOR L``),
    where a set below ``zero`` is also below what float64 resolves on the face, and a set
    between ``zero`` and the radius tolerance is decided in rationals like any other. A larger
    cube is exact by (a)-(c); with the proof the cube only grows, and (f) holds on any cube
    at least the proven one's (a side not reporting a vertex beyond ``L`` has none beyond a
    larger ``L`` either). What float64 cannot place at all, a vertex so far out that its
    trace is at ``tau = 0`` in float64 (lines crossing at ``x = -2^55``: the sliver is below
    an ulp of the face's coordinates on every cube), the scan reports as a tie on ``tau = 0``
    of first-layer hyperplanes that cannot all meet there exactly
    (:func:`~polyreg.engines._skeleton.far.neuron_vertices`), and the whole space then goes
    to ``branch``, which decides in R^d itself (in rationals where float64 cannot).

The cross-polytope (``faces="cross"``)
--------------------------------------
Hence the regions of R^d are, pattern for pattern, the union over ``s`` of the regions of the
restricted networks: each ``F_s`` is enumerated as a bounded problem (parametrised by ``x``,
with ``t = 1 - s . x``: the simplex ``{s_i x_i >= 0, s . x <= 1}`` of R^d) and the pattern sets
are merged. On ``F_s`` the homogenised network is an ordinary network of ``x``: the first layer
is ``(W^1 - b^1 s^T) x + b^1``, and ``t`` is carried through the layers by one extra neuron per
hidden layer: it carries ``u = t + d``, which lies in ``[1, 1 + d]`` on the simplex's bounding
box, so interval bounds prove it stable on (``relu(u) = u``, no hyperplane, no degeneracy) and
the next layer's bias term is ``b t = b u - b d``; it is dropped from the patterns. Canonical bits
agree: a neuron identically zero on ``R`` is identically zero on the
facet piece and conversely (``z = t z(x / t)``), and a neuron stable over ``F_s`` has its true
sign on every piece of ``F_s``.

The facets are solved by any bounded-domain engine (``skeleton`` by default, the fastest below
9 inputs); the merged regions get a certified interior point in R^d: ``x / t`` for the facet
piece's point, re-certified against the region's own rows in R^d (a Chebyshev LP when that
fails). In float64 the first layer ``W^1 - b^1 s^T`` is exact when the weights and biases are
dyadic rationals of moderate size (every degenerate test network); otherwise it carries
rounding of order ``1e-16`` relative, far below ``tol.radius``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

import numpy as np

from ..domains import Box, Domain, Polytope, Whole
from ..errors import InvalidDomain, SolverFailed, ToleranceError
from ..solvers import WHOLE_CAP, SolveCounter, inscribed_ball
from ..network import Network
from ..regions import Region, RegionSet, pattern_key
from ..tolerances import DEFAULT, RADIUS_FLOOR, Tolerances
from ._common import Context, Progress, region_rows
from ._skeleton.complex import Inconsistent
from .branch_engine import branch
from .skeleton import MAX_DIM as SKELETON_MAX_DIM

#: largest input dimension (2^d facets)
MAX_DIM = 10
#: the proof that the cube's sides hold nothing new (:func:`far_sides`) starts from the half-width
#: ``cube_half_width * 2**FAR_START`` and moves the cube beyond the vertices it finds at most
#: ``FAR_ROUNDS - 1`` times, to at most ``cube_half_width * 2**FAR_MAX`` (the top face's
#: radius tolerance grows with its extent, ``tolerances.RADIUS_FLOOR`` times it: at 2^10 times
#: the first layer's reach it is still the default 1e-9 for a reach of 1; beyond the cap the
#: sides that may hold a far vertex are enumerated)
FAR_START = 10
FAR_ROUNDS = 3
FAR_MAX = 24
#: the first layer is of rank ``d`` (every region pointed) when the smallest singular value of
#: its unit rows is above this (float noise is ~1e-16); below it the rank is computed in
#: rationals
RANK_FLOOR = 1e-8
#: with ``facet_method="auto"``, the cube's side faces go to ``skeleton`` up to this many inputs
#: and to ``branch`` above: the sides are degenerate along ``t = 0`` and skeleton's exact facet
#: tests around those ties (which check that no region next to a tie is missing) dominate
#: (6 inputs: 107 s with skeleton on the sides, 20 s with branch; 5 inputs: 0.7 s against 7 s)
SIDE_SKELETON_MAX_DIM = 5
#: regions whose maps are computed together when the merged regions are assembled
ASSEMBLY_CHUNK = 2048


def _batched_maps(net: Network, patterns: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:meth:`Network.local_maps` for many patterns at once: ``(G, c, out_W, out_b)`` with
    shapes ``(m, n_hidden, d)``, ``(m, n_hidden)``, ``(m, n_out, d)``, ``(m, n_out)``.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.random_network([2, 3, 3, 1], seed=0)
    >>> P = np.array([[1, 0, 1, 0, 1, 1], [0, 1, 1, 1, 0, 0]], dtype=bool)
    >>> G, c, W, b = _batched_maps(net, P)
    >>> all(np.allclose(W[i], net.local_maps(P[i]).out_W) and
    ...     np.allclose(G[i], net.local_maps(P[i]).G) for i in range(2))
    True
    """
    m = patterns.shape[0]
    offsets = net.layer_offsets
    alpha = net.negative_slope
    G = np.broadcast_to(net.weights[0], (m, *net.weights[0].shape))
    c = np.broadcast_to(net.biases[0], (m, net.biases[0].size))
    Gs, cs = [G], [c]
    for layer in range(1, len(net.weights)):
        slope = np.where(patterns[:, offsets[layer - 1]:offsets[layer]], 1.0, alpha)
        W = net.weights[layer]
        X = slope[:, :, None] * G  # (m, n, d) -> one product (n_out, n) @ (n, m d)
        n, d = X.shape[1], X.shape[2]
        G = (W @ X.transpose(1, 0, 2).reshape(n, m * d)).reshape(W.shape[0], m, d)
        G = G.transpose(1, 0, 2)
        c = (slope * c) @ W.T + net.biases[layer]
        if layer < len(net.weights) - 1:
            Gs.append(G)
            cs.append(c)
    return np.concatenate(Gs, axis=1), np.concatenate(cs, axis=1), G, c


def facet_network(net: Network, s: np.ndarray) -> Network:
    """The homogenised network restricted to the facet ``F_s``, as a network of ``x`` (see the
    module docstring): one extra neuron per hidden layer (the last of each layer) carries
    ``u = t + d`` with ``t = 1 - s . x``.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.random_network([2, 3, 1], seed=0)
    >>> s = np.array([1.0, -1.0]); x = np.array([0.2, -0.3]); t = 1 - s @ x
    >>> h = facet_network(net, s)
    >>> bool(np.allclose(h.forward(x), t * net.forward(x / t)))
    True
    """
    s = np.asarray(s, dtype=np.float64)
    C = float(s.size)  # u = t + C lies in [1, 1 + d] on the simplex's bounding box
    Ws, bs = net.weights, net.biases
    layers = []
    W0, b0 = Ws[0], bs[0]
    first = np.vstack([W0 - np.outer(b0, s), -s[None, :]])
    layers.append((first, np.append(b0, 1.0 + C)))
    for W, b in zip(Ws[1:-1], bs[1:-1], strict=True):
        n_out, n_in = W.shape
        M = np.zeros((n_out + 1, n_in + 1))
        M[:n_out, :n_in] = W
        M[:n_out, n_in] = b  # b t = b u - b C
        M[n_out, n_in] = 1.0
        layers.append((M, np.append(-C * b, 0.0)))
    W, b = Ws[-1], bs[-1]
    layers.append((np.hstack([W, b[:, None]]), -C * b))
    return Network.from_layers(layers, negative_slope=net.negative_slope)


def _cross_point(s: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Facet ``F_s`` point(s) ``x`` (rows) -> the point ``x / t`` of R^d, ``t = 1 - s . x``."""
    def to_point(x: np.ndarray) -> np.ndarray:
        return x / (1.0 - x @ s)[:, None]
    return to_point


def cube_half_width(net: Network) -> float:
    """``L`` of the cube faces: a power of two at least 4 times the largest distance of a
    first-layer hyperplane from the origin (and at least 1); any ``L > 0`` is exact, a larger
    one puts more of the arrangement on the top face (the network itself, no projection).

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([(np.eye(2), [3.0, -0.5]), (np.ones((1, 2)), [0.0])])
    >>> cube_half_width(net)
    16.0
    """
    W, b = net.weights[0], net.biases[0]
    norms = np.linalg.norm(W, axis=1)
    far = np.abs(b[norms > 0]) / norms[norms > 0]
    reach = max(1.0, 4.0 * float(far.max(initial=0.0)))
    return float(2.0 ** np.ceil(np.log2(reach)))


def least_half_width(tol: Tolerances) -> float:
    """The least cube half-width ``L`` the faces are enumerated on: the power of two at which
    ``tol.zero`` is at most ``RADIUS_FLOOR * L`` (16 with the defaults), so that a face's
    "empty" verdicts (optimum at most the absolute ``zero``) are about sets thinner than float64
    resolves on a face of that extent (see the module docstring, (g)).

    Examples
    --------
    >>> least_half_width(Tolerances())
    16.0
    """
    return float(2.0 ** np.ceil(np.log2(max(tol.zero / RADIUS_FLOOR, 1.0))))


def side_network(net: Network, i: int, sigma: float, half: float) -> Network:
    """The homogenised network on the side ``x_i = sigma L`` (``L = half``) of the cube
    ``|x|_inf <= L, 0 <= t <= 1``, as a network of ``w = (x without x_i, tau)``, ``tau = L t``
    in ``[0, L]``: the point ``w`` stands for ``x / t`` in R^d. One extra neuron per hidden
    layer (the last) carries ``u = tau + L`` (in ``[L, 2 L]``: stable on the face) and the bias
    terms ``b t = (b / L) u - b``.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.random_network([3, 4, 3, 1], seed=0)
    >>> L = 8.0; w = np.array([1.5, -2.0, 3.0])  # x_0 = L, x_2 = 1.5, x_3 = -2, tau = 3
    >>> t = w[-1] / L; x = np.array([L, 1.5, -2.0])
    >>> bool(np.allclose(side_network(net, 0, 1.0, L).forward(w), t * net.forward(x / t)))
    True
    """
    Ws, bs = net.weights, net.biases
    W0, b0 = Ws[0], bs[0]
    others = [j for j in range(net.n_inputs) if j != i]
    first = np.hstack([W0[:, others], (b0 / half)[:, None]])
    first = np.vstack([first, np.append(np.zeros(len(others)), 1.0)[None, :]])
    layers = [(first, np.append(sigma * half * W0[:, i], half))]
    for W, b in zip(Ws[1:-1], bs[1:-1], strict=True):
        n_out, n_in = W.shape
        M = np.zeros((n_out + 1, n_in + 1))
        M[:n_out, :n_in] = W
        M[:n_out, n_in] = b / half  # b t = (b / L) u - b
        M[n_out, n_in] = 1.0
        layers.append((M, np.append(-b, 0.0)))
    W, b = Ws[-1], bs[-1]
    layers.append((np.hstack([W, (b / half)[:, None]]), -b))
    return Network.from_layers(layers, negative_slope=net.negative_slope)


def _original_neurons(net: Network) -> np.ndarray:
    """Pattern indices, in a face network (one extra neuron at the end of each hidden layer:
    :func:`side_network`, :func:`facet_network`), of ``net``'s own neurons."""
    offsets = net.layer_offsets
    return np.concatenate([np.arange(offsets[i], offsets[i + 1]) + i
                           for i in range(len(offsets) - 1)])


def _top_face(net: Network, half: float) -> tuple:
    """The top face ``t = 1`` of the cube: ``net`` itself on ``[-L, L]^d`` (as
    :func:`cube_faces` lists it)."""
    return (net, Box.cube(net.n_inputs, -half, half), None, lambda y: y)


def cube_faces(net: Network, half: float) -> list:
    """The ``1 + 2d`` faces of the cube ``|x|_inf <= L, 0 < t <= 1`` as bounded problems:
    ``(network, box, kept neurons or None, face points -> points of R^d)``. The top face
    ``t = 1`` is ``net`` itself on ``[-L, L]^d``; the side ``x_i = sigma L`` is
    :func:`side_network` on ``[-L, L]^{d-1} x [0, L]``."""
    d = net.n_inputs
    keep = _original_neurons(net)
    out: list = [_top_face(net, half)]
    lo = np.append(np.full(d - 1, -half), 0.0)
    hi = np.full(d, half)
    for i in range(d):
        for sigma in (-1.0, 1.0):
            out.append((side_network(net, i, sigma, half), Box(lo, hi), keep,
                        _side_point(i, sigma, half)))
    return out


def _side_point(i: int, sigma: float, half: float) -> Callable[[np.ndarray], np.ndarray]:
    """Side-face point(s) ``w = (x without x_i, tau)`` (rows) -> ``x / t`` in R^d."""
    def to_point(w: np.ndarray) -> np.ndarray:
        tau = w[:, -1:]
        x = np.insert(w[:, :-1], i, sigma * half, axis=1)
        return x * (half / tau)
    return to_point


def pointed(net: Network) -> bool:
    """Whether the first layer has rank ``d``: then every region, inside one cell of the first
    layer's hyperplanes, is a pointed polyhedron. Decided by the smallest singular value of
    the unit rows (invariant under positive rescaling of a neuron) when it is above
    :data:`RANK_FLOOR`, else in rationals (:func:`polyreg.exact.independent_rows`).

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> pointed(polyreg.random_network([3, 4, 1], seed=0))
    True
    >>> pointed(polyreg.Network.from_layers([([[1.0, 1.0], [2.0, 2.0]], [0.0, 1.0]),
    ...                                      ([[1.0, 1.0]], [0.0])]))
    False
    """
    W = net.weights[0]
    norms = np.linalg.norm(W, axis=1)
    U = W[norms > 0] / norms[norms > 0, None]
    if U.shape[0] < net.n_inputs:
        return False
    sv = np.linalg.svd(U, compute_uv=False)
    if sv[-1] > RANK_FLOOR * sv[0]:
        return True
    from ..exact import independent_rows, q_mat

    return len(independent_rows(q_mat(W))) == net.n_inputs


class FarVertex(ToleranceError):
    """A vertex of the arrangement too far out for float64 on the cube's sides (its scan
    reports it at ``tau = 0``): the sides' traces of the regions there may be thinner than
    ``tol.zero``, so :func:`homog` gives the whole space to ``branch`` (see the module
    docstring, (g))."""


def far_sides(net: Network, tol: Tolerances = DEFAULT) -> tuple[float, list[bool], int]:
    """A cube half-width ``L`` and which of its ``2d`` sides can hold a region the top face
    ``[-L, L]^d`` misses (see the module docstring, "Sides proven empty"): ``(L, need,
    rounds)``. Each side is scanned for vertices of ``d`` hyperplanes off ``t = 0``
    (:func:`~polyreg.engines._skeleton.far.neuron_vertices`); when some are found the cube
    moves beyond them (``L = 2^ceil(log2(4 max |v|_inf))``, the set of vertices being
    finite) and is scanned again, up to :data:`FAR_ROUNDS` scans.

    Raises
    ------
    FarVertex
        A side reports a vertex at ``tau = 0`` (beyond what float64 places).

    Examples
    --------
    >>> import polyreg
    >>> net = polyreg.random_network([3, 6, 1], seed=0)
    >>> L, need, rounds = far_sides(net)
    >>> need, L > cube_half_width(net)
    ([False, False, False, False, False, False], True)
    """
    from ._skeleton.far import neuron_vertices

    base = cube_half_width(net)
    half = base * 2.0**FAR_START
    d = net.n_inputs
    for rounds in range(1, FAR_ROUNDS + 1):
        sides = cube_faces(net, half)[1:]
        found = [neuron_vertices(fnet, fdom, d - 1, tol=tol) for fnet, fdom, _, _ in sides]
        need = [v.shape[0] > 0 for v in found]
        if not any(need) or rounds == FAR_ROUNDS:
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            reach = max(float(np.abs(to_point(v)).max()) for v, (_, _, _, to_point)
                        in zip(found, sides, strict=True) if v.shape[0])
        if not np.isfinite(reach):
            raise FarVertex("a side's scan finds hyperplanes meeting at tau = 0 in float64 that "
                            "cannot all meet there exactly: a vertex too far out to place")
        if 4.0 * reach > base * 2.0**FAR_MAX:
            break  # a vertex too far out for the top face: those sides are enumerated
        half = max(half, float(2.0 ** np.ceil(np.log2(4.0 * reach))))
    return half, need, rounds


def facets(d: int) -> list[np.ndarray]:
    """The sign vectors ``s`` of the ``2^d`` facets."""
    return [np.array(v, dtype=np.float64) for v in itertools.product((-1.0, 1.0), repeat=d)]


def simplex(s: np.ndarray) -> Polytope:
    """``{x : s_i x_i >= 0, s . x <= 1}``: the facet ``F_s`` in the coordinates ``x``."""
    d = s.size
    A = np.vstack([-np.diag(s), s[None, :]])
    return Polytope(A, np.append(np.zeros(d), 1.0))


def homog(
    net: Network,
    domain: Domain | None = None,
    *,
    tol: Tolerances = DEFAULT,
    progress: bool | None = None,
    facet_method: str = "auto",
    max_regions: int | None = None,
    fallback: bool = True,
    edges: bool = True,
    faces: str = "cube",
    prove_sides: bool = True,
) -> RegionSet:
    """Every activation region of ``net`` in all of R^d, from ``2^d`` bounded problems.

    Parameters
    ----------
    net : Network
    domain : Whole, optional
        Only the whole space (the default).
    tol : Tolerances
    progress : bool, optional
    facet_method : str
        Engine for the facets (a bounded polyhedral domain): ``"auto"`` (``skeleton`` up to 8
        inputs; the cube's side faces by ``branch`` above :data:`SIDE_SKELETON_MAX_DIM`
        inputs), ``"skeleton"``, ``"branch"``, ``"traverse"``, ...
    max_regions : int, optional
        Stop with an error once more regions than this are found.
    edges : bool
        Compute the facet adjacency in R^d afterwards
        (:func:`polyreg.engines.assembly.facet_edges`, one LP per candidate pair); with False
        (what a count needs) none, and ``stats['edges_computed']`` is False.
    faces : str
        ``"cube"`` (default): the ``1 + 2d`` boxes of the cube ``|x|_inf <= L, 0 < t <= 1``
        (:func:`cube_faces`; the top face is the network itself in ``[-L, L]^d``); ``"cross"``:
        the ``2^d`` simplex facets of the cross-polytope.
    prove_sides : bool
        With the cube (default True): enumerate only the sides that may hold a region the top
        face misses (:func:`far_sides`; every side when the first layer has rank below ``d``
        (:func:`pointed`) or above 8 inputs). ``stats['sides_skipped']`` counts the others,
        ``stats['far_rounds']`` the scans, ``stats['top_half_width']`` is the proven cube's,
        on which the top face and the sides are enumerated (at least
        :func:`least_half_width`). With False every side, at :func:`cube_half_width` (at least
        :func:`least_half_width`); the scan still runs, for vertices too far out to place.
    fallback : bool
        When a facet is too thin to decide in float64 (regions far from the origin shrink on the
        facets) or the solver fails on it, it is retried with ``branch``
        (``stats['facets_retried']``); when that fails too, ``traverse`` runs on the whole space
        instead (its result, with ``stats['homog_fallback']`` the reason). When the sides' scan
        finds a vertex too far out to place (:class:`FarVertex`), ``branch`` runs on the whole
        space (``stats['homog_fallback']`` says so). With False, raise the error.

    Returns
    -------
    RegionSet
        ``stats['facet_regions']`` is the sum of the facets' counts (a region meeting several
        facets counts in each).

    Raises
    ------
    InvalidDomain
        A domain other than the whole space, or more than :data:`MAX_DIM` inputs.
    ToleranceError
        With ``fallback=False``: a facet too thin to decide, or a vertex too far out
        (:class:`FarVertex`).

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> rng = np.random.default_rng(0)
    >>> net = polyreg.Network.from_layers([(rng.normal(size=(4, 2)), rng.normal(size=4)),
    ...                                    (np.ones((1, 4)), [0.0])])
    >>> rs = homog(net)
    >>> len(rs), len(rs.edges)  # 4 lines in general position: 1 + 4 + 6 regions, 16 edges
    (11, 16)
    """
    from . import ENGINES

    t0 = time.perf_counter()
    d = net.n_inputs
    if domain is not None and not isinstance(domain, Whole):
        raise InvalidDomain(f"the homog engine enumerates the whole space, got {domain!r}")
    if d > MAX_DIM:
        raise InvalidDomain(f"the homog engine takes at most {MAX_DIM} inputs (2^d facets), "
                            f"the network has {d}")
    engine = ENGINES[facet_method]
    import inspect

    takes = inspect.signature(engine).parameters
    extra = {"edges": False} if "edges" in takes or facet_method == "auto" else {}
    whole = Whole(d)
    ctx = Context.create(net, whole, tol)
    counter = SolveCounter()
    show = Progress(progress)
    keep = _original_neurons(net)
    found: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
    facet_regions = 0
    retried = 0
    if faces not in ("cube", "cross"):
        raise ValueError(f"faces must be 'cube' or 'cross', got {faces!r}")
    half = cube_half_width(net) if faces == "cube" else 0.0
    need = [True] * (2 * d)
    rounds = 0
    top = half
    # the proof scans the sides with skeleton's first stage: up to its MAX_DIM inputs; without
    # the proof the scan still runs, for the vertices too far out to place (g)
    if faces == "cube" and d <= SKELETON_MAX_DIM and pointed(net):
        try:
            proven, proven_need, rounds = far_sides(net, tol)
            if prove_sides:
                top, need = proven, proven_need
        except FarVertex as exc:
            if not fallback:
                raise
            rs = branch(net, whole, tol=tol, progress=progress, edges=edges)
            stats = dict(rs.stats, homog_fallback=str(exc), seconds=time.perf_counter() - t0)
            return RegionSet(rs.regions, rs.edges, rs.method, rs.domain, rs.widths, stats)
        except (ToleranceError, Inconsistent):  # too many vertices to scan, or float64 made
            top, need = half, [True] * (2 * d)  # an impossible skeleton: every side
    # the top face and the sides still needed, on the proven cube at least least_half_width
    # (see the module docstring, (g))
    if faces == "cube":
        top = max(top, least_half_width(tol))
    todo = [_top_face(net, top)] + [face for face, keep_it in
                                     zip(cube_faces(net, top)[1:], need, strict=True)
                                     if keep_it] if faces == "cube" else [
        (facet_network(net, s), simplex(s), keep, _cross_point(s)) for s in facets(d)]
    for fnet, fdom, fkeep, to_point in todo:
        try:
            if fkeep is not None and faces == "cube" and facet_method == "auto" and (
                    d > SIDE_SKELETON_MAX_DIM):
                rs = branch(fnet, fdom, tol=tol, progress=False, edges=False)
            else:
                rs = engine(fnet, fdom, tol=tol, progress=False, **extra)
        except (ToleranceError, SolverFailed) as exc:
            # far from the origin the projection shrinks regions (a region of inradius rho at
            # distance D has inradius about rho / D^2 on the facet); skeleton's exact
            # adjacency around degenerate spots is the first to give up: branch (no adjacency)
            # on this facet, else the search in R^d itself decides
            try:
                if facet_method == "branch":
                    raise
                rs = branch(fnet, fdom, tol=tol, progress=False, edges=False)
                retried += 1
            except (ToleranceError, SolverFailed):
                if not fallback:
                    raise exc from None
                from .traverse_engine import traverse

                rs = traverse(net, whole, tol=tol, progress=progress, chebyshev=False)
                stats = dict(rs.stats, homog_fallback=str(exc),
                             seconds=time.perf_counter() - t0)
                return RegionSet(rs.regions, rs.edges, rs.method, rs.domain, rs.widths, stats)
        counter.lp += int(rs.stats.get("lps", 0))
        counter.socp += int(rs.stats.get("socps", 0))
        facet_regions += len(rs)
        if len(rs):
            pats = np.array([r.pattern for r in rs])
            if fkeep is not None:
                pats = pats[:, fkeep]
            pts = to_point(np.array([r.point for r in rs]))
            for pattern, point in zip(pats, pts, strict=True):
                key = pattern_key(pattern)
                if key not in found:
                    found[key] = (pattern, point)
        if max_regions is not None and len(found) > max_regions:
            raise ToleranceError(f"more than max_regions={max_regions} regions")
        show(len(found), -1, counter.total)
    regions = []
    live = ctx.stab.live
    small, _ = ctx.constant_floor(np.flatnonzero(live))
    items = list(found.values())
    for lo in range(0, len(items), ASSEMBLY_CHUNK):
        chunk = items[lo:lo + ASSEMBLY_CHUNK]
        patterns = np.array([pattern for pattern, _ in chunk])
        points = np.array([point for _, point in chunk])
        # every region's affine maps at once (the masked recurrence of Network.local_maps)
        G, c, out_W, out_b = _batched_maps(ctx.net, patterns)
        g, cc = G[:, live], c[:, live]
        gnorm = np.linalg.norm(g, axis=2)
        rows = gnorm > small  # the region's neuron rows (constant neurons have none)
        sign = np.where(patterns[:, live], 1.0, -1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            dist = sign * ((g @ points[:, :, None])[:, :, 0] + cc) / gnorm
        radii = np.minimum(np.where(rows, dist, np.inf).min(axis=1, initial=np.inf), WHOLE_CAP)
        for j, (pattern, point) in enumerate(chunk):
            radius = float(radii[j])
            if radius < ctx.tol.radius:  # the authoritative answer on the region's own rows
                rr = region_rows(ctx, pattern)
                ball = inscribed_ball(rr.A, rr.b, whole, ctx.tol, counter, what="region of R^d")
                if not ball.full or ball.center is None:
                    raise ToleranceError(f"region {pattern.astype(int)} has no interior in R^d")
                point, radius = ball.center, ball.radius
            regions.append(Region(pattern, point, radius, out_W[j], out_b[j]))
    show(len(regions), 0, counter.total, final=True)
    edge_list: list = []
    if edges:
        from .assembly import facet_edges

        rows = [region_rows(ctx, r.pattern) for r in regions]
        edge_list, _ = facet_edges(ctx, rows, counter)
    stats = {
        "engine": "homog",
        "facet_method": facet_method,
        "lps": counter.lp,
        "socps": counter.socp,
        "solves": counter.total,
        "seconds": time.perf_counter() - t0,
        "facets": len(todo),
        "faces": faces,
        "cube_half_width": half,
        "top_half_width": top,
        "sides_skipped": 2 * d - sum(need),
        "far_rounds": rounds,
        "facet_regions": facet_regions,
        "facets_retried": retried,
        "edges_computed": edges,
    }
    return RegionSet(tuple(regions), tuple(edge_list), "homog", whole, net.widths, stats)
