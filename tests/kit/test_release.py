"""Kit tests of `python -m grader release`: the bundle is complete, leak-free, and works on its own."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader import ROOT
from grader.authoring.leakcheck import check
from grader.verbs.release import main as release

pytestmark = pytest.mark.kit


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "bundle"
    assert release(out=out) == 0
    return out


def test_bundle_has_the_learner_files_and_no_instructor_files(bundle):
    assert (bundle / "exercises" / "layer_norm.py").read_text() == (
        ROOT / "exercises" / "layer_norm.py"
    ).read_text()
    assert (bundle / "data" / "mnist_5k.csv.gz").exists()
    assert (bundle / "data" / "README.md").exists()
    assert (bundle / "tests" / "data" / "layer_norm.npz").exists()
    for path in ("solutions", "grader", "tests/kit/test_kit.py", "tests/kit/mutant_hints.py"):
        assert not (bundle / path).exists(), path
    assert "nbgrader" not in (bundle / "pyproject.toml").read_text()
    assert check(bundle) == []


def test_leak_check_finds_a_renamed_and_reformatted_solution(bundle, tmp_path):
    leaky = tmp_path / "leaky"
    shutil.copytree(bundle, leaky)
    source = (ROOT / "solutions" / "layer_norm.py").read_text()
    renamed = source.replace("xhat", "normalized").replace("rstd", "inv_std").replace("    ", "  ")
    (leaky / "exercises" / "helpers_extra.py").write_text(renamed)
    leaks = [str(leak) for leak in check(leaky)]
    assert any("helpers_extra.py" in leak and "layer_norm" in leak for leak in leaks), leaks


def test_leak_check_finds_instructor_paths_and_foreign_stored_cases(bundle, tmp_path):
    import numpy as np

    leaky = tmp_path / "leaky"
    shutil.copytree(bundle, leaky)
    (leaky / "grader" / "hidden").mkdir(parents=True)
    np.savez(
        leaky / "tests" / "data" / "layer_norm_extra.npz", **{"secret_case/out/out": np.zeros(3)}
    )
    leaks = [str(leak) for leak in check(leaky)]
    assert any(leak.startswith("grader") for leak in leaks), leaks
    assert any("secret_case" in leak for leak in leaks), leaks


def test_release_refuses_a_non_empty_target_without_force(tmp_path, capsys):
    target = tmp_path / "taken"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    assert release(out=target) == 2
    assert "--force" in capsys.readouterr().err
    assert (target / "notes.txt").read_text() == "keep me"
    assert release(out=target, force=True) == 0
    assert not (target / "notes.txt").exists()


@pytest.mark.slow
def test_bundle_pytest_runs_on_its_own_and_shows_everything_not_implemented(bundle):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env["MPLBACKEND"] = "Agg"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not gpu"],
        cwd=bundle,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-2000:]
    tail = proc.stdout.strip().splitlines()[-1]
    counts = {w: int(n) for n, w in re.findall(r"(\d+) (\w+)", tail)}
    assert counts.get("notimpl", 0) > 0, tail
    assert not {"passed", "failed", "error", "errors"} & counts.keys(), tail
    assert "normlab progress" in proc.stdout
