"""Counting a force under a treaty reading: each measure, per party, with its breakdown by system and by rule.

How a count is made (the treaty file decides every choice; nothing here knows any treaty):

1. The force is summarised by item class (:mod:`detente.counting.classes`).
2. Each definition becomes a boolean per class: a filter's conditions must all hold; a union takes any of its
   definitions; ``exclude`` then removes the classes of other definitions.
3. Each term of a measure adds, for every item its definition selects, the term's value: 1 (``items``), the
   item's declared warheads, the treaty's attributed number for its type, its ALCM capacity, its type's maximum
   RVs, or a fixed number.
4. A term with ``first`` takes, per party, the selected items in the term's stated order; the first N count the
   fixed value and the rest their own value. Ties in that order are broken by the item's own value (smaller
   first) and then by system id, so neither the count nor its breakdown depends on the order of the file.
5. A term's ``cap`` is a per-item ceiling the treaty sets (START I: no US heavy bomber equipped for more than 20
   ALCMs, no Soviet one for more than 16): an item declared above it still counts what it is declared with — it is
   never cut down to the ceiling — and the count carries a :class:`Violation` naming the items, so that the judge,
   ``detente count`` and ``--json`` report it whatever the total.
6. A system type selected by an ``attributed`` term with no attributed number is refused with an error.
7. Every sum and product is exact (:mod:`._exact`): int64 where it fits, Python integers where it might not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from detente.catalog.model import SystemType
from detente.counting._exact import Numbers, as_numbers, bin_sums, cumulative, into, plus, product, total
from detente.counting.classes import Classes
from detente.errors import CountingError
from detente.forces.model import ARMAMENTS, FACILITY_KINDS, KINDS, ROLES, STATUSES, Force, IntArray
from detente.treaty.model import Definition, Measure, Term, Treaty, Value, Variant

BoolArray = npt.NDArray[np.bool_]
_VOCABULARIES: dict[str, tuple[str, ...]] = {
    "kind": KINDS,
    "status": STATUSES,
    "armament": ARMAMENTS,
    "role": ROLES,
    "facility_kind": FACILITY_KINDS,
}


_VALUE_WORDS = {Value.WARHEADS: "warheads", Value.ALCM_CAPACITY: "ALCMs", Value.ATTRIBUTED: "attributed warheads"}


@dataclass(frozen=True)
class Violation:
    """Items declared above a term's per-item ceiling (``cap``): the treaty forbids them, whatever the total."""

    party: str
    measure: str
    rule: str
    system: str
    items: int
    declared: int
    ceiling: int
    unit: str

    def describe(self) -> str:
        """The violation in words, e.g. '12 b-52h declared with 24 ALCMs each, above the ceiling of 20 …'."""
        return (
            f"{self.items:,} {self.system} declared with {self.declared:,} {self.unit} each, above the ceiling of "
            f"{self.ceiling:,} per item for {self.party} ({self.measure}: {self.rule}): the treaty forbids it; "
            f"counted as declared"
        )

    def as_dict(self) -> dict[str, object]:
        """For ``--json``."""
        return {
            "system": self.system,
            "items": self.items,
            "declared": self.declared,
            "ceiling": self.ceiling,
            "unit": self.unit,
            "rule": self.rule,
            "why": self.describe(),
        }


@dataclass(frozen=True)
class Count:
    """One measure for one party: the total, where it came from, and any items declared above a ceiling."""

    party: str
    measure: str
    total: int
    by_system: dict[str, int] = field(default_factory=dict)
    by_term: dict[str, int] = field(default_factory=dict)
    violations: tuple[Violation, ...] = ()


@dataclass(frozen=True)
class Tally:
    """Every measure of a treaty reading for every party that is both in the treaty and in the force."""

    treaty: Treaty
    variants: tuple[Variant, ...]
    parties: tuple[str, ...]
    counts: dict[tuple[str, str], Count]

    @property
    def reading(self) -> str:
        """The reading's name: the treaty, plus its variants."""
        return " + ".join([self.treaty.title, *(v.name for v in self.variants)])

    @property
    def spec(self) -> str:
        """The reading as TREATY+VARIANT..., as the CLI takes it."""
        return "+".join([self.treaty.id, *(v.id for v in self.variants)])

    def __getitem__(self, key: tuple[str, str]) -> Count:
        return self.counts[key]


class _Selector:
    """Evaluates definitions over the classes of one force, memoised per definition name."""

    def __init__(self, classes: Classes, definitions: dict[str, Definition]) -> None:
        self.classes = classes
        self.definitions = definitions
        self.memo: dict[str, BoolArray] = {}
        systems = classes.force.systems
        self.system_columns: dict[str, tuple[str, ...]] = {
            "category": tuple(s.category.value for s in systems),
            "basing": tuple(s.basing.value for s in systems),
            "system": tuple(s.id for s in systems),
        }

    def _system_mask(self, attribute: str, allowed: tuple[str, ...]) -> BoolArray:
        values = self.system_columns[attribute]
        if attribute == "system":
            # definitions may use aliases: compare through the force's own types
            names = {a.casefold() for a in allowed}
            ok = [
                s.id in names or s.name.casefold() in names or bool(names & {x.casefold() for x in s.aliases})
                for s in self.classes.force.systems
            ]
        else:
            ok = [v in allowed for v in values]
        table = np.array(ok or [False], dtype=bool)
        return table[self.classes.system]

    def mask(self, name: str) -> BoolArray:
        if name in self.memo:
            return self.memo[name]
        d = self.definitions[name]
        c = self.classes
        if d.any_of is not None:
            result = np.zeros(len(c), dtype=bool)
            for other in d.any_of:
                result |= self.mask(other)
        else:
            result = np.ones(len(c), dtype=bool)
            for attribute in ("category", "basing", "system"):
                allowed = getattr(d, attribute)
                if allowed is not None:
                    result &= self._system_mask(attribute, tuple(str(a) for a in allowed))
            if d.heavy is not None:
                result &= c.system_attributes["heavy"].astype(bool) == d.heavy
            for attribute, vocabulary in _VOCABULARIES.items():
                allowed = getattr(d, attribute)
                if allowed is not None:
                    table = np.array([word in allowed for word in vocabulary], dtype=bool)
                    result &= table[getattr(c, attribute)]
        for other in d.exclude:
            result &= ~self.mask(other)
        self.memo[name] = result
        return result


def _attributed(treaty: Treaty, systems: tuple[SystemType, ...], needed: BoolArray, where: str) -> IntArray:
    lookup = {k.casefold(): v for k, v in treaty.attribution.items()}
    values = []
    for i, s in enumerate(systems):
        names = [s.id, s.name, *s.aliases]
        value = next((lookup[n.casefold()] for n in names if n.casefold() in lookup), None)
        if value is None and needed[i]:
            raise CountingError(
                f"{treaty.title} attributes no warheads to {s.name} ({s.id}), which {where} counts",
                hint="add it to the treaty's [attribution] table",
            )
        values.append(value or 0)
    return np.array(values or [0], dtype=np.int64)


def _per_item_value(term: Term, treaty: Treaty, force: Force, rows: IntArray, where: str) -> Numbers:
    """The value of each selected row's single item (rows: indices into the force)."""
    value = term.value
    if isinstance(value, int):
        return as_numbers(value, rows.size)
    if value is Value.ITEMS:
        return np.ones(rows.size, dtype=np.int64)
    if value is Value.WARHEADS:
        return force.warheads[rows]
    if value is Value.ALCM_CAPACITY:
        return force.alcm_capacity[rows]
    systems = force.system[rows]
    needed = np.zeros(len(force.systems), dtype=bool)
    needed[systems] = True
    if value is Value.ATTRIBUTED:
        return _attributed(treaty, force.systems, needed, where)[systems]
    return np.array([s.max_rvs for s in force.systems] or [0], np.int64)[systems]


def _class_values(term: Term, treaty: Treaty, classes: Classes, selected: BoolArray, where: str) -> Numbers:
    """Each class's total contribution for a term without per-item rules."""
    value = term.value
    n = classes.items
    if isinstance(value, int):
        return product(n, as_numbers(value, len(n)))
    if value is Value.ITEMS:
        return n
    if value is Value.WARHEADS:
        return classes.warheads
    if value is Value.ALCM_CAPACITY:
        return classes.alcm_capacity
    needed = np.zeros(len(classes.force.systems), dtype=bool)
    needed[classes.system[selected & (n > 0)]] = True
    if value is Value.ATTRIBUTED:
        return product(n, _attributed(treaty, classes.force.systems, needed, where)[classes.system])
    return product(n, classes.system_attributes["max_rvs"])


def _order_keys(term: Term, force: Force, rows: IntArray, own: IntArray) -> list[IntArray]:
    """Sort keys for np.lexsort, most significant first (reversed by the caller)."""
    keys: list[IntArray] = []
    systems = force.systems
    for key in term.order:
        if key.by in ("system", "facility"):
            names = [s.id for s in systems] if key.by == "system" else [f.id for f in force.facilities]
            ranked = {n: i for i, n in enumerate(key.first)}
            aliases = [{s.id, s.name, *s.aliases} for s in systems] if key.by == "system" else [{n} for n in names]
            rank = []
            for i, name in enumerate(names):
                hit = next((ranked[a] for a in aliases[i] if a in ranked), None)
                rank.append(hit if hit is not None else len(ranked) + sorted(names).index(name))
            table = np.array([*rank, len(ranked) + len(names)], np.int64)  # last entry: no facility (-1)
            column = force.system[rows] if key.by == "system" else force.facility[rows]
            values = table[column]
        elif key.by == "uid":
            values = force.uid_rank[rows]
        elif key.by == "first_deployed":
            values = np.array([s.first_deployed or 0 for s in systems] or [0], np.int64)[force.system[rows]]
        else:
            values = force.alcm_capacity[rows] if key.by == "alcm_capacity" else force.warheads[rows]
        keys.append(-values if key.descending else values)
    system_rank = np.argsort(np.argsort([s.id for s in systems])) if systems else np.zeros(1, np.int64)
    keys.extend([own, np.asarray(system_rank, np.int64)[force.system[rows]]])
    return keys


def _row_contributions(
    term: Term, treaty: Treaty, force: Force, rows: IntArray, where: str
) -> tuple[Numbers, dict[int, list[tuple[int, int, int]]]]:
    """Per selected row, its contribution under per-item rules (``first``); and the rows above the term's ceiling.

    The rows declared above the ceiling (``cap``) are given per party index, as (row, declared, ceiling).
    """
    own = _per_item_value(term, treaty, force, rows, where)
    party_codes = force.party[rows]
    counts = force.count[rows]
    over: dict[int, list[tuple[int, int, int]]] = {}
    for party, ceiling in term.cap.items():
        if party in force.parties:
            p = force.parties.index(party)
            # rule 5: a ceiling is not a counting cap; the items above it are reported, never cut down
            beyond = np.flatnonzero((party_codes == p) & (own > ceiling) & (counts > 0))
            over[p] = [(int(rows[i]), int(own[i]), ceiling) for i in beyond]
    result = product(counts, own)
    for party, rule in term.first.items():
        if party not in force.parties:
            continue
        mine = np.flatnonzero(party_codes == force.parties.index(party))
        keys = _order_keys(term, force, rows[mine], own[mine])
        order = mine[np.lexsort(keys[::-1])]
        taken = counts[order]
        before = cumulative(taken) - taken
        within = np.clip(rule.count - before, 0, taken)
        firsts = product(within, as_numbers(rule.value, within.size))
        result = into(result, order, plus(firsts, product(taken - within, own[order])))
    return result, over


def _violations(
    force: Force, measure: Measure, term: Term, over: dict[int, list[tuple[int, int, int]]]
) -> dict[str, list[Violation]]:
    """The rows above a ceiling, per party, as violations grouped by system type and declared value."""
    unit = _VALUE_WORDS.get(term.value, "") if isinstance(term.value, Value) else ""
    found: dict[str, list[Violation]] = {}
    for p, rows in over.items():
        groups: dict[tuple[str, int, int], int] = {}
        for row, declared, ceiling in rows:
            key = (force.systems[int(force.system[row])].id, declared, ceiling)
            groups[key] = groups.get(key, 0) + int(force.count[row])
        party = force.parties[p]
        found[party] = [
            Violation(party, measure.id, term.name, system, items, declared, ceiling, unit or "each")
            for (system, declared, ceiling), items in sorted(groups.items())
        ]
    return found


def count_measure(
    measure: Measure, treaty: Treaty, classes: Classes, selector: _Selector, parties: tuple[str, ...]
) -> dict[str, Count]:
    """One measure for each party."""
    force = classes.force
    n_systems = max(len(force.systems), 1)
    n_parties = max(len(force.parties), 1)
    by_term: dict[str, Numbers] = {}
    violations: dict[str, list[Violation]] = {}
    grid: Numbers = np.zeros(n_parties * n_systems, dtype=np.int64)
    for t, term in enumerate(measure.terms):
        where = f"measure {measure.id!r}, term {t + 1} ({term.name})"
        selected = selector.mask(term.select)
        if term.first or term.cap:
            rows = np.flatnonzero(selected[classes.row_class])
            values, over = _row_contributions(term, treaty, force, rows, where)
            cells = force.party[rows] * n_systems + force.system[rows]
            for party, found in _violations(force, measure, term, over).items():
                violations.setdefault(party, []).extend(found)
        else:
            values = _class_values(term, treaty, classes, selected, where)[selected]
            cells = classes.party[selected] * n_systems + classes.system[selected]
        part = bin_sums(cells, values, n_parties * n_systems)
        grid = plus(grid, part)
        per_party = part.reshape(n_parties, n_systems)
        term_sums = np.array([total(per_party[p]) for p in range(n_parties)], dtype=object)
        by_term[term.name] = term_sums if term.name not in by_term else by_term[term.name] + term_sums
    table = grid.reshape(n_parties, n_systems)
    result = {}
    for party in parties:
        p = force.parties.index(party)
        result[party] = Count(
            party=party,
            measure=measure.id,
            total=total(table[p]),
            by_system={force.systems[s].id: int(table[p, s]) for s in np.flatnonzero(table[p])},
            by_term={name: int(v[p]) for name, v in by_term.items()},
            violations=tuple(violations.get(party, ())),
        )
    return result


def count(force: Force, treaty: Treaty, variants: tuple[Variant, ...] = (), classes: Classes | None = None) -> Tally:
    """Count a force under a treaty (already read under ``variants``, see ``apply_variants``)."""
    classes = classes or Classes.of(force)
    parties = tuple(p for p in treaty.party_ids() if p in force.parties)
    if not parties:
        raise CountingError(
            f"the force has no items of {treaty.title}'s parties ({', '.join(treaty.party_ids())})",
            hint=f"the force's parties: {', '.join(force.parties) or 'none'}",
        )
    selector = _Selector(classes, dict(treaty.definitions))
    counts: dict[tuple[str, str], Count] = {}
    for measure in treaty.measures:
        for party, c in count_measure(measure, treaty, classes, selector, parties).items():
            counts[(party, measure.id)] = c
    return Tally(treaty=treaty, variants=variants, parties=parties, counts=counts)
