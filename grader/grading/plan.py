"""Grading a class: submissions -> tasks for sandboxed workers -> verdicts decided here, in the trusted parent.

For each (submission, exercise group) this module draws the hidden cases' inputs (seeded by --seed, learner,
group and case), checks the submitted source (syntax, forbidden APIs, grader/judging/static_check.py), hands the calls to
an executor (grader/run/local.py), and judges every returned output with the case's judge against the
reference run here on the same inputs (grader/judging/evaluate.py). A worker decides nothing.

A finished learner is appended to the journal at once, so an interrupted run resumes where it stopped; a
learner whose files, options and kit are unchanged since the journal entry is not graded again.
"""

from __future__ import annotations

import ast
import hashlib
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from typing import Any

from grader import GROUPS, ROOT
from grader.grading.journal import Journal, kit_fingerprint
from grader.inside import sandbox, wire
from grader.inside.forbidden import rules_for
from grader.intake.collect import Submission
from grader.judging import static_check
from grader.results import (
    CRASHED,
    FAILED,
    GRADED,
    GRADER_ERROR,
    IMPORT_FAILED,
    NOT_AVAILABLE,
    NOT_RUN,
    NOT_SUBMITTED,
    PASSED,
    SKIPPED,
    SYNTAX_ERROR,
    TIMEOUT,
    CaseResult,
    GroupResult,
    Result,
    split_cents,
)
from grader.run.local import Call, Executor, Outcome, Task, TaskReply

CRASH_TYPES = ("MemoryError", "RecursionError", "SystemExit", "KeyboardInterrupt")
CHEAP_JUDGE = (
    0.05  # seconds: a case judged faster than this is judged in the parent, not a judge server
)
LEVELS = ("minimal", "partial", "full")


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


def available_groups() -> list[str]:
    """Groups with hidden cases, a reference and a driver; the others are graded "not available"."""
    return [
        g
        for g in GROUPS
        if (ROOT / "grader" / "hidden" / f"{g}.py").is_file()
        and (ROOT / "solutions" / f"{g}.py").is_file()
        and (ROOT / "grader" / "inside" / "drivers" / f"{g}.py").is_file()
        and unavailable_reason(g) is None
    ]


def unavailable_reason(group: str) -> str | None:
    """Why ``group`` cannot be graded on this machine (a package without a wheel here); None when it can.
    (Whether it *is* graded is the instructor's choice: grader/points.py, `grade --groups/--points`.)"""
    if group == "layer_norm_triton":
        import importlib.util

        if importlib.util.find_spec("triton") is None:
            return "not available here: Triton is not installed (no wheel for this platform)"
    return None


# the groups whose exercise trains on MNIST: their workers get data/*.gz
DATA_GROUPS = ("histograms",)


def kit_files() -> dict[str, bytes]:
    """Trusted files a worker gets: exercises/__init__.py, the provided helpers (not graded files) and the
    bundled data they read (data/*.gz: the MNIST loader finds it next to exercises/, as in the kit; only
    for DATA_GROUPS, as 1 MB copied into every worker is a measurable share of a class run)."""
    out: dict[str, bytes] = {}
    for path in sorted((ROOT / "exercises").glob("*.py")):
        if path.stem not in GROUPS:
            out[f"exercises/{path.name}"] = path.read_bytes()
    for path in sorted((ROOT / "data").glob("*.gz")):
        if path.stat().st_size <= 4 * 1024 * 1024:
            out[f"data/{path.name}"] = path.read_bytes()
    return out


# --- per (submission, group) ----------------------------------------------------------------------------


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
    # case name -> Verdict, when judged before the group is assembled (here or by a judge server)
    verdicts: dict[str, Any] = field(default_factory=dict)


def prepare(
    sub: Submission,
    group: str,
    options: Options,
    kit: dict[str, bytes],
    *,
    draw_inputs: bool = True,
) -> Prepared:
    """Everything decided before any learner code runs; the tasks to run (none if nothing to run).

    ``draw_inputs=False`` (an executor that judges where it runs, grader/run/dask_client.py): the calls carry no
    hidden inputs; the node draws them from the same seed, learner, group and case, for the run and the judge.
    """
    from grader.judging.cases import load_cases
    from grader.judging.evaluate import case_inputs

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
    total = sum(cents.values())
    located = sub.located.get(group, "")
    gr = GroupResult(group, GRADED, total, located=located)
    prep = Prepared(group, gr, cents=cents)
    source = sub.files.get(group)
    if source is None:
        gr.status = NOT_SUBMITTED
        gr.message = (
            f"no {group}.py in {sub.entry} (looked in exercises/ and ./)"
            if not sub.unreadable
            else "the submission could not be read"
        )
        return prep
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        gr.status = SYNTAX_ERROR
        gr.message = syntax_message(group, exc)
        return prep
    except (ValueError, RecursionError, MemoryError) as exc:
        gr.status = SYNTAX_ERROR
        gr.message = f"exercises/{group}.py could not be parsed ({type(exc).__name__}: {exc})"
        return prep
    try:
        findings = static_check.static_check(source, group, tree=tree)
    except (
        RecursionError,
        MemoryError,
        ValueError,
    ):  # pathological source: the run-time guard remains
        findings = []
    why = rules_for(group).why
    calls: list[Call] = []
    cuda_calls: list[Call] = []
    runs: dict[tuple[str, str], str] = {}  # (call key, device) -> the case whose call runs it
    for case in cases:
        case_cents = cents.get(case.name, 0)
        refused = [f for f in findings if static_check.charged_to(f.function, case.functions)]
        if refused:
            gr.cases.append(
                CaseResult(
                    case.name,
                    FAILED,
                    0,
                    case_cents,
                    message=refused[0].message(why),
                    hint=refused[0].hint,
                    doc=case.doc,
                    device=case.device,
                )
            )
            continue
        if case.device != "cpu" and (options.gpu == "off" or not options.cuda):
            reason = "--gpu off" if options.gpu == "off" else "no CUDA device"
            gr.cases.append(
                CaseResult(
                    case.name,
                    SKIPPED,
                    0,
                    case_cents,
                    f"skipped: {reason}",
                    doc=case.doc,
                    device=case.device,
                )
            )
            continue
        prep.cases.append(case)
        first = runs.get((case.call_key, case.device))
        if first is not None:  # judged on the outputs of a run another case already asked for
            prep.inputs[case.name] = prep.inputs[first]
            prep.runs[case.name] = first
            continue
        runs[(case.call_key, case.device)] = case.name
        inputs = (
            case_inputs(group, case, seed=options.seed, learner=sub.learner)
            if draw_inputs
            else None
        )
        prep.inputs[case.name] = inputs
        call = Call(
            case.name,
            case.driver,
            wire.to_plain(inputs) if draw_inputs else None,
            case.device,
            tuple(case.calls or case.functions),
        )
        (cuda_calls if case.device != "cpu" else calls).append(call)
    calls, cuda_calls = fewest_functions_first(calls), fewest_functions_first(cuda_calls)
    files = {k: v for k, v in kit.items() if group in DATA_GROUPS or not k.startswith("data/")}
    for g, data in sub.files.items():
        files[f"exercises/{g}.py"] = data
    for batch, cuda in ((calls, False), (cuda_calls, True)):
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


def score_group(prep: Prepared) -> GroupResult:
    """Verdicts for every case from the task replies (called once all of the group's tasks are back)."""
    from grader.judging.evaluate import judge_case

    gr = prep.result
    outcomes: dict[str, Outcome] = {}
    import_error: Outcome | None = None
    for reply in prep.replies:
        outcomes.update(reply.outcomes)
        import_error = import_error or reply.import_error
        gr.output = (gr.output + reply.output)[-4000:]
        gr.output_bytes += reply.output_bytes
        gr.flood = gr.flood or reply.flood
    if import_error is not None and not any(o.status in ("ok", "error") for o in outcomes.values()):
        err = import_error.error or {}
        kind = str(err.get("type", ""))
        if kind in ("SyntaxError", "IndentationError", "TabError"):
            gr.status = SYNTAX_ERROR
        elif kind == "GraderError" and import_error.status == "crashed":
            gr.status = GRADER_ERROR
        else:
            gr.status = IMPORT_FAILED
        gr.message = import_error.message
        if import_error.refused:
            gr.message += f" ({_refused_text(import_error.refused, prep.group)[0]})"
        gr.cases = [c for c in gr.cases if c.status == SKIPPED]
        return gr
    refused_funcs: dict[str, tuple[str, str | None]] = {}
    for out in outcomes.values():
        for r in out.refused:
            fn = str(r.get("function", ""))
            refused_funcs.setdefault(fn, _refused_text([r], prep.group))
    for case in prep.cases:
        cents = prep.cents.get(case.name, 0)
        out = outcomes.get(prep.runs.get(case.name, case.name)) or Outcome(
            "not run", message="not run"
        )
        status, message, hint = _verdict(
            prep.group,
            case,
            prep.inputs[case.name],
            out,
            judge_case,
            prep.verdicts.get(case.name),
        )
        charged = [
            t for fn, t in refused_funcs.items() if static_check.charged_to(fn, case.functions)
        ]
        if status == PASSED and charged:
            status, (message, hint) = FAILED, charged[0]
        gr.cases.append(
            CaseResult(
                case.name,
                status,
                cents if status == PASSED else 0,
                cents,
                message,
                hint,
                case.doc,
                case.device,
                round(out.seconds, 3),
            )
        )
    order = {c.name: i for i, c in enumerate(_all_cases(prep.group))}
    gr.cases.sort(key=lambda c: order.get(c.name, 0))
    if gr.flood:
        gr.notes.append(
            f"output flood: your code wrote more than {sandbox.LOG_CAP >> 20} MiB to stdout/stderr; "
            "the rest was cut off"
        )
    return gr


def _all_cases(group: str) -> list[Any]:
    from grader.judging.cases import load_cases

    return load_cases(group)


def _refused_text(refused: list[dict[str, str]], group: str) -> tuple[str, str | None]:
    """(message, hint id) for a run-time refusal reported by the worker's guard."""
    r = refused[0]
    rules = rules_for(group)
    api = str(r.get("api", "?"))[:200]
    fn = str(r.get("function", "?"))[:200]
    why = rules.why_for(api)
    why = f" ({why})" if why else ""
    return f"API not allowed: {api} (called in {fn}){why}", rules.hint_for(api)


def needs_judge(out: Outcome | None) -> bool:
    """Does this outcome go to a judge (outputs came back and no forbidden API was refused)?"""
    return out is not None and out.status == "ok" and not out.refused


def _verdict(
    group: str,
    case: Any,
    inputs: Any,
    out: Outcome,
    judge_case: Callable,
    verdict: Any = None,
) -> tuple[str, str, str | None]:
    if out.status == "ok":
        if out.refused:
            return FAILED, *_refused_text(out.refused, group)
        if verdict is None:
            verdict = judge_case(group, case, inputs, out.outputs)
        return (PASSED if verdict.passed else FAILED), verdict.message, verdict.hint
    if out.status == "timeout":
        called = case.calls or case.functions
        fn = called[-1] if called else case.driver
        return TIMEOUT, f"timeout: {fn} did not return ({out.message}; an infinite loop?)", None
    if out.status == "crashed":
        return CRASHED, out.message, None
    if out.status == "not run":
        return NOT_RUN, out.message, None
    # an exception raised by the learner's code (or by the driver on what it returned)
    err = out.error or {}
    kind = str(err.get("type", "Exception"))[:80]
    text = str(err.get("message", ""))[:1500]
    where = [str(w) for w in (err.get("where") or [])][-3:]
    at = f" (at {where[-1]})" if where else ""
    if out.refused:
        return FAILED, *_refused_text(out.refused, group)
    if kind == "Refused":
        return FAILED, text, None
    if kind == "OSError" and err.get("errno") == 27:
        return (
            CRASHED,
            (
                f"crashed: output flood (more than {sandbox.LOG_CAP >> 20} MiB written to stdout/stderr or "
                "a file)"
            ),
            None,
        )
    if kind in CRASH_TYPES:
        reason = {
            "MemoryError": "ran out of memory (MemoryError)",
            "RecursionError": "recursion too deep (RecursionError)",
            "SystemExit": text or "sys.exit() was called",
            "KeyboardInterrupt": "interrupted (KeyboardInterrupt)",
        }[kind]
        return CRASHED, f"crashed: {reason}{at}", None
    if kind == "NotImplementedError" and text.startswith("Exercise "):
        return FAILED, f"not implemented yet: {text}", None
    return FAILED, f"raised {kind}: {text}{at}", None


# --- the class ------------------------------------------------------------------------------------------


def _one_thread() -> None:
    """Reference runs in this process use one thread: the workers and judge servers have the other cores."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


@dataclass
class _Learner:
    sub: Submission
    fingerprint: str
    start: float
    preps: dict[str, Prepared] = field(default_factory=dict)
    waiting: int = 0
    isolation: list[dict[str, Any]] = field(default_factory=list)


def fingerprint(sub: Submission, options: Options, kit: str) -> str:
    h = hashlib.sha256(f"{kit}|{options.key()}|{sub.entry}|{sub.problems}".encode())
    for group in sorted(sub.files):
        h.update(group.encode())
        h.update(hashlib.sha256(sub.files[group]).digest())
    return h.hexdigest()[:24]


Entry = list[
    tuple[_Learner, Prepared, Task]
]  # what one executor call runs: a learner's CPU tasks, or one CUDA task


def grade_class(
    subs: list[Submission],
    options: Options,
    executor: Executor,
    *,
    journal: Journal | None = None,
    max_inflight: int = 4,
    progress: Callable[[Result, bool], None] | None = None,
    judges: Any = None,
) -> list[Result]:
    """Grade every submission; results in the order of ``subs``. ``progress(result, reused)`` per learner.

    ``judges``: a grader.judging.pool.JudgePool to judge on several cores (default: in this process).
    """
    grading = ClassGrading(options, executor, journal, max_inflight, progress, judges)
    return grading.run(subs)


class ClassGrading:
    """One class's grading loop: learners reused from the journal or queued, their tasks sent to the executor
    (at most ``max_inflight`` calls at once), replies judged, results reported. Events have one handler each:
    :meth:`on_entry_done` (an executor call came back), :meth:`on_task_done` (one task's reply),
    :meth:`on_verdict_done` (a judge from the pool), :meth:`finish` (a learner's result is complete)."""

    def __init__(
        self,
        options: Options,
        executor: Executor,
        journal: Journal | None,
        max_inflight: int,
        progress: Callable[[Result, bool], None] | None,
        judges: Any,
    ) -> None:
        self.options = options
        self.executor = executor
        self.journal = journal
        self.max_inflight = max_inflight
        self.progress = progress
        self.judges = judges
        self.groups = options.graded_groups
        self.results: dict[str, Result] = {}
        # one entry per learner (its CPU tasks of every group, run on one worker) and per CUDA task
        self.queue: list[Entry] = []
        self.pending: list[
            _Learner
        ] = []  # prepared lazily, so the class's inputs never sit in memory at once
        self.costs: dict[
            tuple[str, str], list[float]
        ] = {}  # (group, case) -> seconds its judges took here
        self.tasks: dict[Future, Entry] = {}
        self.verdicts: dict[Future, tuple[_Learner, Prepared, str]] = {}
        self.kit_blobs: dict[str, bytes] = {}
        # an executor that judges where it runs draws the hidden inputs there too (nothing to ship or draw here)
        self.draw = not getattr(executor, "judges_remotely", False)

    def run(self, subs: list[Submission]) -> list[Result]:
        _one_thread()
        kit = kit_fingerprint(self.groups)
        previous = self.journal.load() if self.journal else {}
        self.kit_blobs = kit_files()
        for sub in subs:
            fp = fingerprint(sub, self.options, kit)
            if not self.reuse(sub, previous.get(sub.learner), fp):
                self.pending.append(_Learner(sub, fp, time.monotonic()))
        self.refill()
        while self.tasks or self.verdicts:
            done, _ = wait([*self.tasks, *self.verdicts], return_when=FIRST_COMPLETED)
            for fut in done:
                if fut in self.tasks:
                    entry = self.tasks.pop(fut)
                    self.on_entry_done(fut, entry)
                    lr = entry[0][0]
                else:
                    lr, prep, case = self.verdicts.pop(fut)
                    self.on_verdict_done(fut, lr, prep, case)
                if lr.waiting == 0 and lr.sub.learner not in self.results:
                    self.score(lr)
            self.refill()
        return [self.results[s.learner] for s in subs if s.learner in self.results]

    def reuse(self, sub: Submission, old: dict[str, Any] | None, fp: str) -> bool:
        """Take the journal's result when its fingerprint is current."""
        if not old or old.get("fingerprint") != fp:
            return False
        try:
            self.results[sub.learner] = Result.from_dict(old)
        except (TypeError, KeyError):
            return False
        if self.progress:
            self.progress(self.results[sub.learner], True)
        return True

    def refill(self) -> None:
        """Keep ``max_inflight`` executor calls running, preparing the next learner when the queue is empty."""
        while len(self.tasks) < self.max_inflight and (self.queue or self.pending):
            if not self.queue:
                self.prepare_next()
                continue
            entry = self.queue.pop(0)
            if len(entry) == 1 and entry[0][2].cuda:
                self.tasks[self.executor.submit(entry[0][2])] = entry
            else:
                self.tasks[self.executor.submit_bundle([t for _, _, t in entry])] = entry

    def prepare_next(self) -> None:
        lr = self.pending.pop(0)
        lr.start = time.monotonic()
        bundle: Entry = []
        for g in self.groups:
            try:
                prep = prepare(lr.sub, g, self.options, self.kit_blobs, draw_inputs=self.draw)
            except Exception as exc:  # a kit bug: the row says so, the class goes on
                prep = Prepared(
                    g,
                    GroupResult(g, GRADER_ERROR, 0, message=f"{type(exc).__name__}: {exc}"),
                )
            lr.preps[g] = prep
            for task in prep.tasks:
                if task.cuda:
                    self.queue.append([(lr, prep, task)])
                else:
                    bundle.append((lr, prep, task))
                lr.waiting += 1
        if bundle:
            self.queue.append(bundle)
        if lr.waiting == 0:  # nothing to run (not submitted, syntax errors, not available)
            self.finish(lr)

    def on_entry_done(self, fut: Future, entry: Entry) -> None:
        try:
            got = fut.result()
            replies = got if isinstance(got, list) else [got]
            if len(replies) != len(entry):
                raise RuntimeError(f"{len(replies)} replies for {len(entry)} tasks")
        except Exception as exc:  # the executor failed, not the learner
            replies = [exc] * len(entry)
        for (lr, prep, task), reply in zip(entry, replies, strict=True):
            self.on_task_done(reply, lr, prep, task)

    def on_task_done(
        self, got: TaskReply | Exception, lr: _Learner, prep: Prepared, task: Task
    ) -> None:
        try:
            if isinstance(got, Exception):
                raise got
            reply = got
        except Exception as exc:  # the executor failed, not the learner
            reply = TaskReply(
                outcomes={
                    c.case: Outcome("not run", message=f"grader error: {exc}") for c in task.calls
                }
            )
            prep.result.notes.append(f"grader error: {type(exc).__name__}: {exc}")
            prep.result.status = GRADER_ERROR
        prep.replies.append(reply)
        if reply.isolation:
            lr.isolation.append(reply.isolation)
        for case in prep.cases:
            out = reply.outcomes.get(prep.runs.get(case.name, case.name))
            if not needs_judge(out):
                continue
            # judged by the executor in a trusted process already (grader/run/dask_client.py)
            if case.name in getattr(reply, "verdicts", {}):
                prep.verdicts[case.name] = reply.verdicts[case.name]
                continue
            key = (prep.group, case.name)
            seen = self.costs.setdefault(key, [])
            if self.judges is None or len(seen) < 3 or sum(seen[1:]) / len(seen[1:]) < CHEAP_JUDGE:
                # cheap (or not measured yet; the first run pays imports, so it does not count): here
                from grader.judging.evaluate import judge_case

                t0 = time.perf_counter()
                prep.verdicts[case.name] = judge_case(
                    prep.group, case, prep.inputs[case.name], out.outputs
                )
                seen.append(time.perf_counter() - t0)
            else:  # a case that runs a model: on another core
                f = self.judges.submit(
                    prep.group, case.name, self.options.seed, lr.sub.learner, out.outputs
                )
                self.verdicts[f] = (lr, prep, case.name)
                lr.waiting += 1
        lr.waiting -= 1

    def on_verdict_done(self, fut: Future, lr: _Learner, prep: Prepared, case: str) -> None:
        try:
            prep.verdicts[case] = fut.result()
        except Exception as exc:
            from grader.judging.cases import Verdict

            prep.verdicts[case] = Verdict(False, f"grader error: {exc}")
            prep.result.status = GRADER_ERROR
            prep.result.message = f"a judge failed: {exc}"
        lr.waiting -= 1

    def score(self, lr: _Learner) -> None:
        """Every reply and verdict of the learner is in: score each group, then finish."""
        for g in self.groups:
            p = lr.preps[g]
            if p.cases and p.result.status in (GRADED, GRADER_ERROR):
                status, message = p.result.status, p.result.message
                p.result = score_group(p)
                if status == GRADER_ERROR:
                    p.result.status, p.result.message = status, message
        self.finish(lr)

    def finish(self, lr: _Learner) -> None:
        levels = [iso.get("level", "minimal") for iso in lr.isolation]
        weakest = min(levels, key=LEVELS.index) if levels else ""
        detail = next((sandbox.describe(i) for i in lr.isolation if i.get("level") == weakest), "")
        res = Result(
            lr.sub.learner,
            lr.sub.entry,
            {g: lr.preps[g].result for g in self.groups},
            problems=list(lr.sub.problems),
            isolation=weakest,
            isolation_detail=detail,
            seed=self.options.seed,
            execution_time=round(time.monotonic() - lr.start, 3),
            fingerprint=lr.fingerprint,
            graded=not lr.sub.unreadable,
        )
        self.results[lr.sub.learner] = res
        if self.journal and not any(g.status == GRADER_ERROR for g in res.groups.values()):
            self.journal.append(
                res.to_dict()
            )  # a grader failure is not a grade: a rerun tries again
        if self.progress:
            self.progress(res, False)
