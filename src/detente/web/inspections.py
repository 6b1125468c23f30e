"""PLACEHOLDER (being written): view inspections."""

from __future__ import annotations

from detente.web.page import Page, Query
from detente.web.source import Source


def build(source: Source, query: Query) -> Page:
    """Placeholder."""
    return Page("inspections (not written yet)", "view.html")
