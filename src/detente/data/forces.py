"""The illustrative and historical forces shipped with detente, by name."""

from __future__ import annotations

from contextlib import ExitStack
from importlib import resources
from pathlib import Path

from detente.catalog.model import Catalog
from detente.errors import ForceError
from detente.forces.model import Force
from detente.forces.read import read_force

_files = ExitStack()


def shipped_force_names() -> list[str]:
    """Names of the shipped forces (file names without suffix)."""
    folder = resources.files("detente.data").joinpath("forces")
    return sorted(e.name.removesuffix(".toml") for e in folder.iterdir() if e.name.endswith(".toml"))


def shipped_force_path(name: str) -> Path:
    """A real path to a shipped force file (extracted once if the package is zipped)."""
    if name not in shipped_force_names():
        raise ForceError(
            f"no force file or shipped force named {name!r}", hint=f"shipped forces: {', '.join(shipped_force_names())}"
        )
    ref = resources.files("detente.data").joinpath("forces", f"{name}.toml")
    return _files.enter_context(resources.as_file(ref))


def load_force(spec: str, catalog: Catalog) -> Force:
    """A force from a file path, or a shipped force by name."""
    path = Path(spec)
    if path.exists() or path.suffix.lower() in (".csv", ".toml", ".json"):
        return read_force(path, catalog)
    return read_force(shipped_force_path(spec), catalog)
