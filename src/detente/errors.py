"""The one family of errors detente raises.

Every error derives from :class:`DetenteError`. An error a user can fix by changing their input derives from
:class:`InputError`: it says *where* (file, line or field) and *why*, and the CLI prints it and exits with code 2
(the API will answer it with a 4xx). Anything else is a bug or an environment fault and is reported as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Location:
    """Where in the user's input a problem is: a file, a line in it, and a field (dotted path or column)."""

    file: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file is not None:
            parts.append(self.file if self.line is None else f"{self.file}:{self.line}")
        elif self.line is not None:
            parts.append(f"line {self.line}")
        if self.field:
            parts.append(self.field)
        return ": ".join(parts)

    @classmethod
    def of(cls, file: str | Path | None = None, line: int | None = None, field: str | None = None) -> Location:
        """Build a location, accepting paths."""
        return cls(None if file is None else str(file), line, field)


class DetenteError(Exception):
    """Root of every error detente raises."""


class InputError(DetenteError):
    """Bad input from a user: a file, an argument or a name. Carries where it is and why it was refused."""

    def __init__(self, why: str, where: Location | None = None, hint: str | None = None) -> None:
        self.why = why
        self.where = where or Location()
        self.hint = hint
        super().__init__(self.message())

    def message(self) -> str:
        """The text shown to the user: where, why, and what to do if we know."""
        where = str(self.where)
        text = f"{where}: {self.why}" if where else self.why
        if self.hint:
            text += f" ({self.hint})"
        return text


class FileFormatError(InputError):
    """A file could not be read as the format it claims: truncated, not TOML/JSON/CSV, wrong encoding."""


class OutputFileError(InputError):
    """A file cannot be written where asked: its folder is missing, the path is a directory, or it exists."""


class TreatyError(InputError):
    """A treaty file or treaty reference is invalid: schema, undefined measure, unknown variant."""


class CatalogError(InputError):
    """A system type is unknown or a catalog file is invalid."""


class AmbiguousSystemError(CatalogError):
    """A system name that may mean several types (``Bear``: Tu-95MS or a non-ALCM Bear); lists the candidates."""

    def __init__(
        self, why: str, where: Location | None = None, hint: str | None = None, candidates: tuple[str, ...] = ()
    ) -> None:
        self.candidates = candidates
        super().__init__(why, where, hint)


class ForceError(InputError):
    """A force file is invalid: unknown system or status, negative count, duplicate unique identifier."""


class CountingError(InputError):
    """A force cannot be counted under a treaty, e.g. a system with no attributed warheads in the treaty."""


class DataError(InputError):
    """A query on shipped data named something that does not exist (party, date, measure)."""


class ChainError(DetenteError):
    """A ledger's entries do not verify; names the party, the first bad sequence number and why."""

    def __init__(self, party: str, seq: int, why: str) -> None:
        self.party = party
        self.seq = seq
        self.why = why
        super().__init__(f"{party} ledger, entry #{seq}: {why}")


class NodeError(InputError):
    """A node directory, its configuration or a request to it that cannot be used as it is."""


class PeerRequestError(DetenteError):
    """A request a node refuses, with the HTTP status its protocol gives for the reason.

    For ``add-checkpoint`` (C2SP tlog-witness): 400 malformed, 403 not signed by a trusted key, 404 unknown log,
    409 an old size that is not the node's (``size`` is the node's), 422 a proof or a peer's tiles or entries that
    do not hold, 503 the peer's tiles could not be fetched (try again).
    """

    def __init__(self, status: int, why: str, size: int | None = None) -> None:
        self.status = status
        self.why = why
        self.size = size
        super().__init__(why)


class FramingError(InputError):
    """An entry too long for a bundle's length field (tlog-tiles frames at most 65,535 bytes an entry).

    That bundle does not exist in that format; the entry travels in detente's signed bundles instead.
    """


class LedgerError(InputError):
    """A request the ledger cannot take: unknown party, wrong key, a party registered twice."""


class CanonicalError(InputError):
    """A payload cannot be signed: it holds a float, an unsafe integer, a non-string key or bad Unicode."""


class NotificationError(InputError):
    """A notification was refused: it breaks a schema, reference, state-machine, ordering or chain rule."""


class KeyFileError(InputError):
    """A key file is missing, malformed, too widely readable, or belongs to another party."""


class StoreError(DetenteError):
    """The database refused an operation or could not be reached; the message carries its reason."""


class ConflictError(StoreError):
    """Another writer appended to the party's log since this batch was made: it no longer follows the head."""


class LedgerAddressError(InputError, StoreError):
    """A ledger address is neither a SQLite file path nor a database URL detente can open (SQLite, PostgreSQL)."""


class EscrowError(InputError):
    """A commitment or an opening does not verify; names the position and the rule."""


class MisbehaviourError(DetenteError):
    """The watched log presented a rollback, a fork or an inconsistent history; carries offline evidence."""

    def __init__(self, kind: str, why: str, evidence: dict[str, Any]) -> None:
        self.kind = kind
        self.why = why
        self.evidence = evidence
        super().__init__(f"{kind}: {why}")


class NoteError(InputError):
    """A signed note, checkpoint or cosignature is malformed or does not verify."""


class ProofError(DetenteError):
    """An inclusion or consistency proof, or a stored tree, does not verify; the message says which rule failed."""


class TreeError(InputError):
    """The tree was asked for something it does not have, or given something that is not a tree's."""


class WithheldError(DetenteError):
    """A checkpoint covers entries the party has not delivered (rule 7)."""

    def __init__(self, origin: str, size: int, delivered: int) -> None:
        self.origin = origin
        self.size = size
        self.delivered = delivered
        super().__init__(
            f"{origin}: checkpoint covers {size} entries, only {delivered} delivered: "
            f"#{delivered + 1}..#{size} withheld (ask the party for them; a log that signed for them has them)"
        )

    @property
    def withheld(self) -> range:
        """The sequence numbers withheld."""
        return range(self.delivered + 1, self.size + 1)


class RootMismatchError(DetenteError):
    """A checkpoint's root is not the root of the entries delivered (rule 8): the party showed two histories."""

    def __init__(self, origin: str, size: int, signed: bytes, delivered: bytes, note: str) -> None:
        self.origin = origin
        self.size = size
        self.signed = signed
        self.delivered = delivered
        self.note = note
        super().__init__(
            f"{origin}: checkpoint of size {size} has root {signed.hex()[:16]}…, but the first {size} entries "
            f"delivered hash to {delivered.hex()[:16]}…: the entries delivered are not the ones the log signed "
            "for (keep the note and the entries: both are signed by the party)"
        )


class StatisticsError(InputError):
    """Parameters a detection probability cannot be computed from: a probability outside [0, 1], M > N, n < 0."""


class InspectionError(InputError):
    """An inspection that cannot be planned or recorded: unknown facility or type, quota used up, bad findings."""


class PlanningError(InputError):
    """A proposal or plan that cannot be built: unknown base treaty, bad bounds, an infeasible constraint."""


class VerificationError(DetenteError):
    """Something was checked and does not hold: a signature, a proof, a checkpoint, a ledger, evidence.

    Not bad input: a finding about whoever made what was checked. The message says what was checked, against what,
    and the first rule that failed.
    """


class RefusedCheckpointError(VerificationError):
    """A witness did not cosign a signed checkpoint because it is not shown to extend the last one it cosigned.

    ``kind`` says why: ``rollback`` (a smaller size), ``no-proof`` (a larger size without a consistency proof) or
    ``bad-proof`` (the proof given fails). None of them is evidence against the log: an old note can be re-sent by
    anyone, and consistency proofs are not signed. The log clears it by sending a proof from the witnessed size.
    """

    def __init__(self, kind: str, why: str) -> None:
        self.kind = kind
        self.why = why
        super().__init__(f"not cosigned ({kind}): {why}")


class CheckpointError(VerificationError):
    """A checkpoint recorded in a ledger does not hold against the party's key or entries; ``why`` names its size."""

    def __init__(self, party: str, size: int, why: str) -> None:
        self.party = party
        self.size = size
        self.why = why
        super().__init__(f"{party} ledger: {why}")
