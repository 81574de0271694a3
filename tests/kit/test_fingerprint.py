"""The journal's kit fingerprint covers every file that can decide a grade (grader/grading/journal.py), so a rerun of
``grade`` into the same DIR regrades every learner after any such file changed, and reuses the journal when
nothing did."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader import GROUPS, ROOT
from grader.kit import GRADE_PACKAGES, grade_files, kit_fingerprint

COPIED = (*GRADE_PACKAGES, "data")


def copy_kit(dest: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in COPIED:
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    return dest


def test_the_fingerprint_covers_the_files_that_used_to_be_missed() -> None:
    files = {str(p.relative_to(ROOT)) for p in grade_files()}
    for rel in (
        "grader/inside/forbidden.py",
        "grader/judging/static_check.py",
        "grader/inside/guard.py",
        "grader/judging/evaluate.py",
        "grader/results.py",
        "grader/judging/mutant_scope.py",
        "exercises/feedback/init_stats.py",
        "exercises/feedback/hints.py",
        "grader/hidden/__init__.py",
        "solutions/layer_norm.py",
    ):
        assert rel in files, rel


def test_one_changed_byte_in_any_grade_file_changes_the_fingerprint(tmp_path: Path) -> None:
    root = copy_kit(tmp_path)
    base = kit_fingerprint(GROUPS, root)
    assert kit_fingerprint(GROUPS, root) == base  # deterministic
    files = grade_files(root)
    assert len(files) == len(grade_files())
    for path in files:
        data = path.read_bytes()
        changed = bytes([data[0] ^ 1]) + data[1:] if data else b"\0"
        path.write_bytes(changed)
        try:
            assert kit_fingerprint(GROUPS, root) != base, path.relative_to(root)
        finally:
            path.write_bytes(data)
    assert kit_fingerprint(GROUPS, root) == base


def _grade(root: Path, subs: Path, out: Path) -> int:
    """Grade ``subs`` with the kit copy at ``root`` into ``out``; the number of learners (re)graded."""
    before = _journal_lines(out)
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "grade",
            str(subs),
            "--out",
            str(out),
            "--jobs",
            "2",
            "--timeout",
            "5",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return _journal_lines(out) - before


def _journal_lines(out: Path) -> int:
    journal = out / ".journal.jsonl"
    return len(journal.read_text().splitlines()) if journal.exists() else 0


@pytest.mark.slow
def test_a_rerun_regrades_everyone_after_a_grade_file_changed(tmp_path: Path) -> None:
    root = copy_kit(tmp_path / "kit")
    subs = tmp_path / "subs"
    for learner in ("ada", "ben"):
        shutil.copytree(ROOT / "examples" / "submissions" / learner, subs / learner)
    out = tmp_path / "grades"
    assert _grade(root, subs, out) == 2
    assert _grade(root, subs, out) == 0  # an unchanged kit reuses the journal
    # a forbidden-API rule, a statistical bound (the feedback library), the worker (sandbox side)
    for rel in (
        "grader/inside/forbidden.py",
        "exercises/feedback/init_stats.py",
        "grader/inside/worker.py",
    ):
        path = root / rel
        path.write_bytes(path.read_bytes() + b"\n")
        assert _grade(root, subs, out) == 2, rel
