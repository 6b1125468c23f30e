"""The end every bench of a node, the dashboard and the proofs shares: the machine, the figures, the verdict.

The figures go out as JSON (``--json``) or as the bench's own tables, with the machine they were measured on (cores,
Python, the load average at the start and the end: ratios are taken within a run because the machine is shared);
then every failed check, and exit 1 if there was one, so that the bench's small mode fails in the test suite.
``all checks passed`` is printed last otherwise (tests/test_benches.py looks for it).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from typing import Any


def finish(
    figures: dict[str, Any],
    failures: list[str],
    *,
    as_json: bool,
    show: Callable[[], None],
    load_start: float,
    started: float,
    **versions: str,
) -> None:
    """Print the run's figures (or ``show`` them), its failed checks, and its verdict; exit 1 if a check failed."""
    load_end = os.getloadavg()[0]
    seconds = time.monotonic() - started
    figures["machine"] = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        **versions,
        "load_average_start": load_start,
        "load_average_end": load_end,
        "seconds": seconds,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
    }
    figures["failures"] = failures
    if as_json:
        print(json.dumps(figures, indent=2))
    else:
        show()
        print(f"load average {load_end:.2f} at the end; {seconds:.0f} s in all")
    for failure in failures:
        print(f"CHECK FAILED: {failure}", file=sys.stderr)
    if failures:
        sys.exit(1)
    if not as_json:
        print("all checks passed")
