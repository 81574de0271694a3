"""Planning one (submission, exercise group): everything decided before any learner code runs.

:func:`prepare` splits the group's points over its counted cases, refuses what it can without running anything
(a missing file, a syntax error, a forbidden API found on the source's AST by grader/judging/static_check.py, a GPU
case without CUDA), draws the hidden cases' inputs (seeded by --seed, learner, group and case) and turns the rest
into the tasks an executor runs (grader/run/executor.py): one call per run of a driver (cases that share a run,
grader.judging.cases.Case.run_key, are judged on its outputs), the CPU calls in one task and the CUDA calls in
another.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from grader import GROUPS
from grader.inside import wire
from grader.inside.forbidden import rules_for
from grader.intake.collect import Submission
from grader.judging import static_check
from grader.kit import available_groups, helpers_for
from grader.results import (
    FAILED,
    GRADED,
    NOT_AVAILABLE,
    NOT_SUBMITTED,
    SKIPPED,
    SYNTAX_ERROR,
    CaseResult,
    GroupResult,
    split_cents,
)
from grader.run.executor import Call, Task, TaskReply


@dataclass(frozen=True)
class Options:
    seed: int = 0
    timeout: float = 10.0
    memory_mb: int = 4096
    gpu: str = (
        "auto"  # auto: GPU cases run (0 points) when CUDA is there; on: they count; off: skipped
    )
    cuda: bool = False  # is a CUDA device available (decided by the caller)
    # the groups to grade, in GROUPS order (None: every group), and the points table (None: grader/points.py);
    # `grade` passes both (by default the groups worth points), selfcheck and audit leave them None
    groups: tuple[str, ...] | None = None
    points: tuple[tuple[str, float], ...] | None = None

    def key(self) -> str:
        key = f"seed={self.seed};timeout={self.timeout};mem={self.memory_mb};gpu={self.gpu};cuda={self.cuda}"
        if self.groups is not None:
            key += f";groups={','.join(self.groups)}"
        if self.points is not None:
            key += ";points=" + ",".join(f"{g}={p:g}" for g, p in self.points)
        return key

    @property
    def graded_groups(self) -> list[str]:
        return list(GROUPS) if self.groups is None else [g for g in GROUPS if g in self.groups]

    def points_of(self, group: str) -> float:
        if self.points is None:
            from grader.points import POINTS

            return POINTS.get(group, 0)
        return dict(self.points).get(group, 0)


@dataclass
class Prepared:
    group: str
    result: (
        GroupResult  # cases pre-filled: skipped, statically refused; the rest come from the task
    )
    cases: list[Any] = field(default_factory=list)  # Case objects to judge from the reply
    inputs: dict[str, Any] = field(default_factory=dict)  # case name -> inputs (parent's copy)
    cents: dict[str, int] = field(default_factory=dict)
    # case -> the case whose call (and outputs) it shares; absent for a case that makes its own call
    runs: dict[str, str] = field(default_factory=dict)
    tasks: list[Task] = field(default_factory=list)
    replies: list[TaskReply] = field(default_factory=list)
    # case name -> Verdict, when decided before the group is scored (here, on a verdict server or by the executor)
    verdicts: dict[str, Any] = field(default_factory=dict)


def prepare(
    sub: Submission,
    group: str,
    options: Options,
    helpers: dict[str, bytes],
    *,
    draw_inputs: bool = True,
) -> Prepared:
    """Everything decided before any learner code runs; the tasks to run (none if nothing to run).
    ``helpers``: grader.kit.helper_files(), read once per class.

    ``draw_inputs=False`` (an executor that decides verdicts where it runs, grader/run/dask_node.py): the calls
    carry no hidden inputs; the node draws them from the same seed, learner, group and case, for the run and
    the verdicts.
    """
    from grader.judging.cases import load_cases

    if group not in available_groups():
        return Prepared(group, GroupResult(group, NOT_AVAILABLE, 0, message="no hidden tests yet"))
    cases = load_cases(group)
    counted = [c for c in cases if c.device == "cpu" or options.gpu == "on"]
    cents = dict(
        zip(
            [c.name for c in counted],
            split_cents(options.points_of(group), [c.weight for c in counted]),
            strict=True,
        )
    )
    gr = GroupResult(group, GRADED, sum(cents.values()), located=sub.located.get(group, ""))
    prep = Prepared(group, gr, cents=cents)
    tree = _parsed(sub, group, gr)
    if tree is None:
        return prep
    refused = _refused_cases(sub.files[group], group, tree, cases, options, prep)
    prep.cases = [c for c in cases if c.name not in refused]
    calls = _calls(prep, sub.learner, options, draw_inputs)
    files = helpers_for(group, helpers)
    for g, data in sub.files.items():
        files[f"exercises/{g}.py"] = data
    for cuda in (False, True):
        batch = fewest_functions_first([c for c in calls if (c.device != "cpu") == cuda])
        if batch:
            prep.tasks.append(
                Task(
                    sub.learner,
                    group,
                    files,
                    [f"exercises/{group}.py"],
                    batch,
                    options.timeout,
                    options.memory_mb,
                    cuda,
                )
            )
    return prep


def _parsed(sub: Submission, group: str, gr: GroupResult) -> ast.Module | None:
    """The submitted file's AST; None (and the group's status says why) when there is none to run."""
    source = sub.files.get(group)
    if source is None:
        gr.status = NOT_SUBMITTED
        gr.message = (
            f"no {group}.py in {sub.entry} (looked in exercises/ and ./)"
            if not sub.unreadable
            else "the submission could not be read"
        )
        return None
    try:
        return ast.parse(source)
    except SyntaxError as exc:
        gr.status = SYNTAX_ERROR
        gr.message = syntax_message(group, exc)
    except (ValueError, RecursionError, MemoryError) as exc:
        gr.status = SYNTAX_ERROR
        gr.message = f"exercises/{group}.py could not be parsed ({type(exc).__name__}: {exc})"
    return None


def _refused_cases(
    source: bytes, group: str, tree: ast.Module, cases: list[Any], options: Options, prep: Prepared
) -> set[str]:
    """The cases decided without a run, their results recorded: a forbidden API used by a function they call
    (failed), a GPU case without CUDA or under --gpu off (skipped)."""
    try:
        findings = static_check.static_check(source, group, tree=tree)
    except (
        RecursionError,
        MemoryError,
        ValueError,
    ):  # pathological source: the run-time guard remains
        findings = []
    why = rules_for(group).why
    decided: set[str] = set()
    for case in cases:
        case_cents = prep.cents.get(case.name, 0)
        refused = [f for f in findings if static_check.charged_to(f.function, case.functions)]
        if refused:
            status, message, hint = FAILED, refused[0].message(why), refused[0].hint
        elif case.device != "cpu" and (options.gpu == "off" or not options.cuda):
            reason = "--gpu off" if options.gpu == "off" else "no CUDA device"
            status, message, hint = SKIPPED, f"skipped: {reason}", None
        else:
            continue
        prep.result.cases.append(
            CaseResult(case.name, status, 0, case_cents, message, hint, case.doc, case.device)
        )
        decided.add(case.name)
    return decided


def _calls(prep: Prepared, learner: str, options: Options, draw_inputs: bool) -> list[Call]:
    """One call per run of the cases left to run (the first case of each run key makes it, the others share
    its inputs and outputs), with the inputs drawn here unless the executor draws them."""
    from grader.judging.cases import runs
    from grader.judging.evaluate import case_inputs

    calls: list[Call] = []
    for first, *sharing in runs(prep.cases).values():
        inputs = (
            case_inputs(prep.group, first, seed=options.seed, learner=learner)
            if draw_inputs
            else None
        )
        prep.inputs[first.name] = inputs
        for case in sharing:  # judged on the outputs of the run the first case asks for
            prep.inputs[case.name] = inputs
            prep.runs[case.name] = first.name
        calls.append(
            Call(
                first.name,
                first.driver,
                wire.to_plain(inputs) if draw_inputs else None,
                first.device,
                tuple(first.calls or first.functions),
            )
        )
    return calls


def fewest_functions_first(calls: list[Call]) -> list[Call]:
    """The calls reordered (stably) so that those calling fewer of the learner's functions run first: a forward
    alone before forward + backward. When a call then hangs, the functions it shares with earlier calls have
    been seen returning, so the scheduler blames (and skips the later cases of) only the others."""
    return sorted(calls, key=lambda c: len(c.functions))


def syntax_message(group: str, exc: SyntaxError) -> str:
    text = exc.msg or "invalid syntax"
    if "codec can't decode" in text or "unicode error" in text:
        return (
            f"exercises/{group}.py is not valid UTF-8 text (line {exc.lineno}); save it as UTF-8 "
            f"or declare its encoding"
        )
    line = (exc.text or "").strip()
    shown = f": {line[:120]}" if line else ""
    return f"exercises/{group}.py has a syntax error at line {exc.lineno}: {text}{shown}"
