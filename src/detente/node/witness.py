"""The node as a witness of its peers' logs: C2SP tlog-witness ``add-checkpoint``, with the mirror behind it.

A request body is ``old <size>``, up to 63 base64 consistency-proof lines, an empty line, and a signed checkpoint.
It is checked in this order; the first failure answers with the spec's status (:class:`PeerRequestError`):

1. The body is UTF-8 text of that shape; sizes are decimal without leading zeros; each proof line is a 32-byte
   hash; the checkpoint is a well-formed signed note (else 400).
2. Its origin is the log of a configured peer (else 404).
3. The key the peer's log holds at the checkpoint's size signed it (else 403): the configured key, or the key the
   last rotation up to that size names (rule 12 of :mod:`detente.ledger.rules`). A rotation among entries not yet
   mirrored is learnt by fetching and checking them without storing anything. Other signature lines are ignored.
4. The old size is not above the checkpoint's (else 400).
5. The old size is the size of the last checkpoint this node recorded for the peer, 0 if none (else 409, and the
   node's size, so the peer can resend from there).
6. A checkpoint of size 0 has the empty tree's root, and a request from old size 0 has no proof (else 422).
7. At the recorded size, the root must be the recorded one: a different root is a fork. It is answered 422, kept
   as offline evidence (the two notes the peer signed; ``detente trust check-evidence`` checks it) and raised as
   an alarm. The same root is a repeated delivery, answered as the first was.
8. Above it, the consistency proof from the recorded checkpoint to this one must verify (else 422).
9. The node mirrors the peer's log up to the checkpoint (:mod:`detente.node.mirror`: fetched, hashed against the
   root, every entry verified, appended). Only then is the checkpoint recorded, under the store's write lock,
   and only if it is still above the last recorded one (else 409: another request recorded first). So the old-size
   check and the new state are one step, and a cosignature always means "archived".
10. The node cosigns (tlog-cosignature v1, under its own log's name and key, at the node's clock), keeps the
    cosignature beside the peer's checkpoint, and answers 200 with the cosignature line. One cosignature is kept
    per size, the first: a repeated delivery (rule 7), or a request that raced another to the same size, is
    answered with the kept line, byte for byte, so that the peer and this node keep the same receipt.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable

from detente.crypto.merkle import EMPTY_ROOT, HASH_SIZE, ProofError, verify_consistency
from detente.crypto.note import COSIGNATURE_V1, SignedNote, Verifier, cosign, parse_note, verify_note, verify_signature
from detente.errors import ConflictError, NoteError, PeerRequestError
from detente.ledger import CheckpointRecord, CosignatureRecord, key_at_size
from detente.ledger.chain import key_periods
from detente.node.config import Peer
from detente.node.mirror import Alarm, Fetch, checked_entries, fetched_rotations, follow, rotations_up_to
from detente.node.runtime import Node
from detente.trust import fork_evidence

MAX_BODY = 64 * 1024
"""The largest add-checkpoint body read: 63 proof lines and a checkpoint with many signatures fit many times over."""
_SIZE = re.compile(r"0|[1-9][0-9]{0,18}")
_MAX_PROOF = 63

Alarms = Callable[[str, str, str, dict[str, object] | None], None]
"""Record an alarm: (peer party, kind, what happened, evidence or None)."""


def _parse(body: bytes) -> tuple[int, list[bytes], SignedNote]:
    """Rule 1."""
    if len(body) > MAX_BODY:
        raise PeerRequestError(400, f"the body is over {MAX_BODY} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise PeerRequestError(400, "the body is not UTF-8") from None
    head, sep, note_text = text.partition("\n\n")
    if not sep:
        raise PeerRequestError(400, "the body has no empty line between the old size and proof, and the checkpoint")
    lines = head.split("\n")
    old_line = lines[0]
    if not old_line.startswith("old ") or not _SIZE.fullmatch(old_line[4:]):
        raise PeerRequestError(400, "the body must start with 'old <size>' (decimal, no leading zeros)")
    if len(lines) - 1 > _MAX_PROOF:
        raise PeerRequestError(400, f"the consistency proof has {len(lines) - 1} lines; at most {_MAX_PROOF}")
    proof = []
    for i, line in enumerate(lines[1:], 1):
        try:
            digest = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError):
            digest = b""
        if len(digest) != HASH_SIZE:
            raise PeerRequestError(400, f"proof line {i} is not a base64 SHA-256 hash")
        proof.append(digest)
    try:
        note = parse_note(note_text)
        note.checkpoint()
    except NoteError as exc:
        raise PeerRequestError(400, f"the checkpoint is not a signed checkpoint note: {exc}") from None
    return int(old_line[4:]), proof, note


def add_checkpoint(node: Node, body: bytes, fetch_for: Callable[[str], Fetch], alarm: Alarms) -> str:
    """Rules 1–10: check, mirror, record and cosign a peer's checkpoint; return the cosignature line(s)."""
    old, proof, note = _parse(body)
    checkpoint = note.checkpoint()
    peer = node.config.peer_by_origin(checkpoint.origin)
    if peer is None:
        raise PeerRequestError(404, f"this node witnesses no log named {checkpoint.origin!r}")
    size = checkpoint.size
    if not _signed_by_log(node, peer, note, lambda: fetch_for(peer.base), alarm):
        raise PeerRequestError(403, f"the checkpoint is not signed by the key {peer.party}'s log holds at size {size}")
    if old > size:
        raise PeerRequestError(400, f"old size {old} is above the checkpoint's size {size}")
    latest = node.latest(peer.party)
    last = latest.size if latest else 0
    if old != last:
        raise PeerRequestError(409, f"this node last recorded {peer.party}'s log at size {last}, not {old}", last)
    if size == 0 and checkpoint.root != EMPTY_ROOT:
        raise PeerRequestError(422, "a checkpoint of size 0 must have the empty tree's root")
    if old == 0 and proof:
        raise PeerRequestError(422, "a request from old size 0 carries no consistency proof")
    if latest is not None and size == last:
        if checkpoint.root != latest.root:
            evidence = fork_evidence(peer.verifier, latest.note, note.text())
            why = f"{peer.party} signed two roots for size {size}: a fork"
            alarm(peer.party, "fork", why, evidence)
            raise PeerRequestError(422, why)
    elif latest is not None:
        try:
            verify_consistency(last, size, latest.root, checkpoint.root, proof)
        except ProofError as exc:
            raise PeerRequestError(422, f"the consistency proof from size {last} to {size} fails: {exc}") from None
    if size > last:  # at the recorded size, the root was checked against the mirror when it was recorded
        _mirror_and_record(node, peer, note, fetch_for(peer.base), alarm)
    kept = _kept(node, peer.party, note) if size and size == last else None  # a repeated delivery (rule 7)
    if kept is not None:
        return kept + "\n"
    timestamp = int(node.clock().timestamp())
    line = cosign(note, node.config.origin, node.key, timestamp).line()
    if size and not node.store.add_cosignature(CosignatureRecord(peer.party, size, node.config.origin, line)):
        line = _kept(node, peer.party, note) or line  # another request kept one first: answer with that one
    return line + "\n"


def _mirror_and_record(node: Node, peer: Peer, note: SignedNote, fetch: Fetch, alarm: Alarms) -> None:
    """Rule 9 (and rule 3's key, where the entries fetched rotate it): mirror up to the checkpoint, then record it."""
    checkpoint = note.checkpoint()
    size = checkpoint.size
    raised: Alarm = lambda kind, why: alarm(peer.party, kind, why, None)  # noqa: E731
    if size > node.store.tree_size(peer.party):
        entries = checked_entries(node, peer.party, checkpoint, fetch, raised)
        periods = key_periods(node.ledger.party(peer.party).public_key, rotations_up_to(node, peer.party, entries))
        if not _verifies(note, Verifier(checkpoint.origin, key_at_size(periods, size).public_key)):
            raise PeerRequestError(403, f"the checkpoint is not signed by the key {peer.party}'s log holds at {size}")
        node.ledger.import_entries(node.ledger.party(peer.party), entries)
    else:
        follow(node, peer.party, checkpoint, fetch, raised)
    try:
        node.store.record_checkpoint(CheckpointRecord(peer.party, size, checkpoint.root, note.text()))
    except ConflictError:
        now = node.latest(peer.party)
        raise PeerRequestError(409, "another request recorded a checkpoint first", now.size if now else 0) from None


def _verifies(note: SignedNote, log: Verifier) -> bool:
    try:
        verify_note(note, log)
    except NoteError:
        return False
    return True


def _signed_by_log(node: Node, peer: Peer, note: SignedNote, fetch: Callable[[], Fetch], alarm: Alarms) -> bool:
    """Rule 3: signed by the key the peer's log holds at the checkpoint's size.

    That key is the configured (registered) key, or the key the last rotation up to that size names. Rotations the
    node has mirrored are known; one among the entries the checkpoint covers but not yet mirrored is learnt by
    fetching and checking those entries without storing any, so a checkpoint signed by no key of the log's leaves
    nothing behind.
    """
    checkpoint = note.checkpoint()
    registered = node.ledger.party(peer.party).public_key
    rotations = node.ledger.state(peer.party).rotations
    signer = key_at_size(key_periods(registered, rotations), checkpoint.size)
    if _verifies(note, Verifier(checkpoint.origin, signer.public_key)):
        return True
    if checkpoint.size <= node.store.tree_size(peer.party):
        return False  # every rotation up to that size is mirrored: the key above is the one
    try:  # no alarm here: a note signed by some other key proves nothing against the log, and anyone can send one
        rotations = fetched_rotations(node, peer.party, checkpoint, fetch(), lambda _kind, _why: None)
    except PeerRequestError as exc:
        if exc.status != 422:
            raise  # the tiles could not be fetched: try again later
        return False
    signer = key_at_size(key_periods(registered, rotations), checkpoint.size)
    return _verifies(note, Verifier(checkpoint.origin, signer.public_key))


def _kept(node: Node, party: str, note: SignedNote) -> str | None:
    """Rule 10: the cosignature line this node keeps for the checkpoint, if one verifies over this note's body."""
    own = Verifier(node.config.origin, node.key.public_key, COSIGNATURE_V1)
    size = note.checkpoint().size
    for kept in node.store.cosignatures(party):
        if kept.size != size or kept.cosigner != own.name:
            continue
        try:
            signature = parse_note(note.body + "\n" + kept.line + "\n").signatures[0]
        except NoteError:
            continue
        if verify_signature(note, signature, own) is not None:
            return kept.line
    return None


__all__ = ["MAX_BODY", "Alarms", "add_checkpoint"]
