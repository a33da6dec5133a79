"""Low-dimensional domains inside a network's input space: 2-D affine slices and 1-D paths.

A :class:`Slice` is the plane ``x = origin + s u + t v`` of R^n, bounded in its own coordinates
``(s, t)`` by a convex polygon (a 2-D :class:`~polyreg.Box`, :class:`~polyreg.Polytope`, L1 or
L-inf :class:`~polyreg.Ball`, or a list of vertices) or a disk (a 2-D L2 ``Ball``). A
:class:`Path` is a curve ``t -> x(t)`` of R^n: a segment, a polyline (open or closed) or an
ellipse. Both are :class:`~polyreg.domains.Domain` subclasses whose ``dim`` is their *own*
dimension (2 or 1) and whose :meth:`for_inputs` checks the *ambient* dimension, so
``polyreg.enumerate_regions(net, Slice(...), method="planar")`` and
``enumerate_regions(net, Path.segment(a, b), method="line")`` work; every other method of
them (``contains``, ``interior_point``, ``bounding_box``, ``rows``) speaks slice / path
coordinates.

Geometry only: numpy, no solver, no engine.

Examples
--------
>>> import numpy as np, polyreg
>>> from polyreg.slices import Slice, Path
>>> slc = Slice.through([0, 0, 0], [1, 0, 0], [0, 1, 1])
>>> slc.to_input([0.5, 0.5]).tolist()
[0.5, 0.5, 0.5]
>>> Path.segment([0, 0], [2, 0]).at([0.25]).tolist()
[[0.5, 0.0]]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from .domains import Ball, Box, Domain, Polytope, _vector
from .errors import InvalidDomain
from .network import Network

#: smallest ratio of the singular values of ``[u v]`` accepted as linearly independent
#: (relative: unchanged when ``u`` and ``v`` are scaled together or the slice is moved)
INDEPENDENCE = 1e-10
#: polygon checks, relative to the polygon's extent about its mean: coinciding vertices (edge
#: length), zero area and reflex corners (area and cross products, times the extent squared)
POLYGON_REL = 1e-12


_SPLIT = 134217729.0  # 2**27 + 1 (Veltkamp splitting)


def _two_product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``a * b = p + e`` exactly (Dekker), elementwise, barring overflow/underflow."""
    p = a * b
    ta, tb = _SPLIT * a, _SPLIT * b
    ah = ta - (ta - a)
    al = a - ah
    bh = tb - (tb - b)
    bl = b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


def exact_affine(W: np.ndarray, x: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``W @ x + b`` with every entry correctly rounded (error-free products, exact sums).

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([[1.0, 1.0]]); x = np.array([1e16, 1.0]); b = np.array([-1e16])
    >>> float((W @ x + b)[0]), float(exact_affine(W, x, b)[0])
    (0.0, 1.0)
    """
    W = np.asarray(W, dtype=float)
    x = np.asarray(x, dtype=float)
    b = np.asarray(b, dtype=float)
    with np.errstate(all="ignore"):
        p, e = _two_product(W, x[None, :])
    terms = np.concatenate([p, e, b[:, None]], axis=1)
    out = np.empty(W.shape[0])
    ok = np.all(np.isfinite(terms), axis=1)
    for k in range(W.shape[0]):
        if ok[k]:
            out[k] = math.fsum(terms[k].tolist())
        else:  # huge entries: exact rational arithmetic
            exact = Fraction(float(b[k])) + sum(
                (Fraction(float(w)) * Fraction(float(v)) for w, v in zip(W[k], x, strict=True)), Fraction(0)
            )
            out[k] = float(exact)
    return out


def _points(value: object, name: str) -> np.ndarray:
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidDomain(f"{name} is not numeric: {exc}") from exc
    if arr.ndim != 2:
        raise InvalidDomain(f"{name} must be a list of points (shape (k, n)), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise InvalidDomain(f"{name} has non-finite entries")
    return arr


def polygon_area(P: np.ndarray) -> float:
    """Signed area of the polygon with vertices ``P`` (shape ``(k, 2)``); positive when they
    run counter-clockwise.

    Examples
    --------
    >>> import numpy as np
    >>> polygon_area(np.array([[0.0, 0], [1, 0], [1, 1], [0, 1]]))
    1.0
    """
    x, y = P[:, 0] - P[:, 0].mean(), P[:, 1] - P[:, 1].mean()
    return float(0.5 * np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def convex_polygon(vertices: object, name: str = "bound") -> np.ndarray:
    """Validate a convex polygon given by its vertices in order; return them counter-clockwise.

    Raises
    ------
    InvalidDomain
        Fewer than 3 vertices, repeated consecutive vertices, zero area or a reflex corner.

    Examples
    --------
    >>> convex_polygon([[0, 0], [0, 1], [1, 0]]).tolist()  # clockwise in, counter-clockwise out
    [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]
    """
    P = _points(vertices, name)
    if P.shape[1] != 2 or P.shape[0] < 3:
        raise InvalidDomain(f"{name}: a polygon needs at least 3 vertices (k, 2), got shape {P.shape}")
    edges = np.roll(P, -1, axis=0) - P
    length = np.linalg.norm(edges, axis=1)
    # thresholds relative to the polygon's own extent about its mean (translation invariant)
    scale = float(np.abs(P - P.mean(axis=0)).max())
    if np.any(length <= POLYGON_REL * scale):
        k = int(np.argmin(length))
        raise InvalidDomain(f"{name}: vertices {k} and {(k + 1) % len(P)} coincide")
    area = polygon_area(P)
    if abs(area) <= POLYGON_REL * scale**2:
        raise InvalidDomain(f"{name}: the polygon has zero area (collinear vertices?)")
    if area < 0:
        P = P[::-1].copy()
        edges = np.roll(P, -1, axis=0) - P
    cross = edges[:, 0] * np.roll(edges, -1, axis=0)[:, 1] - edges[:, 1] * np.roll(edges, -1, axis=0)[:, 0]
    if np.any(cross < -POLYGON_REL * scale**2):
        raise InvalidDomain(
            f"{name}: the polygon is not convex, or its vertices are not in order around it"
        )
    return P


def bound_polygon(domain: Domain) -> np.ndarray | None:
    """Vertices (counter-clockwise, shape ``(k, 2)``) of a 2-D polygonal domain; ``None`` for a
    disk (2-D L2 ball).

    Examples
    --------
    >>> import polyreg
    >>> bound_polygon(polyreg.Box([0, 0], [2, 1])).tolist()
    [[0.0, 0.0], [2.0, 0.0], [2.0, 1.0], [0.0, 1.0]]
    >>> bound_polygon(polyreg.Ball([0, 0], 1.0, norm=1)).round(12).tolist()
    [[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]]
    """
    if domain.dim != 2:
        raise InvalidDomain(f"expected a 2-D domain, got dimension {domain.dim}")
    if isinstance(domain, Box):
        (x0, y0), (x1, y1) = domain.lo, domain.hi
        return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=float)
    if isinstance(domain, Ball):
        c, r = domain.center, domain.radius
        if domain.norm == 2:
            return None
        if domain.norm == 1:
            return c + r * np.array([[1.0, 0], [0, 1], [-1, 0], [0, -1]])
        return c + r * np.array([[-1.0, -1], [1, -1], [1, 1], [-1, 1]])
    if isinstance(domain, Polytope):
        return _polytope_vertices(domain.A, domain.b, domain.interior_point())
    raise InvalidDomain(f"{type(domain).__name__} is not a 2-D polygon or disk")


def _polytope_vertices(A: np.ndarray, b: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """Vertices of the bounded 2-D polygon ``A x <= b`` (unit rows) around the interior point
    ``inner``, counter-clockwise: each row's line met with its neighbours in angle order."""
    from scipy.spatial import HalfspaceIntersection

    hs = HalfspaceIntersection(np.hstack([A, -b[:, None]]), inner)
    pts = hs.intersections
    angle = np.arctan2(pts[:, 1] - inner[1], pts[:, 0] - inner[0])
    pts = pts[np.argsort(angle)]
    keep = np.ones(len(pts), dtype=bool)
    step = np.linalg.norm(np.roll(pts, -1, axis=0) - pts, axis=1)
    # degenerate duplicates, relative to the polygon's extent about its interior point
    keep[step <= POLYGON_REL * float(np.abs(pts - inner).max())] = False
    return pts[keep] if keep.sum() >= 3 else pts


def _as_bound(bound: object) -> Domain:
    if isinstance(bound, Domain):
        if isinstance(bound, (Slice, Path)) or not isinstance(bound, (Box, Ball, Polytope)):
            raise InvalidDomain(
                f"bound must be a 2-D Box, Ball, Polytope or polygon vertices, got "
                f"{type(bound).__name__}"
            )
        if bound.dim != 2:
            raise InvalidDomain(
                f"bound is in slice coordinates (s, t) and must be 2-D, got dimension {bound.dim}"
            )
        return bound
    P = convex_polygon(bound)
    e = np.roll(P, -1, axis=0) - P
    A = np.column_stack([e[:, 1], -e[:, 0]])  # outward normals of a counter-clockwise polygon
    b = np.einsum("ij,ij->i", A, P)
    return Polytope(A, b)


@dataclass(frozen=True, eq=False)
class Slice(Domain):
    """The 2-D affine slice ``x = origin + s u + t v`` of the input space, with ``(s, t)`` in
    ``bound``.

    Parameters
    ----------
    origin, u, v : array_like, shape (n,)
        A point of the plane and two linearly independent directions.
    bound : Box, Ball, Polytope or array_like of shape (k, 2)
        The bound in slice coordinates ``(s, t)``: a 2-D box, an L1 / L2 (disk) / L-inf ball,
        a polytope, or the vertices of a convex polygon in order (either orientation).

    Attributes
    ----------
    dim : int
        2: points of the domain are slice coordinates ``(s, t)``.
    ambient : int
        ``n``, the number of network inputs the slice is for (checked by :meth:`for_inputs`).

    Raises
    ------
    InvalidDomain
        Shapes differ, non-finite values, ``u`` and ``v`` (nearly) linearly dependent, or a
        malformed bound.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> slc = Slice([0, 0, 1], [1, 0, 0], [0, 1, 0], polyreg.Box([-1, -1], [1, 1]))
    >>> slc.dim, slc.ambient
    (2, 3)
    >>> Slice([0, 0], [1, 1], [2, 2], polyreg.Box([0, 0], [1, 1]))
    Traceback (most recent call last):
    ...
    polyreg.errors.InvalidDomain: u and v are linearly dependent (the smaller singular value of [u v] is at most 1e-10 times the larger)
    """  # noqa: E501 - a doctest's exception message is one line

    origin: np.ndarray
    u: np.ndarray
    v: np.ndarray
    bound: Domain
    dim: int = field(init=False)
    ambient: int = field(init=False)

    if TYPE_CHECKING:  # the generated __init__ converts array-likes and polygon vertices
        def __init__(self, origin: ArrayLike, u: ArrayLike, v: ArrayLike, bound: object) -> None: ...

    def __post_init__(self) -> None:
        origin, u, v = (
            _vector(x, name) for x, name in ((self.origin, "origin"), (self.u, "u"), (self.v, "v"))
        )
        if not (origin.size == u.size == v.size):
            raise InvalidDomain(
                f"origin, u and v must have the same length, got {origin.size}, {u.size}, {v.size}"
            )
        sv = np.linalg.svd(np.column_stack([u, v]), compute_uv=False)
        if not (sv[0] > 0 and sv[1] > INDEPENDENCE * sv[0]):
            raise InvalidDomain(
                "u and v are linearly dependent (the smaller singular value of [u v] is at most "
                f"{INDEPENDENCE:g} times the larger)"
            )
        object.__setattr__(self, "origin", origin)
        object.__setattr__(self, "u", u)
        object.__setattr__(self, "v", v)
        object.__setattr__(self, "bound", _as_bound(self.bound))
        object.__setattr__(self, "dim", 2)
        object.__setattr__(self, "ambient", origin.size)

    @classmethod
    def through(
        cls, x0: object, x1: object, x2: object, bound: object | None = None
    ) -> Slice:
        """The plane through three points: ``origin = x0``, ``u = x1 - x0``, ``v = x2 - x0``.

        ``bound`` defaults to the unit square ``[0, 1]^2`` of slice coordinates: the
        parallelogram with corners ``x0, x1, x1 + x2 - x0, x2``.

        Examples
        --------
        >>> s = Slice.through([0, 0], [2, 0], [0, 3])
        >>> s.u.tolist(), s.v.tolist(), s.bound.describe()["type"]
        ([2.0, 0.0], [0.0, 3.0], 'box')
        """
        x0 = _vector(x0, "x0")
        x1, x2 = _vector(x1, "x1"), _vector(x2, "x2")
        if not (x0.size == x1.size == x2.size):
            raise InvalidDomain(
                f"x0, x1 and x2 must have the same length, got {x0.size}, {x1.size}, {x2.size}"
            )
        return cls(x0, x1 - x0, x2 - x0, Box([0.0, 0.0], [1.0, 1.0]) if bound is None else bound)

    # ------------------------------------------------------------------ maps
    @property
    def basis(self) -> np.ndarray:
        """``[u v]``, shape ``(n, 2)``."""
        return np.column_stack([self.u, self.v])

    def to_input(self, st: object) -> np.ndarray:
        """Input-space points ``origin + s u + t v`` for slice coordinates of shape ``(..., 2)``."""
        st = np.asarray(st, dtype=float)
        if st.shape[-1] != 2:
            raise ValueError(f"slice coordinates must have 2 entries (s, t), got shape {st.shape}")
        return self.origin + st @ self.basis.T

    def network(self, net: Network) -> Network:
        """The 2-input network ``(s, t) -> net(origin + s u + t v)``: ``W0 [u v]`` and
        ``b0 + W0 origin`` (correctly rounded, :func:`exact_affine`: a slice moved together
        with the network gives the same composed network); every other layer unchanged.

        Examples
        --------
        >>> import numpy as np, polyreg
        >>> net = polyreg.random_network([3, 4, 1], seed=0)
        >>> s = Slice([0.1, 0, 0], [1, 0, 0], [0, 1, 1], polyreg.Box([-1, -1], [1, 1]))
        >>> bool(np.allclose(s.network(net).forward([0.3, 0.2]), net.forward(s.to_input([0.3, 0.2]))))
        True
        """
        self.for_inputs(net.n_inputs)
        W0, b0 = net.weights[0], net.biases[0]
        layers = [(W0 @ self.basis, exact_affine(W0, self.origin, b0))]
        layers += list(zip(net.weights[1:], net.biases[1:], strict=True))
        return Network.from_layers(layers, negative_slope=net.negative_slope)

    def polygon(self) -> np.ndarray | None:
        """Vertices of the bound (slice coordinates, counter-clockwise), ``None`` for a disk."""
        return bound_polygon(self.bound)

    # ------------------------------------------------------------------ Domain interface
    def for_inputs(self, d: int) -> Slice:
        if self.ambient != d:
            raise InvalidDomain(
                f"the slice lies in R^{self.ambient} (origin, u, v have {self.ambient} "
                f"coordinates) but the network takes {d} inputs"
            )
        return self

    def rows(self) -> tuple[np.ndarray, np.ndarray] | None:
        return self.bound.rows()

    def interior_point(self) -> np.ndarray:
        return self.bound.interior_point()

    def bounding_box(self) -> tuple[np.ndarray, np.ndarray]:
        return self.bound.bounding_box()

    def contains(self, x: np.ndarray, margin: float = 0.0) -> np.ndarray:
        """Whether slice coordinates ``x`` (shape ``(..., 2)``) lie in the bound."""
        return self.bound.contains(x, margin)

    def describe(self) -> dict:
        return {
            "type": "slice",
            "origin": self.origin.tolist(),
            "u": self.u.tolist(),
            "v": self.v.tolist(),
            "bound": self.bound.describe(),
        }


def slice_network(net: Network, slc: Slice) -> tuple[Network, Domain]:
    """The 2-D problem equivalent to ``(net, slc)``: the composed 2-input network and the bound
    as a plain 2-D domain (so any engine, e.g. ``traverse``, can run on a slice).

    Examples
    --------
    >>> import polyreg
    >>> net = polyreg.random_network([5, 6, 1], seed=0)
    >>> s = Slice.through([0] * 5, [1, 0, 0, 0, 0], [0, 1, 0, 0, 0])
    >>> net2, dom2 = slice_network(net, s)
    >>> net2.n_inputs, type(dom2).__name__
    (2, 'Box')
    """
    return slc.network(net), slc.bound


# ============================================================================ paths
_KINDS = ("segment", "polyline", "ellipse")


@dataclass(frozen=True, eq=False)
class Path(Domain):
    """A 1-D path ``t -> x(t)`` in the input space.

    Build it with :meth:`segment`, :meth:`polyline`, :meth:`ellipse` or
    :meth:`ellipse_through`. Parameter ranges: a segment ``t in [0, 1]``; a polyline through
    ``m`` points ``t in [0, m - 1]`` (segment ``i`` is ``[i, i + 1]``), closed: ``[0, m]``
    (the last segment returns to the first point); an ellipse
    ``x(t) = c + a cos t + b sin t``, ``t in [0, 2 pi)``.

    Parameters
    ----------
    kind : {"segment", "polyline", "ellipse"}
    points : array_like, shape (m, n)
        The vertices (segment: 2 rows; polyline: m >= 2 rows); for an ellipse the rows
        ``c, a, b``.
    closed : bool
        Polylines only; ellipses are always closed, segments never.

    Attributes
    ----------
    dim : int
        1: points of the domain are path parameters ``t``.
    ambient : int
        The number of network inputs the path is for.

    Examples
    --------
    >>> p = Path.polyline([[0, 0], [1, 0], [1, 1]], closed=True)
    >>> p.t_range, p.closed
    ((0.0, 3.0), True)
    >>> p.at([0.5, 2.5]).tolist()
    [[0.5, 0.0], [0.5, 0.5]]
    """

    kind: str
    points: np.ndarray
    closed: bool = False
    dim: int = field(init=False)
    ambient: int = field(init=False)

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise InvalidDomain(f"path kind must be one of {', '.join(_KINDS)}, got {self.kind!r}")
        P = _points(self.points, "points")
        closed = bool(self.closed)
        if self.kind == "ellipse":
            if P.shape[0] != 3:
                raise InvalidDomain(f"an ellipse needs rows c, a, b, got {P.shape[0]} rows")
            if not np.any(P[1:] != 0):
                raise InvalidDomain("ellipse: a and b are both zero (the path is one point)")
            closed = True
        else:
            if self.kind == "segment" and P.shape[0] != 2:
                raise InvalidDomain(f"a segment needs 2 points, got {P.shape[0]}")
            if P.shape[0] < 2:
                raise InvalidDomain(f"a polyline needs at least 2 points, got {P.shape[0]}")
            if self.kind == "segment" and closed:
                raise InvalidDomain("a segment cannot be closed; use Path.polyline(..., closed=True)")
            if closed and P.shape[0] > 2 and np.array_equal(P[0], P[-1]):
                P = P[:-1]  # the closing segment is implied
            if closed and P.shape[0] < 3:
                raise InvalidDomain("a closed polyline needs at least 3 distinct points")
            steps = np.diff(np.vstack([P, P[:1]]) if closed else P, axis=0)
            zero = np.flatnonzero(~np.any(steps != 0, axis=1))
            if zero.size:
                k = int(zero[0])
                raise InvalidDomain(f"points {k} and {(k + 1) % P.shape[0]} coincide (a zero-length segment)")
        P.setflags(write=False)
        object.__setattr__(self, "points", P)
        object.__setattr__(self, "closed", closed)
        object.__setattr__(self, "dim", 1)
        object.__setattr__(self, "ambient", P.shape[1])

    # ------------------------------------------------------------------ constructors
    @classmethod
    def segment(cls, a: object, b: object) -> Path:
        """The segment ``x(t) = a + t (b - a)``, ``t in [0, 1]``."""
        a, b = _vector(a, "a"), _vector(b, "b")
        if a.size != b.size:
            raise InvalidDomain(f"a has {a.size} coordinates but b has {b.size}")
        return cls("segment", np.vstack([a, b]))

    @classmethod
    def polyline(cls, points: object, closed: bool = False) -> Path:
        """The polyline through ``points`` (shape ``(m, n)``), closed back to the first point
        when ``closed``."""
        return cls("polyline", _points(points, "points"), closed)

    @classmethod
    def ellipse(cls, c: object, a: object, b: object) -> Path:
        """The closed path ``x(t) = c + a cos t + b sin t``, ``t in [0, 2 pi)``."""
        c, a, b = _vector(c, "c"), _vector(a, "a"), _vector(b, "b")
        if not (c.size == a.size == b.size):
            raise InvalidDomain(f"c, a and b must have the same length, got {c.size}, {a.size}, {b.size}")
        return cls("ellipse", np.vstack([c, a, b]))

    @classmethod
    def ellipse_through(cls, p0: object, p1: object, p2: object) -> Path:
        """The ellipse through three points at equally spaced parameters: ``x(0) = p0``,
        ``x(2 pi / 3) = p1``, ``x(4 pi / 3) = p2``.

        This is the Steiner circumellipse of the triangle (the ellipse of least area through
        its corners, centred at its centroid): ``c = (p0 + p1 + p2) / 3``,
        ``a = (2/3) sum_k p_k cos(2 pi k / 3)``, ``b = (2/3) sum_k p_k sin(2 pi k / 3)``. It
        is the closed trajectory through data points of Novak et al. (2018); three collinear
        points give a degenerate (flat) ellipse traversed back and forth.

        Examples
        --------
        >>> import numpy as np
        >>> e = Path.ellipse_through([1, 0], [0, 1], [-1, -1])
        >>> np.allclose(e.at([0, 2 * np.pi / 3, 4 * np.pi / 3]), [[1, 0], [0, 1], [-1, -1]])
        True
        """
        pts = [_vector(p, f"p{k}") for k, p in enumerate((p0, p1, p2))]
        if len({p.size for p in pts}) != 1:
            raise InvalidDomain(
                f"p0, p1 and p2 must have the same length, got {', '.join(str(p.size) for p in pts)}"
            )
        P = np.vstack(pts)
        theta = 2 * np.pi * np.arange(3) / 3
        c = P.mean(axis=0)
        a = (2.0 / 3.0) * (np.cos(theta) @ P)
        b = (2.0 / 3.0) * (np.sin(theta) @ P)
        return cls.ellipse(c, a, b)

    # ------------------------------------------------------------------ geometry
    @property
    def n_segments(self) -> int:
        """Number of straight segments (0 for an ellipse)."""
        if self.kind == "ellipse":
            return 0
        return self.points.shape[0] if self.closed else self.points.shape[0] - 1

    @property
    def t_range(self) -> tuple[float, float]:
        """``(t_start, t_end)`` of the parameter."""
        if self.kind == "ellipse":
            return 0.0, float(2 * np.pi)
        return 0.0, float(self.n_segments)

    def segments(self) -> tuple[np.ndarray, np.ndarray]:
        """Start points and steps of the straight segments, shapes ``(k, n)``: segment ``i`` is
        ``start[i] + (t - i) step[i]``."""
        if self.kind == "ellipse":
            raise ValueError("an ellipse has no straight segments")
        P = self.points
        ends = np.vstack([P[1:], P[:1]]) if self.closed else P[1:]
        starts = P[: ends.shape[0]]
        return starts, ends - starts

    def at(self, t: object) -> np.ndarray:
        """Points ``x(t)`` for parameters ``t`` (any shape); result shape ``t.shape + (n,)``."""
        t = np.asarray(t, dtype=float)
        if self.kind == "ellipse":
            c, a, b = self.points
            return c + np.cos(t)[..., None] * a + np.sin(t)[..., None] * b
        starts, steps = self.segments()
        k = np.clip(np.floor(t).astype(np.int64), 0, starts.shape[0] - 1)
        return starts[k] + (t - k)[..., None] * steps[k]

    # ------------------------------------------------------------------ Domain interface
    def for_inputs(self, d: int) -> Path:
        if self.ambient != d:
            raise InvalidDomain(
                f"the path lies in R^{self.ambient} but the network takes {d} inputs"
            )
        return self

    def interior_point(self) -> np.ndarray:
        lo, hi = self.t_range
        return np.array([(lo + hi) / 2])

    def bounding_box(self) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.t_range
        return np.array([lo]), np.array([hi])

    def contains(self, x: np.ndarray, margin: float = 0.0) -> np.ndarray:
        """Whether path parameters ``x`` (shape ``(..., 1)``) lie in the parameter range."""
        t = np.asarray(x, float)[..., 0]
        lo, hi = self.t_range
        return (t >= lo + margin) & (t <= hi - margin)

    def describe(self) -> dict:
        out: dict = {"type": "path", "kind": self.kind, "closed": self.closed}
        if self.kind == "ellipse":
            c, a, b = self.points
            out.update(c=c.tolist(), a=a.tolist(), b=b.tolist())
        else:
            out["points"] = self.points.tolist()
        return out

