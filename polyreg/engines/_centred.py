"""Float error model of the low-dimensional engines (``planar``, ``line``, ``skeleton``).

Those engines compare float64 quantities computed from coordinates. Far from the origin the
coordinates' own rounding (an ulp of ``|x|``) would dominate every decision, and the result
would change when the network and the domain are translated together. So they work in
coordinates centred on the domain, ``x' = x - c`` (:func:`polyreg.canonical.middle`,
:func:`~polyreg.canonical.shift_network`, :func:`~polyreg.canonical.shift_domain`: the
first layer's offsets ``b + W c`` correctly rounded, so an exact translation, e.g. integer
shifts of integer weights, leaves every input to the engine bit for bit unchanged). This
module holds what is specific to the engines: the snapping threshold and the extents they
accept.

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

from ..errors import InvalidDomain

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


def __getattr__(name: str) -> object:  # names moved elsewhere (issue 16), for one release
    from .._moved import moved_name

    return moved_name(__name__, name)
