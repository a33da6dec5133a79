"""The example scripts run end to end (slow: about a minute in all; ``--runslow``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.parametrize(
    "script, expect",
    [
        ("seeds_experiment.py", "exact region counts in L2 balls"),
        ("roll_margin.py", "margin at training pts"),
    ],
)
def test_example_runs(script, expect):
    pytest.importorskip("torch")
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    result = subprocess.run(
        [sys.executable, str(REPO / "examples" / script), "--points", "5"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert expect in result.stdout
