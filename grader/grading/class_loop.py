"""The class loop: every learner's tasks sent to an executor, every reply judged, every result reported.

Learners whose journal record is current (same files, options and kit: :func:`submission_fingerprint`) are taken
from it; the others are planned one at a time (grader/grading/plan.py), their tasks kept in flight on the
executor, each returned output given its verdict here or on a verdict server (grader/judging/pool.py) -- or read
from the reply when the executor decided it (``remote_verdicts``) -- and scored (grader/grading/score.py). A
finished learner is appended to the journal at once, so an interrupted run resumes where it stopped. A worker
decides nothing.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from typing import Any

from grader.grading.journal import Journal
from grader.grading.plan import Options, Prepared, prepare
from grader.grading.score import needs_verdict, score_group
from grader.inside import sandbox
from grader.intake.collect import Submission
from grader.judging.cases import Verdict
from grader.judging.evaluate import case_verdict, use_one_thread
from grader.judging.pool import VerdictPool
from grader.kit import helper_files, kit_fingerprint
from grader.results import GRADED, GRADER_ERROR, ISOLATION_LEVELS, GroupResult, Result
from grader.run.executor import Executor, Outcome, Task, TaskReply

# seconds: a case decided faster than this is judged here, not on a verdict server
CHEAP_VERDICT = 0.05


@dataclass
class _Learner:
    sub: Submission
    fingerprint: str
    start: float
    preps: dict[str, Prepared] = field(default_factory=dict)
    waiting: int = 0
    isolation: list[dict[str, Any]] = field(default_factory=list)


def submission_fingerprint(sub: Submission, options: Options, kit: str) -> str:
    """What a journal record is current under: the kit fingerprint, the options, the entry and its files."""
    h = hashlib.sha256(f"{kit}|{options.key()}|{sub.entry}|{sub.problems}".encode())
    for group in sorted(sub.files):
        h.update(group.encode())
        h.update(hashlib.sha256(sub.files[group]).digest())
    return h.hexdigest()[:24]


# what one executor call runs: a learner's CPU tasks, or one CUDA task
Entry = list[tuple[_Learner, Prepared, Task]]


def grade_class(
    subs: list[Submission],
    options: Options,
    executor: Executor,
    *,
    journal: Journal | None = None,
    max_inflight: int = 4,
    progress: Callable[[Result, bool], None] | None = None,
    pool: VerdictPool | None = None,
) -> list[Result]:
    """Grade every submission; results in the order of ``subs``. ``progress(result, reused)`` per learner.

    ``pool``: verdict servers to decide the costly verdicts on other cores (default: all in this process).
    """
    grading = ClassGrading(options, executor, journal, max_inflight, progress, pool)
    return grading.run(subs)


class ClassGrading:
    """One class's grading loop: learners reused from the journal or queued, their tasks sent to the executor
    (at most ``max_inflight`` calls at once), replies judged, results reported. Events have one handler each:
    :meth:`on_entry_done` (an executor call came back), :meth:`on_task_done` (one task's reply),
    :meth:`on_verdict_done` (a verdict from the pool), :meth:`finish` (a learner's result is complete)."""

    def __init__(
        self,
        options: Options,
        executor: Executor,
        journal: Journal | None,
        max_inflight: int,
        progress: Callable[[Result, bool], None] | None,
        pool: VerdictPool | None,
    ) -> None:
        self.options = options
        self.executor = executor
        self.journal = journal
        self.max_inflight = max_inflight
        self.progress = progress
        self.pool = pool
        self.groups = options.graded_groups
        self.results: dict[str, Result] = {}
        # one entry per learner (its CPU tasks of every group, run on one worker) and per CUDA task
        self.queue: list[Entry] = []
        # prepared lazily, so the class's inputs never sit in memory at once
        self.pending: list[_Learner] = []
        self.costs: dict[tuple[str, str], list[float]] = {}  # (group, case) -> seconds, here
        self.tasks: dict[Future, Entry] = {}
        self.verdicts: dict[Future, tuple[_Learner, Prepared, str]] = {}
        self.helpers: dict[str, bytes] = {}
        # an executor that decides verdicts where it runs draws the hidden inputs there too (nothing to ship or
        # draw here)
        self.draw = not executor.remote_verdicts

    def run(self, subs: list[Submission]) -> list[Result]:
        use_one_thread()
        kit = kit_fingerprint(self.groups)
        previous = self.journal.load() if self.journal else {}
        self.helpers = helper_files()
        for sub in subs:
            fp = submission_fingerprint(sub, self.options, kit)
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
                prep = prepare(lr.sub, g, self.options, self.helpers, draw_inputs=self.draw)
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
            if not needs_verdict(out, prep.group, case):
                continue
            if case.name in reply.verdicts:  # decided by the executor in a trusted process already
                prep.verdicts[case.name] = reply.verdicts[case.name]
                continue
            self.decide(lr, prep, case, out.outputs)
        lr.waiting -= 1

    def decide(self, lr: _Learner, prep: Prepared, case: Any, outputs: Any) -> None:
        """One case's verdict: here when it is cheap (or not measured yet: the first run pays imports, so it
        does not count), else on a verdict server (a case that runs a model), the learner waiting for it."""
        key = (prep.group, case.name)
        seen = self.costs.setdefault(key, [])
        if self.pool is None or len(seen) < 3 or sum(seen[1:]) / len(seen[1:]) < CHEAP_VERDICT:
            t0 = time.perf_counter()
            prep.verdicts[case.name] = case_verdict(
                prep.group, case, prep.inputs[case.name], outputs
            )
            seen.append(time.perf_counter() - t0)
            return
        f = self.pool.submit(prep.group, case.name, self.options.seed, lr.sub.learner, outputs)
        self.verdicts[f] = (lr, prep, case.name)
        lr.waiting += 1

    def on_verdict_done(self, fut: Future, lr: _Learner, prep: Prepared, case: str) -> None:
        try:
            prep.verdicts[case] = fut.result()
        except Exception as exc:
            prep.verdicts[case] = Verdict(False, f"grader error: {exc}")
            prep.result.status = GRADER_ERROR
            prep.result.message = f"a verdict server failed: {exc}"
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
        weakest = min(levels, key=ISOLATION_LEVELS.index) if levels else ""
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
        # a grader failure is not a grade: a rerun tries again
        if self.journal and not any(g.status == GRADER_ERROR for g in res.groups.values()):
            self.journal.append(res.to_dict())
        if self.progress:
            self.progress(res, False)
