"""The journal (DIR/.journal.jsonl): one record per finished learner, so an interrupted or repeated run resumes.

A rerun of ``grade`` into the same DIR reuses a learner's record only when its fingerprint matches
(grader/grading/class_loop.py: the submission's bytes, the grading options and grader.kit.kit_fingerprint, a hash
of every file of the packages that can decide a grade).
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np


class Journal:
    """DIR/.journal.jsonl: one line per finished learner (its full result), so a rerun skips it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def load(self) -> dict[str, dict[str, Any]]:
        """learner -> last complete record (corrupt or partial lines are ignored)."""
        out: dict[str, dict[str, Any]] = {}
        if not self.path.exists():
            return out
        with open(self.path, encoding="utf-8", errors="replace") as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if isinstance(rec, dict) and isinstance(rec.get("learner"), str):
                    out[rec["learner"]] = rec
        return out

    def append(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, separators=(",", ":"), default=_json_default) + "\n"
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, line.encode())
                os.fsync(fd)
            finally:
                os.close(fd)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
