"""The command line as a user meets it: outputs, JSON shape, and bad input → one clear line on stderr, exit code 2."""

from __future__ import annotations

import json

import pytest


def test_count_json_is_keyed_by_party_then_measure(cli):
    code, out, _ = cli("count", "us-2020-09", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"US"}
    assert set(data["US"]) == {"deployed-delivery-vehicles", "warheads", "launchers"}
    launchers = data["US"]["launchers"]
    assert (launchers["count"], launchers["limit"], launchers["verdict"]) == (800, 800, "within")
    assert launchers["official"]["value"] == 800


def test_count_under_variant_and_date(cli):
    code, out, _ = cli("count", "us-2020-09", "-t", "new-start+ru-2022", "--date", "2017-01-01", "--json")
    assert code == 0
    launchers = json.loads(out)["US"]["launchers"]
    assert launchers["count"] == 901
    assert launchers["verdict"] == "not-in-force"  # limits bind from 2018-02-05
    assert launchers["official"] is None  # no data exchange on that date


def test_count_table_shows_breakdown_and_official(cli):
    code, out, _ = cli("count", "us-2020-09")
    assert code == 0
    assert "1,457" in out
    assert "trident-ii-d5" in out
    assert "1 per deployed heavy bomber" in out
    assert "(stated)" in out


def test_compare_side_by_side(cli):
    code, out, _ = cli("compare", "us-2020-09", "-t", "new-start", "-t", "new-start+ru-2022", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["new-start"]["US"]["launchers"]["count"] == 800
    assert data["new-start+ru-2022"]["US"]["launchers"]["count"] == 901


def test_demo_runs_and_shows_official_figures(cli, tmp_path):
    ledger = tmp_path / "demo.sqlite"
    code, out, _ = cli("demo", "--ledger", str(ledger))
    assert code == 0
    for text in ("901", "10,563", "10,271", "1,474", "illustrative"):
        assert text in out
    assert "145 of 145 published figures equal the counts replayed from the ledger" in out
    assert "(silent: last data 2022-09-01)" in out  # Russia gave no data for 2023-03-01
    code, out, _ = cli("ledger", "timeline", str(ledger), "--json")
    rows = json.loads(out)
    published = [r for r in rows if r["official"] is not None]
    assert len(published) == 145
    assert all(r["count"] == r["official"] for r in published)
    code, out, err = cli("demo", "--ledger", str(ledger))
    assert code == 2  # an existing file is never overwritten without --force
    assert "already exists" in err
    assert out == ""


def test_treaty_list_show_and_schema(cli):
    code, out, _ = cli("treaty", "list", "--json")
    assert code == 0
    ids = {t["id"] for t in json.loads(out)}
    assert {"new-start", "start-i", "sort", "joint-understanding", "dec-2009-framing"} <= ids
    code, out, _ = cli("treaty", "show", "start-i")
    assert code == 0
    assert "the first 150 of US count 10" in out
    code, out, _ = cli("treaty", "schema")
    assert json.loads(out)["title"] == "Treaty"


def test_data_commands(cli):
    code, out, _ = cli("data", "aggregates", "--party", "RU", "--json")
    assert code == 0
    rows = json.loads(out)
    assert all(r["party"] == "RU" for r in rows)
    assert {k: rows[0][k] for k in ("as_of", "warheads")} == {"as_of": "2011-02-05", "warheads": 1537}
    code, out, _ = cli("data", "stockpiles", "--from", "1967", "--to", "1967", "--json")
    assert json.loads(out)[0]["us"] == 31255
    code, out, _ = cli("data", "forces")
    assert code == 0
    assert "start-mou-1990" in out


def test_catalog_commands(cli):
    code, out, _ = cli("catalog", "show", "LGM-30G")
    assert code == 0
    assert "minuteman-iii" in out
    code, out, _ = cli("catalog", "list", "--json")
    assert len(json.loads(out)) >= 32


def test_validate_reports_what_each_file_holds(cli, tmp_path):
    (tmp_path / "f.csv").write_text("party,system,status,count,source\nUS,Minuteman III,deployed,3,me\n")
    code, out, _ = cli("validate", str(tmp_path / "f.csv"), "src/detente/treaty/builtin/start-i.toml")
    assert code == 0
    assert "3 items" in out
    assert "treaty 'start-i'" in out


def test_validate_recognises_proposals_and_refuses_bad_ones(cli, tmp_path):
    code, out, _ = cli("validate", "src/detente/planning/builtin/ju-2009-low.toml")
    assert code == 0
    assert "proposal 'ju-2009-low' on joint-understanding" in out
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "x"\nname = "X"\nkind = "proposal"\nextends = "new-start"\n[proposal]\nyears = -3\n')
    code, out, err = cli("validate", str(bad))
    assert code == 2
    assert "proposal.years" in out + err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["count", "no-such-force"], "no force file or shipped force named 'no-such-force'"),
        (["count", "us-2020-09", "-t", "nope"], "unknown treaty 'nope'"),
        (["count", "us-2020-09", "-t", "new-start+nope"], "has no variant 'nope'"),
        (["count", "us-2020-09", "--date", "2020-13-01"], "--date: expected YYYY-MM-DD"),
        (["count", "us-2020-09", "-t", "start-i"], None),  # control: every US 2020 type has a START I attribution
        (["count", "ru-2022", "-t", "start-i"], "attributes no warheads to"),
        (["data", "aggregates", "--party", "CN"], "no New START data for party 'CN'"),
        (["data", "stockpiles", "--from", "2000", "--to", "1990"], "--from 2000 is after --to 1990"),
        (["catalog", "show", "Minuteman 4"], "unknown system 'Minuteman 4'"),
        (["count", "ru-2022", "-t", "start-i", "--json"], "attributes no warheads to"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli, args, expected):
    code, out, err = cli(*args)
    if expected is None:
        assert code == 0
        return
    assert code == 2
    assert expected in err
    assert "Traceback" not in out + err
    assert out == ""
    if "--json" in args:  # one JSON object on stderr
        assert expected in json.loads(err)["error"]["message"]
    else:
        assert err.count("error:") == 1


def test_bad_file_names_file_and_line(cli, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("party,system,status,count,source\nUS,Minuteman III,deployed,3,me\nUS,Minuteman III,retired,1,me\n")
    code, _, err = cli("validate", str(bad))
    assert code == 2
    assert f"{bad}:3: status: unknown status 'retired'" in err.replace("\n", "")
