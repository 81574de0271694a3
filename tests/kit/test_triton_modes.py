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
