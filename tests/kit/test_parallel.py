"""Kit tests of tests/parallel.py (`--jobs`): a learner's run on two processes says what a run on one says."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from grader import ROOT
from grader.mutants import get_mutant
from grader.verbs.release import main as release
from tests import parallel

pytestmark = pytest.mark.kit

GROUP = "layer_norm_torch"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """A learner release with the references as the learner's files."""
    out = tmp_path_factory.mktemp("parallel") / "bundle"
    assert release(out=out) == 0
    for path in (ROOT / "solutions").glob("*.py"):
        if path.name != "__init__.py":
            shutil.copy2(path, out / "exercises" / path.name)
    return out


def _pytest(folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["MPLBACKEND"] = "Agg"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def _record(folder: Path) -> dict:
    return json.loads((folder / parallel.RECORD).read_text())


def _what_it_says(out: str) -> list[str]:
    """The run's report without what depends on timing and order: progress lines, seconds."""
    lines = []
    for line in out.splitlines():
        if re.match(r"^[.FEsxXN]+\s*(\[\s*\d+%\])?$", line.strip()) or re.search(
            r"\d\.\d+s\b", line
        ):
            continue
        lines.append(line.rstrip())
    return sorted(lines)


def _errors_it_says(out: str) -> list[str]:
    """The error lines of a run (pytest's "E   ..." and the learner's file and line), each once."""
    return sorted(
        {
            line.rstrip()
            for line in out.splitlines()
            if line.startswith("E ") or '.py", line' in line
        }
    )


def _add_to_forward(module: Path, top: str, code: str) -> None:
    """Put ``top`` after the module's ``from __future__`` line and ``code`` at the start of its first
    ``def forward(`` (LayerNormFunction.forward)."""
    future = "from __future__ import annotations\n"
    source = module.read_text().replace(future, future + top + "\n", 1)
    start = source.index("def forward(")
    body = source.index(":\n", source.index(")", start)) + 2
    lines = "".join(" " * 8 + line + "\n" for line in code.splitlines())
    module.write_text(source[:body] + lines + source[body:])


def _copy(bundle: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "learner"
    shutil.copytree(bundle, folder, ignore=shutil.ignore_patterns(".pytest_cache"))
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("files", ["references", "mutant", "stubs", "warning", "syntax error"])
def test_two_processes_report_what_one_does(bundle, tmp_path, files):
    """The same tests, outcomes, messages, hints and warnings, the same exit status, the same order in the
    short summary; and the run really was split."""
    folder = _copy(bundle, tmp_path)
    module = folder / "exercises" / f"{GROUP}.py"
    if files == "mutant":  # a realistic mistake: failures with their hints
        module.write_text(get_mutant("layer_norm_torch_dx_no_mean_term").source())
    elif files == "stubs":  # a learner's first run: NOT IMPLEMENTED YET
        module.write_text((ROOT / "exercises" / f"{GROUP}.py").read_text())
    elif files == "syntax error":
        # a learner mid-edit: the module fails to import (before the fork too, where nothing is reported)
        module.write_text(module.read_text() + "\ndef half_written(:\n")
    elif files == "warning":  # a warning raised in the tests of both processes
        _add_to_forward(
            module,
            "import warnings as _warnings",
            '_warnings.warn("a note from forward", UserWarning)',
        )
    one = _pytest(folder, "-m", GROUP, "--jobs", "1")
    two = _pytest(folder, "-m", GROUP, "--jobs", "2")
    assert _record(folder)["last"]["processes"] == 2
    assert 0 < _record(folder)["last"]["cut"] < _record(folder)["last"]["tests"]
    failing = ("mutant", "stubs", "syntax error")
    assert two.returncode == one.returncode == (1 if files in failing else 0), two.stdout[-3000:]
    if files == "syntax error":
        # the first test of each process to meet the failing module shows pytest's full traceback, later ones
        # its shorter re-raise of the cached error: two processes, one more long form. What each test says
        # (the error, where in the learner's file) is the same.
        assert any("SyntaxError" in line for line in _errors_it_says(one.stdout))
        assert _errors_it_says(two.stdout) == _errors_it_says(one.stdout)
    else:
        assert _what_it_says(two.stdout) == _what_it_says(one.stdout)
    # the short summary in the same order: the tests' own, not the order in which the processes ended them
    one_says, two_says = (
        [
            line
            for line in p.stdout.splitlines()
            if re.match(r"^(PASSED|FAILED|ERROR|SKIPPED) ", line)
        ]
        for p in (one, two)
    )
    assert one_says
    assert two_says == one_says
    assert ("FAILED" in two.stdout) == (files == "mutant")
    assert ("SyntaxError" in two.stdout) == (files == "syntax error")
    assert ("notimpl" in two.stdout.splitlines()[-1]) == (files == "stubs")
    assert ("a note from forward" in two.stdout) == (files == "warning")


@pytest.mark.slow
def test_a_crash_in_the_second_process_fails_that_test_and_the_first_runs_the_rest(
    bundle, tmp_path
):
    folder = _copy(bundle, tmp_path)
    module = folder / "exercises" / f"{GROUP}.py"
    # the module under test ends any process other than the one that imported it (the first, before the fork)
    _add_to_forward(
        module,
        "import os as _os\n_IMPORTED_BY = _os.getpid()",
        "if _os.getpid() != _IMPORTED_BY:\n    _os._exit(7)",
    )
    one = _pytest(folder, "-m", GROUP, "--jobs", "1")
    assert one.returncode == 0, one.stdout[-3000:]
    two = _pytest(folder, "-m", GROUP, "--jobs", "2")
    assert two.returncode == 1, two.stdout[-3000:]
    assert "The second test process ended during this test (exit status 7)" in two.stdout
    failed = re.findall(r"^FAILED (\S+)", two.stdout, re.M)
    assert len(failed) == 1, two.stdout[-3000:]
    passed_one = set(re.findall(r"^PASSED (\S+)", one.stdout, re.M))
    passed_two = set(re.findall(r"^PASSED (\S+)", two.stdout, re.M))
    assert passed_two == passed_one - set(failed)  # every other test ran, in the first process


@pytest.mark.skipif(parallel._cores() < 2, reason="one core: every run stays in one process")
def test_a_short_run_stays_in_one_process_once_its_time_is_known(tmp_path):
    folder = tmp_path / "stubs"
    assert release(out=folder) == 0
    first = _pytest(folder, "-m", "layer_norm")
    assert first.returncode == 1  # NOT IMPLEMENTED YET
    assert _record(folder)["last"]["processes"] == 2  # nothing known yet: both cores
    _pytest(folder, "-m", "layer_norm")
    assert _record(folder)["last"]["processes"] == 1  # the previous run of these tests took < TINY


# --- the cut -------------------------------------------------------------------------------------------


def test_the_cut_balances_the_tests_own_times():
    none = [frozenset()] * 6
    assert parallel.split([1, 1, 1, 1, 1, 1], none, {}) == 3
    assert parallel.split([4, 1, 1, 1, 1, 0.5], none, {}) == 1
    assert parallel.split([0.1, 0.1, 0.1, 0.1, 2, 0.1], none, {}) in (4, 5)


def test_the_cut_counts_a_shared_fixture_once_per_process():
    # the last two tests share a fixture that costs 3 s (a trained model): by their own times alone the cut
    # would be after test 2; the process that runs them pays 3 s more, so the other takes all four others
    own = [1.0, 1.0, 1.0, 1.0, 0.1, 0.1]
    fixtures = [frozenset()] * 4 + [frozenset({"m::run"})] * 2
    assert parallel.split(own, fixtures, {}) == 2
    assert parallel.split(own, fixtures, {"m::run": 3.0}) == 4
    # a cheap shared fixture (stored values) does not stop a cut through the module
    assert parallel.split([1.0] * 6, [frozenset({"m::stored"})] * 6, {"m::stored": 0.01}) == 3


def _session(items=2, kit=False, jobs="auto", **options):
    defaults = dict(
        usepdb=False, trace=False, maxfail=0, capture="fd", stepwise=False, stepwise_skip=False,
        collectonly=False, setupplan=False, setuponly=False, continue_on_collection_errors=False,
    )  # fmt: skip
    defaults.update(options)
    values = {"--jobs": jobs, "--hint-level": defaults.pop("hint_level", 0), "log_cli_level": None}
    config = SimpleNamespace(
        option=SimpleNamespace(**defaults),
        getoption=lambda name, default=None: values.get(name, default),
        getini=lambda name: False,
        pluginmanager=SimpleNamespace(hasplugin=lambda name: False),
    )
    marker = object() if kit else None
    tests = [
        SimpleNamespace(nodeid=f"t::{i}", get_closest_marker=lambda name: marker)
        for i in range(items)
    ]
    return SimpleNamespace(config=config, items=tests)


@pytest.mark.parametrize(
    ("options", "why"),
    [
        ({"jobs": "1"}, "--jobs 1"),
        ({"usepdb": True}, "--pdb/--trace"),
        ({"maxfail": 1}, "-x/--maxfail"),
        ({"capture": "no"}, "-s"),
        ({"stepwise": True}, "--sw"),
        ({"collectonly": True}, "--collect-only"),
        ({"hint_level": 1}, "--hint-level"),
        ({"kit": True}, "kit tests"),
        ({"items": 1}, "fewer than two tests"),
    ],
)
def test_one_process_when_a_second_would_garble_the_run(options, why, monkeypatch):
    # a machine that could fork: Linux, two cores, no other thread (the kit's own tests may leave some running)
    monkeypatch.setattr(parallel.sys, "platform", "linux")
    monkeypatch.setattr(parallel, "_cores", lambda: 2)
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)
    record = {"tests": {}, "fixtures": {}, "torch": {}}
    assert parallel.why_one_process(_session(), record) is None
    assert parallel.why_one_process(_session(**options), record) == why


def test_one_process_while_other_threads_run(monkeypatch):
    """pytest.main() in a notebook's kernel (its threads hold locks that a forked copy could never release)."""
    monkeypatch.setattr(parallel.sys, "platform", "linux")
    monkeypatch.setattr(parallel, "_cores", lambda: 2)
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 3)
    why = parallel.why_one_process(_session(), {"tests": {}, "fixtures": {}, "torch": {}})
    assert why == "other threads are running (a notebook's kernel, an IDE)"


class _OddWarning(UserWarning):
    def __init__(self, code: int, text: str) -> None:  # not the usual Warning(message)
        super().__init__(f"{code}: {text}")


def test_a_warning_of_any_class_is_replayed(monkeypatch):
    """A warning raised in the second process reaches the first's warnings summary, even of a class that
    cannot be rebuilt from its message (then as a UserWarning with the same text)."""
    seen = []
    hook = SimpleNamespace(
        pytest_warning_recorded=SimpleNamespace(call_historic=lambda kwargs: seen.append(kwargs))
    )
    receiver = parallel._Receiver(SimpleNamespace(hook=hook), -1, [])
    for category in (DeprecationWarning, _OddWarning):
        receiver._replay(
            {
                "event": "warning",
                "message": "7: a note",
                "category": [category.__module__, category.__qualname__],
                "filename": "exercises/x.py",
                "lineno": 3,
                "when": "runtest",
                "nodeid": "tests/test_x.py::test_a",
                "location": None,
            }
        )
    assert [k["warning_message"].category for k in seen] == [DeprecationWarning, UserWarning]
    assert all(str(k["warning_message"].message) == "7: a note" for k in seen)
    assert seen[0]["nodeid"] == "tests/test_x.py::test_a"
