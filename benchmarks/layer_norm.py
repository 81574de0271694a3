"""Layer norm implementations side by side: median ms, GB/s and the ratio to torch's F.layer_norm.

    python benchmarks/layer_norm.py [--quick] [--markdown [FILE]] [--rounds N] [--threads N]
                                    [--devices cpu,cuda] [--no-compile] [--cold-compile] [--system-malloc]
                                    [--plot FILE.png]

Rows, per device, shape and dtype (fwd = forward with inputs that require grad, as in training;
fwd+bwd = forward then torch.autograd.grad; bwd = backward alone, on a retained graph):
  numpy naive        Python loop over the rows, solutions.layer_norm.layer_norm_forward per row (CPU, fwd)
  numpy vectorized   solutions.layer_norm.layer_norm_forward / _backward on the whole array (CPU)
  F.layer_norm       torch.nn.functional.layer_norm: ATen's fused kernels, the baseline of every ratio
  Function           solutions.layer_norm_torch.LayerNormFunction, eager: one kernel per torch op
  Function compiled  the same Function under torch.compile (inductor; its compile time is printed); skipped,
                     with the reason, where no C++ compiler (CPU) or Triton (CUDA) is present
  F.layer_norm compiled  F.layer_norm under torch.compile: inductor's own lowering of the op, the best a
                     compiled layer norm gets from this torch (same skips); the yardstick for the row above
  Triton             solutions.layer_norm_triton.LayerNormTritonFunction: the fused Triton kernels (CUDA only,
                     at TRITON_SHAPES in float16, bfloat16 and float32, beside F.layer_norm); on a machine
                     without CUDA the rows are skipped and the notes give an interpreter check of correctness
                     only (Triton's interpreter runs numpy on the CPU: its times mean nothing)
Shapes: CPU (32, 128), (4096, 768), (8192, 4096) float32; CUDA the same plus (16384, 8192), float32 and bfloat16
(--quick: the two smaller CPU shapes and CUDA up to (8192, 4096), fewer rounds: a CI-sized run).
Triton targets (issue #18, a current datacenter GPU): fwd >= 90 % of copy bandwidth at (4096, 8192) float16 and
faster than F.layer_norm; bwd (dx + dweight + dbias) not slower than F.layer_norm's.

Method: every implementation of one (device, shape, dtype) is timed in the same process, interleaved -- each
round runs each row once, in a rotating order -- so drift and other load hit all rows alike; a row's time is
the median over rounds of one call (a round repeats fast calls to last >= ~10 ms). CUDA: synchronized timing.
CPU memory: glibc's malloc is told to keep freed memory (keep_freed_memory(); --system-malloc to not), else a
row's time includes page faults that depend on what the row before it freed.
GB/s = the bytes an ideal kernel must move / time: fwd reads x and writes out (2 tensors of x's size), bwd
reads x and grad_out and writes dx (3), fwd+bwd 5; weight, bias and statistics are negligible. "% copy" is that
rate against the device's measured copy bandwidth (dst.copy_(src), bytes read + written): the roofline of a
memory-bound op. Eager composed ops cannot reach it: each op re-reads its inputs from memory (the pass counts
are in the Function's docstrings).

SPEC targets (CPU, (4096, 768) float32, fwd+bwd): eager Function <= 5x F.layer_norm, compiled <= 1.3x; the
summary lines at the end print both ratios, and the compiled Function against inductor's own compiled
F.layer_norm (a ratio <= 1 there: the gap to ATen is inductor's code generation, not the Function's formula).
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import importlib.util
import os
import platform
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solutions.layer_norm import layer_norm_backward, layer_norm_forward  # noqa: E402
from solutions.layer_norm_torch import LayerNormFunction  # noqa: E402

EPS = 1e-5
CPU_SHAPES = [(32, 128), (4096, 768), (8192, 4096)]
CUDA_SHAPES = [(32, 128), (4096, 768), (8192, 4096), (16384, 8192)]
TENSORS = {"fwd": 2, "bwd": 3, "fwd+bwd": 5}  # x-sized tensors an ideal kernel reads or writes
# torch.compile of the eager rows of these names (the name less " compiled")
COMPILED = ("Function compiled", "F.layer_norm compiled")
TRITON_SHAPES = [(4096, 768), (4096, 8192), (16384, 8192)]
TRITON_DTYPES = [torch.float16, torch.bfloat16, torch.float32]


def _load_triton() -> tuple[object | None, str]:
    """solutions.layer_norm_triton (its kernels compiled on CUDA, interpreted without), or why not."""
    try:
        import solutions.layer_norm_triton as module
    except Exception as exc:  # no wheel for this platform, a broken install
        return None, f"Triton not available here ({type(exc).__name__}: {exc})"
    return module, ""


def triton_rows(device: str, shape: tuple[int, int], dtype: torch.dtype) -> list[Row]:
    """F.layer_norm and the Triton Function on the same tensors (fwd, bwd, fwd+bwd); skipped without CUDA."""
    m, n = shape
    name = str(dtype).removeprefix("torch.")
    size = m * n * torch.empty((), dtype=dtype).element_size()
    module, why = _load_triton()
    if not device.startswith("cuda"):
        why = why or "no CUDA device (the interpreter checks correctness only: see the notes)"
    if module is None or why:
        return [
            Row(device, shape, name, "Triton", p, None, TENSORS[p] * size, skip=why)
            for p in TENSORS
        ]
    gen = torch.Generator().manual_seed(0)
    x = (torch.randn(m, n, generator=gen) * 2 + 1).to(device=device, dtype=dtype).requires_grad_()
    w = (torch.rand(n, generator=gen) + 0.5).to(device=device, dtype=dtype).requires_grad_()
    b = torch.randn(n, generator=gen).to(device=device, dtype=dtype).requires_grad_()
    g = torch.randn(m, n, generator=gen).to(device=device, dtype=dtype)
    impls = {
        "F.layer_norm": lambda: F.layer_norm(x, (n,), w, b, EPS),
        "Triton": lambda: module.LayerNormTritonFunction.apply(x, w, b, EPS),
    }
    rows = []
    for impl, fn in impls.items():
        out = fn()
        rows += [
            Row(device, shape, name, impl, "fwd", fn, TENSORS["fwd"] * size),
            Row(
                device,
                shape,
                name,
                impl,
                "bwd",
                lambda out=out: torch.autograd.grad(out, (x, w, b), g, retain_graph=True),
                TENSORS["bwd"] * size,
            ),
            Row(
                device,
                shape,
                name,
                impl,
                "fwd+bwd",
                lambda fn=fn: torch.autograd.grad(fn(), (x, w, b), g),
                TENSORS["fwd+bwd"] * size,
            ),
        ]
    return rows


def triton_interpreter_check() -> str:
    """Without CUDA: the Triton Function under the interpreter against F.layer_norm in float64, at a small
    shape with a masked tail. Correctness only: interpreter times are not kernel times."""
    module, why = _load_triton()
    if module is None:
        return f"Triton: {why}"
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(64, 769, generator=gen).requires_grad_()
    w = (torch.rand(769, generator=gen) + 0.5).requires_grad_()
    b = torch.randn(769, generator=gen).requires_grad_()
    g = torch.randn(64, 769, generator=gen)
    got = torch.autograd.grad(module.LayerNormTritonFunction.apply(x, w, b, EPS), (x, w, b), g)
    x64, w64, b64 = (t.detach().double().requires_grad_() for t in (x, w, b))
    ref = torch.autograd.grad(F.layer_norm(x64, (769,), w64, b64, EPS), (x64, w64, b64), g.double())
    worst = max(float((a.double() - r).abs().max()) for a, r in zip(got, ref, strict=True))
    return (
        "Triton (interpreter, no CUDA): correctness only, not timed: fwd+bwd at (64, 769) float32 within "
        f"{worst:.1e} of float64 F.layer_norm"
    )


@dataclass
class Row:
    device: str
    shape: tuple[int, int]
    dtype: str
    impl: str
    phase: str  # fwd | bwd | fwd+bwd
    fn: Callable[[], object] | None
    nbytes: int
    skip: str = ""
    inner: int = 1
    times: list[float] = field(default_factory=list)

    @property
    def ms(self) -> float:
        return statistics.median(self.times) * 1e3 if self.times else float("nan")

    @property
    def gbs(self) -> float:
        return self.nbytes / (self.ms * 1e-3) / 1e9 if self.times else float("nan")


# --- what runs -------------------------------------------------------------------------------------


def keep_freed_memory() -> str:
    """Make glibc's malloc keep freed memory in the process (no mmap, no trimming); say what was done.

    With glibc's defaults a freed tensor of more than a few MB goes back to the kernel (munmap, or a trim of
    the heap), so the next call's tensors are fresh pages: every call pays a page fault per 4 KB it writes
    (about 1 ms per 12.6 MB tensor here), and whether it does depends on what the *previous* row freed -- in
    interleaved timing, the neighbours. Training processes do not see that cost once warm (PyTorch's CPU
    tuning guide recommends jemalloc or tcmalloc, which keep freed memory), so every row is timed without
    it; --system-malloc times glibc's defaults instead.
    """
    name = ctypes.util.find_library("c")
    if not name or platform.system() != "Linux":
        return "allocator: the platform's default (mallopt is glibc's)"
    try:
        libc = ctypes.CDLL(name)
        m_trim_threshold, m_mmap_max = -1, -4  # glibc's malloc.h
        ok = libc.mallopt(m_mmap_max, 0) == 1 and libc.mallopt(m_trim_threshold, 2**31 - 1) == 1
    except (OSError, AttributeError):
        ok = False
    if not ok:
        return "allocator: the platform's default (mallopt unavailable)"
    return (
        "allocator: glibc malloc keeps freed memory (mallopt M_MMAP_MAX=0, M_TRIM_THRESHOLD=2^31-1): no "
        "page faults from memory handed back between calls (--system-malloc: glibc's defaults)"
    )


def _sync(device: str) -> Callable[[], None]:
    return torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)


def _compile_problem(device: str) -> str:
    """Why torch.compile cannot run here, or "" when it can."""
    if device == "cpu":
        cxx = os.environ.get("CXX")
        if not (cxx and shutil.which(cxx)) and not any(
            shutil.which(c) for c in ("g++", "c++", "clang++")
        ):
            return "no C++ compiler (g++, c++, clang++ or $CXX) on PATH: inductor's CPU backend needs one"
    elif importlib.util.find_spec("triton") is None:
        return "Triton is not installed: inductor's CUDA backend needs it"
    return ""


def torch_rows(
    device: str,
    shape: tuple[int, int],
    dtype: torch.dtype,
    compile_ok: str,
    compile_times: dict[str, float],
) -> list[Row]:
    m, n = shape
    gen = torch.Generator().manual_seed(0)
    x = (torch.randn(m, n, generator=gen) * 2 + 1).to(device=device, dtype=dtype).requires_grad_()
    w = (torch.rand(n, generator=gen) + 0.5).to(device=device, dtype=dtype).requires_grad_()
    b = torch.randn(n, generator=gen).to(device=device, dtype=dtype).requires_grad_()
    g = torch.randn(m, n, generator=gen).to(device=device, dtype=dtype)
    size = m * n * x.element_size()
    name = str(dtype).removeprefix("torch.")

    impls: dict[str, Callable] = {
        "F.layer_norm": lambda x, w, b: F.layer_norm(x, (n,), w, b, EPS),
        "Function": lambda x, w, b: LayerNormFunction.apply(x, w, b, EPS),
    }
    # why each compiled row is skipped (no C++ compiler, --no-compile, or its own compile failure)
    skipped = dict.fromkeys(COMPILED, compile_ok) if compile_ok else {}
    if not compile_ok:
        _compile_rows(
            impls, skipped, (x, w, b), g, device, f"{device} {shape} {name}", compile_times
        )

    rows = []
    for impl, fn in impls.items():
        out = fn(x, w, b)  # a graph to run backward on, again and again (retain_graph)
        rows += [
            Row(device, shape, name, impl, "fwd", lambda fn=fn: fn(x, w, b), TENSORS["fwd"] * size),
            Row(
                device,
                shape,
                name,
                impl,
                "bwd",
                lambda out=out: torch.autograd.grad(out, (x, w, b), g, retain_graph=True),
                TENSORS["bwd"] * size,
            ),
            Row(
                device,
                shape,
                name,
                impl,
                "fwd+bwd",
                lambda fn=fn: torch.autograd.grad(fn(x, w, b), (x, w, b), g),
                TENSORS["fwd+bwd"] * size,
            ),
        ]
    rows += [
        Row(device, shape, name, impl, p, None, TENSORS[p] * size, skip=why)
        for impl, why in skipped.items()
        for p in TENSORS
    ]
    return rows


def _compile_rows(
    impls: dict[str, Callable],
    skipped: dict[str, str],
    args: tuple[torch.Tensor, ...],
    g: torch.Tensor,
    device: str,
    label: str,
    compile_times: dict[str, float],
) -> None:
    """Add each COMPILED impl to ``impls``, compiled and run once (its compile time in ``compile_times``), or
    say in ``skipped`` why it is not."""
    torch._dynamo.reset()  # a fresh cache per shape: a fair compile time, no recompile limit
    # The bwd rows re-run one graph (retain_graph=True), which a backward that donates its saved buffers
    # to its outputs refuses; donation saves memory, not time.
    import torch._functorch.config as functorch_config

    if hasattr(functorch_config, "donated_buffer"):
        functorch_config.donated_buffer = False
    # "F.layer_norm compiled" is inductor's own lowering of the same op (its decomposition of
    # native_layer_norm and its backward): what torch.compile makes of a layer norm at best, the
    # yardstick for the compiled Function beside ATen's hand-written kernels.
    for impl in COMPILED:
        eager_fn = impls[impl.removesuffix(" compiled")]
        compiled = torch.compile(lambda x, w, b, f=eager_fn: f(x, w, b), dynamic=False)
        try:
            sync = _sync(device)
            start = time.perf_counter()
            out = compiled(*args)
            sync()
            middle = time.perf_counter()
            torch.autograd.grad(out, args, g)
            sync()
        except Exception as exc:  # shown as the reason the row is skipped
            first = str(exc).splitlines()[0][:120] if str(exc) else ""
            skipped[impl] = f"torch.compile failed: {type(exc).__name__}: {first}"
            continue
        key = f"{label} {impl}"
        compile_times[key] = time.perf_counter() - start
        compile_times[f"{key} (fwd only)"] = middle - start
        impls[impl] = compiled


def numpy_rows(shape: tuple[int, int]) -> list[Row]:
    m, n = shape
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 2 + 1).astype(np.float32)
    gamma = rng.uniform(0.5, 1.5, n).astype(np.float32)
    beta = rng.standard_normal(n).astype(np.float32)
    dout = rng.standard_normal(shape).astype(np.float32)
    size = x.nbytes

    def naive() -> None:
        for i in range(m):  # one sample at a time: what vectorizing removes
            layer_norm_forward(x[i], gamma, beta)

    def vectorized_both() -> None:
        _, cache = layer_norm_forward(x, gamma, beta)
        layer_norm_backward(dout, cache)

    return [
        Row("cpu", shape, "float32", "numpy naive", "fwd", naive, TENSORS["fwd"] * size),
        Row(
            "cpu",
            shape,
            "float32",
            "numpy vectorized",
            "fwd",
            lambda: layer_norm_forward(x, gamma, beta),
            TENSORS["fwd"] * size,
        ),
        Row(
            "cpu",
            shape,
            "float32",
            "numpy vectorized",
            "fwd+bwd",
            vectorized_both,
            TENSORS["fwd+bwd"] * size,
        ),
    ]


def copy_bandwidth(device: str, quick: bool) -> float:
    """GB/s of dst.copy_(src), counting bytes read and written: the memory roofline of the device."""
    n = (64 if quick else 256) * 2**20 * (4 if device.startswith("cuda") else 1)
    src = torch.ones(n // 4, device=device)
    dst = torch.empty_like(src)
    sync = _sync(device)
    times = []
    for _ in range(5 if quick else 15):
        sync()
        start = time.perf_counter()
        dst.copy_(src)
        sync()
        times.append(time.perf_counter() - start)
    return 2 * n / statistics.median(times) / 1e9


# --- timing ------------------------------------------------------------------------------------------


def run_interleaved(rows: list[Row], rounds: int, target_s: float) -> None:
    live = [r for r in rows if r.fn is not None and not r.skip]
    if not live:
        return
    sync = _sync(live[0].device)
    for row in live:  # warm-up, and how many calls make one timed sample last ~target_s
        row.fn()
        sync()
        start = time.perf_counter()
        row.fn()
        sync()
        once = time.perf_counter() - start
        row.inner = max(1, min(1000, int(target_s / max(once, 1e-7))))
    for r in range(rounds):
        order = live[r % len(live) :] + live[: r % len(live)]  # rotate: no row always first
        for row in order:
            sync()
            start = time.perf_counter()
            for _ in range(row.inner):
                row.fn()
            sync()
            row.times.append((time.perf_counter() - start) / row.inner)


# --- output ------------------------------------------------------------------------------------------

HEADER = (
    "device",
    "shape",
    "dtype",
    "implementation",
    "pass",
    "ms",
    "GB/s",
    "% copy",
    "x F.layer_norm",
)


def table(rows: list[Row], roofline: dict[str, float]) -> list[tuple[str, ...]]:
    base = {(r.device, r.shape, r.dtype, r.phase): r.ms for r in rows if r.impl == "F.layer_norm"}
    out = []
    for r in rows:
        if r.skip or not r.times:
            out.append(
                (
                    r.device,
                    f"{r.shape[0]}x{r.shape[1]}",
                    r.dtype,
                    r.impl,
                    r.phase,
                    "-",
                    "-",
                    "-",
                    f"skipped: {r.skip}",
                )
            )
            continue
        ref = base.get((r.device, r.shape, r.dtype, r.phase))
        ratio = f"{r.ms / ref:.2f}" if ref else "-"
        out.append(
            (
                r.device,
                f"{r.shape[0]}x{r.shape[1]}",
                r.dtype,
                r.impl,
                r.phase,
                _num(r.ms),
                f"{r.gbs:.1f}",
                f"{100 * r.gbs / roofline[r.device]:.0f}%",
                ratio,
            )
        )
    return out


def _num(ms: float) -> str:
    return f"{ms:.3f}" if ms < 1 else f"{ms:.2f}" if ms < 100 else f"{ms:.0f}"


def render_text(lines: list[tuple[str, ...]]) -> str:
    widths = [
        max([len(h), *(len(line[i]) for line in lines if len(line[i]) < 40)])
        for i, h in enumerate(HEADER)
    ]
    fmt = lambda cells: "  ".join(  # noqa: E731
        c.ljust(w) if i < 5 else c.rjust(w)
        for i, (c, w) in enumerate(zip(cells, widths, strict=True))
    ).rstrip()
    return "\n".join([fmt(HEADER), fmt(tuple("-" * w for w in widths)), *map(fmt, lines)])


def render_markdown(lines: list[tuple[str, ...]]) -> str:
    head = (
        "| "
        + " | ".join(HEADER)
        + " |\n|"
        + "|".join("---" if i < 5 else "---:" for i in range(len(HEADER)))
        + "|\n"
    )
    return head + "\n".join("| " + " | ".join(line) + " |" for line in lines)


def summary(rows: list[Row]) -> list[str]:
    def ms(impl: str) -> float | None:
        for r in rows:
            if (r.device, r.shape, r.dtype, r.impl, r.phase) == (
                "cpu",
                (4096, 768),
                "float32",
                impl,
                "fwd+bwd",
            ) and r.times:
                return r.ms
        return None

    out: list[str] = []
    base, eager = ms("F.layer_norm"), ms("Function")
    comp, inductor = ms("Function compiled"), ms("F.layer_norm compiled")
    if base is None or eager is None:
        return out
    head = "CPU (4096, 768) float32 fwd+bwd:"
    out.append(
        f"{head} eager Function {eager / base:.2f}x F.layer_norm; {verdict(eager / base, 5.0)}"
    )
    if comp is not None:
        out.append(
            f"{head} compiled Function {comp / base:.2f}x F.layer_norm; {verdict(comp / base, 1.3)}"
        )
    if comp is not None and inductor is not None:
        out.append(
            f"{head} inductor's own compiled F.layer_norm {inductor / base:.2f}x F.layer_norm; the compiled "
            f"Function is {comp / inductor:.2f}x that"
        )
    return out


def verdict(ratio: float, target: float) -> str:
    """One line's verdict on a "<= target" ratio: met or not met, and by how much."""
    if ratio <= target:
        return f"target <= {target:g}x met ({target - ratio:.2f}x to spare)"
    return f"target <= {target:g}x NOT met ({ratio - target:.2f}x over, {ratio / target:.2f}x the target)"


def triton_summary(rows: list[Row], roofline: dict[str, float] | None = None) -> list[str]:
    """The Triton targets at (4096, 8192) float16 on CUDA: fwd % of copy bandwidth and vs F.layer_norm, bwd."""
    found = {
        (r.impl, r.phase): r
        for r in rows
        if r.device.startswith("cuda")
        and r.shape == (4096, 8192)
        and r.dtype == "float16"
        and r.times
    }
    tri, base = found.get(("Triton", "fwd")), found.get(("F.layer_norm", "fwd"))
    out = []
    if tri and base:
        out.append(
            f"CUDA (4096, 8192) float16 fwd: Triton {tri.ms / base.ms:.2f}x F.layer_norm's time; "
            f"{verdict(tri.ms / base.ms, 1.0)}"
        )
        if roofline:
            pct = 100 * tri.gbs / roofline[tri.device]
            met = "met" if pct >= 90 else f"NOT met ({90 - pct:.0f} points short)"
            out.append(
                f"CUDA (4096, 8192) float16 fwd: Triton at {pct:.0f}% of copy bandwidth; target >= 90% {met}"
            )
    tri, base = found.get(("Triton", "bwd")), found.get(("F.layer_norm", "bwd"))
    if tri and base:
        out.append(
            f"CUDA (4096, 8192) float16 bwd: Triton {tri.ms / base.ms:.2f}x F.layer_norm's time; "
            f"{verdict(tri.ms / base.ms, 1.0)}"
        )
    return out


def plot(rows: list[Row], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = sorted(
        {(r.device, r.shape, r.dtype) for r in rows if r.phase == "fwd+bwd" and r.times}
    )
    impls = sorted({r.impl for r in rows if r.phase == "fwd+bwd" and r.times})
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(groups)), 4))
    width = 0.8 / max(1, len(impls))
    for k, impl in enumerate(impls):
        values = [
            next(
                (
                    r.ms
                    for r in rows
                    if (r.device, r.shape, r.dtype) == gr
                    and r.impl == impl
                    and r.phase == "fwd+bwd"
                    and r.times
                ),
                float("nan"),
            )
            for gr in groups
        ]
        ax.bar(np.arange(len(groups)) + k * width, values, width, label=impl)
    ax.set_xticks(np.arange(len(groups)) + 0.4 - width / 2)
    ax.set_xticklabels([f"{d}\n{s[0]}x{s[1]}\n{t}" for d, s, t in groups], fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("fwd+bwd median ms (log)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


# --- main --------------------------------------------------------------------------------------------


def main() -> int:
    args = _parser().parse_args()
    rounds = args.rounds or (5 if args.quick else 15)
    target_s = 0.002 if args.quick else 0.01
    devices, notes = _setup(args)
    rows: list[Row] = []
    roofline: dict[str, float] = {}
    compile_times: dict[str, float] = {}
    for device in devices:
        roofline[device] = copy_bandwidth(device, args.quick)
        label = torch.cuda.get_device_name() if device == "cuda" else "CPU"
        notes.append(
            f"{device} ({label}): copy bandwidth {roofline[device]:.1f} GB/s (the roofline)"
        )
        rows += _time_device(device, args, rounds, target_s, notes, compile_times)
    caches = (
        "off (--cold-compile)" if args.cold_compile else "on: a rerun may reuse earlier kernels"
    )
    for key, seconds in compile_times.items():
        notes.append(
            f"torch.compile time {key}: {seconds:.1f} s (first call; inductor caches {caches})"
        )
    _report(rows, roofline, notes, args)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="CI-sized: smaller shapes, fewer rounds"
    )
    parser.add_argument(
        "--rounds", type=int, default=None, help="interleaved rounds (default 15, quick 5)"
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="torch CPU threads (default: torch's)"
    )
    parser.add_argument(
        "--devices", default=None, help="comma list: cpu,cuda (default: cpu, and cuda if any)"
    )
    parser.add_argument("--no-compile", action="store_true", help="skip the torch.compile rows")
    parser.add_argument(
        "--system-malloc",
        action="store_true",
        help="leave glibc's malloc at its defaults (freed large tensors go back to the kernel, and the next "
        "call page-faults them in again)",
    )
    parser.add_argument(
        "--cold-compile",
        action="store_true",
        help="disable inductor's on-disk caches: the compile time of a first run on a fresh machine",
    )
    parser.add_argument(
        "--markdown",
        nargs="?",
        const="-",
        default=None,
        metavar="FILE",
        help="markdown table to FILE (or stdout when no FILE is given)",
    )
    parser.add_argument("--plot", type=Path, default=None, help="bar chart of fwd+bwd times (PNG)")
    return parser


def _setup(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """Apply the process-wide options (allocator, threads, inductor caches); (devices, the notes so far)."""
    allocator = (
        "allocator: glibc's defaults (--system-malloc)"
        if args.system_malloc
        else keep_freed_memory()
    )
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.cold_compile:
        import torch._inductor.config as inductor_config

        inductor_config.force_disable_caches = True
    devices = (
        args.devices.split(",")
        if args.devices
        else ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    )
    notes = [
        f"torch {torch.__version__}, numpy {np.__version__}, Python {platform.python_version()}, "
        f"{torch.get_num_threads()} torch CPU threads, {os.cpu_count()} CPUs"
        + (f" ({platform.processor()})" if platform.processor() else ""),
        allocator,
    ]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    if load > 0.5 * (os.cpu_count() or 1):
        notes.append(
            f"WARNING: the machine is busy (1-minute load {load:.1f} on {os.cpu_count()} CPUs): CPU "
            "times and ratios are unreliable; multi-threaded kernels (F.layer_norm's) suffer most -- "
            "rerun on an idle machine, or with --threads 1"
        )
    if "cuda" in devices and not torch.cuda.is_available():
        notes.append("cuda: skipped (CUDA not available)")
        devices.remove("cuda")
    return devices, notes


def _time_device(
    device: str,
    args: argparse.Namespace,
    rounds: int,
    target_s: float,
    notes: list[str],
    compile_times: dict[str, float],
) -> list[Row]:
    """Every row of one device, timed: the Triton kernels (CUDA; on the CPU one interpreted shape, untimed),
    then each shape and dtype's numpy / torch / compiled rows."""
    problem = "--no-compile" if args.no_compile else _compile_problem(device)
    if problem:
        notes.append(f"{device}: the torch.compile rows skipped: {problem}")
    shapes = CPU_SHAPES if device == "cpu" else CUDA_SHAPES
    if args.quick:
        shapes = shapes[:2] if device == "cpu" else shapes[:3]
    dtypes = [torch.float32] if device == "cpu" else [torch.float32, torch.bfloat16]
    rows: list[Row] = []
    if device.startswith("cuda"):
        for shape in TRITON_SHAPES[:2] if args.quick else TRITON_SHAPES:
            for dtype in TRITON_DTYPES:
                group = triton_rows(device, shape, dtype)
                print(f"timing {device} {shape} {dtype} Triton ...", file=sys.stderr, flush=True)
                run_interleaved(group, rounds, target_s)
                rows += group
                del group
                torch.cuda.empty_cache()
    else:
        rows += triton_rows(device, TRITON_SHAPES[0], torch.float32)
        notes.append(triton_interpreter_check())
    for shape in shapes:
        for dtype in dtypes:
            group = torch_rows(device, shape, dtype, problem, compile_times)
            if device == "cpu" and dtype == torch.float32:
                group = numpy_rows(shape) + group
            print(
                f"timing {device} {shape} {str(dtype).removeprefix('torch.')} ...",
                file=sys.stderr,
                flush=True,
            )
            run_interleaved(group, rounds, target_s)
            rows += group
            if device.startswith("cuda"):
                del group
                torch.cuda.empty_cache()
    return rows


def _report(
    rows: list[Row], roofline: dict[str, float], notes: list[str], args: argparse.Namespace
) -> None:
    lines = table(rows, roofline)
    text = render_text(lines)
    # with --markdown on stdout, the plain table is progress: stderr, so stdout holds the markdown only
    plain = sys.stderr if args.markdown == "-" else sys.stdout
    print(text, file=plain)
    print("\n".join(notes), file=plain)
    print("\n".join(summary(rows)), file=plain)
    print("\n".join(triton_summary(rows, roofline)), file=plain)
    if args.markdown:
        md = (
            f"`python benchmarks/layer_norm.py {' '.join(sys.argv[1:])}`\n\n"
            + render_markdown(lines)
            + "\n\n"
            + "\n".join(f"- {n}" for n in notes + summary(rows) + triton_summary(rows, roofline))
            + "\n"
        )
        if args.markdown == "-":
            print(md)
        else:
            Path(args.markdown).write_text(md)
            print(f"markdown written to {args.markdown}")
    if args.plot:
        plot(rows, args.plot)
        print(f"plot written to {args.plot}")


if __name__ == "__main__":
    sys.exit(main())
