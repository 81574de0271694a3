"""What runs in a dask worker process when grading on a cluster (grader/run/dask_client.py is the client's side).

The dask worker (the instructor's machine, outside any sandbox: trusted, like the local grader's parent) holds
its own :class:`~grader.run.local.LocalExecutor` (one per process, started on first use or warmed by
:class:`GraderPlugin`): learner code runs only in that node's zygote-forked, sandboxed workers, never in the dask
worker itself; a crash, hang, flood or fork there costs the learner's own calls, as locally. :func:`run_remote`
runs one bundle:

- it draws the hidden inputs here (:func:`draw_inputs`: from seed, learner, group and case, as the local
  grader's parent and grader/judging/pool.py do), runs the calls on them and decides every verdict here
  (:func:`grader.judging.evaluate.case_verdict`), so drawing and judging scale with the workers and the client
  only collects verdicts, writes reports and the journal;
- the reply travels back with its verdicts and without the learner's arrays;
- a node whose installed kit differs from the client's refuses the task (:class:`KitMismatch`).
"""

from __future__ import annotations

import atexit
import ctypes
import dataclasses
import os
import sys
import threading
from typing import Any

from distributed import WorkerPlugin

from grader import GROUPS, interpret_triton_kernels
from grader.inside import wire
from grader.kit import available_groups, helper_files, helpers_for, kit_fingerprint
from grader.run.executor import ExecutorStartError, Task, TaskReply
from grader.run.local import LocalExecutor


class ClusterError(ExecutorStartError):
    """The cluster cannot grade (unreachable scheduler, no workers, a worker with another kit)."""


class KitMismatch(ClusterError):
    """A dask worker's installed kit is not the client's: grading there would use another hidden suite."""


_lock = threading.Lock()
_executors: dict[tuple[Any, ...], LocalExecutor] = {}
_kit: list[str] = []
_warmed: set[str] = set()
# Verdicts are decided one case at a time per process, as in the local grader's parent: references and mutants
# may use process-wide state (torch's default generator, reseeded by a driver), which two threads would share.
# Judging scales with dask worker *processes* (--nworkers N --nthreads 1 is the layout to use).
_one_verdict_at_a_time = threading.Lock()


def worker_kit() -> str:
    """This process's kit fingerprint (the installed kit, computed once)."""
    if not _kit:
        _kit.append(kit_fingerprint(list(GROUPS)))
    return _kit[0]


def _local_directory() -> list[str]:
    """The dask worker's scratch folder (spilled task data: other learners' sources) -- hidden from learners."""
    try:
        from distributed import get_worker

        return [get_worker().local_directory]
    except (ImportError, ValueError, AttributeError):
        return []


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return f"dask worker {get_worker().address}"
    except (ImportError, ValueError):
        return ""


def local_executor(
    hide: tuple[str, ...] = (), isolate: bool = True, groups: tuple[str, ...] | None = None
) -> LocalExecutor:
    """This process's sandboxed executor for these settings (one zygote per dask worker process), its
    zygote warmed for ``groups`` (the run's graded groups; default: every group available here)."""
    key = (hide, isolate, groups)
    with _lock:
        executor = _executors.get(key)
        if executor is None:
            from grader.judging.evaluate import use_one_thread

            use_one_thread()  # judging here runs as in the local grader: one thread
            extra = [p for p in hide if os.path.exists(p)] + _local_directory()
            here = [g for g in available_groups() if groups is None or g in groups]
            executor = LocalExecutor(1, here, hide=extra, isolate=isolate)
            _executors[key] = executor
            atexit.register(executor.close)
        return executor


class GraderPlugin(WorkerPlugin):
    """A dask WorkerPlugin: start the node's zygote as soon as the worker joins (its torch import overlaps
    the client's start-up and the scheduling of the first tasks)."""

    def __init__(
        self, hide: tuple[str, ...], isolate: bool, groups: tuple[str, ...] | None = None
    ) -> None:
        self.hide = hide
        self.isolate = isolate
        self.groups = groups

    def setup(self, worker: Any) -> None:
        _undo_malloc_trim()
        interpret_triton_kernels()  # this process judges: references on the CPU, Triton interpreted
        # the zygote imports torch on another core while this process warms its judging
        local_executor(self.hide, self.isolate, self.groups).warm()
        threading.Thread(
            target=_warm_imports, args=(self.groups,), name="verdict-warm-up", daemon=True
        ).start()

    def teardown(self, worker: Any) -> None:
        """The client is done (or the worker closes): stop this run's zygote and its workers now."""
        with _lock:
            executor = _executors.pop((self.hide, self.isolate, self.groups), None)
        if executor is not None:
            executor.close()


def _undo_malloc_trim() -> None:
    """A worker started by ``dask worker`` (or a LocalCluster with dask's defaults) runs with the nanny's
    MALLOC_TRIM_THRESHOLD_=65536, which turns off glibc's sliding mmap threshold: every array over 128 KiB the
    judges allocate is then a fresh mmap, page-faulted and unmapped again (judging cost ~1.6x its CPU in the
    local grader). Put the thresholds where glibc's sliding rule would take them (32 MiB mmap, 64 MiB trim)."""
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 64 << 20)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):  # not glibc: nothing to undo
        return


def _warm_imports(groups: tuple[str, ...] | None = None) -> None:
    """This process's imports for judging ``groups`` (hidden cases, references, drivers), paid once per group
    while the zygote starts, and only for the groups the run grades. Imports only, unlike the local grader's
    parent (grader.judging.evaluate.warm_up also runs each driver once): here every dask worker would pay those
    reference runs again, and the first verdict pays its own first kernels anyway."""
    with _one_verdict_at_a_time:
        import importlib

        from grader.judging.cases import load_cases
        from grader.judging.evaluate import reference_module

        worker_kit()
        todo = [
            g for g in available_groups() if (groups is None or g in groups) and g not in _warmed
        ]
        for g in todo:
            load_cases(g)
            reference_module(g)
            importlib.import_module(f"grader.inside.drivers.{g}")
        _warmed.update(todo)


def run_remote(tasks: list[Task], meta: dict[str, Any]) -> list[TaskReply]:
    """One bundle (a learner's CPU groups, or one CUDA task) on this node: sandboxed run, then verdicts here."""
    mine = worker_kit()
    if meta["kit"] != mine:
        raise KitMismatch(
            f"{_worker_address() or 'this dask worker'} has kit fingerprint {mine}, the client has {meta['kit']}: "
            "install the same kit version on every node (it would grade with another hidden suite)"
        )
    groups = meta.get("groups")
    groups = tuple(groups) if groups is not None else None
    executor = local_executor(tuple(meta.get("hide", ())), bool(meta.get("isolate", True)), groups)
    helpers = helper_files()
    seed = int(meta["seed"])
    staged, drawn = [], []
    for task in tasks:
        files = helpers_for(task.group, helpers)
        files.update(task.files)  # the learner's graded files (never a kit file: see strip_kit)
        inputs = draw_inputs(task, seed)
        calls = [
            dataclasses.replace(c, inputs=wire.to_plain(inputs[c.case])) if c.inputs is None else c
            for c in task.calls
        ]
        staged.append(dataclasses.replace(task, files=files, calls=calls))
        drawn.append(inputs)
    if len(staged) == 1 and staged[0].cuda:
        replies = [executor.run_task(staged[0])]
    else:
        replies = executor.run_bundle(staged)
    _warm_imports(groups)
    return [
        reply_with_verdicts(t, r, seed, inputs)
        for t, r, inputs in zip(staged, replies, drawn, strict=True)
    ]


def draw_inputs(task: Task, seed: int) -> dict[str, Any]:
    """Each call's hidden inputs, drawn here as the client would have (grader.judging.evaluate.case_inputs:
    seeded by seed, learner, group and case): used for the sandboxed run and again for the verdicts."""
    from grader.judging.cases import load_cases
    from grader.judging.evaluate import case_inputs

    by_name = {c.name: c for c in load_cases(task.group)}
    return {
        c.case: case_inputs(task.group, by_name[c.case], seed=seed, learner=task.learner)
        for c in task.calls
        if c.case in by_name
    }


def reply_with_verdicts(
    task: Task, reply: TaskReply, seed: int, drawn: dict[str, Any] | None = None
) -> TaskReply:
    """``reply`` with every verdict decided here (trusted process), as the local grader's parent does: each case
    judged on the outputs of the call that ran its run (grader.judging.cases.Case.run_key), on that call's
    inputs (``drawn``, or drawn again from the seed); the learner's outputs stay here."""
    from grader.judging.cases import Verdict, load_cases, runs
    from grader.judging.evaluate import case_inputs, case_verdict
    from grader.judging.static_check import refusals_charged

    cases = load_cases(task.group)
    by_name = {c.name: c for c in cases}
    sharing = runs(cases)
    verdicts: dict[str, Any] = {}
    for call in task.calls:
        out = reply.outcomes.get(call.case)
        run = by_name.get(call.case)
        if out is None or run is None or out.status != "ok":
            continue
        inputs = (drawn or {}).get(call.case)
        if inputs is None:
            inputs = case_inputs(task.group, run, seed=seed, learner=task.learner)
        for case in sharing[run.run_key]:
            if refusals_charged(task.group, tuple(case.functions), out.refused):
                continue  # failed on the refusal (grader/grading/score.py), no verdict needed
            try:
                with _one_verdict_at_a_time:
                    verdicts[case.name] = case_verdict(task.group, case, inputs, out.outputs)
            except Exception as exc:  # a kit bug: the verdict says so
                verdicts[case.name] = Verdict(False, f"grader error: {type(exc).__name__}: {exc}")
    outcomes = {k: dataclasses.replace(o, outputs=None) for k, o in reply.outcomes.items()}
    return dataclasses.replace(reply, outcomes=outcomes, verdicts=verdicts)
