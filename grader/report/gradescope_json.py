"""DIR/<learner>/results.json in Gradescope's schema: score, execution_time, output, tests[] (name, score,
max_score, status "passed"/"failed", output, visibility).

One test per hidden case; a group that could not be graded case by case (not submitted, syntax error, import
failed) is one visible failed test worth the group's points, with the reason -- Gradescope shows a crash as a
failed test rather than a missing score. Skipped GPU cases are listed with max_score 0 and no status.
The numbers are grades.csv's: both come from one Result.
"""

from __future__ import annotations

from typing import Any

from exercises.feedback.hints import render
from grader import GROUPS
from grader.results import GRADED, NOT_AVAILABLE, PASSED, SKIPPED, Result


def _num(cents: int) -> float | int:
    return cents // 100 if cents % 100 == 0 else round(cents / 100, 2)


def to_dict(result: Result) -> dict[str, Any]:
    tests: list[dict[str, Any]] = []
    if not result.graded:
        tests.append(
            {
                "name": "submission",
                "score": 0,
                "max_score": _num(result.max_cents),
                "status": "failed",
                "output": "; ".join(result.problems) or "the submission could not be read",
                "visibility": "visible",
            }
        )
    for group in GROUPS:
        g = result.groups.get(group)
        if g is None or g.status == NOT_AVAILABLE or not result.graded:
            continue
        if g.status != GRADED and not g.cases:
            tests.append(
                {
                    "name": f"{group}",
                    "score": 0,
                    "max_score": _num(g.max_cents),
                    "status": "failed",
                    "output": f"{g.status}: {g.message}",
                    "visibility": "visible",
                }
            )
            continue
        for c in g.cases:
            text = c.message
            if c.hint:
                hint = render(c.hint)
                text = f"{text}\n{hint}" if hint else text
            test: dict[str, Any] = {
                "name": f"{group}: {c.name}" + (f" ({c.doc})" if c.doc else ""),
                "score": _num(c.cents),
                "max_score": _num(c.max_cents),
                "output": text or c.status,
                "visibility": "visible",
            }
            if c.status != SKIPPED:
                test["status"] = "passed" if c.status == PASSED else "failed"
            tests.append(test)
    head = [f"Score: {_num(result.cents)} / {_num(result.max_cents)}"]
    head += [f"Problem: {p}" for p in result.problems]
    if result.isolation:
        head.append(f"Isolation: {result.isolation_detail or result.isolation}")
    return {
        "score": _num(result.cents),
        "execution_time": max(1, round(result.execution_time)),
        "output": "\n".join(head),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
