"""Hidden cases for the layer_norm_triton group. Parent-only: never copied to a worker or a release.

Inputs are fresh for every learner (grader/judging/cases.py seeds them): odd N (1, 7, 769, 1000, 4097 and random ones),
one row, rows longer than one block, mean 1e4 / std 0.01 in float32, float16/bfloat16, a strided x, the module.
The CPU cases run the kernels in Triton's interpreter in the worker (on every machine), so their shapes stay
small; the ``cuda_*`` cases (graded under ``--gpu``, as every group's) run them compiled on the GPU, at larger N,
with many programs in flight for the determinism check (GPU atomics are where the order varies).

Every numeric result is judged against torch in float64 (F.layer_norm and its autograd, run here in the parent),
rounded to the case dtype: float32 within the kit's float32-vs-float64 bounds, float16/bfloat16 within a few ulps
(SPEC, Numerical judging). The hint is the mutant (grader/mutants/layer_norm_triton_*) whose outputs the learner
reproduces; the mutants and the reference run here through the interpreter only when a case fails.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from grader.judging.cases import Case, JudgeContext, Verdict
from grader.judging.compare import all_of, step_failed, texts_as_expected
from grader.judging.truth import against_truth, exact

KERNELS = ("layer_norm_fwd", "layer_norm_bwd")
# TritonLayerNorm's methods the numerical cases run: never extra_repr, which only module_extra_repr calls (a
# forbidden API or an error there costs that case alone)
TLN = ("TritonLayerNorm.__init__", "TritonLayerNorm.forward")
MOD_FWD = ("layer_norm_fwd", "LayerNormTritonFunction.forward", *TLN)
MOD_ALL = ("layer_norm_fwd", "layer_norm_bwd", "LayerNormTritonFunction", *TLN)
GRADS = ("dx", "dweight", "dbias")
EPS = 1e-5


# --- inputs -------------------------------------------------------------------------------------------


def _inputs(
    rng,
    m,
    n,
    *,
    dtype="float32",
    loc=None,
    scale=None,
    weight=True,
    bias=True,
    pad=0,
    twice=False,
    eps=None,
):
    loc = rng.uniform(-3, 3) if loc is None else loc
    scale = rng.uniform(0.5, 3) if scale is None else scale
    m, n = int(m), int(n)
    d: dict[str, Any] = {
        "x": loc + scale * rng.standard_normal((m, n)),
        "dy": rng.standard_normal((m, n)),
    }
    if weight:
        d["weight"] = rng.uniform(0.5, 2.0, n)
    if bias:
        d["bias"] = rng.standard_normal(n)
    d = {k: exact(v, dtype) for k, v in d.items()}
    d["dtype"] = dtype
    d["pad"] = int(pad)
    d["twice"] = bool(twice)
    if eps is not None:
        d["eps"] = np.float64(eps(rng) if callable(eps) else eps)
    return d


def _module_inputs(rng, *, affine=True, use_bias=True, dtype="float32", eps=False):
    n = int(rng.integers(20, 200))
    shape = (2, 2, n)
    scale = rng.uniform(0.01, 0.03) if eps else rng.uniform(0.5, 3)
    # small spreads (the eps case) sit near 0: around a mean of 3, float32's rounding of x alone moves y ~1e-5
    loc = rng.uniform(-0.05, 0.05) if eps else rng.uniform(-3, 3)
    d = {"x": loc + scale * rng.standard_normal(shape)}
    d["dy"] = rng.standard_normal(shape)
    if affine:
        d["weight"] = rng.uniform(0.5, 2.0, n)
        if use_bias:
            d["bias"] = rng.standard_normal(n)
    d = {k: exact(v, dtype) for k, v in d.items()}
    d.update(dtype=dtype, elementwise_affine=affine, use_bias=use_bias)
    if eps:
        d["eps"] = np.float64(_small_eps(rng))
    return d


def _repr_inputs(rng):
    """The four module cases' configurations, without x: defaults, bias=False in bfloat16, no affine, an eps."""
    configs = []
    for affine, use_bias, dtype, eps in ((True, True, "float32", False),
                                         (True, False, "bfloat16", False),
                                         (False, True, "float32", False),
                                         (True, True, "float32", True)):  # fmt: skip
        config: dict[str, Any] = {
            "n": int(rng.integers(20, 200)),
            "elementwise_affine": affine,
            "use_bias": use_bias,
            "dtype": dtype,
        }
        if eps:
            config["eps"] = np.float64(_small_eps(rng))
        configs.append(config)
    return {"configs": configs}


def _small_eps(rng: np.random.Generator) -> float:
    """A non-default eps of the size of the variance of rows of std 0.01-0.03: ignoring it (1e-5) moves
    rstd by ~10-60 %, far beyond any dtype's tolerance."""
    return float(10 ** rng.uniform(-3.7, -3.0))


# --- the float64 truth (torch, in this trusted process) -----------------------------------------------


def _truth(inputs: dict[str, Any], *, every_grad: bool = False) -> dict[str, np.ndarray]:
    """y, mean, rstd and the gradients in float64; dweight and dbias only for the parameters given, or, with
    ``every_grad``, always (layer_norm_bwd's contract: "both always computed" -- it never sees bias, so dbias is
    the same sum whether there is one; an absent weight acts as ones, an absent bias as zeros)."""
    x = torch.as_tensor(np.asarray(inputs["x"], np.float64)).requires_grad_()
    n = x.shape[-1]
    w, b = (
        (torch.full((n,), fill, dtype=torch.float64, requires_grad=True) if every_grad else None)
        if inputs.get(k) is None
        else torch.as_tensor(np.asarray(inputs[k], np.float64)).requires_grad_()
        for k, fill in (("weight", 1.0), ("bias", 0.0))
    )
    eps = float(inputs.get("eps", EPS))
    y = F.layer_norm(x, x.shape[-1:], w, b, eps)
    y.backward(torch.as_tensor(np.asarray(inputs["dy"], np.float64)))
    x2 = x.detach().reshape(-1, x.shape[-1])
    var, mean = torch.var_mean(x2, dim=1, correction=0)
    truth = {
        "y": y.detach().numpy(),
        "mean": mean.numpy(),
        "rstd": torch.rsqrt(var + eps).numpy(),
        "dx": x.grad.numpy(),
    }
    if w is not None:
        truth["dweight"] = w.grad.numpy()
    if b is not None:
        truth["dbias"] = b.grad.numpy()
    return truth


def near_truth(
    *names: str, atol: float | None = None, rtol: float | None = None, every_grad: bool = False
) -> Any:
    """Judge: each named output (those the truth has: ``_truth``'s ``every_grad``) is the float64 truth rounded
    to the case dtype (mean and rstd: float32), within the dtype's tolerance; outputs keep the input's dtype and
    device."""

    def judge(ctx: JudgeContext) -> Verdict:
        raised = step_failed(
            ctx.outputs.get("forward_error"), "TritonLayerNorm(x)"
        )  # the module driver's forward
        if raised is not None:
            return raised
        dtype = str(ctx.inputs.get("dtype", "float32"))
        truth = _truth(ctx.inputs, every_grad=every_grad)
        present = [n for n in names if n in truth]
        for n in present:
            want = "float32" if n in ("mean", "rstd") else dtype
            got = ctx.outputs.get(f"{n}_dtype")
            if got != want:
                return Verdict(False, f"{n} is {got}, expected {want}", "dtype")
            where = str(ctx.outputs.get(f"{n}_device"))
            if not where.startswith(ctx.case.device):
                return Verdict(False, f"{n} is on {where}, expected {ctx.case.device}")
        dtypes = {n: "float32" if n in ("mean", "rstd") else dtype for n in present}
        problems, hint, generic = against_truth(
            ctx, truth, dtypes, dtype, rtol=rtol, atol=atol, scaled=GRADS
        )
        if not problems:
            return Verdict.ok()
        return Verdict(False, "; ".join(problems), hint or generic)

    return judge


def _deterministic(ctx: JudgeContext) -> Verdict:
    raised = _bwd_ran(ctx)
    if not raised.passed:
        return raised
    for n, given in (("dweight", "weight"), ("dbias", "bias")):
        a, b = ctx.outputs.get(n), ctx.outputs.get(f"{n}_again")
        if ctx.inputs.get(given) is not None and not isinstance(a, np.ndarray):
            return Verdict(False, f"{n}: expected an array, got {type(a).__name__}", "not-array")
        if isinstance(a, np.ndarray) and not (
            isinstance(b, np.ndarray)
            and a.shape == b.shape
            and np.array_equal(a, b, equal_nan=True)
        ):
            return Verdict(
                False,
                f"layer_norm_bwd run twice on the same inputs: {n} differs",
                "tri-nondeterministic",
            )
    return Verdict.ok()


def _x_unchanged_by_fwd(ctx: JudgeContext) -> Verdict:
    if ctx.outputs.get("x_changed_by_fwd") is False:
        return Verdict.ok()
    return Verdict(False, "x was modified by layer_norm_fwd")


def _x_unchanged_by_bwd(ctx: JudgeContext) -> Verdict:
    """x as layer_norm_fwd left it (a change by the forward is the forward case's failure)."""
    if ctx.outputs.get("x_changed") is False or ctx.outputs.get("x_changed_by_fwd") is True:
        return Verdict.ok()
    return Verdict(False, "x was modified by layer_norm_bwd")


def _handled_or_refused(ctx: JudgeContext) -> Verdict:
    got = ctx.outputs
    if got.get("raised"):
        message = str(got.get("message", ""))
        if "contiguous" in message or "stride" in message:
            return Verdict.ok("refused with a clear message")
        return Verdict(
            False,
            f"layer_norm_fwd(x.t()) raised {got['raised']}: {message[:200]} -- handle the strides or "
            "say that x must be contiguous",
        )
    return near_truth("y", "mean", "rstd")(ctx)


def _torch_layer_norm(n: int, inputs: dict[str, Any]) -> torch.nn.LayerNorm:
    return torch.nn.LayerNorm(
        n,
        eps=float(inputs.get("eps", EPS)),
        elementwise_affine=bool(inputs["elementwise_affine"]),
        bias=bool(inputs["use_bias"]),
    )


def _module_parameters(ctx: JudgeContext) -> Verdict:
    """Parameter names, shapes and initial values as torch.nn.LayerNorm's; a reset_parameters of the learner's
    that raised while the module was built (the driver then built it without) fails here and only here."""
    got, inputs = ctx.outputs, ctx.inputs
    n = int(np.shape(inputs["x"])[-1])
    ref = _torch_layer_norm(n, inputs)
    params = [name for name, _ in ref.named_parameters()]
    if got.get("params") != params:
        return Verdict(False, f"parameters {got.get('params')}, expected {params}")
    if got.get("param_shapes") != [[n]] * len(params):
        return Verdict(
            False, f"parameter shapes {got.get('param_shapes')}, expected {[[n]] * len(params)}"
        )
    raised = step_failed(
        got.get("reset_error"), "reset_parameters() (called while TritonLayerNorm was built)"
    )
    if raised is not None:
        return raised
    for (name, p), init in zip(ref.named_parameters(), got.get("inits") or [], strict=False):
        if not (isinstance(init, np.ndarray) and np.array_equal(init, p.detach().numpy())):
            return Verdict(False, f"{name} as constructed differs from torch.nn.LayerNorm's")
    return Verdict.ok()


def _extra_repr(ctx: JudgeContext) -> Verdict:
    """extra_repr() of every configuration as torch.nn.LayerNorm's."""
    configs = ctx.inputs["configs"]
    wanted = [(_torch_layer_norm(int(c["n"]), c).extra_repr(),) for c in configs]
    return texts_as_expected(ctx.outputs, wanted, "extra_repr()")


def _backward_ran(ctx: JudgeContext) -> Verdict:
    raised = step_failed(ctx.outputs.get("backward_error"), "the backward (out.backward(dy))")
    return raised if raised is not None else Verdict.ok()


def _module_cases(name: str, weight: float, make, doc: str) -> list[Case]:
    """TritonLayerNorm on one configuration, three cases on the same inputs (``shares``), each judging one thing:
    ``name`` its output y (driver module_forward), ``name_parameters`` its parameters and their initial values
    (the same run), ``name_backward`` its gradients (driver module: forward then backward). Of ``weight``: a
    quarter, an eighth and a half; the last eighth is this configuration's share of module_extra_repr."""
    return [
        Case(
            name,
            weight / 4,
            make,
            "module_forward",
            near_truth("y"),
            functions=MOD_FWD,
            doc=f"{doc}: y",
            shares=name,
            calls=MOD_FWD,
        ),
        Case(
            f"{name}_parameters",
            weight / 8,
            make,
            "module_forward",
            _module_parameters,
            functions=("TritonLayerNorm.__init__",),
            doc=f"{doc}: parameters and their initial values",
            shares=name,
            calls=MOD_FWD,
        ),
        Case(
            f"{name}_backward",
            weight / 2,
            make,
            "module",
            all_of(_backward_ran, near_truth(*GRADS)),
            functions=MOD_ALL,
            doc=f"{doc}: gradients",
            shares=name,
            calls=MOD_ALL,
        ),
    ]


# the module cases' configurations: name, weight, inputs, what it is
MODULE_CONFIGS = (
    (
        "module_parity",
        2,
        lambda r: _module_inputs(r),
        "TritonLayerNorm as torch.nn.LayerNorm",
    ),
    (
        "module_no_bias_bfloat16",
        1,
        lambda r: _module_inputs(r, use_bias=False, dtype="bfloat16"),
        "bias=False, dtype=torch.bfloat16",
    ),
    (
        "module_no_affine",
        1,
        lambda r: _module_inputs(r, affine=False),
        "elementwise_affine=False",
    ),
    (
        "module_eps",
        1,
        lambda r: _module_inputs(r, eps=True),
        "TritonLayerNorm(N, eps=...) on rows of std 0.01-0.03: its own eps reaches the kernels",
    ),
)


FORWARD = all_of(near_truth("y", "mean", "rstd"), _x_unchanged_by_fwd)


def _bwd_ran(ctx: JudgeContext) -> Verdict:
    raised = step_failed(ctx.outputs.get("backward_error"), "layer_norm_bwd")
    return raised if raised is not None else Verdict.ok()


BACKWARD = all_of(_bwd_ran, near_truth(*GRADS, every_grad=True), _x_unchanged_by_bwd)


def _kernel_pair(name: str, weight: float, make, doc: str, **kw: Any) -> list[Case]:
    """Two cases on one run of the kernels (``shares``), half the weight each: ``name`` judges the forward (y,
    mean, rstd; x untouched), ``name_backward`` the gradients. A layer_norm_bwd that raises (a stub, a crash)
    costs only the second: the driver reports it (``backward_error``) with the forward's outputs."""
    return [
        Case(
            name,
            weight / 2,
            make,
            "kernels",
            FORWARD,
            functions=("layer_norm_fwd",),
            doc=f"{doc}: y, mean, rstd",
            shares=name,
            calls=KERNELS,
            **kw,
        ),
        Case(
            f"{name}_backward",
            weight / 2,
            make,
            "kernels",
            BACKWARD,
            functions=KERNELS,
            doc=f"{doc}: dx, dweight, dbias",
            shares=name,
            calls=KERNELS,
            **kw,
        ),
    ]


def _k(m, n, **kw):
    return lambda r: _inputs(r, m(r) if callable(m) else m, n(r) if callable(n) else n, **kw)


CASES = [
    *_kernel_pair("n7", 2, _k(lambda r: r.integers(2, 6), 7), "N = 7: one block, a masked tail"),
    *_kernel_pair("n1", 1, _k(3, 1), "N = 1: var 0, y = bias, dx = 0"),
    *_kernel_pair("m1_n769", 2, _k(1, 769, bias=False), "one row of 769: the tail of a 1024 block"),
    *_kernel_pair(
        "n1000_no_affine",
        1,
        _k(lambda r: r.integers(3, 7), 1000, weight=False, bias=False),
        "weight and bias None",
    ),
    *_kernel_pair(
        "n4097",
        2,
        _k(lambda r: r.integers(2, 5), 4097),
        "N = 4097: one element past a power of two",
    ),
    *_kernel_pair(
        "random_n_many_rows",
        2,
        _k(lambda r: r.integers(6, 11), lambda r: r.integers(2, 300)),
        "more rows than programs: dweight/dbias reduced across programs",
    ),
    *_kernel_pair(
        "multiblock_float32",
        2,
        _k(2, lambda r: r.integers(16385, 24000)),
        "rows longer than one block of float32 (> 16,384)",
    ),
    Case(
        "large_mean_float32",
        2,
        _k(4, lambda r: r.integers(500, 1500), loc=1e4, scale=0.01, weight=False, bias=False),
        "kernels",
        near_truth("y", rtol=0.0, atol=1.0),
        functions=("layer_norm_fwd",),
        calls=KERNELS,
        doc="float32, mean 1e4, std 0.01: |y - float64 truth| <= 1 (two-pass statistics)",
    ),
    *_kernel_pair(
        "float16",
        2,
        _k(
            lambda r: r.integers(4, 9),
            lambda r: r.integers(500, 1200),
            dtype="float16",
            loc=20.0,
            scale=2.0,
        ),
        "float16: float32 statistics, a few ulps from the float64 truth",
    ),
    *_kernel_pair(
        "bfloat16",
        2,
        _k(
            lambda r: r.integers(4, 9),
            lambda r: r.integers(100, 700),
            dtype="bfloat16",
            loc=-20.0,
            scale=2.0,
        ),
        "bfloat16: float32 statistics",
    ),
    *_kernel_pair(
        "strided_rows",
        2,
        _k(lambda r: r.integers(5, 9), lambda r: r.integers(50, 300), pad=37),
        "x = big[:, :N]: the row stride is not N",
    ),
    *_kernel_pair(
        "eps_used",
        2,
        _k(
            lambda r: r.integers(3, 7),
            lambda r: r.integers(60, 400),
            loc=0.01,
            scale=0.02,
            eps=_small_eps,
        ),
        "eps of the rows' variance (std 0.02): the eps argument is used, inside the square root",
    ),
    Case(
        "deterministic_gradients",
        1,
        _k(lambda r: r.integers(6, 11), lambda r: r.integers(100, 400), twice=True),
        "kernels",
        _deterministic,
        functions=KERNELS,
        doc="dweight and dbias bit-identical on a rerun (no float atomics)",
    ),
    Case(
        "non_contiguous",
        1,
        _k(lambda r: r.integers(3, 7), lambda r: r.integers(3, 9), weight=False, bias=False),
        "non_contiguous",
        _handled_or_refused,
        functions=("layer_norm_fwd",),
        doc="x.t(): handled, or refused with a message about contiguity",
    ),
    *[case for config in MODULE_CONFIGS for case in _module_cases(*config)],
    Case(
        "module_extra_repr",
        sum(weight for _, weight, _, _ in MODULE_CONFIGS) / 8,
        _repr_inputs,
        "module_repr",
        _extra_repr,
        functions=("TritonLayerNorm.extra_repr",),
        doc="extra_repr() as torch.nn.LayerNorm's, for the module cases' four configurations",
        calls=("TritonLayerNorm.extra_repr",),
    ),
    # --- compiled on CUDA (points only under --gpu on; the worker compiles, see the driver's docstring) ---
    *_kernel_pair(
        "cuda_float16",
        1,
        _k(
            lambda r: r.integers(16, 65), lambda r: r.integers(3000, 9000), dtype="float16", loc=5.0
        ),
        "compiled on CUDA, float16, N up to 9000: a few ulps from the float64 truth",
        device="cuda",
    ),
    *_kernel_pair(
        "cuda_bfloat16_strided",
        1,
        _k(lambda r: r.integers(16, 65), lambda r: r.integers(500, 3000), dtype="bfloat16", pad=53),
        "compiled on CUDA, bfloat16, x = big[:, :N] (row stride > N)",
        device="cuda",
    ),
    *_kernel_pair(
        "cuda_multiblock_float32",
        1,
        _k(lambda r: r.integers(2, 5), lambda r: r.integers(16385, 40000)),
        "compiled on CUDA, float32 rows longer than one block",
        device="cuda",
    ),
    Case(
        "cuda_deterministic_gradients",
        1,
        _k(lambda r: r.integers(128, 257), lambda r: r.integers(256, 1025), twice=True),
        "kernels",
        _deterministic,
        device="cuda",
        functions=KERNELS,
        doc="dweight/dbias bit-identical on a rerun with many programs in flight (GPU atomics vary)",
    ),
    Case(
        "cuda_module",
        1,
        lambda r: _module_inputs(r),
        "module",
        all_of(_module_parameters, near_truth("y"), _backward_ran, near_truth(*GRADS)),
        device="cuda",
        functions=MOD_ALL,
        doc="TritonLayerNorm(..., device='cuda'): parameters, outputs and gradients of torch.nn.LayerNorm",
    ),
]
