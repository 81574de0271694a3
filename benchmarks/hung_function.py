"""What one hung function costs the grader and the learner: a full-marks submission of one group graded alone,
then the same with one function that never returns (and swallows whatever a signal handler raises).

    python benchmarks/hung_function.py [--timeout 10] [--repeats 3]

Per row: the median seconds the executor takes for the group's calls (sandboxed workers, as `grader grade`; the
grader's own start-up left out), with and without the hang, the
difference (the cost; goal: <= timeout + 1 s per hung function), and the points the hung submission keeps (the
cases that never call the hung function). The cost is below the timeout when the cases skipped after the hang took
longer than restarting a worker. The hung function's first call costs one timeout; a fresh worker goes on with the
group's other cases, and every later case calling that function is not run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.run.local import LocalExecutor  # noqa: E402

HANG = (
    "        while True:  # never returns, and swallows whatever a signal handler raises\n"
    "            try:\n"
    "                while True:\n"
    "                    pass\n"
    "            except BaseException:\n"
    "                pass\n"
)
# (group, function that hangs, line of the reference the hang goes before)
ROWS = [
    (
        "layer_norm_torch",
        "LayerNormFunction.backward",
        "        xhat, rstd, weight = ctx.saved_tensors\n",
    ),
    ("layer_norm", "layer_norm_backward", "    xhat, rstd, gamma, beta_dtype, x_dtype = cache\n"),
]


def hung(group: str, anchor: str) -> str:
    source = (ROOT / "solutions" / f"{group}.py").read_text()
    assert source.count(anchor) == 1, anchor
    indent = anchor[: len(anchor) - len(anchor.lstrip())]
    hang = "".join(indent + line[8:] if line.strip() else line for line in HANG.splitlines(True))
    return source.replace(anchor, hang + anchor)


def run(executor, group: str, source: str, timeout: float, learner: str) -> tuple[float, float]:
    """(seconds the executor took for the group's calls, points) of one submission of ``group``."""
    from grader.grading.plan import Options, prepare
    from grader.grading.score import score_group
    from grader.intake.collect import Submission
    from grader.kit import helper_files

    options = Options(timeout=timeout, gpu="off")
    sub = Submission(learner, learner, "folder", files={group: source.encode()})
    prep = prepare(sub, group, options, helper_files())
    start = time.monotonic()
    prep.replies = [executor.run_task(task) for task in prep.tasks]
    seconds = time.monotonic() - start
    result = score_group(prep)
    return seconds, sum(c.cents for c in result.cases) / 100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(
        f"--timeout {args.timeout:g}, median of {args.repeats}, seconds in the executor (sandboxed workers)\n"
    )
    print(
        "| group | hung function | seconds without | seconds hung | hung - timeout | cost | goal "
        "| points kept |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for group, function, anchor in ROWS:
        good = (ROOT / "solutions" / f"{group}.py").read_text()
        bad = hung(group, anchor)
        times: dict[str, list[float]] = {"good": [], "bad": []}
        points: dict[str, float] = {}
        with LocalExecutor(1, [group]) as executor:
            executor.warm()
            run(executor, group, good, args.timeout, "warm-up")  # first imports, untimed
            for k in range(args.repeats):
                for label, source in (("good", good), ("bad", bad)):
                    seconds, points[label] = run(
                        executor, group, source, args.timeout, f"{label}{k}"
                    )
                    times[label].append(seconds)
        t_good, t_bad = statistics.median(times["good"]), statistics.median(times["bad"])
        print(
            f"| {group} | {function} | {t_good:.1f} | {t_bad:.1f} | {t_bad - args.timeout:.1f} | "
            f"{t_bad - t_good:.1f} | "
            f"<= {args.timeout + 1:g} | {points['bad']:g} of {points['good']:g} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
