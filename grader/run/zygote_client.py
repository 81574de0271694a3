"""The zygote: a fresh interpreter that imports numpy, torch and matplotlib once and forks workers on order.

Parent side, :class:`ZygoteClient` starts it as ``python -I -S -B -c BOOT`` with a clean environment: isolated mode
(no PYTHONPATH, no user site, no current folder on sys.path), no ``site`` (so no ``.pth`` file, e.g. an editable
install of the kit, runs), then ``sys.path`` = the standard library + the staging folder (a copy of the
worker-side modules and drivers, package ``normlab_worker``) + site-packages. It is *not* a fork of the parent,
whose memory holds references, and never initialises CUDA (a forked child cannot reuse a CUDA context; each GPU
worker makes its own).

Orders come on a SOCK_SEQPACKET socketpair that only the parent holds (not multiprocessing's forkserver, which
listens on a socket any same-user process can reach and speaks pickle): one JSON message each, with file
descriptors attached by SCM_RIGHTS::

    parent -> zygote   {"op": "fork", "id": n, "config": {...}}  + fds [worker socket, log file]
    zygote -> parent   {"op": "ready", ...} once; {"op": "forked", "id": n, "pid": p};
                       {"op": "exit", "pid": p, "status": wait status} when a worker ends.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from grader.inside.zygote import MAX_MSG
from grader.run.executor import ExecutorStartError

BOOT = (
    "import sys, json\n"
    "cfg = json.loads(sys.argv[1])\n"
    "sys.path[:0] = [cfg['pkg_root']]\n"
    "sys.path.extend(cfg['site'])\n"
    "from normlab_worker.zygote import main\n"
    "main(cfg)\n"
)


# --- parent side ----------------------------------------------------------------------------------------


class ZygoteError(ExecutorStartError):
    """The zygote did not start, or could not fork a worker."""

    def report(self) -> str:
        return f"could not start the sandboxed workers: {self}"


class ZygoteClient:
    """The parent's end of the zygote (grader/inside/zygote.py is the zygote itself): start it, order forks,
    learn how workers ended."""

    def __init__(self, pkg_root: Path, run_dir: Path, groups: list[str], site: list[str]) -> None:
        self.pkg_root = pkg_root
        self.run_dir = run_dir
        self.groups = groups
        self.site = site
        self.proc: subprocess.Popen | None = None
        self.ctrl: socket.socket | None = None
        self.ready: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._cond = threading.Condition()
        self._forked: dict[int, int] = {}
        self._status: dict[int, int] = {}
        self._next = 0
        self._reader: threading.Thread | None = None
        self._dead = False

    def start(self, timeout: float = 120.0) -> None:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        cfg = {
            "pkg_root": str(self.pkg_root),
            "site": self.site,
            "ctrl_fd": child.fileno(),
            "groups": self.groups,
        }
        env = self._environment()
        log = open(self.run_dir / "zygote.log", "ab")
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-B", "-c", BOOT, json.dumps(cfg)],
                pass_fds=(child.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.run_dir,
                env=env,
                start_new_session=True,
            )
        finally:
            log.close()
            child.close()
        self.ctrl = parent
        parent.settimeout(timeout)
        try:
            msg = json.loads(parent.recv(MAX_MSG) or b"{}")
        except (TimeoutError, ValueError) as exc:
            self.close()
            raise ZygoteError(
                f"the zygote did not start: {exc}; see {self.run_dir / 'zygote.log'}"
            ) from None
        if msg.get("op") != "ready":
            tail = (self.run_dir / "zygote.log").read_text(errors="replace")[-2000:]
            self.close()
            raise ZygoteError(f"the zygote did not start:\n{tail}")
        self.ready = msg
        parent.settimeout(None)
        self._reader = threading.Thread(target=self._read, name="zygote-reader", daemon=True)
        self._reader.start()

    def _environment(self) -> dict[str, str]:
        """The zygote's whole environment: nothing of the parent's but the device and CPU-kernel choices."""
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "HOME": str(self.run_dir),
            "TMPDIR": str(self.run_dir),
            "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": str(self.run_dir / "mpl"),
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "PYTHONHASHSEED": "0",
            "PYTHONIOENCODING": "utf-8:backslashreplace",
            # torch.cuda.is_available() without initialising CUDA here: forked workers make their own
            "PYTORCH_NVML_BASED_CUDA_CHECK": "1",
        }
        # the CPU kernels torch and numpy pick (a kit test grades as on another CPU with them)
        for key in (
            "CUDA_VISIBLE_DEVICES",
            "NVIDIA_VISIBLE_DEVICES",
            "LD_LIBRARY_PATH",
            "ATEN_CPU_CAPABILITY",
            "NPY_DISABLE_CPU_FEATURES",
        ):
            if key in os.environ:
                env[key] = os.environ[key]
        return env

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None and not self._dead

    def _read(self) -> None:
        # the socket is held here: close() may clear self.ctrl while this thread is between two reads, and a
        # read on the closed socket then ends the loop (OSError) instead of failing on None
        ctrl = self.ctrl
        assert ctrl is not None
        while True:
            try:
                data = ctrl.recv(MAX_MSG)
            except OSError:
                data = b""
            if not data:
                with self._cond:
                    self._dead = True
                    self._cond.notify_all()
                return
            try:
                msg = json.loads(data)
            except ValueError:
                continue
            with self._cond:
                if msg.get("op") == "forked":
                    self._forked[int(msg["id"])] = int(msg["pid"])
                elif msg.get("op") == "exit":
                    self._status[int(msg["pid"])] = int(msg["status"])
                self._cond.notify_all()

    def fork(self, config: dict[str, Any], sock_fd: int, log_fd: int, timeout: float = 30.0) -> int:
        """Order a worker; return its pid (in the parent's pid namespace)."""
        if not self.alive or self.ctrl is None:
            raise ZygoteError("the zygote is not running")
        with self._lock:
            self._next += 1
            order_id = self._next
            payload = json.dumps({"op": "fork", "id": order_id, "config": config}).encode()
            socket.send_fds(self.ctrl, [payload], [sock_fd, log_fd])
        deadline = time.monotonic() + timeout
        with self._cond:
            while order_id not in self._forked:
                left = deadline - time.monotonic()
                if left <= 0 or self._dead:
                    raise ZygoteError("the zygote did not fork a worker")
                self._cond.wait(left)
            return self._forked.pop(order_id)

    def wait_exit(self, pid: int, timeout: float) -> int | None:
        """The wait status of worker ``pid`` once the zygote reaped it; None if not within ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while pid not in self._status:
                left = deadline - time.monotonic()
                if left <= 0 or self._dead:
                    return None
                self._cond.wait(left)
            return self._status.pop(pid)

    def forget(self, pid: int) -> None:
        with self._cond:
            self._status.pop(pid, None)

    def close(self) -> None:
        if self.ctrl is not None:
            try:
                self.ctrl.send(b'{"op": "quit"}')
            except OSError:
                pass
            self.ctrl.close()
            self.ctrl = None
        if self.proc is not None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
