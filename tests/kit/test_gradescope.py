"""Kit test of the Gradescope bundle: unzip it as Gradescope does, run its run_autograder on a full and a
partial submission in a temp root, and validate results.json against Gradescope's schema."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader import ROOT
from grader.points import POINTS
from grader.verbs.gradescope import main as build

pytestmark = pytest.mark.kit

EXAMPLES = ROOT / "examples" / "submissions"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gs") / "autograder.zip"
    assert build(out=out) == 0
    return out


def test_bundle_holds_the_scripts_and_the_kit(bundle):
    with zipfile.ZipFile(bundle) as zf:
        names = set(zf.namelist())
        mode = zf.getinfo("run_autograder").external_attr >> 16
    assert {
        "setup.sh",
        "run_autograder",
        "normlab/pyproject.toml",
        "normlab/solutions/layer_norm.py",
    } <= names
    assert "normlab/grader/hidden/layer_norm.py" in names
    assert mode & stat.S_IXUSR
    assert not any("__pycache__" in n or n.startswith("normlab/.venv") for n in names)
    assert (
        subprocess.run(
            ["bash", "-n", "/dev/stdin"],
            input=zipfile.ZipFile(bundle).read("setup.sh"),
            capture_output=True,
        ).returncode
        == 0
    )


def _run(bundle: Path, root: Path, submission: Path) -> dict:
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    shutil.copytree(submission, root / "submission")
    env = {
        **os.environ,
        "NORMLAB_AUTOGRADER_ROOT": str(root),
        "NORMLAB_PYTHON": sys.executable,
        "NORMLAB_TIMEOUT": "10",
    }
    proc = subprocess.run(
        ["bash", str(root / "run_autograder")], env=env, capture_output=True, text=True, timeout=900
    )
    results = root / "results" / "results.json"
    assert results.exists(), proc.stdout[-2000:] + proc.stderr[-2000:]
    return json.loads(results.read_text())


def _valid(doc: dict) -> None:
    assert isinstance(doc["score"], (int, float))
    assert isinstance(doc["execution_time"], (int, float))
    assert isinstance(doc["output"], str)
    assert doc["tests"]
    for t in doc["tests"]:
        assert set(t) >= {"name", "score", "max_score", "output", "visibility"}
        # status is optional in Gradescope's schema: a skipped GPU case (max_score 0) has none
        assert t.get("status") in ("passed", "failed") or t["max_score"] == 0
        assert t["visibility"] in ("visible", "hidden", "after_due_date", "after_published")
        assert 0 <= t["score"] <= t["max_score"]
    assert abs(sum(t["score"] for t in doc["tests"]) - doc["score"]) < 0.011


@pytest.mark.slow
def test_run_autograder_grades_a_full_submission(bundle, tmp_path):
    doc = _run(bundle, tmp_path / "autograder", EXAMPLES / "ada")
    _valid(doc)
    assert doc["score"] == pytest.approx(sum(POINTS.values()))


@pytest.mark.slow
def test_run_autograder_grades_a_partial_submission(bundle, tmp_path):
    doc = _run(bundle, tmp_path / "autograder", EXAMPLES / "ben")
    _valid(doc)
    assert 0 < doc["score"] < sum(POINTS.values())
    assert any(t["status"] == "failed" and t["output"] for t in doc["tests"])
