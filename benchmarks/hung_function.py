"""What one hung function costs the grader and the learner: a full-marks submission of one group graded alone,
then the same with one function that never returns (and swallows whatever a signal handler raises).

    python benchmarks/hung_function.py [--timeout 10] [--repeats 3]

Per row: the median wall seconds of `python -m grader grade` on the one learner, with and without the hang, the
difference (goal: <= timeout + 1 s per hung function), and the points the hung submission keeps (the cases that
never call the hung function). The hung function's first call costs one timeout; a fresh worker goes on with the
group's other cases, and every later case calling that function is not run.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.grading import grade  # noqa: E402

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


def run(group: str, source: str, work: Path, timeout: float) -> tuple[float, str]:
    klass = work / "class"
    shutil.rmtree(klass, ignore_errors=True)
    folder = klass / "learner" / "exercises"
    folder.mkdir(parents=True)
    (folder / f"{group}.py").write_text(source)
    seconds = grade(klass, work / "out", 1, timeout)
    with open(work / "out" / "grades.csv", newline="") as f:
        row = next(csv.DictReader(f))
    return seconds, row[group]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="normlab-bench-hung-"))
    print(f"--timeout {args.timeout:g}, median of {args.repeats}\n")
    print("| group | hung function | seconds without | seconds hung | cost | goal | points kept |")
    print("|---|---|---:|---:|---:|---:|---|")
    try:
        for group, function, anchor in ROWS:
            good = (ROOT / "solutions" / f"{group}.py").read_text()
            bad = hung(group, anchor)
            times: dict[str, list[float]] = {"good": [], "bad": []}
            points = {}
            for _ in range(args.repeats):
                for label, source in (("good", good), ("bad", bad)):
                    seconds, points[label] = run(group, source, work, args.timeout)
                    times[label].append(seconds)
            t_good, t_bad = statistics.median(times["good"]), statistics.median(times["bad"])
            print(
                f"| {group} | {function} | {t_good:.1f} | {t_bad:.1f} | {t_bad - t_good:.1f} | "
                f"<= {args.timeout + 1:g} | {points['bad']} of {points['good']} |"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
