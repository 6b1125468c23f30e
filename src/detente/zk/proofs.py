r"""Proving that committed counts comply with a treaty, without revealing them; and checking such proofs.

A party has recorded commitments C_{f,m} to each facility f's count v_{f,m} of each measure m, and a declared
capacity cap_f of each facility (:mod:`detente.zk.commitments`). Its proof bundle holds exactly these statements,
each a range proof (:mod:`detente.crypto.rangeproof`):

1. **range**, for every facility and measure: v_{f,m} ∈ [0, 2**16), on C_{f,m} (k = 16).
2. **at-most, total**, for every measure m the treaty limits for the party on the data date (the limit that
   :func:`detente.counting.judge` would apply: in force, for this party, from its ``from`` date to its ``until``;
   the upper bound L of ``max``, ``below`` or a range): Σ_f v_{f,m} ≤ L, on T_m = Σ_f C_{f,m}, with
   k = max(1, L.bit_length()).
3. **at-most, capacity**, for every facility: its warheads v_{f,w} ≤ cap_f, on C_{f,w}, with
   k = max(1, cap_f.bit_length()). The warheads measure w is the treaty's measure with id ``warheads``, or else its
   only measure whose unit is warheads (:func:`warheads_measure`).

Why together they show 0 ≤ total ≤ L. An at-most proof alone shows L - t ∈ [0, 2**k) *modulo ℓ*: t is one of
L, L - 1, …, L - 2**k + 1 modulo ℓ, a window that holds "negative" numbers (ℓ - 1 is -1). A party could then
commit to ℓ - 100 at one facility, hiding 100 warheads elsewhere, and the sum would still pass. The range proofs
close that: from an accepting bundle one extracts openings of every C_{f,m} to v_{f,m} ∈ [0, 2**16) and of
L·G - T_m to d ∈ [0, 2**k). T_m is the sum of the C_{f,m}, so it opens to Σ_f v_{f,m} too, and Pedersen
commitments bind (two openings to different numbers give log_G H): Σ_f v_{f,m} ≡ L - d (mod ℓ). With n
facilities the left side is an integer in [0, n·2**16) and the right one in (L - 2**k, L] ⊂ (-2**k, L]; both lie
in an interval shorter than ℓ whenever n·2**16 + 2**k < ℓ (n below 2**190 with k ≤ 53), so they are equal as
integers: 0 ≤ Σ_f v_{f,m} = L - d ≤ L. The capacity statements are the same argument for one facility:
0 ≤ v_{f,w} ≤ cap_f. Each proof is zero knowledge, and so is the whole bundle: it shows these inequalities and
nothing else of the counts.

What no proof can show is that the committed counts are the real ones: that is for inspections, which open one
facility (:mod:`detente.zk.opening`) and compare it with what the inspectors count.

Every proof's Fiat–Shamir transcript binds the context: the bundle format and the scheme, the treaty, the party,
the data date, the ledger entry that recorded the commitments (its sequence number and hash), the measure, the
facility (or ``total``) and which statement it is; the range proof itself binds its kind, k, the bound and the
commitment. A proof made for one of these fails for any other. The verifier builds every context from its own
arguments and every commitment from the content, never from the bundle.

A bundle is read (:func:`read_bundle`) by these rules, in order; the first broken refuses it with
:class:`~detente.errors.VerificationError` naming the field:

1. It is an object with exactly ``format``, ``scheme``, ``treaty``, ``party``, ``data_date``, ``entry`` and
   ``statements``; ``format`` is :data:`BUNDLE_FORMAT` and ``scheme`` is :data:`~detente.zk.commitments.SCHEME`.
2. ``treaty`` and ``party`` are non-empty strings, ``data_date`` a date written YYYY-MM-DD, ``entry`` an object of
   exactly ``seq`` (a JSON integer ≥ 1) and ``hash`` (64 lowercase hex digits).
3. ``statements`` is an array; each is an object with exactly ``kind``, ``facility``, ``measure``, ``k`` and
   ``proof``, and ``bound`` if and only if its kind is ``at-most``; ``kind`` is ``range`` or ``at-most``, ``k`` a
   JSON integer from 1 to 64, ``bound`` one from 0 to 2**53 - 1, ``proof`` canonical base64.
4. No two statements share a kind, facility and measure.

Verifying (:func:`verify`) never trusts the bundle's own account of itself. A :class:`Verdict` passes only if:

5. the bundle and the content can be read (rules 1-4; the content by :func:`~detente.zk.commitments.read_content`);
6. the bundle is about this treaty, party, data date (the content's) and ledger entry, and every measure the
   content commits to is one the treaty counts;
7. every required statement (1-3 above, computed from the content and the treaty) is in the bundle — a missing
   one fails, it is not skipped — with the required bound and k, and its proof decodes and verifies against the
   commitment computed from the content;
8. the bundle holds no statement beyond the required ones;
9. at least one limit binds the party at the data date: a bundle of a date before the limits (range and capacity
   statements only) proves nothing about compliance, and a verdict that passed on it could be shown as if it did.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from detente.crypto.pedersen import IDENTITY, Point, add, open_check
from detente.crypto.rangeproof import (
    AT_MOST,
    MAX_BITS,
    RANGE,
    RangeProof,
    prove_at_most,
    prove_range,
    verify_at_most,
    verify_range,
)
from detente.errors import InputError, Location, TreatyError, VerificationError
from detente.treaty.model import Limit, Treaty
from detente.zk import _read
from detente.zk.commitments import SCHEME, TOTAL, Commitments, Secret, read_content, total_opening
from detente.zk.values import MAX_VALUE

BUNDLE_FORMAT = "detente.zk-proof/1"
RANGE_BITS = 16
"""k of every facility's range proof: a facility's count of a measure is below 2**16 = 65,536."""
WARHEADS = "warheads"

# What each statement is, in the transcript's context ("statement"): a facility's range, a limit, a capacity.
_ROLE_RANGE, _ROLE_LIMIT, _ROLE_CAPACITY = "facility-range", "limit", "capacity"


@dataclass(frozen=True)
class Statement:
    """One thing a bundle proves.

    Its kind (``range`` or ``at-most``), where (a facility, or ``total``), the measure, the bound (``at-most``
    only) and k.
    """

    kind: str
    facility: str
    measure: str
    bound: int | None
    k: int

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies it within a bundle: kind, facility, measure."""
        return self.kind, self.facility, self.measure

    @property
    def role(self) -> str:
        """``facility-range``, ``limit`` or ``capacity``: which of the module's statements 1-3 it is."""
        if self.kind == RANGE:
            return _ROLE_RANGE
        return _ROLE_LIMIT if self.facility == TOTAL else _ROLE_CAPACITY

    def describe(self) -> str:
        """In words, e.g. "warheads at the total ≤ 1,550" or "launchers at 'bangor' in [0, 2**16)"."""
        where = "the total" if self.facility == TOTAL else repr(self.facility)
        if self.kind == RANGE:
            return f"{self.measure} at {where} in [0, 2**{self.k})"
        return f"{self.measure} at {where} ≤ {self.bound:,}"


@dataclass(frozen=True)
class ProofBundle:
    """A bundle as read (rules 1-4): its header and, per statement, the proof's bytes (decoded when verified)."""

    treaty: str
    party: str
    data_date: str
    entry: tuple[int, str]
    statements: tuple[tuple[Statement, bytes], ...]

    def to_json(self) -> dict[str, Any]:
        """The bundle as a JSON document (the format :func:`read_bundle` reads)."""
        statements = []
        for statement, proof in self.statements:
            doc: dict[str, Any] = {"kind": statement.kind, "facility": statement.facility,
                                   "measure": statement.measure}  # fmt: skip
            if statement.bound is not None:
                doc["bound"] = statement.bound
            doc["k"] = statement.k
            doc["proof"] = _read.encode(proof)
            statements.append(doc)
        return {"format": BUNDLE_FORMAT, "scheme": SCHEME, "treaty": self.treaty, "party": self.party,
                "data_date": self.data_date, "entry": {"seq": self.entry[0], "hash": self.entry[1]},
                "statements": statements}  # fmt: skip


@dataclass(frozen=True)
class StatementCheck:
    """The verifier's finding on one statement: whether it holds, and if not, why."""

    statement: Statement
    ok: bool
    reason: str = ""


@dataclass(frozen=True)
class Verdict:
    """Whether a bundle proves the content complies: per statement, and overall.

    ``problems`` are about the bundle as a whole (unreadable, about another treaty, party, date or entry). ``ok`` is
    true only if there is none, every required statement was checked, and every check holds.
    """

    checks: tuple[StatementCheck, ...]
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True only if the bundle proves every statement the content calls for, and nothing is amiss."""
        return not self.problems and bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def failures(self) -> tuple[StatementCheck, ...]:
        """The checks that do not hold."""
        return tuple(c for c in self.checks if not c.ok)

    def describe(self) -> str:
        """The verdict in words: passes, or every problem and failed statement with its reason."""
        if self.ok:
            return f"the proofs hold: {len(self.checks)} statements verified"
        lines = [f"the proofs do not hold: {len(self.problems) + len(self.failures)} problems"]
        lines += [f"- {p}" for p in self.problems]
        lines += [f"- {c.statement.describe()}: {c.reason}" for c in self.failures]
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ the statements


def warheads_measure(treaty: Treaty) -> str | None:
    """The treaty's warheads measure: id ``warheads``, else its only measure with unit warheads; None if it has none.

    A treaty with several warheads measures and none named ``warheads`` (START I) is refused: which one the
    capacities bound cannot be guessed.
    """
    ids = [m.id for m in treaty.measures]
    if WARHEADS in ids:
        return WARHEADS
    by_unit = [m.id for m in treaty.measures if m.unit.strip().casefold() == WARHEADS]
    if len(by_unit) > 1:
        raise TreatyError(
            f"{treaty.title} has several warheads measures ({', '.join(by_unit)}) and none named {WARHEADS!r}",
            Location(field="measures"),
            "the capacity statements need one measure of a facility's warheads",
        )
    return by_unit[0] if by_unit else None


def binding_limits(treaty: Treaty, party: str, data_date: dt.date) -> dict[str, int]:
    """The upper bound of every measure the treaty limits for the party on the date, as the compliance judge reads it.

    As :func:`detente.counting.judge`: nothing while the treaty is not in force (a treaty with no entry-into-force
    date is taken as in force) or once it has expired; else per measure the limits for this party (``parties``
    absent, or naming it) that apply on the date (``from`` ≤ date ≤ ``until``), the latest-starting of them; its
    upper bound (``max``, or ``below`` - 1; a range's ``max``). Lower bounds are not proven.
    """
    dates = treaty.dates
    if dates.entry_into_force is not None and data_date < dates.entry_into_force:
        return {}
    if dates.expires is not None and data_date >= dates.expires:
        return {}
    bounds: dict[str, int] = {}
    for measure in treaty.measures:
        current = [
            x
            for x in treaty.limits
            if x.measure == measure.id
            and (x.parties is None or party in x.parties)
            and (x.from_ is None or x.from_ <= data_date)
            and (x.until is None or data_date <= x.until)
        ]
        if current:
            limit: Limit = max(current, key=lambda x: x.from_ or dt.date.min)
            bounds[measure.id] = limit.upper
    return bounds


def _bits(bound: int) -> int:
    return max(1, bound.bit_length())


def required_statements(commitments: Commitments, treaty: Treaty, party: str) -> list[Statement]:
    """Every statement a bundle for this content must hold (the module's 1-3), in the order a bundle lists them."""
    data_date = dt.date.fromisoformat(commitments.data_date)
    facilities = sorted(commitments.facilities)
    statements = [Statement(RANGE, f, m, None, RANGE_BITS) for f in facilities for m in commitments.measures]
    for measure, bound in binding_limits(treaty, party, data_date).items():
        statements.append(Statement(AT_MOST, TOTAL, measure, bound, _bits(bound)))
    warheads = warheads_measure(treaty)
    if warheads is not None:
        for f in facilities:
            capacity = commitments.facilities[f].capacity
            statements.append(Statement(AT_MOST, f, warheads, capacity, _bits(capacity)))
    return statements


def _context(treaty: str, party: str, data_date: str, entry: tuple[int, str], statement: Statement) -> dict[str, str]:
    return {
        "format": BUNDLE_FORMAT,
        "scheme": SCHEME,
        "treaty": treaty,
        "party": party,
        "data_date": data_date,
        "entry_seq": str(entry[0]),
        "entry_hash": entry[1],
        "measure": statement.measure,
        "facility": statement.facility,
        "statement": statement.role,
    }


def _commitment(commitments: Commitments, statement: Statement) -> Point | None:
    """The commitment a statement is about, computed from the content (None if the content commits to no such)."""
    if statement.measure not in commitments.measures:
        return None
    if statement.facility == TOTAL:
        total = IDENTITY
        for each in commitments.facilities.values():
            total = add(total, each.commitments[statement.measure])
        return total
    facility = commitments.facilities.get(statement.facility)
    return None if facility is None else facility.commitments[statement.measure]


# ------------------------------------------------------------------------------------------------ proving


def _check_entry(entry: Any) -> tuple[int, str]:
    if not isinstance(entry, tuple | list) or len(entry) != 2:
        raise InputError(f"an entry is (seq, hash hex), not {entry!r}", Location(field="entry"))
    seq = _read.integer(entry[0], "entry.seq", InputError, 1)
    return seq, _read.entry_hash(entry[1], "entry.hash", InputError)


def prove(content: Mapping[str, Any], secret: Secret, treaty: Treaty, entry: tuple[int, str]) -> dict[str, Any]:
    """The proof bundle (as JSON) for a content and the secret that opens it, recorded in the ledger at ``entry``.

    Everything is checked before anything is proven, and refused with :class:`~detente.errors.InputError`: a
    secret that is not this content's (another treaty, date, facility or measure, or a value and blinding that do
    not open the recorded commitment), a count outside [0, 2**16), a total above its limit, warheads above a
    facility's capacity. A force over a limit cannot be proven.
    """
    entry = _check_entry(entry)
    if not isinstance(secret, Secret):
        raise InputError(f"the secret is a Secret, not {type(secret).__name__}", Location(field="secret"))
    if not isinstance(treaty, Treaty):
        raise InputError(f"the treaty is a Treaty, not {type(treaty).__name__}", Location(field="treaty"))
    read = read_content(content, InputError)
    _check_secret(read, secret, treaty)
    statements = required_statements(read, treaty, secret.party)
    openings = [_opening(read, secret, treaty, s) for s in statements]
    proven = []
    for statement, (commitment, value, blinding) in zip(statements, openings, strict=True):
        context = _context(treaty.id, secret.party, read.data_date, entry, statement)
        if statement.bound is None:  # a range statement
            proof = prove_range(commitment, value, blinding, statement.k, context)
        else:
            proof = prove_at_most(commitment, value, blinding, statement.bound, statement.k, context)
        proven.append((statement, proof.to_bytes()))
    bundle = ProofBundle(treaty.id, secret.party, read.data_date, entry, tuple(proven))
    return bundle.to_json()


def _check_secret(read: Commitments, secret: Secret, treaty: Treaty) -> None:
    """The secret is this content's: same treaty, date, facilities and measures, and it opens every commitment."""
    if secret.treaty != treaty.id:
        raise InputError(f"the secret is for treaty {secret.treaty!r}, not {treaty.id!r}", Location(field="secret"))
    if secret.data_date != read.data_date:
        raise InputError(
            f"the secret is as of {secret.data_date}, the content as of {read.data_date}", Location(field="secret")
        )
    if set(secret.measures) != set(read.measures):
        raise InputError(
            f"the secret holds measures {sorted(secret.measures)}, the content {sorted(read.measures)}",
            Location(field="secret.measures"),
        )
    if set(secret.values) != set(read.facilities) or set(secret.blindings) != set(read.facilities):
        odd = sorted(set(secret.values) ^ set(read.facilities))
        raise InputError(
            f"the secret and the content hold different facilities ({', '.join(map(repr, odd)) or 'blindings'})",
            Location(field="secret.facilities"),
        )
    for facility, recorded in read.facilities.items():
        for measure, point in recorded.commitments.items():
            value = secret.values[facility].get(measure)
            blinding = secret.blindings[facility].get(measure)
            where = Location(field=f"secret.facilities.{facility}.{measure}")
            if type(value) is not int or not 0 <= value <= MAX_VALUE:
                raise InputError(f"a count is an integer from 0 to {MAX_VALUE:,}, not {value!r}", where)
            if type(blinding) is not int or not open_check(point, value, blinding):
                raise InputError(
                    "the secret's value and blinding do not open the content's commitment", where,
                    "prove with the secret made with this content",
                )  # fmt: skip


def _opening(read: Commitments, secret: Secret, treaty: Treaty, statement: Statement) -> tuple[Point, int, int]:
    """A statement's commitment, and the value and blinding that open it; refused if the statement does not hold."""
    measure = statement.measure
    commitment = _commitment(read, statement)
    if commitment is None:
        what = "limits" if statement.facility == TOTAL else "bounds by capacities"
        raise InputError(
            f"the content commits to no {measure!r}, which {treaty.title} {what}", Location(field="content.measures")
        )
    if statement.facility == TOTAL:
        value, blinding = total_opening(secret, measure)
        if statement.bound is not None and value > statement.bound:
            raise InputError(
                f"{secret.party}'s total of {measure!r} is {value:,}, above the limit of {statement.bound:,} that "
                f"{treaty.title} sets on {read.data_date}: it cannot be proven to comply",
                Location(field=f"values.{measure}"),
            )
        return commitment, value, blinding
    value = secret.values[statement.facility][measure]
    if statement.bound is not None and value > statement.bound:
        raise InputError(
            f"facility {statement.facility!r} holds {value:,} {measure}, above its declared capacity of "
            f"{statement.bound:,}: it cannot be proven",
            Location(field=f"content.facilities.{statement.facility}.capacity"),
            "declare a capacity at least as large",
        )
    return commitment, value, secret.blindings[statement.facility][measure]


# ------------------------------------------------------------------------------------------------ reading


def read_bundle(doc: Any) -> ProofBundle:
    """Read a bundle by rules 1-4, refusing with :class:`~detente.errors.VerificationError` naming the field."""
    error = VerificationError
    keys = ("format", "scheme", "treaty", "party", "data_date", "entry", "statements")
    top = _read.obj(doc, "bundle", keys, error)
    if top["format"] != BUNDLE_FORMAT:
        _read.fail(error, "bundle.format", f"is {top['format']!r}, not {BUNDLE_FORMAT!r}, the format read here")
    if top["scheme"] != SCHEME:
        _read.fail(error, "bundle.scheme", f"is {top['scheme']!r}, not {SCHEME!r}, the scheme read here")
    treaty = _read.text(top["treaty"], "bundle.treaty", error)
    party = _read.text(top["party"], "bundle.party", error)
    data_date = _read.date(top["data_date"], "bundle.data_date", error)
    entry_doc = _read.obj(top["entry"], "bundle.entry", ("seq", "hash"), error)
    entry = (
        _read.integer(entry_doc["seq"], "bundle.entry.seq", error, 1),
        _read.entry_hash(entry_doc["hash"], "bundle.entry.hash", error),
    )
    if not isinstance(top["statements"], list):
        _read.fail(error, "bundle.statements", "is not an array")
    statements: list[tuple[Statement, bytes]] = []
    seen: dict[tuple[str, str, str], int] = {}
    for i, item in enumerate(top["statements"]):
        where = f"bundle.statements[{i}]"
        kind = _read.obj(item, where, ("kind",), error, ("facility", "measure", "bound", "k", "proof"))["kind"]
        if kind not in (RANGE, AT_MOST):
            _read.fail(error, f"{where}.kind", f"is {kind!r}, not {RANGE!r} or {AT_MOST!r}")
        fields = ("kind", "facility", "measure", "k", "proof") + (("bound",) if kind == AT_MOST else ())
        part = _read.obj(item, where, fields, error)
        statement = Statement(
            str(kind),
            _read.text(part["facility"], f"{where}.facility", error),
            _read.text(part["measure"], f"{where}.measure", error),
            _read.integer(part["bound"], f"{where}.bound", error) if kind == AT_MOST else None,
            _read.integer(part["k"], f"{where}.k", error, 1, MAX_BITS),
        )
        proof = _read.b64(part["proof"], f"{where}.proof", error)
        if statement.key in seen:
            _read.fail(
                error, where, f"repeats statements[{seen[statement.key]}] ({statement.kind} of {statement.measure} at "
                f"{statement.facility}): a bundle proves each statement once",
            )  # fmt: skip
        seen[statement.key] = i
        statements.append((statement, proof))
    return ProofBundle(treaty, party, data_date, entry, tuple(statements))


# ------------------------------------------------------------------------------------------------ verifying


def verify(
    bundle: ProofBundle | Mapping[str, Any],
    content: Mapping[str, Any],
    treaty: Treaty,
    entry: tuple[int, str],
    *,
    party: str,
) -> Verdict:
    """Check a bundle against the recorded content, the treaty, the entry that recorded it and its party (rules 5-8).

    ``party`` is whose ledger the entry is in: the content does not name it, and the bundle's own word for it is
    not taken (a party's limits can differ). The verifier's inputs are checked (an :class:`InputError` if wrong);
    everything from the other party only ever gives a failing :class:`Verdict`, never an exception.
    """
    entry = _check_entry(entry)
    if not isinstance(treaty, Treaty):
        raise InputError(f"the treaty is a Treaty, not {type(treaty).__name__}", Location(field="treaty"))
    party = _read.text(party, "party", InputError)
    try:  # rule 5
        read_as = bundle if isinstance(bundle, ProofBundle) else read_bundle(bundle)
        read = read_content(content)
    except VerificationError as exc:
        return Verdict((), (str(exc),))
    problems = _header_problems(read_as, read, treaty, entry, party)  # rule 6
    try:
        required = required_statements(read, treaty, party)
    except TreatyError as exc:
        return Verdict((), (*problems, str(exc)))
    if not any(s.facility == TOTAL for s in required):  # rule 9
        problems.append(
            f"no limit of {treaty.title} binds {party} at {read.data_date}: a bundle of this date proves no total "
            "within a limit, so it cannot show compliance"
        )
    given = {statement.key: (statement, proof) for statement, proof in read_as.statements}
    checks = []
    for statement in required:  # rule 7
        found = given.pop(statement.key, None)
        context = _context(treaty.id, party, read.data_date, entry, statement)
        checks.append(_check_statement(read, statement, found, context))
    for extra, _proof in given.values():  # rule 8
        checks.append(StatementCheck(extra, False, "not a statement this content and treaty call for"))
    return Verdict(tuple(checks), tuple(problems))


def _header_problems(
    bundle: ProofBundle, read: Commitments, treaty: Treaty, entry: tuple[int, str], party: str
) -> list[str]:
    problems = []
    for what, theirs, ours in (
        ("treaty", bundle.treaty, treaty.id),
        ("party", bundle.party, party),
        ("data date", bundle.data_date, read.data_date),
        ("ledger entry", f"#{bundle.entry[0]} {bundle.entry[1]}", f"#{entry[0]} {entry[1]}"),
    ):
        if theirs != ours:
            problems.append(f"the bundle is about {what} {theirs}, not {ours}")
    counted = {m.id for m in treaty.measures}
    problems += [
        f"the content commits to {m!r}, which {treaty.title} does not count" for m in read.measures if m not in counted
    ]
    return problems


def _check_statement(
    read: Commitments, required: Statement, found: tuple[Statement, bytes] | None, context: Mapping[str, str]
) -> StatementCheck:
    commitment = _commitment(read, required)
    if commitment is None:
        return StatementCheck(required, False, f"the content commits to no {required.measure!r}, which it must")
    if found is None:
        return StatementCheck(required, False, "missing: the bundle holds no proof of it")
    given, data = found
    if given.bound != required.bound:
        return StatementCheck(required, False, f"the bundle proves it against {given.bound}, not {required.bound}")
    if given.k != required.k:
        return StatementCheck(required, False, f"the bundle proves it over {given.k} bits, not {required.k}")
    try:
        proof = RangeProof.from_bytes(data)
        if required.bound is None:  # a range statement
            verify_range(commitment, proof, required.k, context)
        else:
            verify_at_most(commitment, proof, required.bound, required.k, context)
    except VerificationError as exc:
        return StatementCheck(required, False, str(exc))
    return StatementCheck(required, True)


__all__ = [
    "BUNDLE_FORMAT",
    "RANGE_BITS",
    "ProofBundle",
    "Statement",
    "StatementCheck",
    "Verdict",
    "binding_limits",
    "prove",
    "read_bundle",
    "required_statements",
    "verify",
    "warheads_measure",
]
