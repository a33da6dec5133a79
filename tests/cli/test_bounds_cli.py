"""``polyreg margin | robustness | bounds | around``, run in-process through ``main``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

import polyreg
from polyreg.bounds import margin, report, robustness_radius
from polyreg.bounds.report import BoundRow, BoundsReport, format_table
from polyreg.cli import main


@pytest.fixture
def net3(tmp_path: Path) -> Path:
    path = tmp_path / "net3.npz"
    polyreg.random_network([3, 8, 8, 3], seed=1).save(path)
    return path


def run_json(capsys, *argv: str) -> dict:
    assert main([*argv, "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.count("\n") == 1
    return json.loads(out)


def expect_error(capsys, argv: list[str], match: str, status: int = 2) -> str:
    assert main(argv) == status
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("polyreg: error: ")
    assert match in lines[0], lines[0]
    return out


# ---------------------------------------------------------------------------- margin
@pytest.mark.parametrize("norm", ["1", "2", "inf"])
def test_margin_json(capsys, net3, norm):
    data = run_json(capsys, "margin", str(net3), "--center", "0.1,-0.2,0.3", "--norm", norm)
    net = polyreg.load(net3)
    expected = margin(net, np.array([0.1, -0.2, 0.3]), norm)
    assert data["margin"] == pytest.approx(expected.margin)
    assert data["neuron_name"] == expected.neuron_name
    assert data["norm"] == norm


def test_margin_text_with_everything(capsys, net3, tmp_path):
    center = tmp_path / "c.npy"
    np.save(center, np.array([0.1, -0.2, 0.3]))
    assert main(["margin", str(net3), "--center", str(center), "--direction", "1,0,0",
                 "--box", "-1", "1", "--linear"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    for key in ("margin (L2)", "directional margin", "domain margin", "cut margin",
                "linear-region margin"):
        assert key in out
    data = run_json(capsys, "margin", str(net3), "--center", str(center), "--linear")
    assert data["linear_margin"] >= data["activation_margin"] == pytest.approx(data["margin"])


def test_margin_errors(capsys, net3):
    expect_error(capsys, ["margin", str(net3), "--center", "0,0,0", "--direction", "1,0"],
                 "--direction has 2 coordinate(s) but the network takes 3 inputs")
    expect_error(capsys, ["margin", str(net3), "--center", "0,0,0", "--direction", "0,0,0"],
                 "--direction is the zero vector")
    expect_error(capsys, ["margin", str(net3), "--center", "5,0,0", "--box", "-1", "1"],
                 "--center lies outside --box")
    expect_error(capsys, ["margin", str(net3), "--center", "0,0"],
                 "--center has 2 coordinate(s) but the network takes 3 inputs")
    expect_error(capsys, ["margin", "missing.npz", "--center", "0,0"], "does not exist")


# ---------------------------------------------------------------------------- robustness
def test_robustness_json_and_text(capsys, net3):
    data = run_json(capsys, "robustness", str(net3), "--center", "0.1,-0.2,0.3", "--norm", "inf")
    res = robustness_radius(polyreg.load(net3), np.array([0.1, -0.2, 0.3]), "inf")
    assert data["radius"] == pytest.approx(res.radius)
    assert data["exact"] is True and data["label"] == res.label
    assert len(data["point"]) == 3
    assert main(["robustness", str(net3), "--center", "0.1,-0.2,0.3"]) == 0
    assert "robustness radius (L2)" in capsys.readouterr()[0]
    expect_error(capsys, ["robustness", str(net3), "--center", "0,0,0", "--max-radius", "-1"],
                 "--max-radius must be positive")


@pytest.mark.parametrize("norm", ["inf"])  # every norm: tests/test_bounds_certify.py
def test_robustness_certified_lower_bounds(capsys, net3, norm):
    data = run_json(capsys, "robustness", str(net3), "--center", "0.1,-0.2,0.3", "--norm", norm)
    assert set(data["lower_bounds"]) == {"ibp", "crown", "lp"}
    for m, r in data["lower_bounds"].items():
        assert 0 <= r <= data["radius"] * (1 + 1e-9) <= data["upper_bound"] * (1 + 1e-7)
        assert data["ratios"][m] == pytest.approx(r / data["radius"])
    assert main(["robustness", str(net3), "--center", "0.1,-0.2,0.3", "--norm", norm]) == 0
    out = capsys.readouterr()[0]
    for m in ("ibp", "crown", "lp"):
        assert f"certified lower bound ({m})" in out
    data = run_json(capsys, "robustness", str(net3), "--center", "0.1,-0.2,0.3", "--certify", "none")
    assert "lower_bounds" not in data
    data = run_json(capsys, "robustness", str(net3), "--center", "0.1,-0.2,0.3", "--certify", "crown")
    assert list(data["lower_bounds"]) == ["crown"]
    expect_error(capsys, ["robustness", str(net3), "--center", "0,0,0", "--certify", "ibp,abc"],
                 "--certify must be 'none' or a comma-separated subset of ibp,crown,lp")


# ---------------------------------------------------------------------------- bounds
def test_bounds_table_and_json(capsys, net3):
    assert main(["bounds", str(net3), "--ball", "0.4", "--center", "0.1,0,0", "--norm", "1"]) == 0
    out, err = capsys.readouterr()
    assert "VIOLATED" not in out and err == ""
    for name in ("trivial", "montufar2017", "serra2018", "local-interval", "local-lp",
                 "local-exact", "tangent-weight-norms"):
        assert name in out
    data = run_json(capsys, "bounds", str(net3), "--box", "-1", "1")
    net = polyreg.load(net3)
    assert data["regions"] == polyreg.count_regions(net, polyreg.Box.cube(3))
    assert data["violated"] == []
    names = [row["bound"] for row in data["bounds"]]
    assert "zaslavsky" not in names  # two hidden layers
    for row in data["bounds"]:
        assert row["holds"] is True
        assert row["value"] >= row["exact"]


def test_bounds_one_layer_has_zaslavsky_rows(capsys, tmp_path):
    path = tmp_path / "one.npz"
    polyreg.random_network([2, 6, 1], seed=3).save(path)
    data = run_json(capsys, "bounds", str(path), "--whole")
    rows = {row["bound"]: row for row in data["bounds"]}
    assert rows["zaslavsky"]["value"] == rows["zaslavsky"]["exact"] == 22
    assert rows["zaslavsky-convex"]["value"] == 22


def test_bounds_violated_exits_3(capsys, net3, monkeypatch):
    def wrong(ctx):
        return BoundRow("made-up-bound", "upper", len(ctx.regions) - 1, len(ctx.regions))

    monkeypatch.setattr(report, "CHECKS", report.CHECKS + (wrong,))
    out = expect_error(capsys, ["bounds", str(net3), "--box", "-1", "1"],
                       "bound VIOLATED: made-up-bound", status=3)
    assert "VIOLATED" in out and "made-up-bound" in out
    assert main(["bounds", str(net3), "--box", "-1", "1", "--json"]) == 3
    out, err = capsys.readouterr()
    assert json.loads(out)["violated"] == ["made-up-bound"]
    assert "made-up-bound" in err


def test_table_function_directly():
    rows = (BoundRow("a", "upper", 10, 4), BoundRow("b", "lower", 5, 4),
            BoundRow("c", "upper", 2.0, 2.0 * (1 + 1e-12), "max tangent sensitivity"))
    rep = BoundsReport(4, rows, {}, 0.0)
    assert [r.name for r in rep.violated] == ["b"]
    text = format_table(rep)
    assert "2.5" in text and "VIOLATED" in text.splitlines()[2] and "holds" in text.splitlines()[3]
    huge = BoundRow("h", "upper", 2**2000, 3)
    assert huge.holds and huge.ratio == np.inf and huge.to_dict()["ratio"] is None


@pytest.mark.parametrize("norm", ["1"])
def test_bounds_radius_rows_for_a_ball(capsys, net3, norm):
    data = run_json(capsys, "bounds", str(net3), "--ball", "0.2", "--center", "0.1,-0.2,0.3",
                    "--norm", norm)
    rows = {row["bound"]: row for row in data["bounds"]}
    exact = robustness_radius(polyreg.load(net3), np.array([0.1, -0.2, 0.3]), norm).radius
    for m in ("ibp", "crown", "lp"):
        row = rows[f"radius-{m}"]
        assert row["kind"] == "lower" and row["holds"] and row["quantity"] == "robustness radius"
        assert row["exact"] == pytest.approx(exact, rel=1e-9) and 0 <= row["value"] <= row["exact"]
    assert rows["radius-adversarial"]["kind"] == "upper" and rows["radius-adversarial"]["holds"]
    assert data["violated"] == []
    # no radius rows for other domains
    data = run_json(capsys, "bounds", str(net3), "--box", "-0.2", "0.2")
    assert not any(row["bound"].startswith("radius-") for row in data["bounds"])


def test_bounds_errors(capsys, net3):
    expect_error(capsys, ["bounds", str(net3), "--box", "-1", "1", "--center", "0,0,0"],
                 "--center is only used with --ball")
    expect_error(capsys, ["bounds", str(net3), "--ball", "-1", "--center", "0,0,0"],
                 "radius must be positive")


# ---------------------------------------------------------------------------- around
def test_around_table_and_groups(capsys, net3, tmp_path):
    rng = np.random.default_rng(0)
    pts = rng.normal(scale=0.5, size=(5, 3))
    np.save(tmp_path / "X.npy", pts)
    np.save(tmp_path / "y.npy", np.array(["train", "train", "random", "random", "random"]))
    out = tmp_path / "table.csv"
    data = run_json(capsys, "around", str(net3), "--points", str(tmp_path / "X.npy"),
                    "--radius", "0.3", "--norm", "inf", "--labels", str(tmp_path / "y.npy"),
                    "--out", str(out))
    assert set(data["groups"]) == {"train", "random"}
    assert data["groups"]["train"]["points"] == 2
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 5
    net = polyreg.load(net3)
    for row, x in zip(rows, pts, strict=True):
        n = polyreg.count_regions(net, polyreg.Ball(x, 0.3, norm="inf"))
        assert int(row["regions"]) == n
        assert int(row["local_interval"]) >= int(row["local_lp"]) >= int(row["local_exact"]) >= n
        assert float(row["margin"]) == pytest.approx(margin(net, x, "inf").margin)
        assert float(row["jacobian_norm"]) >= 0
        # robustness radius in the ball's norm: certified lower <= exact <= adversarial upper
        exact = float(row["radius"])
        assert exact == pytest.approx(robustness_radius(net, x, "inf").radius, rel=1e-9)
        assert exact <= float(row["radius_upper"]) * (1 + 1e-7)
        for m in ("ibp", "crown", "lp"):
            assert 0 <= float(row[f"radius_{m}"]) <= exact * (1 + 1e-9)
            assert float(row[f"ratio_{m}"]) == pytest.approx(float(row[f"radius_{m}"]) / exact)
    group = data["groups"]["random"]
    assert 0 <= group["ratio_ibp_min"] <= group["ratio_ibp_median"] <= 1 + 1e-9
    assert group["radius_median"] > 0
    assert not list(tmp_path.glob(".table.csv.*"))  # no temporary left behind
    # text summary, with and without the radius columns
    assert main(["around", str(net3), "--points", str(tmp_path / "X.npy"), "--radius", "0.2",
                 "--out", str(out), "--certify", "crown"]) == 0
    text = capsys.readouterr()[0]
    assert "all" in text and "wrote 5 rows" in text and "crown/radius median" in text
    assert main(["around", str(net3), "--points", str(tmp_path / "X.npy"), "--radius", "0.2",
                 "--out", str(out), "--certify", "none"]) == 0
    assert "radius median" not in capsys.readouterr()[0]
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert all(row["radius"] == "" and row["radius_lp"] == "" for row in rows)


def test_around_plot(capsys, net3, tmp_path):
    np.save(tmp_path / "X.npy", np.zeros((2, 3)))
    argv = ["around", str(net3), "--points", str(tmp_path / "X.npy"), "--radius", "0.2",
            "--out", str(tmp_path / "t.csv"), "--plot", str(tmp_path / "h.png"), "--certify",
            "none"]
    try:
        import matplotlib  # noqa: F401 - only: is it installed?
    except ImportError:
        assert main(argv) == 0
        err = capsys.readouterr()[1]
        assert "matplotlib is not installed" in err
        assert not (tmp_path / "h.png").exists()
    else:  # pragma: no cover - depends on the environment
        assert main(argv) == 0
        assert (tmp_path / "h.png").stat().st_size > 0
    assert (tmp_path / "t.csv").exists()


def test_around_errors(capsys, net3, tmp_path):
    np.save(tmp_path / "bad.npy", np.zeros((4, 2)))
    np.save(tmp_path / "X.npy", np.zeros((4, 3)))
    np.save(tmp_path / "y.npy", np.zeros(3))
    out = str(tmp_path / "t.csv")
    base = ["around", str(net3), "--radius", "0.1", "--out", out]
    expect_error(capsys, base + ["--points", str(tmp_path / "bad.npy")],
                 "must hold an array of shape (n, 3), got (4, 2)")
    expect_error(capsys, base + ["--points", str(tmp_path / "X.npy"), "--labels",
                                 str(tmp_path / "y.npy")], "must hold 4 labels")
    expect_error(capsys, base + ["--points", str(tmp_path / "nope.npy")], "does not exist")
    expect_error(capsys, ["around", str(net3), "--radius", "0", "--out", out, "--points",
                          str(tmp_path / "X.npy")], "--radius must be a positive number")
    expect_error(capsys, ["around", str(net3), "--radius", "0.1", "--out",
                          str(tmp_path / "no" / "t.csv"), "--points", str(tmp_path / "X.npy")],
                 "does not exist")
    assert not Path(out).exists()


# ---------------------------------------------------------------------------- around: sweeps
def read_rows(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_around_three_radii(capsys, net3, tmp_path):
    rng = np.random.default_rng(1)
    pts = rng.normal(scale=0.5, size=(4, 3))
    np.save(tmp_path / "X.npy", pts)
    np.save(tmp_path / "y.npy", np.array([0, 0, 1, 1]))
    out = tmp_path / "sweep.csv"
    radii = (0.1, 0.2, 0.3)
    data = run_json(capsys, "around", str(net3), "--points", str(tmp_path / "X.npy"),
                    "--labels", str(tmp_path / "y.npy"), "--radius", "0.1,0.2,0.3",
                    "--certify", "none", "--out", str(out))
    assert data["radii"] == list(radii) and data["radius"] == 0.3 and data["complete"] is True
    rows = read_rows(out)
    assert len(rows) == 12
    assert list(rows[0])[:10] == ["index", "label", "class", "ball_radius", "regions", "complete",
                                  "source", "x0", "x1", "x2"]
    net = polyreg.load(net3)
    counts: dict = {}
    for k, row in enumerate(rows):
        i, r = k // 3, radii[k % 3]
        assert (int(row["index"]), float(row["ball_radius"])) == (i, r)
        assert row["complete"] == "True" and row["source"] == "enumerated"
        assert [float(row[f"x{j}"]) for j in range(3)] == pts[i].tolist()
        assert int(row["class"]) == int(np.argmax(net.forward(pts[i])))
        n = polyreg.count_regions(net, polyreg.Ball(pts[i], r))
        assert int(row["regions"]) == n
        assert int(row["local_lp"]) >= int(row["local_exact"]) >= n
        counts.setdefault((row["label"], r), []).append(n)
    assert len(data["sweep"]) == 6
    for s in data["sweep"]:
        c = np.array(counts[(s["label"], s["ball_radius"])], dtype=float)
        assert s["points"] == s["complete"] == 2
        assert (s["regions_q1"], s["regions_median"], s["regions_q3"]) == tuple(
            float(v) for v in np.percentile(c, [25, 50, 75]))
        assert s["regions_mean"] == c.mean()
    # counts grow with the radius, point by point
    for i in range(4):
        n = [int(rows[3 * i + k]["regions"]) for k in range(3)]
        assert n == sorted(n)
    # the text summary: one line per label and radius, then the per-label table
    assert main(["around", str(net3), "--points", str(tmp_path / "X.npy"), "--labels",
                 str(tmp_path / "y.npy"), "--radius", "0.1,0.2,0.3", "--certify", "none",
                 "--out", str(out), "--reuse-largest"]) == 0
    text = capsys.readouterr()[0]
    assert "q1" in text and "median" in text and "wrote 12 rows" in text
    again = read_rows(out)
    assert [r["regions"] for r in again] == [r["regions"] for r in rows]
    assert {r["source"] for r in again} == {"enumerated", "distances"}


def test_around_budget_per_point(capsys, net3, tmp_path):
    x = np.array([[0.1, -0.2, 0.3]])
    np.save(tmp_path / "X.npy", x)
    out = tmp_path / "b.csv"
    net = polyreg.load(net3)
    n = polyreg.count_regions(net, polyreg.Ball(x[0], 0.8))
    assert n > 5
    data = run_json(capsys, "around", str(net3), "--points", str(tmp_path / "X.npy"),
                    "--radius", "0.8,0.01", "--certify", "none", "--out", str(out),
                    "--max-regions-per-point", "5")
    assert data["complete"] is False
    big, small = read_rows(out)
    assert (big["regions"], big["complete"], big["local_exact"]) == ("5", "False", "")
    assert small["complete"] == "True"
    assert int(small["regions"]) == polyreg.count_regions(net, polyreg.Ball(x[0], 0.01))
    assert [s["complete"] for s in data["sweep"]] == [1, 0]  # radii ascending
    assert main(["around", str(net3), "--points", str(tmp_path / "X.npy"), "--radius", "0.8",
                 "--certify", "none", "--out", str(out), "--max-regions-per-point", "5"]) == 0
    text = capsys.readouterr()[0]
    assert ">=5" in text and "lower bounds" in text
    expect_error(capsys, ["around", str(net3), "--points", str(tmp_path / "X.npy"), "--radius",
                          "0.8", "--out", str(out), "--max-regions-per-point", "0"],
                 "--max-regions-per-point must be a positive integer")


def test_around_workers_and_high_dimension(capsys, tmp_path):
    path = tmp_path / "net20.npz"
    net = polyreg.random_network([20, 6, 2], seed=0)
    net.save(path)
    pts = np.random.default_rng(2).normal(size=(3, 20))
    np.save(tmp_path / "X.npy", pts)
    base = ["around", str(path), "--points", str(tmp_path / "X.npy"), "--radius", "0.3,0.6",
            "--norm", "inf", "--certify", "none"]
    assert main([*base, "--out", str(tmp_path / "one.csv")]) == 0
    assert main([*base, "--out", str(tmp_path / "two.csv"), "--workers", "2"]) == 0
    capsys.readouterr()
    one, two = read_rows(tmp_path / "one.csv"), read_rows(tmp_path / "two.csv")
    assert len(one) == 6 and "x0" not in one[0]  # no coordinates above 16 inputs
    assert [(r["index"], r["ball_radius"], r["regions"]) for r in one] == [
        (r["index"], r["ball_radius"], r["regions"]) for r in two]


def test_around_sweep_plot(capsys, net3, tmp_path):
    pytest.importorskip("matplotlib")
    from matplotlib.image import imread

    np.save(tmp_path / "X.npy", np.random.default_rng(3).normal(scale=0.3, size=(4, 3)))
    np.save(tmp_path / "y.npy", np.array(["a", "b", "a", "b"]))
    argv = ["around", str(net3), "--points", str(tmp_path / "X.npy"), "--labels",
            str(tmp_path / "y.npy"), "--radius", "0.05,0.1,0.2", "--certify", "none",
            "--out", str(tmp_path / "t.csv")]
    for name in ("curves.png", "curves.svg", "curves.pdf"):
        assert main([*argv, "--plot", str(tmp_path / name)]) == 0
    assert "count-vs-radius curves" in capsys.readouterr()[0]
    assert imread(tmp_path / "curves.png").shape[2] in (3, 4)
    assert (tmp_path / "curves.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "curves.pdf").read_bytes().startswith(b"%PDF")
