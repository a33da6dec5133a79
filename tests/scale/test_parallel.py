"""Partitioned enumeration (``polyreg.scale.parallel``): the same patterns and edges as one process,
with 1, 2 and 4 workers and on dask, in boxes, balls of every norm, polytopes and R^d."""

from __future__ import annotations

import numpy as np
import pytest

import polyreg
from polyreg import Ball, Box, Polytope, Whole
from polyreg.scale.parallel import (
    Part,
    PartJob,
    PartResult,
    Partition,
    PoolRunner,
    SerialRunner,
    count_parts,
    drive,
    plan_partition,
    run_part,
    traverse_parts,
)

from conftest import check_region_set, one_layer


def enum(net, domain, **options):
    """``polyreg.enumerate_regions`` with the ``traverse`` engine (the one these features run)."""
    return polyreg.enumerate_regions(net, domain, method="traverse", **options)


def _poly3() -> Polytope:
    rng = np.random.default_rng(3)
    Q = np.linalg.qr(rng.normal(size=(3, 3)))[0]
    A = np.vstack([Q, -Q, rng.normal(size=(2, 3))])
    return Polytope(A, np.concatenate([np.ones(6), [0.6, 0.8]]))


CASES = {
    "box2": ([2, 12, 10, 1], Box([-1.0, -1.5], [1.0, 1.0])),
    "l1": ([3, 8, 6, 1], Ball([0.1, 0.0, -0.1], 1.2, norm=1)),
    "l2": ([3, 8, 6, 1], Ball([0.1, 0.0, -0.1], 1.0, norm=2)),
    "linf": ([3, 8, 6, 1], Ball([0.1, 0.0, -0.1], 0.8, norm="inf")),
    "polytope": ([3, 7, 6, 1], _poly3()),
    "whole": ([2, 10, 1], Whole(2)),
}


def _edge_set(rs: polyreg.RegionSet) -> set[frozenset]:
    return {frozenset((rs[e.u].hex, rs[e.v].hex)) for e in rs.edges}


@pytest.fixture(scope="module")
def pools():
    """One pool of 2 and one of 4 processes, shared by the tests of this module."""
    runners = {2: PoolRunner(2), 4: PoolRunner(4)}
    yield runners
    for r in runners.values():
        r.close()


@pytest.fixture(scope="module")
def reference():
    out = {}
    for name, (widths, domain) in CASES.items():
        net = polyreg.random_network(widths, seed=7)
        out[name] = (net, domain, enum(net, domain))
    return out


MATRIX = [(case, 1) for case in sorted(CASES)] + [(case, 2) for case in sorted(CASES)] + [
    ("box2", 4), ("l2", 4), ("linf", 4)]


@pytest.mark.parametrize("case, workers", MATRIX)
def test_same_regions_and_edges(case, workers, pools, reference):
    net, domain, ref = reference[case]
    runner = SerialRunner() if workers == 1 else pools[workers]
    rs = traverse_parts(net, domain, runner=runner, parts=3 * workers)
    assert rs.patterns == ref.patterns
    assert len(rs) == len(ref)  # no pattern twice
    assert _edge_set(rs) == _edge_set(ref)
    assert len(rs.edges) == len(ref.edges)
    assert rs.stats["parts"] >= 2
    c = count_parts(net, domain, runner=runner, parts=3 * workers)
    assert (c["regions"], c["edges"]) == (len(ref), len(ref.edges))


def test_invariants_of_a_parallel_result(pools):
    net = polyreg.random_network([2, 10, 8, 1], seed=4)
    box = Box([-1.0, -1.0], [1.0, 1.0])
    rs = traverse_parts(net, box, runner=pools[2], parts=6)
    check_region_set(net, box, rs, n_samples=2000)
    # points are Chebyshev centres of whole regions, also for regions crossing a cut
    ref = {r.hex: r.radius for r in enum(net, box)}
    np.testing.assert_allclose([r.radius for r in rs], [ref[r.hex] for r in rs], rtol=1e-6)


def test_public_entry_point_with_workers():
    net = polyreg.random_network([2, 10, 1], seed=2)
    box = Box.cube(2)
    ref = enum(net, box)
    rs = enum(net, box, workers=2)
    assert rs.patterns == ref.patterns and rs.stats["workers"] == 2
    # L2 ball in R^4 with 2 first-layer neurons: the reduction runs first, then the parts
    net = polyreg.random_network([4, 2, 6, 1], seed=2)
    ball = Ball([0.1, 0.0, -0.2, 0.3], 1.5)
    assert enum(net, ball, workers=1, parts=3).patterns == (
        enum(net, ball).patterns
    )


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("kind", ["box", "ball"])
def test_random_networks_serial_parts(seed, kind):
    rng = np.random.default_rng(seed)
    d = int(rng.integers(2, 4))
    net = polyreg.random_network([d, int(rng.integers(4, 10)), int(rng.integers(3, 8)), 1],
                                 seed=seed)
    if kind == "box":
        domain = Box(-rng.uniform(0.5, 1.5, d), rng.uniform(0.5, 1.5, d))
    else:
        domain = Ball(rng.uniform(-0.3, 0.3, d), 1.0, norm=[1, 2, "inf"][seed % 3])
    ref = enum(net, domain)
    for parts in (2, 5):
        rs = traverse_parts(net, domain, workers=1, parts=parts)
        assert rs.patterns == ref.patterns
        assert _edge_set(rs) == _edge_set(ref)


# ---------------------------------------------------------------------------- partition
def test_plan_partition_cuts_inside_and_sorted():
    net = polyreg.random_network([3, 10, 1], seed=0)
    box = Box([-1.0, -1.0, -3.0], [1.0, 1.0, 3.0])
    p = plan_partition(net, box, 6)
    assert p.axis == 2
    assert list(p.cuts) == sorted(p.cuts) and len(p.cuts) == 5
    assert all(-3 < c < 3 for c in p.cuts)
    assert abs(sum(p.weights) - 1) < 1e-9
    assert plan_partition(net, box, 1).cuts == ()
    with pytest.raises(ValueError, match="n_parts must be at least 1"):
        plan_partition(net, box, 0)


def test_cut_moved_off_a_first_layer_hyperplane():
    from polyreg.scale.partition import _avoid_neurons

    net = one_layer([[2.0, 0.0], [0.0, 1.0]], [-0.6, 0.1])  # x = 0.3, y = -0.1
    c = _avoid_neurons(net, 0, 0.3, 2.0)
    assert c != 0.3 and abs(c - 0.3) < 1e-3


def test_cut_on_a_neuron_hyperplane_is_merged_away():
    # a partition cutting exactly on the neuron x = 0.3 (and, in layer 2, on no other): the
    # part reports CutCoincides and the driver merges the two parts
    net = one_layer([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [-0.3, 0.2, -0.1])
    box = Box.cube(2)
    partition = Partition(0, (-0.55, 0.3, 0.71))
    final, results = drive(net, box, partition, SerialRunner(), chebyshev=False)
    assert 0.3 not in final.cuts and len(final.cuts) == 2
    ref = enum(net, box)
    assert sum(r.owned for r in results.values()) == len(ref)
    keys = {r.key for res in results.values() for r in res.regions}
    assert keys == {r.key for r in ref}


class _Lossy(SerialRunner):
    """Drops one pattern from the upper-cut report of the first part it runs, once."""

    def __init__(self) -> None:
        self.spoiled = False

    def run(self, jobs):
        for job, res in super().run(jobs):
            if not self.spoiled and isinstance(res, PartResult) and res.upper_keys:
                res.upper_keys.pop()
                self.spoiled = True
            yield job, res


def test_inconsistent_cut_reports_merge_the_parts():
    net = polyreg.random_network([2, 8, 6, 1], seed=1)
    box = Box.cube(2)
    partition = plan_partition(net, box, 4)
    runner = _Lossy()
    final, results = drive(net, box, partition, runner, chebyshev=False)
    assert runner.spoiled and len(final.cuts) < len(partition.cuts)
    assert sum(r.owned for r in results.values()) == len(enum(net, box))


def test_run_part_reports_both_sides_of_a_cut():
    net = polyreg.random_network([2, 8, 1], seed=0)
    box = Box.cube(2)
    lo = run_part(PartJob(net, box, polyreg.Tolerances(), Part(1, None, 0.1234)))
    hi = run_part(PartJob(net, box, polyreg.Tolerances(), Part(1, 0.1234, None)))
    assert lo.upper_keys == hi.lower_keys and lo.upper_keys
    assert lo.owned + hi.owned == len(enum(net, box))
    assert hi.owned == hi.found - len(hi.lower_keys)


def test_errors_without_cuts_propagate():
    from polyreg.scale.parallel import _bad_cuts

    with pytest.raises(polyreg.ToleranceError, match="thin"):
        _bad_cuts(Part(0, None, None), polyreg.ToleranceError("thin"))
    with pytest.raises(polyreg.SolverFailed):
        _bad_cuts(Part(0, 0.1, 0.2), polyreg.SolverFailed("boom"))
    assert _bad_cuts(Part(0, 0.1, 0.2), polyreg.ToleranceError("thin")) == {0.1, 0.2}


def test_bad_arguments():
    net = polyreg.random_network([2, 4, 1], seed=0)
    with pytest.raises(ValueError, match="workers must be at least 1"):
        traverse_parts(net, Box.cube(2), workers=0)
    with pytest.raises(ValueError, match="parts must be at least 1"):
        traverse_parts(net, Box.cube(2), workers=1, parts=0)


# ---------------------------------------------------------------------------- dask
@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, protocol="tcp", host="127.0.0.1",
        dashboard_address=None,
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.mark.parametrize("case", ["box2", "l2", "linf"])
def test_dask_same_regions(case, dask_client, reference):
    net, domain, ref = reference[case]
    rs = traverse_parts(net, domain, client=dask_client, parts=4)
    assert rs.patterns == ref.patterns and _edge_set(rs) == _edge_set(ref)
    c = count_parts(net, domain, client=dask_client, parts=4)
    assert (c["regions"], c["edges"]) == (len(ref), len(ref.edges))
    assert rs.stats["workers"] == 2


def test_dask_scheduler_address_on_the_command_line(dask_client, tmp_path, capsys):
    import json

    from polyreg.cli import main
    from polyreg.scale.store import RegionStore

    net = polyreg.random_network([2, 10, 8, 1], seed=5)
    path = tmp_path / "net.npz"
    net.save(path)
    addr = dask_client.scheduler.address
    assert addr.startswith("tcp://127.0.0.1:")
    assert main(["count", str(path), "--box", "-1", "1", "--scheduler", addr, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    ref = enum(net, Box.cube(2))
    assert (got["regions"], got["edges"]) == (len(ref), len(ref.edges))
    store = tmp_path / "run.sqlite"
    assert main(["count", str(path), "--box", "-1", "1", "--scheduler", addr, "--store",
                 str(store), "--json"]) == 0
    capsys.readouterr()
    with RegionStore.open(store) as s:
        rs = s.to_region_set()
    assert rs.patterns == ref.patterns and _edge_set(rs) == _edge_set(ref)


def test_unreachable_scheduler(monkeypatch):
    pytest.importorskip("dask.distributed")
    import polyreg.scale.runners
    from polyreg.scale.parallel import make_runner

    monkeypatch.setattr(polyreg.scale.runners, "CONNECT_TIMEOUT", 1.0)
    with pytest.raises(polyreg.PolyregError, match="cannot reach the dask scheduler"):
        make_runner(client="tcp://127.0.0.1:9")
