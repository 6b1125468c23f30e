"""A node's alarms: what a peer did that the node refused and a person should look at, kept in the node directory.

Rules:

1. An alarm is one JSON object a line in ``alarms.jsonl``: the time (UTC, the node's clock), the peer, the kind
   (``fork``, ``bad-tiles``, ``bad-entry``, ``silent``…), what happened in words, and for a fork the offline
   evidence (the two checkpoints the peer signed, checked by ``detente trust check-evidence``).
2. The file is only appended to, one whole line at a time, flushed to disk before the request is answered: an
   alarm raised is never lost with a crash, and nothing rewrites one.
3. Reading skips nothing silently: a line that is not an alarm (a file edited by hand) is named with its number.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path
from typing import Any

from detente.errors import Location, NodeError

FILE = "alarms.jsonl"


class AlarmLog:
    """The alarms of one node directory (rules 1–3)."""

    def __init__(self, directory: Path, clock: Any = None) -> None:
        self.path = Path(directory) / FILE
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._lock = threading.Lock()

    def __call__(self, peer: str, kind: str, why: str, evidence: dict[str, Any] | None = None) -> None:
        """Raise an alarm (rules 1, 2)."""
        doc: dict[str, Any] = {
            "time": self.clock().astimezone(dt.UTC).isoformat(timespec="seconds"),
            "peer": peer,
            "kind": kind,
            "why": why,
        }
        if evidence is not None:
            doc["evidence"] = evidence
        line = json.dumps(doc, ensure_ascii=False, sort_keys=True) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(line)
            out.flush()
            os.fsync(out.fileno())

    def read(self) -> list[dict[str, Any]]:
        """Every alarm, oldest first (rule 3)."""
        if not self.path.exists():
            return []
        out = []
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            try:
                doc = json.loads(line)
            except ValueError:
                doc = None
            if not isinstance(doc, dict) or not {"time", "peer", "kind", "why"} <= doc.keys():
                raise NodeError("is not an alarm", Location.of(self.path, number))
            out.append(doc)
        return out


__all__ = ["FILE", "AlarmLog"]
