"""Notification types, modelled on New START's Protocol Part Four, as documented schemas.

Every notification has the same envelope — sending party, sequence number, time sent, time the change took
effect, treaty reference, the notifications it follows, type, content and remarks — and a content whose schema
depends on its type. Times are UTC, written ``YYYY-MM-DDTHH:MM:SSZ``; a bare date means midnight UTC. Two types
are the ledger's own rather than the treaty's: ``key-rotation``, by which a party changes the key it signs with,
and ``commitments``, by which it records, at a data date, a Pedersen commitment per facility per treaty measure
(the ground of the experimental compliance proofs). docs/notifications.md describes every type and field, and a
test checks that it does.

The schemas are typed dicts validated by pydantic (strict about unknown keys): validation returns the plain
dict that is canonicalised and signed, so nothing is converted twice on the way to the signature.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any, Literal, NotRequired, cast

from pydantic import ConfigDict, Field, StrictBool, TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict

from detente._files import pydantic_error
from detente.catalog.model import MOST_PER_ITEM, Armament, Basing, Category, Confidence
from detente.errors import Location, NotificationError
from detente.forces.vocabulary import FacilityKind, Kind, Role, Status

NOTIFICATION_FORMAT = "detente.notification/1"
_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
_STRICT = ConfigDict(extra="forbid", use_enum_values=True)


def format_time(value: dt.datetime) -> str:
    """UTC time as ``YYYY-MM-DDTHH:MM:SSZ`` (seconds; the canonical form in signed payloads)."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_CANONICAL_TIME = re.compile(_TIME)


def normalize_time(value: object) -> object:
    """A datetime, a date or ISO text as canonical UTC text; anything else unchanged (the schema refuses it)."""
    if isinstance(value, str):
        if len(value) == 20 and value[10] == "T" and value[19] == "Z":  # the canonical shape
            return value  # canonical already, or refused by the schema's pattern: nothing to convert
        if _CANONICAL_TIME.match(value):
            return value
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        value = parsed
    if isinstance(value, dt.datetime):
        return format_time(value if value.tzinfo else value.replace(tzinfo=dt.UTC))
    if isinstance(value, dt.date):
        return f"{value.isoformat()}T00:00:00Z"
    return value


# Identifiers are shown to people and compared by eye: none may hold a control character (C0, DEL, C1), an
# invisible one (zero-width, word joiner, byte-order mark) or one that reorders or breaks the text around it (the
# bidirectional marks, embeddings, overrides and isolates, the line and paragraph separators).
_IDENTIFIER = r"^[^\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]+$"
_PARTY = r"^[A-Z][A-Z0-9-]{0,15}$"

Time = Annotated[str, Field(pattern=_TIME, description="UTC time, YYYY-MM-DDTHH:MM:SSZ.")]
Uid = Annotated[str, Field(min_length=1, max_length=64, pattern=_IDENTIFIER, description="Unique identifier.")]
FacilityId = Annotated[str, Field(min_length=1, max_length=64, pattern=_IDENTIFIER, description="Facility id.")]
SystemId = Annotated[str, Field(min_length=1, pattern=_IDENTIFIER, description="System type id.")]
PartyCode = Annotated[str, Field(pattern=_PARTY, description="Party code.")]
SmallCount = Annotated[int, Field(ge=0, le=64)]


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
    INSPECTION = "inspection"
    KEY_ROTATION = "key-rotation"
    COMMITMENTS = "commitments"


@with_config(_STRICT)
class ItemDecl(TypedDict):
    """One item as declared: its unique identifier, type, kind, status, facility and warheads."""

    uid: Uid
    system: SystemId
    kind: Kind
    status: Status
    facility: FacilityId
    warheads: NotRequired[SmallCount]
    armament: NotRequired[Armament]
    role: NotRequired[Role]


@with_config(_STRICT)
class FacilityDecl(TypedDict):
    """A declared facility."""

    id: FacilityId
    kind: FacilityKind
    name: NotRequired[str]
    location: NotRequired[str]


Name = Annotated[str, Field(min_length=1, max_length=200, pattern=_IDENTIFIER)]


@with_config(_STRICT)
class SystemDecl(TypedDict):
    """A system type the party declares beyond the built-in catalog, in the fields of a force file's ``[[systems]]``.

    The schema bounds each field; whether the definition holds together (an armament that fits the category, …)
    is :class:`~detente.catalog.model.SystemType`'s to say, and rule 7's.
    """

    id: Annotated[str, Field(max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$", description="System type id.")]
    name: Name
    aliases: NotRequired[Annotated[list[Name], Field(max_length=16)]]
    country: PartyCode
    category: Category
    basing: Basing
    heavy: NotRequired[StrictBool]
    max_rvs: NotRequired[SmallCount]
    alcm_capacity: NotRequired[Annotated[int, Field(ge=0, le=MOST_PER_ITEM)]]
    armament: NotRequired[Armament]
    armaments: NotRequired[Annotated[list[Armament], Field(max_length=4)]]
    first_deployed: NotRequired[Annotated[int, Field(ge=1940, le=2100)]]
    sources: NotRequired[Annotated[list[Name], Field(max_length=16)]]
    confidence: NotRequired[Confidence]
    notes: NotRequired[Annotated[str, Field(max_length=2000)]]


@with_config(_STRICT)
class Declaration(TypedDict):
    """A complete declaration: every facility and every accountable item (initial data, six-monthly update).

    ``systems`` declares the party's own system types, beyond the built-in catalog, that its items may name.
    """

    facilities: list[FacilityDecl]
    items: list[ItemDecl]
    systems: NotRequired[Annotated[list[SystemDecl], Field(max_length=256)]]


@with_config(_STRICT)
class NewItem(TypedDict):
    """An item enters the declaration: produced, or arrived (e.g. from another party or a non-treaty site)."""

    item: ItemDecl
    how: NotRequired[Literal["produced", "arrived", "declared"]]


StatusChange = TypedDict(  # 'from' is a Python keyword, so the functional form
    "StatusChange",
    {"uid": Uid, "from": Status, "to": Status, "warheads": NotRequired[SmallCount]},
)
StatusChange.__doc__ = "An item changes status among deployed, non-deployed, test, training and repair."
StatusChange.__pydantic_config__ = _STRICT  # type: ignore[attr-defined]

Movement = TypedDict("Movement", {"uid": Uid, "from": FacilityId, "to": FacilityId})
Movement.__doc__ = "An item moves between declared facilities."
Movement.__pydantic_config__ = _STRICT  # type: ignore[attr-defined]


@with_config(_STRICT)
class Conversion(TypedDict):
    """An item leaves accountability by conversion (e.g. a bomber to non-nuclear armaments)."""

    uid: Uid
    result: NotRequired[str]


@with_config(_STRICT)
class Elimination(TypedDict):
    """An item is eliminated."""

    uid: Uid
    method: NotRequired[str]


@with_config(_STRICT)
class WarheadsChange(TypedDict):
    """The RVs declared on a deployed missile change; effective only with the next six-monthly update."""

    uid: Uid
    warheads: SmallCount


@with_config(_STRICT)
class FacilityChange(TypedDict):
    """A facility is opened (declared) or closed (it must be empty)."""

    facility: FacilityDecl
    action: Literal["opened", "closed"]


@with_config(_STRICT)
class Exhibition(TypedDict):
    """Items shown to the other party (e.g. a new type, or a converted bomber)."""

    system: SystemId
    facility: FacilityId
    uids: NotRequired[list[Uid]]


@with_config(_STRICT)
class Ref(TypedDict):
    """A reference to a notification: its party and sequence number."""

    party: PartyCode
    seq: Annotated[int, Field(ge=1)]


@with_config(_STRICT)
class Receipt(TypedDict):
    """Acknowledgement of another party's notification."""

    of: Ref


@with_config(_STRICT)
class SeenItem(TypedDict):
    """An item the inspectors saw at the site, identified by its unique identifier."""

    uid: Uid
    system: NotRequired[SystemId]
    status: Status


@with_config(_STRICT)
class Designated(TypedDict):
    """A deployed missile (or bomber) the inspectors designated, and the reentry vehicles they counted on it."""

    uid: Uid
    warheads: SmallCount


@with_config(_STRICT)
class Inspection(TypedDict):
    """An on-site inspection report, in the inspecting party's ledger: where, of which type, and what was found.

    ``seen`` lists every item found at the site (by unique identifier, with its status); declared items not in it
    are missing. ``designated`` gives the RVs counted on each designated missile. ``effective`` is the time of
    the inspection.
    """

    inspected: PartyCode
    inspection_type: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
    site: FacilityId
    seen: list[SeenItem]
    designated: NotRequired[list[Designated]]
    selection: NotRequired[Literal["chosen", "random"]]


# 32 bytes in base64, in their one canonical form: 43 characters and one "=", the last character's two unused bits
# zero (so that two texts never name one key, or one point).
_BASE64_32 = r"^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$"
PublicKey = Annotated[str, Field(pattern=_BASE64_32, description="Ed25519 public key, 32 bytes in base64.")]


@with_config(_STRICT)
class KeyRotation(TypedDict):
    """The party's signing key changes: the entries after this one are signed by ``public_key``.

    Signed, like every entry, by the key it replaces. ``revoke_previous_as_of`` revokes that key as of a time (a key
    reported compromised): nothing it signs dated after that is accepted, but this rotation.
    """

    public_key: PublicKey
    revoke_previous_as_of: NotRequired[Time]


COMMITMENT_SCHEME = "detente/pedersen-ed25519/v1"
"""The commitment scheme of ``commitments``: Pedersen commitments on Ed25519's prime-order subgroup
(:mod:`detente.crypto.pedersen`), each 32 bytes in base64."""
MOST_FACILITIES_COMMITTED = 10_000
"""The most facilities one ``commitments`` notification commits for."""
MOST_CAPACITY = 10**6
"""The largest declared capacity of a facility (warheads) a ``commitments`` notification may state."""

MeasureId = Annotated[
    str, Field(max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$", description="Id of a measure of the treaty.")
]
Commitment = Annotated[
    str, Field(pattern=_BASE64_32, description="Pedersen commitment: a point of the group, 32 bytes in base64.")
]


@with_config(_STRICT)
class FacilityCommitments(TypedDict):
    """One facility's commitments: its declared capacity (public) and one commitment per measure (hidden)."""

    # strict: a number proofs are checked against is written as one, not as text, a float or a boolean
    capacity: Annotated[int, Field(strict=True, ge=0, le=MOST_CAPACITY, description="Most warheads it holds.")]
    commitments: Annotated[dict[MeasureId, Commitment], Field(max_length=64)]


@with_config(_STRICT)
class Commitments(TypedDict):
    """A party's Pedersen commitments at a data date: per facility, one per treaty measure, and its capacity.

    ``effective`` is the data date at 00:00:00Z. Later proofs show, from these and without opening them, that the
    totals are within the treaty's limits and each facility's committed warheads within its ``capacity``.
    """

    scheme: Literal["detente/pedersen-ed25519/v1"]
    data_date: Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", description="The data date, YYYY-MM-DD.")]
    measures: Annotated[list[MeasureId], Field(min_length=1, max_length=64)]
    facilities: Annotated[
        dict[FacilityId, FacilityCommitments], Field(min_length=1, max_length=MOST_FACILITIES_COMMITTED)
    ]


CONTENT: dict[Type, Any] = {
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
    Type.INSPECTION: Inspection,
    Type.KEY_ROTATION: KeyRotation,
    Type.COMMITMENTS: Commitments,
}


@with_config(_STRICT)
class TreatyRef(TypedDict):
    """Where the treaty requires this notification."""

    treaty: NotRequired[str]
    article: NotRequired[str]
    part: NotRequired[str]
    section: NotRequired[str]
    paragraph: NotRequired[str]


@with_config(_STRICT)
class Notification(TypedDict):
    """The envelope of every notification; ``content`` follows the schema of its ``type``."""

    format: Literal["detente.notification/1"]
    party: PartyCode
    seq: Annotated[int, Field(ge=1, le=2**53 - 1)]
    prev: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    sent: Time
    effective: Time
    type: Type
    treaty_ref: NotRequired[TreatyRef]
    follows: NotRequired[list[Ref]]
    content: dict[str, Any]
    remarks: NotRequired[str]


_ENVELOPE = TypeAdapter(Notification)
_CONTENT = {kind: TypeAdapter(schema) for kind, schema in CONTENT.items()}
_ROTATION, _COMMITMENTS = Type.KEY_ROTATION, Type.COMMITMENTS


def parse_notification(data: dict[str, Any], origin: str = "notification") -> dict[str, Any]:
    """Validate a notification (schema rules) and return its payload: the dict that is signed.

    Times may be given as datetimes, dates or ISO text; they are written in canonical UTC form first. Errors
    name the field.
    """
    data = {"format": NOTIFICATION_FORMAT, **data}
    for key in ("sent", "effective"):
        if key in data:
            data[key] = normalize_time(data[key])
    try:
        payload = cast(dict[str, Any], _ENVELOPE.validate_python(data))  # a new dict: the draft is left as it was
    except ValidationError as exc:
        raise _schema_error(exc, origin, "") from None
    kind, content = payload["type"], payload["content"]
    if kind == _ROTATION:
        content = _rotation_times(content)
    try:
        payload["content"] = _CONTENT[kind].validate_python(content)  # str keys a StrEnum
    except ValidationError as exc:
        raise _schema_error(exc, origin, "content") from None
    for key in ("sent", "effective"):
        _real_time(payload[key], origin, key)
    if kind == _ROTATION and "revoke_previous_as_of" in payload["content"]:
        _real_time(payload["content"]["revoke_previous_as_of"], origin, "content.revoke_previous_as_of")
    elif kind == _COMMITMENTS:
        _real_date(payload["content"]["data_date"], origin, "content.data_date")
    if payload["effective"] > payload["sent"]:
        why = f"[schema] effective time {payload['effective']} is after the time sent"
        raise NotificationError(why, Location(file=origin, field="effective"))
    return payload


def _real_time(text: str, origin: str, field: str) -> None:
    """A time the schema's pattern let through is a real one (no 31 April)."""
    try:
        dt.datetime.fromisoformat(text[:19])  # the pattern held: YYYY-MM-DDTHH:MM:SS then Z
    except ValueError as exc:
        raise NotificationError(f"[schema] {text} is not a real time: {exc}", Location(origin, None, field)) from None


def _real_date(text: str, origin: str, field: str) -> None:
    """A date the schema's pattern let through is a real one."""
    try:
        dt.date.fromisoformat(text)  # the pattern held: YYYY-MM-DD
    except ValueError as exc:
        raise NotificationError(f"[schema] {text} is not a real date: {exc}", Location(origin, None, field)) from None


def _rotation_times(content: object) -> object:
    """A key rotation's content with its revocation time in canonical text, as the envelope's times are."""
    if isinstance(content, dict) and "revoke_previous_as_of" in content:
        return {**content, "revoke_previous_as_of": normalize_time(content["revoke_previous_as_of"])}
    return content


def _schema_error(exc: ValidationError, origin: str, prefix: str) -> NotificationError:
    error = pydantic_error(exc, origin, NotificationError, prefix)
    return NotificationError(f"[schema] {error.why}", error.where, error.hint)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the envelope and of each type's content (for docs and tests)."""
    return {
        "envelope": _ENVELOPE.json_schema(),
        "content": {kind.value: adapter.json_schema() for kind, adapter in _CONTENT.items()},
    }
