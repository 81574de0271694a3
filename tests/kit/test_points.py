"""Which groups `grade` grades and for how many points: grader/points.py's table, `--groups` and `--points`.

A 0-point group (the labs; the Triton group) is optional: left out by default, so the four scored groups'
output is what it always was, graded for feedback when named, graded for points when given some."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader import GROUPS, ROOT
from grader.points import POINTS, default_groups, parse_groups, parse_points, points_table

EXAMPLES = ROOT / "examples" / "submissions"


def test_default_groups_are_the_groups_worth_points():
    table = points_table()
    assert default_groups(table) == [g for g in GROUPS if POINTS.get(g, 0) > 0]
    assert "labs" not in default_groups(table)
    assert default_groups(points_table({"labs": 10})) == [
        *[g for g in GROUPS if POINTS.get(g, 0) > 0 or g == "labs"]
    ]


def test_parsing_the_options_names_what_is_wrong():
    assert parse_points("labs=10, layer_norm=5") == {"labs": 10.0, "layer_norm": 5.0}
    assert parse_groups("labs,layer_norm") == ["layer_norm", "labs"]  # GROUPS order
    for bad, needle in [("labs", "GROUP=POINTS"), ("nope=3", "nope"), ("labs=x", "'x'")]:
        with pytest.raises(ValueError, match=needle):
            parse_points(bad)
    with pytest.raises(ValueError, match="'nope'"):
        parse_groups("layer_norm,nope")


@pytest.mark.slow
def test_grade_a_subset_and_give_a_lab_points(tmp_path: Path):
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copytree(EXAMPLES / "ada", subs / "ada")
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(subs), "--out", str(out), "--jobs", "1",
         "--groups", "layer_norm", "--points", "labs=5"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    with open(out / "grades.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["learner", "total", "max", "layer_norm", "labs", "status"]
    assert rows[1][:5] == ["ada", "35", "35", "30", "5"]
    feedback = (out / "ada" / "feedback.md").read_text()
    assert "## labs: 5 / 5" in feedback
    assert "## initializers" not in feedback
    bad = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(subs), "--out", str(tmp_path / "x"),
         "--points", "labs=-1"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "labs: points must be 0 or more" in bad.stderr
