"""Public tests for exercises/layer_norm_triton.py. `pytest -m layer_norm_triton` runs only these.

Without a CUDA device the kernels run in Triton's interpreter (the ``ln_triton`` fixture sets TRITON_INTERPRET=1),
so the shapes are small but chosen to hit the tail masks (N = 1, 7, 769, 1000) and the block loop (N = 20,000:
longer than one block of float32). Oracles: stored reference values (tests/data/layer_norm_triton.npz, with the
known mistakes' outputs that pick the hints), torch in float64 (F.layer_norm, nn.LayerNorm) as an
independent implementation, torch.autograd.gradcheck, bit-identical reruns. Tests marked `gpu` compare the
compiled kernels with the interpreter and with torch on CUDA; they are skipped, with the reason, without CUDA.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.autograd.gradcheck import GradcheckError
from torch.overrides import TorchFunctionMode

from exercises.feedback.checks import FLOAT32_VS_64, HALF_TOLERANCES, check_outputs, fail, mismatch
from exercises.feedback.fast_torch import backward, gradcheck
from exercises.feedback.stored import Spec, load

pytestmark = pytest.mark.layer_norm_triton

EPS = 1e-5
DTYPES = {
    "float64": torch.float64,
    "float32": torch.float32,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
}
FORWARD = ("y", "mean", "rstd")
GRADS = ("dx", "dweight", "dbias")
# what the wrappers may not compute with (the kernels do it): torch's normalizations and reductions
REFUSED = ("norm", "sum", "mean", "var", "std", "prod", "cumsum", "einsum", "matmul", "mm", "dot")


def _tensor(a: Any, dtype: str, device: str = "cpu") -> torch.Tensor:
    return torch.as_tensor(np.asarray(a)).to(device=device, dtype=DTYPES[str(dtype)])


def _exact(a: np.ndarray, dtype: str) -> np.ndarray:
    """a rounded to values the dtype represents exactly (halves come back as float32)."""
    t = torch.as_tensor(np.asarray(a, dtype=np.float64)).to(DTYPES[dtype])
    return (t.float() if dtype in ("float16", "bfloat16") else t).numpy()


def _inputs(m, n, seed, *, dtype="float32", loc=0.0, scale=1.0, weight=True, bias=True, pad=0):
    rng = np.random.default_rng(seed)
    d = {"x": loc + scale * rng.standard_normal((m, n)), "dy": rng.standard_normal((m, n))}
    if weight:
        d["weight"] = rng.uniform(0.5, 2.0, n)
    if bias:
        d["bias"] = rng.standard_normal(n)
    d = {k: _exact(v, dtype) for k, v in d.items()}
    d["dtype"] = np.array(dtype)
    d["pad"] = np.array(
        pad
    )  # > 0: x is a slice x_big[:, :n] of a (m, n + pad) tensor (row stride n + pad)
    return d


def _x(x, dtype, pad, device="cpu") -> torch.Tensor:
    t = _tensor(x, dtype, device)
    if int(pad) > 0:
        big = torch.full((t.shape[0], t.shape[1] + int(pad)), 1e3, dtype=t.dtype, device=device)
        big[:, : t.shape[1]] = t
        t = big[:, : t.shape[1]]
    return t


def _np(t: Any) -> Any:
    if isinstance(t, torch.Tensor):
        t = t.detach().cpu()
        return (t.float() if t.dtype == torch.bfloat16 else t).numpy()
    return t


def run_forward(m, x, dtype, pad, weight=None, bias=None) -> tuple[dict[str, Any], tuple]:
    """layer_norm_fwd(x, weight, bias): its outputs as arrays, and what layer_norm_bwd takes (x, weight, mean,
    rstd)."""
    dtype = str(dtype)
    xt = _x(x, dtype, pad)
    wt = None if weight is None else _tensor(weight, dtype)
    bt = None if bias is None else _tensor(bias, dtype)
    y, mean, rstd = m.layer_norm_fwd(xt, wt, bt, EPS)
    got = {k: _np(v) for k, v in {"y": y, "mean": mean, "rstd": rstd}.items()}
    got = {
        k: v.copy() if isinstance(v, np.ndarray) else v for k, v in got.items()
    }  # not views bwd can write
    return got, (xt, wt, mean, rstd)


def run_backward(m, forward: tuple, dy, dtype) -> dict[str, Any]:
    """layer_norm_bwd(dy, x, weight, mean, rstd) on what run_forward returned."""
    xt, wt, mean, rstd = forward
    dx, dweight, dbias = m.layer_norm_bwd(_tensor(dy, str(dtype)), xt, wt, mean, rstd)
    return {k: _np(v) for k, v in {"dx": dx, "dweight": dweight, "dbias": dbias}.items()}


def run_kernels(m, x, dy, dtype, pad, weight=None, bias=None) -> dict[str, Any]:
    """layer_norm_fwd(x, weight, bias) then layer_norm_bwd(dy, x, weight, mean, rstd)."""
    got, forward = run_forward(m, x, dtype, pad, weight, bias)
    return {**got, **run_backward(m, forward, dy, dtype)}


# (M, N, seed, keyword arguments of _inputs): tails, a single element, one row, the block loop, halves, strides
CASES: dict[str, tuple[int, int, int, dict[str, Any]]] = {
    "n7": (3, 7, 0, {}),
    "n1": (2, 1, 1, {}),
    "m1_n769_no_affine": (1, 769, 2, {"weight": False, "bias": False}),
    "n1000_no_bias": (6, 1000, 3, {"bias": False, "loc": 3.0, "scale": 2.0}),
    "n20000_multiblock": (3, 20000, 4, {}),
    "float16_n1000": (3, 1000, 5, {"dtype": "float16", "loc": 20.0, "scale": 2.0}),
    "bfloat16_n300": (3, 300, 6, {"dtype": "bfloat16", "loc": 20.0, "scale": 2.0}),
    "strided_rows": (3, 100, 7, {"pad": 28}),
}


def _tolerance(dtype: str) -> tuple[float, float]:
    return HALF_TOLERANCES.get(dtype, FLOAT32_VS_64 if dtype == "float32" else (1e-7, 1e-7))


STORED = {
    name: Spec(
        lambda a=args: _inputs(a[0], a[1], a[2], **a[3]),
        run_kernels,
        _tolerance(args[3].get("dtype", "float32")),
    )
    for name, args in CASES.items()
}


@pytest.fixture(scope="module")
def stored():
    return load("layer_norm_triton")


def _describe(c) -> str:
    i = c.inputs
    dtype = str(i["dtype"])
    x = f"x {tuple(i['x'].shape)} {dtype}" + (
        f" with row stride {i['x'].shape[1] + int(i['pad'])}" if int(i["pad"]) else ""
    )
    w = "None" if "weight" not in i else str(tuple(i["weight"].shape))
    b = "None" if "bias" not in i else str(tuple(i["bias"].shape))
    return f"layer_norm_fwd({x}, weight {w}, bias {b}, eps={EPS})"


# Each stored case's kernels run once a session: the forward test and the backward test judge the same run (in
# the interpreter every launch costs milliseconds per program). A forward that raises is not kept: each test that
# needs it raises again, and a stub backward fails only the backward tests.
_RUNS: dict[tuple[int, str, str], Any] = {}


def _stored_run(m, c, case: str, part: str) -> dict[str, Any]:
    """The arrays of ``part`` ("forward": y, mean, rstd; "backward": dx, dweight, dbias) of stored case ``case``
    run through ``m``'s kernels, computed at the first test that asks."""
    key = (id(m), case, "forward")
    if key not in _RUNS:
        args = c.args()
        _RUNS[key] = run_forward(
            m, args["x"], args["dtype"], args["pad"], args.get("weight"), args.get("bias")
        )
    got, forward = _RUNS[key]
    if part == "forward":
        return got
    key = (id(m), case, "backward")
    if key not in _RUNS:
        args = c.args()
        _RUNS[key] = run_backward(m, forward, args["dy"], args["dtype"])
    return _RUNS[key]


@pytest.mark.parametrize("case", CASES)
def test_forward_matches_stored_values(ln_triton, stored, case):
    c = stored[case]
    got = _stored_run(ln_triton, c, case, "forward")
    rtol, atol = _tolerance(str(c.inputs["dtype"]))
    check_outputs(
        got, c.expected, c.mistakes, call=_describe(c), names=list(FORWARD), rtol=rtol, atol=atol
    )


@pytest.mark.parametrize("case", CASES)
def test_backward_matches_stored_values(ln_triton, stored, case):
    c = stored[case]
    got = _stored_run(ln_triton, c, case, "backward")
    rtol, atol = _tolerance(str(c.inputs["dtype"]))
    names = [n for n in GRADS if n in c.expected]
    atol = max(
        atol, 1e-5 * float(np.abs(c.expected["dx"]).max())
    )  # dx is a difference of larger terms
    check_outputs(
        got,
        c.expected,
        c.mistakes,
        call=_describe(c) + ", then layer_norm_bwd(dy, x, weight, mean, rstd)",
        names=names,
        rtol=rtol,
        atol=atol,
    )


# --- against torch in float64 (an independent implementation) --------------------------------------


def _truth(x, weight, bias, dy):
    x64 = torch.as_tensor(np.asarray(x, np.float64)).requires_grad_()
    w64 = (
        None if weight is None else torch.as_tensor(np.asarray(weight, np.float64)).requires_grad_()
    )
    b64 = None if bias is None else torch.as_tensor(np.asarray(bias, np.float64)).requires_grad_()
    y = F.layer_norm(x64, x64.shape[-1:], w64, b64, EPS)
    backward(y, torch.as_tensor(np.asarray(dy, np.float64)))
    out = {"y": y.detach().numpy(), "dx": x64.grad.numpy()}
    out.update({"dweight": w64.grad.numpy()} if w64 is not None else {})
    out.update({"dbias": b64.grad.numpy()} if b64 is not None else {})
    return out


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_matches_float64_truth_within_a_few_ulps(ln_triton, dtype):
    i = _inputs(2, 1000, 10, dtype=dtype, loc=-15.0, scale=1.5)
    got = run_kernels(ln_triton, **i)
    truth = _truth(i["x"], i["weight"], i["bias"], i["dy"])
    rtol, atol = _tolerance(dtype)
    expected = {k: _exact(v, dtype) for k, v in truth.items()}
    expected["dx"] = expected["dx"]
    for name in ("y", *GRADS):
        scale = float(np.abs(expected[name]).max()) if name == "dx" else 1.0
        why = mismatch(
            got[name], expected[name], rtol, atol * max(1.0, scale) * (10 if name == "dx" else 1)
        )
        if why:
            fail(
                f"layer_norm_fwd/bwd(x (2, 1000) {dtype}) against torch in float64",
                f"{name}: {why}",
                "tri-half-accumulation" if dtype != "float32" else None,
            )


def test_large_mean_small_spread_float32(ln_triton):
    """mean 1e4, std 0.01: a one-pass E[x^2] - E[x]^2 gives NaN or errors of 10 and more; two passes ~0.2."""
    i = _inputs(4, 1000, 11, loc=1e4, scale=0.01, weight=False, bias=False)
    y, _, _ = ln_triton.layer_norm_fwd(_tensor(i["x"], "float32"), None, None, EPS)
    truth = _truth(i["x"], None, None, i["dy"])["y"]
    why = mismatch(_np(y), truth, 0.0, 1.0)
    if why:
        fail("layer_norm_fwd(x (4, 1000) float32, mean 1e4, std 0.01)", f"y: {why}")


def test_the_eps_argument_is_used(ln_triton):
    """Rows of std 0.02 (variance 4e-4) with eps = 3e-4: there eps moves rstd by a third. Checked on the
    kernels' wrapper and on the module (its own eps must reach the kernels)."""
    gen = torch.Generator().manual_seed(5)
    x = 1.0 + 0.02 * torch.randn(4, 100, generator=gen)
    eps = 3e-4
    rtol, atol = FLOAT32_VS_64

    def truth(e: float) -> np.ndarray:
        return F.layer_norm(x.double(), (100,), eps=e).numpy()

    y, _, _ = ln_triton.layer_norm_fwd(x, None, None, eps)
    out = ln_triton.TritonLayerNorm(100, eps=eps)(x.clone())
    for call, got in [
        (f"layer_norm_fwd(x (4, 100) of row std 0.02, None, None, eps={eps})", y),
        (f"TritonLayerNorm(100, eps={eps})(x (4, 100) of row std 0.02)", out),
    ]:
        if mismatch(_np(got), truth(eps), rtol, atol):
            if not mismatch(_np(got), truth(EPS), rtol, atol):
                fail(call, "the result is what eps = 1e-5 gives, not eps = 3e-4", "tri-eps-ignored")
            fail(call, f"y: {mismatch(_np(got), truth(eps), rtol, atol)}")


def test_gradcheck_float64(ln_triton):
    """torch.autograd.gradcheck through LayerNormTritonFunction in float64 (statistics in float64 too)."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 5, dtype=torch.float64, generator=gen).requires_grad_()
    w = (torch.rand(5, dtype=torch.float64, generator=gen) + 0.5).requires_grad_()
    b = torch.randn(5, dtype=torch.float64, generator=gen).requires_grad_()
    fn = ln_triton.LayerNormTritonFunction.apply
    try:
        ok = gradcheck(lambda *t: fn(*t, EPS), (x, w, b), fast_mode=True)
    except GradcheckError as exc:
        fail("gradcheck(LayerNormTritonFunction.apply, x (2, 5) float64)", str(exc).splitlines()[0])
    assert ok


def test_dweight_dbias_are_deterministic(ln_triton):
    """layer_norm_bwd twice on the same inputs (one forward's): bit-identical gradients (no float atomics in a
    varying order, no partial sums read from memory nobody wrote)."""
    i = _inputs(6, 300, 12)
    _, forward = run_forward(ln_triton, i["x"], i["dtype"], i["pad"], i["weight"], i["bias"])
    first = run_backward(ln_triton, forward, i["dy"], i["dtype"])
    second = run_backward(ln_triton, forward, i["dy"], i["dtype"])
    for name in GRADS:
        if not np.array_equal(first[name], second[name]):
            fail(
                "layer_norm_bwd run twice on the same inputs",
                f"{name} differs",
                "tri-nondeterministic",
            )


def test_non_contiguous_rows_are_handled_or_refused_clearly(ln_triton):
    """x.t(): its rows are not contiguous. Either the right result or an error that says so."""
    i = _inputs(6, 4, 13, weight=False, bias=False)
    xt = _tensor(i["x"], "float32").t().contiguous().t()  # (6, 4) with strides (1, 6)
    try:
        y, _, _ = ln_triton.layer_norm_fwd(xt, None, None, EPS)
    except NotImplementedError:
        raise
    except (ValueError, RuntimeError, TypeError) as exc:
        if "contiguous" not in str(exc) and "stride" not in str(exc):
            fail("layer_norm_fwd(x.t())", f"raised {exc!r}: say that x must be contiguous")
        return
    why = mismatch(_np(y), _truth(i["x"], None, None, i["dy"])["y"], *FLOAT32_VS_64)
    if why:
        fail("layer_norm_fwd(x with strides (1, 6))", f"y: {why}", "tri-row-stride")


class _Calls(TorchFunctionMode):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.names.append(getattr(func, "__name__", str(func)))
        return func(*args, **(kwargs or {}))


def test_wrappers_compute_nothing_in_torch(ln_triton):
    """The numbers come from the kernels: no torch normalization or reduction in the wrappers."""
    i = _inputs(3, 40, 14)
    x = _tensor(i["x"], "float32").requires_grad_()
    w = _tensor(i["weight"], "float32").requires_grad_()
    b = _tensor(i["bias"], "float32").requires_grad_()
    with _Calls() as calls:
        backward(ln_triton.LayerNormTritonFunction.apply(x, w, b, EPS), _tensor(i["dy"], "float32"))
    bad = sorted({n for n in calls.names if any(r in n.lower() for r in REFUSED)})
    if bad:
        fail(
            "LayerNormTritonFunction forward + backward",
            f"called torch: {', '.join(bad)}",
            "tri-forbidden-api",
        )


# --- the module --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("affine", "use_bias"), [(True, True), (True, False), (False, False)])
def test_module_matches_torch_layer_norm(ln_triton, affine, use_bias):
    torch.manual_seed(0)
    mine = ln_triton.TritonLayerNorm(48, eps=EPS, elementwise_affine=affine, bias=use_bias)
    ref = torch.nn.LayerNorm(48, eps=EPS, elementwise_affine=affine, bias=use_bias)
    call = f"TritonLayerNorm(48, elementwise_affine={affine}, bias={use_bias})"
    names = [n for n, _ in mine.named_parameters()]
    if names != [n for n, _ in ref.named_parameters()]:
        fail(call, f"parameters {names}, expected {[n for n, _ in ref.named_parameters()]}")
    if mine.extra_repr() != ref.extra_repr():
        fail(call, f"extra_repr() {mine.extra_repr()!r}, expected {ref.extra_repr()!r}")
    with torch.no_grad():
        for (_, p), (_, q) in zip(mine.named_parameters(), ref.named_parameters(), strict=True):
            if not torch.equal(p, q):
                fail(call, "initial parameters differ from torch's (weight ones, bias zeros)")
            p.uniform_(0.5, 1.5)
            q.copy_(p)
    x = torch.randn(2, 2, 48, dtype=torch.float32)
    dy = torch.randn(2, 2, 48)
    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    out = mine(x1)
    backward(out, dy)
    expected = ref(x2)
    backward(expected, dy)
    rtol, atol = FLOAT32_VS_64
    for name, a, e in [
        ("out", out, expected),
        ("dx", x1.grad, x2.grad),
        *[
            (f"d{n}", p.grad, q.grad)
            for (n, p), (_, q) in zip(mine.named_parameters(), ref.named_parameters(), strict=True)
        ],
    ]:
        why = mismatch(_np(a), _np(e), rtol, atol)
        if why:
            fail(call + "(x (2, 2, 48)) against torch.nn.LayerNorm", f"{name}: {why}")


# --- GPU: the compiled kernels against the interpreter and torch ------------------------------------


def _interpreted(m, inputs: dict[str, Any], tmp_path) -> dict[str, Any]:
    """run_kernels on the CPU in Triton's interpreter, in a fresh process: TRITON_INTERPRET is read when a
    kernel (triton.language's own included) is decorated, so one process cannot hold both kinds of kernel."""
    np.savez(tmp_path / "in.npz", **{k: np.asarray(v) for k, v in inputs.items()})
    code = (
        "import sys, numpy as np, importlib.util\n"
        "from tests.test_layer_norm_triton import run_kernels\n"
        "spec = importlib.util.spec_from_file_location('_interpreted', sys.argv[1])\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "i = dict(np.load(sys.argv[2]))\n"
        "np.savez(sys.argv[3], **run_kernels(m, **i))\n"
    )
    env = {**os.environ, "TRITON_INTERPRET": "1", "CUDA_VISIBLE_DEVICES": ""}
    subprocess.run(
        [sys.executable, "-c", code, m.__file__, tmp_path / "in.npz", tmp_path / "out.npz"],
        check=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        timeout=600,
    )
    return dict(np.load(tmp_path / "out.npz"))


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_gpu_compiled_matches_interpreter_and_torch(ln_triton, dtype, tmp_path):
    i = _inputs(64, 4097, 15, dtype=dtype, loc=5.0, scale=2.0)
    xc, wc, bc = (_tensor(i[k], dtype, "cuda") for k in ("x", "weight", "bias"))
    y, mean, rstd = ln_triton.layer_norm_fwd(xc, wc, bc, EPS)
    dx, dw, db = ln_triton.layer_norm_bwd(_tensor(i["dy"], dtype, "cuda"), xc, wc, mean, rstd)
    if y.device.type != "cuda" or y.dtype != xc.dtype:
        fail("layer_norm_fwd on CUDA", f"y is {y.dtype} on {y.device}, expected {xc.dtype} on cuda")
    interp = _interpreted(ln_triton, i, tmp_path)
    rtol, atol = _tolerance(dtype)
    gpu = {"y": y, "mean": mean, "rstd": rstd, "dx": dx, "dweight": dw, "dbias": db}
    for name, value in gpu.items():
        scale = float(np.abs(interp[name]).max()) if name in ("dx", "dweight", "dbias") else 1.0
        why = mismatch(_np(value), interp[name], rtol, atol * max(1.0, scale))
        if why:
            fail(f"compiled vs interpreted kernels on x (64, 4097) {dtype}", f"{name}: {why}")
    ref = F.layer_norm(xc.float(), (4097,), wc.float(), bc.float(), EPS)
    why = mismatch(
        _np(y), _np(ref.to(xc.dtype)), 2 * rtol, 2 * atol + (0.02 if dtype != "float32" else 0)
    )
    if why:
        fail(f"layer_norm_fwd vs F.layer_norm on CUDA, {dtype}", f"y: {why}")


@pytest.mark.gpu
def test_gpu_module_matches_torch(ln_triton):
    torch.manual_seed(0)
    mine = ln_triton.TritonLayerNorm(768, device="cuda")
    ref = torch.nn.LayerNorm(768, device="cuda")
    x = torch.randn(8, 16, 768, device="cuda")
    out, expected = mine(x), ref(x)
    why = mismatch(_np(out), _np(expected), *FLOAT32_VS_64)
    if why:
        fail("TritonLayerNorm(768) vs torch.nn.LayerNorm on CUDA", f"out: {why}")
