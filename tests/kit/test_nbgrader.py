"""Kit tests of the nbgrader integration: the generated course round-trips through the real
`nbgrader generate_assignment` and `nbgrader autograde`, and learner notebooks become graded modules safely."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader import ROOT
from grader.intake.notebooks import NotebookError, notebook_sources, read_notebook

pytestmark = pytest.mark.kit

BIN = Path(sys.executable).parent


def _nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    if shutil.which("nbgrader", path=str(BIN)) is None:
        pytest.fail("nbgrader is not installed in this venv: pip install -e '.[instructor]'")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(
        [str(BIN / "nbgrader"), *args],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def _patched(notebook: Path, old: str, new: str) -> dict:
    nb = json.loads(notebook.read_text())
    hits = 0
    for cell in nb["cells"]:
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if old in src:
            cell["source"] = src.replace(old, new)
            hits += 1
    assert hits == 1
    return nb


def _filled_from_source(course: Path, name: str) -> dict:
    """A learner's notebook: the released ``name`` (as nbgrader hands it out, solution cells cleared, the kit's
    check cells locked) with every solution cell filled in with the source notebook's (the reference's) code."""
    released = json.loads((course / "release" / "normlab" / name).read_text())
    source = json.loads((course / "source" / "normlab" / name).read_text())
    answers = {
        c["metadata"]["nbgrader"]["grade_id"]: c["source"]
        for c in source["cells"]
        if c.get("metadata", {}).get("nbgrader", {}).get("solution")
    }
    filled = 0
    for cell in released["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            cell["source"] = answers[meta["grade_id"]]
            filled += 1
    assert filled == len(answers) > 0
    return released


def _notebook_scores(course: Path, learner: str) -> dict[str, tuple[float, float]]:
    """{notebook: (score, max score)} of ``learner``'s normlab submission in the course's gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        submission = gb.find_submission("normlab", learner)
        return {nb.name: (nb.score, nb.max_score) for nb in submission.notebooks}


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """README's nbgrader section, as an instructor runs it, once for every test below: the course generated,
    `nbgrader generate_assignment`, three learners' notebooks in submitted/, `nbgrader autograde` (the gradebook's
    scores read), then `grade --nbgrader-db` on the same notebooks (read again).

    alice: every released notebook, each solution cell filled in with the reference; ana: the layer_norm source
    notebook; ben: the same with one misconception (layer_norm_unbiased_var)."""
    from grader.mutants import get_mutant
    from grader.verbs.nbgrader import main as make_course

    tmp_path = tmp_path_factory.mktemp("nbgrader")
    course = tmp_path / "course"
    assert make_course(out=course) == 0
    _nbgrader(course, "generate_assignment", "normlab", "--force")
    released = sorted(p.name for p in (course / "release" / "normlab").glob("*.ipynb"))

    source = course / "source" / "normlab" / "layer_norm.ipynb"
    for learner in ("ana", "ben", "alice"):
        (course / "submitted" / learner / "normlab").mkdir(parents=True)
    shutil.copy(source, course / "submitted" / "ana" / "normlab" / "layer_norm.ipynb")
    ((old, new),) = get_mutant("layer_norm_unbiased_var").patch
    ben = _patched(source, old, new)
    (course / "submitted" / "ben" / "normlab" / "layer_norm.ipynb").write_text(json.dumps(ben))
    for name in released:
        notebook = _filled_from_source(course, name)
        (course / "submitted" / "alice" / "normlab" / name).write_text(json.dumps(notebook))

    _nbgrader(course, "autograde", "normlab", "--force")
    autograded = {who: _notebook_scores(course, who) for who in ("ana", "ben", "alice")}

    # the same notebooks through the sandboxed grader, written back into nbgrader's gradebook
    out = tmp_path / "grades"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "grade",
            str(course / "submitted"),
            "--out",
            str(out),
            "--nbgrader-db",
            str(course / "gradebook.db"),
            "--timeout",
            "10",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    graded = {who: _notebook_scores(course, who) for who in ("ana", "ben", "alice")}
    with open(out / "grades.csv", newline="") as f:
        rows = {row["learner"]: row for row in csv.DictReader(f)}
    return {
        "course": course,
        "released": released,
        "autograded": autograded,
        "graded": graded,
        "rows": rows,
    }


@pytest.mark.slow
def test_course_round_trips_through_nbgrader_autograde(round_trip: dict) -> None:
    course = round_trip["course"]
    released = course / "release" / "normlab" / "layer_norm.ipynb"
    assert "raise NotImplementedError()" in released.read_text()
    assert "BEGIN HIDDEN TESTS" not in released.read_text()

    ana, ben = round_trip["autograded"]["ana"], round_trip["autograded"]["ben"]
    assert ana["layer_norm"][1] == pytest.approx(30.0)
    assert ana["layer_norm"][0] == pytest.approx(ana["layer_norm"][1])
    assert 0 < ben["layer_norm"][0] < ben["layer_norm"][1]
    autograded_ben = ben["layer_norm"][0]

    ana, ben = round_trip["graded"]["ana"], round_trip["graded"]["ben"]
    assert ana["layer_norm"][0] == pytest.approx(30.0, abs=0.05)
    assert 0 < ben["layer_norm"][0] < 30.0
    assert ben["layer_norm"][0] == pytest.approx(
        autograded_ben, abs=3.5
    )  # other inputs, same misconception


@pytest.mark.slow
def test_a_correct_notebook_submission_gets_100_both_ways(round_trip: dict) -> None:
    """Issue 25, point 7: alice's notebooks (every solution cell filled in) get 100 / 100 from `nbgrader
    autograde` and from `grade`, and the gradebook holds the same score per notebook both ways: `grade` reads only
    her cells and the set-up they need, never the kit's check cells, and each notebook's hidden cells are worth
    exactly its group's points, split as `grade` splits them."""
    from grader.points import POINTS

    autograded, graded = round_trip["autograded"]["alice"], round_trip["graded"]["alice"]
    assert sorted(f"{nb}.ipynb" for nb in autograded) == round_trip["released"]
    for notebook, (score, max_score) in autograded.items():
        assert max_score == pytest.approx(POINTS[notebook], abs=1e-9), notebook
        assert score == pytest.approx(max_score, abs=1e-9), notebook
    assert graded.keys() == autograded.keys()
    for notebook in autograded:
        assert graded[notebook] == pytest.approx(autograded[notebook], abs=1e-9), notebook
    assert sum(s for s, _ in autograded.values()) == pytest.approx(100, abs=1e-9)
    assert sum(m for _, m in autograded.values()) == pytest.approx(100, abs=1e-9)

    row = round_trip["rows"]["alice"]
    assert (row["total"], row["max"]) == ("100", "100"), row
    for group, points in POINTS.items():
        if points:
            assert row[group] == f"{points:g}", (group, row)


def test_the_kit_cells_of_a_course_notebook_are_never_graded(tmp_path):
    """A released notebook keeps the locked public-checks cell (it imports the kit) and the hidden-check cells:
    neither is part of the graded module; the locked set-up cells and the learner's solution cells are, and so
    is a cell the learner added (no nbgrader metadata)."""
    from grader.authoring.nbgrader_course import group_notebook

    nb = group_notebook("layer_norm", max_hint_level=0)
    nb["cells"].insert(2, {"cell_type": "code", "metadata": {}, "source": "HELPER = 1"})
    path = tmp_path / "layer_norm.ipynb"
    path.write_text(json.dumps(nb))
    sources, problems = notebook_sources(path)
    module = sources["layer_norm"]
    assert not problems
    assert "from grader" not in module
    assert "import grader" not in module
    assert "check_public" not in module
    assert "from __future__ import annotations" in module  # a set-up cell
    assert "def layer_norm_forward" in module
    assert "HELPER = 1" in module
    compile(module, "layer_norm", "exec")


def test_notebook_becomes_source_without_running_anything(tmp_path):
    source = (ROOT / "solutions" / "layer_norm.py").read_text()
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": "%matplotlib inline\nimport numpy as np",
            },
            {"cell_type": "code", "metadata": {}, "source": source},
            {
                "cell_type": "code",
                "metadata": {},
                "source": "open('/tmp/pwned', 'w').write('x')\nfor i in range(10**12): pass",
            },
            {"cell_type": "code", "metadata": {}, "source": "def broken(:\n    pass"},
            {
                "cell_type": "code",
                "metadata": {"nbgrader": {"grade": True, "solution": False}},
                "source": "assert False, 'a test cell is never part of the module'",
            },
        ],
    }
    path = tmp_path / "ana.ipynb"
    path.write_text(json.dumps(nb))
    sources, problems = notebook_sources(path)
    assert set(sources) == {"layer_norm"}
    module_source = sources["layer_norm"]
    assert "def layer_norm_forward" in module_source
    assert "pwned" not in module_source
    assert "10 ** 12" not in module_source
    assert "assert False" not in module_source
    assert any("cell 4" in p and "syntax error" in p for p in problems), problems
    compile(module_source, "ana", "exec")


def test_group_named_notebook_is_that_groups_file_and_bad_notebooks_are_reported(tmp_path):
    (tmp_path / "layer_norm.ipynb").write_text(
        json.dumps(
            {
                "nbformat": 4,
                "metadata": {},
                "cells": [{"cell_type": "code", "metadata": {}, "source": "x = 1"}],
            }
        )
    )
    sources, problems = notebook_sources(tmp_path / "layer_norm.ipynb")
    assert list(sources) == ["layer_norm"]
    assert not problems
    (tmp_path / "bad.ipynb").write_text("{not json")
    with pytest.raises(NotebookError, match="not a valid notebook"):
        read_notebook(tmp_path / "bad.ipynb")
    (tmp_path / "empty.ipynb").write_text(json.dumps({"nbformat": 4, "metadata": {}, "cells": []}))
    sources, problems = notebook_sources(tmp_path / "empty.ipynb")
    assert sources == {}
    assert any("no code for any exercise group" in p for p in problems)
