"""Hidden cases for the labs group. Parent-only: never copied to a worker or a release.

Inputs are fresh for every learner (grader/cases.py seeds them): other sizes, seeds, gains, eps ranges and
curves than the public tests show. The drivers (grader/inside/drivers/labs.py) call the lab functions in the
worker and read the figures there; the judges below decide in the parent, by properties any correct
answer has (shapes, moments, slopes, axis scales, a gain that really starts at gamma) and, for the
numerical labs, by the reference run on the same inputs (a training run on a seeded kit net, a gradient
in float64) with tolerances far above rounding. Never by timings.

Labs carry 0 points by default (grader/points.py); the weights below split whatever the instructor gives.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from exercises.feedback.checks import choose_hint
from grader.judging.cases import Case, Freedom, JudgeContext, Verdict, upcast64
from grader.judging.compare import all_of, close, compare
from grader.judging.compare import mutant_changes as _changed

NAMES = ("normal", "uniform", "exponential", "bimodal")


def _fail(message: str, hint: str | None = None) -> Verdict:
    return Verdict(False, message, hint)


def _mutant_hint(ctx: JudgeContext, names: list[str]) -> str | None:
    """The hint of the mutant whose outputs the learner reproduces on ``names`` (same inputs)."""
    return choose_hint(ctx.outputs, _changed(ctx.mutants, ctx.reference), only=set(names))


# --- lab 1: distributions under layer norm ---------------------------------------------------------


def _dist_inputs(rng: np.random.Generator) -> dict:
    return {
        "n": np.int64(rng.integers(250, 350)),
        "d": np.int64(rng.integers(150, 250)),
        "seed": np.int64(rng.integers(0, 2**31)),
    }


def _moments(a: np.ndarray) -> tuple[float, float]:
    z = (a.ravel() - a.mean()) / a.std()
    return float((z**3).mean()), float((z**4).mean() - 3.0)


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
    skew, kurt = _moments(out["normal"])
    if not (abs(skew) <= 0.1 and abs(kurt) <= 0.2):
        return _fail(f"normal: skewness {skew:.2f}, excess kurtosis {kurt:.2f} (expected 0, 0)")
    skew, kurt = _moments(out["uniform"])
    if not (abs(skew) <= 0.1 and -1.35 < kurt < -1.05):
        return _fail(f"uniform: skewness {skew:.2f}, excess kurtosis {kurt:.2f} (expected 0, -1.2)")
    skew, _ = _moments(out["exponential"])
    if not skew >= 1.2:
        return _fail(f"exponential: skewness {skew:.2f} (expected 2: a long right tail)")
    z = (out["bimodal"].ravel() - out["bimodal"].mean()) / out["bimodal"].std()
    counts, _ = np.histogram(z, bins=21, range=(-2.5, 2.5))
    if not counts[10] < 0.5 * counts.max():
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


def _norm_inputs(vector: bool) -> Callable[[np.random.Generator], dict]:
    def make(rng: np.random.Generator) -> dict:
        n, d = int(rng.integers(3, 9)), int(rng.integers(5, 40))
        x = rng.normal(size=(n, d)) * rng.uniform(0.2, 5.0, (n, 1)) + rng.normal(0, 10, (n, 1))
        if vector:
            gamma, beta = rng.normal(1.0, 0.5, d), rng.normal(0.0, 1.0, d)
        else:
            gamma, beta = np.float64(rng.uniform(0.3, 4.0)), np.float64(rng.normal(0.0, 5.0))
        return {"x": x, "gamma": gamma, "beta": beta}

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


def _plot_dist_inputs(rng: np.random.Generator) -> dict:
    shape = (int(rng.integers(10, 30)), int(rng.integers(32, 96)))
    return {
        "normal": rng.normal(5, 2, shape),
        "uniform": rng.uniform(-3, 7, shape),
        "exponential": rng.exponential(2, shape),
        "bimodal": np.where(rng.random(shape) < 0.5, -4.0, 4.0) + rng.normal(0, 1, shape),
        "gamma": np.float64(rng.uniform(0.3, 0.8)),
        "beta": np.float64(rng.choice([-1, 1]) * rng.uniform(15, 30)),
        "bins": np.int64(rng.integers(12, 40)),
    }


def judge_plot_dists(ctx: JudgeContext) -> Verdict:
    out, inputs = ctx.outputs, ctx.inputs
    if out.get("is_figure") is not True:
        return _fail(f"returned {out.get('returned')}, expected the matplotlib Figure")
    geo = out.get("axes")
    if (
        not isinstance(geo, np.ndarray)
        or geo.ndim != 2
        or geo.shape[1] != 5
        or not np.isfinite(geo[:, :2]).all()
    ):
        return _fail("could not read the figure's axes")
    geo = geo.astype(np.float64)
    cols = sorted({round(float(v), 3) for v in geo[:, 0]})
    rows = sorted({round(float(v), 3) for v in geo[:, 1]}, reverse=True)
    if len(geo) != 8 or len(cols) != 4 or len(rows) != 2:
        return _fail(f"{len(geo)} axes in {len(rows)} rows x {len(cols)} columns, expected 2 x 4")
    gamma, beta, bins = float(inputs["gamma"]), float(inputs["beta"]), int(inputs["bins"])
    titles, bars = out.get("titles"), out.get("bars")
    if not isinstance(titles, list) or not isinstance(bars, np.ndarray) or len(titles) != len(geo):
        return _fail("could not read the figure's titles")
    for (x0, y0, lo, hi, drawn), title, n_bars in zip(geo, titles, bars, strict=False):
        j, top = cols.index(round(x0, 3)), rows.index(round(y0, 3)) == 0
        name, where = NAMES[j], "top" if top else "bottom"
        if not drawn or not np.isfinite([lo, hi]).all():
            return _fail(f"column {j} ({name}), {where} row: nothing drawn")
        if name not in str(title):
            return _fail(f"column {j}, {where} row: the title {title!r} does not name {name!r}")
        if (
            n_bars and n_bars != bins
        ):  # bars (histtype "bar"): one per bin; a step outline: not counted
            return _fail(f"column {j} ({name}), {where} row: {n_bars} bars, expected bins={bins}")
        if top:
            x = inputs[name]
            if not (lo <= x.mean() <= hi and hi - lo >= 0.5 * np.ptp(x)):
                return _fail(
                    f"top row, column {j}: x range [{lo:.3g}, {hi:.3g}] does not show {name}"
                )
        else:
            bound = gamma * np.sqrt(inputs[name].shape[1]) + 1e-6
            if not (lo <= beta <= hi and beta - bound <= lo and hi <= beta + bound):
                return _fail(
                    f"bottom row, column {j}: x range [{lo:.3g}, {hi:.3g}], expected the normalized "
                    f"values around beta = {beta:.3g}",
                    "labs-bottom-not-normalized",
                )
    return Verdict.ok()


# --- lab 2: eps and numerical stability -----------------------------------------------------------


def _grad_inputs(rng: np.random.Generator) -> dict:
    n, d = int(rng.integers(3, 7)), int(rng.integers(8, 48))
    std = 10.0 ** rng.uniform(-7, 0.5, (n, 1))
    return {
        "x": rng.normal(0, 5) + std * rng.normal(size=(n, d)),
        "dout": rng.normal(size=(n, d)),
        "eps": np.logspace(rng.uniform(-12, -9), rng.uniform(-1, 1), int(rng.integers(6, 12))),
    }


def _slope_inputs(rng: np.random.Generator) -> dict:
    n, d = int(rng.integers(2, 6)), int(rng.integers(16, 64))
    return {
        "x": rng.normal(0, 5) + 1e-7 * rng.normal(size=(n, d)),  # variance ~1e-14 << every eps
        "dout": rng.normal(size=(n, d)),
        "eps": np.logspace(-6, -1, int(rng.integers(5, 9))),
    }


def judge_slope(ctx: JudgeContext) -> Verdict:
    got = ctx.outputs.get("max_grad")
    eps = ctx.inputs["eps"]
    if not isinstance(got, np.ndarray) or got.shape != eps.shape or not np.isfinite(got).all():
        return _fail(f"expected {len(eps)} finite values", "shape")
    if (got <= 0).any():
        return _fail("expected positive values (the largest |dL/dx|)")
    slope = float(np.polyfit(np.log(eps), np.log(got), 1)[0])
    if not -0.55 < slope < -0.45:
        return _fail(
            f"log-log slope {slope:.2f} on near-constant rows; expected -1/2 (1/sqrt(eps))",
            _mutant_hint(ctx, ["max_grad"]) or "labs-eps-outside",
        )
    return Verdict.ok()


def _plot_eps_inputs(rng: np.random.Generator) -> dict:
    k, c = int(rng.integers(4, 9)), int(rng.integers(1, 4))
    return {
        "eps": np.logspace(rng.uniform(-12, -8), 0, k),
        "curves": np.sort(10.0 ** rng.uniform(-1, 5, (c, k)), axis=1)[:, ::-1].copy(),
    }


def _lines_match(out: dict, xs: np.ndarray | None, ys: np.ndarray) -> bool:
    got_y, got_x = out.get("ydata"), out.get("xdata")
    if not isinstance(got_y, np.ndarray) or got_y.shape != ys.shape:
        return False
    if xs is not None and (not isinstance(got_x, np.ndarray) or got_x.shape != ys.shape):
        return False
    return bool(
        np.allclose(got_y, ys) and (xs is None or np.allclose(got_x, np.broadcast_to(xs, ys.shape)))
    )


def judge_plot_eps(ctx: JudgeContext) -> Verdict:
    out, curves, eps = ctx.outputs, ctx.inputs["curves"], ctx.inputs["eps"]
    if out.get("n_lines") != len(curves):
        return _fail(f"{out.get('n_lines')} lines, expected one per curve ({len(curves)})")
    if not _lines_match(out, eps, curves):
        return _fail("the lines do not plot (eps_values, values) of each curve, in order")
    if out.get("xscale") != "log" or out.get("yscale") != "log":
        return _fail(
            f"x scale {out.get('xscale')!r}, y scale {out.get('yscale')!r}: expected both 'log'",
            "labs-not-loglog",
        )
    labels = {f"row std #{i}" for i in range(len(curves))}
    if not labels <= set(str(out.get("legend", "")).split("\n")):
        return _fail("the legend does not name every curve")
    return Verdict.ok()


# --- lab 3: gamma initialization and training dynamics --------------------------------------------


def _net_inputs(rng: np.random.Generator) -> dict:
    d = int(rng.integers(10, 40))
    return {
        "gamma": np.float64(rng.choice([0.1, 0.5, 2.0, 10.0]) * rng.uniform(0.8, 1.25)),
        "in_features": np.int64(d),
        "seed": np.int64(rng.integers(0, 2**31)),
        "x": rng.normal(size=(int(rng.integers(3, 9)), d)).astype(np.float32),
    }


def judge_ln_net(ctx: JudgeContext) -> Verdict:
    out, gamma = ctx.outputs, float(ctx.inputs["gamma"])
    if out.get("n_norms") != 1:
        return _fail(f"{out.get('n_norms')} LayerNorm modules, expected 1")
    w, b = out.get("norm_weight"), out.get("norm_bias")
    if not isinstance(w, np.ndarray) or w.shape != (64,) or not np.allclose(w, gamma, rtol=1e-6):
        return _fail(
            f"the LayerNorm's weight does not start at gamma = {gamma:.4g} (64 values)",
            "labs-gamma-not-applied",
        )
    if not isinstance(b, np.ndarray) or not np.allclose(b, 0):
        return _fail("the LayerNorm's bias should start at 0")
    y = out.get("output")
    n = len(ctx.inputs["x"])
    if (
        not isinstance(y, np.ndarray)
        or y.shape != (n, 10)
        or not np.allclose(np.exp(y).sum(1), 1, atol=1e-5)
    ):
        return _fail(f"output: expected ({n}, 10) log-probabilities (exp sums to 1)")
    differing = [s for s in str(out.get("differing", "")).split(",") if s]
    if len(differing) != 1:
        return _fail(
            f"two nets of the same seed differ in {differing}: expected only the LayerNorm's weight"
        )
    if not [s for s in str(out.get("other_seed_differing", "")).split(",") if s]:
        return _fail(
            "make_ln_net(gamma, seed=s) and seed=s + 1 built the same weights: the seed argument must "
            "choose the initial weights",
            "labs-net-seed-ignored",
        )
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


def judge_train(ctx: JudgeContext) -> Verdict:
    problems, wrong, generic = compare(
        ctx.outputs, ctx.reference, ["losses", "final_params"], rtol=1e-4, atol=1e-5,
        dtypes={"losses": "", "final_params": ""},
    )  # fmt: skip
    if not problems:
        return Verdict.ok()
    return _fail("; ".join(problems), _mutant_hint(ctx, sorted(wrong)) or generic)


def _plot_loss_inputs(rng: np.random.Generator) -> dict:
    c, t = int(rng.integers(2, 5)), int(rng.integers(5, 30))
    return {"curves": np.abs(rng.normal(2.0, 1.0, (c, t)))}


def judge_plot_losses(ctx: JudgeContext) -> Verdict:
    out, curves = ctx.outputs, ctx.inputs["curves"]
    if out.get("n_lines") != len(curves):
        return _fail(f"{out.get('n_lines')} lines, expected one per curve ({len(curves)})")
    if out.get("n_line_axes") != 1:
        return _fail("the curves are spread over several axes; draw them on one plot")
    if not _lines_match(out, None, curves):
        return _fail("the lines do not plot each curve's losses, in order")
    labels = [f"gamma=#{i}" for i in range(len(curves))]
    if str(out.get("labels", "")).split("\n") != labels or not set(labels) <= set(
        str(out.get("legend", "")).split("\n")
    ):
        return _fail(
            "each line needs its curve's label, shown in a legend", "labs-curves-unlabelled"
        )
    return Verdict.ok()


# --- lab 4: efficiency ----------------------------------------------------------------------------


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
            _mutant_hint(ctx, ["out", "vectorized"]),
        )
    return Verdict.ok()


def judge_torch_meta(ctx: JudgeContext) -> Verdict:
    out, want = ctx.outputs, str(ctx.inputs["dtype"])
    if out.get("dtype") != want:
        return _fail(f"output dtype {out.get('dtype')}, expected x's dtype {want}", "dtype")
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
        return _fail("; ".join(problems), _mutant_hint(ctx, ["out"]) or generic)
    return judge_torch_meta(ctx)


# --- the cases -------------------------------------------------------------------------------------

DIST = ("make_distributions",)
NORM = ("normalize_per_sample",)
PLOT_D = ("plot_distributions", "normalize_per_sample")
GRAD = ("max_grad_vs_eps",)
PLOT_E = ("plot_grad_vs_eps",)
NET = ("make_ln_net",)
TRAIN = ("train_losses",)
PLOT_L = ("plot_loss_curves",)
LOOP = ("layer_norm_rows_loop", "normalize_per_sample")
TORCH = ("layer_norm_torch_ops",)

CASES = [
    Case("distributions_shapes", 1, _dist_inputs, "distributions", judge_distributions,
         functions=DIST, shares="distributions",
         doc="four (n, d) samples: normal, uniform, skewed exponential, two-bump bimodal"),
    Case("distributions_seeded", 1, _dist_inputs, "distributions", judge_seeding,
         functions=DIST, shares="distributions", doc="same seed, same arrays; other seed, others"),
    Case("normalize_scalar_gain", 1, _norm_inputs(False), "normalize",
         close("out", "x_after", check_dtype=False), functions=NORM,
         doc="per-row mean 0 / std 1, then scalar gamma and beta; x untouched"),
    Case("normalize_vector_gain", 1, _norm_inputs(True), "normalize",
         close("out", "x_after", check_dtype=False), functions=NORM,
         doc="per-feature gamma (D,) and beta (D,)"),
    Case("normalize_eps", 1, _with_eps(_norm_inputs(True)), "normalize",
         close("out", "x_after", check_dtype=False), functions=NORM,
         doc="rows of small variance with eps of the same size: the eps argument is used"),
    Case("plot_distributions_2x4", 1, _plot_dist_inputs, "plot_dists", judge_plot_dists,
         functions=PLOT_D, doc="2 x 4 axes: raw values on top, normalized around beta below"),
    Case("max_grad_is_layer_norm_gradient", 1, _grad_inputs, "max_grad",
         close("max_grad", rtol=1e-6, atol=1e-9, check_dtype=False), functions=GRAD,
         doc="max |dL/dx| of layer norm for every eps, rows of std 1e-7 to 3"),
    Case("max_grad_slope", 1, _slope_inputs, "max_grad", judge_slope, functions=GRAD,
         doc="near-constant rows: slope -1/2 on log-log axes"),
    Case("plot_grad_vs_eps", 1, _plot_eps_inputs, "plot_eps", judge_plot_eps, functions=PLOT_E,
         doc="one line per curve, log-log axes, a legend"),
    Case("ln_net_gamma_init", 1, _net_inputs, "ln_net", judge_ln_net, functions=NET,
         doc="one LayerNorm whose gain starts at gamma; log-probabilities out"),
    Case("train_losses", 1, _train_inputs, "train", judge_train, functions=TRAIN,
         doc="SGD + NLLLoss for num_steps batches past one epoch; the loss before each update"),
    Case("plot_loss_curves", 1, _plot_loss_inputs, "plot_losses", judge_plot_losses,
         functions=PLOT_L, doc="one labelled line per curve on one axes"),
    Case("rows_loop_values", 1, _impl_inputs(), "rows_loop", close("out", check_dtype=False),
         functions=LOOP, shares="rows loop", doc="the row loop computes layer norm"),
    Case("rows_loop_equals_vectorized", 1, _impl_inputs(), "rows_loop",
         judge_loop_equals_vectorized, functions=LOOP, shares="rows loop",
         doc="the row loop and the vectorized version agree"),
    Case("rows_loop_eps", 1, _with_eps(_impl_inputs()), "rows_loop",
         close("out", check_dtype=False), functions=LOOP,
         doc="the row loop uses its eps argument (rows of small variance, eps of the same size)"),
    Case("torch_ops_float64", 1, _impl_inputs(), "torch_ops",
         all_of(close("out", rtol=1e-10, atol=1e-10, check_dtype=False), judge_torch_meta),
         functions=TORCH, doc="torch ops layer norm in float64, autograd flows"),
    Case("torch_ops_float32", 1, _impl_inputs("float32"), "torch_ops", judge_torch_float32,
         functions=TORCH, doc="float32 in, float32 out, close to float64"),
    Case("torch_ops_eps", 1, _with_eps(_impl_inputs()), "torch_ops",
         close("out", rtol=1e-10, atol=1e-10, check_dtype=False),
         functions=TORCH, doc="the torch version uses its eps argument"),
]  # fmt: skip

# What the docstrings leave free on purpose: `grader audit` counts a surviving mutant there as equivalent by
# contract (grader/cases.py Freedom), not as a gap of the cases above.
_PARAMETERS = (
    "'Other means and spreads are fine as long as each keeps its shape (the tests look at skewness "
    "and kurtosis, not at the exact parameters)'"
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
    Freedom("plot_distributions", "figsize=", "'fig from plt.subplots(2, 4), of any size'"),
    Freedom("plot_grad_vs_eps", "figsize=", "'The figure's size and the markers are yours'"),
    Freedom("plot_loss_curves", "figsize=", "'The figure's size is yours to choose'"),
]
