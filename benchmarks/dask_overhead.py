"""Grading on dask: the dask executor's overhead against the local one, and the scheduler's task rate.

    python benchmarks/dask_overhead.py [--n 200] [--jobs 2] [--repeats 3] [--trivial 2000] [--markdown]

1. N copies of the correct example graded by `python -m grader grade CLASS --out OUT --jobs J` with
   ``--executor local`` and with ``--executor dask`` (a LocalCluster of J worker processes, each with its own
   zygote and sandbox, judging there), wall-clock end to end (cluster start and shutdown included), the two
   runs interleaved, --repeats times; medians, and the overhead (dask - local) / local. Goal: <= 10 %.
2. The scheduler's throughput on trivial tasks (a no-op function, --trivial of them, on a LocalCluster of J
   processes): tasks per second, against the grading tasks per second above (one task per learner), to show
   that the scheduler is not what bounds a class run.
3. The client's own work per learner (the static check and the tasks, grading.prepare as the dask client calls
   it: the workers draw the hidden inputs),
   the other shared cost of a class run.

Extrapolation printed at the end: M machines of C cores, one single-threaded dask worker per core, grade about
min(M * C * r, S, 1 / p) learners per second, where r is the per-worker rate measured here (end to end, start-up
included), S the scheduler's trivial task rate and p the client's CPU seconds per learner. Assumptions: the
nodes' cores are as fast as this machine's, the learners cost like the correct example (a failing submission
costs more: mutants run to choose its hint), one task per learner, and the network carries each task (the
learner's sources, tens of KB: the workers draw the hidden inputs) without becoming the limit.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "submissions" / "ada"


def make_class(folder: Path, n: int) -> None:
    for i in range(n):
        shutil.copytree(EXAMPLE, folder / f"learner-{i:03d}")


def time_grade(folder: Path, out: Path, jobs: int, executor: str) -> float:
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "grade",
            str(folder),
            "--out",
            str(out),
            "--jobs",
            str(jobs),
            "--executor",
            executor,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"grade --executor {executor} failed:\n{proc.stderr[-3000:]}")
    return seconds


def noop(i: int) -> int:
    return i


def trivial_rate(jobs: int, n: int) -> float:
    """Tasks per second the scheduler completes for a no-op (submission to result, all in flight)."""
    from distributed import Client, LocalCluster, wait

    with (
        LocalCluster(
            n_workers=jobs, threads_per_worker=1, dashboard_address=None, silence_logs=40
        ) as cluster,
        Client(cluster) as client,
    ):
        wait(client.map(noop, range(100), pure=False))  # warm: connections, function cache
        start = time.perf_counter()
        futures = client.map(noop, range(n), pure=False)
        wait(futures)
        return n / (time.perf_counter() - start)


def client_seconds_per_learner(n: int = 20) -> float:
    """CPU seconds the client spends per learner before sending it (grading.prepare for every group a default
    `grade` grades: the static check of the learner's file, the hidden inputs, the tasks)."""
    sys.path.insert(0, str(ROOT))
    from grader.grading.plan import Options, prepare
    from grader.intake.collect import collect
    from grader.kit import helper_files
    from grader.points import POINTS, default_groups

    groups = default_groups(dict(POINTS))

    with tempfile.TemporaryDirectory(prefix="normlab-dask-bench-") as tmp:
        make_class(Path(tmp), n)
        subs, _ = collect(Path(tmp))
        kit = helper_files()
        for g in groups:  # first-call costs (imports) do not count
            prepare(subs[0], g, Options(), kit, draw_inputs=False)
        start = time.process_time()
        for sub in subs:
            for g in groups:
                prepare(sub, g, Options(), kit, draw_inputs=False)
        return (time.process_time() - start) / n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--trivial", type=int, default=2000)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    walls: dict[str, list[float]] = {"local": [], "dask": []}
    with tempfile.TemporaryDirectory(prefix="normlab-dask-bench-") as tmp:
        folder = Path(tmp) / "class"
        folder.mkdir()
        make_class(folder, args.n)
        for _ in range(args.repeats):
            for executor in ("local", "dask"):  # interleaved: a load change hits both
                walls[executor].append(time_grade(folder, Path(tmp) / "out", args.jobs, executor))
    local, dask = (statistics.median(walls[k]) for k in ("local", "dask"))
    rate = trivial_rate(args.jobs, args.trivial)
    client = client_seconds_per_learner()
    load = os.getloadavg()[0]
    print(
        f"{args.n} copies of the correct example, --jobs {args.jobs}, {os.cpu_count()} CPUs "
        f"({platform.processor() or platform.machine()}), median of {args.repeats} interleaved runs; "
        f"1-min load average at the end: {load:.1f}"
    )
    print()
    print("| executor | median wall s | runs s | learners/s |")
    print("|---|---:|---:|---:|")
    for name, med in (("local", local), ("dask (LocalCluster)", dask)):
        runs = ", ".join(f"{s:.1f}" for s in walls[name.split()[0]])
        print(f"| {name} | {med:.1f} | {runs} | {args.n / med:.2f} |")
    print()
    print(
        f"dask overhead: {(dask - local) / local * 100:+.1f} % of the local wall time (goal <= 10 %)"
    )
    print(
        f"scheduler, trivial tasks: {rate:.0f} tasks/s on a LocalCluster of {args.jobs} processes "
        f"({args.trivial} no-op tasks), {rate / (args.n / dask):.0f}x the grading task rate above "
        "(one task per learner)"
    )
    per_worker = args.n / dask / args.jobs
    print(
        f"client: {client * 1000:.0f} ms of CPU per learner (static check, tasks; the workers draw the inputs)"
    )
    print()
    print(
        f"extrapolation: M machines x C cores grade about min(M*C*{per_worker:.2f}, {rate:.0f}, "
        f"{1 / client:.0f}) learners/s (per-worker rate, scheduler, client; assumptions in this script's "
        "docstring):"
    )
    for m, c in ((1, 8), (10, 8), (50, 8)):
        lps = min(m * c * per_worker, rate, 1 / client)
        print(
            f"- {m} x {c} cores: {lps:.1f} learners/s, 10,000 learners in {10_000 / lps / 60:.0f} min"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
