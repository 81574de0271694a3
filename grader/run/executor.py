"""The seam between the grading loop (grader/grading/) and wherever learner code runs: Task in, TaskReply out.

A :class:`Task` is self-contained plain data: the staged files (graded sources + trusted helpers), the calls
(case name, driver, inputs as arrays and scalars, the graded functions each call exercises), and the limits.
Its :class:`TaskReply` is plain data too: per call the outputs or what went wrong, the output tail, the
isolation report. Nothing in either needs this machine, so an :class:`Executor` is a seam with two
implementations: grader/run/local.py (this machine's sandboxed workers, forked by one zygote) and
grader/run/dask_client.py (the same tasks on a ``dask.distributed`` cluster, each node with its own zygote and
sandbox). Verdicts are decided only in trusted processes: the caller, or the executor's own trusted processes
when it says so (:attr:`Executor.remote_verdicts`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Call:
    case: str
    driver: str
    inputs: Any  # plain data (wire-able); None when the executor draws them where it runs
    device: str = "cpu"
    functions: tuple[str, ...] = ()


@dataclass
class Task:
    learner: str
    group: str
    files: dict[str, bytes]  # relpath -> content (exercises/__init__.py, helpers, graded files)
    graded: list[str]  # relpaths of the graded file(s) whose code the guard watches
    calls: list[Call]
    timeout: float = 10.0
    memory_mb: int = 4096
    cuda: bool = False


@dataclass
class Outcome:
    status: str  # ok | error | timeout | crashed | not run
    outputs: Any = None
    error: dict[str, Any] = field(default_factory=dict)
    refused: list[dict[str, str]] = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0


@dataclass
class TaskReply:
    outcomes: dict[str, Outcome]
    import_error: Outcome | None = None
    isolation: dict[str, Any] = field(default_factory=dict)
    output: str = ""  # tail of what the graded code printed
    output_bytes: int = 0
    flood: bool = False
    seconds: float = 0.0
    # case name -> grader.judging.cases.Verdict, for the cases an executor with ``remote_verdicts`` decided
    # where the task ran (its outputs then stay there: the outcomes carry none)
    verdicts: dict[str, Any] = field(default_factory=dict)


class ExecutorStartError(RuntimeError):
    """The executor cannot run learner code at all (its zygote did not start, its cluster is unreachable or runs
    another kit): nothing is graded with it. The one error type a caller of an executor catches."""

    def report(self) -> str:
        """The line `grade` prints (after "grade: ") when grading stops on this error."""
        return f"error: {self} (nothing written)"


class Executor(ABC):
    """Runs tasks; nothing is judged here unless :attr:`remote_verdicts` says so.

    - ``submit(task)``: run one self-contained (submission, group) :class:`Task`; the future's result is its
      :class:`TaskReply` (a fault of the learner's code is in the reply; an exception means the executor failed).
    - ``submit_bundle(tasks)``: one submission's CPU tasks, in order (an executor may share one worker between
      them); the future's result is one reply per task, in order.
    - ``warm()``: start what takes long to start (a zygote importing torch) now, in the background.
    - ``slots``: tasks it runs at once now (the caller keeps about twice as many in flight).
    - ``start_error``: set once the executor cannot run anything; raised by the caller after the run.
    - ``close()``: stop workers and free what ``__init__`` took.
    """

    #: True: the executor draws each call's hidden inputs and decides its verdicts in its own trusted
    #: processes (grader/run/dask_node.py); the caller neither draws nor ships inputs and reads
    #: ``TaskReply.verdicts``. False: calls carry their inputs and the caller judges the outputs.
    remote_verdicts: bool = False
    start_error: ExecutorStartError | None = None

    @property
    @abstractmethod
    def slots(self) -> int: ...

    def warm(self) -> None:  # noqa: B027 - optional: nothing to start early by default
        """Start in the background what the first task would otherwise wait for."""

    @abstractmethod
    def submit(self, task: Task) -> Future[TaskReply]: ...

    @abstractmethod
    def submit_bundle(self, tasks: list[Task]) -> Future[list[TaskReply]]: ...

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
