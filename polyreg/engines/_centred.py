"""Centred coordinates for the low-dimensional engines (``planar``, ``line``, ``skeleton``).

Those engines compare float64 quantities computed from coordinates. Far from the origin the
coordinates' own rounding (an ulp of ``|x|``) would dominate every decision, and the result
would change when the network and the domain are translated together. So they work in
coordinates centred on the domain: ``x' = x - c``. The first layer's offsets become
``b + W c``, computed correctly rounded (:func:`polyreg.slices.exact_affine`), so an exact translation (e.g.
integer shifts of integer weights) leaves every input to the engine bit for bit unchanged.

Float error model. A value ``sum_j w_j a_j + b`` computed in float64 is off by at most a few
ulps of its *magnitude* ``sum_j |w_j| |a_j| + |b|``; the engines carry these magnitudes layer
by layer (``|W|`` times the previous magnitudes) and snap a decision only when the compared
quantity lies within :data:`ULPS` ulps of its magnitude. Magnitudes are invariant under
positive rescaling of a neuron (its row and bias times ``c``, the next column times ``1/c``):
``|w_kj| |a_j|`` does not change.
"""

from __future__ import annotations

import math

import numpy as np

from ..domains import Ball, Box, Domain, Polytope
from ..errors import InvalidDomain
from ..slices import exact_affine

#: a value within this many ulps of its magnitude is zero (float noise): ``ULPS * eps`` is the
#: relative snapping threshold of the low-dimensional engines
ULPS = 64
#: ``ULPS`` float64 ulps, relative
NOISE = ULPS * float(np.finfo(float).eps)
#: largest domain extent (about its centre) the engines accept: squared distances and areas
#: (and weight times coordinate products) must stay far from float64's overflow
MAX_EXTENT = 1e150
#: smallest: products of coordinates must stay far from float64's underflow
MIN_EXTENT = 1e-150

def centre_of(domain: Domain) -> np.ndarray:
    """The point the engines centre on: a box's midpoint, a ball's centre, the middle of a
    polytope's bounding box (any point works; these make translation exact for integer data)."""
    if isinstance(domain, Ball):
        return np.array(domain.center, dtype=float)
    lo, hi = domain.bounding_box()
    return lo / 2 + hi / 2


def translate(domain: Domain, c: np.ndarray) -> Domain:
    """The domain moved by ``-c`` (its description in coordinates centred on ``c``)."""
    if isinstance(domain, Box):
        return Box(domain.lo - c, domain.hi - c)
    if isinstance(domain, Ball):
        return Ball(domain.center - c, domain.radius, norm=domain.norm)
    if isinstance(domain, Polytope):
        return Polytope(domain.A, exact_affine(domain.A, -c, domain.b))
    raise InvalidDomain(f"cannot centre a {type(domain).__name__}")


def check_extent(extent: float, engine: str) -> None:
    """Refuse a domain whose extent (largest distance from its centre) float64 cannot handle
    in the engine's squared distances and areas."""
    if not math.isfinite(extent) or extent > MAX_EXTENT:
        raise InvalidDomain(
            f"the domain's extent ({extent:.3g} from its centre) exceeds {MAX_EXTENT:.0e}: the "
            f"{engine} engine's squared distances and areas would overflow float64; rescale the "
            "inputs"
        )
    if extent < MIN_EXTENT:
        raise InvalidDomain(
            f"the domain's extent ({extent:.3g} from its centre) is below {MIN_EXTENT:.0e}: the "
            f"{engine} engine's products of coordinates would underflow float64; rescale the "
            "inputs"
        )
