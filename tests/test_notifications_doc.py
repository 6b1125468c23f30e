"""docs/notifications.md documents every notification type, every field of every schema, and every rule name."""

from __future__ import annotations

import re
from pathlib import Path

from detente.ledger import notifications, rules
from detente.ledger.notifications import Type

from builders import schema_properties

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "notifications.md").read_text("utf-8")
RULES_SOURCE = Path(rules.__file__).read_text("utf-8")


def _undocumented(words: set[str]) -> list[str]:
    return sorted(w for w in words if f"`{w}`" not in DOC)


def test_every_type_is_documented() -> None:
    """Every notification type appears in backticks."""
    assert len(Type) == 14
    assert not _undocumented({t.value for t in Type})


def test_every_envelope_field_is_documented() -> None:
    """Every field of the envelope (and of its treaty reference and follows entries) appears in backticks."""
    fields = schema_properties(notifications.json_schema()["envelope"], set())
    assert {"format", "party", "seq", "prev", "sent", "effective", "type", "content", "remarks"} <= fields
    assert {"treaty", "article", "part", "section", "paragraph"} <= fields  # treaty_ref, reached through $defs
    assert not _undocumented(fields)


def test_every_content_field_is_documented() -> None:
    """Every field of every type's content schema, at any depth, appears in backticks."""
    schemas = notifications.json_schema()["content"]
    assert set(schemas) == {t.value for t in Type}
    missing = {}
    for kind, schema in schemas.items():
        fields = schema_properties(schema, set())
        assert fields, f"{kind} has no fields"
        if gaps := _undocumented(fields):
            missing[kind] = gaps
    assert not missing, f"content fields missing from docs/notifications.md: {missing}"


def _numbered_rules() -> list[str]:
    """The rule names of the numbered list in rules.py's docstring, in order."""
    return re.findall(r"^\s*\d+\. \[([a-z-]+)\]", rules.__doc__ or "", re.MULTILINE)


def test_rule_names_in_code_are_the_numbered_rules() -> None:
    """Every rule a refusal names (in rules.py and notifications.py) is one of the numbered rules."""
    numbered = _numbered_rules()
    assert numbered == [
        "schema",
        "sender",
        "sequence",
        "order",
        "initial",
        "references",
        "declaration",
        "item",
        "facility",
        "state",
        "inspection",
        "key",
        "commitments",
    ]
    used = set(re.findall(r'_fail\(\s*"([a-z-]+)"', RULES_SOURCE))
    used |= set(re.findall(r'"\[([a-z-]+)\]', Path(notifications.__file__).read_text("utf-8")))
    assert used <= set(numbered), sorted(used - set(numbered))
    assert set(numbered) - used == set(), "every numbered rule is used by some refusal"


def _bracketed() -> set[str]:
    """Rule and flag names in brackets in rules.py: in its docstring and in the refusals it raises."""
    return set(re.findall(r"\[([a-z-]+)\]", rules.__doc__ or "")) | set(
        re.findall(r'_fail\(\s*"([a-z-]+)"', RULES_SOURCE)
    )


def test_every_rule_name_is_documented() -> None:
    """Every rule name in brackets in rules.py appears in docs/notifications.md: the rules in backticks."""
    bracketed = _bracketed()
    assert set(_numbered_rules()) | {"late", "discrepancy"} <= bracketed
    assert not _undocumented(set(_numbered_rules()))
    missing = sorted(name for name in bracketed if not re.search(rf"\b{re.escape(name)}\b", DOC))
    assert not missing, f"rule names missing from docs/notifications.md: {missing}"


def test_flag_kinds_and_discrepancy_details_are_documented() -> None:
    """The late flag and every kind of discrepancy appear in backticks."""
    details = set(re.findall(r'Flag\("discrepancy", [^)]*?"([a-z-]+)"\)', RULES_SOURCE))
    details |= set(re.findall(r'\("(wrong-[a-z]+)",', RULES_SOURCE))
    assert details == {"missing", "undeclared", "wrong-status", "wrong-warheads", "wrong-facility"}
    assert not _undocumented(details | {"late"})
