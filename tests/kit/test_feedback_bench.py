"""The learner-latency benchmark's machinery (benchmarks/feedback.py): it times a real learner release, where the
references pass and the stubs show NOT IMPLEMENTED YET, and its table reads the runs it is given. The figures
themselves come from running the script (benchmarks/RESULTS.md), never from a test."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from grader import ROOT

pytestmark = [pytest.mark.kit, pytest.mark.slow]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location(
        "bench_feedback", ROOT / "benchmarks" / "feedback.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def test_the_release_trees_pass_and_fail_as_a_learner_sees_them(bench, tmp_path):
    bundle = bench.release(None, tmp_path, sys.executable)
    assert not (bundle / "correct" / "tests" / "kit").exists()
    assert not (bundle / "correct" / "solutions").exists()
    _, code = bench.run_once(sys.executable, bundle / "correct", ["-m", "layer_norm"], "nowrite")
    assert code == 0
    _, code = bench.run_once(sys.executable, bundle / "stubs", ["-m", "layer_norm"], "warm")
    assert code == 1  # every check NOT IMPLEMENTED YET
    assert any((bundle / "stubs").rglob("__pycache__"))  # the warm mode writes the caches it reuses


def test_the_table_shows_medians_ratios_and_verdicts(bench):
    times = {}
    for tree in ("correct", "stubs"):
        for command in bench.COMMANDS:
            times[("this", tree, command, "warm")] = [1.0, 3.0, 1.5]
            times[("old", tree, command, "warm")] = [3.0, 3.0, 3.0]
    times[("this", "floor", "floor", "warm")] = [1.2, 1.0, 1.1]
    text = bench.table(times, ["this", "old"], ["warm"], {"warm": 3})
    assert "| `pytest -q -m labs` | correct | <= 2 s | 3.00 | 1.50 | 0.50 | met |" in text
    assert "| `pytest -q` | stubs | <= 5 s | 3.00 | 1.50 | 0.50 | met |" in text
    assert "Median of interleaved runs (warm 3)" in text
    assert '`python -c "import os, pytest, torch; os._exit(0)"` 1.10 s (min 1.00, max 1.20)' in text


def test_a_mode_can_be_timed_in_fewer_rounds(bench, monkeypatch, tmp_path):
    """--nowrite-runs N: the nowrite mode in the first N rounds only, the warm mode in every round."""
    calls = []
    monkeypatch.setattr(
        bench, "run_once", lambda python, tree, command, mode: calls.append(mode) or (1.0, 0)
    )
    times = bench.measure("python", {"this": tmp_path}, ["warm", "nowrite"], 3, {"nowrite": 1})
    configs = 2 * len(bench.COMMANDS)
    assert all(len(times[k]) == (3 if k[3] == "warm" else 1) for k in times)
    assert calls.count("nowrite") == configs
    assert len(times[("this", "floor", "floor", "warm")]) == 3  # the floor, once in each warm round


def test_the_one_process_column_times_jobs_1_warm(bench, monkeypatch, tmp_path):
    """The same tree with `--jobs 1` in the same rounds (warm only), shown beside the two-process figure."""
    calls = []
    monkeypatch.setattr(
        bench,
        "run_once",
        lambda python, tree, command, mode: calls.append((tuple(command), mode)) or (1.0, 0),
    )
    times = bench.measure("python", {"this": tmp_path}, ["warm", "nowrite"], 2, None, ("this",))
    one = [k for k in times if k[0] == "this --jobs 1"]
    assert len(one) == 2 * len(bench.COMMANDS)
    assert all(k[3] == "warm" and len(times[k]) == 2 for k in one)
    assert (
        all(command[-2:] == ("--jobs", "1") for command, mode in calls if mode == "nowrite")
        is False
    )
    assert ((*bench.COMMANDS["labs"], "--jobs", "1"), "warm") in calls
    text = bench.table(times, ["this"], ["warm", "nowrite"], {"warm": 2, "nowrite": 2})
    assert "one process (`--jobs 1`)" in text
