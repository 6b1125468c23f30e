"""Each package's public API: what ``__all__`` names can be imported from the package, and nothing is missed.

The ledger package loads its names lazily (see its docstring); its ``__all__`` and its table of where each name
lives must agree, and importing one of its modules must not load the rest.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

PACKAGES = [
    "detente.catalog",
    "detente.counting",
    "detente.crypto",
    "detente.demo",
    "detente.forces",
    "detente.ledger",
    "detente.store",
    "detente.treaty",
    "detente.trust",
    "detente.web",
    "detente.zk",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_every_public_name_imports_from_its_package(name: str) -> None:
    package = importlib.import_module(name)
    assert package.__all__, f"{name} has no public API"
    assert len(set(package.__all__)) == len(package.__all__)
    for public in package.__all__:
        assert getattr(package, public) is not None


def test_the_ledgers_lazy_table_names_exactly_its_public_api() -> None:
    ledger = importlib.import_module("detente.ledger")
    table = {name for names in ledger._WHERE.values() for name in names}
    assert table == set(ledger.__all__)
    for module, names in ledger._WHERE.items():
        for name in names:
            assert getattr(ledger, name) is getattr(importlib.import_module(f"detente.ledger.{module}"), name)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        ledger.nothing  # noqa: B018 - the lookup is the test


def test_verifying_needs_neither_the_catalog_nor_numpy() -> None:
    """`detente ledger verify` imports the chain and the store: they must not pull the whole core in."""
    heavy = ("numpy", "detente.catalog", "detente.treaty")
    code = "import sys, detente.ledger.chain, detente.store\n"
    code += f"print(sorted(m for m in sys.modules if m.startswith({heavy})))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
