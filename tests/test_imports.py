"""Start-up stays light: ``import polyreg`` and the command line's parser load no solver,
SciPy or NetworkX (PEP 562 lazy names; heavy modules imported where they are used)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import polyreg

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("scipy", "networkx", "cvxpy", "highspy", "matplotlib", "torch", "polyreg.engines")


def _loaded(code: str) -> list[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env=env, check=True, timeout=120).stdout
    modules = set(json.loads(out.strip().splitlines()[-1]))
    return [m for m in HEAVY if m in modules]


@pytest.mark.parametrize("code", [
    "import polyreg",
    "import polyreg.cli",
    "import polyreg.cli; polyreg.cli.build_parser()",
    "import polyreg.cli, contextlib, io\n"
    "with contextlib.redirect_stdout(io.StringIO()):\n"
    "    try:\n        polyreg.cli.main(['--version'])\n    except SystemExit:\n        pass",
])
def test_start_up_loads_nothing_heavy(code):
    assert _loaded(code) == []


def test_public_names_resolve():
    for name in polyreg.__all__:
        assert getattr(polyreg, name) is not None, name
    assert set(polyreg.__all__) <= set(dir(polyreg))
    assert polyreg.engines.traverse is not None  # submodules load on attribute access
    with pytest.raises(AttributeError):
        polyreg.no_such_name  # noqa: B018


def test_engine_names_match_the_engines():
    from polyreg.cli import ENGINE_NAMES
    from polyreg.engines import ENGINES

    assert tuple(sorted(ENGINES)) == ENGINE_NAMES


def test_version_is_quick_to_reach():
    # behaviour, not timing: --version answers with the package version
    out = subprocess.run([sys.executable, "-m", "polyreg", "--version"], capture_output=True,
                         text=True, env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=120)
    assert out.stdout.strip() == f"polyreg {polyreg.__version__}"
    assert json.dumps(out.returncode) == "0"


def test_all_lists_the_public_names():
    assert sorted(polyreg.__all__) == sorted(polyreg._PUBLIC)
