"""Parent-side judging of hidden cases, shared by every way of running them.

- ``case_verdict`` decides one case from the learner's outputs: it builds the JudgeContext (reference and mutant
  runs in this process, on CPU) and calls the case's judge. The class loop (grader/grading/class_loop.py) calls it with outputs that came
  back over the wire from a sandboxed worker.
- ``run_inprocess`` calls the drivers on a module *in this process*. Only for trusted code: the references and
  mutants (selfcheck, `grader audit`) and nbgrader's hidden test cells (which run in the learner's own kernel,
  nbgrader's trust model, see SECURITY.md).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import importlib
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from functools import cache
from types import ModuleType
from typing import Any

import numpy as np

from grader.judging.cases import Case, Inputs, JudgeContext, Outputs, Verdict, case_rng, load_cases


@contextlib.contextmanager
def quietly() -> Iterator[None]:
    """No warnings and no numpy floating-point errors raised or printed: trusted code run on inputs that may
    overflow by design (mutants, references on edge inputs, learners' outputs under a judge)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


@cache
def reference_module(group: str) -> ModuleType:
    return importlib.import_module(f"solutions.{group}")


@cache
def driver(group: str, name: str) -> Callable[..., Outputs]:
    return getattr(importlib.import_module(f"grader.inside.drivers.{group}"), name)


@cache
def _mutant_modules(group: str) -> tuple[tuple[str, ModuleType, str], ...]:
    from grader.mutants import all_mutants

    return tuple((m.hint, m.load(), m.name) for m in all_mutants(group))


def call_driver(
    group: str, case: Case, module: Any, inputs: Inputs, device: str = "cpu"
) -> Outputs:
    return driver(group, case.driver)(module, copy.deepcopy(inputs), device)


def case_verdict(
    group: str, case: Case, inputs: Inputs, outputs: Outputs, *, hints: bool = True
) -> Verdict:
    """The verdict on ``outputs`` (the learner's, untrusted plain data) for ``case`` on ``inputs``.

    hints=False skips running the mutants (no hint chosen): the audit only needs pass/fail.
    """

    def run_reference(inp: Inputs) -> Outputs:
        return call_driver(group, case, reference_module(group), inp)

    def run_mutants(inp: Inputs) -> dict[str, Outputs]:
        # Two mutants may share a hint (dgamma over axis 0 / dgamma averaged): keep both, the second
        # as "<hint>#<n>"; the suffix is dropped from the verdict below.
        from grader.judging.mutant_scope import relevant

        found: dict[str, Outputs] = {}
        for hint, module, name in _mutant_modules(group) if hints else ():
            if not relevant(group, name, tuple(case.functions)):
                continue  # its patch is in functions this case never calls: it cannot explain it
            key = hint if hint not in found else f"{hint}#{len(found)}"
            try:
                with quietly():
                    found[key] = call_driver(group, case, module, inp)
            except Exception:  # noqa: S112 - a mutant that raises identifies nothing
                continue
        return found

    ctx = JudgeContext(group, case, inputs, outputs, run_reference, run_mutants)
    try:
        with quietly():
            verdict = case.judge(ctx)
        if verdict.hint and "#" in verdict.hint:
            verdict = dataclasses.replace(verdict, hint=verdict.hint.split("#", 1)[0])
        return verdict
    except Exception as exc:
        return Verdict(
            False, f"could not judge the outputs ({type(exc).__name__}: {str(exc)[:200]})"
        )


def use_one_thread() -> None:
    """Reference and mutant runs in this process use one thread: the workers and verdict servers have the other
    cores."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


def warm_up(groups: list[str]) -> None:
    """Pay this process's first-call costs now (imports of the references, drivers and what they use, such as
    torch.optim's lazy torch._dynamo; first kernels): one reference run per driver of each group, on a case's
    inputs. The grader calls it while the zygote starts on another core, instead of in the first judgements."""
    for group in groups:
        seen: set[str] = set()
        for case in load_cases(group):
            if case.device != "cpu" or case.driver in seen:
                continue
            seen.add(case.driver)
            inputs = case_inputs(group, case, seed=0, learner="warm-up")
            try:
                with quietly():
                    call_driver(group, case, reference_module(group), inputs)
            except Exception:  # noqa: S112 - a warm-up only; the real judgement reports any problem
                continue


def case_inputs(group: str, case: Case, *, seed: int, learner: str) -> Inputs:
    return case.make_inputs(case_rng(seed, learner, group, case.shares or case.name))


def run_inprocess(
    group: str,
    module: Any,
    *,
    seed: int = 0,
    learner: str = "inprocess",
    devices: tuple[str, ...] = ("cpu",),
    hints: bool = True,
) -> list[tuple[Case, Verdict]]:
    """Run every hidden case of ``group`` on trusted ``module`` in this process (cases on other devices skipped)."""
    results = []
    runs: dict[tuple[str, str], tuple[Inputs, Outputs | Exception]] = {}  # cases sharing one run
    for case in load_cases(group):
        if case.device not in devices:
            continue
        key = case.run_key
        if key not in runs:
            inputs = case_inputs(group, case, seed=seed, learner=learner)
            try:
                with quietly():
                    runs[key] = inputs, call_driver(group, case, module, inputs, case.device)
            except Exception as exc:
                runs[key] = inputs, exc
        inputs, outputs = runs[key]
        if isinstance(outputs, Exception):
            why = f"raised {type(outputs).__name__}: {str(outputs)[:300]}"
            results.append((case, Verdict(False, why)))
            continue
        results.append((case, case_verdict(group, case, inputs, outputs, hints=hints)))
    return results
