"""Grading past one machine: the scheduler's executor seam on ``dask.distributed``.

:class:`DaskExecutor` has the :class:`grader.run.local.LocalExecutor` interface (``submit``, ``submit_bundle``,
``close``, ``start_error``), so ``grading.grade_class`` drives it unchanged. Each (submission, groups) bundle
becomes one dask task, run by :func:`run_remote` *in the dask worker process*:

- the dask worker (the instructor's machine, outside any sandbox: trusted, like the local grader's parent)
  holds its own :class:`~grader.run.local.LocalExecutor` (one per process, started on first use or warmed by
  :class:`GraderPlugin`): learner code runs only in that node's zygote-forked, sandboxed workers, never in
  the dask worker itself; a crash, hang, flood or fork there costs the learner's own calls, as locally;
- it draws the hidden inputs there (:func:`draw_inputs`: from seed, learner, group and case, as the local
  grader's parent and ``grader/judging/pool.py`` do), runs the calls on them and judges every returned output
  there (:func:`grader.judging.evaluate.judge_case`), so drawing and judging scale with the workers and the client
  only collects verdicts, writes reports and the journal;
- the reply travels back with its verdicts and without the learner's arrays.

What a task carries: the learner's graded sources (already safely unpacked by the client, grader/intake/unpack.py)
and the group, calls (case names, no inputs) and limits; the kit (references, hidden cases, drivers, helpers, MNIST) is installed on
every node and added there, never shipped per task. The client's kit fingerprint rides along: a worker whose
installed kit differs refuses the task (:class:`KitMismatch`, naming both fingerprints) and the client stops.

Faults: a dask worker that dies mid-task (SIGKILL, a lost node) has its tasks rescheduled by dask on another
worker; a task is a pure function of its arguments, and the client keeps one result per learner, so every
learner still ends with exactly one row, and the journal (client side) makes an interrupted run resume.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import dataclasses
import os
import sys
import threading
import uuid
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distributed import WorkerPlugin

from grader import GROUPS, judge_side_triton
from grader.grading.journal import kit_fingerprint
from grader.inside import wire
from grader.run.local import LocalExecutor, Task, TaskReply

CONNECT_TIMEOUT = 10.0  # seconds to reach a scheduler before giving up with its address
# The embedded LocalCluster's workers (README: the same for workers started by hand):
# - no MALLOC_TRIM_THRESHOLD_ (dask's nanny sets it to 64 KiB by default; setting it at all turns off glibc's
#   sliding mmap threshold, so every array over 128 KiB the judges allocate is a fresh mmap, page-faulted and
#   unmapped again: the workers' judging cost ~1.6x its CPU in the local grader's parent, mostly in the kernel);
# - one BLAS / OpenMP thread per worker process (dask's default, kept: judging runs on one core, as locally);
# - no statistical profiler (a thread sampling the task's stack every 10 ms, for a dashboard nobody opens).
WORKER_CONFIG = {
    "distributed.nanny.pre-spawn-environ": {
        "OMP_NUM_THREADS": 1,
        "MKL_NUM_THREADS": 1,
        "OPENBLAS_NUM_THREADS": 1,
    },
    "distributed.worker.profile.enabled": False,
}
PLUGIN = "normlab-grader"


class ClusterError(Exception):
    """The cluster cannot grade (unreachable scheduler, no workers, a worker with another kit)."""


class KitMismatch(ClusterError):
    """A dask worker's installed kit is not the client's: grading there would use another hidden suite."""


@dataclass
class JudgedReply(TaskReply):
    """A TaskReply judged on the dask worker: case name -> verdict (``grader.judging.cases.Verdict``)."""

    verdicts: dict[str, Any] = field(default_factory=dict)


# --- worker side ----------------------------------------------------------------------------------------

_lock = threading.Lock()
_executors: dict[tuple[Any, ...], LocalExecutor] = {}
_kit: list[str] = []


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


def local_executor(
    hide: tuple[str, ...] = (), isolate: bool = True, groups: tuple[str, ...] | None = None
) -> LocalExecutor:
    """This process's sandboxed executor for these settings (one zygote per dask worker process), its
    zygote warmed for ``groups`` (the run's graded groups; default: every group available here)."""
    key = (hide, isolate, groups)
    with _lock:
        executor = _executors.get(key)
        if executor is None:
            from grader.grading.plan import _one_thread, available_groups

            _one_thread()  # judging here runs as in the local grader: one thread
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
        judge_side_triton()  # this process judges: references on the CPU, Triton interpreted
        # the zygote imports torch on another core while this process warms its judging
        local_executor(self.hide, self.isolate, self.groups).warm()
        threading.Thread(
            target=_warm_judging, args=(self.groups,), name="judge-warm-up", daemon=True
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


def _warm_judging(groups: tuple[str, ...] | None = None) -> None:
    """This process's imports for judging ``groups`` (hidden cases, references, drivers), paid once per group
    while the zygote starts, and only for the groups the run grades. Imports only, unlike the local grader's
    parent (grader.judging.evaluate.warm_up also runs each driver once): here every dask worker would pay those
    reference runs again, and the first judgement pays its own first kernels anyway."""
    with _judging:
        import importlib

        from grader.grading.plan import available_groups
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


_warmed: set[str] = set()
# Judging runs one case at a time per process, as in the local grader's parent: references and mutants may
# use process-wide state (torch's default generator, reseeded by a driver), which two threads would share.
# Judging scales with dask worker *processes* (--nworkers N --nthreads 1 is the layout to use).
_judging = threading.Lock()


def run_remote(tasks: list[Task], meta: dict[str, Any]) -> list[JudgedReply]:
    """One bundle (a learner's CPU groups, or one CUDA task) on this node: sandboxed run, then judging here."""
    mine = worker_kit()
    if meta["kit"] != mine:
        raise KitMismatch(
            f"{_worker_address() or 'this dask worker'} has kit fingerprint {mine}, the client has {meta['kit']}: "
            "install the same kit version on every node (it would grade with another hidden suite)"
        )
    from grader.grading.plan import DATA_GROUPS, kit_files

    groups = meta.get("groups")
    groups = tuple(groups) if groups is not None else None
    executor = local_executor(tuple(meta.get("hide", ())), bool(meta.get("isolate", True)), groups)
    blobs = kit_files()
    seed = int(meta["seed"])
    staged, drawn = [], []
    for task in tasks:
        files = {
            k: v for k, v in blobs.items() if task.group in DATA_GROUPS or not k.startswith("data/")
        }
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
    _warm_judging(groups)
    return [
        judge_reply(t, r, seed, inputs) for t, r, inputs in zip(staged, replies, drawn, strict=True)
    ]


def draw_inputs(task: Task, seed: int) -> dict[str, Any]:
    """Each call's hidden inputs, drawn here as the client would have (grader.judging.evaluate.case_inputs: seeded by
    seed, learner, group and case): used for the sandboxed run and again for the judging."""
    from grader.judging.cases import load_cases
    from grader.judging.evaluate import case_inputs

    by_name = {c.name: c for c in load_cases(task.group)}
    return {
        c.case: case_inputs(task.group, by_name[c.case], seed=seed, learner=task.learner)
        for c in task.calls
        if c.case in by_name
    }


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return f"dask worker {get_worker().address}"
    except (ImportError, ValueError):
        return ""


def judge_reply(
    task: Task, reply: TaskReply, seed: int, drawn: dict[str, Any] | None = None
) -> JudgedReply:
    """Judge every output in ``reply`` here (trusted process), as the local grader's parent does: each case
    judged on the outputs of the call that ran its (call key, device), on that call's inputs (``drawn``, or
    drawn again from the seed)."""
    from grader.judging.cases import Verdict, load_cases
    from grader.judging.evaluate import case_inputs, judge_case

    cases = load_cases(task.group)
    by_name = {c.name: c for c in cases}
    verdicts: dict[str, Any] = {}
    for call in task.calls:
        out = reply.outcomes.get(call.case)
        run = by_name.get(call.case)
        if out is None or run is None or out.status != "ok" or out.refused:
            continue
        inputs = (drawn or {}).get(call.case)
        if inputs is None:
            inputs = case_inputs(task.group, run, seed=seed, learner=task.learner)
        for case in cases:
            if (case.call_key, case.device) != (run.call_key, run.device):
                continue
            try:
                with _judging:
                    verdicts[case.name] = judge_case(task.group, case, inputs, out.outputs)
            except Exception as exc:  # a kit bug: the verdict says so
                verdicts[case.name] = Verdict(False, f"grader error: {type(exc).__name__}: {exc}")
    outcomes = {k: dataclasses.replace(o, outputs=None) for k, o in reply.outcomes.items()}
    fields = {f.name: getattr(reply, f.name) for f in dataclasses.fields(TaskReply)}
    fields["outcomes"] = outcomes
    return JudgedReply(**fields, verdicts=verdicts)


# --- client side ----------------------------------------------------------------------------------------


def strip_kit(task: Task) -> Task:
    """The task as sent: the learner's graded files only (the node adds its own installed kit files)."""
    mine = {f"exercises/{g}.py" for g in GROUPS}
    return dataclasses.replace(task, files={k: v for k, v in task.files.items() if k in mine})


class DaskExecutor:
    """Bundles as dask tasks on a cluster: a LocalCluster of ``jobs`` processes, or one reached by address."""

    judges_remotely = (
        True  # the workers judge: the client neither draws nor ships the hidden inputs
    )

    def __init__(
        self,
        client: Any,
        *,
        seed: int,
        hide: list[Path | str] = (),  # type: ignore[assignment]
        isolate: bool = True,
        cluster: Any = None,
        groups: list[str] | None = None,
    ) -> None:
        self.client = client
        self.cluster = cluster
        self.kit = kit_fingerprint(list(GROUPS))
        hidden = tuple(os.path.realpath(p) for p in hide)
        chosen = tuple(groups) if groups is not None else None
        self.meta = {
            "kit": self.kit,
            "seed": seed,
            "hide": hidden,
            "isolate": isolate,
            "groups": chosen,
        }
        self.start_error: ClusterError | None = None
        self._futures: set[Any] = set()  # dask releases a task whose future is dropped: keep them
        self._flock = threading.Lock()
        self.plugin = f"{PLUGIN}-{uuid.uuid4().hex[:8]}"
        client.register_plugin(GraderPlugin(hidden, isolate, chosen), name=self.plugin)

    @classmethod
    def local(
        cls,
        jobs: int,
        *,
        seed: int,
        hide: list[Path | str] = (),
        isolate: bool = True,
        groups: list[str] | None = None,
    ) -> DaskExecutor:
        """A LocalCluster of ``jobs`` worker processes (one thread each) on this machine; ``groups``: the
        groups the run grades (the workers warm those only; default: all)."""
        import dask
        from distributed import Client, LocalCluster

        with dask.config.set(WORKER_CONFIG):  # the nannies hand it to their worker processes
            cluster = LocalCluster(
                n_workers=jobs,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                scheduler_port=0,
                host="127.0.0.1",
                silence_logs=40,
            )
        client = Client(cluster)
        try:
            executor = cls(
                client, seed=seed, hide=hide, isolate=isolate, cluster=cluster, groups=groups
            )
            executor.check()
        except BaseException:
            client.close()
            cluster.close()
            raise
        return executor

    @classmethod
    def connect(
        cls,
        address: str,
        *,
        seed: int,
        hide: list[Path | str] = (),
        isolate: bool = True,
        timeout: float = CONNECT_TIMEOUT,
        groups: list[str] | None = None,
    ) -> DaskExecutor:
        """A client of the scheduler at ``address``; fails within ``timeout`` s naming it."""
        from distributed import Client

        try:
            client = Client(address, timeout=f"{timeout}s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ClusterError(
                f"could not reach the dask scheduler at {address} within {timeout:g} s ({exc})"
            ) from None
        try:
            executor = cls(client, seed=seed, hide=hide, isolate=isolate, groups=groups)
            executor.check()
        except BaseException:
            client.close()
            raise
        return executor

    def check(self) -> None:
        """Every worker connected now has the client's kit (workers joining later are checked per task)."""
        found = self.client.run(worker_kit)
        wrong = {addr: kit for addr, kit in found.items() if kit != self.kit}
        if wrong:
            addr, kit = sorted(wrong.items())[0]
            more = f" (and {len(wrong) - 1} more workers)" if len(wrong) > 1 else ""
            self.start_error = KitMismatch(
                f"dask worker {addr}{more} has kit fingerprint {kit}, the client has {self.kit}: "
                "install the same kit version on every node (it would grade with another hidden suite)"
            )
            raise self.start_error

    @property
    def slots(self) -> int:
        """Tasks the cluster runs at once now (threads of the connected workers): the client keeps about
        twice that many in flight (on an autoscaling cluster that starts empty, raise --jobs instead)."""
        try:
            return sum(self.client.nthreads().values())
        except Exception:  # a sizing hint only
            return 0

    def warm(self) -> None:
        """Nothing to do: each worker's zygote starts when the worker joins (GraderPlugin)."""

    def submit(self, task: Task) -> Future[TaskReply]:
        return self._submit([task], single=True)  # type: ignore[return-value]

    def submit_bundle(self, tasks: list[Task]) -> Future[list[TaskReply]]:
        return self._submit(tasks, single=False)  # type: ignore[return-value]

    def _submit(self, tasks: list[Task], *, single: bool) -> Future[Any]:
        out: Future[Any] = Future()
        if self.start_error is not None:
            out.set_exception(self.start_error)
            return out
        key = f"normlab-grade-{tasks[0].learner}-{uuid.uuid4().hex[:12]}"
        fut = self.client.submit(
            run_remote, [strip_kit(t) for t in tasks], self.meta, key=key, pure=False
        )
        with self._flock:
            self._futures.add(fut)

        def done(f: Any) -> None:
            with self._flock:
                self._futures.discard(f)
            try:
                replies = f.result()
            except KitMismatch as exc:
                self.start_error = self.start_error or exc
                out.set_exception(exc)
                return
            except BaseException as exc:  # the executor failed, not the learner
                out.set_exception(exc if isinstance(exc, Exception) else RuntimeError(str(exc)))
                return
            out.set_result(replies[0] if single else replies)

        fut.add_done_callback(done)
        return out

    def close(self) -> None:
        with self._flock:
            pending = list(self._futures)
            self._futures.clear()
        with contextlib.suppress(Exception):
            self.client.cancel(pending)
        with contextlib.suppress(Exception):  # each worker's zygote of this run stops
            self.client.unregister_worker_plugin(self.plugin)
        with contextlib.suppress(Exception):
            self.client.close()
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
