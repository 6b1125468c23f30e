"""Committing to each facility's counts: the public content a party records, and the secret it keeps.

For every facility f and measure m the party draws a blinding r uniform in [1, ℓ) and commits
``C = v·G + r·H`` (:mod:`detente.crypto.pedersen`) to its count v. What it records (the ``content`` of a
``commitments`` notification in its ledger) is a plain dict::

    {"scheme": "detente/pedersen-ed25519/v1", "data_date": "2018-02-05",
     "measures": ["deployed-delivery-vehicles", "warheads", "launchers"],
     "facilities": {"<facility id>": {"capacity": 400, "commitments": {"<measure>": "<base64 of 32 bytes>"}}}}

``capacity`` is the party's public declared maximum of the facility's warheads (:mod:`detente.zk.values`). The
commitments show nothing of the counts; anyone can add them up by measure (:func:`totals`), and the sum is a
commitment to the party's total, which the proofs hold against the treaty's limits.

The secret (:class:`Secret`) holds every value and blinding. It opens everything, so it is kept as a key file is
(its owner only) and never sent; an inspection is shown one facility's part of it (:mod:`detente.zk.opening`).

A content is read (:func:`read_content`) by these rules, in order; the first broken refuses it with
:class:`~detente.errors.VerificationError` naming the field:

1. It is an object with exactly the keys ``scheme``, ``data_date``, ``measures`` and ``facilities``.
2. ``scheme`` is :data:`SCHEME`: another scheme is another group, generator or encoding, read by other code.
3. ``data_date`` is a date written YYYY-MM-DD.
4. ``measures`` is a non-empty array of distinct names.
5. ``facilities`` is a non-empty object; no facility is named ``total`` (the name the proofs give the sums).
6. Each facility is an object with exactly ``capacity`` (a JSON integer from 0 to 2**53 - 1) and ``commitments``,
   which names exactly the measures, each a canonical base64 string of 32 bytes that decodes to a point of the
   prime-order group other than the identity (:meth:`~detente.crypto.pedersen.Point.from_bytes`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from detente.crypto import pedersen
from detente.crypto.pedersen import IDENTITY, ORDER, Point, add, random_scalar, scalar_from_bytes, scalar_to_bytes
from detente.errors import DetenteError, InputError, Location, VerificationError
from detente.zk import _read
from detente.zk.values import MAX_VALUE, FacilityCounts

SCHEME = "detente/pedersen-ed25519/v1"
"""Pedersen commitments on edwards25519's prime-order subgroup, H from ``detente/pedersen/H/v1``, base64 points."""
SECRET_FORMAT = "detente.zk-secret/1"  # noqa: S105 - a format name, not a password
TOTAL = "total"
"""The name the proofs give the sums over facilities; no facility may have it."""


@dataclass(frozen=True)
class FacilityCommitments:
    """One facility of a read content: its declared capacity and its commitment to each measure."""

    capacity: int
    commitments: Mapping[str, Point]


@dataclass(frozen=True)
class Commitments:
    """A content, read (rules 1-6): what the proofs are about."""

    data_date: str
    measures: tuple[str, ...]
    facilities: Mapping[str, FacilityCommitments]


def read_content(content: Any, error: type[DetenteError] = VerificationError) -> Commitments:
    """Read a recorded content by rules 1-6; ``error`` is the class a broken rule raises."""
    doc = _read.obj(content, "content", ("scheme", "data_date", "measures", "facilities"), error)
    if doc["scheme"] != SCHEME:
        _read.fail(error, "content.scheme", f"is {doc['scheme']!r}, not {SCHEME!r}, the scheme read here")
    data_date = _read.date(doc["data_date"], "content.data_date", error)
    measures = _read.unique_texts(doc["measures"], "content.measures", error)
    facilities_doc = _read.mapping(doc["facilities"], "content.facilities", error)
    if not facilities_doc:
        _read.fail(error, "content.facilities", "is empty: a party commits to at least one facility")
    facilities: dict[str, FacilityCommitments] = {}
    for facility in sorted(facilities_doc):
        where = f"content.facilities.{facility}"
        if facility == TOTAL:
            _read.fail(error, where, f"a facility may not be named {TOTAL!r}, the name of the sums over facilities")
        entry = _read.obj(facilities_doc[facility], where, ("capacity", "commitments"), error)
        capacity = _read.integer(entry["capacity"], f"{where}.capacity", error)
        points = _read.obj(entry["commitments"], f"{where}.commitments", measures, error)
        commitments: dict[str, Point] = {}
        for measure in measures:
            at = f"{where}.commitments.{measure}"
            data = _read.b64(points[measure], at, error, size=32)
            try:
                commitments[measure] = Point.from_bytes(data, "commitment")
            except VerificationError as exc:
                _read.fail(error, at, str(exc))
        facilities[facility] = FacilityCommitments(capacity, commitments)
    return Commitments(data_date, measures, facilities)


def totals(content: Mapping[str, Any]) -> dict[str, Point]:
    """Each measure's commitments added over the facilities: a commitment to the party's total (anyone can).

    The content is read by rules 1-6 (a :class:`~detente.errors.VerificationError` if it breaks one).
    """
    read = read_content(content)
    sums = dict.fromkeys(read.measures, IDENTITY)
    for facility in read.facilities.values():
        for measure, point in facility.commitments.items():
            sums[measure] = add(sums[measure], point)
    return sums


@dataclass(frozen=True, repr=False)
class Secret:
    """What opens a content: every facility's values and blindings, with what they are about. Never shown whole.

    ``values[facility][measure]`` is the count committed, ``blindings[facility][measure]`` its blinding, in
    [1, ℓ). Its ``repr`` names the party, treaty, date and facilities only.
    """

    treaty: str
    party: str
    data_date: str
    measures: tuple[str, ...]
    values: Mapping[str, Mapping[str, int]]
    blindings: Mapping[str, Mapping[str, int]]

    def __repr__(self) -> str:
        return (
            f"Secret(treaty={self.treaty!r}, party={self.party!r}, data_date={self.data_date!r}, "
            f"facilities={len(self.values)})"
        )

    @property
    def facilities(self) -> tuple[str, ...]:
        """The facility ids, sorted."""
        return tuple(sorted(self.values))

    def to_json(self) -> dict[str, Any]:
        """The secret as a JSON document, to keep (its owner only) and never to share."""
        facilities = {
            f: {
                "values": {m: self.values[f][m] for m in self.measures},
                "blindings": {m: _read.encode(scalar_to_bytes(self.blindings[f][m])) for m in self.measures},
            }
            for f in self.facilities
        }
        return {"format": SECRET_FORMAT, "scheme": SCHEME, "treaty": self.treaty, "party": self.party,
                "data_date": self.data_date, "measures": list(self.measures), "facilities": facilities}  # fmt: skip

    @classmethod
    def from_json(cls, doc: Any) -> Secret:
        """Read a secret back strictly: every key and type as :meth:`to_json` writes them, and nothing else.

        Refused with :class:`~detente.errors.InputError` naming the field: values outside [0, 2**16), blindings
        that are not canonical 32-byte scalars in [1, ℓ), a facility without every measure.
        """
        keys = ("format", "scheme", "treaty", "party", "data_date", "measures", "facilities")
        top = _read.obj(doc, "secret", keys, InputError)
        if top["format"] != SECRET_FORMAT:
            _read.fail(InputError, "secret.format", f"is {top['format']!r}, not {SECRET_FORMAT!r}")
        if top["scheme"] != SCHEME:
            _read.fail(InputError, "secret.scheme", f"is {top['scheme']!r}, not {SCHEME!r}")
        treaty = _read.text(top["treaty"], "secret.treaty", InputError)
        party = _read.text(top["party"], "secret.party", InputError)
        data_date = _read.date(top["data_date"], "secret.data_date", InputError)
        measures = _read.unique_texts(top["measures"], "secret.measures", InputError)
        facilities = _read.mapping(top["facilities"], "secret.facilities", InputError)
        if not facilities:
            _read.fail(InputError, "secret.facilities", "is empty")
        values: dict[str, dict[str, int]] = {}
        blindings: dict[str, dict[str, int]] = {}
        for facility in sorted(facilities):
            where = f"secret.facilities.{facility}"
            part = _read.obj(facilities[facility], where, ("values", "blindings"), InputError)
            given = _read.obj(part["values"], f"{where}.values", measures, InputError)
            hidden = _read.obj(part["blindings"], f"{where}.blindings", measures, InputError)
            values[facility] = {
                m: _read.integer(given[m], f"{where}.values.{m}", InputError, 0, MAX_VALUE) for m in measures
            }
            blindings[facility] = {m: _blinding(hidden[m], f"{where}.blindings.{m}") for m in measures}
        return cls(treaty, party, data_date, measures, values, blindings)


def _blinding(value: Any, where: str) -> int:
    data = _read.b64(value, where, InputError, size=32)
    try:
        n = scalar_from_bytes(data, "blinding")
    except VerificationError as exc:
        _read.fail(InputError, where, str(exc))
    if n == 0:
        _read.fail(InputError, where, "is zero: a zero blinding would reveal the value")
    return n


def commit(
    values: FacilityCounts, capacities: Mapping[str, int], treaty_id: str, party: str, data_date: dt.date
) -> tuple[dict[str, Any], Secret]:
    """Commit to every facility's counts: the content to record, and the secret that opens it.

    ``capacities`` gives every facility of ``values`` (and no other) its declared capacity, a non-negative
    integer. Each blinding is drawn by :func:`~detente.crypto.pedersen.random_scalar` (uniform, never zero).
    """
    for name, given in (("treaty_id", treaty_id), ("party", party)):
        if not isinstance(given, str) or not given:
            raise InputError(f"{name} is a non-empty string, not {given!r}", Location(field=name))
    if not isinstance(data_date, dt.date) or isinstance(data_date, dt.datetime):
        raise InputError(f"the data date is a date, not {data_date!r}", Location(field="data_date"))
    if not isinstance(values, FacilityCounts):
        raise InputError("the values are FacilityCounts", Location(field="values"), "see detente.zk.facility_counts")
    if TOTAL in values.counts:
        raise InputError(f"a facility may not be named {TOTAL!r}", Location(field=f"values.{TOTAL}"))
    if set(capacities) != set(values.facilities):
        odd = sorted(set(capacities) ^ set(values.facilities))
        raise InputError(
            f"capacities are given for exactly the facilities counted; not so for {', '.join(map(repr, odd))}",
            Location(field="capacities"),
        )
    for facility, capacity in capacities.items():
        if type(capacity) is not int or not 0 <= capacity <= _read.MAX_SAFE_INTEGER:
            raise InputError(
                f"a capacity is an integer from 0 to 2**53 - 1, not {capacity!r}",
                Location(field=f"capacities.{facility}"),
            )
    measures = values.measures
    blindings = {f: {m: random_scalar() for m in measures} for f in values.facilities}
    facilities = {
        f: {
            "capacity": capacities[f],
            "commitments": {
                m: _read.encode(bytes(pedersen.commit(values.counts[f][m], blindings[f][m]))) for m in measures
            },
        }
        for f in values.facilities
    }
    content = {"scheme": SCHEME, "data_date": data_date.isoformat(), "measures": list(measures),
               "facilities": facilities}  # fmt: skip
    plain = {f: dict(values.counts[f]) for f in values.facilities}
    return content, Secret(treaty_id, party, data_date.isoformat(), measures, plain, blindings)


def total_opening(secret: Secret, measure: str) -> tuple[int, int]:
    """The value and blinding that open the sum of a measure's commitments: the sums of the facilities'."""
    value = sum(secret.values[f][measure] for f in secret.facilities)
    blinding = sum(secret.blindings[f][measure] for f in secret.facilities) % ORDER
    return value, blinding


__all__ = [
    "SCHEME",
    "SECRET_FORMAT",
    "TOTAL",
    "Commitments",
    "FacilityCommitments",
    "Secret",
    "commit",
    "read_content",
    "total_opening",
    "totals",
]
