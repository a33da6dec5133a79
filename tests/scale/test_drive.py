"""The driver above the engines (``polyreg.scale.drive``): several processes for a traverse
search come through :func:`polyreg.enumerate_regions`; the engine itself runs in one process."""

from __future__ import annotations

import pytest

import polyreg
from polyreg import Ball, Box
from polyreg.engines.traverse_engine import traverse
from polyreg.scale.drive import is_parallel, traverse_parallel


def test_engine_refuses_workers_and_points_to_the_api():
    net = polyreg.random_network([2, 6, 1], seed=0)
    for options in ({"workers": 2}, {"parts": 3}, {"client": "tcp://127.0.0.1:9"}):
        with pytest.raises(ValueError, match="enumerate_regions"):
            traverse(net, Box.cube(2), **options)
    assert len(traverse(net, Box.cube(2), workers=1)) == len(traverse(net, Box.cube(2)))


def test_driver_matches_the_engine():
    net = polyreg.random_network([2, 8, 1], seed=1)
    box = Box.cube(2, -3, 3)
    ref = traverse(net, box)
    assert sorted(traverse_parallel(net, box, workers=1, parts=3).patterns) == sorted(ref.patterns)
    # the reduction (rank-2 first layer in R^3) runs before the parts, as in the engine
    net = polyreg.random_network([3, 2, 6, 1], seed=2)
    ball = Ball([0.1, 0.0, -0.2], 1.5)
    rs = traverse_parallel(net, ball, workers=1, parts=2)
    assert sorted(rs.patterns) == sorted(traverse(net, ball).patterns)
    assert rs.stats["reduced_dim"] == 2


def test_auto_with_parts_runs_the_driver():
    net = polyreg.random_network([3, 6, 1], seed=0)
    disk = Ball([0.0, 0.0, 0.0], 2.0)  # auto runs traverse in an L2 ball in R^3
    rs = polyreg.enumerate_regions(net, disk, method="auto", workers=1, parts=2)
    assert rs.method == "auto" and rs.stats["method"] == "auto"
    assert sorted(rs.patterns) == sorted(polyreg.enumerate_regions(net, disk).patterns)
    with pytest.raises(TypeError, match="no engine takes"):
        polyreg.enumerate_regions(net, disk, method="auto", parts=2, bogus=1)


def test_is_parallel():
    assert not is_parallel({})
    assert not is_parallel({"workers": 1, "parts": 1, "client": None})
    assert is_parallel({"workers": 0}) and is_parallel({"parts": 2})
