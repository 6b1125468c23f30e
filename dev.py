#!/usr/bin/env python3
"""Set up detente in a local virtual environment and run its main job or its checks.

    python3 dev.py demo    set everything up, then count the shipped forces under the shipped treaties
    python3 dev.py test    set everything up, then lint (ruff), check the package graph (import-linter), type-check
                           (mypy) and run the tests (pytest)

Only Python 3.11+ and the package registries are needed. Extra arguments after ``test`` go to pytest.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def run(*args: str | Path) -> None:
    """Run a command from the project root; stop with its exit code if it fails."""
    print("$", " ".join(str(a) for a in args), flush=True)
    code = subprocess.call([str(a) for a in args], cwd=ROOT)
    if code != 0:
        sys.exit(code)


def setup() -> None:
    """Create .venv and install detente with its pinned dependencies, again only when pyproject.toml changed."""
    if sys.version_info < (3, 11):
        sys.exit(f"detente needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    stamp = VENV / ".detente-installed"
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != want:
        run(BIN / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", ".[dev]")
        stamp.write_text(want)


def main() -> None:
    """Dispatch ``demo`` or ``test``."""
    if len(sys.argv) < 2 or sys.argv[1] not in ("demo", "test"):
        sys.exit(__doc__)
    setup()
    if sys.argv[1] == "demo":
        run(BIN / "detente", "demo")
        return
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(BIN / "lint-imports", "--no-cache")
    run(BIN / "mypy")
    run(BIN / "python", "-m", "pytest", *sys.argv[2:])


if __name__ == "__main__":
    main()
