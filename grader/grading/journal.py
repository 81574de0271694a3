"""The journal (DIR/.journal.jsonl) and the kit fingerprint that says whether its records are still current.

A rerun of ``grade`` into the same DIR reuses a learner's record only when its fingerprint matches: the
submission's bytes, the grading options and :func:`kit_fingerprint`, a hash of every file of the packages that can
decide a grade (:data:`GRADE_PACKAGES`: whole folders, not a list of files, so a new module is covered the day
it is added).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from grader import ROOT

# Every file under these folders can decide a grade (references, stubs, the feedback library, hidden cases,
# drivers, mutants, judging, the forbidden-API rules and the sandbox, the report writers); caches cannot.
GRADE_PACKAGES = ("solutions", "exercises", "grader")
SKIP_PARTS = ("__pycache__",)
SKIP_SUFFIXES = (".pyc", ".pyo")


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


def grade_files(root: Path = ROOT) -> list[Path]:
    """Every file that can decide a grade, sorted: all files of :data:`GRADE_PACKAGES` under ``root``."""
    files: list[Path] = []
    for package in GRADE_PACKAGES:
        for path in (root / package).rglob("*"):
            rel = path.relative_to(root)
            if (
                path.is_file()
                and not set(rel.parts) & set(SKIP_PARTS)
                and path.suffix not in SKIP_SUFFIXES
            ):
                files.append(path)
    return sorted(files)


def kit_fingerprint(groups: Iterable[str], root: Path = ROOT) -> str:
    """Hash of everything that decides a grade (:func:`grade_files`) and of the groups graded."""
    h = hashlib.sha256()
    for path in grade_files(root):
        h.update(str(path.relative_to(root)).encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    h.update(",".join(groups).encode())
    return h.hexdigest()[:16]
