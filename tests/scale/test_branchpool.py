"""The parallel driver of ``branch``: the same regions as one process, every count summed."""

from __future__ import annotations

import polyreg
from polyreg import Box
from polyreg.scale.branchpool import branch_parallel
from polyreg.scale.drive import branch_workers
from polyreg.engines import branch
from polyreg.engines._common import Context

from test_branch import check_points


def test_parallel_same_regions():
    net = polyreg.random_network([6, 10, 10, 1], seed=4)
    box = Box.cube(6, -0.5, 0.5)
    serial = branch(net, box, edges=False)
    par = branch_workers(net, box, workers=2, edges=False)
    assert par.patterns == serial.patterns and len(par) == len(serial)
    assert par.stats["workers"] == 2
    assert par.stats["decisions"]["lp_kept"] > 0
    check_points(net, box, par)


def test_small_search_finishes_before_the_pool():
    # fewer pieces than the pool would get: everything is done in this process
    net = polyreg.random_network([3, 2, 1], seed=0)
    ctx = Context.create(net, Box.cube(3), polyreg.Tolerances())
    regions, _, _ = branch_parallel(ctx, 2)
    assert {r.hex for r in regions} == branch(net, Box.cube(3)).patterns


def test_max_regions():
    import pytest

    net = polyreg.random_network([6, 10, 10, 1], seed=4)
    with pytest.raises(polyreg.ToleranceError, match="max_regions=5"):
        branch_workers(net, Box.cube(6, -0.5, 0.5), workers=2, max_regions=5, edges=False)


def test_public_entry_points_run_branch_in_parallel(monkeypatch):
    # auto picks branch above 8 inputs; workers=N runs it in processes (branchpool), not
    # traverse; the pieces are cut at once so that the pool really runs
    import polyreg.scale.branchpool as bp

    monkeypatch.setattr(bp, "SERIAL_SECONDS", 0.0)
    net = polyreg.random_network([9, 8, 6, 1], seed=2)
    box = Box.cube(9, -0.4, 0.4)
    ref = polyreg.enumerate_regions(net, box, method="traverse", chebyshev=False)
    for method in ("auto", "branch"):
        rs = polyreg.enumerate_regions(net, box, method=method, workers=2, edges=False)
        assert rs.stats["engine"] == "branch" and rs.stats["workers"] == 2
        assert rs.patterns == ref.patterns
    assert polyreg.count_regions(net, box, workers=2, edges=False) == len(ref)


def test_exact_decisions_of_the_workers_are_summed(monkeypatch):
    # exact="always": every decision goes to rational arithmetic, in this process and in the
    # workers; their counts and seconds are added up as the LP counts are
    import polyreg.scale.branchpool as bp

    monkeypatch.setattr(bp, "SERIAL_SECONDS", 0.0)
    net = polyreg.random_network([4, 8, 6, 1], seed=2)
    box = Box.cube(4, -0.5, 0.5)
    tol = polyreg.Tolerances(exact="always")
    serial = branch(net, box, tol=tol, edges=False)
    par = branch_workers(net, box, workers=2, tol=tol, edges=False)
    assert par.stats["workers"] == 2 and par.patterns == serial.patterns
    assert par.stats["exact_decisions"] == serial.stats["exact_decisions"] > 0
    assert par.stats["exact_seconds"] > 0


def test_engine_runs_in_one_process():
    # workers belong to the driver above the engines (polyreg.scale.drive), as for traverse
    import pytest

    net = polyreg.random_network([3, 4, 1], seed=0)
    with pytest.raises(ValueError, match="enumerate_regions"):
        branch(net, Box.cube(3), workers=2)
    assert branch(net, Box.cube(3), workers=1).patterns == branch(net, Box.cube(3)).patterns


def test_driver_reduces_as_the_engine():
    # a rank-1 first layer in an L2 ball: the driver reduces the dimension first, as branch does
    import numpy as np

    W = np.array([[1.0, 2.0, 0.5]] * 4) * np.array([[1.0], [-1.0], [2.0], [0.5]])
    net = polyreg.Network.from_layers([(W, np.array([0.1, 0.2, -0.3, 0.0])),
                                       (np.ones((1, 4)), np.zeros(1))])
    ball = polyreg.Ball(np.zeros(3), 1.0)
    par = branch_workers(net, ball, workers=2, edges=False)
    assert par.patterns == branch(net, ball, edges=False).patterns


def test_workers_keep_their_model_across_tasks(monkeypatch):
    # many small pieces per worker: each worker's LP model lives on from task to task and syncs
    # with a new piece by row labels (the driver's and its own never collide); the regions are
    # those of one process, on a box (the columns' bounds) and on a polytope (rows at the bottom)
    import numpy as np

    import polyreg.scale.branchpool as bp

    monkeypatch.setattr(bp, "SERIAL_SECONDS", 0.0)
    monkeypatch.setattr(bp, "PIECES_PER_WORKER", 40)
    net = polyreg.random_network([5, 10, 8, 1], seed=7)
    eye = np.eye(5)
    poly = polyreg.Polytope(np.vstack([eye, -eye, np.ones((1, 5))]),
                            np.concatenate([np.full(10, 0.6), [1.0]]))
    for dom in (Box.cube(5, -0.6, 0.6), poly):
        serial = branch(net, dom, edges=False)
        par = branch_workers(net, dom, workers=2, edges=False)
        assert par.patterns == serial.patterns and len(par) == len(serial) > 40


def test_time_slices_pass_pieces_between_workers(monkeypatch):
    # slices of one step: every task returns its stack, which the next task (often in the
    # other worker) takes up; labels of the two workers never meet (residue classes), so each
    # worker's LP model syncs correctly with pieces the other one split
    import numpy as np

    import polyreg.scale.branchpool as bp

    monkeypatch.setattr(bp, "SERIAL_SECONDS", 0.0)
    monkeypatch.setattr(bp, "PIECES_PER_WORKER", 1)
    monkeypatch.setattr(bp, "SLICE_SECONDS", 0.0)
    net = polyreg.random_network([5, 9, 7, 1], seed=11)
    for dom in (Box.cube(5, -0.7, 0.7), polyreg.Ball(np.full(5, 0.1), 0.8)):
        serial = branch(net, dom, edges=False)
        par = branch_workers(net, dom, workers=2, edges=False)
        assert par.patterns == serial.patterns and len(par) == len(serial) > 30
        check_points(net, dom, par)


def test_labels_keep_to_their_residue_class():
    from polyreg.engines.branch_engine import BranchSearch

    ctx = Context.create(polyreg.random_network([3, 6, 1], seed=0), Box.cube(3),
                         polyreg.Tolerances())
    search = BranchSearch(ctx)
    search.label_slot, search.label_stride = 2, 3
    search._row_counter = 2
    search._fresh_ids([], top=10)
    labels = [search._label() for _ in range(4)]
    assert all(x > 10 and x % 3 == 2 for x in labels) and len(set(labels)) == 4


def test_raised_flag_returns_the_stack_after_one_step(monkeypatch):
    # the driver's shared flag (a worker idles): a task makes one step and hands back what it
    # holds, so the largest subtree is cut again at once; the pieces handed back and the
    # regions found partition the work (the run of all of them gives the serial regions)
    import polyreg.scale.branchpool as bp
    from polyreg.engines.branch_engine import BranchSearch

    net = polyreg.random_network([4, 8, 6, 1], seed=3)
    box = Box.cube(4, -0.5, 0.5)
    ctx = Context.create(net, box, polyreg.Tolerances())
    monkeypatch.setattr(bp, "_WORKER", {"ctx": ctx, "share": bytearray(b"\x01")})
    root = BranchSearch(ctx).root()
    found, left, _, _ = bp._run_pieces(1, 0, [root], 60.0)
    regions = bp._unpack(found)
    assert len(regions) + len(left) <= 2 and left  # one step: a split (or a region)
    rest = BranchSearch(ctx)
    regions += list(rest.run(left))
    assert {r.hex for r in regions} == branch(net, box, edges=False).patterns
