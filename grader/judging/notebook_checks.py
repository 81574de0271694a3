"""Checks that nbgrader notebooks call from their test cells (see grader/authoring/nbgrader_course.py).

These run in the learner's own kernel: nbgrader's trust model, where the checks and the learner's code share an
interpreter (SECURITY.md explains what that allows; `python -m grader grade` on the same notebooks is the
sandboxed path). The reference runs here too, so these cells exist only in the instructor's course folder and in
autograding; the learner's released notebook holds no hidden cell.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from exercises.feedback.hints import render
from grader.judging.cases import load_cases
from grader.judging.evaluate import call_driver, case_inputs, case_verdict

NOTEBOOK_SEED = 20261125


def _module(namespace: dict[str, Any]) -> SimpleNamespace:
    return SimpleNamespace(**{k: v for k, v in namespace.items() if not k.startswith("__")})


def check(group: str, case_name: str, namespace: dict[str, Any], seed: int = NOTEBOOK_SEED) -> None:
    """Run one hidden case on the notebook's definitions; AssertionError (0 points) when it fails."""
    __tracebackhide__ = True
    case = next(c for c in load_cases(group) if c.name == case_name)
    inputs = case_inputs(group, case, seed=seed, learner="nbgrader")
    outputs = call_driver(group, case, _module(namespace), inputs)
    verdict = case_verdict(group, case, inputs, outputs)
    if not verdict.passed:
        hint = render(verdict.hint) if verdict.hint else ""
        raise AssertionError(f"{case_name}: {verdict.message}" + (f"\n{hint}" if hint else ""))


def check_public(group: str, namespace: dict[str, Any]) -> int:
    """Run every CPU case on fixed public inputs and print a line per case; returns the number passed."""
    passed = 0
    cases = [c for c in load_cases(group) if c.device == "cpu"]
    for case in cases:
        try:
            check(group, case.name, namespace, seed=0)
        except NotImplementedError:
            print(f"  {case.name:<34} NOT IMPLEMENTED YET")
        except Exception as exc:
            first, *rest = str(exc).splitlines() or [type(exc).__name__]
            print(f"  {case.name:<34} FAILED  {type(exc).__name__}: {first}")
            for line in rest:
                print(f"  {'':<34}         {line}")
        else:
            passed += 1
            print(f"  {case.name:<34} ok")
    print(f"{group}: {passed} / {len(cases)} public checks passed")
    return passed
