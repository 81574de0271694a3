"""The self-check of the hidden suite (`python -m grader selfcheck`, grader/verbs/selfcheck.py): does it grade what
it should?

Through the real grading path (sandboxed workers, parent-side verdicts), for every exercise group that has
hidden cases:

- the references (solutions/) score full marks;
- the stubs (exercises/ as shipped) score 0;
- every mutant in grader/mutants/ loses points in each group it declares (LOSES) and its feedback shows the
  hint it declares (HINT);
- every correct variant grader/variants/<group>_<style>.py scores full marks for its group.

Prints one line per check and the isolation level the workers ran at; 1 if any check fails.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from grader import GROUPS
from grader.intake.collect import Submission
from grader.kit import available_groups, reference_file, stub_file, variant_files, variant_group
from grader.results import GroupResult, Result


@dataclass
class Check:
    kind: str  # reference | stub | mutant | variant
    name: str
    group: str
    expect: str  # "full", "0", "loses + hint <id>"
    got: str = ""
    ok: bool = False
    detail: str = ""


def selfcheck(
    *, jobs: int = 2, seed: int = 0, group: str | None = None, timeout: float = 10.0
) -> int:
    """Check the hidden suite: references full marks, stubs 0, every mutant caught, variants full marks."""
    if jobs < 1 or timeout <= 0:
        print("selfcheck: error: --jobs and --timeout must be positive", file=sys.stderr)
        return 2
    groups = [g for g in available_groups() if group in (None, g)]
    if not groups:
        print(f"selfcheck: no hidden cases for {group or 'any group'} yet")
        return 0
    subs, plan = submissions(groups)
    start = time.monotonic()
    results = _grade(subs, jobs=jobs, seed=seed, timeout=timeout)
    seconds = time.monotonic() - start
    by_learner: dict[str, Result] = {r.learner: r for r in results}
    checks = [checked(c, by_learner[learner]) for learner, items in plan.items() for c in items]
    _print(checks)
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


def submissions(groups: list[str]) -> tuple[list[Submission], dict[str, list[Check]]]:
    """One submission per reference set, stub set, mutant and variant, and the checks each must pass."""
    from grader.mutants import all_mutants

    ref = {g: reference_file(g).read_bytes() for g in groups}
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
        {g: stub_file(g).read_bytes() for g in groups},
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
    for path in variant_files():
        g = variant_group(path.stem)
        if g in groups:
            add(
                f"variant-{path.stem}",
                {g: path.read_bytes()},
                [Check("variant", path.stem, g, "full")],
            )
    return subs, plan


def _grade(subs: list[Submission], *, jobs: int, seed: int, timeout: float) -> list[Result]:
    from grader.grading.class_loop import grade_class
    from grader.grading.plan import Options
    from grader.judging.pool import VerdictPool
    from grader.run.local import LocalExecutor

    pool = VerdictPool(jobs)
    try:
        with LocalExecutor(jobs, available_groups()) as executor:
            executor.warm()
            return grade_class(
                subs,
                Options(seed=seed, timeout=timeout),
                executor,
                max_inflight=2 * jobs,
                pool=pool,
            )
    finally:
        pool.close()


def checked(c: Check, r: Result) -> Check:
    """``c`` with what the learner ``r`` got, and whether that is what it expects."""
    from grader.report.feedback_md import render_result
    from grader.results import fmt

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
        _caught(c, g, failing, scored, render_result(r))
    return c


def _caught(c: Check, g: GroupResult, failing: list, scored: bool, feedback: str) -> None:
    hint = c.expect.rsplit(" ", 1)[-1]
    lost = g.cents < g.max_cents if scored else bool(failing)
    shown = f"Hint [{hint}]" in feedback
    c.ok = lost and shown
    if not lost:
        c.detail = "not caught: full marks"
    elif not shown:
        hints = sorted({x.hint for x in g.cases if x.hint})
        c.detail = f"hint not shown (shown: {', '.join(hints) or 'none'})"


def _print(checks: list[Check]) -> None:
    width = max(len(c.name) for c in checks)
    print(f"{'':4} {'kind':<9} {'name':<{width}}  {'group':<17} {'expected':<28} got")
    for c in checks:
        mark = "ok" if c.ok else "FAIL"
        print(f"{mark:<4} {c.kind:<9} {c.name:<{width}}  {c.group:<17} {c.expect:<28} {c.got}")
        if c.detail:
            print(f"{'':5}{c.detail}")
