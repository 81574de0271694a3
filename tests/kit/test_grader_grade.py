"""`python -m grader grade` end to end on examples/submissions, and the CLI's behaviour on misuse.

The examples class (examples/make_examples.py) is graded once per module; the numbers are checked against the
learners' known outcomes and across the three outputs (grades.csv, results.json, the journal).
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader import GROUPS, ROOT
from grader.kit import available_groups
from grader.results import Result, fmt

pytestmark = pytest.mark.kit

EXAMPLES = ROOT / "examples" / "submissions"
LEARNERS = ["ada", "ben", "cleo", "dev", "eve", "finn"]


def grade(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader", "grade", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def read_csv(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="") as f:
        return {row["learner"]: row for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("examples") / "grades"
    start = time.monotonic()
    proc = grade(str(EXAMPLES), "--out", str(out), "--jobs", "2", "--timeout", "2")
    return {"proc": proc, "out": out, "seconds": time.monotonic() - start}


def results(out: Path) -> dict[str, Result]:
    recs = [json.loads(line) for line in (out / ".journal.jsonl").read_text().splitlines()]
    return {r["learner"]: Result.from_dict(r) for r in recs}


def test_examples_are_in_sync_with_solutions_and_mutants() -> None:
    proc = subprocess.run(
        [sys.executable, "examples/make_examples.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr


def test_grading_the_examples_exits_0_and_prints_the_summary(run: dict) -> None:
    proc = run["proc"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "mean" in proc.stdout
    assert "median" in proc.stdout
    assert "isolation:" in proc.stdout
    assert sorted(read_csv(run["out"] / "grades.csv")) == LEARNERS


def test_grades_csv_has_the_contract_columns_and_known_outcomes(run: dict) -> None:
    with open(run["out"] / "grades.csv", newline="") as f:
        header = next(csv.reader(f))
    from grader.points import POINTS

    # by default the groups worth points (optional 0-point groups, labs and layer_norm_triton, are left out)
    scored = [g for g in GROUPS if POINTS.get(g, 0) > 0]
    assert header == ["learner", "total", "max", *scored, "status"]
    rows = read_csv(run["out"] / "grades.csv")
    groups = [g for g in available_groups() if g in scored]
    assert rows["ada"]["total"] == rows["ada"]["max"]
    assert rows["dev"]["total"] == "0"
    for g in groups:
        assert rows["cleo"][g] not in ("", rows["ada"][g]) or g not in _mutant_groups(), g
    assert rows["eve"]["layer_norm"] == "0"
    assert "layer_norm: syntax error" in rows["eve"]["status"]
    assert 0 < float(rows["finn"]["layer_norm"]) < float(rows["ada"]["layer_norm"])
    assert "layer_norm: 1 timeout" in rows["finn"]["status"]
    for g in groups:
        if g != "layer_norm":
            assert rows["eve"][g] == rows["ada"][g]
            assert rows["finn"][g] == rows["ada"][g]
    for g in scored:
        if g not in groups:
            assert rows["ada"][g] == ""
    assert all("isolation: " in r["status"] for r in rows.values())


def _mutant_groups() -> set[str]:
    from grader.mutants import all_mutants

    return {m.group for m in all_mutants()}


def test_results_json_follows_gradescope_and_matches_grades_csv(run: dict) -> None:
    rows = read_csv(run["out"] / "grades.csv")
    for learner in LEARNERS:
        data = json.loads((run["out"] / learner / "results.json").read_text())
        assert set(data) >= {"score", "execution_time", "output", "tests"}
        assert isinstance(data["execution_time"], int)
        assert fmt(round(data["score"] * 100)) == rows[learner]["total"]
        assert abs(sum(t["score"] for t in data["tests"]) - data["score"]) < 1e-9
        max_total = sum(t["max_score"] for t in data["tests"])
        assert fmt(round(max_total * 100)) == rows[learner]["max"]
        for t in data["tests"]:
            assert set(t) <= {"name", "score", "max_score", "status", "output", "visibility"}
            assert t.get("status", "passed") in ("passed", "failed")
            assert t["visibility"] == "visible"
            assert 0 <= t["score"] <= t["max_score"]
    eve = json.loads((run["out"] / "eve" / "results.json").read_text())
    crash = [t for t in eve["tests"] if t["name"] == "layer_norm"]
    assert len(crash) == 1
    assert crash[0]["status"] == "failed"
    assert "syntax error" in crash[0]["output"]


def test_feedback_names_status_points_reason_and_hint_never_a_traceback(run: dict) -> None:
    out = run["out"]
    cleo = (out / "cleo" / "feedback.md").read_text()
    assert "Hint [" in cleo
    assert "isolation level" in cleo
    finn = (out / "finn" / "feedback.md").read_text()
    assert "**TIMEOUT**" in finn
    assert "did not return" in finn
    for learner in LEARNERS:
        assert (
            "Traceback (most recent call last)" not in (out / learner / "feedback.md").read_text()
        )


def test_journal_results_equal_the_written_reports(run: dict) -> None:
    rows = read_csv(run["out"] / "grades.csv")
    for learner, r in results(run["out"]).items():
        assert fmt(r.cents) == rows[learner]["total"]


def test_a_rerun_reuses_the_journal_and_never_mixes_old_and_new(run: dict, tmp_path: Path) -> None:
    cls = tmp_path / "class"
    shutil.copytree(EXAMPLES, cls)
    out = tmp_path / "out"
    shutil.copytree(run["out"], out)
    (cls / "finn.zip").unlink()  # finn left the course
    shutil.rmtree(cls / "ben")
    shutil.copytree(cls / "ada", cls / "ben")  # ben resubmitted: ada's correct files
    proc = grade(str(cls), "--out", str(out), "--jobs", "2", "--timeout", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "taken from the journal" in proc.stdout
    rows = read_csv(out / "grades.csv")
    assert sorted(rows) == ["ada", "ben", "cleo", "dev", "eve"]
    assert not (out / "finn").exists()
    assert rows["ben"]["total"] == rows["ada"]["total"]


# --- misuse: one line, exit 2 ----------------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["grade", "selfcheck", "sync"])
def test_every_verb_has_help(verb: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "grader", verb, "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0
    assert "usage:" in proc.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["examples/submissions"], "--out"),
        (["examples/submissions", "--out", "{tmp}/o", "--jobs", "0"], "--jobs"),
        (["examples/submissions", "--out", "{tmp}/o", "--timeout", "soon"], "--timeout"),
        (["examples/submissions", "--out", "{tmp}/o", "--gpu", "maybe"], "--gpu"),
        (["{tmp}/missing", "--out", "{tmp}/o"], "does not exist"),
        (["{tmp}/empty", "--out", "{tmp}/o"], "no submissions"),
        (["examples/submissions", "--out", "{tmp}/file"], "not a folder"),
        (["examples/submissions", "--out", "{tmp}/foreign"], "not empty"),
    ],
)
def test_misuse_is_one_line_on_stderr_and_exit_2(
    args: list[str], says: str, tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "file").write_text("x")
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "thesis.tex").write_text("precious")
    proc = grade(*[a.replace("{tmp}", str(tmp_path)) for a in args], timeout=60)
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert says in lines[0]
    assert (tmp_path / "foreign" / "thesis.tex").read_text() == "precious"
