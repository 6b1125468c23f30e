"""Benchmark: start-up time of the ``detente`` command, against importing the libraries it is built on.

Measures, interleaved in one run (one of each command per round, so drift on a shared machine hits all three
alike) and as the median wall time of R rounds after one warm-up round, each a fresh process:
  1. ``python -c "import typer, rich.table"``: the floor, what any Typer + Rich command pays;
  2. ``detente --help``;
  3. ``detente version``;
and prints each as a ratio to the first. The target: ``detente --help`` and ``detente version`` within 2.5 x the
floor. Whether it is met is printed; timing never fails the run.

Checked, and the bench exits with status 1 if a check fails: every run exits with status 0; ``detente --help``
lists every command and command group the CLI's Typer app registers (the app is asked after the timing, in this
process); ``detente version`` prints ``detente.__version__``.

The command is the venv's ``detente`` console script beside this Python, or ``python -m detente.cli.main`` if
there is none.

Run:  .venv/bin/python bench/bench_cli.py [--repeat R]   (default 15 rounds)
      .venv/bin/python bench/bench_cli.py --small        (1 round, no warm-up: the same checks)
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

TARGET = 2.5  # x the floor, for detente --help and detente version


def detente_command() -> list[str]:
    """The venv's console script if it is there, else the module."""
    script = Path(sys.executable).with_name("detente")
    return [str(script)] if script.exists() else [sys.executable, "-m", "detente.cli.main"]


def commands() -> dict[str, list[str]]:
    """What is timed, by label; the first is the floor the others are compared with."""
    detente = detente_command()
    return {
        'python -c "import typer, rich.table"': [sys.executable, "-c", "import typer, rich.table"],
        "detente --help": [*detente, "--help"],
        "detente version": [*detente, "version"],
    }


def run(argv: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall time of one fresh process, and what it did."""
    env = {**os.environ, "NO_COLOR": "1"}  # plain text to check; the same for every command
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)  # noqa: S603 - our own argv
    return time.perf_counter() - start, done


def registered_commands() -> tuple[list[str], list[str]]:
    """Top-level command names and command-group names, as the CLI's Typer app registers them (as
    tests/test_docs.py reads them: a group is a command with commands of its own)."""
    import typer  # noqa: PLC0415 - only after the timing: importing the CLI here must not warm anything first

    from detente.cli.main import app  # noqa: PLC0415

    commands = dict(getattr(typer.main.get_command(app), "commands", {}).items())
    return sorted(commands), sorted(name for name, command in commands.items() if hasattr(command, "commands"))


def problems_with(
    outputs: dict[str, list[subprocess.CompletedProcess[str]]], names: list[str], groups: list[str]
) -> list[str]:
    """What is wrong with the runs: a failing exit status, a help that misses a command, a wrong version."""
    from detente import __version__  # noqa: PLC0415 - after the timing, like registered_commands

    problems = []
    for label, runs in outputs.items():
        for done in runs:
            if done.returncode != 0:
                problems.append(f"{label} exited with status {done.returncode}: {done.stderr.strip()[-500:]}")
                break
    if not groups:
        problems.append("the CLI's Typer app registers no command group")
    for done in outputs["detente --help"]:
        missing = [n for n in names if not re.search(rf"(?m)^\W*{re.escape(n)}\s", done.stdout)]
        if missing:
            problems.append(f"detente --help does not list {', '.join(missing)}")
            break
    for done in outputs["detente version"]:
        if done.stdout.strip() != __version__:
            problems.append(f"detente version printed {done.stdout.strip()!r}, not {__version__!r}")
            break
    return problems


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Options; ``--small`` changes the defaults (options given explicitly still win)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="timed rounds (median reported)")
    parser.add_argument("--warmup", type=int, default=1, help="rounds run first and not counted")
    parser.add_argument("--small", action="store_true", help="seconds: 1 round, no warm-up")
    args = parser.parse_args(argv)
    if args.small:
        parser.set_defaults(repeat=1, warmup=0)
        args = parser.parse_args(argv)
    return args


def main() -> None:
    """Time the commands round by round, print the medians and ratios, then check what they printed."""
    args = parse_args()
    timed = commands()
    print(
        f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores; "
        f"detente as {' '.join(detente_command())}; {args.repeat} rounds after {args.warmup} warm-up, interleaved"
    )
    seconds: dict[str, list[float]] = {label: [] for label in timed}
    outputs: dict[str, list[subprocess.CompletedProcess[str]]] = {label: [] for label in timed}
    for i in range(args.warmup + args.repeat):
        for label, argv in timed.items():
            elapsed, done = run(argv)
            outputs[label].append(done)
            if i >= args.warmup:
                seconds[label].append(elapsed)
    medians = {label: statistics.median(times) for label, times in seconds.items()}
    floor = next(iter(medians.values()))
    for label, median in medians.items():
        spread = f"min {min(seconds[label]) * 1e3:,.0f} ms, max {max(seconds[label]) * 1e3:,.0f} ms"
        print(f"{label:<40} {median * 1e3:8,.0f} ms  {median / floor:5.2f} x   ({spread})")
    for label in list(medians)[1:]:
        ratio = medians[label] / floor
        verdict = "met" if ratio <= TARGET else "NOT met"
        print(f"target {label} within {TARGET} x the floor: {verdict} ({ratio:.2f} x)")
    names, groups = registered_commands()
    problems = problems_with(outputs, names, groups)
    if problems:
        raise SystemExit("\n".join(problems))
    print(f"checked: every run exited 0; the help lists all {len(names)} commands ({len(groups)} groups); "
          f"version prints the package's")  # fmt: skip
    print("all checks passed")


if __name__ == "__main__":
    main()
