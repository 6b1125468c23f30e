"""PLACEHOLDER (being written): view items."""

from __future__ import annotations

from detente.web.page import Download, Page, Query
from detente.web.source import Source


def build(source: Source, query: Query) -> Page:
    """Placeholder."""
    return Page("items (not written yet)", "view.html")


def files(source: Source, name: str, query: Query) -> Download:
    """Placeholder."""
    raise LookupError(name)
