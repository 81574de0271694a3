"""Kit tests of the nbgrader integration: the generated course round-trips through the real
`nbgrader generate_assignment` and `nbgrader autograde`, and learner notebooks become graded modules safely."""

from __future__ import annotations

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


@pytest.mark.slow
def test_course_round_trips_through_nbgrader_autograde(tmp_path):
    from nbgrader.api import Gradebook

    from grader.mutants import get_mutant
    from grader.verbs.nbgrader import main as make_course

    course = tmp_path / "course"
    assert make_course(out=course) == 0
    _nbgrader(course, "generate_assignment", "normlab", "--force")
    released = course / "release" / "normlab" / "layer_norm.ipynb"
    assert "raise NotImplementedError()" in released.read_text()
    assert "BEGIN HIDDEN TESTS" not in released.read_text()

    source = course / "source" / "normlab" / "layer_norm.ipynb"
    for learner in ("ana", "ben"):
        (course / "submitted" / learner / "normlab").mkdir(parents=True)
    shutil.copy(source, course / "submitted" / "ana" / "normlab" / "layer_norm.ipynb")
    ((old, new),) = get_mutant("layer_norm_unbiased_var").patch
    ben = _patched(source, old, new)
    (course / "submitted" / "ben" / "normlab" / "layer_norm.ipynb").write_text(json.dumps(ben))

    _nbgrader(course, "autograde", "normlab", "--force")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        ana = gb.find_submission_notebook("layer_norm", "normlab", "ana")
        ben = gb.find_submission_notebook("layer_norm", "normlab", "ben")
        assert ana.max_score == pytest.approx(30.0)
        assert ana.score == pytest.approx(ana.max_score)
        assert 0 < ben.score < ben.max_score
        autograded_ben = ben.score

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
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        ana = gb.find_submission_notebook("layer_norm", "normlab", "ana")
        ben = gb.find_submission_notebook("layer_norm", "normlab", "ben")
        assert ana.score == pytest.approx(30.0, abs=0.05)
        assert 0 < ben.score < 30.0
        assert ben.score == pytest.approx(
            autograded_ben, abs=3.5
        )  # other inputs, same misconception


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
