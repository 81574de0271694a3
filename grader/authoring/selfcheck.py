"""`python -m grader selfcheck [--jobs N] [--seed N] [--group G]`: does the hidden suite grade what it should?

Through the real grading path (sandboxed workers, parent-side judges), for every exercise group that has
hidden cases:

- the references (solutions/) score full marks;
- the stubs (exercises/ as shipped) score 0;
- every mutant in grader/mutants/ loses points in each group it declares (LOSES) and its feedback shows the
  hint it declares (HINT);
- every correct variant grader/variants/<group>_<style>.py scores full marks for its group.

Prints one line per check and the isolation level the workers ran at; exits 1 if any check fails.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

from grader import GROUPS, ROOT


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = main.__kwdefaults__
    parser.add_argument(
        "--jobs",
        type=int,
        default=d["jobs"],
        metavar="N",
        help="workers at once (default %(default)s)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=d["seed"],
        metavar="N",
        help="seed of the hidden inputs (default %(default)s)",
    )
    parser.add_argument(
        "--group", choices=GROUPS, default=d["group"], help="only this exercise group"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=d["timeout"],
        metavar="S",
        help="seconds per call (default %(default)s)",
    )


@dataclass
class Check:
    kind: str  # reference | stub | mutant | variant
    name: str
    group: str
    expect: str  # "full", "0", "loses + hint <id>"
    got: str = ""
    ok: bool = False
    detail: str = ""


def main(*, jobs: int = 2, seed: int = 0, group: str | None = None, timeout: float = 10.0) -> int:
    """Check the hidden suite: references full marks, stubs 0, every mutant caught, variants full marks."""
    from grader.grading.plan import Options, available_groups, grade_class
    from grader.intake.collect import Submission
    from grader.judging.pool import JudgePool
    from grader.mutants import all_mutants
    from grader.report.feedback_md import render_result
    from grader.results import Result, fmt
    from grader.run.local import LocalExecutor

    if jobs < 1 or timeout <= 0:
        print("selfcheck: error: --jobs and --timeout must be positive", file=sys.stderr)
        return 2
    groups = [g for g in available_groups() if group in (None, g)]
    if not groups:
        print(f"selfcheck: no hidden cases for {group or 'any group'} yet")
        return 0
    ref = {g: (ROOT / "solutions" / f"{g}.py").read_bytes() for g in groups}
    subs: list[Submission] = []
    plan: dict[str, list[Check]] = {}

    def add(learner: str, files: dict[str, bytes], checks: list[Check]) -> None:
        subs.append(
            Submission(learner, learner, "folder", files, {g: f"{learner}/{g}.py" for g in files})
        )
        plan[learner] = checks

    add("reference", dict(ref), [Check("reference", "solutions", g, "full") for g in groups])
    add(
        "stub",
        {g: (ROOT / "exercises" / f"{g}.py").read_bytes() for g in groups},
        [Check("stub", "exercises", g, "0") for g in groups],
    )
    for m in all_mutants():
        if m.group not in groups and not set(m.loses) & set(groups):
            continue
        files = {g: ref[g] for g in m.loses if g in ref}
        files[m.group] = m.source().encode()
        checks = [
            Check("mutant", m.name, g, f"loses, hint {m.hint}") for g in m.loses if g in groups
        ]
        add(f"mutant-{m.name}", files, checks)
    for path in sorted((ROOT / "grader" / "variants").glob("*.py")):
        g = next(
            (g for g in sorted(GROUPS, key=len, reverse=True) if path.stem.startswith(g + "_")),
            None,
        )
        if g in groups:
            add(
                f"variant-{path.stem}",
                {g: path.read_bytes()},
                [Check("variant", path.stem, g, "full")],
            )

    options = Options(seed=seed, timeout=timeout)
    start = time.monotonic()
    judges = JudgePool(jobs)
    try:
        with LocalExecutor(jobs, available_groups()) as executor:
            executor.warm()
            results = grade_class(subs, options, executor, max_inflight=2 * jobs, judges=judges)
    finally:
        judges.close()
    seconds = time.monotonic() - start
    by_learner: dict[str, Result] = {r.learner: r for r in results}

    checks: list[Check] = []
    for learner, items in plan.items():
        r = by_learner[learner]
        feedback = render_result(r)
        for c in items:
            g = r.groups[c.group]
            c.got = f"{fmt(g.cents)} / {fmt(g.max_cents)}"
            # a case skipped here (a GPU case without CUDA, --gpu off) is neither passed nor failed
            failing = [x for x in g.cases if x.status not in ("passed", "skipped")]
            # a 0-point group (e.g. labs by default) is checked on its cases' verdicts, not on points
            scored = g.max_cents > 0
            if c.expect == "full":
                c.ok = not failing and bool(g.cases) if not scored else g.cents == g.max_cents
                why = [f"{x.name}: {x.status}: {x.message}" for x in failing] or [g.message]
                c.detail = "" if c.ok else "; ".join(why)[:400]
            elif c.expect == "0":
                passed = [x.name for x in g.cases if (x.cents if scored else x.status == "passed")]
                c.ok = not passed
                c.detail = "" if c.ok else "passed: " + ", ".join(passed)
            else:
                hint = c.expect.rsplit(" ", 1)[-1]
                lost = g.cents < g.max_cents if scored else bool(failing)
                shown = f"Hint [{hint}]" in feedback
                c.ok = lost and shown
                if not lost:
                    c.detail = "not caught: full marks"
                elif not shown:
                    hints = sorted({x.hint for x in g.cases if x.hint})
                    c.detail = f"hint not shown (shown: {', '.join(hints) or 'none'})"
            checks.append(c)

    width = max(len(c.name) for c in checks)
    print(f"{'':4} {'kind':<9} {'name':<{width}}  {'group':<17} {'expected':<28} got")
    for c in checks:
        mark = "ok" if c.ok else "FAIL"
        print(f"{mark:<4} {c.kind:<9} {c.name:<{width}}  {c.group:<17} {c.expect:<28} {c.got}")
        if c.detail:
            print(f"{'':5}{c.detail}")
    bad = [c for c in checks if not c.ok]
    isolation = sorted({r.isolation_detail for r in results if r.isolation_detail})
    print()
    print(
        f"{len(checks) - len(bad)} / {len(checks)} checks passed in {seconds:.1f} s "
        f"({len(subs)} submissions, groups: {', '.join(groups)})"
    )
    for line in isolation:
        print(f"isolation: {line}")
    missing = [g for g in GROUPS if g not in available_groups()]
    if missing:
        print(f"not checked (no hidden cases yet): {', '.join(missing)}")
    return 1 if bad else 0
