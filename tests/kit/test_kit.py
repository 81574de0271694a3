"""The kit's own tests of what learners rely on: generated files in sync, doctests, stubs that fail cleanly,
and every known mistake recognised by the public tests. Run under `pytest --impl solutions` (marker kit)."""

from __future__ import annotations

import doctest
import importlib
import json
import os
import re
import subprocess
import sys

import pytest

from grader import GROUPS, ROOT
from grader.mutants import all_mutants

pytestmark = pytest.mark.kit

PRESENT = [g for g in GROUPS if (ROOT / "solutions" / f"{g}.py").exists()]


def _run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env
    )


def test_generated_files_are_in_sync_with_solutions():
    # in a fresh process, as `python -m grader sync` runs: the stored values of the statistical groups are
    # sampled with fixed seeds, but which mutant outputs differ enough to be stored can move with the state an
    # earlier in-process test leaves (torch's thread count, the global RNGs)
    proc = _run("-m", "grader", "sync", "--check")
    assert proc.returncode == 0, (
        "exercises/ or tests/data/ drifted from solutions/: run python -m grader sync\n"
        + proc.stdout
        + proc.stderr
    )


@pytest.mark.parametrize("group", PRESENT)
def test_solution_docstring_examples_run(group):
    module = importlib.import_module(f"solutions.{group}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} doctest example(s) failed in solutions/{group}.py"
    assert result.attempted > 0, f"solutions/{group}.py has no Example in its docstrings"


@pytest.mark.parametrize("group", PRESENT)
def test_stub_and_solution_have_the_same_public_api(group):
    sol = importlib.import_module(f"solutions.{group}")
    ex = importlib.import_module(f"exercises.{group}")
    public = {
        n
        for n in vars(sol)
        if not n.startswith("_") and getattr(vars(sol)[n], "__module__", "") == sol.__name__
    }
    missing = sorted(n for n in public if not hasattr(ex, n))
    assert not missing, f"exercises/{group}.py lacks {missing}"


@pytest.mark.slow
def test_stubs_fail_cleanly_as_not_implemented():
    """Every public test on the untouched stubs reports NOT IMPLEMENTED YET; none errors any other way."""
    proc = _run(
        "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not gpu", "--impl", "exercises"
    )
    tail = proc.stdout.strip().splitlines()[-1]
    assert proc.returncode == 1, proc.stdout[-3000:]
    counts = dict((w, int(n)) for n, w in re.findall(r"(\d+) (\w+)", tail))
    assert counts.get("notimpl", 0) > 0, tail
    others = {k: v for k, v in counts.items() if k not in ("notimpl", "deselected", "skipped")}
    assert not others, (
        f"stubs should only give NOT IMPLEMENTED YET, got: {tail}\n{proc.stdout[-3000:]}"
    )
    for group in PRESENT:
        assert re.search(rf"{group}\s+todo\s+0 /", proc.stdout), (
            f"scoreboard row for {group}:\n{proc.stdout[-2000:]}"
        )


@pytest.mark.slow
@pytest.mark.parametrize("group", [g for g in PRESENT if all_mutants(g)])
def test_every_mutant_fails_public_tests_with_its_hint(group):
    proc = _run("-m", "tests.kit.mutant_hints", group)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(rows) == len(all_mutants(group))
    silent = [r["mutant"] for r in rows if not r["failed"]]
    hintless = [
        f"{r['mutant']} (expects {r['hint']})" for r in rows if r["failed"] and not r["hint_shown"]
    ]
    assert not silent, f"mutants that pass every public test: {silent}"
    assert not hintless, f"mutants caught without their hint: {hintless}"
