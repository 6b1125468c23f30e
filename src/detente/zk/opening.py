"""Opening one facility's commitments at an inspection, and checking the opening against what was recorded.

At an inspection the inspected party opens the facility inspected: it shows, for every measure, the count it
committed to and the blinding (:func:`open_facility`). The opening holds that facility only; every blinding was
drawn on its own, so it tells nothing of any other facility, and the other facilities' proofs and the sums over
facilities still hide what they hid. The inspectors check it (:func:`check_opening`) and compare it with what they
count on site. Each difference is one :class:`OpeningDiscrepancy`, in this order:

1. ``not-committed`` — the opening is of a facility the content does not hold, or gives (or the inspectors
   counted) a measure the content does not commit to for it;
2. ``other-date`` — the opening is of commitments as of another data date than the content's;
3. ``not-opened`` — the content commits to a measure the opening does not give: a partial opening;
4. ``does-not-open`` — a value and blinding that are not the recorded commitment's (a changed value or blinding);
5. ``wrong-count`` — the inspectors counted a number other than the one opened (only where the opening holds).

An opening is read (:meth:`Opening.from_json`) strictly: exactly the keys :meth:`Opening.to_json` writes, counts
as JSON integers in [0, 2**16), blindings as canonical base64 of 32-byte scalars in [1, ℓ); anything else is
refused with :class:`~detente.errors.VerificationError` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from detente.crypto.pedersen import Point, open_check, scalar_from_bytes, scalar_to_bytes
from detente.errors import InputError, Location, VerificationError
from detente.ledger.notifications import MOST_FACILITIES_COMMITTED
from detente.zk import _read
from detente.zk.commitments import SCHEME, TOTAL, Secret, read_content, total_opening, totals
from detente.zk.values import MAX_VALUE

OPENING_FORMAT = "detente.zk-opening/1"


@dataclass(frozen=True)
class Opening:
    """One facility's committed counts and their blindings, as the inspected party shows them."""

    treaty: str
    party: str
    data_date: str
    facility: str
    values: Mapping[str, int]
    blindings: Mapping[str, int] = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        """As a JSON document, to hand to the inspectors."""
        return {"format": OPENING_FORMAT, "scheme": SCHEME, "treaty": self.treaty, "party": self.party,
                "data_date": self.data_date, "facility": self.facility, "values": dict(self.values),
                "blindings": {m: _read.encode(scalar_to_bytes(b)) for m, b in self.blindings.items()}}  # fmt: skip

    @classmethod
    def from_json(cls, doc: Any) -> Opening:
        """Read an opening strictly (see the module), refusing with VerificationError naming the field."""
        error = VerificationError
        keys = ("format", "scheme", "treaty", "party", "data_date", "facility", "values", "blindings")
        top = _read.obj(doc, "opening", keys, error)
        if top["format"] != OPENING_FORMAT:
            _read.fail(error, "opening.format", f"is {top['format']!r}, not {OPENING_FORMAT!r}")
        if top["scheme"] != SCHEME:
            _read.fail(error, "opening.scheme", f"is {top['scheme']!r}, not {SCHEME!r}")
        values_doc = _read.mapping(top["values"], "opening.values", error)
        if not values_doc:
            _read.fail(error, "opening.values", "is empty: an opening gives every measure of its facility")
        measures = tuple(sorted(values_doc))
        blindings_doc = _read.obj(top["blindings"], "opening.blindings", measures, error)
        blindings = {}
        for m in measures:
            where = f"opening.blindings.{m}"
            n = scalar_from_bytes(_read.b64(blindings_doc[m], where, error, size=32), where)
            if n == 0:
                _read.fail(error, where, "is zero, which no commitment was made with")
            blindings[m] = n
        facility = _read.text(top["facility"], "opening.facility", error)
        # a facility's counts are below 2**16 (the range proofs); a total sums up to 10,000 facilities' counts
        most = MOST_FACILITIES_COMMITTED * MAX_VALUE if facility == TOTAL else MAX_VALUE
        return cls(
            _read.text(top["treaty"], "opening.treaty", error),
            _read.text(top["party"], "opening.party", error),
            _read.date(top["data_date"], "opening.data_date", error),
            facility,
            {m: _read.integer(values_doc[m], f"opening.values.{m}", error, 0, most) for m in measures},
            blindings,
        )


@dataclass(frozen=True)
class OpeningDiscrepancy:
    """One difference between an opening, the recorded commitments and what inspectors counted (kinds 1-5)."""

    kind: str  # not-committed, other-date, not-opened, does-not-open, wrong-count
    facility: str
    measure: str
    declared: str
    found: str

    def describe(self, party: str) -> str:
        """One line: who, where, what was declared (committed or opened) and what was found."""
        return f"{party} at {self.facility}: {self.measure} {self.kind} (declared {self.declared}, found {self.found})"


def open_facility(secret: Secret, facility: str) -> Opening:
    """The opening of one facility: its value and blinding for every measure, and nothing of any other facility.

    ``facility`` may be :data:`~detente.zk.commitments.TOTAL`: the opening of the sums over facilities (each
    measure's total and the sum of its blindings), which shows the party's aggregates and nothing per facility —
    the New START way, aggregates public and bases secret.
    """
    if not isinstance(secret, Secret):
        raise InputError(f"the secret is a Secret, not {type(secret).__name__}", Location(field="secret"))
    if facility == TOTAL:
        opened = {m: total_opening(secret, m) for m in secret.measures}
        values = {m: v for m, (v, _) in opened.items()}
        blindings = {m: r for m, (_, r) in opened.items()}
        return Opening(secret.treaty, secret.party, secret.data_date, TOTAL, values, blindings)
    if facility not in secret.values:
        raise InputError(
            f"the secret holds no facility {facility!r}",
            Location(field="facility"),
            f"its facilities: {', '.join(secret.facilities)}",
        )
    values = {m: secret.values[facility][m] for m in secret.measures}
    blindings = {m: secret.blindings[facility][m] for m in secret.measures}
    return Opening(secret.treaty, secret.party, secret.data_date, facility, values, blindings)


def check_opening(
    opening: Opening, content: Mapping[str, Any], findings: Mapping[str, int] | None = None
) -> list[OpeningDiscrepancy]:
    """Every discrepancy of an opening against the recorded content, and against findings if given (kinds 1-5).

    ``findings`` maps a measure to the number the inspectors counted at the facility. An empty list means the
    opening opens every recorded commitment of the facility and agrees with every finding. A content that cannot be
    read is refused with :class:`~detente.errors.VerificationError`.
    """
    if not isinstance(opening, Opening):
        raise InputError(f"the opening is an Opening, not {type(opening).__name__}", Location(field="opening"))
    read = read_content(content)
    facility = opening.facility
    found: list[OpeningDiscrepancy] = []
    if facility == TOTAL:
        commitments: Mapping[str, Point] = totals(content)  # the sums over facilities: anyone computes them
    else:
        recorded = read.facilities.get(facility)
        if recorded is None:
            return [OpeningDiscrepancy("not-committed", facility, "*", "no commitments at the facility", "an opening")]
        commitments = recorded.commitments
    if opening.data_date != read.data_date:
        found.append(OpeningDiscrepancy("other-date", facility, "*", read.data_date, opening.data_date))
    for measure in opening.values:
        if measure not in commitments:
            found.append(OpeningDiscrepancy("not-committed", facility, measure, "no commitment", "an opening"))
    opened: dict[str, int] = {}
    for measure, commitment in commitments.items():
        value, blinding = opening.values.get(measure), opening.blindings.get(measure)
        if value is None or blinding is None:
            found.append(OpeningDiscrepancy("not-opened", facility, measure, "a commitment", "no opening"))
        elif not open_check(commitment, value, blinding):
            found.append(OpeningDiscrepancy("does-not-open", facility, measure, "the recorded commitment",
                                            f"an opening to {value:,} that is not it"))  # fmt: skip
        else:
            opened[measure] = value
    for measure, counted in (findings or {}).items():
        if type(counted) is not int or counted < 0:
            raise InputError(f"a finding is a count, not {counted!r}", Location(field=f"findings.{measure}"))
        if measure not in commitments:
            found.append(OpeningDiscrepancy("not-committed", facility, measure, "no commitment", f"{counted:,}"))
        elif measure in opened and opened[measure] != counted:
            found.append(OpeningDiscrepancy("wrong-count", facility, measure, f"{opened[measure]:,}", f"{counted:,}"))
    order = {"not-committed": 0, "other-date": 1, "not-opened": 2, "does-not-open": 3, "wrong-count": 4}
    return sorted(found, key=lambda d: (order[d.kind], d.measure))


__all__ = ["OPENING_FORMAT", "Opening", "OpeningDiscrepancy", "check_opening", "open_facility"]
