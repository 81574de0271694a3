"""Hidden cases for the labs group. Parent-only: never copied to a worker or a release.

Inputs are fresh for every learner (grader/judging/cases.py seeds them): other sizes, seeds, gains, eps ranges, nets
and curves than the public tests show. The drivers (grader/inside/drivers/labs.py) call the lab functions in
the worker; the judges below decide in the parent: the measuring functions by the reference run on the same
inputs (with tolerances far above rounding) or by properties any correct answer has (shapes, moments, the
weights' spread against torch.nn.init's draw, a gain that really starts at gamma); the predictions by their
form only (a prediction is never wrong); the answers by whether they agree with what the learner's OWN
functions measure when the worker replays the lab's experiment (exercises/lab_tools.py's allowed_<lab>
reads the measurement), never with a stored result. Never by timings.

Labs carry 0 points by default (grader/points.py); the weights below split whatever the instructor gives.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from exercises import lab_tools
from exercises.feedback.checks import sample_shape
from grader.judging.cases import Case, Freedom, JudgeContext, Verdict, upcast64
from grader.judging.compare import (
    all_of,
    close,
    compare,
    mutant_changes,
    mutant_hint,
    step_failed,
)

NAMES = ("normal", "uniform", "exponential", "bimodal")
STATS = ("mean", "std", "skewness", "kurtosis")


def _fail(message: str, hint: str | None = None) -> Verdict:
    return Verdict(False, message, hint)


# --- predictions and answers -----------------------------------------------------------------------

ANSWER_IDS = lab_tools.ANSWER_IDS


def _form(value: object, lab: str, kind: str) -> Verdict | None:
    """A failed verdict when a prediction or answer is missing or not of its lab's form; None when fine."""
    key = "efficiency_prediction" if (lab, kind) == ("efficiency", "predict") else lab
    call = f"{kind}_{lab}()"
    ex_id = ANSWER_IDS[lab][0 if kind == "predict" else 1]
    try:
        problems = lab_tools.check_form(value, lab_tools.FORMS[key], call, ex_id)
    except lab_tools.NotAnsweredYet as exc:
        return _fail(f"not answered yet ({exc})")
    if problems:
        return _fail("; ".join(problems), "labs-not-a-choice")
    return None


def _prediction_inputs(lab: str) -> Callable[[np.random.Generator], dict]:
    return lambda rng: {"lab": lab}


def judge_prediction(ctx: JudgeContext) -> Verdict:
    return _form(ctx.outputs.get("prediction"), str(ctx.inputs["lab"]), "predict") or Verdict.ok()


def _judge_answer(
    lab: str, rebuild: Callable[[dict], dict] | None
) -> Callable[[JudgeContext], Verdict]:
    """The answer's form, then (unless ``rebuild`` is None: the efficiency lab, checked against its own
    times) its agreement with the replayed measurement, read by lab_tools.allowed_<lab>."""

    def judge(ctx: JudgeContext) -> Verdict:
        answer = ctx.outputs.get("answer")
        bad_form = _form(answer, lab, "answer")
        if bad_form:
            return bad_form
        if rebuild is None:
            allowed = lab_tools.allowed_efficiency(answer)
            hint = "labs-speedup-inverted"
        else:
            try:
                allowed = getattr(lab_tools, f"allowed_{lab}")(rebuild(ctx.outputs))
            except Exception as exc:  # the learner's measurements are untrusted plain data
                return _fail(f"the replayed experiment's measurements could not be read ({exc!r})")
            hint = "labs-answer-vs-measurement"
        unusable = [k for k, a in allowed.items() if a.choices is not None and not a.choices]
        if unusable:
            return _fail(
                "the replayed experiment gave nothing to compare the answer with: "
                + "; ".join(f"{k!r}: {allowed[k].evidence}" for k in unusable)
            )
        bad = lab_tools.disagreements(answer, allowed)
        if bad:
            return _fail("; ".join(bad), hint)
        return Verdict.ok()

    return judge


def _floats(value: object) -> dict[str, float]:
    if not isinstance(value, dict):
        raise ValueError(f"expected a dict, got {type(value).__name__}")
    return {str(k): float(v) if v is not None else float("nan") for k, v in value.items()}


def _rebuild_distributions(out: dict) -> dict:
    return {label: {n: _floats(out[label][n]) for n in NAMES} for label in ("raw", "normalized", "gamma", "beta")}  # fmt: skip


def _rebuild_eps(out: dict) -> dict:
    stds, bends = np.asarray(out["stds"], np.float64), np.asarray(out["bends"], np.float64)
    return {
        "bends": {float(s): float(b) for s, b in zip(stds, bends, strict=True)},
        "slope": float(out["slope"]),
        "slope_from": float(out["slope_from"]),
    }


def _rebuild_init(out: dict) -> dict:
    final = _floats(out["final"])
    if set(final) != set(lab_tools.INIT_RUNS):
        raise ValueError(f"runs {sorted(final)}")
    return {"final": final}


def _rebuild_gradients(out: dict) -> dict:
    factors = _floats(out["factors"])
    if set(factors) != set(lab_tools.GRADIENT_RUNS):
        raise ValueError(f"runs {sorted(factors)}")
    return {
        "factors": factors,
        "norms": {k: np.asarray(v, np.float64) for k, v in out["norms"].items()},
    }


def _rebuild_activations(out: dict) -> dict:
    m = {
        "depth_factor": float(out["depth_factor"])
        if out["depth_factor"] is not None
        else float("nan")
    }
    for key in ("without_ln", "with_ln"):
        m[key] = {k: np.asarray(out[key][k], np.float64) for k in ("before", "after", "ratio")}
    return m


def _rebuild_optimizers(out: dict) -> dict:
    drift = {k: _floats(v) for k, v in out["drift"].items()}
    spread = _floats(out["spread"])
    if set(drift) != set(lab_tools.OPTIMIZER_RUNS) or set(spread) != set(drift):
        raise ValueError(f"runs {sorted(drift)}")
    return {"drift": drift, "spread": spread}


def _dist_answer_inputs(rng: np.random.Generator) -> dict:
    c = lab_tools.DIST_LAB
    return {"n": np.int64(c["n_samples"]), "d": np.int64(c["n_features"]), "seed": np.int64(c["seed"]),
            "gamma": np.float64(c["gamma"]), "beta": np.float64(c["beta"])}  # fmt: skip


def _eps_answer_inputs(rng: np.random.Generator) -> dict:
    rows = [lab_tools.eps_rows(s) for s in lab_tools.EPS_LAB["stds"]]
    return {
        "eps": lab_tools.EPS_VALUES.copy(),
        "stds": np.array(lab_tools.EPS_LAB["stds"], dtype=np.float64),
        "x": np.stack([x for x, _ in rows]),
        "dout": np.stack([d for _, d in rows]),
        "slope_past": np.float64(lab_tools.EPS_LAB["slope_past"]),
    }


def _mnist(train: bool = True, evaluate: bool = False) -> dict:
    x, y, xe, _ = lab_tools.mnist_lab_data()
    out = {"batch_size": np.int64(lab_tools.MNIST_LAB["batch_size"])}
    if train:
        out |= {"x": x.copy(), "y": y.copy()}
    if evaluate:
        out["x_eval"] = xe.copy()
    return out


def _init_answer_inputs(rng: np.random.Generator) -> dict:
    c, runs = lab_tools.INIT_LAB, lab_tools.INIT_RUNS
    return {
        **_mnist(),
        "labels": list(runs),
        "gammas": np.array([g for g, _ in runs.values()]),
        "betas": np.array([b for _, b in runs.values()]),
        "num_steps": np.int64(c["num_steps"]),
        "lr": np.float64(c["lr"]),
        "seed": np.int64(c["seed"]),
        "window": np.int64(c["window"]),
    }


def _gradient_answer_inputs(rng: np.random.Generator) -> dict:
    c, runs = lab_tools.GRAD_LAB, lab_tools.GRADIENT_RUNS
    x, y, _, _ = lab_tools.mnist_lab_data()
    return {
        "x": x[: c["batch"]].copy(),
        "y": y[: c["batch"]].copy(),
        "labels": list(runs),
        "inits": [init for init, _ in runs.values()],
        "layer_norms": np.array([ln for _, ln in runs.values()]),
        "depth": np.int64(c["depth"]),
        "width": np.int64(c["width"]),
        "seed": np.int64(c["seed"]),
    }


def _activation_answer_inputs(rng: np.random.Generator) -> dict:
    c = lab_tools.ACT_LAB
    return {
        **_mnist(evaluate=True),
        "depth": np.int64(c["depth"]),
        "width": np.int64(c["width"]),
        "init": c["init"],
        "num_steps": np.int64(c["num_steps"]),
        "lr": np.float64(c["lr"]),
        "seed": np.int64(c["seed"]),
    }


def _optimizer_answer_inputs(rng: np.random.Generator) -> dict:
    c, runs = lab_tools.OPT_LAB, lab_tools.OPTIMIZER_RUNS
    return {
        **_mnist(),
        "labels": list(runs),
        "names": [name for name, _, _ in runs.values()],
        "lrs": np.array([lr for _, lr, _ in runs.values()]),
        "wds": np.array([wd for _, _, wd in runs.values()]),
        "num_steps": np.int64(c["num_steps"]),
        "every": np.int64(c["every"]),
        "seed": np.int64(c["seed"]),
    }


# --- lab distributions -----------------------------------------------------------------------------


def _dist_inputs(rng: np.random.Generator) -> dict:
    return {
        "n": np.int64(rng.integers(250, 350)),
        "d": np.int64(rng.integers(150, 250)),
        "seed": np.int64(rng.integers(0, 2**31)),
    }


def judge_distributions(ctx: JudgeContext) -> Verdict:
    out, n, d = ctx.outputs, int(ctx.inputs["n"]), int(ctx.inputs["d"])
    if out.get("keys") != ",".join(sorted(NAMES)):
        return _fail(f"keys {out.get('keys')!r}, expected exactly {', '.join(NAMES)}")
    for name in NAMES:
        a = out.get(name)
        if not isinstance(a, np.ndarray) or a.shape != (n, d) or not np.isfinite(a).all():
            return _fail(f"{name}: expected ({n}, {d}) finite values", "shape")
    for name in NAMES:  # continuous distributions: a repeated value is a spike (a spread of 0)
        if len(np.unique(out[name])) < 0.99 * n * d:
            return _fail(f"{name}: values repeat; expected a continuous distribution (spread > 0)")
    skew, kurt, _ = sample_shape(out["normal"])  # each sample (row) its own mean and spread
    if not (abs(skew) <= 0.1 and abs(kurt) <= 0.2):
        return _fail(f"normal: skewness {skew:.2f}, excess kurtosis {kurt:.2f} (expected 0, 0)")
    skew, kurt, _ = sample_shape(out["uniform"])
    if not (abs(skew) <= 0.1 and -1.35 < kurt < -1.05):
        return _fail(f"uniform: skewness {skew:.2f}, excess kurtosis {kurt:.2f} (expected 0, -1.2)")
    skew, _, _ = sample_shape(out["exponential"])
    if not skew >= 1.0:
        return _fail(f"exponential: skewness {skew:.2f}; a long right tail makes it 1 or more")
    if not sample_shape(out["bimodal"])[2]:
        return _fail("bimodal: no dip between two bumps", "labs-bimodal-one-peak")
    return Verdict.ok()


def judge_seeding(ctx: JudgeContext) -> Verdict:
    out = ctx.outputs
    if out.get("keys") != ",".join(sorted(NAMES)):
        return _fail(f"keys {out.get('keys')!r}, expected exactly {', '.join(NAMES)}")
    for name in NAMES:
        if out.get(f"{name}_same_seed_equal") is not True:
            return _fail(f"{name}: the same seed gave other arrays", "labs-seed-ignored")
        if out.get(f"{name}_other_seed_equal") is not False:
            return _fail(f"{name}: another seed gave the same arrays", "labs-seed-ignored")
    return Verdict.ok()


def _norm_inputs(vector: bool, one_sample: bool = False) -> Callable[[np.random.Generator], dict]:
    def make(rng: np.random.Generator) -> dict:
        n, d = int(rng.integers(3, 9)), int(rng.integers(5, 40))
        x = rng.normal(size=(n, d)) * rng.uniform(0.2, 5.0, (n, 1)) + rng.normal(0, 10, (n, 1))
        if vector:
            gamma, beta = rng.normal(1.0, 0.5, d), rng.normal(0.0, 1.0, d)
        else:
            gamma, beta = np.float64(rng.uniform(0.3, 4.0)), np.float64(rng.normal(0.0, 5.0))
        return {"x": x[0] if one_sample else x, "gamma": gamma, "beta": beta}

    return make


def _with_eps(make: Callable[[np.random.Generator], dict]) -> Callable[[np.random.Generator], dict]:
    """The same inputs with rows of small spread and eps comparable to their variance: a function that
    ignores its eps argument (always 1e-5) is off by far more than the tolerance."""

    def with_eps(rng: np.random.Generator) -> dict:
        inputs = make(rng)
        x = np.asarray(inputs["x"])
        centre = x.mean(axis=-1, keepdims=True)
        small = (x - centre) * rng.uniform(0.01, 0.2, (x.shape[0], 1)) + centre
        inputs["x"] = small.astype(x.dtype)
        var = small.var(axis=-1)
        inputs["eps"] = np.float64(np.median(var) * rng.uniform(0.5, 2.0))
        return inputs

    return with_eps


def _stats_inputs(one_sample: bool) -> Callable[[np.random.Generator], dict]:
    def make(rng: np.random.Generator) -> dict:
        n, d = (1 if one_sample else int(rng.integers(3, 8))), int(rng.integers(200, 400))
        draws = (
            lambda: rng.normal(rng.normal(0, 5), rng.uniform(0.5, 3), d),
            lambda: rng.exponential(rng.uniform(0.5, 3), d) + rng.normal(0, 5),
            lambda: rng.uniform(-rng.uniform(1, 5), rng.uniform(1, 5), d),
            lambda: (
                np.where(rng.random(d) < rng.uniform(0.3, 0.7), -3.0, 3.0) + rng.normal(0, 1, d)
            ),
        )
        x = np.stack([draws[int(rng.integers(0, 4))]() for _ in range(n)])
        return {"x": x[0] if one_sample else x}

    return make


# --- lab eps -----------------------------------------------------------------------------------------


def _grad_inputs(rng: np.random.Generator) -> dict:
    n, d = int(rng.integers(3, 7)), int(rng.integers(8, 48))
    std = 10.0 ** rng.uniform(-7, 0.5, (n, 1))
    return {
        "x": rng.normal(0, 5) + std * rng.normal(size=(n, d)),
        "dout": rng.normal(size=(n, d)),
        "eps": np.logspace(rng.uniform(-12, -9), rng.uniform(-1, 1), int(rng.integers(6, 12))),
    }


def _slope_inputs(rng: np.random.Generator) -> dict:
    k = int(rng.integers(5, 15))
    x = np.sort(10.0 ** rng.uniform(-4, 4, k))
    return {
        "x": x,
        "y": rng.uniform(0.1, 10) * x ** rng.uniform(-2, 2) * np.exp(rng.normal(0, 0.3, k)),
    }


def _bend_inputs(never: bool) -> Callable[[np.random.Generator], dict]:
    def make(rng: np.random.Generator) -> dict:
        eps = np.logspace(rng.uniform(-14, -10), rng.uniform(-1, 1), int(rng.integers(8, 30)))
        if never:
            values = np.linspace(10.0, rng.uniform(5.5, 9.0), len(eps))
        else:
            var = 10.0 ** rng.uniform(np.log10(eps[2]), np.log10(eps[-3]))
            values = rng.uniform(1, 1e3) / np.sqrt(var + eps) ** rng.uniform(0.5, 1.5)
        return {"eps": eps, "values": values}

    return make


# --- lab init ----------------------------------------------------------------------------------------


def _net_inputs(rng: np.random.Generator) -> dict:
    d = int(rng.integers(10, 40))
    return {
        "gamma": np.float64(rng.choice([0.1, 0.5, 2.0, 10.0]) * rng.uniform(0.8, 1.25)),
        "beta": np.float64(rng.choice([-1.0, 0.5, 2.0]) * rng.uniform(0.8, 1.25)),
        "in_features": np.int64(d),
        "seed": np.int64(rng.integers(0, 2**31)),
        "x": rng.normal(size=(int(rng.integers(3, 9)), d)).astype(np.float32),
    }


def judge_ln_net(ctx: JudgeContext) -> Verdict:
    out, gamma, beta = ctx.outputs, float(ctx.inputs["gamma"]), float(ctx.inputs["beta"])
    if out.get("n_norms") != 1:
        return _fail(f"{out.get('n_norms')} LayerNorm modules, expected 1")
    w, b = out.get("norm_weight"), out.get("norm_bias")
    if not isinstance(w, np.ndarray) or w.shape != (64,) or not np.allclose(w, gamma, rtol=1e-6):
        return _fail(
            f"the LayerNorm's weight does not start at gamma_init = {gamma:.4g} (64 values)",
            "labs-gamma-not-applied",
        )
    if not isinstance(b, np.ndarray) or b.shape != (64,) or not np.allclose(b, beta, rtol=1e-6):
        return _fail(
            f"the LayerNorm's bias does not start at beta_init = {beta:.4g} (64 values)",
            "labs-beta-not-applied",
        )
    y = out.get("output")
    n = len(ctx.inputs["x"])
    if (
        not isinstance(y, np.ndarray)
        or y.shape != (n, 10)
        or not np.allclose(np.exp(y).sum(1), 1, atol=1e-5)
    ):
        return _fail(f"output: expected ({n}, 10) log-probabilities (exp sums to 1)")
    differing = [s for s in str(out.get("differing", "")).split(",") if s]
    if len(differing) != 2:
        return _fail(
            f"two nets of the same seed differ in {differing}: expected only the LayerNorm's weight "
            "and bias"
        )
    if not [s for s in str(out.get("other_seed_differing", "")).split(",") if s]:
        return _fail(
            "make_ln_net(gamma, beta, seed=s) and seed=s + 1 built the same weights: the seed argument "
            "must choose the initial weights",
            "labs-net-seed-ignored",
        )
    if out.get("uses_norm_cls") is not True:
        return _fail("make_ln_net(..., norm_cls=C) built no module of class C")
    return Verdict.ok()


def _train_inputs(rng: np.random.Generator) -> dict:
    d, classes, n = int(rng.integers(6, 16)), int(rng.integers(3, 6)), int(rng.integers(60, 120))
    teacher = rng.normal(size=(d, classes))
    x = rng.normal(size=(n, d)).astype(np.float32)
    return {
        "x": x,
        "y": np.argmax(x @ teacher, axis=1).astype(np.int64),
        "batch": np.int64(rng.integers(16, 33)),
        "num_steps": np.int64(rng.integers(8, 14)),  # more than one epoch
        "lr": np.float64(rng.uniform(0.05, 0.3)),
        "seed": np.int64(rng.integers(0, 2**31)),
    }


def _compare_all(rtol: float, atol: float) -> Callable[[JudgeContext], Verdict]:
    """Every output the reference has, within (rtol, atol); the hint of the mutant the learner matches."""

    def judge(ctx: JudgeContext) -> Verdict:
        names = sorted(k for k, v in ctx.reference.items() if isinstance(v, np.ndarray))
        extra = sorted(set(ctx.outputs) - set(ctx.reference))
        if extra:
            return _fail(f"unexpected outputs {extra} (expected {names})")
        problems, wrong, generic = compare(
            ctx.outputs, ctx.reference, names, rtol=rtol, atol=atol, dtypes=dict.fromkeys(names, "")
        )
        if not problems:
            return Verdict.ok()
        return _fail("; ".join(problems), mutant_hint(ctx, sorted(wrong)) or generic)

    return judge


def _average_inputs(rng: np.random.Generator) -> dict:
    t = int(rng.integers(8, 60))
    return {"values": rng.normal(2.0, 1.0, t), "window": np.int64(rng.integers(2, min(t, 12)))}


def judge_average(ctx: JudgeContext) -> Verdict:
    verdict = close("smooth", rtol=1e-9, atol=1e-12, check_dtype=False)(ctx)
    if not verdict.passed:
        return verdict
    if ctx.outputs.get("too_long_raises") is not True:
        return _fail(
            "moving_average(values, window) with window > len(values): expected a ValueError"
        )
    return Verdict.ok()


# --- lab efficiency ----------------------------------------------------------------------------------


def _impl_inputs(dtype: str = "float64") -> Callable[[np.random.Generator], dict]:
    def make(rng: np.random.Generator) -> dict:
        n, d = int(rng.integers(4, 40)), int(rng.integers(8, 96))
        x = rng.normal(size=(n, d)) * rng.uniform(0.1, 5.0, (n, 1)) + rng.normal(0, 5, (n, 1))
        return {
            "x": x.astype(dtype),
            "gamma": rng.normal(1.0, 0.3, d).astype(dtype),
            "beta": rng.normal(0.0, 0.3, d).astype(dtype),
            "dtype": dtype,
        }

    return make


def judge_loop_equals_vectorized(ctx: JudgeContext) -> Verdict:
    out, vec = ctx.outputs.get("out"), ctx.outputs.get("vectorized")
    if not isinstance(out, np.ndarray) or not isinstance(vec, np.ndarray) or out.shape != vec.shape:
        return _fail("the row loop's and the vectorized outputs differ in shape")
    out, vec = out.astype(np.float64), vec.astype(np.float64)
    if not np.allclose(out, vec, rtol=1e-10, atol=1e-10):
        return _fail(
            f"the row loop and normalize_per_sample differ by up to {np.abs(out - vec).max():.3g}",
            mutant_hint(ctx, ["out", "vectorized"]),
        )
    return Verdict.ok()


def judge_torch_meta(ctx: JudgeContext) -> Verdict:
    out, want = ctx.outputs, str(ctx.inputs["dtype"])
    if out.get("dtype") != want:
        return _fail(f"output dtype {out.get('dtype')}, expected x's dtype {want}", "dtype")
    raised = step_failed(
        out.get("backward_error"), "backward through layer_norm_torch_ops's output"
    )
    if raised is not None:
        return raised
    if out.get("has_grad") is not True:
        return _fail("no gradient reached x: keep the computation in torch ops")
    return Verdict.ok()


def judge_torch_float32(ctx: JudgeContext) -> Verdict:
    """float32 output against the reference on float64 upcasts (the fair judge of a float32 result)."""
    expected = ctx.reference_for(upcast64(ctx.inputs))
    problems, _, generic = compare(
        ctx.outputs, expected, ["out"], rtol=1e-5, atol=1e-4, dtypes={"out": ""}
    )
    if problems:
        return _fail("; ".join(problems), mutant_hint(ctx, ["out"]) or generic)
    return judge_torch_meta(ctx)


# --- lab gradients -----------------------------------------------------------------------------------

SCHEMES = ("default", "xavier", "kaiming", "normal")


def _mlp_inputs(scheme: str | None) -> Callable[[np.random.Generator], dict]:
    def make(rng: np.random.Generator) -> dict:
        small = scheme is None
        fin = int(rng.integers(5, 20) if small else rng.integers(150, 300))
        return {
            "depth": np.int64(rng.integers(2, 6) if small else rng.integers(3, 5)),
            "width": np.int64(rng.integers(4, 16) if small else rng.integers(150, 260)),
            "in_features": np.int64(fin),
            "classes": np.int64(rng.integers(2, 8)),
            "init": scheme or str(rng.choice(SCHEMES)),
            "layer_norm": bool(rng.random() < 0.5) if small else False,
            "seed": np.int64(rng.integers(0, 2**31)),
            "x": rng.normal(size=(int(rng.integers(2, 6)), fin)).astype(np.float32),
        }

    return make


def judge_mlp_structure(ctx: JudgeContext) -> Verdict:
    out, inp = ctx.outputs, ctx.inputs
    depth, width, ln = int(inp["depth"]), int(inp["width"]), bool(inp["layer_norm"])
    fin, classes = int(inp["in_features"]), int(inp["classes"])
    for with_ln, key in ((ln, "kinds"), (not ln, "kinds_flipped")):
        hidden = ["Linear", "LayerNorm", "ReLU"] if with_ln else ["Linear", "ReLU"]
        want = hidden * (depth - 1) + ["Linear", "LogSoftmax"]
        kinds = str(out.get(key, "")).split(",")
        if kinds != want:
            hint = "labs-ln-placement" if sorted(kinds) == sorted(want) else None
            return _fail(f"layer_norm={with_ln}: modules in order {kinds}, expected {want}", hint)
    layers = out.get("layers")
    sizes = [fin] + [width] * (depth - 1) + [classes]
    shapes = [(sizes[i], sizes[i + 1]) for i in range(depth)]
    if not isinstance(layers, np.ndarray) or layers.shape != (depth, 5):
        return _fail("could not read the Linear layers")
    if [tuple(int(v) for v in row[:2]) for row in layers] != shapes:
        return _fail(
            f"Linear (in, out) sizes {layers[:, :2].astype(int).tolist()}, expected {shapes}"
        )
    y = out.get("output")
    n = len(inp["x"])
    if (
        not isinstance(y, np.ndarray)
        or y.shape != (n, classes)
        or not np.allclose(np.exp(y).sum(1), 1, atol=1e-4)
    ):
        return _fail(f"output: expected ({n}, {classes}) log-probabilities (exp sums to 1)")  # fmt: skip
    if out.get("same_seed_same") is not True or out.get("other_seed_same") is not False:
        return _fail("the same seed must build the same net and another seed another one")
    if not str(out.get("unknown_init", "")).startswith("ValueError"):
        return _fail(f"make_deep_mlp(init='no-such-scheme'): {out.get('unknown_init')}, expected a ValueError")  # fmt: skip
    return Verdict.ok()


def _torch_draw_std(scheme: str, fan_in: int, fan_out: int) -> float:
    """The std of what torch draws for a (fan_out, fan_in) weight under ``scheme`` (torch as the oracle)."""
    import torch
    from torch import nn

    gen = torch.Generator().manual_seed(0)
    w = torch.empty(fan_out, fan_in)
    if scheme == "default":  # what nn.Linear.reset_parameters draws for its weight
        nn.init.kaiming_uniform_(w, a=np.sqrt(5), generator=gen)
    elif scheme == "xavier":
        nn.init.xavier_normal_(w, generator=gen)
    elif scheme == "kaiming":
        nn.init.kaiming_normal_(w, nonlinearity="relu", generator=gen)
    else:
        nn.init.normal_(w, 0.0, 1.0, generator=gen)
    return float(w.double().std())


def judge_mlp_init(ctx: JudgeContext) -> Verdict:
    layers, scheme = ctx.outputs.get("layers"), str(ctx.inputs["init"])
    depth = int(ctx.inputs["depth"])
    if not isinstance(layers, np.ndarray) or layers.shape != (depth, 5):
        return _fail("could not read the Linear layers")
    for i, (fi, fo, std, mean, bias) in enumerate(layers[:-1]):  # hidden layers: enough weights
        want = _torch_draw_std(scheme, int(fi), int(fo))
        if not (abs(std / want - 1) < 0.06 and abs(mean) < 0.1 * want):
            return _fail(
                f"layer {i + 1}: weights of std {std:.4g} (mean {mean:.2g}); torch draws std "
                f"{want:.4g} for a ({int(fo)}, {int(fi)}) weight under init {scheme!r}",
                "labs-init-not-applied",
            )
        if scheme != "default" and bias != 0:
            return _fail(f"layer {i + 1}: biases up to {bias:.3g}; init {scheme!r} zeroes them")
    return Verdict.ok()


def _kit_net_inputs(rng: np.random.Generator) -> dict:
    depth = int(rng.integers(2, 5))
    sizes = [int(rng.integers(4, 20))] + [int(rng.integers(3, 16)) for _ in range(depth)]
    n = int(rng.integers(4, 20))
    return {
        "sizes": np.array(sizes, dtype=np.int64),
        "ln_at": np.int64(rng.integers(-1, depth - 1)),
        "seed": np.int64(rng.integers(0, 2**31)),
        "x": rng.normal(size=(n, sizes[0])).astype(np.float32),
        "y": rng.integers(0, sizes[-1], n).astype(np.int64),
    }


def judge_grad_norms(ctx: JudgeContext) -> Verdict:
    if ctx.outputs.get("hooks_left"):
        return _fail(
            f"hooks left on modules {ctx.outputs.get('hooks_left')}: remove the ones you add"
        )
    return _compare_all(1e-5, 1e-9)(ctx)


def _growth_inputs(rng: np.random.Generator) -> dict:
    n = int(rng.integers(3, 12))
    return {"values": np.exp(np.cumsum(rng.normal(rng.normal(0, 0.5), 0.3, n)))}


# --- lab activations ---------------------------------------------------------------------------------


def judge_outputs(ctx: JudgeContext) -> Verdict:
    got, want = ctx.outputs.get("outputs"), ctx.reference["outputs"]
    if (
        not isinstance(got, list)
        or len(got) != len(want)
        or not all(
            isinstance(a, np.ndarray)
            and a.shape == b.shape
            and np.allclose(a, b, rtol=1e-5, atol=1e-6)
            for a, b in zip(got, want, strict=False)
        )
    ):
        shapes = (
            [getattr(a, "shape", type(a).__name__) for a in got] if isinstance(got, list) else got
        )
        hint = None
        for hint_id, outs in mutant_changes(ctx.mutants, ctx.reference).items():
            theirs = outs.get("outputs")
            if isinstance(theirs, list) and isinstance(got, list) and len(theirs) == len(got) and all(
                isinstance(a, np.ndarray) and a.shape == b.shape and np.allclose(a, b, atol=1e-6)
                for a, b in zip(got, theirs, strict=True)
            ):  # fmt: skip
                hint = hint_id.split("#")[0]
                break
        return _fail(
            f"{shapes}: expected the outputs of the {len(want)} ReLU modules, in order", hint
        )
    if ctx.outputs.get("hooks_ok") is not True:
        return _fail("the model's hooks changed: remove every hook you added, and only those", "labs-hooks-left")  # fmt: skip
    return Verdict.ok()


# --- lab optimizers ----------------------------------------------------------------------------------


def _optimizer_inputs(rng: np.random.Generator) -> dict:
    return {
        "in_features": np.int64(rng.integers(3, 10)),
        "seed": np.int64(rng.integers(0, 2**31)),
        "lr": np.float64(10.0 ** rng.uniform(-4, -1)),
        "weight_decay": np.float64(rng.uniform(0.01, 0.5)),
    }


def _num(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


def judge_optimizer(ctx: JudgeContext) -> Verdict:
    out, lr, wd = ctx.outputs, float(ctx.inputs["lr"]), float(ctx.inputs["weight_decay"])
    for name, cls in (("sgd", "torch.optim.sgd.SGD"), ("adam", "torch.optim.adam.Adam")):
        got = out.get(name)
        if not isinstance(got, dict) or got.get("class") != cls:
            return _fail(f"make_optimizer(model, {name!r}, ...) built {got.get('class') if isinstance(got, dict) else got}, expected {cls}")  # fmt: skip
        if not np.isclose(_num(got.get("lr")), lr, rtol=1e-12):
            return _fail(f"{name}: lr {got.get('lr')}, expected {lr:.6g}")
        if not np.isclose(_num(got.get("weight_decay")), wd, rtol=1e-12):
            return _fail(f"{name}: weight_decay {got.get('weight_decay')}, expected {wd:.6g}", "labs-weight-decay-ignored")  # fmt: skip
        if got.get("n_params") != out.get("n_model_params"):
            return _fail(f"{name}: the optimizer holds {got.get('n_params')} of the model's {out.get('n_model_params')} parameters")  # fmt: skip
    if not str(out.get("unknown", "")).startswith("ValueError"):
        return _fail(f"make_optimizer(model, 'no-such-optimizer', lr): {out.get('unknown')}, expected a ValueError")  # fmt: skip
    return Verdict.ok()


def _snapshot_inputs(opt: str) -> Callable[[np.random.Generator], dict]:
    def make(rng: np.random.Generator) -> dict:
        inputs = _train_inputs(rng)
        inputs["every"] = np.int64(rng.integers(1, 5))
        inputs["optimizer"] = opt
        if opt == "adam":
            inputs["lr"] = np.float64(10.0 ** rng.uniform(-3.5, -2))
        return inputs

    return make


def _drift_inputs(rng: np.random.Generator) -> dict:
    s, p = int(rng.integers(2, 8)), int(rng.integers(3, 40))
    start = rng.normal(size=p) * rng.uniform(0.1, 3)
    moves = np.cumsum(rng.normal(0, rng.uniform(0.01, 1), (s - 1, p)), axis=0)
    return {"snapshots": np.vstack([start, start + moves])}


# --- the cases -------------------------------------------------------------------------------------

DIST = ("make_distributions",)
NORM = ("normalize_per_sample",)
STAT = ("sample_stats",)
GRAD = ("max_grad_vs_eps",)
NET = ("make_ln_net",)
TRAIN = ("train_losses",)
LOOP_ALONE = ("layer_norm_rows_loop",)
LOOP = (*LOOP_ALONE, "normalize_per_sample")
TORCH = ("layer_norm_torch_ops",)
MLP = ("make_deep_mlp",)
A_DIST = ("answer_distributions", "make_distributions", "normalize_per_sample", "sample_stats")
A_EPS = ("answer_eps", "max_grad_vs_eps", "bend_eps", "loglog_slope")
A_INIT = ("answer_init", "make_ln_net", "train_losses", "moving_average")
A_GRAD = ("answer_gradients", "make_deep_mlp", "grad_norms_per_layer", "growth_per_layer")
A_ACT = ("answer_activations", "make_deep_mlp", "layer_outputs", "train_losses", "growth_per_layer")
A_OPT = ("answer_optimizers", "make_optimizer", "train_and_snapshot", "relative_drift")


def _predict(lab: str) -> Case:
    return Case(f"prediction_{lab}", 0.5, _prediction_inputs(lab), "prediction", judge_prediction,
                functions=(f"predict_{lab}",), doc=f"predict_{lab}() recorded in the lab's form")  # fmt: skip


CASES = [
    # lab distributions
    Case("distributions_shapes", 1, _dist_inputs, "distributions", judge_distributions,
         functions=DIST, shares="distributions",
         doc="four (n, d) samples: normal, uniform, skewed exponential, two-bump bimodal"),
    Case("distributions_seeded", 1, _dist_inputs, "distributions", judge_seeding,
         functions=DIST, shares="distributions", doc="same seed, same arrays; other seed, others"),
    Case("normalize_scalar_gain", 1, _norm_inputs(False), "normalize",
         close("out", "x_after", check_dtype=False), functions=NORM,
         doc="every sample standardized, then scalar gamma and beta; x untouched"),
    Case("normalize_vector_gain", 1, _norm_inputs(True), "normalize",
         close("out", "x_after", check_dtype=False), functions=NORM,
         doc="per-feature gamma (D,) and beta (D,)"),
    Case("normalize_one_sample", 1, _norm_inputs(False, one_sample=True), "normalize",
         close("out", "x_after", check_dtype=False), functions=NORM, doc="a 1-D x is one sample"),
    Case("normalize_eps", 1, _with_eps(_norm_inputs(True)), "normalize",
         close("out", "x_after", check_dtype=False), functions=NORM,
         doc="rows of small variance with eps of the same size: the eps argument is used"),
    Case("sample_stats_rows", 1, _stats_inputs(False), "stats",
         close(*STATS, rtol=1e-7, atol=1e-9, check_dtype=False), functions=STAT,
         doc="per-sample mean, std, skewness, excess kurtosis, averaged over samples"),
    Case("sample_stats_one_sample", 1, _stats_inputs(True), "stats",
         close(*STATS, rtol=1e-7, atol=1e-9, check_dtype=False), functions=STAT,
         doc="a 1-D x is one sample"),
    _predict("distributions"),
    Case("answer_distributions", 1, _dist_answer_inputs, "answer_distributions",
         _judge_answer("distributions", _rebuild_distributions), functions=A_DIST,
         doc="the answer agrees with the learner's own replayed measurements"),
    # lab eps
    Case("max_grad_is_layer_norm_gradient", 1, _grad_inputs, "max_grad",
         close("max_grad", rtol=1e-6, atol=1e-9, check_dtype=False), functions=GRAD,
         doc="max |dL/dx| of layer norm for every eps, rows of std 1e-7 to 3"),
    Case("loglog_slope", 1, _slope_inputs, "slope", close("slope", rtol=1e-9, atol=1e-12,
         check_dtype=False), functions=("loglog_slope",), doc="least-squares slope of log y on log x"),
    Case("bend_eps", 1, _bend_inputs(False), "bend", close("bend", rtol=1e-9, atol=1e-15,
         check_dtype=False), functions=("bend_eps",),
         doc="where a curve falls to half its first value, interpolated on log-log axes"),
    Case("bend_eps_never", 0.5, _bend_inputs(True), "bend", close("bend", check_dtype=False),
         functions=("bend_eps",), doc="a curve that never halves has no bend (inf)"),
    _predict("eps"),
    Case("answer_eps", 1, _eps_answer_inputs, "answer_eps", _judge_answer("eps", _rebuild_eps),
         functions=A_EPS, doc="the answer agrees with the learner's own replayed measurements"),
    # lab init
    Case("ln_net_start", 1, _net_inputs, "ln_net", judge_ln_net, functions=NET,
         doc="one LayerNorm whose gain and shift start at gamma_init and beta_init; seeds; norm_cls"),
    Case("train_losses", 1, _train_inputs, "train", _compare_all(1e-4, 1e-5), functions=TRAIN,
         doc="the optimizer stepped on NLLLoss for num_steps batches past one epoch; each loss"),
    Case("moving_average", 1, _average_inputs, "average", judge_average,
         functions=("moving_average",), doc="the mean of every full window; a too-long window refused"),
    _predict("init"),
    Case("answer_init", 1, _init_answer_inputs, "answer_init", _judge_answer("init", _rebuild_init),
         functions=A_INIT, doc="the answer agrees with the learner's own replayed measurements"),
    # lab efficiency
    # the loop's own cases call the loop alone; only the comparison also calls normalize_per_sample
    Case("rows_loop_values", 1, _impl_inputs(), "rows_loop", close("out", check_dtype=False),
         functions=LOOP_ALONE, shares="rows loop", doc="the row loop computes layer norm"),
    Case("rows_loop_equals_vectorized", 1, _impl_inputs(), "rows_loop_vs_vectorized",
         judge_loop_equals_vectorized, functions=LOOP, shares="rows loop",
         doc="the row loop and the vectorized version agree"),
    Case("rows_loop_eps", 1, _with_eps(_impl_inputs()), "rows_loop",
         close("out", check_dtype=False), functions=LOOP_ALONE,
         doc="the row loop uses its eps argument (rows of small variance, eps of the same size)"),
    Case("torch_ops_float64", 1, _impl_inputs(), "torch_ops",
         all_of(close("out", rtol=1e-10, atol=1e-10, check_dtype=False), judge_torch_meta),
         functions=TORCH, doc="torch ops layer norm in float64, autograd flows"),
    Case("torch_ops_float32", 1, _impl_inputs("float32"), "torch_ops", judge_torch_float32,
         functions=TORCH, doc="float32 in, float32 out, close to float64"),
    Case("torch_ops_eps", 1, _with_eps(_impl_inputs()), "torch_ops",
         close("out", rtol=1e-10, atol=1e-10, check_dtype=False),
         functions=TORCH, doc="the torch version uses its eps argument"),
    _predict("efficiency"),
    Case("answer_efficiency", 0.5, lambda rng: {}, "answer_efficiency",
         _judge_answer("efficiency", None), functions=("answer_efficiency",),
         doc="the speedup is what the answer's own two times say (timings are never re-measured)"),
    # lab gradients
    Case("deep_mlp_structure", 1, _mlp_inputs(None), "deep_mlp", judge_mlp_structure,
         functions=MLP, doc="Linear, [LayerNorm], ReLU per hidden layer, LogSoftmax; seeds; bad init"),
    *[
        Case(f"deep_mlp_init_{s}", 0.5, _mlp_inputs(s), "deep_mlp", judge_mlp_init, functions=MLP,
             doc=f"init {s!r}: each hidden layer's weights drawn as torch draws them")
        for s in SCHEMES
    ],
    Case("grad_norms_per_layer", 1, _kit_net_inputs, "grad_norms", judge_grad_norms,
         functions=("grad_norms_per_layer",),
         doc="the norm of dL/d(output) of every Linear, first layer first; no hook left"),
    Case("growth_per_layer", 1, _growth_inputs, "growth", close("factor", rtol=1e-9, atol=1e-12,
         check_dtype=False), functions=("growth_per_layer",),
         doc="the geometric mean of the ratios of consecutive values"),
    _predict("gradients"),
    Case("answer_gradients", 1, _gradient_answer_inputs, "answer_gradients",
         _judge_answer("gradients", _rebuild_gradients), functions=A_GRAD,
         doc="the answer agrees with the learner's own replayed measurements"),
    # lab activations
    Case("layer_outputs", 1, _kit_net_inputs, "outputs", judge_outputs,
         functions=("layer_outputs",), doc="every ReLU's output in order; the model's hooks as found"),
    _predict("activations"),
    Case("answer_activations", 1, _activation_answer_inputs, "answer_activations",
         _judge_answer("activations", _rebuild_activations), functions=A_ACT,
         doc="the answer agrees with the learner's own replayed measurements"),
    # lab optimizers
    Case("make_optimizer", 1, _optimizer_inputs, "optimizer", judge_optimizer,
         functions=("make_optimizer",), doc="SGD and Adam by name, with lr and weight_decay"),
    Case("train_and_snapshot_sgd", 1, _snapshot_inputs("sgd"), "snapshots",
         _compare_all(1e-4, 1e-5), functions=("train_and_snapshot",),
         doc="copies of every parameter before the first step and every `every` steps (SGD)"),
    Case("train_and_snapshot_adam", 1, _snapshot_inputs("adam"), "snapshots",
         _compare_all(1e-4, 1e-5), functions=("train_and_snapshot",),
         doc="the same with Adam"),
    Case("relative_drift", 1, _drift_inputs, "drift", close("drift", rtol=1e-9, atol=1e-12,
         check_dtype=False), functions=("relative_drift",),
         doc="each snapshot's distance from the first, relative to the first's size"),
    _predict("optimizers"),
    Case("answer_optimizers", 1, _optimizer_answer_inputs, "answer_optimizers",
         _judge_answer("optimizers", _rebuild_optimizers), functions=A_OPT,
         doc="the answer agrees with the learner's own replayed measurements"),
]  # fmt: skip

# What the docstrings leave free on purpose: `grader audit` counts a surviving mutant there as equivalent by
# contract (grader/judging/cases.py Freedom), not as a gap of the cases above.
_PARAMETERS = (
    "'The means and spreads are yours to choose (the checks look at each sample's shape: "
    "symmetry, flatness, a tail, a dip between two bumps)'"
)
_PREDICTION = (
    "'write it before you look; it is never marked wrong': any prediction of the listed form"
)
FREEDOMS = [
    Freedom("make_distributions", "rng.normal()", _PARAMETERS),
    Freedom("make_distributions", "rng.uniform()", _PARAMETERS),
    Freedom("make_distributions", "rng.exponential()", _PARAMETERS),
    Freedom("make_distributions", "sign * 4.0", _PARAMETERS + " (the bumps' distance)"),
    Freedom("make_distributions", "-1.0", _PARAMETERS + " (the lower bump's mean)"),
    Freedom("make_distributions", "1.0", _PARAMETERS + " (the upper bump's mean, a spread)"),
    Freedom(
        "make_distributions",
        "sign * 4.0 + rng.normal(0.0, 1.0, shape)",
        _PARAMETERS + "; how the mixture is drawn is free too: Normal noise is symmetric, so "
        "sign * 4 - noise is the same mixture",
    ),
    Freedom("predict_eps", "{'slope': -1.0, 'bend': 'std'}", _PREDICTION),
    Freedom("predict_efficiency", "{'speedup': 5.0}", _PREDICTION),
    Freedom(
        "answer_efficiency",
        "{'loop_ms': 15.0, 'vectorized_ms': 5.0, 'speedup': 3.0}",
        "'Timings depend on your machine and are never tested: the check is only that your speedup "
        "is what your two times say (within 10 %)': other times of the same ratio are right",
    ),
]
