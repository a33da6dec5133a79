"""RegionSet in a notebook: short repr, to_frame (pandas, optional), summary."""

from __future__ import annotations

import builtins

import numpy as np
import pytest

import polyreg

BOX2 = polyreg.Box([-1.0, -1.0], [1.0, 1.0])


def make_set():
    net = polyreg.Network.from_layers([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), [-0.5])])
    return net, polyreg.enumerate_regions(net, BOX2, method="traverse")


def test_repr_is_short():
    _, rs = make_set()
    text = repr(rs)
    assert text.startswith("<RegionSet 4 regions, Box in R^2, engine=traverse, ")
    assert text.endswith(" s>") and "\n" not in text and len(text) < 80
    big = polyreg.enumerate_regions(polyreg.random_network([4, 30, 1], seed=0), polyreg.Box.cube(4))
    assert repr(big).startswith(f"<RegionSet {len(big):,} regions, Box in R^4, engine=")
    assert len(repr(big)) < 80  # never the regions themselves


def test_summary_is_unchanged():
    _, rs = make_set()
    s = rs.summary()
    assert s["regions"] == 4 and s["method"] == "traverse" and s["widths"] == [2, 2, 1]
    assert {"edges", "domain"} <= set(s)


def test_to_frame_without_pandas(monkeypatch):
    real_import = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("No module named 'pandas'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    _, rs = make_set()
    with pytest.raises(ImportError, match=r"pip install 'polyreg\[notebook\]'"):
        rs.to_frame()


def test_to_frame_records():
    net, rs = make_set()
    cols = rs._records()
    assert list(cols)[:5] == ["pattern", "point", "radius", "volume", "class"]
    assert cols["pattern"] == [r.hex for r in rs]
    assert sorted(cols["class"]) == [0, 0, 0, 1]  # relu(x) + relu(y) > 0.5 only in one quadrant
    for k, r in enumerate(rs):
        assert cols["class"][k] == int(net.forward(r.point)[0] > 0)
        assert (cols["x0"][k], cols["x1"][k]) == (r.point[0], r.point[1])
    assert all(np.isnan(v) for v in cols["volume"])  # traverse does not compute volumes


def test_to_frame_with_pandas():
    pd = pytest.importorskip("pandas")
    _, rs = make_set()
    df = rs.to_frame()
    assert isinstance(df, pd.DataFrame) and len(df) == 4 and df.index.name == "region"
    assert list(df.columns) == ["pattern", "point", "radius", "volume", "class", "x0", "x1"]
    planar = polyreg.enumerate_regions(polyreg.random_network([2, 6, 2], seed=0), BOX2,
                                       method="planar")
    vol = planar.to_frame()["volume"]
    assert abs(float(vol.sum()) - 4.0) < 1e-9  # the planar engine's polygons tile the box
