"""The code rules of docs/architecture.md, checked with every test run: imports only
point down the layers and no service package depends on another in a circle
(import-linter), the code is clean to ruff, and the typed packages pass mypy. All
three read their settings from pyproject.toml."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The tools installed beside this interpreter (the test extra), not whichever are on PATH.
BIN = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    tool = BIN / command[0]
    if not tool.exists():
        pytest.fail(f"{tool} is missing: install the test extra (pip install -e '.[test]')")
    return subprocess.run([str(tool), *command[1:]], cwd=ROOT, capture_output=True, text=True, timeout=300)


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    if result.returncode != 0:
        command = " ".join(result.args)
        pytest.fail(f"{command} exited {result.returncode}:\n{result.stdout}{result.stderr}", pytrace=False)


def test_imports_keep_to_the_layers_and_contracts() -> None:
    assert_clean(run("lint-imports", "--no-cache"))


def test_ruff_finds_nothing() -> None:
    assert_clean(run("ruff", "check", "--no-cache", "--output-format", "concise", "."))


def test_typed_packages_pass_mypy() -> None:
    assert_clean(run("mypy"))
