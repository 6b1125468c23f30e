"""View 9, treaties and proposals: the built-in treaties' limits and rules, the proposals, and where forces stand.

What the page shows, and the command each part equals:

1. Every built-in treaty with its dates (``detente treaty list --json``, the dates from ``detente treaty show ID
   --json``), and every limit of every treaty, one row per treaty and limit, with the dates it applies from and
   until.
2. One treaty chosen with ``?treaty=`` (default: the ledger's): its counting rules as tables of terms, definitions
   (each variant's replacements beside the definition as agreed) and attributed numbers, read from the same model
   dump ``detente treaty show ID --json`` prints.
3. The built-in proposals (``detente proposals list --json``).
4. The zone of agreement (``detente proposals zone FORCE --json``): which proposals every party meets, or can
   meet by the deadline. The force is ``?force=``: ``ledger`` (the default) is every party's declared force at
   the as-of date, the force ``detente proposals zone`` reads when the ledger's state is written to a force file
   and judged ``--date`` that day; a shipped force is judged on its own date, as the command does by default.
5. The December 2009 bomber dispute (``detente proposals bomber-dispute FORCE --json``): one force counted under
   the US and the Russian position, per bomber type, with the groups of items that make the difference.
   ``?bombers=`` picks the force: the command's default ``us-2009-12`` (on its own date), another shipped force,
   or ``ledger`` (the declared force at the as-of date).

The library functions are the commands' own (:func:`detente.planning.compare.compare_proposals`,
:func:`~detente.planning.compare.reading_difference`); the words for a proposal's deadline and a term's value
are the CLI's, written again here because the web may not import the CLI.
"""

from __future__ import annotations

import datetime as dt

from detente.counting import Reading
from detente.data.forces import load_force, shipped_force_names
from detente.forces.model import Force
from detente.ledger import to_force
from detente.planning.compare import (
    Comparison,
    ItemGroup,
    ReadingDifference,
    compare_proposals,
    merge_forces,
    reading_difference,
)
from detente.planning.proposals import Proposal, builtin_proposals
from detente.treaty.load import builtin_treaties
from detente.treaty.model import Definition, Term, Treaty, Value
from detente.web.page import Page, Query, choice_field, date_field
from detente.web.source import Source
from detente.web.tables import Cell, Column, Table

LEDGER = "ledger"  # the force choice that means the ledger's declared force at the as-of date
BOMBER_POSITIONS = ("us-dec-2009-bombers", "ru-dec-2009-bombers")  # as ``detente proposals bomber-dispute``
DISPUTE_DEFAULT = "us-2009-12"  # the force ``detente proposals bomber-dispute`` counts by default
DISPUTE_DATE = dt.date(2009, 12, 5)  # its date when a force has none
FILTERS = ("category", "basing", "system", "kind", "status", "armament", "role", "facility_kind")
VALUE_WORDS = {
    Value.ITEMS: "1",
    Value.WARHEADS: "its declared warheads",
    Value.ATTRIBUTED: "its attributed warheads",
    Value.ALCM_CAPACITY: "its ALCM capacity",
    Value.MAX_RVS: "its type's maximum RVs",
}


def build(source: Source, query: Query) -> Page:
    """The treaties, one treaty's rules (``?treaty=``), the proposals, the zone (``?force=``), the dispute."""
    when = date_field(source, query)
    treaties = builtin_treaties()
    forces = [LEDGER, *shipped_force_names()]
    default = source.treaty_id() if source.treaty_id() in treaties else next(iter(treaties))
    chosen = treaties[choice_field(query, "treaty", list(treaties), default) or default]
    zone_force = choice_field(query, "force", forces, LEDGER) or LEDGER
    dispute_force = choice_field(query, "bombers", forces, DISPUTE_DEFAULT) or DISPUTE_DEFAULT
    comparison = source.kept(("proposals-zone", zone_force, when), lambda: _zone(source, zone_force, when))
    difference = source.kept(("bomber-dispute", dispute_force, when), lambda: _dispute(source, dispute_force, when))
    positions = [builtin_proposals()[name] for name in BOMBER_POSITIONS]
    names = (positions[0].variants[0].name, positions[1].variants[0].name)
    tables = [
        _treaties_table(treaties),
        _limits_table(treaties),
        _terms_table(chosen),
        _definitions_table(chosen),
        *([_attribution_table(chosen)] if chosen.attribution else []),
        _proposals_table(list(builtin_proposals().values())),
        _zone_table(comparison, _command("zone", zone_force, when)),
        _standings_table(comparison, _command("zone", zone_force, when)),
        _dispute_totals(difference, names, _command("bomber-dispute", dispute_force, when)),
        _dispute_types(difference, names, _command("bomber-dispute", dispute_force, when)),
    ]
    return Page(
        "Treaties and proposals",
        "treaties.html",
        tables,
        facts={
            "treaty": chosen,
            "treaties": list(treaties),
            "forces": forces,
            "force": zone_force,
            "bombers": dispute_force,
            "zone_as_of": comparison.as_of,
            "dispute_as_of": difference.a.as_of,
            "positions": [p.variants[0] for p in positions],
        },
        date=when,
        intro="The built-in treaties' limits and counting rules side by side, the proposals of 2009 and after, "
        "which of them every party could accept, and the December 2009 dispute over bombers, counted.",
    )


# ---------------------------------------------------------------------------------------------- forces


def _force(source: Source, choice: str, when: dt.date) -> Force:
    """The ledger's declared force at ``when`` (every party), or a shipped force."""
    if choice == LEDGER:
        return source.kept(("declared-force", when), lambda: to_force(source.states(when), source.catalog, when))
    return load_force(choice, source.catalog)


def _zone(source: Source, choice: str, when: dt.date) -> Comparison:
    """As ``detente proposals zone FORCE``: every built-in proposal, on the force's date (the ledger's: ``when``)."""
    force = _force(source, choice, when)
    as_of = when if choice == LEDGER else (force.info.as_of or when)
    return compare_proposals([force], list(builtin_proposals().values()), as_of)


def _dispute(source: Source, choice: str, when: dt.date) -> ReadingDifference:
    """As ``detente proposals bomber-dispute FORCE``: one force under the US and the Russian position."""
    force = merge_forces([_force(source, choice, when)])
    as_of = when if choice == LEDGER else (force.info.as_of or DISPUTE_DATE)
    a, b = (Reading(p.treaty, p.variants) for p in (builtin_proposals()[n] for n in BOMBER_POSITIONS))
    return reading_difference(force, a, b, as_of)


def _command(command: str, choice: str, when: dt.date) -> str:
    """The command a part equals; for the ledger's force, FORCE is its declared state written as a force file."""
    if choice == LEDGER:
        return f"detente proposals {command} FORCE --date {when} --json (FORCE: the ledger's declared force on {when})"
    return f"detente proposals {command} {choice} --json"


# ---------------------------------------------------------------------------------------------- treaties


def _treaties_table(treaties: dict[str, Treaty]) -> Table:
    table = Table(
        "treaties",
        "The built-in treaties",
        [
            Column("id", "Treaty"),
            Column("name", "Name"),
            Column("kind", "Kind"),
            Column("signed", "Signed"),
            Column("entry_into_force", "In force from"),
            Column("limits_due", "Limits due"),
            Column("expires", "Expires"),
            Column("variants", "Readings in dispute"),
        ],
        source="detente treaty list --json; the dates: detente treaty show ID --json",
    )
    for t in treaties.values():
        d = t.dates
        table.rows.append(
            {
                "id": Cell(t.id, f"/treaties?treaty={t.id}#terms", "its counting rules"),
                "name": t.title,
                "kind": t.kind,
                "signed": _day(d.signed),
                "entry_into_force": _day(d.entry_into_force),
                "limits_due": _day(d.limits_due),
                "expires": _day(d.expires),
                "variants": ", ".join(v.id for v in t.variants) or None,
            }
        )
    return table


def _limits_table(treaties: dict[str, Treaty]) -> Table:
    table = Table(
        "limits",
        "Every limit of every treaty",
        [
            Column("treaty", "Treaty"),
            Column("measure", "Measure"),
            Column("limit", "Limit"),
            Column("upper", "Most that complies", numeric=True),
            Column("min", "Range from", numeric=True),
            Column("parties", "Binds"),
            Column("from", "From"),
            Column("until", "Until"),
            Column("article", "Article"),
        ],
        source="detente treaty show ID --json (limits)",
        note="A limit with no date applies from entry into force; one below N lets at most N − 1 comply.",
    )
    for t in treaties.values():
        for limit in t.limits:
            measure = t.measure(limit.measure)
            table.rows.append(
                {
                    "treaty": Cell(t.title, f"/treaties?treaty={t.id}#terms", "its counting rules"),
                    "measure": Cell(limit.measure, "", measure.name),
                    "limit": Cell(limit.describe(), "", limit.note),
                    "upper": limit.upper,
                    "min": limit.min,
                    "parties": ", ".join(limit.parties or t.party_ids()),
                    "from": _day(limit.from_),
                    "until": _day(limit.until),
                    "article": limit.article or None,
                }
            )
    return table


def _terms_table(treaty: Treaty) -> Table:
    table = Table(
        "terms",
        f"What counts under {treaty.title}: each measure's terms",
        [
            Column("measure", "Measure"),
            Column("term", "Term"),
            Column("select", "Items of"),
            Column("value", "Each counts"),
            Column("cap", "Ceiling per item"),
            Column("first", "First items"),
            Column("article", "Article"),
        ],
        source=f"detente treaty show {treaty.id} --json (measures)",
        note="A measure is the sum of its terms; a term counts the items of a definition (below).",
    )
    for m in treaty.measures:
        for term in m.terms:
            table.rows.append(
                {
                    "measure": Cell(m.id, "", m.name),
                    "term": term.name,
                    "select": Cell(term.select, f"/treaties?treaty={treaty.id}#definitions", "see the definitions"),
                    "value": _value_words(term),
                    "cap": ", ".join(f"{p} {v:,}" for p, v in term.cap.items()) or None,
                    "first": _first_words(term) or None,
                    "article": m.article or None,
                }
            )
    return table


def _definitions_table(treaty: Treaty) -> Table:
    table = Table(
        "definitions",
        f"The definitions of {treaty.title}, and what each reading in dispute replaces",
        [
            Column("reading", "Reading"),
            Column("name", "Definition"),
            Column("selects", "Selects"),
            Column("except", "Except"),
            Column("description", "In words"),
        ],
        source=f"detente treaty show {treaty.id} --json (definitions; variants)",
    )
    rows = [("as agreed", name, d) for name, d in treaty.definitions.items()]
    rows += [(f"{v.id} ({v.name})", name, d) for v in treaty.variants for name, d in v.definitions.items()]
    for reading, name, d in rows:
        table.rows.append(
            {
                "reading": reading,
                "name": name,
                "selects": _selects(d),
                "except": ", ".join(d.exclude) or None,
                "description": d.description or None,
            }
        )
    return table


def _attribution_table(treaty: Treaty) -> Table:
    table = Table(
        "attribution",
        f"Warheads attributed by {treaty.title}, per system type",
        [Column("system", "System type"), Column("warheads", "Attributed warheads", numeric=True)],
        source=f"detente treaty show {treaty.id} --json (attribution)",
    )
    table.rows = [{"system": s, "warheads": n} for s, n in treaty.attribution.items()]
    return table


def _selects(d: Definition) -> str:
    if d.any_of is not None:
        return "any of " + ", ".join(d.any_of)
    parts = []
    for name in FILTERS:
        allowed = getattr(d, name)
        if allowed is not None:
            parts.append(f"{name.replace('_', ' ')} in {{{', '.join(str(a) for a in allowed)}}}")
    if d.heavy is not None:
        parts.append("heavy ICBMs only" if d.heavy else "no heavy ICBMs")
    return " and ".join(parts) or "every item"


def _value_words(term: Term) -> str:
    value = term.value
    return f"{value:,}" if isinstance(value, int) else VALUE_WORDS[value]


def _first_words(term: Term) -> str:
    if not term.first:
        return ""
    firsts = ", ".join(f"{p}: the first {r.count:,} count {r.value:,}" for p, r in term.first.items())
    order = ", then ".join(k.by + (f" ({', '.join(k.first)} first)" if k.first else "") for k in term.order)
    return f"{firsts}; in order of {order}"


# ---------------------------------------------------------------------------------------------- proposals


def _proposals_table(proposals: list[Proposal]) -> Table:
    table = Table(
        "proposals",
        "The built-in proposals",
        [
            Column("id", "Proposal"),
            Column("name", "Name"),
            Column("extends", "Based on"),
            Column("parties", "Parties"),
            Column("limits", "Limits"),
            Column("reading", "Read under"),
            Column("deadline", "To be met"),
            Column("proposed_by", "Proposed by"),
            Column("label", "What it is"),
        ],
        source="detente proposals list --json",
    )
    for p in proposals:
        table.rows.append(
            {
                "id": p.id,
                "name": p.title,
                "extends": p.treaty.extends,
                "parties": ", ".join(p.treaty.party_ids()),
                "limits": "; ".join(f"{lim.measure} {lim.describe()}" for lim in p.treaty.limits),
                "reading": ", ".join(v.id for v in p.variants) or None,
                "deadline": p.deadline_text,
                "proposed_by": ", ".join(p.terms.proposed_by) or None,
                "label": p.terms.label,
            }
        )
    return table


def _zone_table(comparison: Comparison, command: str) -> Table:
    zone = comparison.zone()
    table = Table(
        "zone",
        f"The zone of agreement on {comparison.as_of}",
        [
            Column("proposal", "Proposal"),
            Column("deadline", "Deadline"),
            Column("now", "Every party meets it now"),
            Column("by_deadline", "Every party can meet it by the deadline"),
            Column("missing", "No data for"),
        ],
        source=command,
        note="A proposal with a party no force holds items of stays out of the zone.",
    )
    for r in comparison.results:
        spec = r.proposal.spec
        table.rows.append(
            {
                "proposal": Cell(spec, "", r.proposal.title),
                "deadline": _day(r.deadline),
                "now": spec in zone.now,
                "by_deadline": spec in zone.by_deadline,
                "missing": ", ".join(zone.incomplete.get(spec, ())) or None,
            }
        )
    return table


def _standings_table(comparison: Comparison, command: str) -> Table:
    table = Table(
        "standings",
        f"Where each party stands under each proposal, on {comparison.as_of}",
        [
            Column("proposal", "Proposal"),
            Column("party", "Party"),
            Column("standing", "Standing"),
            Column("required", "Cuts required"),
            Column("per_year", "Per year"),
            Column("years", "Years left", numeric=True),
            Column("why", "Why"),
        ],
        source=command,
    )
    for r in comparison.results:
        for s in r.standings:
            table.rows.append(
                {
                    "proposal": r.proposal.spec,
                    "party": s.party,
                    "standing": s.standing.value,
                    "required": ", ".join(f"{m} {n:,}" for m, n in s.required.items()) or None,
                    "per_year": ", ".join(f"{m} {round(v, 1):,}" for m, v in s.per_year.items()) or None,
                    "years": None if s.years is None else round(s.years, 2),
                    "why": s.why,
                }
            )
    return table


# ---------------------------------------------------------------------------------------------- the dispute


def _dispute_totals(diff: ReadingDifference, names: tuple[str, str], command: str) -> Table:
    table = Table(
        "dispute",
        f"One force under both bomber positions, on {diff.a.as_of}",
        [
            Column("party", "Party"),
            Column("measure", "Measure"),
            Column("a", names[0], numeric=True),
            Column("b", names[1], numeric=True),
            Column("difference", "Difference", numeric=True),
        ],
        source=command + " (totals)",
    )
    for line in diff.a.lines:
        a, b = diff.total(line.party, line.measure)
        table.rows.append({"party": line.party, "measure": line.measure, "a": a, "b": b, "difference": b - a})
    return table


def _dispute_types(diff: ReadingDifference, names: tuple[str, str], command: str) -> Table:
    table = Table(
        "dispute-types",
        "Where the difference comes from, by system type",
        [
            Column("party", "Party"),
            Column("measure", "Measure"),
            Column("system", "System type"),
            Column("a", names[0], numeric=True),
            Column("b", names[1], numeric=True),
            Column("difference", "Difference", numeric=True),
            Column("why", "The items that make it"),
        ],
        source=command + " (by_type)",
        note="Each group is the type's items alike in kind, status, armament and role, counted on its own.",
    )
    for t in diff.types:
        table.rows.append(
            {
                "party": t.party,
                "measure": t.measure,
                "system": Cell(t.name, "", t.system),
                "a": t.a,
                "b": t.b,
                "difference": t.difference,
                "why": "; ".join(_group_words(g, names) for g in t.groups if g.a != g.b),
            }
        )
    return table


def _group_words(g: ItemGroup, names: tuple[str, str]) -> str:
    """E.g. '65 deployed bombers, armament bombs, conventional role: US position 0, Russian position 65'."""
    a, b = (n.split(",")[0] for n in names)
    return f"{g.items:,} {g.status} {g.kind}s, armament {g.armament}, {g.role} role: {a} {g.a:,}, {b} {g.b:,}"


def _day(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()
