"""Escrow openings must be whole: a region's opening reveals every item the party committed there.

The defect this answers: an opening that revealed only part of a site reported "ok", because the commitment bound
no per-site count. A commitment now carries, per facility, a salted commitment to how many items it holds; an
opening gives that count and its salt, and must reveal exactly that many items, all at that facility. A commitment
also states, and signs, the date it is as of: an empty or malformed date is refused.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from detente.crypto.canonical import canonical
from detente.crypto.keys import PartyKey
from detente.errors import EscrowError
from detente.trust.escrow import (
    Commitment,
    Escrow,
    EscrowVerifier,
    check_as_of,
    opening_from_json,
    opening_to_json,
    region_commitment,
)

KEY = PartyKey.from_seed("US", bytes([51]) * 32)


def item(uid: str, facility: str, status: str = "deployed", warheads: int = 1) -> dict[str, Any]:
    return {"uid": uid, "system": "minuteman-iii", "kind": "launcher", "status": status, "facility": facility,
            "warheads": warheads}  # fmt: skip


DECLARATION = [
    *(item(f"FW-{i}", "fe-warren") for i in range(4)),
    *(item(f"MA-{i}", "malmstrom") for i in range(3)),
    item("MA-9", "malmstrom", "non-deployed", 0),
    item("MI-0", "minot"),
]


@pytest.fixture
def escrowed() -> tuple[Escrow, Commitment]:
    return Escrow.commit("US", "2020-09-01", DECLARATION, KEY)


def resigned(commitment: Commitment, **changes: Any) -> Commitment:
    """The party's own signature over a statement it changed: what it signs is its claim."""
    changed = replace(commitment, **changes)
    return replace(changed, signature=KEY.sign(canonical(changed.statement())))


def test_the_commitment_binds_a_hidden_count_per_facility(escrowed: tuple[Escrow, Commitment]) -> None:
    escrow, commitment = escrowed
    assert sorted(commitment.regions) == ["fe-warren", "malmstrom", "minot"]
    salt = escrow.region_salts["malmstrom"]
    assert commitment.regions["malmstrom"] == region_commitment("malmstrom", 4, salt)
    published = json.dumps(commitment.to_json())
    assert '"count"' not in published  # the counts are not in the commitment, only their salted hashes
    read = Commitment.from_json(json.loads(published))
    assert read == commitment
    read.verify_signature(KEY.public_key)


@pytest.mark.parametrize("kept_back", [1, 3])
def test_partial_opening_is_refused_by_name(escrowed: tuple[Escrow, Commitment], kept_back: int) -> None:
    escrow, commitment = escrowed
    verifier = EscrowVerifier(commitment)
    honest = escrow.open("malmstrom")
    partial = replace(honest, items=honest.items[:-kept_back])
    with pytest.raises(EscrowError, match=f"partial opening of 'malmstrom': {4 - kept_back} items revealed, 4 "):
        verifier.accept(partial)
    assert verifier.report()["opened"] == 0  # nothing of it is recorded
    assert len(verifier.accept(honest)) == 4  # the whole site opens


def test_partial_opening_cannot_claim_a_smaller_count(escrowed: tuple[Escrow, Commitment]) -> None:
    escrow, commitment = escrowed
    honest = escrow.open("malmstrom")
    for count in (0, 1, 3, 5):
        claimed = replace(honest, items=honest.items[:count], count=count)
        with pytest.raises(EscrowError, match=rf"the count given for 'malmstrom' \({count}\) is not the one"):
            EscrowVerifier(commitment).accept(claimed)
    with pytest.raises(EscrowError, match="is not the one committed"):
        EscrowVerifier(commitment).accept(replace(honest, count_salt=bytes(32)))
    with pytest.raises(EscrowError, match="is not the one committed"):
        EscrowVerifier(commitment).accept(replace(honest, count_salt=honest.count_salt[:31]))


def test_an_opening_padded_with_another_sites_item_is_refused(escrowed: tuple[Escrow, Commitment]) -> None:
    escrow, commitment = escrowed
    malmstrom, minot = escrow.open("malmstrom"), escrow.open("minot")
    padded = replace(malmstrom, items=(*malmstrom.items[:-1], minot.items[0]))  # 4 items, one of them at Minot
    with pytest.raises(EscrowError, match=f"position {minot.items[0].index} is at 'minot', not at 'malmstrom'"):
        EscrowVerifier(commitment).accept(padded)
    beyond = replace(minot, items=(*minot.items, malmstrom.items[0]))
    with pytest.raises(EscrowError, match="is at 'malmstrom', not at 'minot'"):
        EscrowVerifier(commitment).accept(beyond)


def test_a_site_committed_with_too_small_a_count_cannot_be_opened_whole(escrowed: tuple[Escrow, Commitment]) -> None:
    """The party signs malmstrom's count as 3 (it holds 4): every later view of the site is refused or left open."""
    escrow, commitment = escrowed
    salt = escrow.region_salts["malmstrom"]
    understated = resigned(
        commitment, regions={**commitment.regions, "malmstrom": region_commitment("malmstrom", 3, salt)}
    )
    honest = replace(escrow.open("malmstrom"), count=3)
    with pytest.raises(EscrowError, match="opening beyond its count of 'malmstrom': 4 items revealed, 3 committed"):
        EscrowVerifier(understated).accept(honest)
    verifier = EscrowVerifier(understated)
    verifier.accept(replace(honest, items=honest.items[:3]))  # three shown: what the party signed it would show
    verifier.accept(escrow.open("fe-warren"))
    verifier.accept(escrow.open("minot"))
    with pytest.raises(EscrowError, match="every committed facility is open, but 1 positions are not"):
        verifier.report()  # the fourth stays shut, and no region can take it: the party's own signature says so


def test_only_whole_committed_regions_open(escrowed: tuple[Escrow, Commitment]) -> None:
    escrow, commitment = escrowed
    with pytest.raises(EscrowError, match="one whole facility"):
        escrow.open("malmstrom", {"status": "deployed"})
    with pytest.raises(EscrowError, match="nothing is committed at 'whiteman'"):
        escrow.open("whiteman")
    renamed = replace(escrow.open("minot"), region="whiteman")
    with pytest.raises(EscrowError, match="holds no facility 'whiteman'"):
        EscrowVerifier(commitment).accept(renamed)


def test_opening_every_region_opens_every_position(escrowed: tuple[Escrow, Commitment]) -> None:
    escrow, commitment = escrowed
    verifier = EscrowVerifier(commitment)
    verifier.accept(escrow.open("fe-warren"))
    assert verifier.report()["unopened_regions"] == ["malmstrom", "minot"]
    verifier.accept(escrow.open("malmstrom"))
    verifier.accept(escrow.open("minot"))
    report = verifier.report()
    assert (report["complete"], report["unopened_regions"], report["unopened"]) == (True, [], 0)


def test_items_in_no_committed_region_are_named_once_every_region_is_open(
    escrowed: tuple[Escrow, Commitment],
) -> None:
    """A party that leaves a site out of its regions can open every region it names; the rest stays shut, named."""
    escrow, commitment = escrowed
    hidden = resigned(commitment, regions={r: c for r, c in commitment.regions.items() if r != "minot"})
    verifier = EscrowVerifier(hidden)
    verifier.accept(escrow.open("fe-warren"))
    verifier.accept(escrow.open("malmstrom"))
    with pytest.raises(EscrowError, match="every committed facility is open, but 1 positions are not"):
        verifier.report()


def test_an_opening_without_its_count_is_refused(escrowed: tuple[Escrow, Commitment]) -> None:
    escrow, _ = escrowed
    doc = opening_to_json(escrow.open("minot"))
    assert opening_from_json(json.loads(json.dumps(doc))) == escrow.open("minot")
    for missing in ("count", "count_salt"):
        with pytest.raises(EscrowError, match="with its region's count"):
            opening_from_json({k: v for k, v in doc.items() if k != missing})


def test_a_commitment_of_the_first_format_is_refused(escrowed: tuple[Escrow, Commitment]) -> None:
    _, commitment = escrowed
    old = {k: v for k, v in commitment.to_json().items() if k != "regions"} | {"format": "detente.escrow/1"}
    with pytest.raises(EscrowError, match="does not bind how many items each facility holds"):
        Commitment.from_json(old)
    with pytest.raises(EscrowError, match="not an escrow commitment"):
        Commitment.from_json({**commitment.to_json(), "regions": {"minot": "!!"}})
    with pytest.raises(EscrowError, match="32 bytes"):
        Commitment.from_json({**commitment.to_json(), "regions": {"minot": "AAAA"}})


BAD_DATES = ["", " ", "2020-9-1", "2020-09-31", "2020-02-30", "20200901", "2020-09-01T24:00:00Z",
             "2020-09-01T00:00:00", "2020-09-01T00:00:00+00:00", "2020-09-01 ", "latest"]  # fmt: skip


@pytest.mark.parametrize("as_of", BAD_DATES)
def test_an_empty_or_malformed_date_is_refused(as_of: str) -> None:
    with pytest.raises(EscrowError, match="as of"):
        Escrow.commit("US", as_of, DECLARATION, KEY)
    with pytest.raises(EscrowError, match="as of"):
        check_as_of(as_of)


def test_a_signed_commitment_with_a_malformed_date_is_refused_when_read(escrowed: tuple[Escrow, Commitment]) -> None:
    _, commitment = escrowed
    undated = resigned(commitment, as_of="")
    undated.verify_signature(KEY.public_key)  # signed by the party, and still no date
    with pytest.raises(EscrowError, match="as of ''"):
        Commitment.from_json(undated.to_json())
    for as_of in ("2020-09-01", "2020-09-01T12:30:00Z"):
        assert check_as_of(as_of) == as_of


def test_an_item_without_a_facility_cannot_be_escrowed() -> None:
    nowhere = {**item("X-1", "x"), "facility": ""}
    with pytest.raises(EscrowError, match="item 'X-1' has no facility"):
        Escrow.commit("US", "2020-09-01", [*DECLARATION, nowhere], KEY)


def test_the_secret_side_round_trips(escrowed: tuple[Escrow, Commitment]) -> None:
    escrow, commitment = escrowed
    again = Escrow.from_secret_json(json.loads(json.dumps(escrow.secret_json())))
    assert again.tree.root() == commitment.root
    assert EscrowVerifier(commitment).accept(again.open("minot"))
    doc = escrow.secret_json()
    with pytest.raises(EscrowError, match="do not match"):
        Escrow.from_secret_json({**doc, "region_salts": {}})
    with pytest.raises(EscrowError, match="not an escrow secret"):
        Escrow.from_secret_json({**doc, "format": "detente.escrow-secret/1"})
