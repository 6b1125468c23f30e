"""PLACEHOLDER (being written): view holdings."""

from __future__ import annotations

from detente.web.page import Page, Query
from detente.web.source import Source


def build(source: Source, query: Query) -> Page:
    """Placeholder."""
    return Page("holdings (not written yet)", "view.html")
