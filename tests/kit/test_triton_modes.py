"""Triton's mode per worker (kit): the interpreter for CPU tasks, compiled kernels for CUDA tasks.

Triton reads TRITON_INTERPRET when a kernel is decorated, triton.language's own at ``import triton``: a zygote that
imported Triton would fork only interpreted workers, and the hidden ``cuda_*`` cases of layer_norm_triton would run
in the interpreter instead of on the GPU. These checks run on any CPU (decorating a kernel needs no GPU).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from grader import ROOT
from grader.judging.cases import load_cases

pytestmark = pytest.mark.kit

triton = pytest.importorskip("triton", reason="Triton is not installed here (no wheel)")


def _run(code: str, tmp_path) -> str:
    """``code`` in a fresh interpreter, from a file (a compiled @triton.jit function needs its source)."""
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    env["PYTHONPATH"] = str(ROOT)
    script = tmp_path / "modes.py"
    script.write_text(code)
    proc = subprocess.run(
        [sys.executable, str(script)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip()


def test_the_driver_sets_the_interpreter_default_without_importing_triton(tmp_path):
    out = _run(
        "import os, sys\n"
        "import grader.inside.drivers.layer_norm_triton\n"
        "print('triton' in sys.modules, os.environ['TRITON_INTERPRET'])\n",
        tmp_path,
    )
    assert out == "False 1"


@pytest.mark.parametrize(("cuda", "kind"), [(True, "JITFunction"), (False, "InterpretedFunction")])
def test_a_worker_decorates_the_graded_kernels_for_its_device(cuda, kind, tmp_path):
    """What the worker does before importing the graded file (grader/inside/worker.py, ``load``)."""
    out = _run(
        "import grader.inside.drivers.layer_norm_triton as d\n"
        f"d.before_import({cuda})\n"
        "import triton, triton.language as tl\n"
        "@triton.jit\n"
        "def k(x_ptr, n: tl.constexpr):\n"
        "    tl.store(x_ptr + tl.arange(0, n), tl.sum(tl.load(x_ptr + tl.arange(0, n))))\n"
        "print(type(k).__name__)\n"
        "try:\n"
        f"    d.before_import({not cuda})\n"
        "except RuntimeError as exc:\n"
        "    print('refused:', 'cannot switch' in str(exc))\n",
        tmp_path,
    )
    assert out.splitlines() == [kind, "refused: True"]


def test_the_group_has_cuda_cases_for_parity_and_determinism():
    cuda = [c for c in load_cases("layer_norm_triton") if c.device == "cuda"]
    names = {c.name for c in cuda}
    assert {"cuda_module", "cuda_deterministic_gradients"} <= names
    assert {c.driver for c in cuda} == {"kernels", "module"}


_LAUNCH_ONCE = r"""
import os, sys
os.environ["TRITON_INTERPRET"] = "1"
import torch
import triton
import triton.language as tl
from triton.runtime import interpreter
from exercises.feedback.triton import patch_each_launch_once
from solutions import layer_norm_triton as ref

program_id, arange = tl.program_id, tl.arange  # builtins: the interpreter points them at numpy during a launch
calls = [0]
stock = interpreter._patch_lang
def counted(fn):
    calls[0] += 1
    return stock(fn)
interpreter._patch_lang = counted


@triton.jit
def _helper(v):  # a @triton.jit function of the learner's own, called inside a kernel
    return tl.sum(v, axis=0) * 2.0


@triton.jit
def _kernel(x_ptr, out_ptr, N: tl.constexpr):
    i = tl.program_id(0)
    v = tl.load(x_ptr + i * N + tl.arange(0, N))
    tl.store(out_ptr + i, _helper(v) + tl.max(v, axis=0))


def run():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(5, 300, generator=g)
    w, b, dy = torch.rand(300, generator=g) + 0.5, torch.randn(300, generator=g), torch.randn(5, 300, generator=g)
    y, mean, rstd = ref.layer_norm_fwd(x, w, b, 1e-5)
    dx, dw, db = ref.layer_norm_bwd(dy, x, w, mean, rstd)
    out = torch.empty(5)
    _kernel[(5,)](x[:, :256].contiguous(), out, N=256)
    return [t.clone() for t in (y, mean, rstd, dx, dw, db, out)]


before = run()
n_before, calls[0] = calls[0], 0
assert patch_each_launch_once() and patch_each_launch_once()  # applies, once
after = run()
assert all(torch.equal(a, b) for a, b in zip(before, after, strict=True)), "outputs differ"
assert tl.program_id is program_id and tl.arange is arange, "triton.language left patched after a launch"
print(n_before, calls[0])
"""


def test_the_learner_interpreter_speed_up_changes_no_number(tmp_path):
    """exercises/feedback/triton.patch_each_launch_once (the public tests' Triton set-up): the reference's
    kernels and a kernel calling a @triton.jit helper of its own give bit-identical outputs with and without
    it, and the interpreter's set-up of triton.language runs once per launch instead of at every nested call."""
    n_before, n_after = map(int, _run(_LAUNCH_ONCE, tmp_path).split())
    launches = 4  # fwd, bwd dx, bwd dw/db, the helper kernel
    assert n_before > 3 * launches, (
        n_before
    )  # tl.sum, tl.max and the helper repeat it inside each launch
    assert launches <= n_after < n_before / 2, (n_before, n_after)
