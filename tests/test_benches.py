"""Every bench's small mode runs: the same code paths and correctness checks as a full run, in seconds.

A bench checks its results against an independent oracle and exits with status 1 when one differs, so a bench that
rots fails here rather than the next time someone runs it in full. Each prints ``all checks passed`` last.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
SMALL = (
    "bench_counting.py",
    "bench_merkle.py",
    "bench_inspections.py",
    "bench_planning.py",
    "bench_proposals.py",
    "bench_cli.py",
    "bench_ledger.py",
    "bench_node.py",
    "bench_web.py",
    "bench_zk.py",
)


@pytest.mark.parametrize("script", SMALL)
def test_small_mode_passes_its_checks(script: str) -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH / script), "--small"],
        capture_output=True,
        text=True,
        cwd=BENCH.parent,
        timeout=300,
        check=False,
    )
    output = f"--- stdout (end)\n{result.stdout[-3000:]}\n--- stderr (end)\n{result.stderr[-3000:]}"
    assert result.returncode == 0, output
    assert "all checks passed" in result.stdout.splitlines(), output


def test_every_bench_has_its_small_mode_run_here() -> None:
    assert set(SMALL) == {path.name for path in BENCH.glob("bench_*.py")}
