"""Old import paths of moved modules (issue 16): each imports, warns with a
``DeprecationWarning`` naming the new path, and gives the new module's objects."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from polyreg._moved import FORWARDED, MOVED, MOVED_NAMES

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("old", sorted(MOVED))
def test_old_path_warns_and_is_the_new_module(old, monkeypatch):
    new = importlib.import_module(MOVED[old])
    monkeypatch.delitem(sys.modules, old, raising=False)
    with pytest.warns(DeprecationWarning, match=f"{old} is deprecated.*import {MOVED[old]}"):
        module = importlib.import_module(old)
    assert module is new
    public = [n for n in vars(new) if not n.startswith("__")]
    assert public and all(getattr(module, n) is getattr(new, n) for n in public)


def test_from_import_of_an_old_path():
    code = ("import warnings; warnings.simplefilter('error', DeprecationWarning)\n"
            "try:\n    from polyreg.store import RegionStore\nexcept DeprecationWarning as w:\n"
            "    print('warned:', w)\n"
            "import warnings; warnings.simplefilter('ignore', DeprecationWarning)\n"
            "from polyreg.store import RegionStore\n"
            "from polyreg.scale.store import RegionStore as New\n"
            "print(RegionStore is New)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=REPO, timeout=120).stdout.split("\n")
    assert out[0].startswith("warned: polyreg.store is deprecated") and out[1] == "True"


def test_old_package_attributes():
    import polyreg

    with pytest.warns(DeprecationWarning):
        sys.modules.pop("polyreg.stream", None)
        polyreg.__dict__.pop("stream", None)
        assert polyreg.stream.count_streaming is importlib.import_module(
            "polyreg.scale.stream").count_streaming


def test_old_lp_names_resolve():
    """Every name tests and modules imported from ``polyreg.lp`` (also the private ones the
    engines used) still resolves through the deprecated path, to the solver package's object."""
    import warnings

    import polyreg.solvers as solvers
    from polyreg.solvers import ball, frame, highs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        sys.modules.pop("polyreg.lp", None)
        lp = importlib.import_module("polyreg.lp")
    assert lp is solvers
    for name in ("BallResult", "ConicResult", "MilpResult", "NearestResult", "RETRIES",
                 "RETRY_OPTIONS", "RowStackLP", "SolveCounter", "Status", "WHOLE_CAP",
                 "inscribed_ball", "nearest_point", "solve_lp_in_l2_ball", "solve_milp"):
        assert getattr(lp, name) is getattr(solvers, name)
    assert lp._domain_margin is frame.domain_margin
    assert lp._solve_lp is highs.solve_lp and lp._local is highs._local
    assert lp._new_highs is highs.new_highs and lp._highs is highs.lp_instance
    assert lp._margin_lp is ball._margin_lp
    with pytest.raises(AttributeError):
        _ = lp._no_such_name


@pytest.mark.parametrize("old", sorted(MOVED_NAMES))
def test_moved_name_warns_and_is_the_new_object(old):
    module, name = old.rsplit(".", 1)
    where, attr = MOVED_NAMES[old].split(":")
    new = getattr(importlib.import_module(where), attr)
    mod = importlib.import_module(module)
    with pytest.warns(DeprecationWarning, match=f"{old} is deprecated.*use {where}:{attr}"):
        assert getattr(mod, name) is new


def test_from_import_of_a_moved_name():
    with pytest.warns(DeprecationWarning, match="polyreg.engines.skeleton._Complex"):
        from polyreg.engines.skeleton import _Complex
    from polyreg.engines._skeleton.complex import Complex

    assert _Complex is Complex
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        importlib.import_module("polyreg.engines.skeleton").nothing  # noqa: B018


@pytest.mark.parametrize("old", sorted(FORWARDED))
def test_old_engine_module_forwards(old):
    # ``polyreg.engines.traverse`` is the engine function; the old module path of its module
    # (now ``traverse_engine``) forwards each attribute with a warning and stays a separate module
    import polyreg.engines

    name = old.rsplit(".", 1)[1]
    new = importlib.import_module(FORWARDED[old])
    function = getattr(polyreg.engines, name)
    assert callable(function) and function is getattr(new, name)
    shim = importlib.import_module(old)  # already imported by polyreg.engines: no rebinding
    assert shim is not new and getattr(polyreg.engines, name) is function
    with pytest.warns(DeprecationWarning, match=f"{old} is deprecated.*import {FORWARDED[old]}"):
        assert getattr(shim, name) is function
    with pytest.raises(AttributeError):
        shim.no_such_name  # noqa: B018  (a missing name: no warning, an AttributeError)


def test_from_import_of_an_old_engine_module():
    # the documented behaviours, in a fresh interpreter: ``from ... import`` warns and works;
    # the package attribute stays the function; ``import polyreg.engines.traverse as m`` gives
    # the function (``import a.b as m`` reads the attribute ``b`` of ``a``)
    code = ("import warnings; warnings.simplefilter('error', DeprecationWarning)\n"
            "try:\n    from polyreg.engines.traverse import walk\nexcept DeprecationWarning as w:\n"
            "    print('warned:', w)\n"
            "warnings.simplefilter('ignore', DeprecationWarning)\n"
            "from polyreg.engines.traverse import walk\n"
            "from polyreg.engines.traverse_engine import walk as new, traverse\n"
            "import polyreg.engines\n"
            "print(walk is new, polyreg.engines.traverse is traverse)\n"
            "import polyreg.engines.traverse as m\n"
            "print(m is traverse)\n"
            "from polyreg.engines import traverse as f\n"
            "print(f is traverse)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=REPO, timeout=120).stdout.split("\n")
    assert out[0].startswith("warned: polyreg.engines.traverse is deprecated")
    assert out[1:4] == ["True True", "True", "True"]


def test_internal_code_uses_no_old_engine_module():
    # importing every engine and driver and running one count warns about no moved module
    code = ("import warnings; warnings.simplefilter('error', DeprecationWarning)\n"
            "import polyreg, polyreg.scale.drive, polyreg.scale.stream, polyreg.scale.frontier\n"
            "net = polyreg.random_network([2, 4, 1], seed=0)\n"
            "for m in ('traverse', 'branch', 'split', 'milp', 'auto'):\n"
            "    polyreg.count_regions(net, polyreg.Box.cube(2), method=m)\n"
            "print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=REPO, timeout=120).stdout
    assert out.strip() == "ok"
