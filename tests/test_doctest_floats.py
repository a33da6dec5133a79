"""No doctest may print the last bits of a float.

A doctest's expected output is compared as text, so a float computed by a solver, linear
algebra, ``sqrt`` or a sum of non-dyadic numbers may print differently on another CPU or BLAS
(``4.24e-17`` instead of ``0``, ``0.30000000000000004`` instead of ``0.3``). Doctests print
rounded values (``round(x, 6)``, ``.round(6)``, ``f"{x:.3g}"``) or match with ELLIPSIS. This
module scans every doctest of the package for float literals with more than
:data:`MAX_DIGITS` significant digits in the expected output (or expected exception message),
the usual sign of an unrounded float.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re

import pytest

import polyreg
from polyreg._moved import MOVED

#: more significant digits than ``round(x, 6)`` of a value of order 1 prints
MAX_DIGITS = 7

_FLOAT = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])")


def significant_digits(literal: str) -> int:
    """Significant digits of a number literal (``"0.0012300"`` -> 3, ``"1e-09"`` -> 1)."""
    mantissa = literal.lower().lstrip("+-").split("e")[0]
    if "." in mantissa:
        digits = mantissa.replace(".", "").lstrip("0").rstrip("0")
    else:
        digits = mantissa.lstrip("0").rstrip("0")  # an integer: its trailing zeros are exact
    return len(digits)


def long_floats(text: str) -> list[str]:
    """Float literals (a decimal point or an exponent) in ``text`` with too many digits.

    A literal directly followed by ``...`` (an ELLIPSIS match) is not a full float.
    """
    out = []
    for match in _FLOAT.finditer(text):
        literal = match.group()
        if not ("." in literal or "e" in literal.lower()):
            continue  # integers (counts, shapes, seeds) are exact
        if text.startswith("...", match.end()) or text[max(0, match.start() - 3):match.start()] == "...":
            continue
        if significant_digits(literal) > MAX_DIGITS:
            out.append(literal)
    return out


def _doctests():
    finder = doctest.DocTestFinder()
    seen = set()
    for info in pkgutil.walk_packages(polyreg.__path__, "polyreg."):
        if info.name in MOVED:  # a deprecated path: the moved module is walked under its name
            continue
        module = importlib.import_module(info.name)
        for test in finder.find(module):
            if test.name in seen:
                continue
            seen.add(test.name)
            yield test


def test_detector():
    assert long_floats("0.30000000000000004") == ["0.30000000000000004"]
    assert long_floats("(3.605551275463989, (9.0, 4.0))") == ["3.605551275463989"]
    assert long_floats("singular value 4.242640687119285e-17") == ["4.242640687119285e-17"]
    assert long_floats("(3.605551, [9.0, 4.0]) 1e-09 0.75 -1.414214 123456789") == []
    assert long_floats("0.3333333... and 1.4142...") == []
    assert significant_digits("0.0012300") == 3 and significant_digits("1e-09") == 1


def test_no_doctest_prints_an_unrounded_float():
    offenders = []
    for test in _doctests():
        for example in test.examples:
            if example.options.get(doctest.SKIP):
                continue
            found = long_floats(example.want + (example.exc_msg or ""))
            if found:
                offenders.append(f"{test.name} (line {example.lineno}): {', '.join(found)}")
    if offenders:
        pytest.fail(
            "doctests print unrounded floats (round them or use ELLIPSIS):\n" + "\n".join(offenders)
        )
