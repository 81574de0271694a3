"""One command for every figure the README quotes: runs the benchmarks and writes benchmarks/RESULTS.md.

    python benchmarks/run_all.py [--quick] [--out benchmarks/RESULTS.md]

Runs, in order, each as its own process, and pastes what each printed (no number is typed by hand):
  benchmarks/feedback.py      learner feedback latency (pytest per group, warm/cold bytecode, torch import split)
  benchmarks/layer_norm.py    layer-norm speed: numpy, the reference Function and F.layer_norm, each eager and
                              compiled (and on CUDA GB/s against the copy-bandwidth roofline)
  benchmarks/bench_grade.py   200 copies of the correct example graded with --jobs 2
  benchmarks/grading.py       the grader vs nbgrader autograde vs a naive pytest process per learner
  benchmarks/dask_overhead.py the same class with --executor dask (LocalCluster) vs local, and trivial tasks/s
  benchmarks/hung_function.py what one function that never returns costs (seconds, and the points kept)
  benchmarks/bench_report.py  report.html for a 2,000-learner class: size, and headless Chromium's render time
  python -m grader audit      grading validity, all six groups: the mutation kill rate beside the false fails of
                              the references and every correct variant, seconds per group (--markdown: details
                              fenced, then the table; exit 1, shown, when a group is below 95 % or fails a
                              correct answer)
The GPU rows are skipped without CUDA and the nbgrader column without nbgrader, each with the reason printed.
--quick runs CI-sized versions (fewer runs, smaller shapes and classes; the audit with 2 equivalence draws and
1 false-fail seed, every mutant still judged).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import torch, numpy; print(torch.__version__, numpy.__version__, "
            "torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'none')",
        ],
        capture_output=True,
        text=True,
    ).stdout.split()
    probe = [*probe, "?", "?", "?"]
    torch_v, numpy_v, gpu = probe[0], probe[1], " ".join(w for w in probe[2:] if w != "?") or "?"
    return (
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n- CPU: {cpu}, {os.cpu_count()} cores\n"
        f"- GPU: {gpu}\n- Python {platform.python_version()}, torch {torch_v}, numpy {numpy_v}\n"
        f"- PYTHONDONTWRITEBYTECODE in the environment: {os.environ.get('PYTHONDONTWRITEBYTECODE', 'unset')}"
    )


# the revision the learner-latency figures are compared with (the start of the fast-feedback work)
FEEDBACK_BASELINE = "a84f842"


def steps(quick: bool) -> list[tuple[str, list[str]]]:
    py = sys.executable
    return [
        (
            "Learner feedback latency",
            [
                py,
                "benchmarks/feedback.py",
                "--markdown",
                "--runs",
                "3" if quick else "5",
                # the goals are judged warm (median of 5); the nowrite column in 3 of those rounds
                "--nowrite-runs",
                "1" if quick else "3",
                # the before column: the kit as this round of work found it (issue #29's measurements)
                *([] if quick else ["--vs", FEEDBACK_BASELINE]),
            ],
        ),
        (
            "Layer-norm speed",
            [py, "benchmarks/layer_norm.py", "--markdown", *(["--quick"] if quick else [])],
        ),
        (
            "Class grading throughput (copies of the correct example)",
            [py, "benchmarks/bench_grade.py", "--n", "40" if quick else "200"],
        ),
        (
            "Grader vs nbgrader vs naive pytest",
            [
                py,
                "benchmarks/grading.py",
                "--markdown",
                "--learners",
                "10" if quick else "40",
                "--nbgrader-learners",
                "2" if quick else "6",
            ],
        ),
        (
            "Grading on dask: overhead and scheduler rate",
            [
                py,
                "benchmarks/dask_overhead.py",
                "--n",
                "40" if quick else "200",
                "--repeats",
                "1" if quick else "3",
            ],
        ),
        (
            "One hung function",
            [py, "benchmarks/hung_function.py", "--repeats", "1" if quick else "3"],
        ),
        (
            "Class report: page size and browser render time",
            [
                py,
                "benchmarks/bench_report.py",
                "--learners",
                "200" if quick else "2000",
                "--runs",
                "2" if quick else "5",
                "--markdown",
            ],
        ),
        (
            "Grading validity: mutation kill rate and false fails per group",
            [
                py,
                "-m",
                "grader",
                "audit",
                "--markdown",
                *(["--seeds", "2", "--false-fail-seeds", "1"] if quick else []),
            ],
        ),
    ]


def _sections(path: Path) -> dict[str, str]:
    """The "## title" sections of an earlier RESULTS.md, by title: heading, dated command and body, stripped."""
    out: dict[str, str] = {}
    title, lines = None, []
    for line in path.read_text().splitlines():
        if line.startswith("## "):
            if title:
                out[title] = "\n".join(lines).strip()
            title, lines = line.removeprefix("## ").strip(), [line]
        elif title:
            lines.append(line)
    if title:
        out[title] = "\n".join(lines).strip()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    parser.add_argument(
        "--only",
        default="",
        help="comma list of step numbers to run (1-8, in the order of the docstring's list); default all. The other steps' sections of an existing "
        "--out file are kept as they are (each section says when it ran)",
    )
    args = parser.parse_args()
    only = {int(x) for x in args.only.split(",") if x}
    parts = [
        "# Benchmark results",
        "",
        "Generated by `python benchmarks/run_all.py" + (" --quick" if args.quick else "") + "`; "
        "do not edit by hand.",
        "",
        machine(),
        "",
    ]
    kept = _sections(args.out) if only and args.out.exists() else {}
    env = {**os.environ, "MPLBACKEND": "Agg"}
    todo = steps(args.quick)
    for i, (title, cmd) in enumerate(todo, start=1):
        if only and i not in only:
            if title in kept:
                parts += [kept[title], ""]
            continue
        shown = " ".join(["python", *cmd[1:]])
        print(f"[{i}/{len(todo)}] {shown}", flush=True)
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
        took = time.perf_counter() - start
        body = proc.stdout.strip() or "(no output)"
        if proc.returncode:
            body += f"\n\n(exit {proc.returncode})\n" + proc.stderr.strip()[-2000:]
        fenced = (
            not body.lstrip().startswith(("|", "Median", "#"))
            and "| ---" not in body
            and "|---" not in body
        )
        parts += [
            f"## {title}",
            "",
            f"`{shown}` ({took:.0f} s, run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)",
            "",
            *(["```text", body, "```"] if fenced else [body]),
            "",
        ]
    args.out.write_text("\n".join(parts) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
