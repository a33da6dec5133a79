"""Canonical forms: the same arrangement, written so that tolerances mean the same thing.

Two changes of representation leave every activation region (and its pattern) unchanged:

* **Rescaling a hidden neuron** by ``c > 0`` (its row and bias times ``c``, the next layer's
  column times ``1 / c``): ReLU and LeakyReLU are positively homogeneous.
  :func:`canonical_network` rescales every hidden neuron so that its row has Euclidean norm in
  ``[2^-0.5, 2^0.5]``, with factors that are *powers of two*: the rescaling is exact in float64,
  so patterns, local maps and output maps of the canonical network are bit for bit those of the
  given one (up to the power-of-two factors), and exact degeneracies survive.
* **Translating the input** (``x = c + u``; ``b0 += W0 c``; the domain moved by ``-c``):
  :func:`centre` moves the origin to the middle of the domain, on a coarse dyadic grid (so
  that integer networks on integer shifts stay exact), and :func:`uncentre` maps a result back.
  The new offsets (``b0 + W0 c``, a polytope's ``b - A c``) are correctly rounded
  (:func:`polyreg.slices.exact_affine`): exact whenever the exact value is a float64, so
  moving network and domain together by an exact shift changes no bit of the centred problem.

This module is the one place coordinates are centred: :func:`polyreg.enumerate_regions` centres
on :func:`domain_centre`; the low-dimensional engines (``planar``, ``skeleton``, and ``line``
for a path's points) centre once more on the exact middle, :func:`midpoint`, with
:func:`shift_network` / :func:`shift_domain` / :func:`uncentre` as here.

Both are ``O(size of the network)``.
"""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np

from .domains import Ball, Box, Domain, Polytope, Whole
from .network import Network
from .slices import exact_affine

#: smallest positive normal float64 (a rescaled weight must not become subnormal: not exact)
_TINY = np.finfo(np.float64).tiny


def canonical_network(net: Network) -> Network:
    """``net`` with every hidden neuron rescaled by a power of two to a row norm in
    ``[2^-0.5, 2^0.5]`` (rows of zeros, constant neurons, stay), factors pushed into the next
    layer's columns.

    The rescaling is exact in float64 (a neuron whose rescaling would overflow or underflow its
    next layer's column keeps its factor 1), so the result has exactly the same activation
    patterns and output maps. Returns ``net`` itself when nothing changes.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([([[1e12, 0.0], [0.0, 3.0]], [0.0, 1.0]),
    ...                                    ([[1.0, 1.0]], [0.0])])
    >>> can = canonical_network(net)
    >>> np.linalg.norm(can.weights[0], axis=1).round(3).tolist()
    [0.909, 0.75]
    >>> bool(np.allclose(can.forward(np.array([[0.3, -0.2]])), net.forward(np.array([[0.3, -0.2]]))))
    True
    """
    Ws = [np.array(W) for W in net.weights]
    bs = [np.array(b) for b in net.biases]
    changed = False
    for layer in range(len(Ws) - 1):
        W, b, nxt = Ws[layer], bs[layer], Ws[layer + 1]
        norms = np.linalg.norm(W, axis=1)
        with np.errstate(divide="ignore"):
            expo = np.where(norms > 0, np.round(np.log2(np.where(norms > 0, norms, 1.0))), 0.0)
        expo = expo.astype(np.int64)
        for k in np.flatnonzero(expo):
            e = int(expo[k])
            row, bias, col = np.ldexp(W[k], -e), np.ldexp(b[k], -e), np.ldexp(nxt[:, k], e)
            if not (_exact(W[k], row) and _exact(b[k:k + 1], np.atleast_1d(bias))
                    and _exact(nxt[:, k], col)):
                continue
            W[k], b[k], nxt[:, k] = row, bias, col
            changed = True
    if not changed:
        return net
    return Network(tuple(Ws), tuple(bs), net.negative_slope)


def _exact(before: np.ndarray, after: np.ndarray) -> bool:
    """Whether scaling ``before`` by a power of two to ``after`` lost nothing (no overflow, no
    subnormal or zero result from a non-zero entry)."""
    nz = before != 0
    return bool(np.all(np.isfinite(after)) and np.all(np.abs(after[nz]) >= _TINY))


def _dyadic(value: np.ndarray, step: float) -> np.ndarray:
    """``value`` rounded to a multiple of the power of two at or below ``step``."""
    q = 2.0 ** np.floor(np.log2(step))
    return np.round(value / q) * q


def domain_centre(domain: Domain, net: Network | None = None) -> np.ndarray:
    """The origin :func:`centre` moves to: the middle of the domain's bounding box (the ball's
    centre) rounded to a multiple of a power of two near an eighth of its half-width, so that the
    shift is exact for integer data. Zero when the domain already contains the origin well
    inside (within four half-widths). For the whole space, the point of least squared distance
    to the first layer's hyperplanes (translation-equivariant), rounded to integers, when it is
    farther than 4 from the origin (needs ``net``).

    Examples
    --------
    >>> import polyreg
    >>> domain_centre(polyreg.Box([99999.0, 99999.0], [100001.0, 100001.0])).tolist()
    [100000.0, 100000.0]
    >>> domain_centre(polyreg.Box([-1.0, 0.0], [1.0, 1.0])).tolist()
    [0.0, 0.0]
    """
    d = domain.dim
    if isinstance(domain, Whole):
        if net is None:
            return np.zeros(d)
        W0, b0 = net.weights[0], net.biases[0]
        norms = np.linalg.norm(W0, axis=1)
        ok = norms > 0
        if not ok.any():
            return np.zeros(d)
        p = np.linalg.lstsq(W0[ok] / norms[ok, None], -b0[ok] / norms[ok], rcond=None)[0]
        if not np.all(np.isfinite(p)) or np.abs(p).max() <= 4.0:
            return np.zeros(d)
        return p.round()
    if isinstance(domain, Ball):
        mid, half = domain.center, float(domain.radius)
    elif isinstance(domain, (Box, Polytope)):
        lo, hi = domain.bounding_box()
        mid, half = (lo + hi) / 2, float(np.max(hi - lo)) / 2
    else:
        return np.zeros(d)
    if not (half > 0 and np.isfinite(half)) or np.abs(mid).max(initial=0.0) <= 4 * half:
        return np.zeros(d)
    return _dyadic(mid, half / 8)


def midpoint(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The middle of ``[lo, hi]`` as ``lo / 2 + hi / 2`` (no overflow for huge bounds).

    Examples
    --------
    >>> import numpy as np
    >>> midpoint(np.array([1e308, -1.0]), np.array([1e308, 3.0])).tolist()
    [1e+308, 1.0]
    """
    return lo / 2 + hi / 2


def middle(domain: Domain) -> np.ndarray:
    """The point the low-dimensional engines centre on: a ball's centre, else the
    :func:`midpoint` of the bounding box (no dyadic rounding: the engines' offsets are
    correctly rounded, so any point keeps an exact translation exact).

    Examples
    --------
    >>> import polyreg
    >>> middle(polyreg.Box([1.0, -3.0], [2.0, 5.0])).tolist()
    [1.5, 1.0]
    """
    if isinstance(domain, Ball):
        return np.array(domain.center, dtype=float)
    lo, hi = domain.bounding_box()
    return midpoint(lo, hi)


def shift_domain(domain: Domain, c: np.ndarray) -> Domain:
    """``domain - c`` (same type; a polytope's offsets ``b - A c`` correctly rounded). Other
    domains (the whole space) are returned as they are.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> shift_domain(polyreg.Box([1.0, 1.0], [3.0, 3.0]), np.array([2.0, 2.0])).lo.tolist()
    [-1.0, -1.0]
    """
    if isinstance(domain, Box):
        return Box(domain.lo - c, domain.hi - c)
    if isinstance(domain, Ball):
        return Ball(domain.center - c, domain.radius, norm=domain.norm)
    if isinstance(domain, Polytope):
        return Polytope(domain.A, exact_affine(domain.A, -c, domain.b))
    return domain


def shift_network(net: Network, c: np.ndarray) -> Network:
    """The network of ``u = x - c``: first-layer offsets ``b0 + W0 c``, correctly rounded.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([([[1.0, 1.0]], [-1e16]), ([[1.0]], [0.0])])
    >>> shift_network(net, np.array([1e16, 1.0])).biases[0].tolist()
    [1.0]
    """
    b0 = exact_affine(net.weights[0], c, net.biases[0])
    return Network(net.weights, (b0,) + tuple(net.biases[1:]), net.negative_slope)


def centre(
    net: Network, domain: Domain, c: np.ndarray | None = None
) -> tuple[Network, Domain, np.ndarray]:
    """``(net, domain)`` in coordinates ``u = x - c`` centred on the domain, and ``c``:
    by default :func:`domain_centre` (the low-dimensional engines pass :func:`middle`).
    Unchanged when ``c`` is zero.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([(np.eye(2), [-1e5, -1e5]), (np.ones((1, 2)), [0.0])])
    >>> cnet, cdom, c = centre(net, polyreg.Box([1e5 - 1] * 2, [1e5 + 1] * 2))
    >>> cnet.biases[0].tolist(), cdom.lo.tolist(), c.tolist()
    ([0.0, 0.0], [-1.0, -1.0], [100000.0, 100000.0])
    """
    if c is None:
        c = domain_centre(domain, net)
    if not np.any(c):
        return net, domain, c
    return shift_network(net, c), shift_domain(domain, c), c


def uncentre(rs, c: np.ndarray, domain: Domain):
    """A :class:`~polyreg.regions.RegionSet` found in centred coordinates ``u = x - c``,
    expressed in the user's coordinates (points, output maps, edge points, and the polygons or
    skeleton vertices some engines add) with ``domain`` as its domain."""
    from .regions import Edge, Region

    if not np.any(c):
        return replace(rs, domain=domain)
    regions = tuple(
        Region(r.pattern, r.point + c, r.radius, r.out_W, r.out_b - r.out_W @ c)
        for r in rs.regions
    )
    edges = tuple(
        Edge(e.u, e.v, e.neurons, e.flipped, None if e.point is None else e.point + c)
        for e in rs.edges
    )
    extra = {}
    names = {f.name for f in fields(rs)}
    if "polygons" in names:
        extra["polygons"] = tuple(np.asarray(p) + c for p in rs.polygons)
    if "vertices" in names and np.asarray(rs.vertices).size:
        extra["vertices"] = np.asarray(rs.vertices) + c
    return replace(rs, regions=regions, edges=edges, domain=domain, **extra)
