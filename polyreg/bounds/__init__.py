"""Analytic bounds from the literature, checked against exact answers.

* :mod:`.margins` -- distance to the boundary of the activation region (closed form), of the
  linear region (enumeration), and the LP check of the closed form;
* :mod:`.counts` -- bounds on the number of regions: ``2^N``, Zaslavsky, Montufar 2017,
  Serra et al. 2018 (and rank variant), local bounds in a domain, lower-bound constructions,
  the MILP-based bound after Serra & Ramalingam 2020, Hanin & Rolnick's density predictions;
* :mod:`.relaxation` -- triangle-LP bounds of the pre-activations (used by the local bound);
* :mod:`.sensitivity` -- softmax Jacobian norms, tangent sensitivity and its weight-norm bound;
* :mod:`.robustness` -- exact robustness radius and adversarial upper bounds;
* :mod:`.certify` -- certified lower bounds of the radius (IBP, CROWN, triangle LP, bisection);
* :mod:`.report` -- every bound against the exact enumeration (``polyreg bounds``).

Every formula, its paper and the soundness proofs: docs/theory.md.

Examples
--------
>>> import numpy as np, polyreg
>>> from polyreg import bounds
>>> net = polyreg.random_network([2, 6, 6, 2], seed=0)
>>> ball = polyreg.Ball([0.1, 0.2], 0.3)
>>> n = polyreg.count_regions(net, ball)
>>> bounds.local_bound(net, ball, "lp").value >= n, bounds.serra_bound(net).value >= n
(True, True)
>>> eps = bounds.margin(net, np.array([0.1, 0.2])).margin
>>> polyreg.count_regions(net, polyreg.Ball([0.1, 0.2], 0.999 * eps))
1
"""

from __future__ import annotations

from .certify import CertifiedRadius, certified_radii, certified_radius, certifies
from .counts import (
    CountBound,
    hanin_rolnick_line,
    hanin_rolnick_volume,
    local_bound,
    montufar2014_lower,
    montufar_bound,
    serra_bound,
    serra_lower,
    serra_ramalingam_bound,
    trivial_bound,
    zaslavsky,
    zaslavsky_bound,
    zaslavsky_convex_bound,
)
from .margins import (
    BoundaryDistance,
    LinearMarginResult,
    MarginResult,
    linear_region_margin,
    lp_distance_to_boundary,
    margin,
)
from .relaxation import NeuronBounds, relaxation_bounds
from .robustness import (
    AdversarialResult,
    RobustnessResult,
    adversarial_search,
    predicted_class,
    robustness_radius,
)
from .sensitivity import (
    JacobianResult,
    TangentSensitivity,
    jacobian_norms,
    softmax_jacobian,
    tangent_bound,
    tangent_sensitivities,
    tangent_sensitivity,
)

__all__ = [
    "AdversarialResult", "BoundaryDistance", "CertifiedRadius", "CountBound", "JacobianResult",
    "LinearMarginResult", "MarginResult", "NeuronBounds", "RobustnessResult",
    "TangentSensitivity", "adversarial_search", "certified_radii", "certified_radius",
    "certifies", "hanin_rolnick_line", "hanin_rolnick_volume", "jacobian_norms",
    "linear_region_margin",
    "local_bound", "lp_distance_to_boundary", "margin", "montufar2014_lower", "montufar_bound",
    "predicted_class", "relaxation_bounds", "robustness_radius", "serra_bound", "serra_lower",
    "serra_ramalingam_bound",
    "softmax_jacobian", "tangent_bound", "tangent_sensitivities", "tangent_sensitivity",
    "trivial_bound", "zaslavsky", "zaslavsky_bound", "zaslavsky_convex_bound",
]
