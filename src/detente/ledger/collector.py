"""Python's cycle collector, paused around bulk work that makes many short-lived objects and no cycles.

A batch of notifications, or a run of entries being verified, makes thousands of dicts and tuples that
reference counting frees as soon as they are dropped. The collector would find nothing among them, yet each of
its passes walks the young objects, and a full pass walks every long-lived object of the process as well (a
catalog, a treaty, a replayed state: in a long-running process, millions). Measured here while verifying,
beside three million long-lived objects: 137 µs per entry with the collector running, 129 µs with it paused.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cycle collector off for the block, and on again after it if it was on before (nesting is safe)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
