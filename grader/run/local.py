"""The local executor: (submission, exercise group) tasks on this machine's sandboxed workers.

:class:`LocalExecutor` (grader/run/executor.py's seam) keeps one zygote (grader/run/zygote_client.py: a fresh
interpreter that imports torch once and forks workers) and ``--jobs`` threads, each driving one worker at a time
through a :class:`WorkerClient`, the parent's end of one forked worker (grader/inside/worker.py is the worker
itself). A dask node (grader/run/dask_node.py) runs the same ``run_task`` / ``run_bundle`` against its own
zygote.

Faults, per call: a timeout kills the worker (its process group and pid namespace) and a *fresh* worker goes on
with the remaining calls; the function blamed for the hang (the call's graded functions minus those already
seen returning) is not called again ("not run"), so an infinite loop costs one timeout. A crash (signal, exit,
bad reply) likewise costs only its call.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import socket
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from grader.inside import sandbox, wire
from grader.run.executor import Call, Executor, Outcome, Task, TaskReply
from grader.run.stage import hidden_paths, make_stage, site_dirs
from grader.run.zygote_client import ZygoteClient, ZygoteError

UID_BASE = 200_000  # workers run as UID_BASE + k (no passwd entry needed), distinct while they run
MAX_TIMEOUTS = 3  # per task: after this many, the remaining calls are not run


# --- local executor -----------------------------------------------------------------------------------


class LocalExecutor(Executor):
    """``jobs`` workers at once on this machine, forked by one zygote (started lazily, restarted if lost)."""

    def __init__(
        self,
        jobs: int,
        groups: list[str],
        hide: Iterable[Path | str] = (),
        *,
        isolate: bool = True,
        gpus: int = 1,
    ) -> None:
        self.jobs = max(1, jobs)
        self.groups = groups
        self.isolate = isolate
        self.stage = make_stage()
        self.hide = hidden_paths([*hide, self.stage.root])
        self._pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="grade")
        self._zygote_client: ZygoteClient | None = None
        self._zlock = threading.Lock()
        self._counter = itertools.count()
        self._uids = itertools.count()
        self._gpu = threading.Semaphore(max(1, gpus))
        self.start_error: ZygoteError | None = None

    # lifecycle
    def zygote_client(self) -> ZygoteClient:
        """The running zygote: started on first use, restarted if it died; a failed start is final (the
        same error for every later task, at once, instead of one slow retry per task)."""
        with self._zlock:
            if self.start_error is not None:
                raise self.start_error
            if self._zygote_client is None or not self._zygote_client.alive:
                if self._zygote_client is not None:
                    self._zygote_client.close()
                z = ZygoteClient(self.stage.pkg_root, self.stage.run_dir, self.groups, site_dirs())
                try:
                    z.start()
                except ZygoteError as exc:
                    self.start_error = exc
                    raise
                self._zygote_client = z
            return self._zygote_client

    @property
    def slots(self) -> int:
        return self.jobs

    def warm(self) -> None:
        """Start the zygote in the background now (its torch import overlaps the caller's own start-up);
        a failed start is kept and raised by the first task, as without warm()."""

        def start() -> None:
            with contextlib.suppress(ZygoteError):
                self.zygote_client()

        threading.Thread(target=start, name="zygote-start", daemon=True).start()

    def submit(self, task: Task) -> Future[TaskReply]:
        return self._pool.submit(self.run_task, task)

    def submit_bundle(self, tasks: list[Task]) -> Future[list[TaskReply]]:
        """One submission's tasks, in order, on one worker while it stays healthy (see run_bundle)."""
        return self._pool.submit(self.run_bundle, tasks)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        with self._zlock:  # waits for a start in progress (warm()), so no zygote outlives us
            zygote, self._zygote_client = self._zygote_client, None
            self.start_error = self.start_error or ZygoteError("the executor is closed")
        if zygote is not None:
            zygote.close()
        self.stage.cleanup()

    # one task
    def run_task(self, task: Task) -> TaskReply:
        if task.cuda:
            with self._gpu:
                return self._run(task)[0]
        return self._run(task)[0]

    def run_bundle(self, tasks: list[Task]) -> list[TaskReply]:
        """The tasks of one submission (its exercise groups, CPU), in order, sharing one worker.

        A worker costs a fork of the zygote, its sandbox and its exit (~40 ms of CPU on the 2-core machine,
        a tenth of a submission's grading); the submission's groups run one after the other in it, each
        under its own guard rules and with its own graded file. A client that timed out, crashed or wrote
        half its output cap is not reused: the next group gets a fresh one, as a fault in one group must
        cost only that group's calls. What stays shared is what the submission's own files do to the
        process (module-level side effects), as in the learner's own pytest run. CUDA tasks run alone.
        """
        replies: list[TaskReply] = []
        client: WorkerClient | None = None
        try:
            for task in tasks:
                if task.cuda:
                    replies.append(self.run_task(task))
                    continue
                reply, client = self._run(task, client, reuse=True, budget=tasks)
                replies.append(reply)
        finally:
            if client is not None:  # after its last task: nothing left to read in its log
                client.close()
                client.log_path.unlink(missing_ok=True)
        return replies

    def _run(
        self,
        task: Task,
        client: WorkerClient | None = None,
        *,
        reuse: bool = False,
        budget: list[Task] | None = None,
    ) -> tuple[TaskReply, WorkerClient | None]:
        """Run the task's calls; with ``reuse``, hand back the (healthy) worker instead of closing it."""
        start = time.monotonic()
        run = _TaskRun(task)
        if client is not None:
            run.go_on_with(client)
        try:
            for call in task.calls:
                self._call(run, call, budget or [task])
        finally:
            client = run.client
            keep = (
                reuse
                and client is not None
                and client.sock is not None
                and run.reply.import_error is None
                and client.log_size() < sandbox.LOG_CAP // 2
            )
            if client is not None and not keep:
                client.close()
        handed = client if keep else None
        if handed is not None:  # this task's output ends here; the next task's starts
            handed.log_start = handed.log_size()
        reply = run.reply
        reply.output, reply.output_bytes, reply.flood = _read_logs(
            run.logs,
            keep=handed.log_path if handed else None,
            end=handed.log_start if handed else None,
        )
        reply.seconds = time.monotonic() - start
        return reply, handed

    def _call(self, run: _TaskRun, call: Call, budget: list[Task]) -> None:
        """One call of the task, on the task's worker (a fresh one if it has none)."""
        skip = run.not_run(call)
        if skip is not None:
            run.reply.outcomes[call.case] = Outcome("not run", message=skip)
            return
        if run.client is None:
            run.client = WorkerClient(self, run.task, budget)
            run.logs.append((run.client.log_path, 0))
            failure = run.client.start()
            run.reply.isolation = run.reply.isolation or run.client.isolation
            if failure is not None:
                run.reply.import_error = failure
                run.drop_client()
                run.reply.outcomes[call.case] = Outcome("not run", message=failure.message)
                return
        outcome = run.client.call(call)
        run.record(call, outcome)
        if outcome.status in ("timeout", "crashed"):
            run.drop_client()

    def next_uid(self) -> int:
        return UID_BASE + next(self._uids) % 50_000


@dataclass
class _TaskRun:
    """One task's calls as they go: the reply so far, the functions seen returning, those blamed for a hang."""

    task: Task
    reply: TaskReply = field(default_factory=lambda: TaskReply(outcomes={}))
    proven: set[str] = field(default_factory=set)
    blamed: dict[str, str] = field(default_factory=dict)  # function -> case where it hung
    timeouts: int = 0
    # (log file, offset where this task's output starts in it)
    logs: list[tuple[Path, int]] = field(default_factory=list)
    client: WorkerClient | None = None  # the client the next call goes to

    def go_on_with(self, client: WorkerClient) -> None:
        """A worker handed over by the submission's previous task switches to this one."""
        self.client = client
        failure = client.switch(self.task)
        self.logs.append((client.log_path, client.log_start))
        self.reply.isolation = dict(client.isolation)
        if failure is not None:  # as for a fresh client's failed import: no call of this task runs
            self.reply.import_error = failure
            self.drop_client()

    def drop_client(self) -> None:
        """Kill the worker (a fault, a failed start): the next call gets a fresh one."""
        if self.client is not None:
            self.client.kill()
            self.client = None

    def not_run(self, call: Call) -> str | None:
        """Why ``call`` is not made (a function it calls hung before, too many timeouts, a failed import)."""
        hung = [f for f in call.functions if f in self.blamed]
        if hung:
            return f"not run: {hung[0]} did not return in case {self.blamed[hung[0]]}"
        if self.timeouts >= MAX_TIMEOUTS:
            return f"not run: {self.timeouts} timeouts in this group already"
        if self.reply.import_error is not None:
            return self.reply.import_error.message
        return None

    def record(self, call: Call, outcome: Outcome) -> None:
        """The call's outcome; a timeout blames the call's functions not yet seen returning."""
        self.reply.outcomes[call.case] = outcome
        if outcome.status == "timeout":
            self.timeouts += 1
            suspects = [f for f in call.functions if f not in self.proven] or list(
                call.functions[-1:]
            )
            for f in suspects:
                self.blamed[f] = call.case
        elif outcome.status in ("ok", "error"):
            self.proven.update(call.functions)


class WorkerClient:
    """The parent's end of one forked worker (grader/inside/worker.py): start it, send its calls, kill it."""

    def __init__(
        self, executor: LocalExecutor, task: Task, bundle: list[Task] | None = None
    ) -> None:
        self.executor = executor
        self.task = task
        self.bundle = bundle or [task]  # every task it may run (for the CPU-time backstop)
        n = next(executor._counter)
        self.log_path = executor.stage.run_dir / f"log-{n}.txt"
        self.log_start = 0  # where the current task's output starts in the log
        self.workdir = executor.stage.run_dir / f"work-{n}"
        self.pid: int | None = None
        self.pidfd: int | None = None
        self.sock: socket.socket | None = None
        self.isolation: dict[str, Any] = {}
        self.exited: int | None = None

    def _config(self) -> dict[str, Any]:
        cpu_s = sum(t.timeout * (len(t.calls) + 2) for t in self.bundle)
        return {
            "group": self.task.group,
            "uid": self.executor.next_uid(),
            "memory_mb": self.task.memory_mb,
            "cpu_s": int(cpu_s) + 10,
            "nproc": 64,
            "cuda": self.task.cuda,
            "hide": self.executor.hide,
            "workdir": str(self.workdir),
            "isolate": self.executor.isolate,
        }

    def start(self) -> Outcome | None:
        """Fork, sandbox, stage the files, import the graded module. None when ready, else the failure."""
        self.workdir.mkdir(mode=0o700)
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        log_fd = os.open(
            self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600
        )
        try:
            try:
                zygote = self.executor.zygote_client()
                self.pid = zygote.fork(self._config(), child.fileno(), log_fd)
                with contextlib.suppress(OSError):  # signal through a pidfd: never a recycled pid
                    self.pidfd = os.pidfd_open(self.pid)
            except ZygoteError as exc:
                return Outcome(
                    "crashed", message=f"crashed: the grader could not start a worker ({exc})"
                )
        finally:
            child.close()
            os.close(log_fd)
        self.sock = parent
        try:
            hello, _ = wire.recv(parent, deadline=time.monotonic() + 60)
            self.isolation = dict(hello.get("isolation") or {})
        except (wire.BadFrame, wire.Closed, wire.Timeout) as exc:
            return self._fault("crashed", f"the worker did not start ({exc})")
        files = {rel: np.frombuffer(data, dtype=np.uint8) for rel, data in self.task.files.items()}
        header, _ = self._request(
            {"op": "setup", "graded": self.task.graded}, {"files": files}, 30.0
        )
        if not header.get("ok"):
            return self._fault(
                "crashed", header.get("_fault") or "the worker could not stage the files"
            )
        return self._import()

    def switch(self, task: Task) -> Outcome | None:
        """Go on with ``task`` (another group of the same submission; the staged files are the same)."""
        self.task = task
        header, _ = self._request(
            {"op": "group", "group": task.group, "graded": task.graded}, None, 30.0
        )
        if not header.get("ok"):
            return self._fault(
                "crashed", header.get("_fault") or "the worker could not switch groups"
            )
        return self._import()

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def _import(self) -> Outcome | None:
        header, _ = self._request({"op": "import"}, None, self.task.timeout)
        if header.get("_status"):
            what = f"importing exercises/{self.task.group}.py"
            if header["_status"] == "timeout":
                text = f"{what} did not finish within {self.task.timeout:g} s (a loop at module level?)"
            else:
                text = f"{what}: {header['_fault']}"
            return Outcome(header["_status"], message=text)
        if not header.get("ok"):
            err = header.get("error") or {}
            return Outcome(
                "error",
                error=err,
                refused=list(header.get("refused") or []),
                message=import_message(self.task.group, err),
            )
        return None

    def call(self, call: Call) -> Outcome:
        t0 = time.monotonic()
        header, value = self._request(
            {"op": "call", "driver": call.driver, "device": call.device},
            call.inputs,
            self.task.timeout,
        )
        seconds = time.monotonic() - t0
        if header.get("_status"):
            return Outcome(header["_status"], message=header["_fault"], seconds=seconds)
        refused = header.get("refused")
        refused = [r for r in refused if isinstance(r, dict)] if isinstance(refused, list) else []
        if header.get("ok"):
            return Outcome("ok", outputs=value, refused=refused, seconds=seconds)
        err = header.get("error") if isinstance(header.get("error"), dict) else {}
        return Outcome("error", error=err, refused=refused, seconds=seconds)

    def _request(
        self, header: dict[str, Any], value: Any, timeout: float
    ) -> tuple[dict[str, Any], Any]:
        """Send one request, read its reply. Faults come back as {"_status": ..., "_fault": message}."""
        assert self.sock is not None
        try:
            wire.send(self.sock, header, value)
        except OSError:
            return self._fault_header("crashed", "the worker exited before the call")
        try:
            return wire.recv(self.sock, deadline=time.monotonic() + timeout)
        except wire.Timeout:
            self.kill()
            return {
                "_status": "timeout",
                "_fault": f"timeout: no result within {timeout:g} s",
            }, None
        except wire.BadFrame as exc:
            self.kill()
            return {"_status": "crashed", "_fault": f"crashed: bad reply ({exc})"}, None
        except (wire.Closed, OSError):
            return self._fault_header("crashed", "")

    def _fault_header(self, status: str, text: str) -> tuple[dict[str, Any], Any]:
        outcome = self._fault(status, text)
        return {"_status": outcome.status, "_fault": outcome.message}, None

    def _fault(self, status: str, text: str) -> Outcome:
        """The worker is gone (or must go): say why, from its exit status when there is one."""
        if not text:
            zygote = self.executor._zygote_client
            code = zygote.wait_exit(self.pid, 5.0) if zygote is not None and self.pid else None
            self.exited = code
            text = sandbox.describe_exit(code)
        self.kill()
        return Outcome(status, message=f"{status}: {text}")

    def kill(self) -> None:
        """SIGKILL the worker's outer process (its pid namespace dies with it) and its process group."""
        if self.pidfd is not None:
            try:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
                with contextlib.suppress(OSError):
                    os.killpg(
                        self.pid, signal.SIGKILL
                    )  # alive until now, so the group id is its own
            except OSError:
                pass
            os.close(self.pidfd)
            self.pidfd = None
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.workdir.exists():
            shutil.rmtree(self.workdir, ignore_errors=True)

    def close(self) -> None:
        """Ask the worker to exit; kill it if it does not within 2 s."""
        if self.sock is not None:
            with contextlib.suppress(OSError):
                wire.send(self.sock, {"op": "bye"})
            zygote = self.executor._zygote_client
            if self.pid is not None and zygote is not None:
                zygote.wait_exit(self.pid, 2.0)
        self.kill()


def import_message(group: str, err: dict[str, Any]) -> str:
    """Why importing exercises/<group>.py failed, for every case of the group."""
    kind = str(err.get("type", "error"))
    text = str(err.get("message", ""))
    where = err.get("where") or []
    at = f" ({where[-1]})" if where else ""
    if kind == "SyntaxError" or kind in ("IndentationError", "TabError"):
        return f"exercises/{group}.py has a syntax error: {text}{at}"
    if kind == "SystemExit":
        return f"importing exercises/{group}.py called sys.exit(){at}"
    if kind == "OSError" and err.get("errno") == 27:
        return f"importing exercises/{group}.py wrote more than {sandbox.LOG_CAP >> 20} MiB of output{at}"
    return f"importing exercises/{group}.py raised {kind}: {text}{at}"


def _read_logs(
    segments: list[tuple[Path, int]],
    limit: int = 4000,
    *,
    keep: Path | None = None,
    end: int | None = None,
) -> tuple[str, int, bool]:
    """(tail of the output, bytes written, whether the cap was hit) of ``segments`` -- (log, start offset):
    a task's share of each worker's log. Deletes the logs but ``keep`` (a worker that goes on with the next
    task), whose segment ends at ``end``."""
    chunks: list[str] = []
    total = 0
    flood = False
    for path, begin in segments:
        try:
            size = path.stat().st_size
        except OSError:
            continue
        stop = min(size, end) if path == keep and end is not None else size
        total += max(0, stop - begin)
        flood = flood or stop >= sandbox.LOG_CAP
        tail = max(begin, stop - limit)
        with open(path, "rb") as f:
            f.seek(tail)
            chunks.append(f.read(max(0, stop - tail)).decode("utf-8", errors="replace"))
        if path != keep:
            path.unlink(missing_ok=True)
    text = "".join(chunks)
    return text[-limit:], total, flood
