"""Hidden cases for the layer_norm_torch group. Parent-only: never copied to a worker or a release.

Inputs are fresh for every learner (grader/judging/cases.py seeds them): random shapes, (N, D), (N, T, D) and
(N, C, H, W) with 1 to 3 normalized dims, weight/bias None, float64/float32/float16/bfloat16, a large mean, the
module's constructor options, and the same on CUDA (device="cuda": points only under --gpu on).

Every numeric result is judged against the reference run on float64 copies of the inputs, rounded to the case
dtype: float64 and float32 within the kit's tolerances, float16/bfloat16 within a few ulps (SPEC, Numerical
judging) -- never against torch's own half-precision output. Half-precision inputs are float32 arrays whose
values the dtype represents exactly, with the dtype named by the "dtype" input.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from exercises.feedback.checks import (
    FLOAT32_VS_64,
    TORCH_NORMALIZATIONS,
)
from grader.judging.cases import Case, JudgeContext, Verdict, upcast64
from grader.judging.compare import Judge, all_of, compare, step_failed, texts_as_expected
from grader.judging.truth import HALF, against_truth, exact

FN = ("LayerNormFunction",)
# LayerNorm's methods a numerical case runs: never extra_repr, which only module_extra_repr calls (a forbidden API or
# an error there costs that case alone)
LN_BUILD = ("LayerNorm.__init__", "LayerNorm.reset_parameters")
MOD = ("LayerNormFunction", *LN_BUILD, "LayerNorm.forward")
GRADS = ("dx", "dweight", "dbias")


# --- inputs -------------------------------------------------------------------------------------------


def _fn_inputs(
    rng, shape, k, *, dtype="float64", loc=None, scale=None, weight=True, bias=True, eps=False
):
    loc = rng.uniform(-3, 3) if loc is None else loc
    scale = rng.uniform(0.5, 3) if scale is None else scale
    shape = tuple(int(s) for s in shape)
    norm = shape[len(shape) - k :]
    d = {"x": loc + scale * rng.standard_normal(shape), "dout": rng.standard_normal(shape)}
    if weight:
        d["weight"] = rng.uniform(0.5, 2.0, norm)
    if bias:
        d["bias"] = rng.standard_normal(norm)
    d = {key: exact(v, dtype) for key, v in d.items()}
    d["dtype"] = dtype
    if eps:  # not the default 1e-5: 0.05 to 1 times the variance, so an eps ignored changes out
        d["eps"] = float(scale**2 * rng.uniform(0.05, 1.0))
    return d


def _module_inputs(rng, shape, k, *, affine=True, use_bias=True, dtype="float64", eps=False):
    d = _fn_inputs(rng, shape, k, dtype=dtype, weight=affine, bias=affine and use_bias, eps=eps)
    d.update(
        normalized_shape=np.array(d["x"].shape[len(shape) - k :], dtype=np.int64),
        elementwise_affine=affine,
        use_bias=use_bias,
    )
    return d


def _repr_inputs(rng):
    """The module cases' three configurations, without x: eps given (1 to 3 normalized dims), no affine (3 dims),
    bias=False in bfloat16."""
    configs = []
    for k, affine, use_bias, dtype in ((int(rng.integers(1, 4)), True, True, "float64"),
                                       (3, False, True, "float64"),
                                       (1, True, False, "bfloat16")):  # fmt: skip
        config = {
            "normalized_shape": np.array(_dims(rng, k), dtype=np.int64),
            "elementwise_affine": affine,
            "use_bias": use_bias,
            "dtype": dtype,
        }
        if affine and use_bias:
            config["eps"] = float(rng.uniform(0.5, 3) ** 2 * rng.uniform(0.05, 1.0))
        configs.append(config)
    return {"configs": configs}


def _dims(rng, n, lo=2, hi=7):
    return [int(v) for v in rng.integers(lo, hi, size=n)]


def _half_loc(rng):
    return float(rng.choice([-1, 1]) * rng.uniform(5, 40))


# --- judges -------------------------------------------------------------------------------------------


def near_truth(*names: str, rtol: float | None = None, atol: float | None = None) -> Judge:
    """Judge: each named output (those the reference has) is the float64 result rounded to the case dtype,
    within the dtype's tolerance; their dtypes and devices are the inputs'. The hint is the mutant whose
    outputs the learner reproduces, else (half precision) whether the same values in float32 are right."""

    def judge(ctx: JudgeContext) -> Verdict:
        raised = step_failed(
            ctx.outputs.get("forward_error"), "LayerNorm(x)"
        )  # the module driver's forward
        if raised is not None:
            return raised
        dtype = str(ctx.inputs.get("dtype", "float64"))
        present = [n for n in names if n in ctx.reference]
        bad = _dtypes_and_devices(ctx, present)
        if bad is not None:
            return bad
        truth = ctx.reference_for(upcast64(ctx.inputs))
        scaled = (
            ("dx",) if dtype == "float32" and atol is None else ()
        )  # a cancellation: see checks.py
        problems, hint, generic = against_truth(
            ctx, truth, dict.fromkeys(present, dtype), dtype, rtol=rtol, atol=atol, scaled=scaled
        )
        if not problems:
            return Verdict.ok()
        if hint is None and dtype in HALF and _float32_run_is_right(ctx, truth, present):
            hint = "lnt-half-stats"
        error = ctx.outputs.get("backward_error")
        if error:
            problems.insert(0, f"backward raised {str(error)[:200]}")
        return Verdict(False, "; ".join(problems), hint or generic)

    return judge


def _float32_run_is_right(ctx: JudgeContext, truth, names: Sequence[str]) -> bool:
    expected = {n: np.asarray(truth[n], dtype=np.float32) for n in names}
    problems, _, _ = compare(
        {n: ctx.outputs.get(f"{n}_f32") for n in names},
        expected,
        names,
        rtol=FLOAT32_VS_64[0],
        atol=FLOAT32_VS_64[1],
        dtypes=dict.fromkeys(names, ""),
    )
    return not problems


def _dtypes_and_devices(ctx: JudgeContext, names: Sequence[str]) -> Verdict | None:
    """out/gradients: the reference's dtypes (the inputs' dtypes) and the case's device."""
    dtype = str(ctx.inputs.get("dtype", "float64"))
    for name in names:
        if not isinstance(ctx.outputs.get(name), np.ndarray):
            continue  # missing: the value comparison reports it
        got, want = ctx.outputs.get(f"{name}_dtype"), ctx.reference.get(f"{name}_dtype")
        if want is not None and got != want:
            hint = "lnt-half-output-dtype" if dtype in HALF and got == "float32" else "dtype"
            return Verdict(
                False, f"{name} is {got}, expected {want} (the dtype of its input)", hint
            )
        where = ctx.outputs.get(f"{name}_device")
        if f"{name}_device" in ctx.reference and not str(where).startswith(ctx.case.device):
            return Verdict(
                False,
                f"{name} is on {where}, expected the input's device ({ctx.case.device})",
                "lnt-device",
            )
    return None


def _x_unchanged(ctx: JudgeContext) -> Verdict:
    after, before = ctx.outputs.get("x_after"), ctx.inputs["x"]
    if (
        isinstance(after, np.ndarray)
        and after.shape == before.shape
        and np.array_equal(after.astype(np.float64), before.astype(np.float64), equal_nan=True)
    ):
        return Verdict.ok()
    return Verdict(False, "x was modified by LayerNormFunction.apply", "lnt-inplace")


def _module_parameters(ctx: JudgeContext) -> Verdict:
    """Parameters (names, shapes, dtypes, devices) and their initial values, as torch's; reset_parameters, when it
    raised while the module was built (the driver then built it without), fails here and only here."""
    got, ref = ctx.outputs, ctx.reference
    if got.get("params") != ref["params"]:
        return Verdict(
            False, f"parameters {got.get('params')}, expected {ref['params']}", "lnt-module-bias"
        )
    if (
        got.get("param_shapes") != ref["param_shapes"]
        or got.get("param_dtypes") != ref["param_dtypes"]
    ):
        return Verdict(
            False,
            f"parameter shapes/dtypes {got.get('param_shapes')} {got.get('param_dtypes')}, "
            f"expected {ref['param_shapes']} {ref['param_dtypes']}",
            "shape",
        )
    devices = got.get("param_devices") or []
    if not all(str(d).startswith(ctx.case.device) for d in devices):
        return Verdict(False, f"parameters on {devices}, expected {ctx.case.device}", "lnt-device")
    raised = step_failed(
        got.get("reset_error"), "reset_parameters() (called while LayerNorm was built)"
    )
    if raised is not None:
        return raised
    for name in ("weight_init", "bias_init"):
        if name in ref:
            problems, _, _ = compare(got, ref, [name], dtypes={name: ""})
            if problems:
                return Verdict(
                    False,
                    f"{name.replace('_init', '')} as constructed: {problems[0]}",
                    "lnt-module-init",
                )
    return Verdict.ok()


def _extra_repr(ctx: JudgeContext) -> Verdict:
    """extra_repr() of every configuration as torch.nn.LayerNorm's (the ", bias=..." part may be left out, as
    torch before 2.1 does)."""
    wanted = [(w, w.rsplit(", bias=", 1)[0]) for w in ctx.reference["reprs"]]
    return texts_as_expected(ctx.outputs, wanted, "extra_repr()")


def _without_autograd(ctx: JudgeContext) -> Verdict:
    got = ctx.outputs
    if got.get("raised"):
        return Verdict(
            False,
            "LayerNormFunction.backward called directly under torch.inference_mode() raised "
            f"{got['raised']}: {str(got.get('message', ''))[:200]}",
            "lnt-autograd-in-backward",
        )
    if got.get("returned") != 4:
        return Verdict(
            False,
            f"backward returned {got.get('returned')} values, expected 4 "
            "(dx, dweight, dbias, None)",
        )
    problems, _, _ = compare(got, ctx.reference, GRADS, dtypes=dict.fromkeys(GRADS, ""))
    if problems:
        return Verdict(
            False, "backward called directly: " + "; ".join(problems), "lnt-autograd-in-backward"
        )
    return Verdict.ok()


def _no_layer_norm_calls(ctx: JudgeContext) -> Verdict:
    names = ctx.outputs.get("calls") or []
    if not isinstance(names, list):
        return Verdict(False, "the driver reported no calls")
    bad = sorted(str(n) for n in names if any(f in str(n) for f in TORCH_NORMALIZATIONS))
    if bad:
        return Verdict(
            False, f"called torch's own normalization: {', '.join(bad)}", "lnt-forbidden-api"
        )
    return Verdict.ok()


FN_ALL = near_truth("out", *GRADS)
GRADS_ONLY = near_truth(*GRADS)
# what each driver calls (Case.calls): a forward alone, or forward then backward, is its own call into the
# learner's code, so a backward that hangs costs only the cases that call the backward
FWD = ("LayerNormFunction.forward",)
FWD_BWD = ("LayerNormFunction.forward", "LayerNormFunction.backward")
MOD_FWD = ("LayerNorm", "LayerNormFunction.forward")
MOD_FWD_BWD = ("LayerNorm", *FWD_BWD)


def _fn(weight_dims: int, shape_fn, **kw):
    return lambda r: _fn_inputs(r, shape_fn(r), weight_dims, **kw)


def _function_pair(name: str, weight: float, make, doc: str, *, forward_judge=None) -> list[Case]:
    """Two cases on the same inputs (``shares``): ``name`` judges the forward alone (out, x unchanged; driver
    function_forward), ``name_backward`` the gradients (driver function: forward then backward), each half the
    weight. A backward that hangs or crashes leaves the forward's points."""
    return [
        Case(
            name,
            weight / 2,
            make,
            "function_forward",
            forward_judge or all_of(FN_ALL, _x_unchanged),
            functions=FN,
            doc=f"{doc}: out",
            shares=name,
            calls=FWD,
        ),
        Case(
            f"{name}_backward",
            weight / 2,
            make,
            "function",
            GRADS_ONLY,
            functions=FN,
            doc=f"{doc}: dx, dweight, dbias",
            shares=name,
            calls=FWD_BWD,
        ),
    ]


def _module_cases(name: str, weight: float, make, doc: str) -> list[Case]:
    """LayerNorm on one configuration, three cases on the same inputs (``shares``), each judging one thing: ``name``
    its out (driver module_forward), ``name_parameters`` its parameters and their initial values (the same run),
    ``name_backward`` its gradients (driver module: forward then backward). Of ``weight``: a quarter, an eighth and
    a half; the last eighth is this configuration's share of module_extra_repr (extra_repr is no method these
    cases call: a module whose extra_repr raises keeps their points)."""
    return [
        Case(
            name,
            weight / 4,
            make,
            "module_forward",
            near_truth("out"),
            functions=MOD,
            doc=f"{doc}: out",
            shares=name,
            calls=MOD_FWD,
        ),
        Case(
            f"{name}_parameters",
            weight / 8,
            make,
            "module_forward",
            _module_parameters,
            functions=("LayerNorm.__init__", "LayerNorm.reset_parameters"),
            doc=f"{doc}: parameters and their initial values",
            shares=name,
            calls=MOD_FWD,
        ),
        Case(
            f"{name}_backward",
            weight / 2,
            make,
            "module",
            GRADS_ONLY,
            functions=MOD,
            doc=f"{doc}: gradients",
            shares=name,
            calls=MOD_FWD_BWD,
        ),
    ]


# the module cases' configurations: name, weight, inputs, what it is
MODULE_CONFIGS = (
    (
        "module_parity",
        2,
        lambda r: _module_inputs(r, (2, *_dims(r, 3)), int(r.integers(1, 4)), eps=True),
        "LayerNorm(..., eps) as torch.nn.LayerNorm",
    ),
    (
        "module_no_affine_chw",
        1,
        lambda r: _module_inputs(r, (2, *_dims(r, 3)), 3, affine=False, eps=True),
        "elementwise_affine=False with a 3-dim normalized_shape (flattened)",
    ),
    (
        "module_no_bias_bfloat16",
        1,
        lambda r: _module_inputs(
            r, (r.integers(2, 6), r.integers(8, 33)), 1, use_bias=False, dtype="bfloat16"
        ),
        "bias=False, dtype=torch.bfloat16",
    ),
)


CASES = [
    *_function_pair(
        "function_2d",
        3,
        _fn(1, lambda r: (r.integers(2, 9), r.integers(3, 40))),
        "(N, D) float64",
    ),
    *_function_pair(
        "function_3d_sequence_float32",
        2,
        _fn(1, lambda r: (2, r.integers(2, 6), r.integers(8, 48)), dtype="float32"),
        "(N, T, D) float32, dweight and dbias summed over N and T",
    ),
    *_function_pair(
        "function_3d_batch",
        1,
        _fn(1, lambda r: (r.integers(5, 12), r.integers(7, 16), r.integers(3, 24))),
        "(N, T, D) with 35 to 165 samples (a training-sized batch)",
        forward_judge=FN_ALL,
    ),
    *_function_pair(
        "function_4d_chw",
        2,
        _fn(3, lambda r: (2, *_dims(r, 3))),
        "(N, C, H, W) with weight (C, H, W)",
        forward_judge=FN_ALL,
    ),
    *_function_pair(
        "function_4d_hw_float32",
        2,
        _fn(2, lambda r: (2, *_dims(r, 3)), dtype="float32"),
        "(N, C, H, W) float32 with weight (H, W)",
        forward_judge=FN_ALL,
    ),
    *_function_pair(
        "function_no_affine",
        1,
        _fn(1, lambda r: (3, r.integers(2, 5), r.integers(3, 20)), weight=False, bias=False),
        "weight None and bias None: the last dim only",
        forward_judge=FN_ALL,
    ),
    *_function_pair(
        "function_no_bias",
        1,
        _fn(1, lambda r: (r.integers(2, 6), r.integers(3, 20)), bias=False, eps=True),
        "weight given, bias None, eps given (not the default)",
        forward_judge=FN_ALL,
    ),
    Case(
        "function_large_mean_float32",
        2,
        _fn(1, lambda r: (8, r.integers(64, 257)), dtype="float32", loc=1e4, scale=0.01),
        "function_forward",
        near_truth("out", rtol=0.0, atol=1.0),
        functions=FN,
        doc="float32, mean 1e4, std 0.01: |out - float64 truth| <= 1 (two-pass statistics)",
        calls=FWD,
    ),
    *_function_pair(
        "function_float16",
        2,
        lambda r: _fn_inputs(
            r,
            (r.integers(4, 12), r.integers(32, 129)),
            1,
            dtype="float16",
            loc=_half_loc(r),
            scale=r.uniform(1, 3),
        ),
        "float16: float32 inside, a few ulps from the float64 truth",
        forward_judge=FN_ALL,
    ),
    *_function_pair(
        "function_bfloat16_chw",
        2,
        lambda r: _fn_inputs(
            r, (3, *_dims(r, 3, 2, 6)), 3, dtype="bfloat16", loc=_half_loc(r), scale=r.uniform(1, 3)
        ),
        "bfloat16 with weight (C, H, W): float32 inside",
        forward_judge=FN_ALL,
    ),
    Case(
        "backward_without_autograd",
        1,
        _fn(1, lambda r: (r.integers(2, 6), r.integers(3, 20))),
        "backward_direct",
        _without_autograd,
        functions=FN,
        doc="backward called directly under torch.inference_mode() gives the same gradients",
        calls=FWD_BWD,
    ),
    Case(
        "computes_the_normalization_itself",
        1,
        _fn(2, lambda r: (2, 3, 4, 5)),
        "calls",
        _no_layer_norm_calls,
        functions=MOD,
        doc="no torch normalization (layer, group, batch, instance or RMS norm) in forward or backward",
        calls=MOD_FWD_BWD,
    ),
    *[case for config in MODULE_CONFIGS for case in _module_cases(*config)],
    Case(
        "module_extra_repr",
        sum(weight for _, weight, _, _ in MODULE_CONFIGS) / 8,
        _repr_inputs,
        "module_repr",
        _extra_repr,
        functions=("LayerNorm.extra_repr",),
        doc="extra_repr() as torch.nn.LayerNorm's, for the module cases' three configurations",
        calls=("LayerNorm.extra_repr",),
    ),
    Case(
        "cuda_float32",
        1,
        _fn(1, lambda r: (r.integers(8, 33), 3, r.integers(32, 257)), dtype="float32"),
        "function",
        FN_ALL,
        device="cuda",
        functions=FN,
        calls=FWD_BWD,
        doc="on CUDA: same results, device and dtype kept",
    ),
    Case(
        "cuda_float16",
        1,
        lambda r: _fn_inputs(
            r,
            (r.integers(8, 33), r.integers(64, 257)),
            1,
            dtype="float16",
            loc=_half_loc(r),
            scale=r.uniform(1, 3),
        ),
        "function",
        FN_ALL,
        device="cuda",
        functions=FN,
        calls=FWD_BWD,
        doc="float16 on CUDA: float32 inside",
    ),
    Case(
        "cuda_bfloat16",
        1,
        lambda r: _fn_inputs(
            r,
            (r.integers(8, 33), 2, r.integers(64, 257)),
            2,
            dtype="bfloat16",
            loc=_half_loc(r),
            scale=r.uniform(1, 3),
        ),
        "function",
        FN_ALL,
        device="cuda",
        functions=FN,
        calls=FWD_BWD,
        doc="bfloat16 with 2 normalized dims on CUDA",
    ),
    Case(
        "cuda_module",
        1,
        lambda r: _module_inputs(r, (4, *_dims(r, 2, 4, 17)), 2),
        "module",
        all_of(_module_parameters, FN_ALL),
        device="cuda",
        functions=MOD,
        calls=MOD_FWD_BWD,
        doc="LayerNorm(..., device='cuda'): parameters and outputs on the GPU",
    ),
]
