"""The style guide's tools, run as part of the suite so a violation fails CI."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess:
    tool = shutil.which(args[0], path=str(BIN)) or args[0]
    return subprocess.run([tool, *args[1:]], cwd=ROOT, capture_output=True, text=True)  # noqa: S603


def test_ruff_lint_and_format_are_clean():
    lint = _run("ruff", "check", ".")
    assert lint.returncode == 0, lint.stdout
    fmt = _run("ruff", "format", "--check", ".")
    assert fmt.returncode == 0, fmt.stdout


def test_mypy_passes_on_typed_modules():
    result = _run("mypy")
    assert result.returncode == 0, result.stdout


def test_import_layers_hold():
    """tenants ← core ← accounts ← community ← civic, alerts ← reports (pyproject.toml)."""
    result = _run("lint-imports", "--no-cache")
    assert result.returncode == 0, result.stdout
