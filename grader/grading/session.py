"""One `grade` run, from the submissions folder to the reports (grader/verbs/grade.py parses the command line and
calls :func:`grade_folder`).

1. what to grade: the groups (``--groups``/``--points`` over grader/points.py) and the submissions
   (grader/intake/collect.py), refused as misuse (exit 2) when the folders or options make no sense;
2. where learner code runs: an executor (grader/run/): this machine's sandboxed workers, or a dask cluster;
   whether GPU cases run (``--gpu``);
3. the class loop (grader/grading/class_loop.py), with verdict servers on the cores nothing else uses;
4. the reports, written into DIR as one transaction (grader/report/outfolder.py), and the summary.

Exit 0 whenever the class was graded, however badly submissions failed; 1 when it could not be (the sandbox or
the cluster did not start, a worker runs another kit, nbgrader's gradebook refused the scores); 2 for misuse; 130
when interrupted (finished learners are in the journal: a rerun goes on).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from grader.grading.plan import Options
from grader.intake.collect import Submission
from grader.report.progress import Progress
from grader.results import Result
from grader.run.executor import Executor, ExecutorStartError


@dataclass(frozen=True)
class GradeRequest:
    """`grade`'s options (SPEC, "Instructor commands"); ``groups`` and ``points`` as typed (None: not given)."""

    submissions: Path
    out: Path
    jobs: int
    timeout: float = 10.0
    memory_mb: int = 4096
    seed: int = 0
    gpu: str = "auto"
    nbgrader_db: Path | None = None
    executor: str = "local"
    scheduler: str | None = None
    groups: str | None = None
    points: str | None = None


class Misuse(Exception):
    """The command line asks for something that cannot be done: exit 2 with this message."""


@dataclass
class _Class:
    """What to grade: the submissions, the graded groups (GROUPS order) and every group's points this run."""

    subs: list[Submission]
    groups: list[str]
    table: dict[str, float]


def grade_folder(req: GradeRequest) -> int:
    """Grade every entry of ``req.submissions``; write the reports into ``req.out``; the exit status."""
    try:
        todo = _what_to_grade(req)
    except Misuse as exc:
        return _error(str(exc), 2)
    try:
        executor = _open_executor(req, todo.groups)
    except ExecutorStartError as exc:
        return _error(str(exc), 1)
    try:
        cuda = _cuda(req.gpu)
    except Misuse as exc:
        executor.close()
        return _error(str(exc), 2)
    if not executor.remote_verdicts:
        from grader.judging.evaluate import warm_up
        from grader.kit import available_groups

        # this process's first-call costs, paid on this core while the zygote starts on another (on dask the
        # workers judge: nothing to warm here)
        warm_up([g for g in available_groups() if g in todo.groups])
    from grader.report.outfolder import claim

    claim(req.out)
    options = Options(
        seed=req.seed,
        timeout=req.timeout,
        memory_mb=req.memory_mb,
        gpu=req.gpu,
        cuda=cuda,
        groups=tuple(todo.groups),
        points=tuple((g, todo.table[g]) for g in todo.groups),
    )
    return _grade_and_report(req, todo, options, executor)


def _what_to_grade(req: GradeRequest) -> _Class:
    """The groups and the submissions; Misuse when the folders or ``--groups``/``--points`` make no sense."""
    from grader.points import default_groups, parse_groups, parse_points, points_table
    from grader.report.outfolder import out_problem

    if not req.submissions.is_dir():
        what = "does not exist" if not req.submissions.exists() else "is not a folder"
        raise Misuse(
            f"SUBMISSIONS {req.submissions} {what} (expected a folder with one entry per learner)"
        )
    problem = out_problem(req.out, req.submissions)
    if problem:
        raise Misuse(problem)
    try:
        overrides = parse_points(req.points or "")
        table = points_table(overrides)
        chosen = parse_groups(req.groups) if req.groups else default_groups(table)
    except ValueError as exc:
        raise Misuse(f"--groups/--points: {exc}") from None
    # a group given points is graded even when --groups does not name it
    chosen = [g for g in table if g in chosen or overrides.get(g, 0) > 0]  # GROUPS order
    from grader.intake.collect import collect

    subs, notes = collect(req.submissions)
    for note in notes:
        print(f"grade: {note}", file=sys.stderr)
    if not subs:
        raise Misuse(
            f"no submissions in {req.submissions} (expected one folder, .zip or .ipynb per learner)"
        )
    return _Class(subs, chosen, table)


def _open_executor(req: GradeRequest, groups: list[str]) -> Executor:
    """The executor ``req`` asks for (a dask cluster when ``--scheduler`` is given), started; the local one's
    zygote starts now, in the background (a fresh interpreter importing torch), while this process goes on."""
    hide = [req.submissions, req.out]
    if req.executor == "dask" or req.scheduler:
        try:
            import distributed  # noqa: F401

            from grader.run.dask_client import DaskExecutor
        except ImportError as exc:  # pragma: no cover - the [cluster] extra is not installed
            raise ExecutorStartError(
                f"--executor dask needs dask.distributed (pip install '.[cluster]'): {exc}"
            ) from None
        if req.scheduler:
            return DaskExecutor.connect(req.scheduler, seed=req.seed, hide=hide, groups=groups)
        return DaskExecutor.local(req.jobs, seed=req.seed, hide=hide, groups=groups)
    from grader.kit import available_groups
    from grader.run.local import LocalExecutor

    executor = LocalExecutor(req.jobs, [g for g in available_groups() if g in groups], hide=hide)
    executor.warm()
    return executor


def _cuda(gpu: str) -> bool:
    """Whether GPU cases run (a CUDA device is there and ``--gpu`` is not off); Misuse for ``--gpu on``
    without one. torch is asked only when some group has GPU cases."""
    from grader.judging.cases import load_cases
    from grader.kit import available_groups

    if gpu == "off" or not any(
        c.device != "cpu" for g in available_groups() for c in load_cases(g)
    ):
        return False
    try:
        import torch
    except ImportError:
        cuda = False
    else:
        cuda = bool(torch.cuda.is_available())
    if gpu == "on" and not cuda:
        raise Misuse(
            "--gpu on, but no CUDA device is available (torch.cuda.is_available() is False)"
        )
    return cuda


def _grade_and_report(req: GradeRequest, todo: _Class, options: Options, executor: Executor) -> int:
    from grader.kit import available_groups
    from grader.report.outfolder import write_reports
    from grader.report.summary import print_summary

    missing = [g for g in todo.groups if g not in available_groups()]
    if missing:
        print(f"grade: not available yet (no hidden tests): {', '.join(missing)}", file=sys.stderr)
    start = time.monotonic()
    progress = Progress(len(todo.subs))
    try:
        results, closer = _run_class(req, todo, options, executor, progress)
    except ExecutorStartError as exc:  # nothing is graded without its workers, or with another kit
        progress.close()
        print(f"grade: {exc.report()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        progress.close()
        journal = req.out / ".journal.jsonl"
        print(
            f"grade: interrupted; finished learners are in {journal}: rerun to go on",
            file=sys.stderr,
        )
        return 130
    progress.close()
    write_reports(results, req.out, todo.groups, {g: todo.table[g] for g in todo.groups})
    if closer is not None:
        closer.join()
    print_summary(results, seconds=time.monotonic() - start, reused=progress.reused)
    print(f"wrote {req.out / 'grades.csv'} and feedback for {len(results)} learners")
    return _nbgrader(req.nbgrader_db, results) if req.nbgrader_db is not None else 0


def _run_class(
    req: GradeRequest, todo: _Class, options: Options, executor: Executor, progress: Progress
) -> tuple[list[Result], threading.Thread | None]:
    """The class loop; the executor closed (a dask cluster in the background: the returned thread, joined once
    the reports are written). Verdict servers run only on cores the workers and this process leave idle: on
    fewer, a server's start (a fresh interpreter importing torch) costs more than the verdicts it would move."""
    from grader.grading.class_loop import grade_class
    from grader.grading.journal import Journal
    from grader.judging.pool import VerdictPool

    spare = (os.cpu_count() or 1) - req.jobs - 1
    local = not executor.remote_verdicts
    pool = VerdictPool(min(req.jobs, spare)) if spare > 0 and local else None
    try:
        try:
            results = grade_class(
                todo.subs,
                options,
                executor,
                journal=Journal(req.out / ".journal.jsonl"),
                max_inflight=2 * max(req.jobs, executor.slots),
                progress=progress,
                pool=pool,
            )
            if executor.start_error is not None:
                raise executor.start_error
        except BaseException:
            executor.close()
            raise
    finally:
        if pool is not None:
            pool.close()
    if local:
        executor.close()
        return results, None
    # every result is in: the cluster shuts down (~1.5 s) while the reports are written
    closer = threading.Thread(target=executor.close, name="cluster-close", daemon=True)
    closer.start()
    return results, closer


def _nbgrader(db: Path, results: list[Result]) -> int:
    from grader.report.nbgrader_db import GradebookError, write_gradebook

    try:
        for note in write_gradebook(Path(db), results):
            print(f"grade: nbgrader: {note}", file=sys.stderr)
    except GradebookError as exc:
        print(f"grade: nbgrader: {exc} (grades.csv and feedback are written)", file=sys.stderr)
        return 1
    print(f"wrote the scores into {db}")
    return 0


def _error(message: str, status: int) -> int:
    print(f"grade: error: {message}", file=sys.stderr)
    return status
