"""System types: what a Minuteman III, a Trident II D5 or a Tu-160 is, with sources."""

from detente.catalog.load import builtin_catalog, load_catalog
from detente.catalog.model import Armament, Basing, Catalog, Category, SystemType

__all__ = ["Armament", "Basing", "Catalog", "Category", "SystemType", "builtin_catalog", "load_catalog"]
