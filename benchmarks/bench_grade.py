"""Class-grading throughput: `grader grade` on N copies of the correct example vs a fresh pytest per submission.

    python benchmarks/bench_grade.py [--n 200] [--jobs 2] [--pytest-samples 5]

The grader run is one `python -m grader grade CLASS --out OUT --jobs J` (zygote start, every hidden case of
every group, sandboxed workers, parent-side judges, reports), timed wall-clock end to end. The baseline is
what a course would do without it: one fresh `pytest --impl <submission>` of the public tests per submission
(interpreter, numpy/torch imports, collection), timed on a few submissions and scaled to N. Each fresh
pytest is run --pytest-samples times; the median is reported. Target (issue 7): N=200, --jobs 2, 2 cores,
<= 90 s.
"""

from __future__ import annotations

import argparse
import os
import resource
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


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_grader(folder: Path, out: Path, jobs: int) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the whole process tree: parent, zygote, workers, judges, stdout)."""
    cpu0 = _children_cpu()
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
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"bench_grade: grader failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return seconds, _children_cpu() - cpu0, proc.stdout


def time_pytest(submission: Path) -> float:
    tests = sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "tests").glob("test_*.py")
        if p.stem.removeprefix("test_")
        in ("layer_norm", "layer_norm_torch", "initializers", "histograms")
    )
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--impl",
            str(submission),
            *tests,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n", type=int, default=200, help="copies of the correct example (default 200)"
    )
    parser.add_argument("--jobs", type=int, default=2, help="grader --jobs (default 2)")
    parser.add_argument(
        "--pytest-samples", type=int, default=5, help="fresh pytest runs timed (default 5)"
    )
    args = parser.parse_args(argv)
    cores = len(os.sched_getaffinity(0))
    load = os.getloadavg()[0]  # other processes share the cores: the wall figure includes them
    print(
        f"bench_grade: {args.n} copies of examples/submissions/ada, --jobs {args.jobs}, {cores} cores "
        f"(load average {load:.1f} at start)"
    )
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        folder = Path(tmp) / "class"
        folder.mkdir()
        make_class(folder, args.n)
        grader_s, grader_cpu, stdout = time_grader(folder, Path(tmp) / "out", args.jobs)
        rows = (Path(tmp) / "out" / "grades.csv").read_text().splitlines()[1:]
        full = sum(1 for r in rows if r.split(",")[1] == r.split(",")[2])
        pytest_s = [time_pytest(folder / f"learner-{i:03d}") for i in range(args.pytest_samples)]
    per_grader = grader_s / args.n
    per_pytest = statistics.median(pytest_s)
    print(
        f"grader : {grader_s:7.1f} s for {args.n} submissions = {per_grader:.3f} s/submission "
        f"({full}/{len(rows)} full marks)"
    )
    print(
        f"pytest : median {per_pytest:.2f} s/submission over {len(pytest_s)} fresh runs "
        f"(min {min(pytest_s):.2f}, max {max(pytest_s):.2f}); x{args.n} = {per_pytest * args.n:.0f} s"
    )
    print(
        f"ratio  : the grader is {per_pytest / per_grader:.1f}x faster per submission than a fresh pytest"
    )
    print(
        f"cpu    : {grader_cpu:.1f} CPU s for the grader's process tree = {grader_cpu / args.n:.3f} CPU "
        f"s/submission; on {cores} otherwise idle cores at best {grader_cpu / cores:.1f} s wall"
    )
    if args.n == 200 and args.jobs == 2:
        verdict = "meets" if grader_s <= 90 else "misses"
        print(f"target : <= 90 s for 200 with --jobs 2 on 2 cores: {verdict} ({grader_s:.1f} s)")
    tail = [line for line in stdout.splitlines() if "learners graded" in line]
    if tail:
        print(f"grader says: {tail[0].strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
