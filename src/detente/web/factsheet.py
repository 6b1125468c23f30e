"""The fact sheet: a ledger's aggregate numbers at a date, as HTML and PDF, with the checkpoints and proofs behind them.

It is laid out as the State Department's "New START Treaty Aggregate Numbers of Strategic Offensive Arms", and
everything on it is checked or computed here, in this order:

1. The date is any day from the treaty's signature to its expiry (as on every page of the dashboard); the sheet is
   *as of* the end of that day (UTC). A date that is not a data date (entry into force, the limits' date, or a
   six-monthly date in the treaty's ``notifications.update_dates``) is accepted and says so, naming the data dates
   before and after it: the counts then include every notification in effect by that day, as
   ``detente ledger counts --date`` does. A date outside the treaty is refused (:class:`InputError`).
2. The numbers are ``detente ledger counts LEDGER --date D --json``: :meth:`Source.compliance`, the same replay,
   count and judgement.
3. Per party, the state replayed to D names the last entry applied (``seq``) and the effective time of its latest
   full declaration (``last_update``). The full declaration is the latest applied data exchange (``initial-data``
   or ``data-update``, read from the signed payload) whose effective time is ``last_update``; with none, every
   applied entry stands in for it. Proved: that entry and every later one up to ``seq`` that took effect by D.
4. The checkpoint is the first one recorded that covers ``seq`` (issued when the numbers were new, it stays the
   same as the log grows), printed as signed; when none covers ``seq`` yet, the latest covering the declaration,
   and the entries beyond it are listed without a proof. Each proof is made
   by :func:`detente.ledger.inclusion_proof`, which checks it against the party's registered key before it is
   handed out: a proof that does not verify stops the sheet (:class:`VerificationError`), it is never printed.
5. The sheet says ILLUSTRATIVE when the source is marked so, or when a party's registered key is its public demo
   key (:func:`detente.demo.ledger.demo_keys`): anyone can sign with those, so nothing they sign is a declaration.

The HTML is a Jinja2 template (``templates/fact_sheet.html``); the PDF is drawn with fpdf2 in DejaVu Sans, the
font matplotlib ships, so that every character (≤, –, —, the checkpoint's signature line) prints as it is.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detente.crypto.note import Verifier, parse_note, verifier_key
from detente.errors import InputError, Location
from detente.ledger import LedgerStore, covering_checkpoint, inclusion_proof, log_origin, moment
from detente.ledger.chain import EXCHANGES, Entry
from detente.treaty import Treaty
from detente.web.jinja import templates
from detente.web.source import Source
from detente.web.tables import shown

if TYPE_CHECKING:
    from fpdf import FPDF

    from detente.crypto.note import SignedNote
    from detente.ledger.port import PartyRecord

COUNTS_COMMAND = "detente ledger counts LEDGER --date {date} --json"
VERIFY_COMMAND = "detente trust verify {file} --log-key {key}"
PROOFS_COVER = (  # what the proofs show, and what they do not
    "A proof shows that its entry is in the party's signed log. It does not show the count: the counts are a "
    "replay of every entry up to the one named below, and a six-monthly update changes warheads and facilities, "
    "not the items declared before it. The checkpoint's root commits to all of those entries, so a reader who "
    "holds the log (a node's mirror, or an export) recomputes the numbers: `detente ledger verify` checks the "
    "entries against this checkpoint, and `detente ledger counts --date` counts them."
)


@dataclass(frozen=True)
class Measured:
    """One party and measure: the count, the limit and headroom, the verdict, and the breakdowns."""

    party: str
    measure: str
    name: str
    count: int
    limit: int | None
    limit_text: str
    headroom: int | None
    verdict: str
    by_system: tuple[tuple[str, int], ...]
    by_rule: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class MeasureDefinition:
    """What a measure counts, in the treaty's words: each term's label and the definition it selects."""

    measure: str
    name: str
    unit: str
    article: str
    description: str
    terms: tuple[tuple[str, str], ...]
    limits: tuple[str, ...]


@dataclass(frozen=True)
class ProvenEntry:
    """One entry behind a party's numbers: what it is, the SHA-256 of its signed payload, and its inclusion proof.

    ``proof`` (the RFC 9162 path, base64) and ``text`` (the c2sp.org/tlog-proof file) are empty for an entry no
    recorded checkpoint covers yet.
    """

    party: str
    seq: int
    type: str
    effective: str
    sha256: str
    proof: tuple[str, ...] = ()
    text: str = field(default="", repr=False)

    @property
    def file(self) -> str:
        """The proof's file name, or "" for an entry with no proof."""
        return f"{self.party}-{self.seq}.tlog-proof" if self.text else ""


@dataclass(frozen=True)
class PartyProofs:
    """Where one party's numbers come from: its log, the checkpoint that covers them, and the proven entries."""

    party: str
    name: str
    seq: int
    last_update: str
    declaration: int | None  # the full declaration's sequence number
    declaration_type: str
    log_key: str
    log_size: int
    checkpoint_size: int | None
    checkpoint_note: str
    entries: tuple[ProvenEntry, ...]

    @property
    def unproven(self) -> tuple[ProvenEntry, ...]:
        """The entries no recorded checkpoint covers yet."""
        return tuple(e for e in self.entries if not e.text)


@dataclass(frozen=True)
class FactSheet:
    """Everything a fact sheet prints, computed once (see the module's rules)."""

    treaty_id: str
    treaty_title: str
    treaty_name: str
    title: str
    when: dt.date
    data_date: bool
    previous_data_date: dt.date | None
    next_data_date: dt.date | None
    illustrative: bool
    illustrative_why: str
    ledger: str
    ledger_file: str
    ledger_bytes: int | None
    parties: tuple[tuple[str, str], ...]  # (id, name) of each party in the ledger
    lines: tuple[Measured, ...]
    definitions: tuple[MeasureDefinition, ...]
    proofs: tuple[PartyProofs, ...]
    sources: tuple[tuple[str, str], ...]
    systems: tuple[tuple[str, str], ...]  # (id, name) of each system type counted
    counts: dict[str, dict[str, dict[str, object]]] = field(repr=False, compare=False)

    @property
    def stem(self) -> str:
        """The files' name without extension: ``fact-sheet-D``; the proofs go in ``fact-sheet-D-proofs/``."""
        return f"fact-sheet-{self.when}"

    @property
    def source_command(self) -> str:
        """The command that prints the same numbers."""
        return COUNTS_COMMAND.format(date=self.when)

    def line(self, party: str, measure: str) -> Measured:
        """The count of one party and measure."""
        return next(x for x in self.lines if x.party == party and x.measure == measure)

    def limit_text(self, measure: str) -> str:
        """The limit of a measure as one text: the same for every party, or each party's."""
        texts = {x.party: x.limit_text for x in self.lines if x.measure == measure}
        if len(set(texts.values())) <= 1:
            return next(iter(texts.values()), "")
        return "; ".join(f"{p}: {t}" for p, t in texts.items())

    def breakdown(self, party: str) -> list[tuple[str, str, list[int | None]]]:
        """The party's counts by system type: its id, its name, its count under each measure (None: not counted)."""
        systems: dict[str, dict[str, int]] = {}
        for x in self.lines:
            if x.party == party:
                for system, n in x.by_system:
                    systems.setdefault(system, {})[x.measure] = n
        names = dict(self.systems)
        return [
            (system, names.get(system, system), [per.get(m.measure) for m in self.definitions])
            for system, per in systems.items()
        ]

    def rules(self) -> list[tuple[str, str, list[int | None]]]:
        """Each measure's counting rules (its terms) with each party's count under the rule."""
        out = []
        for m in self.definitions:
            for label, _ in m.terms:
                counts = []
                for party, _name in self.parties:
                    line = next((x for x in self.lines if x.party == party and x.measure == m.measure), None)
                    counts.append(None if line is None else dict(line.by_rule).get(label))
                out.append((m.name, label, counts))
        return out

    def as_dict(self) -> dict[str, Any]:
        """What ``detente report fact-sheet --json`` prints besides the files: the numbers and where they come from."""
        return {
            "date": str(self.when),
            "data_date": self.data_date,
            "previous_data_date": None if self.previous_data_date is None else str(self.previous_data_date),
            "next_data_date": None if self.next_data_date is None else str(self.next_data_date),
            "treaty": self.treaty_id,
            "illustrative": self.illustrative,
            "illustrative_why": self.illustrative_why,
            "ledger": self.ledger,
            "ledger_bytes": self.ledger_bytes,
            "counts": self.counts,
            "parties": {
                p.party: {
                    "seq": p.seq,
                    "last_update": p.last_update,
                    "declaration": p.declaration,
                    "log_key": p.log_key,
                    "log_size": p.log_size,
                    "checkpoint_size": p.checkpoint_size,
                    "checkpoint": p.checkpoint_note,
                    "entries": [
                        {
                            "seq": e.seq,
                            "type": e.type,
                            "effective": e.effective,
                            "sha256": e.sha256,
                            "proof": list(e.proof),
                            "file": e.file or None,
                        }
                        for e in p.entries
                    ],
                }
                for p in self.proofs
            },
        }


# --------------------------------------------------------------------------------------------- computing the sheet


def fact_sheet(source: Source, when: dt.date) -> FactSheet:
    """The fact sheet of ``source`` as of the end of ``when`` (rules 1–5); kept per ledger size."""
    check_date(source, when)
    return source.kept(("fact-sheet", when), lambda: _compute(source, source.treaty(), when))


def check_date(source: Source, when: dt.date, field: str = "date") -> None:
    """Rule 1: a date from the treaty's signature to its expiry; outside, an :class:`InputError` naming ``field``."""
    first, last = source.date_range()
    if first <= when <= last:
        return
    treaty = source.treaty()
    before, after = _data_dates_around(treaty, when)
    near = " or ".join(str(d) for d in (before, after) if d is not None)
    raise InputError(
        f"{when} is outside {treaty.title} ({first} to {last})",
        Location(field=field),
        f"choose a date from {first} to {last}" + (f"; the nearest data date: {near}" if near else ""),
    )


def signed_with_demo_keys(store: LedgerStore) -> bool:
    """Whether a registered party's key is its public demo key: the ledger is then the demo's, or signed like it."""
    from detente.demo.ledger import demo_keys  # noqa: PLC0415 - the demo's engine, for two public keys: only here

    demo = {k.party: k.public_key for k in demo_keys()}
    return any(demo.get(r.party) == r.public_key for r in store.parties())


def fact_sheet_proofs(sheet: FactSheet) -> dict[str, str]:
    """Each proof's file name (``PARTY-SEQ.tlog-proof``) and text, for ``detente trust verify``."""
    return {e.file: e.text for p in sheet.proofs for e in p.entries if e.text}


def _compute(source: Source, treaty: Treaty, when: dt.date) -> FactSheet:
    result = source.compliance(when)
    before, after = _data_dates_around(treaty, when)
    illustrative_why = ""
    if signed_with_demo_keys(source.store):
        illustrative_why = (
            "the ledger is signed with the public demo keys, which anyone can sign with; the demo ledger's "
            "notifications are made up to match the published aggregates"
        )
    elif source.illustrative:
        illustrative_why = "the ledger is marked illustrative"
    names = {p.id: p.name for p in treaty.parties}
    order = list(dict.fromkeys(x.party for x in result.lines))  # as `ledger counts --json` lists them
    order += [p for p in source.parties() if p not in order]
    parties = tuple((p, names.get(p, p)) for p in order)
    path = _ledger_file(source.store)
    lines = tuple(
        Measured(
            x.party,
            x.measure,
            next((m.name for m in treaty.measures if m.id == x.measure), x.measure),
            x.count.total,
            None if x.limit is None else x.limit.upper,
            "" if x.limit is None else x.limit.describe(),
            x.headroom,
            x.verdict.value,
            tuple(x.count.by_system.items()),
            tuple(x.count.by_term.items()),
        )
        for x in result.lines
    )
    states = {s.party: s for s in source.states(when)}
    return FactSheet(
        treaty_id=treaty.id,
        treaty_title=treaty.title,
        treaty_name=treaty.name,
        title=_title(treaty),
        when=when,
        data_date=when in _calendar(treaty),
        previous_data_date=before,
        next_data_date=after,
        illustrative=bool(illustrative_why),
        illustrative_why=illustrative_why,
        ledger=source.label,
        ledger_file="" if path is None else str(path),
        ledger_bytes=None if path is None or not path.is_file() else path.stat().st_size,
        parties=parties,
        lines=lines,
        definitions=tuple(_definitions(treaty)),
        proofs=tuple(
            _party_proofs(source, party, name, states[party].seq, states[party].last_update, when)
            for party, name in parties
        ),
        sources=tuple(treaty.sources.items()),
        systems=tuple(
            (s, _system_name(source, s)) for s in dict.fromkeys(s for x in result.lines for s in x.count.by_system)
        ),
        counts=result.as_dict(),
    )


def _title(treaty: Treaty) -> str:
    kind = "" if treaty.kind.lower() in treaty.title.lower() else f" {treaty.kind.capitalize()}"
    return f"{treaty.title}{kind} Aggregate Numbers of Strategic Offensive Arms"


def _system_name(source: Source, system: str) -> str:
    found = source.catalog.find(system)
    return system if found is None else found.name


def _definitions(treaty: Treaty) -> Iterator[MeasureDefinition]:
    for m in treaty.measures:
        terms = []
        for t in m.terms:
            chosen = treaty.definitions.get(t.select)
            terms.append((t.label or t.select, "" if chosen is None else chosen.description))
        limits = tuple(
            x.describe()
            + (f" from {x.from_}" if x.from_ else "")
            + (f" until {x.until}" if x.until else "")
            + (f" for {', '.join(x.parties)}" if x.parties else "")
            + (f" ({x.article})" if x.article else "")
            for x in treaty.limits
            if x.measure == m.id
        )
        yield MeasureDefinition(m.id, m.name, m.unit, m.article, m.description, tuple(terms), limits)


def _calendar(treaty: Treaty) -> list[dt.date]:
    """The treaty's data dates: entry into force, the limits' date, and each six-monthly date until expiry."""
    dates = treaty.dates
    start = dates.entry_into_force
    if start is None:
        return []
    end = dates.expires or dt.date(start.year + 100, 1, 1)
    days = {start} | ({dates.limits_due} if dates.limits_due else set())
    for year in range(start.year, end.year + 1):
        for month_day in treaty.notifications.update_dates:
            day = dt.date.fromisoformat(f"{year}-{month_day}")
            if start < day < end:
                days.add(day)
    return sorted(days)


def _data_dates_around(treaty: Treaty, when: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The data dates on or before ``when`` and after it (the same date twice for a data date)."""
    days = _calendar(treaty)
    before = max((d for d in days if d <= when), default=None)
    after = min((d for d in days if d >= when), default=None)
    return before, after


def _ledger_file(store: LedgerStore) -> Path | None:
    """The SQLite file a store reads, or None (PostgreSQL, or a store in memory)."""
    url = getattr(getattr(store, "engine", None), "url", None)
    if url is None or url.get_backend_name() != "sqlite" or not url.database:
        return None
    return Path(url.database)


def _party_proofs(source: Source, party: str, name: str, seq: int, last_update: str, when: dt.date) -> PartyProofs:
    """Rules 3 and 4 for one party."""
    store = source.store
    record = next(r for r in store.parties() if r.party == party)
    log_key = verifier_key(Verifier(log_origin(record), record.public_key))
    base = PartyProofs(party, name, seq, last_update, None, "", log_key, store.tree_size(party), None, "", ())
    if seq == 0:
        return base
    applied = list(store.entries(party, 1, seq, until=moment(when)))
    payloads = [(e, e.notification()) for e in applied]
    declaration = next(
        (
            (e, p)
            for e, p in reversed(payloads)
            if p["type"] in EXCHANGES and p["effective"] == last_update and last_update
        ),
        None,
    )
    start = 1 if declaration is None else declaration[0].seq
    chosen = [(e, p) for e, p in payloads if e.seq >= start]
    checkpoint = covering_checkpoint(store, party, seq, earliest=True) or covering_checkpoint(store, party, start)
    note = None if checkpoint is None else parse_note(checkpoint.note)
    entries = tuple(_proven(store, record, e, p, note) for e, p in chosen)
    return PartyProofs(
        party,
        name,
        seq,
        last_update,
        None if declaration is None else declaration[0].seq,
        "" if declaration is None else str(declaration[1]["type"]),
        log_key,
        base.log_size,
        None if checkpoint is None else checkpoint.size,
        "" if checkpoint is None else checkpoint.note,
        entries,
    )


def _proven(
    store: LedgerStore, record: PartyRecord, entry: Entry, payload: dict[str, Any], note: SignedNote | None
) -> ProvenEntry:
    digest = hashlib.sha256(entry.payload).hexdigest()
    kind, effective = str(payload["type"]), str(payload["effective"])
    if note is None or entry.seq > note.checkpoint().size:
        return ProvenEntry(record.party, entry.seq, kind, effective, digest)
    proof = inclusion_proof(store, record, entry.seq, note)
    hashes = tuple(base64.b64encode(h).decode() for h in proof.proof)
    return ProvenEntry(record.party, entry.seq, kind, effective, digest, hashes, proof.text())


# ------------------------------------------------------------------------------------------------------------ HTML


@functools.cache
def fact_sheet_html(sheet: FactSheet, root: str = "", *, standalone: bool = False) -> str:
    """The fact sheet as an HTML page.

    Served (``standalone`` false) it links the dashboard's stylesheet under ``root`` (the Content-Security-Policy
    allows no inline style) and the PDF and proofs at ``{root}/fact-sheet.pdf`` and ``{root}/fact-sheet/FILE``.
    Standalone, for the file written beside the PDF, it carries a small print stylesheet inline and a policy of its
    own that allows nothing else, and links the PDF and the proofs as the files beside it.
    """
    return (
        templates()
        .get_template("fact_sheet.html")
        .render(
            sheet=sheet,
            root=root.rstrip("/"),
            standalone=standalone,
            verify=VERIFY_COMMAND,
            cover=PROOFS_COVER,
        )
    )


# ------------------------------------------------------------------------------------------------------------- PDF

_MUTED = (87, 96, 106)
_OVER = (180, 35, 24)
_BANNER = (255, 248, 197)
_BANNER_LINE = (212, 167, 44)
_HEAD = (246, 248, 250)
_LINE = (208, 215, 222)
_TEXT = 8.5  # points: the body; tables and the monospace blocks are smaller


@functools.cache
def _font_files() -> dict[tuple[str, str], Path]:
    """DejaVu Sans (regular, bold, oblique) and DejaVu Sans Mono from matplotlib's own copy.

    The PDF core fonts are Latin-1 only and cannot print ≤, – or the — that opens a checkpoint's signature line.
    """
    import matplotlib  # noqa: PLC0415 - only to find its fonts, when a PDF is drawn

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return {
        ("DejaVu", ""): folder / "DejaVuSans.ttf",
        ("DejaVu", "B"): folder / "DejaVuSans-Bold.ttf",
        ("DejaVu", "I"): folder / "DejaVuSans-Oblique.ttf",
        ("DejaVuMono", ""): folder / "DejaVuSansMono.ttf",
    }


def fact_sheet_pdf(sheet: FactSheet) -> bytes:
    """The fact sheet as an A4 PDF: the sections and numbers of the HTML, its text searchable and copyable."""
    return bytes(_document(sheet).output())


def _document(sheet: FactSheet) -> FPDF:
    from fpdf import FPDF  # noqa: PLC0415 - fpdf2 loads only when a PDF is asked for

    class Sheet(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("DejaVu", "", 7)
            self.set_text_color(*_MUTED)
            mark = "ILLUSTRATIVE · " if sheet.illustrative else ""
            self.cell(0, 5, f"{mark}{sheet.title}, as of {sheet.when} · page {self.page_no()} of {{nb}}", align="C")

    pdf = Sheet(format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=18)
    for (family, style), path in _font_files().items():
        pdf.add_font(family, style, path)
    pdf.set_title(f"{sheet.title}, as of {sheet.when}")
    pdf.set_author("detente")
    pdf.set_creator("detente")
    pdf.set_lang("en")
    pdf.add_page()
    if sheet.illustrative:
        _banner(pdf, f"ILLUSTRATIVE: {_illustrative_words(sheet)}")
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 7, sheet.title, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(0, 7, f"As of {sheet.when}", new_x="LMARGIN", new_y="NEXT")
    _para(pdf, _as_of_words(sheet))
    _aggregates(pdf, sheet)
    _by_system(pdf, sheet)
    _definitions_pdf(pdf, sheet)
    _proofs_pdf(pdf, sheet)
    _sources_pdf(pdf, sheet)
    return pdf


def _illustrative_words(sheet: FactSheet) -> str:
    return f"these numbers are not real declarations: {sheet.illustrative_why}."


def _as_of_words(sheet: FactSheet) -> str:
    text = (
        f"Counted by detente from the ledger {sheet.ledger}: every notification in effect by the end of {sheet.when} "
        f"(UTC), under {sheet.treaty_title} ({sheet.treaty_name})."
    )
    if not sheet.data_date:
        near = " and ".join(str(d) for d in (sheet.previous_data_date, sheet.next_data_date) if d is not None)
        text += f" {sheet.when} is not a data date" + (f"; the nearest data dates are {near}." if near else ".")
    return text + f" The same numbers: {sheet.source_command}."


def _banner(pdf: FPDF, text: str) -> None:
    pdf.set_font("DejaVu", "B", 10)
    pdf.set_fill_color(*_BANNER)
    pdf.set_draw_color(*_BANNER_LINE)
    pdf.set_text_color(*_OVER)
    pdf.multi_cell(0, 5.5, text, border=1, fill=True, align="L", padding=2, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_fill_color(255, 255, 255)
    pdf.ln(3)


def _heading(pdf: FPDF, text: str, size: float = 12) -> None:
    if pdf.will_page_break(30):
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", size)
    pdf.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _para(pdf: FPDF, text: str, style: str = "", size: float = _TEXT) -> None:
    pdf.set_font("DejaVu", style, size)
    pdf.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _mono(pdf: FPDF, text: str, size: float = 7) -> None:
    from fpdf.enums import WrapMode  # noqa: PLC0415 - as in _document

    pdf.set_font("DejaVuMono", "", size)
    pdf.set_fill_color(*_HEAD)
    height = size * 0.45
    pdf.multi_cell(
        0, height, text.rstrip("\n"), fill=True, align="L", padding=2, wrapmode=WrapMode.CHAR, new_x="LMARGIN"
    )
    pdf.ln(1.5)


def _table(
    pdf: FPDF, head: list[str], rows: list[list[str]], widths: tuple[float, ...], numeric: set[int], mono: int = -1
) -> None:
    """A table over the page's width: ``widths`` are proportions; ``numeric`` columns right-aligned."""
    from fpdf.fonts import FontFace  # noqa: PLC0415 - as in _document

    pdf.set_font("DejaVu", "", 7.5)
    pdf.set_fill_color(255, 255, 255)  # a table's cells take the fill and line colours in use when it starts
    pdf.set_draw_color(*_LINE)
    align = tuple("RIGHT" if i in numeric else "LEFT" for i in range(len(head)))
    code = FontFace(family="DejaVuMono", size_pt=6.5)
    with pdf.table(
        col_widths=widths,
        text_align=align,
        line_height=3.9,
        padding=(0.8, 1.2),
        headings_style=FontFace(emphasis="BOLD", fill_color=_HEAD),
        borders_layout="HORIZONTAL_LINES",
        v_align="TOP",
    ) as table:
        table.row(head)
        for values in rows:
            row = table.row()
            for i, value in enumerate(values):
                row.cell(value, style=code if i == mono else None)
    pdf.ln(2)


def _aggregates(pdf: FPDF, sheet: FactSheet) -> None:
    parties = [p for p, _ in sheet.parties]
    _heading(pdf, "Aggregate numbers")
    rows = [
        [m.name, sheet.limit_text(m.measure), *(shown(sheet.line(p, m.measure).count) for p in parties)]
        for m in sheet.definitions
    ]
    _table(pdf, ["Category of data", "Limit", *parties], rows, (5, 1.4, *(1.2,) * len(parties)), {2, 3, 4, 5})
    _heading(pdf, "Against the limits", 10)
    rows = [[x.party, x.name, shown(x.count), x.limit_text or "–", shown(x.headroom), x.verdict] for x in sheet.lines]
    head = ["Party", "Category of data", "Count", "Limit", "Headroom", "Verdict"]
    _table(pdf, head, rows, (0.8, 5, 1.1, 1.1, 1.2, 1.4), {2, 3, 4})


def _by_system(pdf: FPDF, sheet: FactSheet) -> None:
    units = [m.unit or m.name for m in sheet.definitions]
    for party, name in sheet.parties:
        _heading(pdf, f"{name} ({party}): by system type", 10)
        rows = [[name, *(shown(n) for n in counts)] for _, name, counts in sheet.breakdown(party)]
        head = ["System type", *(u.capitalize() for u in units)]
        _table(pdf, head, rows, (3, *(1.4,) * len(units)), set(range(1, len(units) + 1)))
    _heading(pdf, "By counting rule", 10)
    rows = [[label, *(shown(n) for n in counts)] for _, label, counts in sheet.rules()]
    parties = [p for p, _ in sheet.parties]
    _table(pdf, ["Rule", *parties], rows, (5, *(1.2,) * len(parties)), set(range(1, len(parties) + 1)))


def _definitions_pdf(pdf: FPDF, sheet: FactSheet) -> None:
    _heading(pdf, f"What is counted ({sheet.treaty_title})")
    for m in sheet.definitions:
        _para(pdf, m.name + (f" ({m.article})" if m.article else ""), "B")
        if m.description:
            _para(pdf, m.description)
        for label, words in m.terms:
            _para(pdf, f"• {label}: {words}" if words else f"• {label}")
        for limit in m.limits:
            _para(pdf, f"Limit: {limit}", "I")


def _proofs_pdf(pdf: FPDF, sheet: FactSheet) -> None:
    _heading(pdf, "Checkpoints and inclusion proofs")
    _para(pdf, _verify_words(sheet))
    for p in sheet.proofs:
        _heading(pdf, f"{p.name} ({p.party})", 10)
        _para(pdf, _party_words(p))
        _para(pdf, "Log key (detente trust log-key):")
        _mono(pdf, p.log_key)
        if not p.checkpoint_note:
            continue
        if pdf.will_page_break(35):  # the checkpoint's words and its note on one page
            pdf.add_page()
        _para(pdf, f"Checkpoint of size {p.checkpoint_size:,}, as signed:")
        _mono(pdf, p.checkpoint_note)
        rows = [
            [
                f"#{e.seq}\n{e.type}\n{e.effective}\n{e.file or 'no proof yet'}",
                f"SHA-256 of the payload:\n{e.sha256}\n"
                + (f"Inclusion proof ({len(e.proof)} hashes):\n" + "\n".join(e.proof) if e.text else "No proof yet."),
            ]
            for e in p.entries
        ]
        _table(pdf, ["Entry", "Hashes"], rows, (1.3, 3.2), set(), mono=1)


def _verify_words(sheet: FactSheet) -> str:
    return (
        f"Each proof is written beside this sheet, in {sheet.stem}-proofs/, as PARTY-SEQ.tlog-proof "
        "(c2sp.org/tlog-proof: the entry as signed, its RFC 9162 path and the signed checkpoint). Check one offline, "
        f"without the ledger: {VERIFY_COMMAND.format(file='FILE', key='KEY')}, where KEY is the party's log key "
        "below as you know it (from the party, not from this sheet). " + PROOFS_COVER.replace("`", "")
    )


def _party_words(p: PartyProofs) -> str:
    if p.seq == 0:
        return "Nothing declared by this date."
    words = f"Replayed to entry #{p.seq:,} of {p.log_size:,}; "
    if p.declaration is None:
        words += "no full declaration applied yet: every applied entry is listed."
    else:
        words += f"latest full declaration: entry #{p.declaration:,} ({p.declaration_type}, effective {p.last_update})."
    if not p.checkpoint_note:
        return words + " No recorded checkpoint covers these entries yet, so there are no proofs."
    if p.unproven:
        missing = ", ".join(f"#{e.seq:,}" for e in p.unproven)
        words += f" {'Entries' if len(p.unproven) > 1 else 'Entry'} {missing} "
        words += f"{'are' if len(p.unproven) > 1 else 'is'} beyond the latest checkpoint: no proof yet."
    return words


def _sources_pdf(pdf: FPDF, sheet: FactSheet) -> None:
    _heading(pdf, "Sources")
    size = "" if sheet.ledger_bytes is None else f", {sheet.ledger_bytes:,} bytes"
    logs = ", ".join(f"{p.party} {p.log_size:,}" for p in sheet.proofs)
    _para(pdf, f"The ledger: {sheet.ledger_file or sheet.ledger}{size}; notifications per party: {logs}.")
    _para(pdf, f"The numbers: {sheet.source_command}.")
    for key, text in sheet.sources:
        _para(pdf, f"{key}: {text}")


__all__ = [
    "FactSheet",
    "MeasureDefinition",
    "Measured",
    "PartyProofs",
    "ProvenEntry",
    "check_date",
    "fact_sheet",
    "fact_sheet_html",
    "fact_sheet_pdf",
    "fact_sheet_proofs",
    "signed_with_demo_keys",
]
