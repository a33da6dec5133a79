"""Exception hierarchy of polyreg.

Every error polyreg raises on purpose derives from :class:`PolyregError`, so a caller can catch
one type; the command line turns these into a one-line message and exit status 2.
"""

from __future__ import annotations


class PolyregError(Exception):
    """Base class of every error raised on purpose by polyreg."""


class InvalidNetwork(PolyregError, ValueError):
    """A network file or weight array is malformed (shapes, NaN/inf, missing arrays)."""


class InvalidDomain(PolyregError, ValueError):
    """A domain is malformed: wrong dimension, radius <= 0, empty or unbounded polytope."""


class UntrustedFile(PolyregError, ValueError):
    """Reading a file would run code from it (a pickle, a TorchScript archive) and the caller
    did not say the file is trusted (``trust_pickle=True``, ``--trust-pickle``)."""


class SolverFailed(PolyregError, RuntimeError):
    """A solver returned a status other than optimal or infeasible, or a point it returned
    does not satisfy the constraints it was given."""


class ToleranceError(PolyregError, ArithmeticError):
    """A decision (is this region full-dimensional? is this a facet?) falls between the
    tolerances of :class:`polyreg.Tolerances`: the answer cannot be certified in float64."""
