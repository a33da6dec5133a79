"""Budgets: stop an enumeration cleanly after ``max_regions`` regions or ``time_limit`` seconds.

A run stopped by its budget is *incomplete*: the regions found so far are distinct
full-dimensional activation regions of the domain, so their number is a certified **lower
bound** on the count, never the count. Results say so: ``RegionSet.stats`` (and every summary)
holds ``"complete": False`` and ``"stopped": "max_regions"`` or ``"time_limit"``;
:func:`polyreg.count_regions` returns a :class:`RegionCount` (an ``int``) with the same two
attributes; the command line prints ``at least N regions (stopped: ...)``.

Which engines honour a budget: the graph search ``traverse`` (in one process, with or without a
region store) checks it after each region's expansion, so a run stops within one expansion of
the limit (``max_regions`` may be exceeded by the regions found during that expansion). With a
budget ``auto`` runs ``traverse``. ``skeleton``, ``planar``, ``split``, ``milp`` and ``line``
build their regions in one batch (a cell complex, layer-wise subdivision or MILP enumeration
that is only meaningful when finished) and refuse a budget with
:class:`BudgetNotSupported`; so do worker processes (``workers > 1``, ``parts``, dask).

Examples
--------
>>> b = Budget.make(max_regions=10)
>>> b.exceeded(3), b.exceeded(10)
(None, 'max_regions')
>>> Budget.make() is None
True
"""

from __future__ import annotations

import math
import time

from .errors import PolyregError

#: the values of ``stats["stopped"]``
STOPPED = ("max_regions", "time_limit")

#: engines that honour a budget
BUDGET_ENGINES = ("traverse", "auto")


class BudgetNotSupported(PolyregError, ValueError):
    """A budget was given to an engine (or a parallel run) that cannot stop part-way."""


class Budget:
    """A region cap and/or a wall-clock limit, measured from construction.

    Parameters
    ----------
    max_regions : int, optional
        Stop once at least this many regions have been found (``>= 1``).
    time_limit : float, optional
        Stop once this many seconds have passed (``> 0``, finite).

    Examples
    --------
    >>> Budget(time_limit=3600).exceeded(1) is None
    True
    >>> Budget(max_regions=0)
    Traceback (most recent call last):
    ...
    ValueError: max_regions must be an integer >= 1, got 0
    """

    def __init__(self, max_regions: int | None = None, time_limit: float | None = None) -> None:
        if max_regions is not None and (isinstance(max_regions, bool)
                                        or not isinstance(max_regions, int) or max_regions < 1):
            raise ValueError(f"max_regions must be an integer >= 1, got {max_regions!r}")
        if time_limit is not None and (isinstance(time_limit, bool)
                                       or not isinstance(time_limit, (int, float))
                                       or not math.isfinite(time_limit) or time_limit <= 0):
            raise ValueError(f"time_limit must be a positive finite number of seconds, "
                             f"got {time_limit!r}")
        self.max_regions = max_regions
        self.time_limit = None if time_limit is None else float(time_limit)
        self.t0 = time.monotonic()

    @classmethod
    def make(cls, max_regions: int | None = None, time_limit: float | None = None) -> Budget | None:
        """A :class:`Budget`, or None when neither limit is given."""
        if max_regions is None and time_limit is None:
            return None
        return cls(max_regions, time_limit)

    def exceeded(self, regions: int) -> str | None:
        """``"max_regions"`` / ``"time_limit"`` when a limit is reached, else None."""
        if self.max_regions is not None and regions >= self.max_regions:
            return "max_regions"
        if self.time_limit is not None and time.monotonic() - self.t0 >= self.time_limit:
            return "time_limit"
        return None

    def stats(self, stopped: str | None) -> dict:
        """The ``complete`` / ``stopped`` entries of a result's statistics."""
        out: dict = {"complete": stopped is None}
        if stopped is not None:
            out["stopped"] = stopped
            if stopped == "max_regions":
                out["max_regions"] = self.max_regions
            else:
                out["time_limit"] = self.time_limit
        return out


def check_engine(name: str, *, parallel: bool = False) -> None:
    """Refuse a budget for an engine that cannot stop part-way (or for worker processes).

    Examples
    --------
    >>> check_engine("traverse")
    >>> check_engine("skeleton")
    Traceback (most recent call last):
    ...
    polyreg.budget.BudgetNotSupported: method 'skeleton' builds every region in one batch and ...
    """
    if name not in BUDGET_ENGINES:
        raise BudgetNotSupported(
            f"method {name!r} builds every region in one batch and cannot stop part-way, so it "
            "does not take max_regions/time_limit (--max-regions/--time-limit): use method "
            "'traverse' or 'auto' (which runs traverse under a budget)"
        )
    if parallel:
        raise BudgetNotSupported(
            "max_regions/time_limit (--max-regions/--time-limit) run in one process: drop "
            "workers/parts/client (--workers/--parts/--scheduler), or use one worker"
        )


def describe_stop(summary: dict) -> str:
    """``"time limit 10 s"`` / ``"max regions 1,000"`` for an incomplete summary.

    Examples
    --------
    >>> describe_stop({"stopped": "time_limit", "time_limit": 10.0})
    'time limit 10 s'
    >>> describe_stop({"stopped": "max_regions", "max_regions": 1000})
    'max regions 1,000'
    """
    why = summary.get("stopped")
    if why == "time_limit":
        limit = summary.get("time_limit")
        return "time limit" + ("" if limit is None else f" {limit:g} s")
    if why == "max_regions":
        cap = summary.get("max_regions")
        return "max regions" + ("" if cap is None else f" {cap:,}")
    return "interrupted" if why is None else str(why).replace("_", " ")


def count_text(summary: dict, unit: str = "") -> str:
    """``"1,234"`` for a complete run, ``"at least 1,234 (stopped: time limit 10 s)"`` for a
    run its budget stopped (``unit`` follows the number).

    Examples
    --------
    >>> count_text({"regions": 1234})
    '1,234'
    >>> count_text({"regions": 1234, "complete": False, "stopped": "max_regions",
    ...             "max_regions": 1000}, "regions")
    'at least 1,234 regions (stopped: max regions 1,000)'
    """
    n = f"{summary['regions']:,}" + (f" {unit}" if unit else "")
    if summary.get("complete", True):
        return n
    return f"at least {n} (stopped: {describe_stop(summary)})"


class RegionCount(int):
    """The answer of :func:`polyreg.count_regions` under a budget: an ``int`` (the regions
    found) that says whether it is the count (``complete``) or only a lower bound.

    Examples
    --------
    >>> c = RegionCount(12, complete=False, stopped="time_limit")
    >>> c + 0, c.complete, c.stopped
    (12, False, 'time_limit')
    >>> c
    RegionCount(12, complete=False, stopped='time_limit')
    """

    complete: bool
    stopped: str | None

    def __new__(cls, value: int, complete: bool = True, stopped: str | None = None) -> RegionCount:
        obj = super().__new__(cls, value)
        obj.complete = complete
        obj.stopped = stopped
        return obj

    def __repr__(self) -> str:
        if self.complete:
            return f"RegionCount({int(self)}, complete=True)"
        return f"RegionCount({int(self)}, complete=False, stopped={self.stopped!r})"
