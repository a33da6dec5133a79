"""The solver layer: the only code that talks to solvers, HiGHS (through ``highspy``) and
Clarabel.

Most of what the engines ask is one question: *how large a Euclidean ball fits inside a
polyhedral set intersected with the domain* (optionally with its centre on a given
hyperplane, which answers "is this a facet?"): :func:`inscribed_ball`. The rest:
:func:`solve_milp` (the ``milp`` engine and LP-tightened bounds), :func:`nearest_point` and
:func:`solve_lp_in_l2_ball` (margins and robustness radii), :class:`RowStackLP` (one warm
HiGHS model along a depth-first search). Every solver status is mapped onto :class:`Status`;
anything but optimal / infeasible raises :class:`~polyreg.errors.SolverFailed`.

Modules: ``status`` (:class:`Status`, :class:`SolveCounter`, the answers, status mapping),
``highs`` (HiGHS instances, models, retries, the dense LP), ``conic`` (Clarabel), ``frame``
(the solve's coordinates and the domain's part), ``ball`` (:func:`inscribed_ball`),
``fallback`` (its rational decision, through :mod:`polyreg.exact`), ``milp``, ``nearest``,
``rowstack``.
"""

from __future__ import annotations

from typing import Any

from .ball import inscribed_ball
from .conic import solve_lp_in_l2_ball
from .frame import WHOLE_CAP, domain_margin
from .highs import RETRIES, RETRY_OPTIONS
from .milp import solve_milp
from .nearest import nearest_point
from .rowstack import RowStackLP
from .status import BallResult, ConicResult, MilpResult, NearestResult, SolveCounter, Status

__all__ = [
    "RETRIES", "RETRY_OPTIONS", "WHOLE_CAP", "BallResult", "ConicResult", "MilpResult",
    "NearestResult", "RowStackLP", "SolveCounter", "Status", "domain_margin", "inscribed_ball",
    "nearest_point", "solve_lp_in_l2_ball", "solve_milp",
]

#: private names of the old module ``polyreg.lp`` -> (submodule, name), for its deprecated
#: path (``polyreg/lp.py``); they go with it
_LEGACY: dict[str, tuple[str, str]] = {
    "_domain_margin": ("frame", "domain_margin"),
    "_frame": ("frame", "frame"),
    "_framed_domain": ("frame", "framed_domain"),
    "_solve_lp": ("highs", "solve_lp"),
    "_new_highs": ("highs", "new_highs"),
    "_highs": ("highs", "lp_instance"),
    "_highs_milp": ("highs", "milp_instance"),
    "_local": ("highs", "_local"),
    "_settled": ("highs", "settled"),
    "_retry": ("highs", "retry"),
    "_run_fresh": ("highs", "run_fresh"),
    "_margin_lp": ("ball", "_margin_lp"),
    "_solve_socp_l2": ("ball", "_socp_l2"),
    "_exact_ball": ("fallback", "exact_ball"),
    "_clarabel_settings": ("conic", "settings"),
    "_unit_rows": ("nearest", "_unit_rows"),
    "_polish_least_norm": ("nearest", "_polish_least_norm"),
}


def __getattr__(name: str) -> Any:
    """The private names of the old ``polyreg.lp`` (:data:`_LEGACY`)."""
    if name in _LEGACY:
        import importlib

        module, attr = _LEGACY[name]
        return getattr(importlib.import_module(f".{module}", __name__), attr)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
