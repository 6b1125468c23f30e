"""The CLI starts fast: ``detente --help`` imports no command, a command imports only what it uses, and the
lazy table in ``detente.cli.main`` lists exactly the commands the modules define, with their own one-line helps."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import subprocess
import sys
import typing

import pytest
import typer
import typer.main
from typer.models import ParameterInfo

import detente.cli
from detente.cli.main import COMMANDS, app

HEAVY = ("numpy", "scipy", "matplotlib", "sqlalchemy", "dask", "distributed")
NOT_COMMANDS = {"main", "common", "render"}  # the router and what the commands share

_RUN = """
import json, sys
sys.argv = ["detente", *sys.argv[1:]]
from detente.cli.main import main
try:
    main()
except SystemExit as exc:
    assert not exc.code, exc.code
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def _imported(*args: str) -> set[str]:
    """Run ``detente ARGS`` in a fresh interpreter; the modules it imported."""
    done = subprocess.run([sys.executable, "-c", _RUN, *args], capture_output=True, text=True, check=True)
    return set(json.loads(done.stderr.splitlines()[-1]))


def _packages(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


@pytest.mark.parametrize("args", [("--help",), ("version",)])
def test_help_and_version_import_no_command(args):
    modules = _imported(*args)
    assert {m for m in modules if m.startswith("detente.cli.")} <= {"detente.cli.main", "detente.cli.common"}
    assert not _packages(modules) & {*HEAVY, "rfc8785", "nacl"}


@pytest.mark.parametrize(
    ("args", "unused"),
    [
        (("treaty", "list"), {"scipy", "matplotlib", "sqlalchemy", "dask"}),
        (("data", "aggregates"), {"numpy", "scipy", "matplotlib", "sqlalchemy"}),
        (("upload", "US"), {"scipy", "matplotlib", "sqlalchemy"}),
        (("detect", "probability", "-N", "100", "-M", "5", "-n", "10"), {"scipy", "matplotlib", "sqlalchemy", "dask"}),
    ],
)
def test_a_command_imports_only_what_it_uses(args, unused):
    assert not _packages(_imported(*args)) & unused


@pytest.mark.parametrize("name", COMMANDS)
def test_listed_help_is_the_commands_own(name):
    entry = COMMANDS[name]
    command = entry.load(name)
    first_paragraph = inspect.cleandoc(command.help or "").split("\n\n")[0]
    assert first_paragraph == entry.help, f"update COMMANDS[{name!r}].help in detente/cli/main.py"


def _takes_cli_options(function: typing.Callable[..., object]) -> bool:
    """Whether a function's parameters are declared as Typer arguments or options, as a command's are.

    Typer evaluates a command's annotations to run it, so a function whose annotations name types imported only
    for type checking (a helper of the commands) is not one.
    """
    try:
        parameters = inspect.signature(function, eval_str=True).parameters.values()
    except NameError:
        return False
    for parameter in parameters:
        metadata = typing.get_args(parameter.annotation)[1:] if typing.get_origin(parameter.annotation) else ()
        if isinstance(parameter.default, ParameterInfo) or any(isinstance(m, ParameterInfo) for m in metadata):
            return True
    return False


def _defined_commands() -> set[tuple[str, str]]:
    """(module, attribute) of every top-level command in detente.cli: each Typer app not mounted in another, and
    each public function taking Typer options that no app registers."""
    apps: dict[tuple[str, str], typer.Typer] = {}
    functions: dict[tuple[str, str], typing.Callable[..., object]] = {}
    for info in pkgutil.iter_modules(detente.cli.__path__):
        if info.name in NOT_COMMANDS:
            continue
        module = importlib.import_module(f"detente.cli.{info.name}")
        for attribute, value in vars(module).items():
            if isinstance(value, typer.Typer):
                apps[(info.name, attribute)] = value
            elif inspect.isfunction(value) and value.__module__ == module.__name__ and not attribute.startswith("_"):
                functions[(info.name, attribute)] = value
    mounted = {id(g.typer_instance) for a in apps.values() for g in a.registered_groups}
    registered = {c.callback for a in apps.values() for c in a.registered_commands}
    return {key for key, a in apps.items() if id(a) not in mounted} | {
        key for key, f in functions.items() if f not in registered and _takes_cli_options(f)
    }


def test_every_command_is_listed():
    assert {(e.module, e.attribute) for e in COMMANDS.values()} == _defined_commands(), (
        "add the command to COMMANDS in detente/cli/main.py (or remove it there)"
    )
    group = typer.main.get_command(app)
    with typer.Context(group) as ctx:
        assert group.list_commands(ctx) == [*COMMANDS, "version"]
