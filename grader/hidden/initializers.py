"""Hidden cases for the initializers group. Parent-only: never copied to a worker or a release.

Inputs are fresh for every learner (grader/judging/cases.py seeds them): shapes, gains, slopes, modes, sparsities and the
generator seed the worker uses. Exact judges for the fans, the gains, constant_ and the errors. Random fills are
judged by exercises/feedback/init_stats.py against the distribution torch.nn.init draws from for the same call (the oracle),
never by equality with any draw: each random check rejects a correct submission with probability <= 1e-8 and a
case makes at most 5 of them (1 for the sign test), so a correct submission fails a case by chance with
probability <= 5e-8, within the SPEC's 1e-6. orthogonal_ is judged by its Gram matrix (deterministic bound),
sparse_ by zero counts per column (Poisson bound on accidental zeros, <= 1e-8) and its non-zero values'
distribution. Hints: the learner's summary statistics matched to those of every mutant on the same inputs.
benchmarks/initializers_hidden_check.py runs the reference and every mutant through these judges.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from exercises.feedback.init_stats import (
    distribution_problems,
    extra_zeros_allowed,
    gram_deviation,
    gram_stats,
    gram_tolerance,
    match_mistakes,
    sign_band,
    sparse_stats,
    summary,
    target_for,
    torch_sparse_zeros,
    zero_counts,
)
from grader.judging.cases import Case, JudgeContext, Verdict
from grader.judging.compare import close

PARAMS = ("a", "b", "mean", "std", "gain", "mode", "nonlinearity", "sparsity", "val")
RANDOM_FNS = (
    "uniform_",
    "normal_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "lecun_uniform_",
    "lecun_normal_",
    "orthogonal_",
    "sparse_",
)
EACH_PARAMS: dict[str, dict[str, Any]] = {
    "uniform_": {"a": -1.0, "b": 1.0},
    "sparse_": {"sparsity": 0.3},
    "constant_": {"val": 0.5},
}

Stats = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]


# --- inputs ------------------------------------------------------------------------------------------


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**62))


def _linear(rng: np.random.Generator, lo: int = 200, hi: int = 700) -> tuple[int, int]:
    """(out, in) with the larger at least 1.5x the smaller: a fan swap moves Kaiming/LeCun by >= 22 %."""
    while True:
        out, inp = (int(v) for v in rng.integers(lo, hi, 2))
        if max(out, inp) >= 1.5 * min(out, inp) and max(out, inp) <= 3 * min(out, inp):
            return out, inp


def _conv(rng: np.random.Generator) -> tuple[int, ...]:
    """(out, in, k, k) or (out, in, k): out and in differ by >= 1.5x, receptive field >= 3, and at least
    1e4 elements (the size above which the mean and std bands' normal approximation is checked)."""
    while True:
        out, inp = _linear(rng, 24, 129)
        k = int(rng.choice([3, 5]))
        shape = (out, inp, k, k) if rng.random() < 0.7 else (out, inp, 3 * k)
        if math.prod(shape) >= 10_000:
            return shape


def _fill(
    fn: str, shape: tuple[int, ...], rng: np.random.Generator, dtype: str = "float32", **params
):
    return {
        "fn": fn,
        "shape": np.array(shape, dtype=np.int64),
        "dtype": dtype,
        "seed": _seed(rng),
        **params,
    }


def _fans_inputs(rng: np.random.Generator) -> dict[str, Any]:
    shapes = [_linear(rng, 2, 1000), _conv(rng), (int(rng.integers(1, 9)), int(rng.integers(1, 9)))]
    shapes.append(tuple(int(v) for v in rng.integers(1, 7, 5)))
    shapes.append(tuple(int(v) for v in rng.integers(1, 9, 3)))
    return {"shapes": np.array([[*s, *[0] * (5 - len(s))] for s in shapes], dtype=np.int64)}


def _gains_inputs(rng: np.random.Generator) -> dict[str, Any]:
    names = [
        "linear",
        "conv2d",
        "conv_transpose3d",
        "sigmoid",
        "tanh",
        "relu",
        "selu",
        "leaky_relu",
        "leaky_relu",
        "leaky_relu",
        "leaky_relu",
    ]
    params: list[float | None] = [None] * 7 + [None, 0, 0.0, float(rng.uniform(0.05, 3.0))]
    return {"names": names, "params": params}


def _sparse_inputs(rng: np.random.Generator) -> dict[str, Any]:
    rows, cols = (int(v) for v in rng.integers(150, 301, 2))  # >= 1e4 non-zero values
    while True:  # sparsity * rows well away from an integer: ceil and floor differ by one
        sparsity = float(rng.uniform(0.05, 0.5))
        if 0.1 < sparsity * rows % 1 < 0.9:
            break
    return _fill(
        "sparse_", (rows, cols), rng, sparsity=sparsity, std=float(rng.uniform(0.005, 0.05))
    )


def _each_inputs(rng: np.random.Generator) -> dict[str, Any]:
    fns = [*RANDOM_FNS, "constant_"]
    return {
        "fns": fns,
        "params": {f: EACH_PARAMS.get(f, {}) for f in fns},
        "shape": np.array([24, 40], dtype=np.int64),
        "seed": _seed(rng),
    }


# --- judges ------------------------------------------------------------------------------------------


def _call(ctx: JudgeContext) -> str:
    inp = ctx.inputs
    shape = tuple(int(s) for s in inp["shape"])
    args = "".join(f", {k}={inp[k]!r}" for k in PARAMS if k in inp)
    dtype = "" if inp.get("dtype", "float32") == "float32" else f" {inp['dtype']}"
    return f"{inp['fn']}(w {shape}{dtype}{args})"


def _hint(ctx: JudgeContext, stats: Stats) -> str | None:
    """The mutant whose statistics on the same inputs the learner's reproduce (data-driven)."""
    try:
        expected = stats(ctx.reference, ctx.inputs)
        mistakes = {}
        for hint, outs in ctx.mutants.items():
            try:
                mistakes[hint] = stats(outs, ctx.inputs)
            except Exception:  # noqa: S112 - a mutant whose output has no such statistics
                continue
        found = match_mistakes(stats(ctx.outputs, ctx.inputs), expected, mistakes, limit=1)
    except Exception:
        return None
    return found[0] if found else None


def _sample_stats(outputs: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    stats = {
        **summary(outputs["sample"]),
        "returned_same": np.bool_(outputs["returned_same"] is True),
    }
    if inputs.get("also"):
        stats.update({f"also.{k}": v for k, v in summary(outputs["also_sample"]).items()})
    return stats


def _basics(ctx: JudgeContext) -> tuple[np.ndarray | None, Verdict | None]:
    """The learner's sample if it has the right shape, dtype, device and identity; else a failed Verdict."""
    out, inp = ctx.outputs, ctx.inputs
    shape = tuple(int(s) for s in inp["shape"])
    sample = out.get("sample")
    if not isinstance(sample, np.ndarray) or sample.shape != shape:
        return None, Verdict(False, f"{_call(ctx)}: the filled tensor has the wrong shape", "shape")
    want = inp.get("dtype", "float32")
    if out.get("dtype") != want:
        return None, Verdict(
            False, f"{_call(ctx)}: the tensor became {out.get('dtype')}; fill it in place", "dtype"
        )
    device = ctx.case.device.split(":")[0]
    if out.get("device") != device:
        return None, Verdict(False, f"{_call(ctx)}: the tensor moved to {out.get('device')}")
    if out.get("returned_same") is not True:
        return None, Verdict(
            False,
            f"{_call(ctx)}: should return the tensor it filled (the same object)",
            _hint(ctx, _sample_stats) or "init-return-tensor",
        )
    if not np.isfinite(sample.astype(np.float64)).all():
        return None, Verdict(
            False,
            f"{_call(ctx)}: NaN or inf left in the tensor (was every element filled, in place?)",
            "nan",
        )
    return sample, None


def distribution(ctx: JudgeContext) -> Verdict:
    """Mean, std, Kolmogorov-Smirnov distance and (uniform) bounds against torch.nn.init's distribution."""
    sample, bad = _basics(ctx)
    if bad:
        return bad
    inp = ctx.inputs
    kwargs = {k: inp[k] for k in PARAMS if k in inp}
    problems = distribution_problems(
        sample, target_for(inp["fn"], inp["shape"], kwargs), inp["dtype"]
    )
    call = _call(ctx)
    if not problems and inp.get("also"):  # the same call with some parameters changed
        also = ctx.outputs.get("also_sample")
        kwargs.update(inp["also"])
        call += " and again with " + ", ".join(f"{k}={v!r}" for k, v in inp["also"].items())
        if not isinstance(also, np.ndarray) or also.shape != sample.shape:
            return Verdict(False, f"{call}: the second fill is missing", "shape")
        problems = distribution_problems(
            also, target_for(inp["fn"], inp["shape"], kwargs), inp["dtype"]
        )
    if problems:
        return Verdict(False, f"{call}: " + "; ".join(problems), _hint(ctx, _sample_stats))
    return Verdict.ok()


def constant(ctx: JudgeContext) -> Verdict:
    sample, bad = _basics(ctx)
    if bad:
        return bad
    import torch

    want = torch.tensor(ctx.inputs["val"], dtype=getattr(torch, ctx.inputs["dtype"])).float().item()
    if not np.all(sample.astype(np.float64) == want):
        return Verdict(False, f"{_call(ctx)}: not every element equals val")
    return Verdict.ok()


def _gram_stats(outputs: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    return gram_stats(outputs["sample"], float(inputs["gain"]), inputs["dtype"])


def orthogonal(ctx: JudgeContext) -> Verdict:
    sample, bad = _basics(ctx)
    if bad:
        return bad
    gain = float(ctx.inputs["gain"])
    rows = sample.shape[0]
    cols = sample.size // rows
    diag, off = gram_deviation(sample, gain)
    tol = gram_tolerance(ctx.inputs["dtype"], max(rows, cols))
    if diag > tol or off > tol:
        side = "W^T W" if rows >= cols else "W W^T"
        return Verdict(
            False,
            f"{_call(ctx)}: flattened to ({rows}, {cols}), {side} / gain**2 should be the identity; its "
            f"diagonal is off by up to {diag:.3g} and its off-diagonal entries reach {off:.3g} "
            f"(allowed {tol:.2g})",
            _hint(ctx, _gram_stats),
        )
    return Verdict.ok()


def _sign_stats(outputs: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    return {"neg00": float(np.mean(np.asarray(outputs["corners"], dtype=np.float64) < 0))}


def orthogonal_signs(ctx: JudgeContext) -> Verdict:
    corners = ctx.outputs.get("corners")
    draws = int(ctx.inputs["draws"])
    if (
        not isinstance(corners, np.ndarray)
        or corners.shape != (draws,)
        or not np.isfinite(corners).all()
    ):
        return Verdict(False, f"orthogonal_ drawn {draws} times: W[0, 0] missing or not finite")
    frac = float(np.mean(corners < 0))
    t = sign_band(draws)
    if abs(frac - 0.5) > t:
        return Verdict(
            False,
            f"orthogonal_(w ({ctx.inputs['size']}, {ctx.inputs['size']})) drawn {draws} times: W[0, 0] "
            f"was negative in {frac:.0%} of the draws; uniformly distributed, it is negative half of the "
            f"time (allowed {0.5 - t:.0%} to {0.5 + t:.0%})",
            _hint(ctx, _sign_stats),
        )
    return Verdict.ok()


def _sparse_stats(outputs: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    return sparse_stats(outputs["sample"])


def sparse(ctx: JudgeContext) -> Verdict:
    sample, bad = _basics(ctx)
    if bad:
        return bad
    inp = ctx.inputs
    rows, cols = sample.shape
    k = torch_sparse_zeros(rows, cols, float(inp["sparsity"]))
    counts, _ = zero_counts(sample)
    nonzero = sample[sample != 0]
    extra = int(counts.sum()) - k * cols
    allowed = extra_zeros_allowed(inp["dtype"], float(inp["std"]), nonzero.size)
    if counts.min() < k or extra > allowed:
        return Verdict(
            False,
            f"{_call(ctx)}: every column should have ceil(sparsity * rows) = {k} zeros; the columns have "
            f"{counts.min()} to {counts.max()} (a correct draw adds at most {allowed} accidental zeros)",
            _hint(ctx, _sparse_stats),
        )
    target = target_for("normal_", (rows, cols), {"mean": 0.0, "std": float(inp["std"])})
    problems = distribution_problems(nonzero, target, inp["dtype"])
    if problems:
        return Verdict(
            False,
            f"{_call(ctx)}: non-zero values: " + "; ".join(problems),
            _hint(ctx, _sparse_stats),
        )
    return Verdict.ok()


def _each_rows(outputs: dict[str, Any], fns: list[str]) -> dict[str, dict[str, Any]] | None:
    if not isinstance(outputs, dict) or not all(isinstance(outputs.get(f), dict) for f in fns):
        return None
    return {f: outputs[f] for f in fns}


def _generator_stats(outputs: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    stats: dict[str, Any] = {}
    for fn in RANDOM_FNS:
        row = outputs[fn]
        a, b = np.asarray(row["first"]), np.asarray(row["second"])
        stats[f"{fn}.repeatable"] = np.bool_(
            a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
        )
        stats[f"{fn}.rng_untouched"] = np.bool_(row["rng_touched"] is False)
        if fn == "sparse_" and a.shape == b.shape:
            both = (a != 0) & (b != 0)
            stats[f"{fn}.zeros_repeatable"] = np.bool_(np.array_equal(a == 0, b == 0))
            stats[f"{fn}.values_repeatable"] = np.bool_(np.array_equal(a[both], b[both]))
    return stats


def generator(ctx: JudgeContext) -> Verdict:
    """Same seed, same values (zero positions included); the global random state untouched."""
    rows = _each_rows(ctx.outputs, list(RANDOM_FNS))
    if rows is None:
        return Verdict(False, "the fills returned no values")
    try:
        stats = _generator_stats(ctx.outputs, ctx.inputs)
    except (KeyError, TypeError, ValueError):
        return Verdict(False, "the fills returned malformed values")
    bad = sorted({k.split(".")[0] for k, v in stats.items() if not v})
    if bad:
        return Verdict(
            False,
            f"with generator=torch.Generator().manual_seed(s), {', '.join(bad)} gave different values for "
            "the same seed or consumed the global random state",
            _hint(ctx, _generator_stats),
        )
    return Verdict.ok()


def _parameter_stats(outputs: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    stats: dict[str, Any] = {}
    for fn in inputs["fns"]:
        row = outputs[fn]
        stats[f"{fn}.parameter_ok"] = np.bool_(row["parameter_error"] == "")
        stats[f"{fn}.returns_tensor"] = np.bool_(row["returned_same"] is True)
    return stats


def in_place(ctx: JudgeContext) -> Verdict:
    """Every fill works on an nn.Parameter (under no_grad) and returns that same tensor."""
    rows = _each_rows(ctx.outputs, list(ctx.inputs["fns"]))
    if rows is None:
        return Verdict(False, "the fills returned no values")
    try:
        stats = _parameter_stats(ctx.outputs, ctx.inputs)
    except (KeyError, TypeError, ValueError):
        return Verdict(False, "the fills returned malformed values")
    failed = sorted({k.split(".")[0] for k, v in stats.items() if not v})
    if failed:
        errors = {rows[f]["parameter_error"] for f in failed if rows[f]["parameter_error"]}
        why = f" ({sorted(errors)[0]})" if errors else ""
        return Verdict(
            False,
            f"on w = nn.Parameter(...), {', '.join(failed)} failed or did not return w itself{why}",
            _hint(ctx, _parameter_stats),
        )
    return Verdict.ok()


def _errors_judge(ctx: JudgeContext) -> Verdict:
    must_name = {
        "gain_unknown": ("softplus",),
        "kaiming_bad_mode": ("fan_avg", "fan_in", "fan_out"),
        "kaiming_normal_bad_mode": ("avg", "fan_in", "fan_out"),
    }
    raised, messages = ctx.outputs.get("raised"), ctx.outputs.get("messages")
    if not isinstance(raised, dict) or not isinstance(messages, dict):
        return Verdict(False, "no error report came back")
    for name, expected in ctx.reference["raised"].items():
        got = raised.get(name)
        if got != expected:
            return Verdict(
                False, f"{name}: expected {expected or 'no error'}, got {got or 'no error'}"
            )
        missing = [w for w in must_name.get(name, ()) if w not in str(messages.get(name, ""))]
        if missing:
            return Verdict(
                False,
                f"{name}: the ValueError should name {missing} (the bad value and the "
                "valid choices)",
            )
    return Verdict.ok()


# --- cases -------------------------------------------------------------------------------------------

F = "fill"
FANS = ("calculate_fan_in_and_fan_out",)

CASES = [
    Case(
        "fans_exact",
        2,
        _fans_inputs,
        "fans",
        close("fans", rtol=0.0, atol=0.0),
        functions=FANS,
        doc="fan_in, fan_out of Linear, Conv1d/2d/3d-shaped weights",
    ),
    Case(
        "gains_exact",
        2,
        _gains_inputs,
        "gains",
        close("gains", rtol=1e-12, atol=0.0),
        functions=("calculate_gain",),
        doc="every nonlinearity; leaky_relu with no slope, 0, and another",
    ),
    Case(
        "errors_like_torch",
        1,
        lambda r: {},
        "errors",
        _errors_judge,
        functions=(
            "calculate_fan_in_and_fan_out",
            "calculate_gain",
            "kaiming_uniform_",
            "kaiming_normal_",
            "orthogonal_",
            "sparse_",
        ),
        doc="ValueError for < 2 dims, unknown nonlinearity, bad mode, sparse_ on 3-D",
    ),
    Case(
        "uniform_range",
        1,
        lambda r: _fill(
            "uniform_", _linear(r), r, a=float(r.uniform(-2, 0)), b=float(r.uniform(0.1, 2))
        ),
        F,
        distribution,
        functions=("uniform_",),
        doc="U(a, b)",
    ),
    Case(
        "normal_mean_std",
        1,
        lambda r: _fill(
            "normal_", _linear(r), r, mean=float(r.uniform(-1, 1)), std=float(r.uniform(0.1, 3))
        ),
        F,
        distribution,
        functions=("normal_",),
        doc="N(mean, std**2)",
    ),
    Case(
        "constant_fill",
        0.5,
        lambda r: _fill(
            "constant_",
            _linear(r, 5, 50),
            r,
            str(r.choice(["float32", "float16", "bfloat16"])),
            val=float(r.uniform(-3, 3)),
        ),
        F,
        constant,
        functions=("constant_",),
        doc="every element = val, in the tensor's dtype",
    ),
    Case(
        "xavier_uniform_linear",
        1.5,
        lambda r: _fill(
            "xavier_uniform_", _linear(r), r, gain=float(r.choice([1.0, 5 / 3, r.uniform(0.5, 2)]))
        ),
        F,
        distribution,
        functions=("xavier_uniform_", "calculate_fan_in_and_fan_out", "uniform_"),
        doc="U(-b, b) on an (out, in) weight",
    ),
    Case(
        "xavier_normal_conv",
        1.5,
        lambda r: _fill("xavier_normal_", _conv(r), r, gain=float(r.uniform(0.5, 2))),
        F,
        distribution,
        functions=("xavier_normal_", "calculate_fan_in_and_fan_out", "normal_"),
        doc="N(0, std**2) on a Conv weight (receptive field)",
    ),
    Case(
        "kaiming_uniform_default",
        1.5,
        lambda r: _fill("kaiming_uniform_", _linear(r), r),
        F,
        distribution,
        functions=("kaiming_uniform_", "calculate_gain", "uniform_"),
        doc="defaults: a=0, fan_in, leaky_relu (the ReLU gain)",
    ),
    Case(
        "kaiming_normal_fan_out_conv",
        1.5,
        lambda r: _fill(
            "kaiming_normal_",
            _conv(r),
            r,
            mode="fan_out",
            also={"mode": "fan_in"},
            **({"nonlinearity": "relu"} if r.random() < 0.5 else {"a": float(r.uniform(0.05, 1))}),
        ),
        F,
        distribution,
        functions=("kaiming_normal_", "calculate_gain", "normal_"),
        doc="mode='fan_out' (then 'fan_in') on a Conv weight, relu or leaky_relu(a)",
    ),
    Case(
        "kaiming_uniform_leaky_then_tanh",
        1,
        lambda r: _fill(
            "kaiming_uniform_",
            _linear(r),
            r,
            a=float(r.uniform(0.5, 3)),
            mode=str(r.choice(["fan_in", "fan_out"])),
            also={"nonlinearity": str(r.choice(["tanh", "linear", "selu"]))},
        ),
        F,
        distribution,
        functions=("kaiming_uniform_", "calculate_gain", "uniform_"),
        doc="leaky_relu with a given slope a, then another nonlinearity (a and nonlinearity are used)",
    ),
    Case(
        "kaiming_normal_leaky_slope",
        1,
        lambda r: _fill(
            "kaiming_normal_",
            _linear(r),
            r,
            a=float(r.uniform(0.5, 3)),
            mode=str(r.choice(["fan_in", "fan_out"])),
        ),
        F,
        distribution,
        functions=("kaiming_normal_", "calculate_gain", "normal_"),
        doc="leaky_relu with a slope a of 0.5-3: a is used in the gain",
    ),
    Case(
        "kaiming_normal_other_nonlinearity",
        1,
        lambda r: _fill(
            "kaiming_normal_",
            _linear(r),
            r,
            nonlinearity=str(r.choice(["tanh", "linear", "selu"])),
        ),
        F,
        distribution,
        functions=("kaiming_normal_", "calculate_gain", "normal_"),
        doc="a nonlinearity other than relu/leaky_relu: its own gain",
    ),
    Case(
        "kaiming_normal_bfloat16",
        1,
        lambda r: _fill("kaiming_normal_", _linear(r), r, "bfloat16", nonlinearity="relu"),
        F,
        distribution,
        functions=("kaiming_normal_", "normal_"),
        doc="bfloat16 kept",
    ),
    Case(
        "lecun_uniform_linear",
        1,
        lambda r: _fill("lecun_uniform_", _linear(r), r),
        F,
        distribution,
        functions=("lecun_uniform_", "uniform_"),
        doc="U(-bound, bound) with the variance 1 / fan_in",
    ),
    Case(
        "lecun_normal_conv",
        1,
        lambda r: _fill(
            "lecun_normal_", _conv(r), r, str(r.choice(["float32", "float64", "float16"]))
        ),
        F,
        distribution,
        functions=("lecun_normal_", "normal_"),
        doc="N(0, 1 / fan_in), several dtypes",
    ),
    Case(
        "orthogonal_tall",
        1,
        lambda r: _fill(
            "orthogonal_",
            (int(r.integers(150, 400)), int(r.integers(20, 150))),
            r,
            str(r.choice(["float32", "bfloat16"])),
            gain=float(r.uniform(0.5, 3)),
        ),
        F,
        orthogonal,
        functions=("orthogonal_",),
        doc="W^T W = gain**2 I (rows >= cols)",
    ),
    Case(
        "orthogonal_wide_conv",
        1.5,
        lambda r: _fill(
            "orthogonal_",
            (int(r.integers(16, 64)), int(r.integers(8, 32)), 3, 3),
            r,
            str(r.choice(["float32", "float16"])),
            gain=float(r.uniform(0.5, 3)),
        ),
        F,
        orthogonal,
        functions=("orthogonal_",),
        doc="W W^T = gain**2 I for a flattened wide Conv weight",
    ),
    Case(
        "orthogonal_uniform_signs",
        1,
        lambda r: {"seed": _seed(r), "size": int(r.integers(4, 9)), "draws": 100},
        "orthogonal_corners",
        orthogonal_signs,
        functions=("orthogonal_",),
        doc="the QR sign fix: W[0, 0] negative in about half of 100 draws",
    ),
    Case(
        "sparse_columns",
        1.5,
        _sparse_inputs,
        F,
        sparse,
        functions=("sparse_", "normal_"),
        doc="ceil(sparsity * rows) zeros in every column, N(0, std**2) elsewhere",
    ),
    Case(
        "generator_reproducible",
        1.5,
        _each_inputs,
        "fill_each",
        generator,
        functions=RANDOM_FNS,
        doc="same seed, same values; the global random state untouched",
    ),
    Case(
        "fills_parameters_in_place",
        1,
        _each_inputs,
        "fill_each",
        in_place,
        functions=(*RANDOM_FNS, "constant_"),
        doc="works on an nn.Parameter (no_grad) and returns it",
    ),
    Case(
        "cuda_kaiming_uniform",
        1,
        lambda r: _fill("kaiming_uniform_", _linear(r), r, nonlinearity="relu"),
        F,
        distribution,
        device="cuda",
        functions=("kaiming_uniform_",),
        doc="a CUDA tensor stays on CUDA, with the CPU distribution",
    ),
]
