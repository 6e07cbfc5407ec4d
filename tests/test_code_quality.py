"""The linters configured in pyproject.toml pass: ruff on the code, tests and benchmarks; mypy on the package."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


LINTERS = [["ruff", "check", "src", "tests", "bench", "tools"], ["mypy"]]


@pytest.mark.parametrize("command", LINTERS, ids=["ruff", "mypy"])
def test_linter_passes(command):
    tool = shutil.which(command[0], path=str(Path(sys.executable).parent))
    if tool is None:
        pytest.skip(f"{command[0]} is not installed (the 'dev' extra)")
    result = subprocess.run([tool, *command[1:]], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
