"""Every benchmark script starts as the Makefile runs it: `python bench/x.py`
from the repository, with no PYTHONPATH (a broken import only shows up when
someone runs the benchmark, sessions later)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = sorted(path.name for path in (REPO / "bench").glob("*.py") if path.name != "corpus.py")


@pytest.mark.parametrize("script", SCRIPTS)
def test_bench_script_starts(script):
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run([sys.executable, f"bench/{script}", "--help"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout
