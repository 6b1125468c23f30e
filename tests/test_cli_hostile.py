"""Strings from the other party are shown, never interpreted: Rich markup, terminal escapes, bidi overrides,
newlines and very long strings in identifiers, names and paths neither crash a command, nor forge its output, nor
reach the terminal raw; identifiers with control or bidi characters are refused at the schema."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text

from detente.cli.common import clean, plain, print_json, shown
from detente.errors import NotificationError
from detente.ledger.notifications import parse_notification

from builders import cli_ledger

Cli = Callable[..., tuple[int, str, str]]

MARKUP_CLOSE = "[/x]"
MARKUP_FORGED = "[bold red]fake[/]"
ESCAPE = "\x1b[31m"
BIDI = "\u202e"
HOSTILE_UIDS = [MARKUP_CLOSE, MARKUP_FORGED, "M" * 64, "[link=http://x]y[/link]", "a\\[b]"]
# Anything a terminal acts on: C0 (but the newline and tab Rich writes itself), DEL, C1, bidi controls.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
INITIAL = "2011-02-05T00:00:00Z"


def _initial(uids: list[str], facility: str = "US-ICBM-1", name: str = "") -> dict[str, Any]:
    item = {"system": "minuteman-iii", "kind": "launcher", "status": "deployed", "facility": facility, "warheads": 1}
    site: dict[str, Any] = {"id": facility, "kind": "icbm-base", **({"name": name} if name else {})}
    return {
        "type": "initial-data",
        "sent": INITIAL,
        "effective": INITIAL,
        "content": {"facilities": [site], "items": [{"uid": u, **item} for u in uids]},
        "remarks": f"{ESCAPE}{BIDI}remark\n| forged | row |",
    }


def _status(uid: str, when: str) -> dict[str, Any]:
    return {"type": "status-change", "sent": when, "effective": when,
            "content": {"uid": uid, "from": "deployed", "to": "non-deployed"}}  # fmt: skip


@pytest.fixture
def hostile(cli: Cli, tmp_path: Path) -> tuple[str, Path]:
    """A ledger whose US items have hostile (but schema-valid) identifiers, at a facility with a hostile name."""
    name = f"{MARKUP_FORGED}\n│ US │ 999 │ {ESCAPE}{BIDI}"
    ledger, key = cli_ledger(
        cli, tmp_path, [_initial(HOSTILE_UIDS, "[/fac]", name), _status(MARKUP_CLOSE, "2011-03-01")]
    )
    return ledger, key


def _no_raw_controls(text: str) -> None:
    assert not RAW.search(text), repr(RAW.search(text))


@pytest.mark.parametrize(
    "args",
    [
        ("ledger", "diff", "{ledger}", "--from", "2011-02-05", "--to", "2011-03-02"),
        ("ledger", "history", "{ledger}", MARKUP_CLOSE),
        ("ledger", "history", "{ledger}", MARKUP_FORGED),
        ("ledger", "log", "{ledger}"),
        ("ledger", "state", "{ledger}", "--date", "2011-03-02"),
        ("ledger", "show", "{ledger}", "US", "1"),
    ],
)
def test_hostile_identifiers_are_shown_as_written(cli: Cli, hostile: tuple[str, Path], args: tuple[str, ...]) -> None:
    ledger, _ = hostile
    code, out, err = cli(*(a.format(ledger=ledger) for a in args))
    assert code == 0, out + err
    _no_raw_controls(out + err)
    if args[1] == "diff":
        assert MARKUP_CLOSE in out  # shown as written, not taken as a closing tag
    if args[1] == "history":
        assert f"US item {args[3]}" in out  # the title, as written


def test_hostile_strings_in_json_output_are_escaped_and_round_trip(cli: Cli, hostile: tuple[str, Path]) -> None:
    ledger, _ = hostile
    code, out, _ = cli("ledger", "show", ledger, "US", "1", "--json")
    assert code == 0
    _no_raw_controls(out)
    shown_back = json.loads(out)["notification"]
    assert shown_back["remarks"] == f"{ESCAPE}{BIDI}remark\n| forged | row |"  # JSON keeps the data exact
    assert shown_back["content"]["facilities"][0]["id"] == "[/fac]"
    code, out, _ = cli("ledger", "diff", ledger, "--from", "2011-02-05", "--to", "2011-03-02", "--json")
    assert code == 0
    assert [d["uid"] for d in json.loads(out)["US"]] == [MARKUP_CLOSE]


def test_a_hostile_facility_name_cannot_forge_a_plan(cli: Cli, hostile: tuple[str, Path], tmp_path: Path) -> None:
    ledger, _ = hostile
    ru_key = tmp_path / "ru.key"
    assert cli("keys", "generate", "--party", "RU", "--out", str(ru_key))[0] == 0
    assert cli("ledger", "register", ledger, "--key", str(ru_key))[0] == 0
    code, out, err = cli("inspect", "plan", ledger, "--by", "RU", "--of", "US", "--at", "2011-06-01", "--seed", "1")
    assert code == 0, out + err
    _no_raw_controls(out)
    site_line = next(line for line in out.splitlines() if "site:" in line)
    assert "[/fac]" in site_line
    assert MARKUP_FORGED in site_line
    assert "│ US │ 999 │" in site_line  # on the site's line: the newline is shown as \x0a, not obeyed
    assert "\\x0a" in site_line


@pytest.mark.parametrize("bad", ["A\x1b[31m", "A\u202e", "A\nB", "A\x00", "A\x85", "A\x7f", "A\u2066", "\u200bA", ""])
@pytest.mark.parametrize("field", ["uid", "facility", "party"])
def test_identifiers_with_control_or_bidi_characters_are_refused_at_the_schema(field: str, bad: str) -> None:
    content = {"uid": "OK-1", "from": "deployed", "to": "non-deployed"}
    payload: dict[str, Any] = {
        "format": "detente.notification/1", "party": "US", "seq": 2, "prev": "0" * 64,
        "sent": INITIAL, "effective": INITIAL, "type": "status-change", "content": content,
    }  # fmt: skip
    if field == "uid":
        content["uid"] = bad
    elif field == "facility":
        payload["type"], payload["content"] = "movement", {"uid": "OK-1", "from": bad, "to": "B"}
    else:
        payload["type"], payload["content"] = "receipt", {"of": {"party": bad, "seq": 1}}
    with pytest.raises(NotificationError, match=r"\[schema\]"):
        parse_notification(payload)


def test_a_refused_hostile_identifier_is_one_clean_line(cli: Cli, hostile: tuple[str, Path], tmp_path: Path) -> None:
    ledger, key = hostile
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([_status(f"X{ESCAPE}{BIDI}", "2011-03-03")]))
    code, out, err = cli("ledger", "submit", ledger, str(bad), "--key", str(key))
    assert code == 2
    assert out == ""
    _no_raw_controls(err)
    assert "\\x1b" in err
    assert err.count("\n") == 1


def test_hostile_paths_and_arguments_are_not_markup(cli: Cli, tmp_path: Path) -> None:
    odd = tmp_path / "[bold red]x[" / "[/y]"
    odd.mkdir(parents=True)
    ledger = odd / "l.sqlite"
    code, out, err = cli("ledger", "create", str(ledger))
    assert code == 0, err
    assert str(ledger) in out
    code, out, err = cli("ledger", "history", str(ledger), f"{MARKUP_CLOSE}{ESCAPE}")
    assert code == 2
    _no_raw_controls(err)
    assert MARKUP_CLOSE in err


def test_long_strings_are_shown_whole_and_wrapped(cli: Cli, hostile: tuple[str, Path]) -> None:
    ledger, _ = hostile
    code, out, _ = cli("ledger", "history", ledger, "M" * 64)
    assert code == 0
    assert "M" * 64 in out.replace("\n", "").replace("│", "").replace(" ", "")
    code, _, err = cli("ledger", "history", ledger, "Z" * 100_000)
    assert code == 2
    assert err.count("\n") == 1  # one (long) line


def test_helpers_escape_markup_and_controls(capsys: pytest.CaptureFixture[str]) -> None:
    assert clean(f"a{ESCAPE}b{BIDI}c\nd\x9b") == "a\\x1b[31mb\\u202ec\\x0ad\\x9b"
    assert shown(MARKUP_CLOSE) == "\\[/x]"
    assert isinstance(plain(MARKUP_FORGED), Text)
    assert plain(MARKUP_FORGED).plain == MARKUP_FORGED
    print_json({"s": f"{ESCAPE}\x9b{BIDI}\x7f"})
    out = capsys.readouterr().out
    _no_raw_controls(out)
    assert json.loads(out) == {"s": f"{ESCAPE}\x9b{BIDI}\x7f"}
