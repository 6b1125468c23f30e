"""What an inspection found, against what the inspected party had declared at that moment.

An inspection report (notification type ``inspection``) lists the items the inspectors saw at a site and the
RVs they counted on designated missiles. Compared with the inspected party's declared state at the time of the
inspection, each difference is one discrepancy, of one of five kinds:

- ``missing`` — declared at the site, not found there (when the inspection checks items);
- ``undeclared`` — found there, never declared (or its uid unknown);
- ``wrong-facility`` — found there, declared at another facility;
- ``wrong-status`` — found with another status than declared (including an item declared eliminated found
  intact, or one declared converted found unconverted);
- ``wrong-warheads`` — a designated missile carries another number of RVs than declared.

Only what the inspection's type checks is compared (:class:`detente.treaty.inspections.Check`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from detente.forces.vocabulary import Status
from detente.ledger.state import PartyState
from detente.treaty.inspections import Check, InspectionType


@dataclass(frozen=True)
class Discrepancy:
    """One difference between findings and the declaration."""

    kind: str  # missing, undeclared, wrong-facility, wrong-status, wrong-warheads
    uid: str
    declared: str
    found: str

    def describe(self, party: str, site: str) -> str:
        """One line: who, where, what was declared and what was found."""
        return f"{party} at {site}: {self.uid} {self.kind} (declared {self.declared}, found {self.found})"


def compare(content: dict[str, Any], declared: PartyState, itype: InspectionType) -> list[Discrepancy]:
    """Every discrepancy between an inspection's findings (its content) and the declared state, in uid order."""
    site = content["site"]
    checks = set(itype.checks)
    found: list[Discrepancy] = []
    seen = {s["uid"]: s for s in content["seen"]}
    at_site = {uid: item for uid, item in declared.items.items() if item.facility == site}
    for uid, s in seen.items():
        status = s["status"]
        item = declared.items.get(uid)
        if item is None:
            if uid in declared.retired:
                if Check.ELIMINATIONS in checks and status != Status.ELIMINATED.value:
                    found.append(Discrepancy("wrong-status", uid, "eliminated", status))
            elif Check.ITEMS in checks:
                found.append(Discrepancy("undeclared", uid, "nothing", f"{s.get('system', 'an item')} {status}"))
            continue
        if item.facility != site:
            found.append(Discrepancy("wrong-facility", uid, item.facility, site))
        converted_check = Check.CONVERSIONS in checks and Status.CONVERTED.value in (status, item.status.value)
        if (Check.ITEMS in checks or converted_check) and item.status.value != status:
            found.append(Discrepancy("wrong-status", uid, item.status.value, status))
    if Check.ITEMS in checks:
        found += [Discrepancy("missing", uid, f"at {site}", "absent") for uid in at_site if uid not in seen]
    if Check.WARHEADS in checks:
        for d in content.get("designated", []):
            item = declared.items[d["uid"]]  # the rules made sure it is a declared deployed missile at the site
            expected = item.pending_warheads if item.pending_warheads is not None else item.warheads
            if expected != d["warheads"]:
                found.append(Discrepancy("wrong-warheads", d["uid"], str(expected), str(d["warheads"])))
    return sorted(found, key=lambda d: (d.uid, d.kind))
