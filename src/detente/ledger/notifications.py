"""Notification types, modelled on New START's Protocol Part Four, as documented schemas.

Every notification has the same envelope — sending party, sequence number, time sent, time the change took
effect, treaty reference, the notifications it follows, type, content and remarks — and a content whose schema
depends on its type. Times are UTC, written ``YYYY-MM-DDTHH:MM:SSZ``; a bare date means midnight UTC.
docs/notifications.md describes every type and field, and a test checks that it does.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, ValidationError, field_validator, model_validator

from detente._files import pydantic_error
from detente.catalog.model import Armament
from detente.errors import InputError
from detente.forces.vocabulary import FacilityKind, Kind, Role, Status

NOTIFICATION_FORMAT = "detente.notification/1"
GENESIS = "0" * 64


class NotificationError(InputError):
    """A notification was refused: it breaks a schema, reference, state-machine, ordering or chain rule."""


def _utc(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), dt.UTC)
    if isinstance(value, str) and len(value) == 10:
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), dt.UTC)
    return value


def format_time(value: dt.datetime) -> str:
    """UTC time as ``YYYY-MM-DDTHH:MM:SSZ`` (seconds; the canonical form in signed payloads)."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


UtcTime = Annotated[dt.datetime, PlainSerializer(format_time, return_type=str)]


class Type(StrEnum):
    """The notification types."""

    INITIAL_DATA = "initial-data"
    DATA_UPDATE = "data-update"
    NEW_ITEM = "new-item"
    STATUS_CHANGE = "status-change"
    MOVEMENT = "movement"
    CONVERSION = "conversion"
    ELIMINATION = "elimination"
    WARHEADS_CHANGE = "warheads-change"
    FACILITY_CHANGE = "facility-change"
    EXHIBITION = "exhibition"
    RECEIPT = "receipt"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ItemDecl(_Strict):
    """One item as declared: its unique identifier, type, kind, status, facility and warheads."""

    uid: str = Field(min_length=1, max_length=64, description="Unique identifier.")
    system: str = Field(min_length=1, description="System type id.")
    kind: Kind = Field(description="launcher, missile or bomber.")
    status: Status = Field(description="Declared status.")
    facility: str = Field(min_length=1, description="Facility id where the item is.")
    warheads: int = Field(default=0, ge=0, le=64, description="RVs emplaced (deployed missiles) or bomber weapons.")
    armament: Armament | None = Field(default=None, description="What it is equipped for; default: the type's.")
    role: Role = Field(default=Role.NUCLEAR, description="nuclear or conventional.")


class FacilityDecl(_Strict):
    """A declared facility."""

    id: str = Field(min_length=1, max_length=64, description="Facility id.")
    kind: FacilityKind = Field(description="Kind of facility.")
    name: str = Field(default="", description="Name.")
    location: str = Field(default="", description="Where it is.")


class Declaration(_Strict):
    """A complete declaration: every facility and every accountable item (initial data, six-monthly update)."""

    facilities: tuple[FacilityDecl, ...] = Field(description="Every declared facility.")
    items: tuple[ItemDecl, ...] = Field(description="Every accountable item.")


class NewItem(_Strict):
    """An item enters the declaration: produced, or arrived (e.g. from another party or a non-treaty site)."""

    item: ItemDecl
    how: Literal["produced", "arrived", "declared"] = Field(default="produced", description="How it came.")


class StatusChange(_Strict):
    """An item changes status among deployed, non-deployed, test, training and repair."""

    uid: str
    from_: Status = Field(alias="from", description="Status before (must match the ledger).")
    to: Status = Field(description="Status after.")
    warheads: int | None = Field(default=None, ge=0, le=64, description="RVs on a launcher becoming deployed.")


class Movement(_Strict):
    """An item moves between declared facilities."""

    uid: str
    from_: str = Field(alias="from", description="Facility before (must match the ledger).")
    to: str = Field(description="Facility after.")


class Conversion(_Strict):
    """An item leaves accountability by conversion (e.g. a bomber to non-nuclear armaments)."""

    uid: str
    result: str = Field(default="", description="What it became, in words.")


class Elimination(_Strict):
    """An item is eliminated."""

    uid: str
    method: str = Field(default="", description="How, in words.")


class WarheadsChange(_Strict):
    """The RVs declared on a deployed missile change; effective only with the next six-monthly update."""

    uid: str
    warheads: int = Field(ge=0, le=64)


class FacilityChange(_Strict):
    """A facility is opened (declared) or closed (it must be empty)."""

    facility: FacilityDecl
    action: Literal["opened", "closed"]


class Exhibition(_Strict):
    """Items shown to the other party (e.g. a new type, or a converted bomber)."""

    system: str
    facility: str
    uids: tuple[str, ...] = ()


class Ref(_Strict):
    """A reference to a notification: its party and sequence number."""

    party: str = Field(min_length=1)
    seq: int = Field(ge=1)


class Receipt(_Strict):
    """Acknowledgement of another party's notification."""

    of: Ref


CONTENT: dict[Type, type[_Strict]] = {
    Type.INITIAL_DATA: Declaration,
    Type.DATA_UPDATE: Declaration,
    Type.NEW_ITEM: NewItem,
    Type.STATUS_CHANGE: StatusChange,
    Type.MOVEMENT: Movement,
    Type.CONVERSION: Conversion,
    Type.ELIMINATION: Elimination,
    Type.WARHEADS_CHANGE: WarheadsChange,
    Type.FACILITY_CHANGE: FacilityChange,
    Type.EXHIBITION: Exhibition,
    Type.RECEIPT: Receipt,
}


class TreatyRef(_Strict):
    """Where the treaty requires this notification."""

    treaty: str = Field(default="", description="Treaty id.")
    article: str = Field(default="", description="Article.")
    part: str = Field(default="", description="Protocol part.")
    section: str = Field(default="", description="Section.")
    paragraph: str = Field(default="", description="Paragraph.")


class Notification(_Strict):
    """The envelope of every notification, with its typed content."""

    format: Literal["detente.notification/1"] = "detente.notification/1"
    party: str = Field(pattern=r"^[A-Z][A-Z0-9-]*$", description="Sending party.")
    seq: int = Field(ge=1, le=2**53 - 1, description="Sequence number in the sender's ledger, from 1.")
    prev: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 (hex) of the previous entry; zeros first.")
    sent: UtcTime = Field(description="Time sent.")
    effective: UtcTime = Field(description="Time the change took effect.")
    type: Type
    treaty_ref: TreatyRef = Field(default_factory=TreatyRef, description="Where the treaty requires it.")
    follows: tuple[Ref, ...] = Field(default=(), description="Notifications this one follows or answers.")
    content: Any = Field(description="Type-specific content.")
    remarks: str = Field(default="", description="Free text.")

    @field_validator("sent", "effective", mode="before")
    @classmethod
    def _as_utc(cls, value: object) -> object:
        return _utc(value)

    @field_validator("sent", "effective")
    @classmethod
    def _whole_seconds(cls, value: dt.datetime) -> dt.datetime:
        return value.astimezone(dt.UTC).replace(microsecond=0)

    @model_validator(mode="after")
    def _typed_content(self) -> Notification:
        model = CONTENT[self.type]
        if not isinstance(self.content, model):
            object.__setattr__(self, "content", model.model_validate(self.content))
        if self.effective > self.sent:
            raise ValueError(f"effective time {format_time(self.effective)} is after the time sent")
        return self

    def payload(self) -> dict[str, Any]:
        """The JSON-ready dict that is canonicalised and signed."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def parse_notification(data: dict[str, Any], origin: str = "notification") -> Notification:
    """Validate a notification dict (schema rules); errors name the field."""
    try:
        return Notification.model_validate(data)
    except ValidationError as exc:
        raise pydantic_error(exc, origin, NotificationError) from None
