"""PLACEHOLDER (being written): view notifications."""

from __future__ import annotations

from detente.web.page import Page, Query
from detente.web.source import Source


def build(source: Source, query: Query) -> Page:
    """Placeholder."""
    return Page("notifications (not written yet)", "view.html")
