"""Trusted verdict servers: the parent's verdicts computed on every core, not in one thread.

Judging a case runs the reference (and, on a failure, the mutants) on the case's inputs in a trusted process
(grader/judging/evaluate.py). For cheap cases that is nothing, but a case that trains a model costs as much in the
parent as in the worker, and one Python thread would then bound the whole class run. A :class:`VerdictPool`
keeps ``n`` verdict servers -- fresh interpreters of this kit, started on first use, as trusted as the parent
itself, never sandboxed and never reachable by a worker (each talks only over a socketpair to the parent) --
and spreads verdict requests over them.

A request carries no inputs: the server draws them again from (seed, learner, group, case) with the same
code as the parent, so it judges exactly what the worker computed on. It carries the learner's outputs as
decoded from the worker's reply, over the same wire (plain data, never pickle), and gets back the verdict.
"""

from __future__ import annotations

import contextlib
import os
import queue
import socket
import subprocess
import sys
import threading
from concurrent.futures import Future
from typing import Any

from grader import ROOT
from grader.inside import wire
from grader.judging.cases import Verdict

BOOT = "from grader.judging.pool import serve; serve()"


def serve() -> None:
    """Server side: answer verdict requests on fd NORMLAB_VERDICT_FD until the parent closes it."""
    import os as _os

    _os.environ.setdefault("MPLBACKEND", "Agg")
    sock = socket.socket(fileno=int(_os.environ["NORMLAB_VERDICT_FD"]))
    from grader.judging.cases import load_cases
    from grader.judging.evaluate import case_inputs, case_verdict

    cases: dict[str, dict[str, Any]] = {}
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    while True:
        try:
            header, outputs = wire.recv(sock, cap=1 << 31)
        except (wire.Closed, OSError):
            return
        try:
            group = str(header["group"])
            if group not in cases:
                cases[group] = {c.name: c for c in load_cases(group)}
            case = cases[group][str(header["case"])]
            inputs = case_inputs(
                group, case, seed=int(header["seed"]), learner=str(header["learner"])
            )
            verdict = case_verdict(group, case, inputs, outputs)
            reply = {
                "passed": bool(verdict.passed),
                "message": str(verdict.message),
                "hint": verdict.hint,
            }
        except Exception as exc:  # a kit bug: say so in the verdict, keep serving
            reply = {
                "passed": False,
                "message": f"grader error: {type(exc).__name__}: {exc}",
                "hint": None,
            }
        wire.send(sock, reply)


class _VerdictServer:
    def __init__(self) -> None:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = dict(os.environ)
        env["NORMLAB_VERDICT_FD"] = str(child.fileno())
        env["OMP_NUM_THREADS"] = "1"
        env.setdefault("MPLBACKEND", "Agg")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", BOOT],
            cwd=ROOT,
            env=env,
            pass_fds=(child.fileno(),),
            stdin=subprocess.DEVNULL,
        )
        child.close()
        self.sock = parent

    def verdict(self, request: dict[str, Any], outputs: Any) -> Verdict:
        wire.send(self.sock, request, outputs)
        header, _ = wire.recv(self.sock)
        return Verdict(
            bool(header.get("passed")), str(header.get("message", "")), header.get("hint")
        )

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class VerdictPool:
    """``n`` verdict servers behind a queue; ``submit`` returns a Future of the Verdict."""

    def __init__(self, n: int) -> None:
        self.n = max(1, n)
        self._jobs: queue.Queue = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def submit(
        self, group: str, case: str, seed: int, learner: str, outputs: Any
    ) -> Future[Verdict]:
        fut: Future[Verdict] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the verdict pool is closed")
            if len(self._threads) < self.n and self._jobs.qsize() >= len(self._threads):
                t = threading.Thread(target=self._run, name="verdicts", daemon=True)
                t.start()
                self._threads.append(t)
        request = {"group": group, "case": case, "seed": seed, "learner": learner}
        self._jobs.put((fut, request, outputs))
        return fut

    def _run(self) -> None:
        server: _VerdictServer | None = None
        try:
            while True:
                item = self._jobs.get()
                if item is None:
                    return
                fut, request, outputs = item
                if not fut.set_running_or_notify_cancel():
                    continue
                try:
                    if server is None:
                        server = _VerdictServer()
                    fut.set_result(server.verdict(request, outputs))
                except (wire.BadFrame, wire.Closed, OSError) as exc:
                    if server is not None:
                        server.close()
                        server = None
                    fut.set_exception(RuntimeError(f"verdict server failed: {exc}"))
        finally:
            if server is not None:
                server.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            threads = list(self._threads)
        for _ in threads:
            self._jobs.put(None)
        for t in threads:
            t.join(timeout=30)
