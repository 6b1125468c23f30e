"""The dashboard's views, in the order of its navigation: each a module named after what it shows."""

from __future__ import annotations

from detente.web import (
    counts,
    detection,
    holdings,
    inspections,
    integrity,
    items,
    notifications,
    overview,
    planner,
    treaties,
)
from detente.web.page import View

VIEWS: tuple[View, ...] = (
    View("overview", "Overview", overview.build),
    View("counts", "Counts over time", counts.build),
    View("holdings", "Holdings", holdings.build),
    View("items", "Item history", items.build, items.files),
    View("integrity", "Ledger integrity", integrity.build),
    View("notifications", "Notifications", notifications.build),
    View("inspections", "Inspections", inspections.build),
    View("detection", "Detection", detection.build),
    View("treaties", "Treaties and proposals", treaties.build),
    View("planner", "Planner", planner.build, planner.files),
)
