"""Learner feedback latency on a learner release: every group's public tests and the whole suite, median of N.

    python benchmarks/feedback.py [--runs 5] [--nowrite-runs N] [--vs REV] [--modes warm,nowrite] [--python PY]
        [--markdown] [--no-one-process]

What a learner runs, where a learner runs it: `grader release` writes the learner bundle (stubs, public tests,
stored values, data, its own pyproject), so tests/kit/ is not collected and no instructor plugin is configured.
Two trees of it are timed:
- correct: the references copied in as the learner's files (exercises/<group>.py), every check passing;
- stubs: the bundle as released, every exercise NOT IMPLEMENTED YET (a learner's first `pytest`).
Commands: `python -m pytest -q -m <group>` for each of the six groups, and `python -m pytest -q` (the whole
learner suite). Whole processes are timed, interpreter start included, in two modes:
- warm: bytecode caches written by a first, uncounted run of every command and reused (PYTHONDONTWRITEBYTECODE
  unset) -- a learner's second and later runs;
- nowrite: PYTHONDONTWRITEBYTECODE=1 and no cache in the bundle: the bundle's own modules (tests, exercises) are
  compiled, and the tests' asserts rewritten, on every run; site-packages keep the caches pip wrote at install
  time. This is how this machine's shell runs Python.
`--vs REV` builds a second release from another revision (a git worktree of this repository, its references as
the correct tree) and times it in the same rounds: the "before" column and the after/before ratio. Rounds are
interleaved (each round runs every configuration once), so machine drift hits every column alike. The goals
(issue #29): each group <= 2 s and the whole suite <= 5 s, warm, on 2 cores, on the correct tree and on the stubs.
A learner's run uses both cores (tests/parallel.py: after collection the run forks and a second process runs the
other half of the tests; the halves are balanced with the previous run's times, kept in the tree's
.pytest_cache/normlab/, as a learner's repeated runs keep them). The same rounds also time this tree's runs with
`--jobs 1` (warm), the "one process" column: what the second process gives, and what the rest of the work gives.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GROUPS = (
    "layer_norm",
    "initializers",
    "layer_norm_torch",
    "layer_norm_triton",
    "histograms",
    "labs",
)
COMMANDS = {**{g: ["-m", g] for g in GROUPS}, "whole suite": []}
GOALS = {**{g: 2.0 for g in GROUPS}, "whole suite": 5.0}
# What every torch group pays before its first test (pytest's start and `import torch`), timed in the same rounds:
# the machine's speed of the hour, and what each group adds above it. It ends as the kit's pytest runs end once
# torch is imported (os._exit after the exit handlers, tests/plugin.py): without Python's teardown of torch.
FLOOR = ["-c", "import os, pytest, torch; os._exit(0)"]
ONE = "--jobs 1"  # the suffix of a bundle timed in one process


def release(rev: str | None, work: Path, python: str) -> Path:
    """A learner bundle of ``rev`` (None: this checkout) with its correct and stub trees: work/<name>/{correct,stubs}."""
    name = rev or "this"
    out = work / name
    src = ROOT
    if rev:
        src = work / f"src-{name}"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "-q", str(src), rev], cwd=ROOT, check=True
        )
    out.mkdir(parents=True)
    try:
        for tree in ("stubs", "correct"):
            proc = subprocess.run(
                [python, "-m", "grader", "release", "--out", str(out / tree)],
                cwd=src,
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": str(src)},
            )
            if proc.returncode:
                raise SystemExit(f"feedback: release of {name} failed:\n{proc.stdout}{proc.stderr}")
        for solution in sorted((src / "solutions").glob("*.py")):
            if solution.name != "__init__.py":
                shutil.copy2(solution, out / "correct" / "exercises" / solution.name)
    finally:
        if rev:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(src)], cwd=ROOT, check=False
            )
    return out


def _env(mode: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")
    }
    env["MPLBACKEND"] = "Agg"
    if mode == "nowrite":
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _clear_caches(tree: Path) -> None:
    for cache in tree.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)


def run_once(python: str, tree: Path, command: list[str], mode: str) -> tuple[float, int]:
    """Wall seconds and exit code of one whole pytest process in ``tree`` (of ``python FLOOR`` for the floor)."""
    if mode == "nowrite":
        _clear_caches(tree)
    if command == FLOOR:
        argv = [python, *FLOOR]
    else:
        argv = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *command]
    start = time.perf_counter()
    proc = subprocess.run(
        argv,
        cwd=tree,
        env=_env(mode),
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - start, proc.returncode


def measure(
    python: str,
    bundles: dict[str, Path],
    modes: list[str],
    runs: int,
    runs_of: dict[str, int] | None = None,
    one_process: tuple[str, ...] = (),
) -> dict[tuple, list[float]]:
    """{(bundle, tree, command, mode): [seconds]}: ``runs`` rounds, a mode in ``runs_of`` timed only in that
    many of them. A warm run is preceded by one uncounted run of the same command whenever its tree's caches
    were cleared (a nowrite run clears them) or never written. A bundle named in ``one_process`` is also timed
    warm with `--jobs 1`, as bundle "<name> --jobs 1"."""
    configs = [(b, t, c) for b in bundles for t in ("correct", "stubs") for c in COMMANDS]
    configs += [
        (f"{b} {ONE}", t, c) for b in one_process for t in ("correct", "stubs") for c in COMMANDS
    ]
    bundles = {**bundles, **{f"{b} {ONE}": bundles[b] for b in one_process}}
    warmed: set[tuple] = set()
    times: dict[tuple, list[float]] = {}
    for k in range(runs):
        for mode in modes:
            if k >= (runs_of or {}).get(mode, runs):
                continue
            for b, t, c in configs:
                if b.endswith(ONE) and mode != "warm":
                    continue
                tree = bundles[b] / t
                command = COMMANDS[c] + (["--jobs", "1"] if b.endswith(ONE) else [])
                if mode == "warm" and (b, t, c) not in warmed:
                    run_once(python, tree, command, "warm")
                    warmed.add((b, t, c))
                if mode == "nowrite":
                    warmed -= {k for k in warmed if bundles[k[0]] == bundles[b] and k[1] == t}
                seconds, _ = run_once(python, tree, command, mode)
                times.setdefault((b, t, c, mode), []).append(seconds)
            if mode == "warm":  # the floor, once a round (the same interpreter for every bundle)
                b = next(iter(bundles))
                seconds, _ = run_once(python, bundles[b] / "correct", FLOOR, "warm")
                times.setdefault((b, "floor", "floor", "warm"), []).append(seconds)
    return times


def table(
    times: dict[tuple, list[float]], bundles: list[str], modes: list[str], runs: dict[str, int]
) -> str:
    after, before = "this", next((b for b in bundles if b != "this"), None)
    head = "| command | tree | goal |"
    rule = "|---|---|---:|"
    for m in modes:
        if before:
            head += f" before {m} s | after {m} s | after / before |"
            rule += "---:|---:|---:|"
        else:
            head += f" {m} s (min–max) |"
            rule += "---:|"
    one = any(k[0] == f"{after} {ONE}" for k in times)
    if one:
        head += " after warm, one process (`--jobs 1`) s |"
        rule += "---:|"
    head += " verdict (warm) |"
    rule += "---|"
    lines = [head, rule]
    for tree in ("correct", "stubs"):
        for c in COMMANDS:
            row = (
                f"| `pytest -q{' -m ' + c if c in GROUPS else ''}` | {tree} | <= {GOALS[c]:.0f} s |"
            )
            for m in modes:
                a = times[(after, tree, c, m)]
                if before:
                    b = times[(before, tree, c, m)]
                    row += f" {statistics.median(b):.2f} | {statistics.median(a):.2f} |"
                    row += f" {statistics.median(a) / statistics.median(b):.2f} |"
                else:
                    row += f" {statistics.median(a):.2f} ({min(a):.2f}–{max(a):.2f}) |"
            if one:
                row += f" {statistics.median(times[(f'{after} {ONE}', tree, c, 'warm')]):.2f} |"
            if "warm" in modes:
                warm = statistics.median(times[(after, tree, c, "warm")])
                row += " met |" if warm <= GOALS[c] else f" missed by {warm - GOALS[c]:.2f} s |"
            lines.append(row)
    floor = times.get((after, "floor", "floor", "warm"))
    if floor:
        lines.append("")
        lines.append(
            f'Floor, timed in the same rounds: `python -c "{FLOOR[1]}"` {statistics.median(floor):.2f} s '
            f"(min {min(floor):.2f}, max {max(floor):.2f}): pytest's start and `import torch`, paid by every "
            "torch group before its first test (the machine's speed of the hour); what a group adds is its "
            "figure minus this."
        )
    counts = ", ".join(f"{m} {runs[m]}" for m in modes)
    note = (
        f"Median of interleaved runs ({counts}), {os.cpu_count()} CPUs, on a learner release (`grader release`). "
        "warm: bytecode cached; nowrite: PYTHONDONTWRITEBYTECODE=1, the bundle's own modules compiled every run."
    )
    return note + "\n\n" + "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--vs", metavar="REV", help="also time a release of this git revision")
    parser.add_argument("--modes", default="warm,nowrite", help="warm, nowrite or both")
    parser.add_argument(
        "--nowrite-runs",
        type=int,
        metavar="N",
        help="time the nowrite mode in only the first N rounds (default: every round)",
    )
    parser.add_argument("--python", default=sys.executable, help="the interpreter a learner runs")
    parser.add_argument("--markdown", action="store_true", help="print the markdown table only")
    parser.add_argument(
        "--no-one-process", action="store_true", help="do not time this tree with --jobs 1"
    )
    args = parser.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    work = Path(tempfile.mkdtemp(prefix="normlab-feedback-"))
    try:
        bundles = {"this": release(None, work, sys.executable)}
        if args.vs:
            bundles[args.vs] = release(args.vs, work, sys.executable)
        runs_of = {m: args.runs for m in modes}
        if args.nowrite_runs is not None and "nowrite" in runs_of:
            runs_of["nowrite"] = min(args.runs, args.nowrite_runs)
        one = () if args.no_one_process or "warm" not in modes else ("this",)
        times = measure(args.python, bundles, modes, args.runs, runs_of, one)
        text = table(times, list(bundles), modes, runs_of)
        print(text if args.markdown else text + f"\n\n(interpreter: {args.python})")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
