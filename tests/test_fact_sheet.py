"""The fact sheet (``detente report fact-sheet``): its numbers are ``ledger counts --json``, in the HTML and in the
PDF's own text; every proof written beside it verifies offline, and one changed byte makes it fail; bad input is
refused with exit 2 and nothing written.

The PDF's text is read back with the small reader below (stdlib only: zlib, and the fonts' ToUnicode maps), since
no PDF library is installed; it reads the PDFs fpdf2 writes, not PDFs in general.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zlib
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Route

from detente.web import Source
from detente.web.app import SECURITY_HEADERS
from detente.web.factsheet import fact_sheet, fact_sheet_html, fact_sheet_pdf, fact_sheet_proofs
from web_fixtures import CLI, Tab

from builders import cli_ledger, initial_launchers, toggles

OFF_DATE = "2019-12-25"  # not a data date: entries after the September 2019 update are proved too
DATA_DATE = "2018-09-01"


# ------------------------------------------------------------------------------------------- reading the PDF back

_SHOW = re.compile(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) ?Tj|\[(.*?)\] ?TJ", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(text: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(text):
        if text[i : i + 1] != b"\\":
            out += text[i : i + 1]
            i += 1
            continue
        after = text[i + 1 : i + 2]
        octal = re.match(rb"[0-7]{1,3}", text[i + 1 : i + 4])
        if octal:
            out.append(int(octal.group(), 8))
            i += 1 + len(octal.group())
        else:
            out += _ESCAPES.get(after, after)
            i += 2
    return bytes(out)


def _objects(data: bytes) -> dict[int, tuple[bytes, bytes]]:
    """Each object's dictionary and stream (inflated), the stream cut by /Length so its bytes cannot mislead."""
    objects = {}
    for m in re.finditer(rb"(\d+) 0 obj", data):
        end = data.find(b"endobj", m.end())
        at = data.find(b"stream", m.end())
        if at == -1 or at > end:
            objects[int(m.group(1))] = (data[m.end() : end], b"")
            continue
        head = data[m.end() : at]
        length = re.search(rb"/Length (\d+)", head)
        assert length is not None
        start = at + len(b"stream") + (2 if data[at + 6 : at + 8] == b"\r\n" else 1)
        stream = data[start : start + int(length.group(1))]
        objects[int(m.group(1))] = (head, zlib.decompress(stream) if b"/FlateDecode" in head else stream)
    return objects


def pdf_text(data: bytes) -> list[str]:
    """The text pieces a PDF shows, in the order drawn, decoded through each font's ToUnicode map."""
    objects = _objects(data)
    maps: dict[int, dict[int, str]] = {}
    for number, (head, _) in objects.items():
        unicode_map = re.search(rb"/ToUnicode (\d+) 0 R", head)
        if b"/Type /Font" in head and unicode_map:
            cmap = objects[int(unicode_map.group(1))][1]
            pairs = re.findall(rb"<([0-9A-Fa-f]+)> <([0-9A-Fa-f]+)>", cmap.split(b"beginbfchar", 1)[-1])
            maps[number] = {int(a, 16): bytes.fromhex(b.decode()).decode("utf-16-be") for a, b in pairs}
    fonts: dict[bytes, dict[int, str]] = {}
    for head, _ in objects.values():
        for resources in re.findall(rb"/Font\s*<<(.*?)>>", head, re.S):
            for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", resources):
                fonts[name] = maps.get(int(number), {})
    pieces = []
    for head, _ in objects.values():
        if not re.search(rb"/Type /Page\b(?!s)", head):
            continue
        for ref in re.findall(rb"/Contents (\d+) 0 R", head):
            cmap: dict[int, str] = {}
            for font, literal, array in _SHOW.findall(objects[int(ref)][1]):
                if font:
                    cmap = fonts[font]
                    continue
                raw = (
                    _unescape(literal)
                    if literal
                    else b"".join(map(_unescape, re.findall(rb"\(((?:\\.|[^\\)])*)\)", array)))
                )
                pieces.append(
                    "".join(cmap.get(int.from_bytes(raw[i : i + 2], "big"), "?") for i in range(0, len(raw), 2))
                )
    return pieces


# ---------------------------------------------------------------------------------------------------- helpers


def _counts(cli: CLI, ledger: Path | str, when: str) -> dict[str, Any]:
    code, out, err = cli("ledger", "counts", str(ledger), "--date", when, "--json")
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def _sheet(cli: CLI, ledger: Path | str, when: str, out: Path, *extra: str) -> dict[str, Any]:
    code, stdout, err = cli("report", "fact-sheet", str(ledger), "--date", when, "--out", str(out), "--json", *extra)
    assert code == 0, err
    return json.loads(stdout)  # type: ignore[no-any-return]


def _measure_names(cli: CLI) -> dict[str, str]:
    code, out, _ = cli("treaty", "show", "new-start", "--json")
    assert code == 0
    return {m["id"]: m["name"] for m in json.loads(out)["measures"]}


def _log_key(cli: CLI, ledger: Path | str, party: str) -> str:
    code, out, _ = cli("trust", "log-key", str(ledger), "--party", party)
    assert code == 0
    return out.strip()


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


# ------------------------------------------------------------------------------------------------------ tests


def test_the_sheet_has_the_cli_numbers_in_html_and_pdf(cli: CLI, web_ledger: Path, tmp_path: Path) -> None:
    expected = _counts(cli, web_ledger, DATA_DATE)
    got = _sheet(cli, web_ledger, DATA_DATE, tmp_path)
    assert got["counts"] == expected
    assert got["data_date"] is True
    assert got["illustrative"] is True
    stem = tmp_path / f"fact-sheet-{DATA_DATE}"
    assert got["written"]["html"] == f"{stem}.html"
    assert got["written"]["pdf"] == f"{stem}.pdf"

    pdf = Path(got["written"]["pdf"]).read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    text = " ".join(pdf_text(pdf))
    names = _measure_names(cli)
    parties = list(expected)
    for measure, name in names.items():
        lines = [expected[p][measure] for p in parties]
        row = f"{name} {lines[0]['limit_text']} " + " ".join(f"{x['count']:,}" for x in lines)
        assert row in text, row  # the State Department layout: category, limit, each party's count
        for party in parties:
            x = expected[party][measure]
            row = f"{party} {name} {x['count']:,} {x['limit_text']} {x['headroom']:,} {x['verdict']}"
            assert row in text, row
    assert "ILLUSTRATIVE" in text
    for p in got["parties"].values():
        for line in p["checkpoint"].rstrip("\n").split("\n"):
            assert line in text  # the checkpoint verbatim, its "—" signature line included

    html = Path(got["written"]["html"]).read_text("utf-8")
    for party, measures in expected.items():
        for measure, x in measures.items():
            row = re.search(rf'<tr data-party="{party}" data-measure="{measure}">(.*?)</tr>', html, re.S)
            assert row is not None, (party, measure)
            cells = dict(re.findall(r'data-key="(\w+)" data-value="([^"]*)"', row.group(1)))
            assert int(cells["count"]) == x["count"]
            assert int(cells["limit"]) == x["limit"]
            assert int(cells["headroom"]) == x["headroom"]
            assert f">{x['verdict']}</td>" in row.group(1)
    for p in got["parties"].values():
        assert p["checkpoint"] in html  # printed verbatim
        assert p["log_key"] in html
    for party, measures in expected.items():  # the breakdown by system type: the CLI's by_system
        table = re.search(rf'<table id="systems-{party.lower()}">(.*?)</table>', html, re.S)
        assert table is not None
        shown = {
            (system, measure): int(value)
            for system, row in re.findall(r'<tr data-system="([^"]+)">(.*?)</tr>', table.group(1), re.S)
            for measure, value in re.findall(r'data-measure="([^"]+)" data-value="(\d+)"', row)
        }
        assert shown == {(s, m): n for m, x in measures.items() for s, n in x["by_system"].items()}
    assert "<script" not in html
    assert "Content-Security-Policy" in html  # the standalone file allows nothing but its own style


def test_every_proof_verifies_offline_and_one_changed_byte_fails(cli: CLI, web_ledger: Path, tmp_path: Path) -> None:
    got = _sheet(cli, web_ledger, OFF_DATE, tmp_path)
    assert got["data_date"] is False
    proofs = sorted(Path(p) for p in got["written"]["proofs"])
    assert proofs
    assert {p.parent.name for p in proofs} == {f"fact-sheet-{OFF_DATE}-proofs"}
    by_party: dict[str, list[dict[str, Any]]] = {p: v["entries"] for p, v in got["parties"].items()}
    keys = {party: _log_key(cli, web_ledger, party) for party in by_party}
    for party, key in keys.items():
        assert got["parties"][party]["log_key"] == key  # the sheet prints `detente trust log-key`
    for path in proofs:
        party, seq = path.stem.split("-")
        code, out, err = cli("trust", "verify", str(path), "--log-key", keys[party])
        assert code == 0, err
        entry = next(e for e in by_party[party] if e["seq"] == int(seq))
        assert f"entry #{seq} ({entry['type']}, effective {entry['effective']})" in out
    # each party: its full declaration, then every entry applied after it by the date, each with its proof
    when = dt.date.fromisoformat(OFF_DATE)
    for party, entries in by_party.items():
        state = got["parties"][party]
        seqs = [e["seq"] for e in entries]
        assert seqs[0] == state["declaration"]
        assert seqs[-1] == state["seq"]
        assert entries[0]["type"] in ("initial-data", "data-update")
        assert entries[0]["effective"] == state["last_update"]
        assert all(dt.date.fromisoformat(e["effective"][:10]) <= when for e in entries)
        assert all(e["file"] for e in entries)
    assert any(len(v) > 1 for v in by_party.values())  # off a data date, changes after the update are proved too

    original = proofs[0].read_bytes()
    lines = original.split(b"\n")
    hash_line = next(i for i, line in enumerate(lines) if i > 2 and len(line) == 44)  # the first path hash
    extra = next(i for i, line in enumerate(lines) if line.startswith(b"extra "))
    signature = next(i for i, line in enumerate(lines) if line.startswith("— ".encode()))
    party = proofs[0].stem.split("-")[0]
    for index, at in ((hash_line, 0), (extra, 10), (signature, len("— detente/new-start/US ".encode()) + 3)):
        changed = list(lines)
        line = bytearray(changed[index])
        line[at] = ord("A") if line[at] != ord("A") else ord("B")
        changed[index] = bytes(line)
        proofs[0].write_bytes(b"\n".join(changed))
        code, _, err = cli("trust", "verify", str(proofs[0]), "--log-key", keys[party])
        assert code == 3, (index, err)
    proofs[0].write_bytes(original)
    assert cli("trust", "verify", str(proofs[0]), "--log-key", keys[party])[0] == 0


def test_bad_input_is_refused_and_nothing_is_written(cli: CLI, web_ledger: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    cases = {
        ("--date", "1999-01-01"): "outside New START",
        ("--date", "2030-01-01"): "outside New START",
        ("--date", "2019-13-45"): "is not a date",
        ("--date", "9" * 5000): "is not a date",
        ("--date", "<script>"): "is not a date",
    }
    for args, words in cases.items():
        code, stdout, err = cli("report", "fact-sheet", str(web_ledger), *args, "--out", str(out), "--json")
        assert code == 2, args
        assert stdout == ""
        problem = json.loads(err)["error"]
        assert words in problem["message"], args
        assert problem["where"] == "--date"
    code, _, err = cli("report", "fact-sheet", str(tmp_path / "missing.sqlite"), "--out", str(out))
    assert code == 2
    assert "no ledger here" in err
    code, _, err = cli("report", "fact-sheet", str(web_ledger), "--out", str(tmp_path / "nowhere"))
    assert code == 2
    assert "does not exist" in err
    assert _files(out) == set()

    # an output that exists: refused without --force, whichever of the three it is, and nothing else written
    stem = f"fact-sheet-{DATA_DATE}"
    for existing in (f"{stem}.html", f"{stem}.pdf", f"{stem}-proofs"):
        folder = tmp_path / existing.replace(".", "-")
        folder.mkdir()
        if existing.endswith("proofs"):
            (folder / existing).mkdir()
        else:
            (folder / existing).write_text("mine")
        code, _, err = cli("report", "fact-sheet", str(web_ledger), "--date", DATA_DATE, "--out", str(folder))
        assert code == 2, existing
        assert "already exists" in err
        assert _files(folder) == {existing}
    assert (tmp_path / f"{stem}-html" / f"{stem}.html").read_text() == "mine"
    got = _sheet(cli, web_ledger, DATA_DATE, tmp_path / f"{stem}-html", "--force")
    assert Path(got["written"]["html"]).read_text("utf-8").lstrip().startswith("<!doctype html>")


def test_a_date_off_the_data_dates_names_them(web_source: Source, cli: CLI, web_ledger: Path) -> None:
    when = dt.date.fromisoformat(OFF_DATE)
    sheet = fact_sheet(web_source, when)
    assert not sheet.data_date
    assert sheet.previous_data_date is not None
    assert sheet.next_data_date is not None
    assert sheet.previous_data_date < when < sheet.next_data_date
    html = fact_sheet_html(sheet, standalone=True)
    assert f"{OFF_DATE} is not a data date" in html
    assert str(sheet.previous_data_date) in html
    assert str(sheet.next_data_date) in html
    assert sheet.counts == _counts(cli, web_ledger, OFF_DATE)  # counted as of the day, as `ledger counts` does
    on_data_date = fact_sheet(web_source, sheet.previous_data_date)
    assert on_data_date.data_date


def test_before_any_declaration_the_sheet_says_so(web_source: Source, cli: CLI, web_ledger: Path) -> None:
    first, _ = web_source.date_range()
    sheet = fact_sheet(web_source, first)
    assert sheet.counts == _counts(cli, web_ledger, str(first))
    assert all(p.seq == 0 and not p.entries for p in sheet.proofs)
    assert fact_sheet_proofs(sheet) == {}
    assert "nothing declared by this date" in fact_sheet_html(sheet)
    assert fact_sheet_pdf(sheet).startswith(b"%PDF-")


def test_entries_beyond_the_latest_checkpoint_are_listed_without_a_proof(cli: CLI, tmp_path: Path) -> None:
    # a ledger of its own key (not the demo's): initial data (checkpointed), then changes no checkpoint covers yet
    uids = [f"US-MM3-{i:03d}" for i in range(6)]
    ledger, _ = cli_ledger(cli, tmp_path, [initial_launchers(uids), *toggles(uids, 4)])
    got = _sheet(cli, ledger, "2011-03-01", tmp_path)
    assert got["counts"] == _counts(cli, ledger, "2011-03-01")
    assert got["illustrative"] is False  # not the demo's keys, and not marked
    us = got["parties"]["US"]
    assert us["declaration"] == 1
    assert [e["seq"] for e in us["entries"]] == list(range(1, us["seq"] + 1))
    assert [bool(e["file"]) for e in us["entries"]] == [e["seq"] <= us["checkpoint_size"] for e in us["entries"]]
    assert any(not e["file"] for e in us["entries"])
    assert len(got["written"]["proofs"]) == sum(1 for e in us["entries"] if e["file"])
    html = Path(got["written"]["html"]).read_text("utf-8")
    assert "no proof yet" in html
    assert "ILLUSTRATIVE" not in html
    (tmp_path / "marked").mkdir()
    marked = _sheet(cli, ledger, "2011-03-01", tmp_path / "marked", "--illustrative")
    assert marked["illustrative"] is True
    assert marked["illustrative_why"] == "the ledger is marked illustrative"


def test_the_standalone_file_in_a_browser(tab: Tab, cli: CLI, web_ledger: Path, tmp_path: Path) -> None:
    got = _sheet(cli, web_ledger, DATA_DATE, tmp_path)
    page = tab.page
    page.goto(Path(got["written"]["html"]).as_uri(), wait_until="load")
    assert page.locator(".illustrative").is_visible()
    for party, measures in got["counts"].items():
        for measure, x in measures.items():
            shown = page.locator(f'tr[data-party="{party}"][data-measure="{measure}"] td[data-key="count"]')
            assert shown.inner_text() == f"{x['count']:,}"
    tab.screenshot("11-fact-sheet")
    assert tab.errors == []


def test_the_served_page_keeps_the_dashboards_policy(tab: Tab, web_url: str, web_source: Source) -> None:
    # the dashboard's route is added elsewhere; here the served HTML is answered as it will be, with the
    # dashboard's headers, so that an inline style or script would show as a console error
    sheet = fact_sheet(web_source, dt.date.fromisoformat(DATA_DATE))
    html = fact_sheet_html(sheet)
    assert "<style" not in html
    assert "/static/dashboard.css" in html

    def answer(route: Route) -> None:
        route.fulfill(status=200, body=html, headers={**SECURITY_HEADERS, "content-type": "text/html; charset=utf-8"})

    tab.page.route(f"{web_url}/fact-sheet-under-test", answer)
    tab.open(f"{web_url}/fact-sheet-under-test")
    colour = tab.page.eval_on_selector(".illustrative", "e => getComputedStyle(e).backgroundColor")
    assert colour != "rgba(0, 0, 0, 0)"  # the dashboard's stylesheet applied
    assert tab.errors == []


def test_the_pdf_prints_every_character(web_source: Source) -> None:
    sheet = fact_sheet(web_source, dt.date.fromisoformat(DATA_DATE))
    text = "".join(pdf_text(fact_sheet_pdf(sheet)))
    assert "?" not in text.replace("?date", "")  # no character the font could not map
    assert "≤" in text
    assert "—" in text


@pytest.mark.parametrize("when", ["2011-02-05", DATA_DATE])
def test_the_library_and_the_cli_agree(web_source: Source, cli: CLI, web_ledger: Path, when: str) -> None:
    sheet = fact_sheet(web_source, dt.date.fromisoformat(when))
    assert sheet.counts == _counts(cli, web_ledger, when)
    for line in sheet.lines:
        x = sheet.counts[line.party][line.measure]
        assert (line.count, line.limit, line.headroom, line.verdict) == (
            x["count"],
            x["limit"],
            x["headroom"],
            x["verdict"],
        )
