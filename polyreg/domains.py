"""Input domains: where regions are counted.

Each domain knows its dimension, an interior point, a bounding box, membership, its polyhedral
rows when it has a small set of them, and how to describe itself as JSON. Geometry only: numpy
and scipy, no network and no HiGHS (see ``lp.py`` for the solver side).

A region *counts* for a domain when its interior meets the domain's interior.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from .errors import InvalidDomain

NORMS: dict[int | float | str, float] = {
    1: 1, 2: 2, "1": 1, "2": 2, "inf": np.inf, "Inf": np.inf, np.inf: np.inf
}


def _vector(value: object, name: str) -> np.ndarray:
    try:
        arr = np.atleast_1d(np.array(value, dtype=np.float64))
    except (TypeError, ValueError) as exc:
        raise InvalidDomain(f"{name} is not numeric: {exc}") from exc
    if arr.ndim != 1:
        raise InvalidDomain(f"{name} must be a vector, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise InvalidDomain(f"{name} has non-finite entries")
    return arr


def normalize_rows(A: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scale each row of ``A x <= b`` to unit Euclidean norm (zero rows are kept as is)."""
    norms = np.linalg.norm(A, axis=1)
    safe = np.where(norms > 0, norms, 1.0)
    return A / safe[:, None], b / safe


class Domain:
    """Base class: subclasses are frozen dataclasses."""

    dim: int

    #: rows ``A x <= b`` (unit-normalised) when the domain is a polytope with few facets
    def rows(self) -> tuple[np.ndarray, np.ndarray] | None:
        return None

    def interior_point(self) -> np.ndarray:
        raise NotImplementedError

    def bounding_box(self) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def contains(self, x: np.ndarray, margin: float = 0.0) -> np.ndarray:
        """Whether points ``x`` (shape ``(..., d)``) lie in the domain, ``margin`` inside it."""
        raise NotImplementedError

    def describe(self) -> dict:
        raise NotImplementedError

    def for_inputs(self, d: int) -> Domain:
        """This domain checked against a network with ``d`` inputs (raises on a mismatch)."""
        if self.dim != d:
            raise InvalidDomain(
                f"{type(self).__name__} has dimension {self.dim} but the network takes {d} inputs"
            )
        return self

    @property
    def bounded(self) -> bool:
        return True


@dataclass(frozen=True, eq=False)
class Box(Domain):
    """The box ``lo <= x <= hi`` (``lo < hi`` in every coordinate).

    Examples
    --------
    >>> import polyreg
    >>> polyreg.Box([-1, -1], [1, 1]).dim
    2
    >>> polyreg.Box.cube(3, -1, 1).bounding_box()[1].tolist()
    [1.0, 1.0, 1.0]
    """

    lo: np.ndarray
    hi: np.ndarray
    dim: int = field(init=False)

    if TYPE_CHECKING:  # the generated __init__ converts any array-like (see __post_init__)
        def __init__(self, lo: ArrayLike, hi: ArrayLike) -> None: ...

    def __post_init__(self) -> None:
        lo, hi = _vector(self.lo, "lo"), _vector(self.hi, "hi")
        if lo.shape != hi.shape:
            raise InvalidDomain(f"lo has {lo.size} coordinates but hi has {hi.size}")
        bad = np.flatnonzero(~(lo < hi))
        if bad.size:
            i = int(bad[0])
            raise InvalidDomain(f"box is empty: lo[{i}] = {lo[i]} is not below hi[{i}] = {hi[i]}")
        object.__setattr__(self, "lo", lo)
        object.__setattr__(self, "hi", hi)
        object.__setattr__(self, "dim", lo.size)

    @classmethod
    def cube(cls, d: int, lo: float = -1.0, hi: float = 1.0) -> Box:
        return cls(np.full(d, lo, float), np.full(d, hi, float))

    def rows(self) -> tuple[np.ndarray, np.ndarray]:
        eye = np.eye(self.dim)
        return np.vstack([eye, -eye]), np.concatenate([self.hi, -self.lo])

    def interior_point(self) -> np.ndarray:
        return (self.lo + self.hi) / 2

    def bounding_box(self) -> tuple[np.ndarray, np.ndarray]:
        return self.lo.copy(), self.hi.copy()

    def contains(self, x: np.ndarray, margin: float = 0.0) -> np.ndarray:
        x = np.asarray(x, float)
        return np.all((x >= self.lo + margin) & (x <= self.hi - margin), axis=-1)

    def describe(self) -> dict:
        return {"type": "box", "lo": self.lo.tolist(), "hi": self.hi.tolist()}


@dataclass(frozen=True, eq=False)
class Ball(Domain):
    """The closed L_p ball ``||x - center||_p <= radius``, p in {1, 2, inf}.

    Examples
    --------
    >>> import polyreg
    >>> polyreg.Ball([0.0, 0.0], 0.5, norm=1).contains([0.2, 0.2]).item()
    True
    """

    center: np.ndarray
    radius: float
    norm: float = 2  # 1, 2 or inf once constructed
    dim: int = field(init=False)

    if TYPE_CHECKING:  # the generated __init__ converts any array-like (see __post_init__)
        def __init__(self, center: ArrayLike, radius: float, norm: int | float | str = 2) -> None: ...

    def __post_init__(self) -> None:
        center = _vector(self.center, "center")
        try:
            radius = float(self.radius)
        except (TypeError, ValueError) as exc:
            raise InvalidDomain(f"radius must be a number, got {self.radius!r}") from exc
        if not (np.isfinite(radius) and radius > 0):
            raise InvalidDomain(f"radius must be a positive finite number, got {self.radius!r}")
        if self.norm not in NORMS:
            raise InvalidDomain(f"norm must be 1, 2 or inf, got {self.norm!r}")
        object.__setattr__(self, "center", center)
        object.__setattr__(self, "radius", radius)
        object.__setattr__(self, "norm", NORMS[self.norm])
        object.__setattr__(self, "dim", center.size)
        object.__setattr__(self, "_rows", self._make_rows())

    @property
    def dual_norm(self) -> float:
        return {1: np.inf, 2: 2, np.inf: 1}[self.norm]

    #: the L1 ball is given as its 2^d facets up to this dimension, lifted in higher ones
    L1_ROWS_MAX_DIM = 6

    def rows(self) -> tuple[np.ndarray, np.ndarray] | None:
        return self._rows  # type: ignore[attr-defined]  # set in __post_init__

    def _make_rows(self) -> tuple[np.ndarray, np.ndarray] | None:
        if self.norm == 1 and self.dim <= self.L1_ROWS_MAX_DIM:
            signs = np.array(np.meshgrid(*[[-1.0, 1.0]] * self.dim)).reshape(self.dim, -1).T
            return signs, signs @ self.center + self.radius
        if self.norm == np.inf:
            eye = np.eye(self.dim)
            return np.vstack([eye, -eye]), np.concatenate(
                [self.center + self.radius, -(self.center - self.radius)]
            )
        return None

    def interior_point(self) -> np.ndarray:
        return self.center.copy()

    def bounding_box(self) -> tuple[np.ndarray, np.ndarray]:
        return self.center - self.radius, self.center + self.radius

    def contains(self, x: np.ndarray, margin: float = 0.0) -> np.ndarray:
        x = np.asarray(x, float)
        dist = np.linalg.norm(x - self.center, ord=self.norm, axis=-1)
        # margin is a Euclidean distance; convert to the L_p gauge conservatively
        scale = {1: np.sqrt(self.dim), 2: 1.0, np.inf: 1.0}[self.norm]
        return dist <= self.radius - margin * scale

    def describe(self) -> dict:
        norm = "inf" if self.norm == np.inf else int(self.norm)
        return {"type": "ball", "center": self.center.tolist(), "radius": self.radius, "norm": norm}


@dataclass(frozen=True, eq=False)
class Polytope(Domain):
    """The bounded, full-dimensional polytope ``A x <= b``.

    Raises :class:`~polyreg.errors.InvalidDomain` when it is empty, not full-dimensional or
    unbounded (checked with two LPs per coordinate at construction).

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> tri = polyreg.Polytope(np.array([[-1.0, 0], [0, -1], [1, 1]]), np.array([0.0, 0, 1]))
    >>> tri.bounding_box()[1].round(6).tolist()
    [1.0, 1.0]
    """

    A: np.ndarray
    b: np.ndarray
    dim: int = field(init=False)
    _box: tuple[np.ndarray, np.ndarray] = field(init=False, repr=False)
    _center: np.ndarray = field(init=False, repr=False)

    if TYPE_CHECKING:  # the generated __init__ converts any array-like (see __post_init__)
        def __init__(self, A: ArrayLike, b: ArrayLike) -> None: ...

    def __post_init__(self) -> None:
        try:
            A = np.array(self.A, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InvalidDomain(f"A is not numeric: {exc}") from exc
        b = _vector(self.b, "b")
        if A.ndim != 2:
            raise InvalidDomain(f"A must be a matrix, got shape {A.shape}")
        if A.shape[0] != b.size:
            raise InvalidDomain(f"A has {A.shape[0]} rows but b has {b.size} entries")
        if not np.all(np.isfinite(A)):
            raise InvalidDomain("A has non-finite entries")
        zero = np.linalg.norm(A, axis=1) == 0
        if np.any(zero & (b < 0)):
            raise InvalidDomain("polytope is empty: a zero row of A has a negative b")
        A, b = normalize_rows(A[~zero], b[~zero])
        d = A.shape[1]
        from scipy.optimize import linprog  # here: `import polyreg` stays light

        # Chebyshev centre: full-dimensional iff radius > 0
        cost = np.zeros(d + 1)
        cost[-1] = -1.0
        res = linprog(
            cost,
            A_ub=np.hstack([A, np.ones((A.shape[0], 1))]),
            b_ub=b,
            bounds=[(None, None)] * d + [(None, 1.0)],
            method="highs",
        )
        x = np.zeros(d + 1) if res.x is None else res.x  # None only when infeasible (status 2)
        if res.status == 2 or (res.status == 0 and x[-1] <= 1e-9):
            raise InvalidDomain(
                "polytope is empty or not full-dimensional (its largest inscribed ball has "
                f"radius {0.0 if res.status == 2 else x[-1]:.3g})"
            )
        if res.status != 0:
            raise InvalidDomain(f"cannot analyse polytope: {res.message}")
        lo, hi = np.empty(d), np.empty(d)
        for i in range(d):
            for sign, target in ((1.0, lo), (-1.0, hi)):
                c = np.zeros(d)
                c[i] = sign
                r = linprog(c, A_ub=A, b_ub=b, bounds=[(None, None)] * d, method="highs")
                if r.status == 3:
                    raise InvalidDomain(f"polytope is unbounded (in coordinate {i})")
                if r.status != 0:
                    raise InvalidDomain(f"cannot analyse polytope: {r.message}")
                assert r.fun is not None  # status 0: an optimum was found
                target[i] = sign * r.fun
        object.__setattr__(self, "A", A)
        object.__setattr__(self, "b", b)
        object.__setattr__(self, "dim", d)
        object.__setattr__(self, "_box", (lo, hi))
        object.__setattr__(self, "_center", x[:-1])
        object.__setattr__(self, "_inradius", float(x[-1]))  # capped at 1

    def rows(self) -> tuple[np.ndarray, np.ndarray]:
        return self.A, self.b

    def interior_point(self) -> np.ndarray:
        return self._center.copy()

    def bounding_box(self) -> tuple[np.ndarray, np.ndarray]:
        return self._box[0].copy(), self._box[1].copy()

    def contains(self, x: np.ndarray, margin: float = 0.0) -> np.ndarray:
        x = np.asarray(x, float)
        return np.all(x @ self.A.T <= self.b - margin, axis=-1)

    def describe(self) -> dict:
        return {"type": "polytope", "A": self.A.tolist(), "b": self.b.tolist()}


@dataclass(frozen=True, eq=False)
class Whole(Domain):
    """All of R^d: regions may be unbounded (counted as whole-space tools count them).

    ``dim`` may be left as ``None`` and is then taken from the network.

    Examples
    --------
    >>> import polyreg
    >>> polyreg.Whole(3).bounded
    False
    """

    dim: int | None = None  # type: ignore[assignment]  # None: taken from the network

    def for_inputs(self, d: int) -> Domain:
        if self.dim is None:
            return Whole(int(d))
        return super().for_inputs(d)

    @property
    def bounded(self) -> bool:
        return False

    def interior_point(self) -> np.ndarray:
        return np.zeros(self.dim or 0)

    def bounding_box(self) -> tuple[np.ndarray, np.ndarray]:
        return np.full(self.dim or 0, -np.inf), np.full(self.dim or 0, np.inf)

    def contains(self, x: np.ndarray, margin: float = 0.0) -> np.ndarray:
        return np.ones(np.asarray(x).shape[:-1], dtype=bool)

    def describe(self) -> dict:
        return {"type": "whole", "dim": self.dim}


def extent(domain: Domain) -> float:
    """Largest coordinate magnitude of a bounded domain (``max |x_i|`` over its bounding box):
    the scale float64 rounds its coordinates at. 1 for the whole space.

    Examples
    --------
    >>> import polyreg
    >>> extent(polyreg.Box([99999.0, -1.0], [100001.0, 1.0]))
    100001.0
    """
    if not domain.bounded:
        return 1.0
    lo, hi = domain.bounding_box()
    return float(max(np.abs(lo).max(initial=0.0), np.abs(hi).max(initial=0.0)))


def inradius(domain: Domain) -> float:
    """Radius of the largest Euclidean ball inside a domain (``inf`` for the whole space;
    for a polytope, capped at 1).

    Examples
    --------
    >>> import polyreg
    >>> inradius(polyreg.Box([0.0, 0.0], [2.0, 1e-3]))
    0.0005
    """
    if isinstance(domain, Box):
        return float(np.min(domain.hi - domain.lo)) / 2
    if isinstance(domain, Ball):
        return domain.radius / (np.sqrt(domain.dim) if domain.norm == 1 else 1.0)
    if isinstance(domain, Polytope):
        return float(getattr(domain, "_inradius", 1.0))
    return np.inf


def check_thickness(domain: Domain, radius: float, extent_: float | None = None) -> None:
    """Refuse (:class:`~polyreg.errors.InvalidDomain`) a domain thinner than the radius
    tolerance ``radius`` (no region in it could be certified full-dimensional, and counting it
    as empty would be a wrong answer) or, given its ``extent_``, one larger than
    ``tolerances.MAX_EXTENT``.

    Examples
    --------
    >>> import polyreg
    >>> check_thickness(polyreg.Box([0.0, 0.0], [1.0, 1e-13]), 1e-9)
    Traceback (most recent call last):
    ...
    polyreg.errors.InvalidDomain: box side 1e-13 is below twice the radius tolerance 1e-09 ...
    """
    from .tolerances import MAX_EXTENT

    if extent_ is not None and extent_ > MAX_EXTENT:
        raise InvalidDomain(
            f"the domain reaches {extent_:.3g} from the origin it is computed around (its "
            f"centre), beyond {MAX_EXTENT:.3g}: float64 could not tell regions narrower than "
            f"about {extent_ * 2.0**-47:.3g} from empty ones there; rescale the inputs "
            "(the first layer's columns) or restrict the domain"
        )
    r = inradius(domain)
    if r >= radius:
        return
    where = "" if extent_ is None else f", at the domain's extent {extent_:.3g}"
    tail = (f"the radius tolerance {radius:.3g} (the smallest certified inscribed radius"
            f"{where}; it is at least 2^-44 times the extent): no region inside can be "
            "certified full-dimensional; enlarge the domain or pass smaller "
            "Tolerances(radius=...)")
    if isinstance(domain, Box):
        raise InvalidDomain(f"box side {2 * r:.3g} is below twice {tail}")
    kind = "ball" if isinstance(domain, Ball) else type(domain).__name__.lower()
    raise InvalidDomain(f"{kind} inscribed radius {r:.3g} is below {tail}")


def sample(domain: Domain, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` random points of the domain, shape ``(n, d)`` (uniform for boxes and balls,
    rejection from the bounding box for polytopes, standard normal times 3 for the whole space).

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.domains import sample
    >>> pts = sample(polyreg.Ball([0, 0], 1.0, norm=1), 100, np.random.default_rng(0))
    >>> bool(np.all(np.abs(pts).sum(axis=1) <= 1))
    True
    """
    d = domain.dim
    if isinstance(domain, Box):
        return rng.uniform(domain.lo, domain.hi, size=(n, d))
    if isinstance(domain, Ball):
        if domain.norm == np.inf:
            return rng.uniform(domain.center - domain.radius, domain.center + domain.radius, (n, d))
        if domain.norm == 2:
            u = rng.normal(size=(n, d))
            u /= np.linalg.norm(u, axis=1, keepdims=True)
            r = rng.uniform(size=(n, 1)) ** (1.0 / d)
            return domain.center + domain.radius * r * u
        e = rng.exponential(size=(n, d + 1))
        y = e[:, :d] / e.sum(axis=1, keepdims=True)
        return domain.center + domain.radius * y * rng.choice([-1.0, 1.0], size=(n, d))
    if isinstance(domain, Polytope):
        lo, hi = domain.bounding_box()
        out = np.empty((0, d))
        while out.shape[0] < n:
            pts = rng.uniform(lo, hi, size=(4 * n, d))
            out = np.vstack([out, pts[domain.contains(pts)]])
        return out[:n]
    return 3.0 * rng.normal(size=(n, d))
