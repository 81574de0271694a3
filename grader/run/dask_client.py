"""Grading past one machine: the executor seam (grader/run/executor.py) on ``dask.distributed``, client side.

:class:`DaskExecutor` is an :class:`~grader.run.executor.Executor`, so the class loop (grader/grading/class_loop.py)
drives it unchanged. Each (submission, groups) bundle becomes one dask task, run by
:func:`grader.run.dask_node.run_remote` *in a dask worker process*, which runs the learner's code in its own
sandbox and decides the verdicts there (``remote_verdicts``): the client only collects verdicts, writes reports
and the journal.

What a task carries: the learner's graded sources (already safely unpacked by the client,
grader/intake/unpack.py) and the group, calls (case names, no inputs) and limits; the kit (references, hidden
cases, drivers, helpers, MNIST) is installed on every node and added there, never shipped per task. The
client's kit fingerprint rides along: a worker whose installed kit differs refuses the task
(:class:`~grader.run.dask_node.KitMismatch`, naming both fingerprints) and the client stops.

Faults: a dask worker that dies mid-task (SIGKILL, a lost node) has its tasks rescheduled by dask on another
worker; a task is a pure function of its arguments, and the client keeps one result per learner, so every
learner still ends with exactly one row, and the journal (client side) makes an interrupted run resume.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import threading
import uuid
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from grader import GROUPS
from grader.kit import kit_fingerprint
from grader.run.dask_node import ClusterError, GraderPlugin, KitMismatch, run_remote, worker_kit
from grader.run.executor import Executor, Task, TaskReply

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


def strip_kit(task: Task) -> Task:
    """The task as sent: the learner's graded files only (the node adds its own installed kit files)."""
    mine = {f"exercises/{g}.py" for g in GROUPS}
    return dataclasses.replace(task, files={k: v for k, v in task.files.items() if k in mine})


class DaskExecutor(Executor):
    """Bundles as dask tasks on a cluster: a LocalCluster of ``jobs`` processes, or one reached by address."""

    # the workers draw the inputs and decide the verdicts: the client neither draws nor ships the hidden inputs
    remote_verdicts = True

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
