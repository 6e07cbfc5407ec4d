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


def _name(requirement: str) -> str:
    import re

    return re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_the_lock_file_pins_every_dependency_and_this_environment_matches_it():
    import tomllib
    from importlib import metadata

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    wanted |= {_name(r) for extra in project["optional-dependencies"].values() for r in extra}
    locked = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            locked[name.lower().replace("_", "-")] = version
    assert not wanted - set(locked), f"not in requirements.lock: {sorted(wanted - set(locked))}"
    installed = {_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    differ = {n: (v, installed.get(n)) for n, v in locked.items() if n in wanted and installed.get(n) != v}
    assert differ == {}, f"installed versions differ from requirements.lock: {differ}"
