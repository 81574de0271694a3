"""The zygote itself (sandbox side): a fresh interpreter that imports numpy, torch and matplotlib once, then
forks a worker per order from the parent (grader/run/zygote_client.py holds the parent's handle and the protocol).

Standard library and the worker's own modules only: nothing of the trusted side of ``grader``.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import sys
import time
from typing import Any

MAX_MSG = 64 * 1024


# --- zygote side ----------------------------------------------------------------------------------------


def main(cfg: dict[str, Any]) -> None:
    ctrl = socket.socket(fileno=int(cfg["ctrl_fd"]))
    t0 = time.perf_counter()
    torch = _import_once(cfg.get("groups", []))
    imported = time.perf_counter() - t0
    from . import sandbox

    pidns = sandbox.PidNamespaces()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    _send(
        ctrl, {"op": "ready", "seconds": imported, "torch": torch.__version__, "pid": os.getpid()}
    )
    while True:
        ready, _, _ = select.select([ctrl, wake_r], [], [], 1.0)
        if wake_r in ready:
            try:
                os.read(wake_r, 4096)
            except BlockingIOError:
                pass
        _reap(ctrl)
        if ctrl not in ready:
            continue
        try:
            data, fds, _, _ = socket.recv_fds(ctrl, MAX_MSG, 4)
        except OSError:
            data, fds = b"", []
        if not data:
            os._exit(0)  # the parent is gone; workers die with us (PDEATHSIG)
        try:
            order = json.loads(data)
        except ValueError:
            for fd in fds:
                os.close(fd)
            continue
        if order.get("op") == "fork" and len(fds) == 2:
            _fork(ctrl, order, fds, pidns, (wake_r, wake_w))
        else:
            for fd in fds:
                os.close(fd)
            if order.get("op") == "quit":
                os._exit(0)


def _import_once(groups: list[str]) -> Any:
    """Everything a worker needs imported (numpy, torch, matplotlib, our modules, the groups' drivers), first
    calls paid, the heap frozen; torch, which the zygote never lets touch CUDA."""
    import importlib

    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import torch

    torch.set_num_threads(1)
    from . import guard, sandbox, worker  # noqa: F401 - the worker's own modules, imported once

    for group in groups:
        mod = importlib.import_module(f"{__package__}.drivers.{group}")
        warm = getattr(mod, "warmup", None)
        if callable(warm):
            warm()
    _warmup(np, torch, plt)
    sandbox.keep_paths()
    if torch.cuda.is_initialized():  # a forked child could not use CUDA any more
        raise RuntimeError("CUDA was initialised in the zygote (by a driver's import or warmup)")
    import gc

    gc.collect()
    gc.freeze()  # workers' collections then never touch (and copy) the zygote's objects
    return torch


def _fork(
    ctrl: socket.socket,
    order: dict[str, Any],
    fds: list[int],
    pidns: Any,
    wake: tuple[int, int],
) -> None:
    """One worker forked on the parent's order (in a pid namespace of its own when isolated); its pid sent."""
    from . import worker

    sys.stdout.flush()
    sys.stderr.flush()
    config = order.get("config") or {}
    if config.get("isolate", True):
        pid, fresh = pidns.fork()
    else:
        pid, fresh = os.fork(), False
    if pid == 0:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.close(wake[0])
        os.close(wake[1])
        ctrl.close()
        worker.run(fds[0], fds[1], {**config, "_pid1": fresh})  # never returns
    for fd in fds:
        os.close(fd)
    _send(ctrl, {"op": "forked", "id": order.get("id"), "pid": pid})


def _warmup(np: Any, torch: Any, plt: Any) -> None:
    """First-call costs paid once here, not in every worker (no CUDA): the guard's torch modes (their
    first use costs about 2 s), autograd, half precision, QR, a drawn figure."""
    from .forbidden import Rules
    from .guard import Guard

    every = Rules(
        refs=("torch.layer_norm",), aten=("layer_norm",), code_files=("torch/nn/init.py",)
    )
    with Guard(every, set()).active():
        x = torch.randn(4, 6, requires_grad=True)
        (x.half().float() * x.to(torch.bfloat16).float()).sum().backward()
    a = np.random.default_rng(0).standard_normal((8, 8))
    np.linalg.qr(a)
    np.histogram(a, bins=4)
    t = torch.randn(8, 8, requires_grad=True)
    (torch.nn.functional.layer_norm(t, (8,)) @ t).sum().backward()
    torch.linalg.qr(t.detach())
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], color=plt.cm.coolwarm(0.5))
    im = ax.imshow(a)
    fig.colorbar(im, ax=ax, label="Count")
    ax.set_title("warmup")
    fig.canvas.draw()
    plt.close(fig)


def _send(ctrl: socket.socket, msg: dict[str, Any]) -> None:
    ctrl.send(json.dumps(msg).encode())


def _reap(ctrl: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _send(ctrl, {"op": "exit", "pid": pid, "status": status})
