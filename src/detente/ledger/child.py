"""Helper processes on pipes, as the signing and appending helpers run: started, and stopped."""

from __future__ import annotations

import contextlib
import subprocess
import sys


def start(module: str) -> subprocess.Popen[bytes]:
    """``python -m module`` with this interpreter, its stdin and stdout on pipes and its stderr discarded."""
    return subprocess.Popen(  # noqa: S603 - the module is named in our code, not taken from input
        [sys.executable, "-m", module], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Close the helper's stdin (it stops at the end of its input), wait for it, and kill it if it does not stop."""
    if proc.stdin is not None:
        with contextlib.suppress(OSError):  # already broken: the helper is gone
            proc.stdin.close()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()
