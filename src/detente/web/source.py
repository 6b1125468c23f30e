"""What the dashboard reads: one ledger store, and the numbers computed from it at a date.

The pages compute with the same functions as the CLI's ``--json`` (replay, count, judge, timeline), so a page and
``detente ledger counts LEDGER --date D --json`` cannot disagree. A ledger only grows, so a number computed from
it stays true until a party's log grows: results are kept keyed by the parties' sizes (``Source.kept``), and the
first page after a new notification computes afresh. Replaying 5,000 notifications takes a third of a second;
without the kept results every page of the demo would take that long (bench/bench_web.py measures both).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from detente.catalog import Catalog, builtin_catalog
from detente.counting import Compliance, Reading, count, judge, parse_reading
from detente.errors import InputError
from detente.ledger import LedgerStore, PartyState, TimelineRow, data_dates, moment, replay_store, to_force
from detente.ledger.timeline import timeline
from detente.treaty import Treaty, get_treaty

T = TypeVar("T")
KEPT = 256  # results kept; one page needs a few, a date selector walk a few dozen


@dataclass
class Source:
    """A ledger opened for reading, its treaty, and the results computed from it so far.

    ``label`` is what pages show as the ledger's name (a file, a URL without its password, or "this node");
    ``illustrative`` marks the demo ledger, so that every page says its numbers are not real declarations.
    """

    store: LedgerStore
    label: str
    illustrative: bool = False
    catalog: Catalog = field(default_factory=builtin_catalog)
    _kept: OrderedDict[Hashable, Any] = field(default_factory=OrderedDict, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def parties(self) -> list[str]:
        """The registered parties, in the ledger's order."""
        return [r.party for r in self.store.parties()]

    def treaty_id(self) -> str:
        """The treaty the ledger's parties are registered under (the first party's; they share one)."""
        records = self.store.parties()
        if not records:
            raise InputError("this ledger has no registered party yet", hint="register one: `detente ledger register`")
        return records[0].treaty

    def treaty(self) -> Treaty:
        """The ledger's treaty, as built in."""
        return get_treaty(self.treaty_id(), self.catalog)

    def sizes(self) -> tuple[tuple[str, int], ...]:
        """Each party's log size: what every kept result is keyed by."""
        return tuple((p, self.store.tree_size(p)) for p in self.parties())

    def kept(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The result of ``compute`` for ``key`` at the ledger's present sizes, computed once per size."""
        with self._lock:
            full = (self.sizes(), key)
            if full in self._kept:
                self._kept.move_to_end(full)
                return self._kept[full]  # type: ignore[no-any-return]
            value = compute()
            self._kept[full] = value
            while len(self._kept) > KEPT:
                self._kept.popitem(last=False)
            return value

    def reading(self, spec: str | None = None) -> Reading:
        """``TREATY[+VARIANT…]``; by default the ledger's treaty as its parties agreed it."""
        return self.kept(("reading", spec), lambda: parse_reading(spec or self.treaty_id(), self.catalog))

    def states(self, when: dt.date) -> list[PartyState]:
        """Every party's declared state at the end of ``when`` (as ``detente ledger state``)."""
        return self.kept(("states", when), lambda: [replay_store(self.store, p, moment(when)) for p in self.parties()])

    def compliance(self, when: dt.date, spec: str | None = None) -> Compliance:
        """Counts and verdicts at ``when`` under a reading (as ``detente ledger counts --json``)."""

        def compute() -> Compliance:
            reading = self.reading(spec)
            force = to_force(self.states(when), self.catalog, when)
            return judge(count(force, reading.treaty, reading.variants), when)

        return self.kept(("compliance", when, spec), compute)

    def data_dates(self) -> list[dt.date]:
        """Entry into force, the limits' date and every data date up to the ledger's last change."""
        return self.kept("data_dates", lambda: data_dates(self.store, self.treaty()))

    def timeline(self, spec: str | None = None) -> list[TimelineRow]:
        """Counts at every data date beside the official figures (as ``detente ledger timeline --json``)."""
        return self.kept(
            ("timeline", spec),
            lambda: timeline(self.store, self.reading(spec), self.data_dates(), self.catalog),
        )

    def default_date(self) -> dt.date:
        """The date pages open at: the latest data date the ledger reaches, or the treaty's entry into force."""
        dates = self.data_dates()
        if dates:
            return dates[-1]
        treaty = self.treaty()
        return treaty.dates.entry_into_force or dt.date.today()

    def date_range(self) -> tuple[dt.date, dt.date]:
        """The dates pages accept: from signature (or entry into force) to expiry, or to today if none."""
        dates = self.treaty().dates
        first = dates.signed or dates.entry_into_force or dt.date(1945, 1, 1)
        last = dates.expires - dt.timedelta(days=1) if dates.expires else dt.date.today()
        return first, last
