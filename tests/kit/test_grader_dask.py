"""`grade --executor dask` / `--scheduler`: the dask.distributed executor (grader/run/dask_client.py).

The same grades whichever executor ran them; hostile code never kills a dask worker; a worker SIGKILLed mid-run
costs nothing (its tasks run again, every learner ends with one row and one journal line); a worker with another
kit refuses to grade, naming both fingerprints; an unreachable scheduler fails fast with its address; and a
cluster started by hand (`dask scheduler` + `dask worker` from this venv) grades like the local executor.
Everything stays on loopback; each cluster is torn down by the test that started it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from grader import GROUPS, ROOT  # noqa: E402
from grader.grading.class_loop import grade_class  # noqa: E402
from grader.grading.journal import Journal  # noqa: E402
from grader.grading.plan import Options  # noqa: E402
from grader.intake.collect import collect  # noqa: E402
from grader.kit import kit_fingerprint  # noqa: E402
from grader.points import default_groups, points_table  # noqa: E402
from grader.report import gradebook_csv  # noqa: E402
from grader.run.dask_client import DaskExecutor  # noqa: E402
from grader.run.dask_node import KitMismatch, run_remote  # noqa: E402
from tests.kit.test_grader_hostile import build_entry  # noqa: E402

pytestmark = pytest.mark.kit

# the groups `grade` grades by default (the groups worth points), as the local run the tests compare with
GRADED = tuple(default_groups(points_table()))

EXAMPLES = ROOT / "examples" / "submissions"
SEED = 11
TIMEOUT = "2"
DASK = Path(sys.executable).with_name("dask")


def grade(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader", "grade", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def outputs(out: Path) -> dict[str, str]:
    """grades.csv and every feedback.md, by relative path (no timing is written in either)."""
    found = {"grades.csv": (out / "grades.csv").read_text()}
    for path in sorted(out.glob("*/feedback.md")):
        found[str(path.relative_to(out))] = path.read_text()
    return found


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local") / "grades"
    proc = grade(
        str(EXAMPLES), "--out", str(out), "--jobs", "2", "--timeout", TIMEOUT, "--seed", str(SEED)
    )
    assert proc.returncode == 0, proc.stderr
    return out


# --- fast checks --------------------------------------------------------------------------------------------


def test_unreachable_scheduler_fails_fast_naming_it(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    start = time.monotonic()
    proc = grade(str(EXAMPLES), "--out", str(tmp_path / "out"), "--scheduler", address, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert address in proc.stderr
    assert "could not reach the dask scheduler" in proc.stderr
    assert time.monotonic() - start < 60
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_a_worker_with_another_kit_refuses_the_task() -> None:
    """The check every task makes on its worker (a worker that joins after the client's first check)."""
    other = "0123456789abcdef"
    with pytest.raises(KitMismatch) as exc:
        run_remote([], {"kit": other, "seed": 0})
    text = str(exc.value)
    assert other in text
    assert kit_fingerprint(list(GROUPS)) in text


# --- LocalCluster ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_both_executors_give_the_same_grades_and_feedback(local_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "grades"
    proc = grade(
        str(EXAMPLES),
        "--out",
        str(out),
        "--executor",
        "dask",
        "--jobs",
        "2",
        "--timeout",
        TIMEOUT,
        "--seed",
        str(SEED),
    )
    assert proc.returncode == 0, proc.stderr
    assert outputs(out) == outputs(local_run)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskExecutor]:
    hide = tmp_path_factory.mktemp("dask-hidden")
    executor = DaskExecutor.local(2, seed=SEED, hide=[hide])
    try:
        yield executor
    finally:
        executor.close()


def _pids(executor: DaskExecutor) -> dict[str, int]:
    return executor.client.run(os.getpid)


@pytest.mark.slow
def test_hostile_code_never_kills_a_dask_worker(cluster: DaskExecutor, tmp_path: Path) -> None:
    names = ["control", "fork_bomb", "os_exit", "segfault", "stdout_flood", "zip_bomb", "zip_slip"]
    for name in names:
        build_entry(name, tmp_path)
    subs, _ = collect(tmp_path)
    before = _pids(cluster)
    results = grade_class(
        subs, Options(seed=SEED, timeout=2.0, groups=GRADED), cluster, max_inflight=4
    )
    assert sorted(r.learner for r in results) == sorted(names)
    assert _pids(cluster) == before  # the same two worker processes, never restarted
    by = {r.learner: r for r in results}
    control = [c for g in by["control"].groups.values() for c in g.cases]
    assert control
    assert all(c.status in ("passed", "skipped") for c in control)
    for name in names[1:]:
        assert by[name].cents < by["control"].cents, name
        assert all(g.status != "grader error" for g in by[name].groups.values()), name
    assert by["control"].isolation  # the level active on the node that graded it


@pytest.mark.slow
def test_a_worker_killed_mid_run_loses_nothing(
    cluster: DaskExecutor, local_run: Path, tmp_path: Path
) -> None:
    subs, _ = collect(EXAMPLES)
    journal = Journal(tmp_path / ".journal.jsonl")
    killed: list[int] = []

    def kill_one(result: object, reused: bool) -> None:
        if killed:
            return
        busy = [w for w, keys in cluster.client.processing().items() if keys]
        if busy:
            pid = cluster.client.run(os.getpid, workers=[busy[0]])[busy[0]]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    options = Options(seed=SEED, timeout=2.0, groups=GRADED)
    results = grade_class(
        subs, options, cluster, journal=journal, max_inflight=4, progress=kill_one
    )
    assert killed, "no task was in flight to kill"
    assert sorted(r.learner for r in results) == sorted(s.learner for s in subs)
    gradebook_csv.write(
        results, tmp_path / "grades.csv", GRADED
    )  # the same grades as the local executor's
    assert (tmp_path / "grades.csv").read_text() == (local_run / "grades.csv").read_text()
    lines = [json.loads(line) for line in journal.path.read_text().splitlines()]
    assert sorted(rec["learner"] for rec in lines) == sorted(s.learner for s in subs)
    # an interrupted or repeated run resumes from the journal: nothing is graded again
    reused: list[bool] = []
    again = grade_class(
        subs, options, cluster, journal=journal, progress=lambda r, was: reused.append(was)
    )
    assert reused == [True] * len(subs)
    assert [r.cents for r in again] == [r.cents for r in results]


# --- a cluster started by hand ------------------------------------------------------------------------------


@contextlib.contextmanager
def hand_cluster(root: Path, tmp: Path, workers: int) -> Iterator[str]:
    """`dask scheduler` and `dask worker` processes of this venv, on loopback, with ``root`` as their kit."""
    env = {**os.environ, "PYTHONPATH": str(root), "OMP_NUM_THREADS": "1"}
    file = tmp / "scheduler.json"
    procs: list[subprocess.Popen] = []
    logs: list = []

    def start(*args: str) -> None:
        log = open(tmp / f"dask-{len(procs)}.log", "w")
        logs.append(log)
        procs.append(
            subprocess.Popen(
                [str(DASK), *args],
                cwd=root,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    try:
        start(
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(file),
        )
        deadline = time.monotonic() + 60
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(file.read_text())["address"]
        start(
            "worker",
            address,
            "--nworkers",
            str(workers),
            "--nthreads",
            "1",
            "--host",
            "127.0.0.1",
            "--no-dashboard",
        )
        with distributed.Client(address, timeout="30s") as client:
            client.wait_for_workers(workers, timeout=120)
        yield address
    finally:
        for proc in reversed(procs):  # the processes this test started, and their children
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for log in logs:
            log.close()


@pytest.mark.slow
def test_a_hand_started_cluster_grades_like_the_local_executor(
    local_run: Path, tmp_path: Path
) -> None:
    with hand_cluster(ROOT, tmp_path, 2) as address:
        out = tmp_path / "grades"
        proc = grade(
            str(EXAMPLES),
            "--out",
            str(out),
            "--scheduler",
            address,
            "--timeout",
            TIMEOUT,
            "--seed",
            str(SEED),
        )
    assert proc.returncode == 0, proc.stderr
    assert outputs(out) == outputs(local_run)


@pytest.mark.slow
def test_a_worker_with_another_kit_stops_the_class(tmp_path: Path) -> None:
    kit = tmp_path / "other-kit"
    shutil.copytree(
        ROOT, kit, ignore=shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info")
    )
    with open(kit / "grader" / "points.py", "a") as f:  # another hidden suite's points
        f.write("\n# another version of the kit\n")
    with hand_cluster(kit, tmp_path, 1) as address:
        out = tmp_path / "grades"
        proc = grade(str(EXAMPLES), "--out", str(out), "--scheduler", address, timeout=300)
    assert proc.returncode == 1, proc.stderr
    mine = kit_fingerprint(list(GROUPS))
    assert f"the client has {mine}" in proc.stderr
    assert "has kit fingerprint" in proc.stderr
    theirs = proc.stderr.split("has kit fingerprint ")[1].split(",")[0]
    assert theirs != mine
    assert len(theirs) == 16
    assert not (out / "grades.csv").exists()
