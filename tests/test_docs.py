"""The docs are tested: the README quick start runs, every treaty keyword, force-file word and CLI command is
documented, and the published JSON Schema is the one the code produces."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import typer.main

from detente.catalog.model import Armament, Basing, Category
from detente.cli.main import app
from detente.forces.read import COLUMNS, DOCUMENT_KEYS, FORCE_KEYS
from detente.forces.vocabulary import FacilityKind, Kind, Role, Status
from detente.treaty.load import json_schema
from detente.treaty.model import OrderKey, Value

from builders import schema_properties

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def test_published_schema_is_current():
    assert (DOCS / "treaty.schema.json").read_text() == json_schema(), (
        "run: detente treaty schema > docs/treaty.schema.json"
    )


def test_every_treaty_keyword_is_documented():
    text = (DOCS / "treaty-format.md").read_text()
    keywords = schema_properties(json.loads(json_schema()), set())
    assert len(keywords) > 40
    missing = sorted(k for k in keywords if f"`{k}`" not in text)
    assert not missing, f"treaty keywords missing from docs/treaty-format.md: {missing}"


def test_every_treaty_word_is_documented():
    text = (DOCS / "treaty-format.md").read_text()
    words = [*(v.value for v in Value), *OrderKey.model_fields["by"].annotation.__args__]
    words += [e.value for e in (*Category, *Basing, *Kind, *Status, *Armament, *Role)]
    missing = sorted(w for w in words if f"`{w}`" not in text)
    assert not missing, f"words missing from docs/treaty-format.md: {missing}"


def test_every_force_column_and_word_is_documented():
    text = (DOCS / "force-format.md").read_text()
    words = [*COLUMNS, *DOCUMENT_KEYS, *FORCE_KEYS, *(e.value for e in (*Kind, *Status, *Role, *Armament))]
    words += [k.value for k in FacilityKind]
    missing = sorted(w for w in words if f"`{w}`" not in text)
    assert not missing, f"words missing from docs/force-format.md: {missing}"


def _commands(group, prefix: str = "detente") -> list[str]:
    names = []
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            names += _commands(command, f"{prefix} {name}")
        else:
            names.append(f"{prefix} {name}")
    return names


def test_every_cli_command_is_documented():
    text = (DOCS / "cli.md").read_text()
    commands = _commands(typer.main.get_command(app))
    assert len(commands) >= 12
    missing = [c for c in commands if f"`{c}" not in text]
    assert not missing, f"commands missing from docs/cli.md: {missing}"


def test_readme_quick_start_has_exactly_two_commands_and_the_first_runs():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Quick start.*?```console\n(.*?)```", readme, re.S)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["python3 dev.py demo", "python3 dev.py test"]
    # the first command, as a user runs it (the second is this test run itself)
    done = subprocess.run(
        [sys.executable, "dev.py", "demo"], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "901" in done.stdout
    assert "10,563" in done.stdout
    assert "What inspections can detect" in done.stdout
