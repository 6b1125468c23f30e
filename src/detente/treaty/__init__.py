"""Treaties as data: schema, loader, built-in treaty files and named variants."""

from detente.treaty.load import apply_variants, builtin_treaties, get_treaty, json_schema, load_treaty
from detente.treaty.model import Definition, Limit, Measure, Term, Treaty, Value, Variant

__all__ = [
    "Definition",
    "Limit",
    "Measure",
    "Term",
    "Treaty",
    "Value",
    "Variant",
    "apply_variants",
    "builtin_treaties",
    "get_treaty",
    "json_schema",
    "load_treaty",
]
