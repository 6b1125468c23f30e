"""What a script can rely on: errors on stderr (one JSON object with ``--json``) and nothing on stdout; exit 2 for
bad input or usage, 3 for something checked that does not hold, 1 for a bug; ``--json`` on the commands a script
calls; one meaning per short flag; outputs never overwritten without ``--force``; sizes bounded; a ledger's parties
and treaty are the treaty's."""

from __future__ import annotations

import base64
import json
import math
import os
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer.main

import detente.cli.data
from detente.catalog.load import builtin_catalog
from detente.cli.common import (
    EXIT_BUG,
    EXIT_INPUT,
    EXIT_VERIFICATION,
    failure_of,
    wants_json,
)
from detente.cli.main import app
from detente.crypto.keys import PartyKey
from detente.errors import (
    ChainError,
    DetenteError,
    EscrowError,
    InputError,
    LedgerError,
    Location,
    MisbehaviourError,
    NoteError,
    ProofError,
    RootMismatchError,
    StatisticsError,
    StoreError,
    VerificationError,
    WithheldError,
)
from detente.ledger.memory import MemoryStore
from detente.ledger.writer import Ledger
from detente.planning.upload import MAX_HORIZON_DAYS
from detente.treaty.load import get_treaty
from detente.verification import detection as det

from builders import cli_ledger, initial_launchers

Cli = Callable[..., tuple[int, str, str]]


def _error(err: str) -> dict[str, Any]:
    """The one JSON error object on stderr."""
    assert err.count("\n") == 1, err
    error: dict[str, Any] = json.loads(err)["error"]
    assert set(error) >= {"kind", "type", "message", "where", "hint", "exit_code"}
    return error


@pytest.fixture
def us_ledger(cli: Cli, tmp_path: Path) -> tuple[str, Path]:
    """A ledger with the US registered and its initial data (two launchers)."""
    return cli_ledger(cli, tmp_path, [initial_launchers(["MM-1", "MM-2"])])


# --------------------------------------------------------------------------- exit codes and where errors go


def test_bad_input_goes_to_stderr_and_exits_2(cli: Cli, tmp_path: Path) -> None:
    code, out, err = cli("count", str(tmp_path / "bad.csv"))
    assert (code, out) == (EXIT_INPUT, "")
    assert err.startswith("error:")
    assert "bad.csv: file not found" in err
    code, out, err = cli("count", str(tmp_path / "bad.csv"), "--json")
    assert (code, out) == (EXIT_INPUT, "")
    error = _error(err)
    assert error == {"kind": "input", "type": "FileFormatError", "message": "file not found",
                     "where": str(tmp_path / "bad.csv"), "hint": None, "exit_code": 2}  # fmt: skip


@pytest.mark.parametrize(
    "args",
    [
        ("ledger", "show"),  # a missing argument
        ("count", "us-2020-09", "--no-such-option"),
        ("ledger", "log", "x.sqlite", "--last", "0"),  # out of range
        ("detect", "probability", "-N", "ten"),  # not a number
        ("ledger", "frobnicate"),  # no such command
    ],
)
def test_usage_errors_exit_2_on_stderr_and_as_json(cli: Cli, args: tuple[str, ...]) -> None:
    code, out, err = cli(*args)
    assert (code, out) == (EXIT_INPUT, "")
    assert err.strip()
    code, out, err = cli(*args, "--json")
    assert (code, out) == (EXIT_INPUT, "")
    error = _error(err)
    assert error["kind"] == "usage"
    assert error["exit_code"] == EXIT_INPUT


def test_a_verification_failure_exits_3(cli: Cli, us_ledger: tuple[str, Path], tmp_path: Path) -> None:
    ledger, _ = us_ledger
    export = tmp_path / "e.jsonl"
    assert cli("ledger", "export", ledger, str(export))[0] == 0
    lines = export.read_text().splitlines()
    entry = json.loads(lines[1])
    signature = bytearray(base64.b64decode(entry["signature"]))
    signature[0] ^= 1  # tampered in transit
    entry["signature"] = base64.b64encode(bytes(signature)).decode()
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("\n".join([lines[0], json.dumps(entry), *lines[2:]]) + "\n")
    other = str(tmp_path / "other.sqlite")
    assert cli("ledger", "create", other)[0] == 0
    code, out, err = cli("ledger", "import", other, str(tampered))
    assert (code, out) == (EXIT_VERIFICATION, "")
    assert err == "error: US ledger, entry #1: signature does not verify with the party's public key\n"
    code, out, err = cli("ledger", "import", other, str(tampered), "--json")
    assert (code, out) == (EXIT_VERIFICATION, "")
    assert _error(err)["kind"] == "verification"
    assert _error(err)["where"] == "US ledger, entry #1"
    assert cli("ledger", "log", other, "--json")[1].strip() == "[]"  # nothing was imported


def test_a_bug_exits_1_with_one_line_and_the_traceback_only_when_asked(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(detente.cli.data, "check_party", broken)
    monkeypatch.delenv("DETENTE_DEBUG", raising=False)
    code, out, err = cli("data", "aggregates")
    assert (code, out) == (EXIT_BUG, "")
    assert err.count("\n") == 1
    assert "this is a bug in detente: ZeroDivisionError: boom" in err
    assert "DETENTE_DEBUG=1" in err
    assert "Traceback" not in err
    code, out, err = cli("data", "aggregates", "--json")
    assert (code, out) == (EXIT_BUG, "")
    assert _error(err)["kind"] == "bug"
    assert _error(err)["type"] == "ZeroDivisionError"
    monkeypatch.setenv("DETENTE_DEBUG", "1")
    code, out, err = cli("data", "aggregates")
    assert code == EXIT_BUG
    assert "Traceback" in err
    assert "in broken" in err
    code, _, err = cli("data", "aggregates", "--json")
    assert "in broken" in json.loads(err)["error"]["traceback"]


@pytest.mark.parametrize(
    ("exc", "code", "kind"),
    [
        (ChainError("US", 3, "bad link"), EXIT_VERIFICATION, "verification"),
        (ProofError("root differs"), EXIT_VERIFICATION, "verification"),
        (NoteError("bad signature"), EXIT_VERIFICATION, "verification"),
        (EscrowError("opening does not match"), EXIT_VERIFICATION, "verification"),
        (MisbehaviourError("fork", "two roots", {}), EXIT_VERIFICATION, "verification"),
        (WithheldError("o", 5, 3), EXIT_VERIFICATION, "verification"),
        (RootMismatchError("o", 5, b"\x01" * 32, b"\x02" * 32, "note"), EXIT_VERIFICATION, "verification"),
        (VerificationError("checked, and it does not hold"), EXIT_VERIFICATION, "verification"),
        (InputError("bad", Location.of("f.toml", 3, "x"), "fix it"), EXIT_INPUT, "input"),
        (StoreError("cannot open"), EXIT_INPUT, "input"),
        (DetenteError("something else"), EXIT_INPUT, "input"),
        (PermissionError(13, "Permission denied", "out.png"), EXIT_INPUT, "environment"),
        (KeyError("x"), EXIT_BUG, "bug"),
    ],
)
def test_failures_are_told_apart_by_class(exc: BaseException, code: int, kind: str) -> None:
    failure = failure_of(exc)
    assert (failure.exit_code, failure.kind) == (code, kind)
    assert failure.type == type(exc).__name__


def test_an_input_error_names_where_and_what_to_do() -> None:
    failure = failure_of(InputError("unknown status 'retired'", Location.of("f.csv", 3, "status"), "see the docs"))
    assert failure.line() == "f.csv:3: status: unknown status 'retired' (see the docs)"
    assert failure.as_json()["error"]["where"] == "f.csv:3: status"


def test_json_is_asked_for_anywhere_before_a_double_dash() -> None:
    assert wants_json(["ledger", "--json", "log", "x"])
    assert wants_json(["count", "x", "--json"])
    assert not wants_json(["count", "x"])
    assert not wants_json(["history", "l", "--", "--json"])


def test_a_huge_sequence_number_is_one_line(cli: Cli, us_ledger: tuple[str, Path]) -> None:
    ledger, _ = us_ledger
    code, out, err = cli("ledger", "show", ledger, "US", "99999999999999999999")
    assert (code, out) == (EXIT_INPUT, "")
    assert err.count("\n") == 1
    assert "sequence numbers run from 1 to 9,007,199,254,740,991" in err
    assert cli("ledger", "show", ledger, "US", "0")[0] == EXIT_INPUT
    code, out, err = cli("ledger", "show", ledger, "US", "1", "--json")
    assert code == 0
    assert json.loads(out)["notification"]["seq"] == 1


# --------------------------------------------------------------------------- bounds


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (("detect", "probability", "-N", "1000000000", "-M", "1", "-n", "500000000"), "more than 100,000 items"),
        (("detect", "probability", "-N", "100", "-M", "5", "-n", "10", "--years", "100000000"), "more than 1,000,000"),
        (("detect", "probability", *("--site", "100000:1") * 2), "more than 100,000"),
        (("detect", "probability", *("--site", "10:1") * 101), "101 sites is more than 100"),
        (("detect", "sample-size", "-N", "10000000", "-M", "3"), "more than 100,000 items"),
        (("detect", "game", "-g", "1", "-b", "3", "--per-inspection", "1e-300"), "more than 1,000,000 inspections"),
        (("detect", "simulate", "-s", "spread", "-x", "5", "--years", "1000000000000"), "--years"),
        (("detect", "simulate", "-s", "spread", "-x", "5", "-m", "100000"), "--inspections"),
        (("detect", "chart", "--out", "{tmp}/c.png", "--years", "10000000", "--max-inspections", "18"), "sweep"),
        (("upload", "--years", "100000"), "at most 100"),
        (("upload", "--years", "inf"), "--years"),
        (("upload", "--years", "nan"), "--years"),
        (("inspect", "quota", "{tmp}/none.sqlite", "--by", "US", "--year", "99999999999"), "--year"),
    ],
)
def test_sizes_past_a_stated_limit_are_refused_at_once(cli: Cli, tmp_path: Path, args: tuple[str, ...], why: str):
    started = time.monotonic()
    code, out, err = cli(*(a.format(tmp=tmp_path) for a in args))
    assert time.monotonic() - started < 10
    assert (code, out) == (EXIT_INPUT, "")
    assert why in err.replace("\n", "")
    assert "Traceback" not in err


# --------------------------------------------------------------------------- parties, keys and treaties


def test_keys_and_registration_take_only_the_treatys_parties(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("keys", "generate", "--party", "CN", "--out", str(tmp_path / "cn.key"))
    assert code == EXIT_INPUT
    assert "'CN' is not a party to new-start" in err
    assert "its parties: US, RU" in err
    assert not (tmp_path / "cn.key").exists()
    code, out, err = cli("keys", "generate", "--party", "RU", "--out", str(tmp_path / "ru.key"), "--json")
    assert code == 0, err
    facts = json.loads(out)
    assert facts["party"] == "RU"
    assert len(base64.b64decode(facts["public_key"])) == 32
    code, out, _ = cli("keys", "show", str(tmp_path / "ru.key"), "--json")
    assert json.loads(out) == facts
    ledger = str(tmp_path / "l.sqlite")
    assert cli("ledger", "create", ledger)[0] == 0
    code, _, err = cli("ledger", "register", ledger, "--party", "CN", "--public-key", facts["public_key"])
    assert code == EXIT_INPUT
    assert "'CN' is not a party to new-start" in err


def test_one_key_is_not_registered_for_two_parties(cli: Cli, us_ledger: tuple[str, Path]) -> None:
    ledger, key = us_ledger
    code, out, _ = cli("keys", "show", str(key), "--json")
    us_key = json.loads(out)["public_key"]
    code, out, err = cli("ledger", "register", ledger, "--party", "RU", "--public-key", us_key)
    assert (code, out) == (EXIT_INPUT, "")
    assert "is already registered for US: one key signs for one party" in err


def test_a_ledger_records_its_treaty_by_id_and_refuses_a_treaty_file(cli: Cli, tmp_path: Path) -> None:
    key = tmp_path / "us.key"
    assert cli("keys", "generate", "--party", "US", "--out", str(key))[0] == 0
    ledger = str(tmp_path / "l.sqlite")
    assert cli("ledger", "create", ledger)[0] == 0
    treaty_file = "src/detente/treaty/builtin/new-start.toml"
    code, _, err = cli("ledger", "register", ledger, "--key", str(key), "--treaty", treaty_file)
    assert code == EXIT_INPUT
    assert "is a treaty file; a ledger records its treaty by id" in err
    code, out, err = cli("ledger", "register", ledger, "--key", str(key), "--treaty", "new-start", "--json")
    assert code == 0, err
    assert json.loads(out)["treaty"] == "new-start"


def test_the_writer_refuses_a_treaty_by_path_and_a_key_registered_twice(tmp_path: Path) -> None:
    key = PartyKey.from_seed("US", b"\x01" * 32)
    ledger = Ledger(MemoryStore(), key, builtin_catalog(), get_treaty)
    with pytest.raises(LedgerError, match="records its treaty by id"):
        ledger.register("US", key.public_key, "src/detente/treaty/builtin/new-start.toml")
    ledger.register("US", key.public_key, "new-start")
    with pytest.raises(LedgerError, match="already registered for US"):
        ledger.register("RU", key.public_key, "new-start")
    assert [r.party for r in ledger.store.parties()] == ["US"]


def test_a_bad_json_lines_notification_is_named_by_its_file_and_line(
    cli: Cli, us_ledger: tuple[str, Path], tmp_path: Path
) -> None:
    """The defect: the origin was "n.jsonl:3", so errors read "n.jsonl:3:1: ..."."""
    ledger, key = us_ledger
    drafts = tmp_path / "n.jsonl"
    drafts.write_text('{"type": "x"}\n\n{"type": \n', "utf-8")
    code, out, err = cli("ledger", "submit", ledger, str(drafts), "--key", str(key))
    assert (code, out) == (EXIT_INPUT, "")
    assert f"{drafts}:3: not a complete JSON line" in err
    assert f"{drafts}:3:1" not in err
    drafts.write_text('{"type": "x"}\n{"type": "x", "type": "y"}\n', "utf-8")
    code, out, err = cli("ledger", "submit", ledger, str(drafts), "--key", str(key))
    assert (code, out) == (EXIT_INPUT, "")
    assert f"{drafts}:2: key 'type' appears twice" in err


# --------------------------------------------------------------------------- outputs are never overwritten


def test_ledger_export_refuses_an_existing_file_unless_forced(cli: Cli, us_ledger: tuple[str, Path], tmp_path: Path):
    ledger, _ = us_ledger
    out_file = tmp_path / "e.jsonl"
    out_file.write_text("mine\n")
    code, out, err = cli("ledger", "export", ledger, str(out_file))
    assert (code, out) == (EXIT_INPUT, "")
    assert "already exists" in err
    assert out_file.read_text() == "mine\n"
    code, out, _ = cli("ledger", "export", ledger, str(out_file), "--force", "--json")
    assert code == 0
    assert json.loads(out)["lines"] == 3
    assert out_file.read_text().startswith('{"format"')
    assert not (tmp_path / "e.jsonl.partial").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("plan", "us-2020-09", "--deadline", "2022-01-01", "--chart", "{file}"),
        ("upload", "US", "--chart", "{file}"),
        ("proposals", "compare", "us-2009-12", "--chart", "{file}"),
        ("detect", "chart", "--out", "{file}", "--years", "100", "--max-inspections", "2", "-s", "hide"),
        ("ledger", "demo", "{file}"),
        ("demo", "--ledger", "{file}"),
    ],
)
def test_a_written_file_is_never_overwritten_without_force(cli: Cli, tmp_path: Path, args: tuple[str, ...]) -> None:
    existing = tmp_path / ("out.png" if "demo" not in args else "out.sqlite")
    existing.write_bytes(b"precious")
    started = time.monotonic()
    code, out, err = cli(*(a.format(file=existing) for a in args))
    assert time.monotonic() - started < 10  # refused before the work, not after
    assert (code, out) == (EXIT_INPUT, "")
    assert "already exists; refusing to overwrite" in err
    assert "--force" in _option_names(args)
    assert existing.read_bytes() == b"precious"


def test_forcing_replaces_the_file(cli: Cli, tmp_path: Path) -> None:
    chart = tmp_path / "up.svg"
    chart.write_text("old")
    code, _, err = cli("upload", "US", "--chart", str(chart), "--force", "--json")
    assert code == 0, err
    assert chart.read_text().lstrip().startswith("<?xml")
    ledger = tmp_path / "demo.sqlite"
    ledger.write_bytes(b"not a ledger")
    code, out, err = cli("ledger", "demo", str(ledger), "--force", "--json")
    assert code == 0, err
    assert json.loads(out)["notifications"]["US"] > 1000
    assert cli("ledger", "log", str(ledger), "--last", "1", "--json")[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.sqlite", "up.svg"]


def _option_names(args: tuple[str, ...]) -> set[str]:
    command = typer.main.get_command(app)
    for word in args:
        sub = getattr(command, "commands", {})
        if word not in sub:
            break
        command = sub[word]
    return {o for p in command.params for o in p.opts}


# --------------------------------------------------------------------------- flags, --json, completion


def _leaves(command: Any, path: str = "detente") -> list[tuple[str, Any]]:
    if hasattr(command, "commands"):
        return [leaf for name in list(command.commands) for leaf in _leaves(command.commands[name], f"{path} {name}")]
    return [(path, command)]


def test_every_short_flag_has_one_meaning_across_the_cli() -> None:
    meanings: dict[str, set[str]] = defaultdict(set)
    for path, command in _leaves(typer.main.get_command(app)):
        for param in command.params:
            longs = [o for o in param.opts if o.startswith("--")]
            for short in (o for o in param.opts if o.startswith("-") and not o.startswith("--")):
                meanings[short].add(longs[0] if longs else f"{path}:{param.name}")
    conflicts = {short: sorted(names) for short, names in meanings.items() if len(names) > 1}
    assert not conflicts, f"a short flag with several meanings: {conflicts}"
    assert meanings["-p"] == {"--party"}


SCRIPTED = ("keys", "ledger", "inspect", "detect", "plan", "upload", "data", "proposals", "report", "zk")


def test_every_command_a_script_calls_takes_json() -> None:
    group = typer.main.get_command(app)
    missing = [
        path
        for name in SCRIPTED
        for path, command in _leaves(group.commands[name], f"detente {name}")
        if "--json" not in {o for p in command.params for o in p.opts}
    ]
    assert not missing, f"commands without --json: {missing}"


def test_shell_completion_is_on_and_lists_commands() -> None:
    assert "--show-completion" in {o for p in typer.main.get_command(app).params for o in p.opts}
    run = "import sys; sys.argv[0] = 'detente'; from detente.cli.main import main; main()"
    env = {**os.environ, "_DETENTE_COMPLETE": "complete_bash", "COMP_WORDS": "detente led", "COMP_CWORD": "1"}
    done = subprocess.run([sys.executable, "-c", run], env=env, capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout.split()) == (0, ["ledger"]), done.stderr
    env.update(COMP_WORDS="detente ledger sh", COMP_CWORD="2")  # a group's commands: the group is imported
    done = subprocess.run([sys.executable, "-c", run], env=env, capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout.split()) == (0, ["show"]), done.stderr


def test_submit_prints_json_for_scripts(cli: Cli, us_ledger: tuple[str, Path], tmp_path: Path) -> None:
    ledger, key = us_ledger
    change = {"type": "status-change", "sent": "2011-03-01T00:00:00Z", "effective": "2011-03-01T00:00:00Z",
              "content": {"uid": "MM-1", "from": "deployed", "to": "non-deployed"}}  # fmt: skip
    drafts, bad = tmp_path / "change.json", tmp_path / "bad.json"
    drafts.write_text(json.dumps([change]))
    bad.write_text(json.dumps([{**change, "content": {**change["content"], "uid": "NOPE"}}]))
    code, out, err = cli("ledger", "submit", ledger, str(drafts), "--key", str(key), "--json")
    assert code == 0, err
    [result] = json.loads(out)
    assert (result["appended"], result["first"], result["last"]) == (1, 2, 2)
    assert len(result["entries"][0]["hash"]) == 64
    code, out, err = cli("ledger", "submit", ledger, str(bad), "--key", str(key), "--json")
    assert (code, out) == (EXIT_INPUT, "")
    assert "NOPE" in _error(err)["message"] + str(_error(err)["where"])


def test_one_submit_of_several_files_is_one_transaction(cli: Cli, us_ledger: tuple[str, Path], tmp_path: Path) -> None:
    ledger, key = us_ledger
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    change = {"type": "status-change", "sent": "2011-03-01T00:00:00Z", "effective": "2011-03-01T00:00:00Z",
              "content": {"uid": "MM-2", "from": "deployed", "to": "non-deployed"}}  # fmt: skip
    good.write_text(json.dumps([change]))
    bad.write_text(json.dumps([{**change, "content": {**change["content"], "uid": "NOPE"}}]))
    code, out, err = cli("ledger", "submit", ledger, str(good), str(bad), "--key", str(key), "--json")
    assert (code, out) == (EXIT_INPUT, "")
    assert f"{bad} #1" in str(_error(err)["where"]) + _error(err)["message"]  # the refused file's notification
    code, out, err = cli("ledger", "log", ledger, "--json")
    assert [r["seq"] for r in json.loads(out)] == [1]  # the good file's notification was not appended either
    code, out, err = cli("ledger", "submit", ledger, str(good), "--key", str(key), "--json")
    assert code == 0
    code, out, err = cli("ledger", "submit", ledger, str(good), "--key", str(key), "--json")  # a retry
    [result] = json.loads(out)
    assert (code, result["appended"], result["already_in_the_ledger"], result["first"]) == (0, 0, True, 2)


def test_the_detection_bounds_are_stated_in_the_library() -> None:
    assert (det.MAX_ITEMS, det.MAX_SITES, det.MAX_REPEATS) == (100_000, 100, 1_000_000)
    assert det.detection_probability(det.MAX_ITEMS, 1, 1) == pytest.approx(1 / det.MAX_ITEMS)
    with pytest.raises(StatisticsError, match="population N"):
        det.non_detection(det.MAX_ITEMS + 1, 1, 1)
    with pytest.raises(StatisticsError, match="years"):
        det.over_years(0.5, det.MAX_REPEATS + 1)
    assert det.over_years(0.5, det.MAX_REPEATS) == 1.0
    assert math.isclose(MAX_HORIZON_DAYS / 365.25, 100)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda text: text.replace('"treaty": "new-start"', '"treaty": "drafts/mine.toml"'), "treaty: 'drafts/mine"),
        (lambda text: text.replace('"party": "US"', '"party": "CN"').replace('{"US":', '{"CN":'),
         "party: 'CN' is not a party to new-start"),
    ],
)  # fmt: skip
def test_import_takes_a_treaty_by_id_and_only_its_parties(
    cli: Cli, us_ledger: tuple[str, Path], tmp_path: Path, change: Callable[[str], str], why: str
) -> None:
    ledger, _ = us_ledger
    export = tmp_path / "e.jsonl"
    assert cli("ledger", "export", ledger, str(export))[0] == 0
    edited = tmp_path / "edited.jsonl"  # as if the other party had sent it so
    edited.write_text(change(export.read_text()))
    other = str(tmp_path / "other.sqlite")
    assert cli("ledger", "create", other)[0] == 0
    code, out, err = cli("ledger", "import", other, str(edited))
    assert (code, out) == (EXIT_INPUT, "")
    assert f"{edited}:1: {why}" in err
