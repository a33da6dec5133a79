"""Certified lower bounds of the robustness radius: interval bound propagation (IBP), the linear
relaxation of CROWN / DeepPoly (back-substitution), and the triangle LP relaxation, each turned
into a radius by bisection.

A *certifier* proves, for a radius ``r``, that the closed ball ``B_p(x, r)`` holds no point of
another class: every margin ``m_j(y) = f_c(y) - f_j(y)`` (``j != c``; one output: ``f`` or
``-f``) has a lower bound ``> 0`` over the ball. Then ``r`` is below the exact radius
(:func:`polyreg.bounds.robustness_radius`), whatever the certifier's looseness.

The margins are folded into the last layer ("elision of the last layer", Gowal et al. 2018):
the network ``W_L relu(...) + b_L`` is extended by the layer ``C W_L``, ``C b_L`` whose outputs
are the margins, treated like one more hidden layer. Its pre-activation bounds are the margin
bounds.

Float soundness. IBP and CROWN bounds are computed in float64. Each bound is widened by
``FLOAT_WIDEN`` times the sum of the absolute values of every term that entered it (computed
alongside, with ``|W|``, ``|b|``, ``|x|``): a sum of ``n`` float64 products is off by at most
``n * 2^-53`` times that sum, so the widening covers chains of up to ``~10^7`` operations. The
LP certifier uses :func:`polyreg.bounds.relaxation.relaxation_bounds`, whose optima are widened by
``LP_WIDEN`` (relative to ``1 + |optimum|``) to absorb the solver's feasibility tolerance. The
radius returned by the bisection is always one at which the certifier succeeded (the lower end
of the bracket), so its soundness does not depend on the bisection's accuracy or on the
certifier being monotone in ``r``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..domains import Ball
from ..errors import SolverFailed
from ..network import Network
from ..tolerances import DEFAULT, Tolerances
from ._util import check_point, dual_norm, norm_name, parse_norm
from .relaxation import LP_WIDEN, relaxation_bounds
from .robustness import _class_gaps, predicted_class

#: relative widening of IBP / CROWN bounds (float64 rounding of sums of products)
FLOAT_WIDEN = 1e-9

#: the certifiers, cheapest first
METHODS = ("ibp", "crown", "lp")


def margin_network(net: Network, label: int) -> Network:
    """``net`` with its output layer replaced by the margins of class ``label``, as one more
    hidden layer: pre-activation ``k`` of the new last hidden layer is ``f_label - f_j`` for the
    ``k``-th class ``j != label`` (one output: ``f`` for label 1, ``-f`` for label 0); the output
    layer is a zero map.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.random_network([2, 4, 3], seed=0)
    >>> m = margin_network(net, 1)
    >>> x = np.array([0.3, -0.2])
    >>> f = net.forward(x)
    >>> bool(np.allclose(m.preactivations(x)[-1], [f[1] - f[0], f[1] - f[2]]))
    True
    """
    HW, Hb = _class_gaps(net, int(label), net.weights[-1], net.biases[-1])
    m = HW.shape[0]
    return Network(
        tuple(net.weights[:-1]) + (-HW, np.zeros((1, m))),
        tuple(net.biases[:-1]) + (-Hb, np.zeros(1)),
        net.negative_slope,
    )


def _act(v: np.ndarray, alpha: float) -> np.ndarray:
    return np.maximum(v, 0.0) + alpha * np.minimum(v, 0.0)


def _first_layer(net: Network, x: np.ndarray, r: float, q: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact range of ``W_0 y + b_0`` over ``B_p(x, r)``: ``W_0 x + b_0 -+ r ||W_0[k]||_q``,
    widened."""
    W, b = net.weights[0], net.biases[0]
    mid = W @ x + b
    spread = r * np.linalg.norm(W, ord=q, axis=1)
    mag = np.abs(W) @ np.abs(x) + np.abs(b) + spread
    return mid - spread - FLOAT_WIDEN * mag, mid + spread + FLOAT_WIDEN * mag


def ibp_bounds(
    net: Network, x: np.ndarray, radius: float, norm: float | str = 2
) -> tuple[np.ndarray, np.ndarray]:
    """Interval bounds of every hidden pre-activation over the closed ball ``B_p(x, radius)``.

    Layer 1 exactly: ``z_k in W_k x + b_k -+ r ||W_k||_q``. Later layers by interval
    arithmetic: with ``[l, u]`` the bounds of ``z^{l-1}`` and ``sigma`` the (Leaky)ReLU,
    ``z^l in [W^+ sigma(l) + W^- sigma(u) + b, W^+ sigma(u) + W^- sigma(l) + b]``
    (``W^+ = max(W, 0)``, ``W^- = min(W, 0)``). Every bound is widened by ``FLOAT_WIDEN`` times
    ``|W| max(|sigma(l)|, |sigma(u)|) + |b|``.

    Returns
    -------
    lower, upper : ndarray, shape (N,)
        Over all hidden neurons in pattern order.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([([[1.0], [-1.0]], [0.0, 0.0]), ([[1.0, 1.0]], [0.0]),
    ...                                    ([[1.0]], [0.0])])
    >>> lo, hi = ibp_bounds(net, np.array([0.5]), 1.0)     # |y| for y in [-0.5, 1.5]
    >>> (np.round(lo, 6) + 0.0).tolist(), (np.round(hi, 6) + 0.0).tolist()
    ([-0.5, -1.5, 0.0], [1.5, 0.5, 2.0])
    """
    p = parse_norm(norm)
    x = check_point(net, x)
    alpha = net.negative_slope
    lo, hi = _first_layer(net, x, float(radius), dual_norm(p))
    lowers, uppers = [lo], [hi]
    for W, b in zip(net.weights[1:-1], net.biases[1:-1], strict=True):
        a_lo, a_hi = _act(lo, alpha), _act(hi, alpha)
        Wp, Wn = np.maximum(W, 0.0), np.minimum(W, 0.0)
        mag = np.abs(W) @ np.maximum(np.abs(a_lo), np.abs(a_hi)) + np.abs(b)
        lo = Wp @ a_lo + Wn @ a_hi + b - FLOAT_WIDEN * mag
        hi = Wp @ a_hi + Wn @ a_lo + b + FLOAT_WIDEN * mag
        lowers.append(lo)
        uppers.append(hi)
    return np.concatenate(lowers), np.concatenate(uppers)


def _relax(lo: np.ndarray, hi: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CROWN's linear relaxation of ``a = sigma(z)``, ``z in [lo, hi]``: ``lam z <= a <= s z + t``.

    Stable on (``lo >= 0``): ``lam = s = 1``, ``t = 0``; stable off (``hi <= 0``): ``lam = s =
    alpha``, ``t = 0``; otherwise the chord ``s = (hi - alpha lo) / (hi - lo)``,
    ``t = lo (alpha - s)`` above, and ``lam = 1`` if ``hi >= -lo`` else ``alpha`` below (the
    adaptive choice of CROWN; ``sigma(z) >= lam z`` for every ``z`` and ``lam in [alpha, 1]``).
    """
    on, off = lo >= 0, hi <= 0
    unstable = ~(on | off)
    lam = np.where(on, 1.0, alpha)
    s = lam.copy()
    t = np.zeros_like(lo)
    lu, hu = lo[unstable], hi[unstable]
    s_u = (hu - alpha * lu) / (hu - lu)
    s[unstable] = s_u
    t[unstable] = lu * (alpha - s_u)
    lam[unstable] = np.where(hu >= -lu, 1.0, alpha)
    return lam, s, t


def _back_substitute(
    net: Network,
    A: np.ndarray,
    c: np.ndarray,
    layer: int,
    bounds: list[tuple[np.ndarray, np.ndarray]],
    x: np.ndarray,
    r: float,
    q: float,
) -> np.ndarray:
    """Lower bound of ``A a^{layer-1} + c`` over the ball (``a^{-1} = x``), widened.

    For ``k = layer-1, ..., 0``: replace ``a^k`` by its relaxation (lower ``lam z`` where the
    coefficient is ``>= 0``, upper ``s z + t`` where it is ``< 0``), then ``z^k`` by
    ``W_k a^{k-1} + b_k``. At the input, ``min_{||y - x||_p <= r} A y + c = A x + c -
    r ||A_i||_q``. A companion ``|A|``, ``|c|`` (built with ``|W|``, ``|b|``, ``|t|`` and slopes
    ``max(lam, s) <= 1``) bounds the sum of absolute values of every term, for the widening.
    """
    alpha = net.negative_slope
    Aabs, cabs = np.abs(A), np.abs(c)
    for k in range(layer - 1, -1, -1):
        lam, s, t = _relax(*bounds[k], alpha)
        Ap, An = np.maximum(A, 0.0), np.minimum(A, 0.0)
        c = c + An @ t
        cabs = cabs + Aabs @ np.abs(t)
        A = Ap * lam + An * s
        Aabs = Aabs * np.maximum(lam, s)
        W, b = net.weights[k], net.biases[k]
        c = c + A @ b
        cabs = cabs + Aabs @ np.abs(b)
        A = A @ W
        Aabs = Aabs @ np.abs(W)
    value = A @ x + c - r * np.linalg.norm(A, ord=q, axis=1)
    mag = Aabs @ np.abs(x) + cabs + r * np.linalg.norm(Aabs, ord=q, axis=1)
    return value - FLOAT_WIDEN * mag


def crown_bounds(
    net: Network,
    x: np.ndarray,
    radius: float,
    norm: float | str = 2,
    *,
    intersect: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """CROWN / DeepPoly bounds of every hidden pre-activation over the closed ball
    ``B_p(x, radius)`` (Zhang et al. 2018, "Efficient Neural Network Robustness Certification
    with General Activation Functions"; Singh et al. 2019, DeepPoly).

    Layer 1 exactly (as IBP). For layer ``l >= 2`` and each neuron, the lower bound of
    ``z^l = W_l a^{l-1} + b_l`` is obtained by back-substitution down to the input: every
    earlier activation is replaced by a linear function of its pre-activation, using that
    layer's bounds ``[lo, hi]`` (already computed):

    * stable (``lo >= 0`` or ``hi <= 0``): ``a = z`` or ``a = alpha z`` (exact);
    * unstable: ``lam z <= a <= s z + t`` with the chord ``s = (hi - alpha lo)/(hi - lo)``,
      ``t = lo (alpha - s)`` and ``lam = 1`` if ``hi >= -lo`` else ``alpha`` (CROWN's adaptive
      lower slope); a coefficient ``>= 0`` takes the lower function, ``< 0`` the upper one.

    This yields ``z^l >= A y + c`` for every ``y`` in the ball, and
    ``min_{||y - x||_p <= r} A y + c = A x + c - r ||A||_q`` (Hoelder, q the dual exponent). The
    upper bound is minus the lower bound of ``-z^l``. Each bound is widened by ``FLOAT_WIDEN``
    times the sum of the absolute values of its terms (see the module docstring).

    Parameters
    ----------
    intersect : bool
        Intersect every layer's CROWN bounds with the IBP bounds before using them (both are
        sound, so is the intersection; CROWN alone is not always tighter than IBP). With
        ``False``, plain CROWN (as auto_LiRPA's ``method="CROWN"``).

    Returns
    -------
    lower, upper : ndarray, shape (N,)

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([([[1.0], [-1.0]], [0.0, 0.0]), ([[1.0, 1.0]], [0.0]),
    ...                                    ([[1.0]], [0.0])])
    >>> lo, hi = crown_bounds(net, np.array([0.5]), 1.0)    # |y| for y in [-0.5, 1.5]
    >>> (np.round(lo, 6) + 0.0).tolist(), (np.round(hi, 6) + 0.0).tolist()
    ([-0.5, -1.5, 0.0], [1.5, 0.5, 1.5])
    >>> round(float(crown_bounds(net, np.array([0.5]), 1.0, intersect=False)[0][-1]), 6)
    -0.5
    """
    p = parse_norm(norm)
    q = dual_norm(p)
    x = check_point(net, x)
    r = float(radius)
    ibp_lo, ibp_hi = ibp_bounds(net, x, r, p) if intersect else (None, None)
    offsets = net.layer_offsets
    bounds = [_first_layer(net, x, r, q)]
    for layer in range(1, len(net.hidden_widths)):
        W, b = net.weights[layer], net.biases[layer]
        both = _back_substitute(net, np.vstack([W, -W]), np.concatenate([b, -b]), layer, bounds,
                                x, r, q)
        n = W.shape[0]
        lo, hi = both[:n], -both[n:]
        if ibp_lo is not None and ibp_hi is not None:
            seg = slice(offsets[layer], offsets[layer + 1])
            lo, hi = np.maximum(lo, ibp_lo[seg]), np.minimum(hi, ibp_hi[seg])
        bounds.append((lo, hi))
    return np.concatenate([b[0] for b in bounds]), np.concatenate([b[1] for b in bounds])


def lp_bounds(net: Network, x: np.ndarray, radius: float, norm: float | str = 2,
              *, tol: Tolerances = DEFAULT) -> tuple[np.ndarray, np.ndarray]:
    """Triangle-LP bounds of every hidden pre-activation over ``B_p(x, radius)``: the optima of
    :func:`polyreg.bounds.relaxation.relaxation_bounds` (layer by layer, every earlier ReLU
    replaced by its triangle relaxation with the tightest bounds found so far; HiGHS, or
    Clarabel for the L2 ball), widened by ``LP_WIDEN * (1 + |optimum|)`` and intersected with
    interval bounds.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([([[1.0], [-1.0]], [0.0, 0.0]), ([[1.0, 1.0]], [0.0]),
    ...                                    ([[1.0]], [0.0])])
    >>> lo, hi = lp_bounds(net, np.array([0.5]), 1.0)
    >>> round(float(hi[-1]), 4)
    1.5
    """
    p = parse_norm(norm)
    x = check_point(net, x)
    nb = relaxation_bounds(net, Ball(x, float(radius), norm=p), tol=tol)
    return nb.lower, nb.upper


def margin_lower_bounds(
    net: Network,
    x: np.ndarray,
    radius: float,
    norm: float | str = 2,
    method: str = "crown",
    *,
    label: int | None = None,
    tol: Tolerances = DEFAULT,
) -> np.ndarray:
    """Lower bounds, over the closed ball ``B_p(x, radius)``, of the margins
    ``f_c - f_j`` (``j != c``, ``c = label`` or the class of ``x``) by one certifier.

    The ball is certified (no point of another class in it) iff every entry is ``> 0``.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([([[1.0]], [0.0]), ([[1.0]], [-1.0])])  # relu(x) - 1
    >>> [round(float(margin_lower_bounds(net, np.array([2.0]), 0.5, 2, m)[0]), 6)
    ...  for m in ("ibp", "crown", "lp")]
    [0.5, 0.5, 0.5]
    """
    x = check_point(net, x)
    if label is None:
        label = int(predicted_class(net, x))
    mnet = margin_network(net, label)
    if method == "ibp":
        lo, _ = ibp_bounds(mnet, x, radius, norm)
    elif method == "crown":
        lo, _ = crown_bounds(mnet, x, radius, norm)
    elif method == "lp":
        lo, _ = lp_bounds(mnet, x, radius, norm, tol=tol)
    else:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return lo[mnet.layer_offsets[-2]:]


def certifies(net: Network, x: np.ndarray, radius: float, norm: float | str = 2,
              method: str = "crown", *, label: int | None = None,
              tol: Tolerances = DEFAULT) -> bool:
    """Whether ``method`` proves that the closed ball ``B_p(x, radius)`` holds no point of
    another class than ``label`` (default: the class of ``x``).

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([([[1.0]], [0.0]), ([[1.0]], [-1.0])])  # relu(x) - 1
    >>> certifies(net, np.array([2.0]), 0.9, 2, "ibp"), certifies(net, np.array([2.0]), 1.1, 2, "ibp")
    (True, False)
    """
    return bool(np.all(margin_lower_bounds(net, x, radius, norm, method, label=label, tol=tol) > 0))


def _certifies_or_fails(net: Network, x: np.ndarray, radius: float, p: float, method: str,
                        label: int, tol: Tolerances) -> bool | None:
    """:func:`certifies`, or None when the LP / SOCP solver fails (a failed solve certifies
    nothing: the bisection treats it as "not certified", which keeps the answer sound)."""
    try:
        return certifies(net, x, radius, p, method, label=label, tol=tol)
    except SolverFailed:
        return None


@dataclass(frozen=True)
class CertifiedRadius:
    """Answer of :func:`certified_radius`.

    Attributes
    ----------
    radius : float
        A radius at which the certifier succeeded (0 when it succeeded at none tried): a
        lower bound of the exact robustness radius.
    method : str
    norm : str
    failed_at : float
        Smallest radius tried at which the certifier failed (``inf`` when none failed): the
        bisection's upper end.
    steps : int
        Certifier calls.
    solver_failures : int
        Calls where the LP / SOCP solver failed (counted as "not certified").
    """

    radius: float
    method: str
    norm: str
    failed_at: float
    steps: int
    solver_failures: int = 0

    def to_dict(self) -> dict:
        return {
            "radius": self.radius, "method": self.method, "norm": self.norm,
            "failed_at": None if not np.isfinite(self.failed_at) else self.failed_at,
            "steps": self.steps, "solver_failures": self.solver_failures,
        }


def certified_radius(
    net: Network,
    x: np.ndarray,
    norm: float | str = 2,
    method: str = "crown",
    *,
    upper: float | None = None,
    start: float | None = None,
    rel_tol: float = 1e-3,
    max_steps: int = 80,
    tol: Tolerances = DEFAULT,
) -> CertifiedRadius:
    """Largest radius (up to ``rel_tol``) at which ``method`` certifies ``x``'s class: a
    certified lower bound of the exact L_p robustness radius.

    Bisection on ``r`` keeps a bracket ``[lo, hi]`` with ``lo`` certified (or 0) and ``hi``
    not certified (or a known upper bound of the exact radius, where no sound certifier can
    succeed). Start: ``hi = upper`` when given (otherwise doubled from ``start`` or from
    ``1e-3 (1 + ||x||_p)`` until the certifier fails, at most ``max_steps`` times); ``lo =
    start`` if certified. While ``lo = 0`` the radius is halved from ``hi``; then it is bisected
    until ``hi - lo <= rel_tol * lo``. The answer is ``lo``: a radius at which the certifier
    succeeded, so it is sound even when the certifier is not monotone in ``r`` (CROWN's adaptive
    slopes need not be). A failed LP / SOCP solve counts as "not certified"
    (``solver_failures``).

    Parameters
    ----------
    method : {"ibp", "crown", "lp"}
    upper : float, optional
        An upper bound of the robustness radius (the exact radius or an adversarial distance).
    start : float, optional
        A radius likely to be certified (e.g. a cheaper certifier's answer).

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.Network.from_layers([([[1.0]], [0.0]), ([[1.0]], [-1.0])])  # relu(x) - 1
    >>> res = certified_radius(net, np.array([2.0]), 2, "crown", upper=1.0)
    >>> 0.999 <= res.radius < 1.0
    True
    """
    p = parse_norm(norm)
    x = check_point(net, x)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    label = int(predicted_class(net, x))
    steps = failures = 0

    def ok(r: float) -> bool:
        nonlocal steps, failures
        steps += 1
        got = _certifies_or_fails(net, x, r, p, method, label, tol)
        failures += got is None
        return bool(got)

    lo, hi = 0.0, np.inf if upper is None else float(upper)
    if not hi > 0:
        return CertifiedRadius(0.0, method, norm_name(p), hi, steps, failures)
    if start is not None and 0 < start < hi:
        if ok(start):
            lo = float(start)
        else:
            hi = float(start)
    if not np.isfinite(hi):  # grow until the certifier fails
        r = lo * 2 if lo > 0 else 1e-3 * (1.0 + float(np.linalg.norm(x, ord=p)))
        while steps < max_steps:
            if ok(r):
                lo, r = r, 2 * r
            else:
                hi = r
                break
        if not np.isfinite(hi):
            return CertifiedRadius(lo, method, norm_name(p), hi, steps, failures)
    tiny = 1e-12 * (1.0 + float(np.linalg.norm(x, ord=p)))
    while lo == 0.0 and steps < max_steps:  # find a certified radius by halving
        r = hi / 2
        if r < tiny:
            break
        if ok(r):
            lo = r
        else:
            hi = r
    while lo > 0 and hi - lo > rel_tol * lo and steps < max_steps:
        mid = (lo + hi) / 2
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return CertifiedRadius(lo, method, norm_name(p), hi, steps, failures)


def certified_radii(
    net: Network,
    x: np.ndarray,
    norm: float | str = 2,
    methods: tuple[str, ...] = METHODS,
    *,
    upper: float | None = None,
    rel_tol: float = 1e-3,
    tol: Tolerances = DEFAULT,
) -> dict[str, CertifiedRadius]:
    """:func:`certified_radius` for several certifiers, cheapest first; each starts at the
    previous one's radius (tighter certifiers usually certify it, which saves LP solves).

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> from polyreg.bounds import robustness_radius
    >>> net = polyreg.random_network([2, 8, 8, 2], seed=0)
    >>> x = np.array([0.3, -0.4])
    >>> exact = robustness_radius(net, x, 2).radius
    >>> radii = certified_radii(net, x, 2, upper=exact)
    >>> all(radii[m].radius <= exact for m in ("ibp", "crown", "lp"))
    True
    """
    out: dict[str, CertifiedRadius] = {}
    start = None
    for method in methods:
        res = certified_radius(net, x, norm, method, upper=upper, start=start, rel_tol=rel_tol,
                               tol=tol)
        out[method] = res
        if res.radius > 0:
            start = res.radius
    return out


@dataclass(frozen=True)
class RadiusBounds:
    """The robustness radius of one point with its bounds: answer of :func:`radius_bounds`.

    Attributes
    ----------
    exact : float or None
        The exact radius (None when no class change was found within the search's reach).
    upper : float
        Adversarial upper bound (``inf`` when none was found).
    lower : dict
        Certified lower bound per certifier.
    label : int
        Class of the point.
    """

    exact: float | None
    upper: float
    lower: dict
    label: int

    @property
    def ratios(self) -> dict:
        """Each lower bound divided by the exact radius (None when unknown or 0)."""
        ok = self.exact is not None and self.exact > 0
        return {m: (r / self.exact if ok else None) for m, r in self.lower.items()}

    def to_dict(self) -> dict:
        return {
            "radius": self.exact,
            "upper_bound": self.upper if np.isfinite(self.upper) else None,
            "lower_bounds": dict(self.lower),
            "ratios": self.ratios,
            "label": self.label,
        }


def radius_bounds(
    net: Network,
    x: np.ndarray,
    norm: float | str = 2,
    methods: tuple[str, ...] = METHODS,
    *,
    max_radius: float | None = None,
    rel_tol: float = 1e-3,
    tol: Tolerances = DEFAULT,
    max_regions: int | None = None,
    time_limit: float | None = None,
) -> RadiusBounds:
    """Exact robustness radius (:func:`polyreg.bounds.robustness_radius`, balls up to
    ``max_radius`` when the adversarial search finds nothing), its adversarial upper bound and
    the certified lower bounds of ``methods``. ``max_regions`` / ``time_limit``: the budget of
    the exact search (:mod:`polyreg.budget`); when it stops the search, ``exact`` is None.

    Examples
    --------
    >>> import numpy as np, polyreg
    >>> net = polyreg.random_network([2, 6, 6, 3], seed=1)
    >>> rb = radius_bounds(net, np.array([0.2, 0.1]), "inf")
    >>> rb.lower["ibp"] <= rb.lower["lp"] <= rb.exact <= rb.upper * (1 + 1e-9)
    True
    """
    from .robustness import adversarial_search, robustness_radius

    # max_radius limits the blind search only: when the adversarial search finds a point of
    # another class, the exact radius is computed whatever its size (robustness_radius's
    # max_radius is a hard cap)
    found = np.isfinite(adversarial_search(net, x, norm, max_radius=max_radius).distance)
    res = robustness_radius(net, x, norm, max_radius=None if found else max_radius, tol=tol,
                            max_regions=max_regions, time_limit=time_limit)
    exact = float(res.radius) if res.exact else None
    hint = exact if exact is not None else (res.upper_bound if np.isfinite(res.upper_bound) else None)
    radii = certified_radii(net, x, norm, methods, upper=hint, rel_tol=rel_tol, tol=tol)
    return RadiusBounds(exact, float(res.upper_bound), {m: radii[m].radius for m in methods},
                        res.label)


__all__ = [
    "FLOAT_WIDEN",
    "LP_WIDEN",
    "METHODS",
    "CertifiedRadius",
    "RadiusBounds",
    "certified_radii",
    "certified_radius",
    "certifies",
    "crown_bounds",
    "ibp_bounds",
    "lp_bounds",
    "margin_lower_bounds",
    "margin_network",
    "radius_bounds",
]
