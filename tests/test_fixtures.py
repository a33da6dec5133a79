"""Ground-truth fixtures (polyreg.fixtures): the shipped set, its schema, round trips, drift."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import polyreg
from polyreg.cli import main
from polyreg.fixtures import (
    SCHEMA,
    SchemaError,
    closed_form_margins,
    compute_answers,
    default_cases,
    domain_from_dict,
    load_fixtures,
    read_fixture,
    read_manifest,
    sha256_file,
    validate,
    verify_fixtures,
    write_fixtures,
)

SHIPPED = Path(__file__).resolve().parent.parent / "data" / "fixtures"


@pytest.fixture(scope="module")
def shipped() -> list:
    return load_fixtures(SHIPPED)


def _answers(doc: dict) -> dict:
    """The engine-independent part of a fixture (points and radii excluded)."""
    return {
        "count": doc["count"],
        "linear_regions": doc["linear_regions"],
        "patterns": [r["pattern"] for r in doc["regions"]],
        "labels": [r["linear_region"] for r in doc["regions"]],
        "edges": doc["edges"],
        "boundary_regions": doc["boundary_regions"],
    }


def _copy(tmp_path: Path) -> Path:
    out = tmp_path / "fx"
    shutil.copytree(SHIPPED, out)
    return out


def _rewrite(directory: Path, name: str, edit) -> None:
    """Edit fixture ``name`` and update its checksum in the manifest (a consistent set whose
    answers are wrong)."""
    path = directory / f"{name}.json"
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc, indent=1) + "\n")
    manifest = json.loads((directory / "MANIFEST.json").read_text())
    manifest["files"][f"{name}.json"] = sha256_file(path)
    (directory / "MANIFEST.json").write_text(json.dumps(manifest, indent=1) + "\n")


# ---------------------------------------------------------------------------- the shipped set
def test_shipped_set_is_small_and_complete():
    manifest = read_manifest(SHIPPED)
    files = [p for p in SHIPPED.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 5 * 2**20
    assert manifest["fixtures"] == [c.name for c in default_cases()]
    assert {"generator_version", "engine", "date", "files"} <= set(manifest)
    listed = set(manifest["files"]) | {"MANIFEST.json"}
    assert {p.relative_to(SHIPPED).as_posix() for p in files} == listed
    for rel, digest in manifest["files"].items():
        assert sha256_file(SHIPPED / rel) == digest, rel


def test_shipped_schema_file_is_the_schema():
    assert json.loads((SHIPPED / "fixtures.schema.json").read_text()) == json.loads(
        json.dumps(SCHEMA)
    )


def test_shipped_fixtures_follow_the_schema(shipped):
    for fx in shipped:
        validate(fx.doc, SCHEMA)


def test_shipped_fixtures_with_jsonschema(shipped):
    """The schema is real JSON Schema: an independent validator agrees (when installed)."""
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((SHIPPED / "fixtures.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    for fx in shipped:
        jsonschema.validate(fx.doc, schema, cls=jsonschema.Draft202012Validator)


def test_shipped_set_verifies_with_two_engines():
    report = verify_fixtures(SHIPPED)
    assert report.ok, report.to_dict()
    for rep in report.fixtures:
        applied = [e for e, status in rep.engines.items() if status == "ok"]
        assert len(applied) == 2 and "traverse" in applied, rep.engines


def test_shipped_facts(shipped):
    by = {fx.name: fx.doc for fx in shipped}
    assert by["tiny2d_box"]["count"] == 11
    assert by["concurrent_2d"]["count"] == 10
    assert by["dead_output_2d"]["linear_regions"] == 1 < by["dead_output_2d"]["count"]
    assert (by["duplicate_pair_2d"]["count"], by["duplicate_pair_2d"]["linear_regions"]) == (7, 4)
    assert by["boundary_neuron_2d"]["count"] == 4
    # every region of a connected graph appears in an edge
    for doc in by.values():
        touched = {e["u"] for e in doc["edges"]} | {e["v"] for e in doc["edges"]}
        assert touched == set(range(doc["count"])) or doc["count"] == 1


def test_shipped_points_give_their_patterns(shipped):
    """Each stored interior point lies in the domain and has the stored pattern (bits of
    neurons identically zero on the region set off)."""
    for fx in shipped:
        pts = np.array([r["point"] for r in fx.doc["regions"]])
        assert np.all(fx.domain.contains(pts))
        for r, p in zip(fx.doc["regions"], fx.net.pattern(pts), strict=True):
            want = polyreg.regions.pattern_from_hex(r["pattern"], fx.net.n_hidden)
            assert np.all(want <= p), fx.name  # only zero neurons may differ, and they are off


def test_margins_are_the_closed_form(shipped):
    """Margins against an independent computation: the distance to the nearest crossing
    hyperplane found by bisection along random directions is never below it, and moving the
    margin towards the attaining neuron's hyperplane reaches it."""
    for fx in shipped:
        for m in fx.doc["margins"]:
            x = np.array(m["point"])
            if m["margin_2"] is None:
                continue
            k = m["neuron_2"]
            maps = fx.net.local_maps(fx.net.pattern(x))
            g, c = maps.G[k], maps.c[k]
            z = g @ x + c
            foot = x - z * g / (g @ g)
            assert np.isclose(np.linalg.norm(foot - x), m["margin_2"], rtol=1e-9)
            inside = x + 0.999 * (foot - x)
            assert np.array_equal(fx.net.pattern(inside), fx.net.pattern(x))
            assert m["margin_inf"] <= m["margin_2"] * (1 + 1e-12)


# ---------------------------------------------------------------------------- round trips
def test_write_read_round_trip(tmp_path, shipped):
    cases = [c for c in default_cases() if c.name in ("tiny2d_box", "duplicate_pair_2d",
                                                     "l2ball_2d", "leaky_1d")]
    manifest = write_fixtures(tmp_path / "fx", cases)
    assert manifest["fixtures"] == [c.name for c in cases]
    back = {fx.name: fx for fx in load_fixtures(tmp_path / "fx")}
    by = {fx.name: fx for fx in shipped}
    for case in cases:
        fx = back[case.name]
        written = json.loads((tmp_path / "fx" / f"{case.name}.json").read_text())
        assert fx.doc == written
        for W, V in zip(fx.net.weights, case.net.weights, strict=True):
            np.testing.assert_array_equal(W, V)
        assert fx.net.negative_slope == case.net.negative_slope
        assert fx.domain.describe() == case.domain.describe()
        # regenerated answers equal the shipped ones
        assert _answers(fx.doc) == _answers(by[case.name].doc)


def test_domains_round_trip():
    from polyreg.slices import Slice

    doms = [polyreg.Box([0, 0], [1, 2]), polyreg.Ball([0, 1], 0.5, norm="inf"),
            polyreg.Ball([0, 1, 2], 2.0, norm=1), polyreg.Whole(3),
            polyreg.Polytope(np.array([[-1.0, 0], [0, -1], [1, 1]]), np.array([0.0, 0, 1])),
            Slice.through([0, 0, 0], [1, 0, 0], [0, 1, 1])]
    for dom in doms:
        back = domain_from_dict(json.loads(json.dumps(dom.describe()))).describe()
        if back["type"] == "polytope":  # Polytope re-normalises its rows: equal to the last ulp
            np.testing.assert_allclose(back["A"], dom.describe()["A"], rtol=1e-15)
            np.testing.assert_allclose(back["b"], dom.describe()["b"], rtol=1e-15)
        else:
            assert back == dom.describe()
    with pytest.raises(ValueError, match="unknown domain type"):
        domain_from_dict({"type": "torus"})


def test_compute_answers_is_engine_independent():
    case = default_cases()[1]
    a, _ = compute_answers(case.net, case.domain, method="traverse")
    b, _ = compute_answers(case.net, case.domain, method="split")
    assert _answers(a | {"margins": []}) == _answers(b | {"margins": []})


def test_closed_form_margins_without_live_neurons():
    net = polyreg.Network.from_layers([([[0.0, 0.0]], [1.0]), ([[1.0]], [0.0])])
    m = closed_form_margins(net, np.array([0.3, 0.4]))
    assert m["margin_2"] is None and m["neuron_inf"] is None


# ---------------------------------------------------------------------------- drift
def test_drift_in_answers_is_reported(tmp_path):
    fx = _copy(tmp_path)
    _rewrite(fx, "tiny2d_box", lambda d: d.update(count=12))
    _rewrite(fx, "duplicate_pair_2d", lambda d: d.update(linear_regions=5))
    _rewrite(fx, "concurrent_2d", lambda d: d["edges"].pop())
    report = verify_fixtures(fx, engines=["traverse"],
                             only=["tiny2d_box", "duplicate_pair_2d", "concurrent_2d"])
    assert not report.ok
    drift = {r.name: " | ".join(r.drift) for r in report.fixtures}
    assert "count 11 != stored 12" in drift["tiny2d_box"]
    assert "linear regions 4 != stored 5" in drift["duplicate_pair_2d"]
    assert "edges differ: 0 missing, 1 extra" in drift["concurrent_2d"]


def test_drift_in_patterns_points_and_margins(tmp_path):
    fx = _copy(tmp_path)

    def wrong_point(d: dict) -> None:
        d["regions"][0]["point"] = d["regions"][1]["point"]

    def wrong_margin(d: dict) -> None:
        d["margins"][0]["margin_2"] *= 1.001

    def wrong_pattern(d: dict) -> None:
        d["regions"][-1]["pattern"] = "ff"

    _rewrite(fx, "tiny2d_box", wrong_point)
    _rewrite(fx, "deep2d_box", wrong_margin)
    _rewrite(fx, "concurrent_2d", wrong_pattern)
    report = verify_fixtures(fx, engines=["traverse"],
                             only=["tiny2d_box", "deep2d_box", "concurrent_2d"])
    drift = {r.name: " | ".join(r.drift) for r in report.fixtures}
    assert "gives another pattern" in drift["tiny2d_box"]
    assert "margin_2 at" in drift["deep2d_box"]
    assert "patterns differ: 1 missing" in drift["concurrent_2d"]


def test_checksum_and_listing_drift(tmp_path):
    fx = _copy(tmp_path)
    path = fx / "leaky_1d.json"
    path.write_text(path.read_text().replace('"count": 11', '"count": 11 '))
    (fx / "stray.txt").write_text("x")
    (fx / "networks" / "tiny2d_box.npz").unlink()
    report = verify_fixtures(fx, engines=["traverse"], only=["leaky_1d", "tiny2d_box"])
    text = " | ".join(report.drift)
    assert "leaky_1d.json: sha256 differs" in text
    assert "stray.txt: not listed" in text
    assert "networks/tiny2d_box.npz: listed in the manifest but missing" in text
    tiny = next(r for r in report.fixtures if r.name == "tiny2d_box")
    assert tiny.drift and tiny.drift[0].startswith("cannot read")


def test_schema_violations_are_reported(tmp_path):
    fx = _copy(tmp_path)
    _rewrite(fx, "tiny2d_box", lambda d: d["regions"][0].update(radius=-1.0))
    report = verify_fixtures(fx, engines=["traverse"], only=["tiny2d_box"])
    assert "$.regions[0].radius" in report.fixtures[0].drift[0]


def test_validator_messages():
    doc = json.loads(json.dumps(next(iter(load_fixtures(SHIPPED))).doc))
    validate(doc, SCHEMA)
    bad = dict(doc)
    del bad["count"]
    with pytest.raises(SchemaError, match=r"\$: missing key 'count'"):
        validate(bad, SCHEMA)
    with pytest.raises(SchemaError, match=r"\$.count: expected integer, got str"):
        validate(doc | {"count": "11"}, SCHEMA)
    with pytest.raises(SchemaError, match=r"unexpected key\(s\) 'extra'"):
        validate(doc | {"extra": 1}, SCHEMA)
    with pytest.raises(SchemaError, match=r"\$.schema: expected 'polyreg.fixture/1'"):
        validate(doc | {"schema": "other"}, SCHEMA)
    with pytest.raises(SchemaError, match=r"\$.domain.type: 'torus' is not one of"):
        validate(doc | {"domain": {"type": "torus"}}, SCHEMA)
    with pytest.raises(SchemaError, match=r"does not match"):
        validate(doc | {"name": "Bad Name"}, SCHEMA)
    with pytest.raises(SchemaError, match=r"expected integer, got bool"):
        validate(doc | {"count": True}, SCHEMA)


def test_read_errors(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        read_manifest(tmp_path / "none")
    with pytest.raises(ValueError, match="no MANIFEST.json"):
        read_manifest(tmp_path)
    (tmp_path / "MANIFEST.json").write_text('{"schema": "x"}')
    with pytest.raises(ValueError, match="not a polyreg.fixtures-manifest/1 manifest"):
        read_manifest(tmp_path)
    fx = _copy(tmp_path)
    (fx / "networks" / "tiny2d_box.npz").write_bytes(b"not a network")
    with pytest.raises(ValueError, match="sha256 differs"):
        read_fixture(fx / "tiny2d_box.json")
    with pytest.raises(ValueError, match="unknown engine"):
        verify_fixtures(SHIPPED, engines=["nope"])
    with pytest.raises(ValueError, match="no fixture named nope"):
        verify_fixtures(SHIPPED, only=["nope"])


def test_write_refuses_a_foreign_directory(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError, match="refusing to replace"):
        write_fixtures(tmp_path / "mine", default_cases()[:1])
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"
    with pytest.raises(ValueError, match="unique"):
        write_fixtures(tmp_path / "x", default_cases()[:1] * 2)


def test_write_through_a_symlink_and_after_a_killed_run(tmp_path):
    import subprocess
    import sys

    cases = [c for c in default_cases() if c.name == "tiny2d_box"]
    (tmp_path / "real").mkdir()
    (tmp_path / "fx").symlink_to("real")
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # a dead process id: its temporary directories are stale
    stale = [tmp_path / f".real.{proc.pid}.0badf00d.tmp", tmp_path / f".real.{proc.pid}.tmp"]
    for d in stale:
        d.mkdir()
        (d / "half.json").write_text("{")
    write_fixtures(tmp_path / "fx", cases)
    assert (tmp_path / "fx").is_symlink()  # the link's target was replaced, not the link
    assert (tmp_path / "real" / "MANIFEST.json").is_file()
    assert sorted(os.listdir(tmp_path)) == ["fx", "real"]


# ---------------------------------------------------------------------------- command line
def test_cli_write_and_verify(tmp_path, capsys):
    out = tmp_path / "fx"
    assert main(["fixtures", "--out", str(out), "--only", "tiny2d_box", "leaky_1d", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["fixtures"] == ["tiny2d_box", "leaky_1d"]
    assert (out / "MANIFEST.json").is_file() and (out / "networks" / "leaky_1d.npz").is_file()
    # rewriting a fixture set in place is allowed
    assert main(["fixtures", "--out", str(out), "--only", "tiny2d_box"]) == 0
    assert "wrote 1 fixtures" in capsys.readouterr().out
    assert not (out / "leaky_1d.json").exists()
    assert main(["verify-fixtures", str(out)]) == 0
    text = capsys.readouterr().out
    assert "ok    tiny2d_box" in text and "1/1 fixtures ok" in text
    assert main(["verify-fixtures", str(out), "--engines", "traverse", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["fixtures"][0]["engines"] == {"traverse": "ok"}


def test_cli_drift_exit_status(tmp_path, capsys):
    fx = _copy(tmp_path)
    _rewrite(fx, "tiny2d_box", lambda d: d.update(count=12))
    assert main(["verify-fixtures", str(fx), "--only", "tiny2d_box", "--engines",
                 "traverse"]) == 1
    text = capsys.readouterr().out
    assert "DRIFT tiny2d_box" in text and "count 11 != stored 12" in text


def test_cli_bad_input(tmp_path, capsys):
    assert main(["verify-fixtures", str(tmp_path / "none")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["fixtures", "--out", str(tmp_path / "fx"), "--only", "nope"]) == 2
    assert "no fixture named nope" in capsys.readouterr().err
    assert main(["verify-fixtures", str(SHIPPED), "--engines", ","]) == 2
    assert "at least one engine" in capsys.readouterr().err
