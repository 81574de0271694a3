"""The untrusted worker: one per submission (its exercise groups in turn), forked by the zygote, sandboxed at once.

It imports the graded file and runs trusted drivers (grader/inside/drivers/<group>.py, staged next to this module)
on inputs the parent sends, and replies with plain data only (grader/inside/wire.py). It never sees a reference or a
hidden test, and it decides nothing: a forged reply can only claim outputs.

Requests (parent -> worker), one frame each, answered in order:

    {"op": "setup"}   value {"files": {relpath: uint8 array}}  -> write the staged files into the empty cwd
    {"op": "group", "group": g, "graded": [...]}                -> go on with exercise group g (same files)
    {"op": "import"}                                            -> import exercises.<group> under the guard
    {"op": "call", "driver": name, "device": "cpu"|"cuda"}  value inputs  -> run the driver under the guard
    {"op": "bye"}                                               -> exit 0

Replies: {"ok": true, "refused": [...], "seconds": s} value outputs, or {"ok": false, "error": {...}}.
The first frame the worker sends is {"kind": "hello", "isolation": <sandbox report>}.
"""

from __future__ import annotations

import importlib
import importlib.abc
import io
import os
import socket
import sys
import time
import traceback
from typing import Any

from . import sandbox, wire
from .forbidden import rules_for

BLOCKED = ("solutions", "grader", "tests")  # never importable by graded code


class _Blocker(importlib.abc.MetaPathFinder):
    """Refuse the kit's trusted packages (they are also absent from sys.path and hidden by the sandbox)."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname.split(".")[0] in BLOCKED:
            raise ImportError(f"{fullname} is not available to graded code")
        return None


def run(sock_fd: int, log_fd: int, config: dict[str, Any]) -> None:
    """Entry point in the forked child; never returns."""
    code = 0
    try:
        isolation = sandbox.enter(config, sock_fd, log_fd)
        _stdio()
        sock = socket.socket(fileno=sock_fd)
        code = Worker(sock, config, isolation).serve()
    except BaseException:
        try:
            traceback.print_exc()
        finally:
            code = 70
    finally:
        os._exit(code)


def _stdio() -> None:
    """Unbuffered text streams on the capped log: nothing is lost when graded code calls os._exit()."""
    for fd, name in ((1, "stdout"), (2, "stderr")):
        raw = io.FileIO(fd, "w", closefd=False)
        stream = io.TextIOWrapper(
            raw, encoding="utf-8", errors="backslashreplace", write_through=True
        )
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


class Worker:
    def __init__(
        self, sock: socket.socket, config: dict[str, Any], isolation: dict[str, Any]
    ) -> None:
        self.sock = sock
        self.config = config
        self.group: str = config["group"]
        self.isolation = isolation
        self.module: Any = None
        self.drivers = importlib.import_module(f"{__package__}.drivers.{self.group}")
        self.guard: Any = None
        self.graded: set[str] = set()

    def serve(self) -> int:
        try:
            import torch

            torch.set_num_threads(1)
        except ImportError:
            pass
        sys.meta_path.insert(0, _Blocker())
        for name in list(sys.modules):
            if name.split(".")[0] in BLOCKED:
                del sys.modules[name]
        wire.send(self.sock, {"kind": "hello", "isolation": self.isolation, "pid": os.getpid()})
        while True:
            try:
                header, value = wire.recv(self.sock, allowed=wire.REQUEST_DTYPES, cap=1 << 31)
            except (wire.Closed, wire.BadFrame):
                return 0
            op = header.get("op")
            if op == "bye":
                return 0
            handler = {
                "setup": self.setup,
                "group": self.switch,
                "import": self.load,
                "call": self.call,
            }.get(op)
            if handler is None:
                self.reply_error(ValueError(f"unknown op {op!r}"))
                continue
            handler(header, value)

    # --- ops ----------------------------------------------------------------------------------------------

    def setup(self, header: dict[str, Any], value: Any) -> None:
        cwd = os.getcwd()
        files = (value or {}).get("files", {})
        for rel, data in files.items():
            parts = [p for p in rel.split("/") if p]
            if not parts or any(p in (".", "..") for p in parts):
                continue
            path = os.path.join(cwd, *parts)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data.tobytes())
        sys.path.insert(0, cwd)
        importlib.invalidate_caches()
        self._use_group(self.group, self.drivers, header.get("graded", []))
        wire.send(self.sock, {"ok": True})

    def switch(self, header: dict[str, Any], value: Any) -> None:
        """Go on with another exercise group of the same submission: its rules, drivers and graded file."""
        group = str(header.get("group", ""))
        try:
            drivers = importlib.import_module(f"{__package__}.drivers.{group}")
        except ImportError as exc:
            self.reply_error(exc)
            return
        self._use_group(group, drivers, header.get("graded", []))
        wire.send(self.sock, {"ok": True})

    def _use_group(self, group: str, drivers: Any, graded: list[str]) -> None:
        """Make ``group`` current: its drivers, its graded file(s) and its guard (the previous one taken off)."""
        from .guard import Guard

        if self.guard is not None:
            self.guard.uninstall()
        cwd = os.getcwd()
        self.graded = {os.path.realpath(os.path.join(cwd, *g.split("/"))) for g in graded}
        self.group, self.drivers, self.module = group, drivers, None
        self.guard = Guard(rules_for(group), self.graded)
        self.guard.install()

    def load(self, header: dict[str, Any], value: Any) -> None:
        start = time.perf_counter()
        try:  # the wrappers are installed; module-level code may use anything (no inputs exist yet)
            hook = getattr(self.drivers, "before_import", None)
            if (
                hook is not None
            ):  # e.g. Triton's mode (compiled / interpreted) for this worker's device
                hook(bool(self.config.get("cuda")))
            self.module = importlib.import_module(f"exercises.{self.group}")
        except BaseException as exc:
            self.reply_error(exc)
            return
        self.reply_ok(None, start)

    def call(self, header: dict[str, Any], value: Any) -> None:
        start = time.perf_counter()
        self.guard.refusals.clear()
        driver = getattr(self.drivers, str(header.get("driver")), None)
        if driver is None or self.module is None:
            self.reply_error(
                LookupError(f"no driver {header.get('driver')!r} or module not imported")
            )
            return
        try:
            with self.guard.active():
                outputs = driver(self.module, value, header.get("device", "cpu"))
            plain = wire.to_plain(outputs)
        except BaseException as exc:
            self.reply_error(exc)
            return
        try:
            self.reply_ok(plain, start)
        except wire.BadFrame as exc:
            self.reply_error(exc)

    # --- replies -----------------------------------------------------------------------------------------

    def reply_ok(self, value: Any, start: float) -> None:
        refused = list(self.guard.refusals) if self.guard else []
        header = {"ok": True, "refused": refused, "seconds": time.perf_counter() - start}
        wire.send(self.sock, header, value)

    def reply_error(self, exc: BaseException) -> None:
        refused = list(self.guard.refusals) if self.guard else []
        error = {
            "type": type(exc).__name__,
            "message": _clip(_message(exc), 2000),
            "where": _where(exc, self.graded),
            "errno": getattr(exc, "errno", None)
            if isinstance(getattr(exc, "errno", None), int)
            else None,
        }
        if isinstance(exc, SyntaxError):
            error["line"] = exc.lineno if isinstance(exc.lineno, int) else None
        wire.send(self.sock, {"ok": False, "error": error, "refused": refused})


def _message(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"sys.exit({exc.code!r}) was called"
    if isinstance(exc, SyntaxError):
        return f"{exc.msg} (line {exc.lineno})"
    try:
        return str(exc)
    except Exception:
        return "<unprintable message>"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 20] + " ... [truncated]"


def _where(exc: BaseException, graded: set[str]) -> list[str]:
    """The graded file's frames of the traceback (file, line, function, code), innermost last."""
    out = []
    try:
        for fs in traceback.extract_tb(exc.__traceback__):
            if os.path.realpath(fs.filename) in graded:
                rel = "exercises/" + os.path.basename(fs.filename)
                out.append(
                    _clip(f"{rel}, line {fs.lineno}, in {fs.name}: {(fs.line or '').strip()}", 300)
                )
    except Exception:
        return out
    if isinstance(exc, SyntaxError) and exc.filename and os.path.realpath(exc.filename) in graded:
        out.append(f"exercises/{os.path.basename(exc.filename)}, line {exc.lineno}")
    return out[-6:]
