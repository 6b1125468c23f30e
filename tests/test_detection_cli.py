"""``detente detect``: the commands print what the library computes; bad input ends with one line and exit 2."""

from __future__ import annotations

import json

import pytest

from detente.verification.detection import detection_probability, multistage_probability, sample_size
from detente.verification.montecarlo import Regime, exact_probability, new_start_like_bases, place


def test_probability_single_site(cli):
    code, out, _ = cli("detect", "probability", "-N", "100", "-M", "5", "-n", "10", "--years", "3")
    assert code == 0
    assert "0.4162" in out
    code, out, _ = cli("detect", "probability", "-N", "100", "-M", "5", "-n", "10", "--years", "3", "--json")
    result = json.loads(out)
    assert result["probability"] == detection_probability(100, 5, 10)
    assert result["probability_over_years"] == pytest.approx(1 - (1 - result["probability"]) ** 3)


def test_probability_multistage(cli):
    args = ["--site", "10:2", "--site", "20:0", "--site", "30:5", "--inspect", "2", "--items", "3"]
    code, out, _ = cli("detect", "probability", *args, "--weight", "1", "--weight", "2", "--weight", "3", "--json")
    assert code == 0
    assert json.loads(out)["probability"] == multistage_probability([10, 20, 30], [2, 0, 5], 2, 3, [1, 2, 3])


def test_sample_size_table_and_json(cli):
    code, out, _ = cli("detect", "sample-size", "-N", "100", "-M", "5", "--target", "0.95")
    assert code == 0
    assert "IAEA" in out
    code, out, _ = cli("detect", "sample-size", "-N", "100", "-M", "5", "--target", "0.95", "--target", "0.5", "--json")
    rows = json.loads(out)
    assert [r["exact"] for r in rows] == [sample_size(100, 5, 0.95).exact, sample_size(100, 5, 0.5).exact]
    assert all(r["iaea_rounded"] >= r["exact"] for r in rows)


def test_game(cli):
    code, out, _ = cli(
        "detect", "game", "-g", "1", "-b", "3", "--detection", "0.2", "--per-inspection", "0.05", "--json"
    )
    assert code == 0
    result = json.loads(out)
    assert result["threshold"] == 0.25
    assert result["deters"] is False
    assert 1 - 0.95 ** result["minimum_inspections"] >= 0.25 > 1 - 0.95 ** (result["minimum_inspections"] - 1)
    code, out, _ = cli("detect", "game", "-g", "1", "-b", "1", "--false-alarm-rate", "0.5", "--false-alarm-cost", "4")
    assert code == 0
    assert "no detection probability deters" in out


def test_simulate_is_reproducible_and_agrees_with_exact(cli):
    args = ["detect", "simulate", "-s", "spread", "-x", "60", "--years", "100000", "--seed", "5", "--json"]
    code, out, _ = cli(*args)
    assert code == 0
    first = json.loads(out)
    _, again, _ = cli(*args)
    assert json.loads(again) == first
    bases = new_start_like_bases()
    assert first["exact"] == exact_probability(bases, place("spread", bases, 60), Regime())
    assert first["low"] <= first["exact"] <= first["high"]
    code, out, _ = cli(*args[:-1])
    assert code == 0
    assert "ILLUSTRATIVE" in out


def test_chart_writes_png_and_refuses_to_overwrite(cli, tmp_path):
    out = tmp_path / "detect.png"
    args = ["detect", "chart", "--out", str(out), "--years", "2000", "--max-inspections", "4", "-s", "hide"]
    code, _, _ = cli(*args)
    assert code == 0
    assert out.read_bytes()[:4] == b"\x89PNG"
    code, text, err = cli(*args)
    assert code == 2
    assert "already exists" in err
    assert text == ""
    assert cli(*args, "--force")[0] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["probability", "-N", "100", "-M", "101", "-n", "10"], "violations M: M = 101 is more than the population"),
        (["probability", "-N", "100", "-M", "5", "-n", "-1"], "sample n: must be at least 0"),
        (["probability", "-N", "100", "-M", "5"], "give -N, -M and -n"),
        (["probability", "--site", "10-2"], "--site #1: expected SIZE:VIOLATIONS"),
        (["probability", "--site", "10:2", "-N", "5"], "not both"),
        (["sample-size", "-N", "100", "-M", "5", "--target", "1.5"], "target: must be a probability in [0, 1]"),
        (["game", "-g", "0", "-b", "1"], "gain g: must be above 0"),
        (["simulate", "-s", "bury", "-x", "5"], "unknown strategy 'bury'"),
        (["simulate", "-s", "concentrate", "-x", "100000"], "do not fit"),
        (["simulate", "-s", "spread", "-x", "5", "--base", "A:10:3"], "--base #1"),
        (["simulate", "-s", "spread", "-x", "5", "--weight", "1"], "1 weights for 5 bases"),
        (["chart", "--out", "x.pdf"], "name the file .png or .svg"),
    ],
)
def test_bad_input_exits_2_with_one_line(cli, args, message):
    code, out, err = cli("detect", *args)
    assert code == 2
    assert message in err
    assert err.startswith("error:")
    assert len(err.strip().splitlines()) == 1
    assert out == ""
