"""`python -m grader grade examples/submissions` writes the same grades.csv and feedback.md files as the stored
copy in tests/kit/data/examples_grades/ (timing lines aside): a refactor must not change a grade or a word.

The stored copy changes only on purpose (a new hidden case, a reworded hint). Refresh it with

    NORMLAB_REFRESH_EXAMPLES=1 python -m pytest tests/kit/test_examples_snapshot.py

then review ``git diff tests/kit/data/examples_grades`` and commit it with the change that explains it.

The copy is byte-identical to what this kit writes on the machine that stored it. Another machine rounds
the last bits of float32 and BLAS results differently, so the comparison is exact on words and grades and
tolerant on the printed measurements of a wrong answer only: a difference printed to 3 significant digits may
move by one unit in its last digit, and a count of mismatched elements by one (an element within rounding of
the tolerance). grades.csv is compared exactly: a verdict that flipped on rounding would be a grading bug,
and `test_examples_grade_the_same_with_another_cpus_kernels` grades the examples with torch's generic kernels
and numpy's SIMD dispatch off to show that none does.
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


NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
COUNT = re.compile(r"mismatched elements: (\d+) / (\d+)")


def same_up_to_rounding(got: str, want: str) -> bool:
    """One feedback line against the stored one: equal, or equal in every word with each printed float
    within one unit of its 3rd significant digit and each mismatch count within one element."""
    if got == want:
        return True
    if NUMBER.sub("#", got) != NUMBER.sub("#", want):
        return False
    counts = list(zip(COUNT.findall(got), COUNT.findall(want), strict=True))
    if any(g[1] != w[1] or abs(int(g[0]) - int(w[0])) > 1 for g, w in counts):
        return False
    for g, w in zip(
        NUMBER.findall(COUNT.sub("", got)), NUMBER.findall(COUNT.sub("", want)), strict=True
    ):
        if g == w:
            continue
        if not any(c in w for c in ".e"):  # an integer (a shape, an index, points): exact
            return False
        if abs(float(g) - float(w)) > 0.011 * abs(float(w)):
            return False
    return True


def check_against_the_stored_copy(got: dict[str, str]) -> None:
    want = outputs(STORED)
    assert sorted(got) == sorted(want)
    assert got["grades.csv"] == want["grades.csv"], "grades.csv"
    for rel in want:
        g, w = comparable(got[rel]), comparable(want[rel])
        assert len(g) == len(w), rel
        bad = [(a, b) for a, b in zip(g, w, strict=True) if not same_up_to_rounding(a, b)]
        assert not bad, f"{rel}: {bad[:3]}"


def grade_examples(out: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "grade", "examples/submissions", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return outputs(out)


def test_same_up_to_rounding_is_exact_on_words_and_integers() -> None:
    line = (
        "  - out: mismatched elements: 34 / 34; greatest absolute difference: 0.104 at index (1, 7)"
    )
    assert same_up_to_rounding(line, line)
    assert same_up_to_rounding(line.replace("0.104", "0.105"), line)
    assert same_up_to_rounding(line.replace("34 / 34", "33 / 34"), line)
    assert not same_up_to_rounding(line.replace("0.104", "0.112"), line)
    assert not same_up_to_rounding(line.replace("34 / 34", "30 / 34"), line)
    assert not same_up_to_rounding(line.replace("(1, 7)", "(1, 8)"), line)
    assert not same_up_to_rounding(line.replace("greatest", "largest"), line)


def test_examples_grades_and_feedback_match_the_stored_copy(tmp_path: Path) -> None:
    got = grade_examples(tmp_path / "grades")
    if REFRESH:
        shutil.rmtree(STORED, ignore_errors=True)
        for rel, text in got.items():
            (STORED / rel).parent.mkdir(parents=True, exist_ok=True)
            (STORED / rel).write_bytes(text.encode("utf-8"))
        pytest.skip(f"refreshed {len(got)} files in {STORED.relative_to(ROOT)}; review the diff")
    check_against_the_stored_copy(got)


def test_examples_grade_the_same_with_another_cpus_kernels(tmp_path: Path) -> None:
    """The stand-in for another machine: torch's generic kernels (not AVX2/AVX-512) and numpy's SIMD
    dispatch off, in the grader and (passed through by the zygote) in the sandboxed workers."""
    if REFRESH:
        pytest.skip("refreshing the stored copy")
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    env = {**os.environ, "ATEN_CPU_CAPABILITY": "default"}
    env["NPY_DISABLE_CPU_FEATURES"] = " ".join(
        f for f in __cpu_dispatch__ if __cpu_features__.get(f)
    )
    check_against_the_stored_copy(grade_examples(tmp_path / "grades", env))
