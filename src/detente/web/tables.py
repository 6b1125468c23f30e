"""The tables a page shows, and the charts drawn from them.

Every number on the dashboard is in a :class:`Table`: the page shows it as HTML, ``/VIEW/TABLE.csv`` gives it as
CSV, and a chart, where there is one, is drawn in the browser from the table's own cells (``static/dashboard.js``),
so a chart cannot show a number the table does not, and with JavaScript off the table is still there.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Cell:
    """A value with where it comes from: a link (a page, a notification, a proof) and words for the tooltip."""

    value: Any
    href: str = ""
    why: str = ""

    def __str__(self) -> str:
        return shown(self.value)


@dataclass(frozen=True)
class Column:
    """A column: the key its rows use, its heading, and whether it holds numbers (right-aligned, charted)."""

    key: str
    label: str
    numeric: bool = False


@dataclass(frozen=True)
class Series:
    """One line or bar series of a chart: the column it reads, and a dashed line for limits and official figures."""

    key: str
    dashed: bool = False


@dataclass(frozen=True)
class Chart:
    """A chart of a table: ``x`` labels the points, each series is a numeric column."""

    kind: str  # "line" or "bar" (Chart.js chart types)
    x: str
    series: tuple[Series, ...]
    stacked: bool = False
    title: str = ""

    def spec(self, table_id: str, columns: list[Column]) -> dict[str, Any]:
        """What ``dashboard.js`` reads from the canvas's ``data-chart`` attribute."""
        labels = {c.key: c.label for c in columns}
        return {
            "table": table_id,
            "kind": self.kind,
            "x": self.x,
            "stacked": self.stacked,
            "series": [{"key": s.key, "label": labels[s.key], "dashed": s.dashed} for s in self.series],
        }


@dataclass
class Table:
    """Rows of values keyed by column; ``source`` says where the numbers come from (the CLI command that gives them)."""

    id: str  # unique in its page; the CSV is /VIEW/ID.csv
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    source: str = ""
    note: str = ""
    chart: Chart | None = None

    def __post_init__(self) -> None:
        keys = {c.key for c in self.columns}
        if self.chart is not None:
            wanted = {self.chart.x, *(s.key for s in self.chart.series)}
            if not wanted <= keys:
                raise ValueError(f"table {self.id}: the chart reads columns it does not have: {sorted(wanted - keys)}")

    def chart_spec(self) -> dict[str, Any] | None:
        """What the canvas carries for ``dashboard.js``, or None for a table with no chart."""
        return None if self.chart is None else self.chart.spec(self.id, self.columns)

    def body(self) -> list[list[tuple[str, str | None, str, str, str]]]:
        """Each row's cells as the page writes them: key, raw number (None unless numeric), text, link, tooltip.

        Plain strings, so that the template only unpacks them: a page of 3,000 cells spent most of its time in
        Jinja's attribute lookups and filters.
        """
        columns = [(c.key, c.numeric) for c in self.columns]
        out = []
        for row in self.rows:
            cells = []
            for key, numeric in columns:
                value = row.get(key)
                href, why = (value.href, value.why) if isinstance(value, Cell) else ("", "")
                number = raw(value)
                data = ("" if number is None else str(number)) if numeric else None
                cells.append((key, data, shown(number), href, why))
            out.append(cells)
        return out

    def csv(self) -> str:
        """The table as CSV: a header of column labels, then the raw values (no thousands separators)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([c.label for c in self.columns])
        for row in self.rows:
            writer.writerow([_csv_value(row.get(c.key)) for c in self.columns])
        return out.getvalue()


def raw(value: Any) -> Any:
    """The value under a :class:`Cell`."""
    return value.value if isinstance(value, Cell) else value


def shown(value: Any) -> str:
    """A value as the page shows it: integers with thousands separators, None as a dash."""
    value = raw(value)
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _csv_value(value: Any) -> str:
    value = raw(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    # a cell a spreadsheet would run as a formula is written as text (OWASP's CSV injection advice)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
