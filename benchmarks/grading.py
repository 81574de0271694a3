"""Grading throughput: normlab's grader against nbgrader's autograde and a naive pytest-per-learner baseline.

    python benchmarks/grading.py [--learners 40] [--nbgrader-learners 6] [--timeout 10] [--markdown]

Builds a class of N learners in a temp dir from solutions/ and grader/mutants/ (full marks, partial, one
misconception each, stubs, and exactly one learner with an infinite loop in one function), then times, on the
same class and in one run:
  (a) `python -m grader grade --jobs 1` and `--jobs 2` (sandboxed workers forked from a warm zygote);
  (b) real `nbgrader autograde` over the same learners' notebooks (made from the kit's nbgrader course), one
      kernel per notebook as nbgrader does -- on the first --nbgrader-learners learners only, since it is slow;
  (c) one fresh `python -m pytest benchmarks/naive_hidden.py` process per learner (no sandbox).
Prints seconds per learner for each, the ratios, and what the infinite-loop learner costs the grader (the same
learner graded alone with and without the loop; goal: <= timeout + 1 s).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.authoring.stubs import BEGIN, END, make_stub  # noqa: E402
from grader.mutants import all_mutants  # noqa: E402

LOOP_GROUP = "layer_norm"
LOOP = (
    "    xhat, rstd, gamma, beta_dtype, x_dtype = cache\n",
    "    while True:\n        pass\n    xhat, rstd, gamma, beta_dtype, x_dtype = cache\n",
)


def solved(source: str) -> str:
    return "".join(
        x for x in source.splitlines(keepends=True) if not (BEGIN.match(x) or END.match(x))
    )


def groups() -> list[str]:
    """The groups a default `grade` grades (those worth points): every runner is given the same ones."""
    from grader.points import POINTS, default_groups

    return [
        g for g in default_groups(dict(POINTS)) if (ROOT / "grader" / "hidden" / f"{g}.py").exists()
    ]


def build_class(dest: Path, n: int) -> dict[str, dict[str, str]]:
    """{learner: {group: source}}: a realistic mix, one infinite loop."""
    refs = {g: (ROOT / "solutions" / f"{g}.py").read_text() for g in groups()}
    mutants = {g: all_mutants(g) for g in groups()}
    learners: dict[str, dict[str, str]] = {}
    for i in range(n):
        kind = ("full", "misconception", "partial", "misconception", "stub")[i % 5]
        files = {}
        for j, g in enumerate(groups()):
            if kind == "full":
                files[g] = solved(refs[g])
            elif kind == "stub":
                files[g] = make_stub(refs[g], g)
            elif kind == "partial":
                files[g] = solved(refs[g]) if j % 2 == 0 else make_stub(refs[g], g)
            else:
                ms = mutants[g]
                files[g] = solved(ms[(i + j) % len(ms)].source()) if ms else solved(refs[g])
        learners[f"learner{i:03d}"] = files
    loop = learners["learner000"]  # a full-marks learner, but one function never returns
    loop[LOOP_GROUP] = loop[LOOP_GROUP].replace(*LOOP)
    for name, files in learners.items():
        folder = dest / name / "exercises"
        folder.mkdir(parents=True)
        for g, src in files.items():
            (folder / f"{g}.py").write_text(src)
    return learners


def timed(
    cmd: list[str], cwd: Path = ROOT, env: dict | None = None, timeout: float | None = None
) -> float:
    start = time.perf_counter()
    try:
        subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pass
    return time.perf_counter() - start


def grade(klass: Path, out: Path, jobs: int, timeout: float) -> float:
    shutil.rmtree(out, ignore_errors=True)
    return timed(
        [
            sys.executable,
            "-m",
            "grader",
            "grade",
            str(klass),
            "--out",
            str(out),
            "--jobs",
            str(jobs),
            "--timeout",
            str(timeout),
        ]
    )


def naive(klass: Path, timeout: float) -> float:
    total = 0.0
    for learner in sorted(klass.iterdir()):
        env = {**os.environ, "NORMLAB_LEARNER_DIR": str(learner), "MPLBACKEND": "Agg"}
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            "benchmarks/naive_hidden.py",
            "-q",
            "-p",
            "no:cacheprovider",
            "--impl=solutions",
        ]
        # a hung learner hangs the whole process: the naive runner can only kill it after a per-learner budget
        total += timed(cmd, env=env, timeout=timeout * 6)
    return total


def notebook_for(source_nb: dict, learner_src: str) -> dict:
    """The course notebook with each solution cell replaced by the learner's definition of the same name."""
    tree = ast.parse(learner_src)
    lines = learner_src.splitlines()
    defs = {
        n.name: "\n".join(
            lines[min([n.lineno] + [d.lineno for d in n.decorator_list]) - 1 : n.end_lineno]
        )
        for n in tree.body
        if isinstance(n, (ast.FunctionDef, ast.ClassDef))
    }
    nb = json.loads(json.dumps(source_nb))
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("solution"):
            continue
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        names = [
            n.name for n in ast.parse(src).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))
        ]
        cell["source"] = "\n\n".join(defs.get(n, "") for n in names)
    return nb


def nbgrader(learners: dict[str, dict[str, str]], k: int, work: Path) -> tuple[float, int] | None:
    bin_dir = Path(sys.executable).parent
    if shutil.which("nbgrader", path=str(bin_dir)) is None:
        print(
            "nbgrader is not installed (pip install -e '.[instructor]'): skipping its column",
            file=sys.stderr,
        )
        return None
    from grader.verbs.nbgrader import main as make_course

    course = work / "course"
    with contextlib.redirect_stdout(
        sys.stderr
    ):  # its "wrote <temporary folder>" lines are progress
        make_course(out=course)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(
        [str(bin_dir / "nbgrader"), "generate_assignment", "normlab", "--force"],
        cwd=course,
        env=env,
        capture_output=True,
        check=True,
    )
    chosen = sorted(learners)[
        1 : k + 1
    ]  # leave out the infinite-loop learner: nbgrader would wait 300 s
    for name in chosen:
        for g, src in learners[name].items():
            nb = notebook_for(
                json.loads((course / "source" / "normlab" / f"{g}.ipynb").read_text()), src
            )
            path = course / "submitted" / name / "normlab" / f"{g}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(nb))
    seconds = timed(
        [str(bin_dir / "nbgrader"), "autograde", "normlab", "--force"], cwd=course, env=env
    )
    return seconds, len(chosen)


def loop_cost(
    learners: dict[str, dict[str, str]], work: Path, timeout: float
) -> tuple[float, float]:
    """(seconds for the loop learner alone, seconds for the same learner without the loop)."""
    times = []
    for label, fix in (("loop", False), ("noloop", True)):
        klass = work / f"alone_{label}"
        folder = klass / "learner" / "exercises"
        folder.mkdir(parents=True)
        for g, src in learners["learner000"].items():
            (folder / f"{g}.py").write_text(src.replace(LOOP[1], LOOP[0]) if fix else src)
        times.append(grade(klass, work / f"out_{label}", 1, timeout))
    return times[0], times[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=40)
    parser.add_argument("--nbgrader-learners", type=int, default=6)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="normlab-bench-grading-"))
    try:
        klass = work / "class"
        learners = build_class(klass, args.learners)
        n = len(learners)
        rows = []
        for jobs in (1, 2):
            t = grade(klass, work / f"out{jobs}", jobs, args.timeout)
            rows.append((f"python -m grader grade --jobs {jobs}", n, t))
        nb = nbgrader(learners, args.nbgrader_learners, work)
        if nb:
            rows.append(("nbgrader autograde (one kernel per notebook)", nb[1], nb[0]))
        if not args.skip_naive:
            rows.append(("naive: one pytest process per learner", n, naive(klass, args.timeout)))
        with_loop, without = loop_cost(learners, work, args.timeout)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    best = min(t / k for _, k, t in rows[:2])
    head = f"{n} learners ({len(groups())} groups each), --timeout {args.timeout:g}, {os.cpu_count()} CPUs"
    if args.markdown:
        print(
            head
            + "\n\n| runner | learners | wall s | s / learner | vs grade --jobs 2 |\n|---|---:|---:|---:|---:|"
        )
        for label, k, t in rows:
            print(f"| {label} | {k} | {t:.1f} | {t / k:.2f} | {t / k / best:.1f}x |")
        print(
            f"\nInfinite-loop learner: {with_loop:.1f} s alone vs {without:.1f} s without the loop: "
            f"costs {with_loop - without:.1f} s (goal <= timeout + 1 = {args.timeout + 1:g} s)."
        )
    else:
        print(head)
        for label, k, t in rows:
            print(
                f"{label:<48} {k:4d} learners {t:8.1f} s {t / k:7.2f} s/learner {t / k / best:6.1f}x"
            )
        print(
            f"infinite-loop learner costs {with_loop - without:.1f} s (alone {with_loop:.1f} s, "
            f"without the loop {without:.1f} s; goal <= {args.timeout + 1:g} s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
