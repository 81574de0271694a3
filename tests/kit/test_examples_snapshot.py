"""`python -m grader grade examples/submissions` writes the same grades.csv and feedback.md files as the stored
copy in tests/kit/data/examples_grades/ (timing lines aside): a refactor must not change a grade or a word.

The stored copy changes only on purpose (a new hidden case, a reworded hint). Refresh it with

    NORMLAB_REFRESH_EXAMPLES=1 python -m pytest tests/kit/test_examples_snapshot.py

then review ``git diff tests/kit/data/examples_grades`` and commit it with the change that explains it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader import ROOT

STORED = Path(__file__).resolve().parent / "data" / "examples_grades"
REFRESH = os.environ.get("NORMLAB_REFRESH_EXAMPLES") == "1"
TIMING = re.compile(r"\b\d+(\.\d+)? ?(s|ms|seconds)\b")  # a line with a duration is not compared


def outputs(folder: Path) -> dict[str, str]:
    files = [folder / "grades.csv", *sorted(folder.glob("*/feedback.md"))]
    # bytes as written (grades.csv has the csv module's CRLF line ends): no newline translation
    return {str(p.relative_to(folder)): p.read_bytes().decode("utf-8") for p in files}


def comparable(text: str) -> list[str]:
    return [line for line in text.splitlines() if not TIMING.search(line) or "timeout" in line]


def test_examples_grades_and_feedback_match_the_stored_copy(tmp_path: Path) -> None:
    out = tmp_path / "grades"
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "grade", "examples/submissions", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = outputs(out)
    if REFRESH:
        shutil.rmtree(STORED, ignore_errors=True)
        for rel, text in got.items():
            (STORED / rel).parent.mkdir(parents=True, exist_ok=True)
            (STORED / rel).write_bytes(text.encode("utf-8"))
        pytest.skip(f"refreshed {len(got)} files in {STORED.relative_to(ROOT)}; review the diff")
    want = outputs(STORED)
    assert sorted(got) == sorted(want)
    for rel in want:
        assert comparable(got[rel]) == comparable(want[rel]), rel
