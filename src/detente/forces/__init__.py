"""Declared forces: parties, facilities and items, and the files that hold them."""

from detente.forces.model import Facility, Force, ForceInfo, ItemRow
from detente.forces.read import read_force
from detente.forces.vocabulary import FacilityKind, Kind, Role, Status
from detente.forces.write import write_force

__all__ = [
    "Facility",
    "FacilityKind",
    "Force",
    "ForceInfo",
    "ItemRow",
    "Kind",
    "Role",
    "Status",
    "read_force",
    "write_force",
]
