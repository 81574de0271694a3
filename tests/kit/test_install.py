"""A non-editable install (``pip install .`` of a copy of the kit into a fresh venv) grades: the grader needs
nothing from tests/ nor from the checkout it was built from.

The fresh venv reuses the third-party packages of the interpreter running this test (a .pth naming its
site-packages: a path line, so that folder's own .pth files, such as the kit's editable finder, never run) and
gets the kit itself from ``pip install --no-deps --no-build-isolation --target`` of a copy of the repository.
"""

from __future__ import annotations

import csv
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from grader import ROOT

pytestmark = pytest.mark.slow

STORED = Path(__file__).resolve().parent / "data" / "examples_grades"
COPIED = ("exercises", "solutions", "grader", "data", "pyproject.toml", "README.md")


def _site_packages(venv: Path) -> Path:
    rel = Path(sysconfig.get_path("purelib")).relative_to(sys.prefix)
    return venv / rel


def test_a_non_editable_install_grades_the_examples(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    for name in COPIED:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, src / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    target = _site_packages(venv)
    (target / "normlab_deps.pth").write_text(
        "\n".join(p for p in site.getsitepackages() if Path(p).is_dir()) + "\n"
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-compile",
            "--target",
            str(target),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    python = venv / "bin" / "python"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    where = subprocess.run(
        [str(python), "-c", "import grader, exercises.feedback; print(grader.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).resolve().is_relative_to(target.resolve()), where
    out = elsewhere / "grades"
    proc = subprocess.run(
        [
            str(python),
            "-m",
            "grader",
            "grade",
            str(ROOT / "examples" / "submissions"),
            "--out",
            str(out),
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out / "grades.csv", newline="") as f:
        got = list(csv.reader(f))
    with open(STORED / "grades.csv", newline="") as f:
        want = list(csv.reader(f))
    assert got == want
