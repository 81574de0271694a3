"""Hidden cases for the histograms group. Parent-only: never copied to a worker or a release.

Inputs are fresh for every learner (grader/judging/cases.py seeds them): other models, bin counts, ranges, data
and plots than the public tests show. The drivers (grader/inside/drivers/histograms.py) build the models from
these inputs in the worker and read the figures there; the judges below decide in the parent.

Counts are judged by bounds, not equality: a value within a few float32 ulps of a bin edge may land in
either neighbouring bin (float32 vs float64 binning, torch.histc), exactly as SPEC allows; on ranges
that float32 represents exactly (the exact-edges case) the counts must be exact. Training is judged on
the learner's own trajectory, which the driver logs: rows against the weights the model had at the
start of each epoch, accuracies against the predictions it made, each update against one SGD step
recomputed here with autograd. Tiny float differences from the reference cannot fail a correct run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from exercises.feedback.checks import heatmap_axes_problem
from grader.inside.drivers import histograms as drv
from grader.judging.cases import Case, Freedom, JudgeContext, Verdict
from grader.judging.compare import compare, mutant_changes, same, step_failed

HIST = ("get_weight_histogram",)
TRACK = ("HistogramTracker",)
TRAIN = ("train_and_track_weights",)
OVERLAY = ("plot_histogram_overlay",)
HEATMAP = ("plot_histogram_heatmap",)
STATS = ("activation_stats",)
DEFAULTS = (100, -0.8, 0.8)  # get_weight_histogram's num_bins, min_val, max_val
ULPS = 4  # float32 ulps of slack around a bin edge
COLOR_ATOL = 0.02  # RGBA slack of a line colour: one step of the 256-entry colormap
SINGLE_COLOR_ATOL = (
    0.004  # one epoch: cm.coolwarm(0) exactly, to 8-bit rounding (not its next entry)
)


# --- inputs ----------------------------------------------------------------------------------------


def _edges(num_bins: int, lo: float, hi: float) -> np.ndarray:
    return np.linspace(lo, hi, num_bins + 1)


def _clear_of(values: np.ndarray, edges: np.ndarray, gap: float = 1e-5) -> np.ndarray:
    """values (float32) moved at least gap away from every edge: most counts then agree exactly."""
    v = values.astype(np.float64)
    for _ in range(3):
        near = np.abs(v[..., None] - edges).min(axis=-1) < gap
        v[near] += 2.5 * gap
    return v.astype(np.float32)


def _params(rng: np.random.Generator, kind: str, scale: float, edges: np.ndarray | None) -> dict:
    out = {}
    for name, shape in drv.param_shapes(kind).items():
        if kind != "probe" and name.endswith("weight") and len(shape) == 1:  # LayerNorm gains
            v = rng.uniform(0.3, 1.4, shape)
        else:
            v = rng.normal(0.0, scale, shape)
        v = v.astype(np.float32)
        out[drv.PARAM + name] = _clear_of(v, edges) if edges is not None else v
    return out


def _hist_default(rng: np.random.Generator) -> dict:
    return _params(rng, "hist", rng.uniform(0.2, 0.45), _edges(*DEFAULTS))


def _hist_custom(rng: np.random.Generator) -> dict:
    num_bins = int(rng.integers(5, 61))
    lo, hi = -float(rng.uniform(0.15, 1.0)), float(rng.uniform(0.15, 1.0))
    inputs = _params(rng, "hist", (hi - lo) / 3, _edges(num_bins, lo, hi))
    return {**inputs, "num_bins": num_bins, "min_val": lo, "max_val": hi}


def _hist_exact(rng: np.random.Generator) -> dict:
    """A range float32 represents exactly, weights ON the edges (min_val and max_val included)."""
    half, per_unit = [(0.5, 8), (1.0, 4), (1.0, 8), (2.0, 4)][int(rng.integers(4))]
    num_bins = int(2 * half * per_unit)
    edges = _edges(num_bins, -half, half)
    grid = np.arange(-2 * half, 2 * half + 1 / 64, 1 / 64)  # dyadic values, in and out of range
    inputs = {}
    for name, shape in drv.param_shapes("hist").items():
        pool = edges if name.endswith("weight") and rng.random() < 0.5 else grid
        v = rng.choice(pool, size=shape)
        if name.endswith("bias"):  # biases in range, so that counting them shows
            v = rng.choice(grid[np.abs(grid) < half], size=shape)
        inputs[drv.PARAM + name] = v.astype(np.float32)
    inputs[drv.PARAM + "head.weight"].flat[:2] = (-half, half)  # min_val and max_val themselves
    return {**inputs, "num_bins": num_bins, "min_val": -half, "max_val": half}


def _tracker_inputs(rng: np.random.Generator) -> dict:
    num_bins = int(rng.integers(8, 40))
    lo, hi = -float(rng.uniform(0.3, 0.9)), float(rng.uniform(0.3, 0.9))
    scales = np.array([0.5, 1.0, 2.0, 0.25], np.float32)[: int(rng.integers(2, 5))]
    edges = _edges(num_bins, lo, hi)
    inputs = _params(rng, "hist", (hi - lo) / 4, None)
    for key, v in inputs.items():  # clear of the edges at every scale (powers of two: exact)
        for _ in range(2):
            for s in scales:
                v = _clear_of(v * s, edges) / s
        inputs[key] = v.astype(np.float32)
    return {**inputs, "scales": scales, "num_bins": num_bins, "min_val": lo, "max_val": hi}


def _train_inputs(rng: np.random.Generator) -> dict:
    batch = int(rng.choice([16, 24, 32]))
    n_train = batch * int(rng.integers(5, 9)) + int(
        rng.integers(1, batch // 3 + 1)
    )  # small last batch
    n_test = batch * int(rng.integers(2, 4)) + int(rng.integers(1, batch // 3 + 1))
    teacher = rng.normal(size=(6, 3))

    def data(n: int) -> tuple[np.ndarray, np.ndarray]:
        x = rng.normal(size=(n, 6)).astype(np.float32)
        y = np.argmax(x @ teacher + rng.normal(scale=1.2, size=(n, 3)), axis=1).astype(np.int64)
        return x, y

    x_train, y_train = data(n_train)
    x_test, y_test = data(n_test)
    return {
        **_params(rng, "probe", 0.35, None),
        "x_train": x_train,
        "y_train": y_train,
        "x_test": x_test,
        "y_test": y_test,
        "batch_size": batch,
        "num_epochs": 3,
        "lr": float(rng.uniform(0.15, 0.4)),
    }


def _plot_inputs(epochs: int | None = None) -> Callable[[np.random.Generator], dict]:
    def make(rng: np.random.Generator) -> dict:
        n = epochs if epochs is not None else int(rng.integers(3, 9))
        bins = int(rng.integers(10, 30))
        lo = -float(rng.uniform(0.3, 1.0))
        histx = np.linspace(lo, -lo, bins + 1)[:-1] - lo / bins  # centres of bins on [lo, -lo]
        rows = rng.integers(0, 200, size=(n, bins)).astype(np.int64)
        return {"histx": histx, "rows": rows}

    return make


def _stats_inputs(rng: np.random.Generator) -> dict:
    inputs = _params(rng, "stats", 0.4, None)
    for key in (drv.PARAM + "body.1.bias", drv.PARAM + "kit_norm.bias"):
        inputs[key] = rng.normal(0.3, 0.2, inputs[key].shape).astype(np.float32)
    n = int(rng.integers(80, 140))  # every output has >= 80 x 16 > 1,000 elements
    x = rng.normal(float(rng.uniform(-1, 1)), float(rng.uniform(0.5, 3)), (n, 10))
    return {**inputs, "x": x.astype(np.float32)}


# --- helpers ---------------------------------------------------------------------------------------


def count_bounds(
    values: np.ndarray, num_bins: int, lo: float, hi: float, ulps: int = ULPS
) -> tuple[np.ndarray, np.ndarray, int]:
    """(low, high, ambiguous): the per-bin counts every correct binning lies between.

    np.histogram's rules (half-open bins, the last one closed, out-of-range values dropped), except
    that a value within ``ulps`` float32 ulps of an edge may land on either side of it.
    """
    v = np.asarray(values, np.float64).ravel()
    edges = _edges(num_bins, lo, hi)

    def bin_of(x: np.ndarray) -> np.ndarray:  # -1 below the range, num_bins above it
        k = np.searchsorted(edges, x, side="right") - 1
        k = np.where(x == edges[-1], num_bins - 1, k)
        return np.where(x > edges[-1], num_bins, k)

    tol = 0.0
    if ulps:
        mag = np.maximum(np.abs(v), max(abs(lo), abs(hi))).astype(np.float32)
        tol = ulps * np.spacing(mag).astype(np.float64)
    a, b = bin_of(v - tol), bin_of(v + tol)
    sure = (a == b) & (a >= 0) & (a < num_bins)
    low = np.bincount(a[sure], minlength=num_bins)
    high = low.copy()
    unsure = np.flatnonzero(a != b)
    for i in unsure:
        high[max(a[i], 0) : min(b[i], num_bins - 1) + 1] += 1
    return low, high, len(unsure)


def _weights(inputs: dict, kind: str, scale: float = 1.0) -> np.ndarray:
    """Every "weight" parameter's values as the worker's model holds them (float32, times scale)."""
    parts = [
        (np.asarray(inputs[drv.PARAM + n], np.float32) * np.float32(scale)).ravel()
        for n in drv.param_shapes(kind)
        if "weight" in n
    ]
    return np.concatenate(parts)


def _counts_problem(
    got: Any, values: np.ndarray, bins: tuple[int, float, float], exact: bool
) -> str:
    """'' when got is a histogram of values on bins that a correct binning can give; else why not."""
    num_bins, lo, hi = bins
    if not isinstance(got, np.ndarray):
        return f"expected an array, got {got}"
    if got.shape != (num_bins,):
        return f"shape {got.shape}, expected ({num_bins},)"
    if not np.all(np.isfinite(got)) or not np.array_equal(got, np.round(got)):
        return "counts should be whole numbers"
    low, high, unsure = count_bounds(values, num_bins, lo, hi, ulps=0 if exact else ULPS)
    bad = np.flatnonzero((got < low) | (got > high))
    total_ok = low.sum() <= got.sum() <= low.sum() + unsure
    if not len(bad) and total_ok:
        return ""
    if len(bad):
        k = int(bad[0])
        off = int(got[k] - (low[k] if got[k] < low[k] else high[k]))
        return (
            f"{len(bad)} / {num_bins} bins hold a wrong count; the first is bin {k} "
            f"(centre {(lo + (k + 0.5) * (hi - lo) / num_bins):.4g}), off by {off:+d}"
        )
    return f"the counts add up to {int(got.sum())}, which no correct binning gives"


def _hint(
    ctx: JudgeContext, names: Iterable[str], first: str | None = None, atol: float = 0.0
) -> str | None:
    """The hint of the first mutant whose changed outputs among ``names`` the learner reproduces."""
    mutants = mutant_changes(ctx.mutants, ctx.reference)
    order = sorted(mutants, key=lambda h: h != first)
    for hint in order:
        outs = {k: v for k, v in mutants[hint].items() if k in names}
        if outs and all(
            same(ctx.outputs.get(k), v, rtol=1e-7, atol=max(atol, 1e-9), dtypes=False)
            for k, v in outs.items()
        ):
            return hint
    return None


def _fail(message: str, hint: str | None = None) -> Verdict:
    return Verdict(False, message, hint)


# --- get_weight_histogram / HistogramTracker judges ------------------------------------------------


def _bins(inputs: dict) -> tuple[int, float, float]:
    if "num_bins" not in inputs:
        return DEFAULTS
    return int(inputs["num_bins"]), float(inputs["min_val"]), float(inputs["max_val"])


def judge_histogram(exact: bool = False) -> Callable[[JudgeContext], Verdict]:
    def judge(ctx: JudgeContext) -> Verdict:
        out = ctx.outputs
        problems, wrong, generic = compare(
            out, ctx.reference, ["histx"], rtol=1e-6, atol=1e-6, dtypes={"histx": ""}
        )
        why = _counts_problem(
            out.get("histy"), _weights(ctx.inputs, "hist"), _bins(ctx.inputs), exact
        )
        if why:
            problems.append(f"histy: {why}")
            wrong.add("histy")
        if not problems:
            return Verdict.ok()
        return _fail("; ".join(problems), _hint(ctx, wrong) or generic)

    return judge


def judge_tracker(ctx: JudgeContext) -> Verdict:
    out, bins = ctx.outputs, _bins(ctx.inputs)
    scales = np.asarray(ctx.inputs["scales"])
    before = out.get("counts_before")
    if not (
        isinstance(before, np.ndarray)
        and before.shape == (0, bins[0])
        and before.dtype.kind in "iu"
    ):
        shape = getattr(before, "shape", before)
        return _fail(
            f"counts before any record: {shape}, expected an int array (0, {bins[0]})",
            "hist-tracker-empty",
        )
    if out.get("len_before") != 0 or out.get("len_after") != len(scales):
        return _fail(
            f"len(tracker) was {out.get('len_before')} before and {out.get('len_after')} "
            f"after {len(scales)} records"
        )
    problems, _, generic = compare(
        out, ctx.reference, ["centers"], rtol=1e-6, atol=1e-6, dtypes={"centers": ""}
    )
    if problems:
        return _fail("; ".join(problems), _hint(ctx, ["centers"]) or generic)
    counts = out.get("counts")
    if not isinstance(counts, np.ndarray) or counts.shape != (len(scales), bins[0]):
        shape = getattr(counts, "shape", counts)
        return _fail(f"counts: {shape}, expected ({len(scales)}, {bins[0]})", "shape")
    if counts.dtype.kind not in "iu":
        return _fail(f"counts: dtype {counts.dtype}, expected an int array", "dtype")
    for r, s in enumerate(scales):
        why = _counts_problem(counts[r], _weights(ctx.inputs, "hist", float(s)), bins, exact=False)
        if why:
            hint = _hint(ctx, ["counts"], first="hist-recomputed-edges")
            return _fail(f"counts row {r} (weights x {float(s):g}): {why}", hint)
    return Verdict.ok()


# --- train_and_track_weights judges ----------------------------------------------------------------


def _batches(n: int, batch: int) -> list[slice]:
    return [slice(i, min(i + batch, n)) for i in range(0, n, batch)]


def _train_log(ctx: JudgeContext) -> tuple[dict[str, Any] | None, Verdict | None]:
    """The learner's trajectory cut into epochs, or the Verdict that says why it cannot be."""
    inp, out = ctx.inputs, ctx.outputs
    batch, epochs = int(inp["batch_size"]), int(inp["num_epochs"])
    tr, te = _batches(len(inp["y_train"]), batch), _batches(len(inp["y_test"]), batch)
    per_epoch = len(tr) + len(te)
    sizes = out.get("sizes")
    want = np.array([s.stop - s.start for s in tr + te] * epochs)
    if not isinstance(sizes, np.ndarray) or not np.array_equal(sizes, want):
        n = len(sizes) if isinstance(sizes, np.ndarray) else 0
        return None, _fail(
            f"the model was called {n} times; expected one forward pass per batch, in order: "
            f"{epochs} epochs x ({len(tr)} train + {len(te)} test batches) = {len(want)}"
        )
    starts = np.arange(epochs) * per_epoch
    return {"tr": tr, "te": te, "per_epoch": per_epoch, "starts": starts, "epochs": epochs}, None


def _weight_mask() -> np.ndarray:
    return np.concatenate(
        [
            np.full(int(np.prod(shape)), "weight" in n)
            for n, shape in drv.param_shapes("probe").items()
        ]
    )


def judge_train_rows(ctx: JudgeContext) -> Verdict:
    log, bad = _train_log(ctx)
    if bad:
        return bad
    out = ctx.outputs
    # histx depends on the bins only: the reference run for zero epochs gives it without training
    untrained = ctx.reference_for({**ctx.inputs, "num_epochs": 0})
    problems, _, generic = compare(
        out, untrained, ["histx"], rtol=1e-6, atol=1e-6, dtypes={"histx": ""}
    )
    if problems:
        return _fail("; ".join(problems), _hint(ctx, ["histx"]) or generic)
    histy, epochs = out.get("histy"), log["epochs"]
    if not isinstance(histy, np.ndarray) or histy.shape != (epochs, DEFAULTS[0]):
        return _fail(
            f"histy_epochs: {getattr(histy, 'shape', histy)}, expected ({epochs}, 100)", "shape"
        )
    mask, params = _weight_mask(), out["params"]
    initial = _weights(ctx.inputs, "probe")
    for e, start in enumerate(log["starts"]):
        values = initial if e == 0 else params[start][mask]
        why = _counts_problem(histy[e], values, DEFAULTS, exact=False)
        if why:
            after = params[start + log["per_epoch"]][mask] if e + 1 < epochs else out["final"][mask]
            late = not _counts_problem(histy[e], after, DEFAULTS, exact=False)
            hint = _hint(ctx, ["histy"], first="hist-recomputed-edges")  # rows come from a tracker
            hint = hint or ("hist-record-after-epoch" if late else None)
            what = "the untrained model" if e == 0 else f"the model at the start of epoch {e}"
            return _fail(f"row {e} of histy_epochs is not the histogram of {what}: {why}", hint)
    return Verdict.ok()


def judge_train_accuracies(ctx: JudgeContext) -> Verdict:
    log, bad = _train_log(ctx)
    if bad:
        return bad
    out, inp = ctx.outputs, ctx.inputs
    preds = out["preds"]
    offsets = np.concatenate([[0], np.cumsum(out["sizes"])])
    for key, labels, phase, first in (
        ("train_accs", inp["y_train"], log["tr"], 0),
        ("test_accs", inp["y_test"], log["te"], len(log["tr"])),
    ):
        got = out.get(key)
        if not isinstance(got, np.ndarray) or got.shape != (log["epochs"],):
            return _fail(
                f"{key}: {getattr(got, 'shape', got)}, expected ({log['epochs']},)", "shape"
            )
        if not (np.all(got >= 0) and np.all(got <= 1)):
            return _fail(
                f"{key} should be fractions in [0, 1]", _hint(ctx, [key]) or "hist-acc-count"
            )
        want = np.array(
            [
                np.mean(
                    [
                        np.mean(preds[offsets[c] : offsets[c + 1]] == labels[s])
                        for i, s in enumerate(phase)
                        for c in [start + first + i]
                    ]
                )
                for start in log["starts"]
            ]
        )
        if not np.allclose(got, want, rtol=0, atol=1e-6):
            return _fail(
                f"{key} is not, per epoch, the mean of the per-batch accuracies of the "
                f"model's own predictions (off by up to {np.abs(got - want).max():.3g})",
                _hint(ctx, [key], atol=1e-6),
            )
    return Verdict.ok()


def judge_train_modes_and_sgd(ctx: JudgeContext) -> Verdict:
    log, bad = _train_log(ctx)
    if bad:
        return bad
    out, inp = ctx.outputs, ctx.inputs
    n_tr = len(log["tr"])
    for e, start in enumerate(log["starts"]):
        train_calls = slice(start, start + n_tr)
        test_calls = slice(start + n_tr, start + log["per_epoch"])
        if not (out["training"][train_calls].all() and out["grad"][train_calls].all()):
            return _fail(
                f"epoch {e}: training batches ran in eval mode or without gradients",
                "hist-no-train-mode",
            )
        if out["training"][test_calls].any() or out["grad"][test_calls].any():
            return _fail(
                f"epoch {e}: test batches ran in train mode or with gradients on", "hist-test-mode"
            )
    import torch

    lr, params = float(inp["lr"]), out["params"]
    x, y = torch.as_tensor(inp["x_train"]), torch.as_tensor(inp["y_train"])
    model = drv.probe_from_flat(params[0])  # one model, its parameters set for every step
    for e, start in enumerate(log["starts"]):
        for i, s in enumerate(log["tr"]):
            call = start + i
            drv.load_flat(model, params[call])
            torch.nn.functional.nll_loss(model(x[s]), y[s]).backward()
            grad = torch.cat([p.grad.reshape(-1) for p in model.parameters()]).numpy()
            expected = params[call].astype(np.float32) - np.float32(lr) * grad
            if not np.allclose(params[call + 1], expected, rtol=1e-4, atol=1e-6):
                return _fail(
                    f"epoch {e}, batch {i}: the update is not one SGD step (lr={lr:.3g}) on that "
                    "batch's NLLLoss (mean over the batch)",
                    _hint(ctx, ["final"], atol=1e-6),
                )
    return Verdict.ok()


# --- plot judges -----------------------------------------------------------------------------------


def _returned_figure(out: dict, prefix: str = "") -> Verdict | None:
    if out.get(prefix + "raised"):
        return _fail(f"raised {out[prefix + 'raised']}")
    if not out.get(prefix + "is_figure"):
        return _fail(
            f"returned a {out.get(prefix + 'returned')}, not a matplotlib Figure",
            "hist-returns-axes",
        )
    return None


_COLORS: dict[tuple[str, int], np.ndarray] = {}


def _reference_colors(ctx: JudgeContext, epochs: int) -> np.ndarray:
    """The reference's line colours for ``epochs`` lines: they depend on the number of lines only, so one
    reference plot per count serves the whole class (a figure costs tens of ms)."""
    key = (ctx.case.name, epochs)
    if key not in _COLORS:
        _COLORS[key] = np.asarray(ctx.reference["colors"])
    return _COLORS[key]


def judge_overlay(single: bool = False) -> Callable[[JudgeContext], Verdict]:
    def judge(ctx: JudgeContext) -> Verdict:
        out, rows = ctx.outputs, np.asarray(ctx.inputs["rows"])
        if single and out.get("raised"):
            return _fail(f"one epoch raised {out['raised']}", "hist-single-epoch")
        bad = _returned_figure(out)
        if bad:
            return bad
        if out.get("n_lines") != len(rows):
            return _fail(f"{out.get('n_lines')} lines drawn, expected one per epoch ({len(rows)})")
        ydata, xdata = out.get("ydata"), out.get("xdata")
        if not (
            isinstance(ydata, np.ndarray) and ydata.shape == rows.shape and np.allclose(ydata, rows)
        ):
            return _fail("line i should plot histy_epochs[i] (the counts of epoch i)")
        histx = np.asarray(ctx.inputs["histx"])
        if not (
            isinstance(xdata, np.ndarray)
            and xdata.shape == rows.shape
            and np.allclose(xdata, histx)
        ):
            return _fail("every line's x values should be histx")
        colors, ref = out.get("colors"), _reference_colors(ctx, len(rows))
        # i / (n - 1) may round to the colormap's neighbouring entry (one of its 256 steps: up to 0.018); one
        # epoch's 0 cannot, so there only a colour stored as 8-bit hex may differ (by 1/510 at most)
        atol = SINGLE_COLOR_ATOL if single else COLOR_ATOL
        if not (
            isinstance(colors, np.ndarray)
            and colors.shape == ref.shape
            and np.allclose(colors, ref, rtol=0, atol=atol)
        ):
            hint = _hint(ctx, ["colors"], atol=atol)
            hint = hint or ("hist-single-epoch" if single else None)
            return _fail(
                "line i should be coloured cm.coolwarm(i / (n - 1))"
                + (" (one epoch: cm.coolwarm(0))" if single else ""),
                hint,
            )
        return Verdict.ok()

    return judge


def judge_on_axes(name: str) -> Callable[[JudgeContext], Verdict]:
    """Judge: ``name`` (..., ax=ax) drew on ax and returned ax.figure."""

    def judge(ctx: JudgeContext) -> Verdict:
        out = ctx.outputs
        if out.get("raised"):
            return _fail(f"{name}(..., ax=ax) raised {out['raised']}")
        if not out.get("same_figure"):
            hint = "hist-returns-axes" if out.get("returned") == "Axes" else "hist-ax-ignored"
            return _fail(
                f"{name}(..., ax=ax) should return ax's Figure; it returned a "
                f"{out.get('returned')} that is not ax.figure",
                hint,
            )
        if not out.get("drawn_on_ax"):
            return _fail(f"{name}(..., ax=ax) drew nothing on ax", "hist-ax-ignored")
        return Verdict.ok()

    return judge


def judge_heatmap(ctx: JudgeContext) -> Verdict:
    out, rows = ctx.outputs, np.asarray(ctx.inputs["rows"], np.float64)
    bad = _returned_figure(out)
    if bad:
        return bad
    if out.get("n_images") != 1:
        return _fail(
            f"{out.get('n_images')} images drawn, expected exactly one (imshow or pcolormesh)"
        )
    image = out.get("image")
    if not isinstance(image, np.ndarray) or image.shape not in (rows.shape, rows.T.shape):
        return _fail(
            f"the image is {getattr(image, 'shape', image)}, expected (epochs, bins) "
            f"{rows.shape} or its transpose",
            "shape",
        )
    if not np.allclose(image if image.shape == rows.shape else image.T, rows):
        return _fail("the image should show the counts themselves (or their transpose)")
    return _data_units(
        out.get("ranges"), np.asarray(ctx.inputs["histx"]), len(rows), image.shape == rows.shape
    )


def _data_units(ranges: Any, histx: np.ndarray, epochs: int, epochs_on_y: bool) -> Verdict:
    """The image's axes in data units, however labelled (the docstring; the rule is written once, in the
    feedback library the public test uses too)."""
    if (
        not isinstance(ranges, np.ndarray)
        or ranges.shape != (2, 2)
        or not np.isfinite(ranges).all()
    ):
        return _fail("could not read the image's extent")
    problem = heatmap_axes_problem(ranges[0], ranges[1], histx, epochs, epochs_on_y)
    return _fail(*problem) if problem else Verdict.ok()


# --- activation_stats judges -----------------------------------------------------------------------

LAYER_NORMS = {"body.1": "hist-layernorm-skipped", "kit_norm": "hist-layernorm-kit"}


def judge_stats_values(ctx: JudgeContext) -> Verdict:
    out, ref = ctx.outputs, ctx.reference
    if out.get("returned") != "dict":
        return _fail(f"activation_stats returned a {out.get('returned')}, not a dict")
    keys, want = list(out["keys"]), list(ref["keys"])
    missing = [k for k in want if k not in keys]
    if missing:
        hint = next((LAYER_NORMS[k] for k in missing if k == "body.1"), None)
        hint = hint or next((LAYER_NORMS[k] for k in missing if k in LAYER_NORMS), None)
        return _fail(f"missing keys {missing} (names from model.named_modules())", hint)
    extra = sorted(set(keys) - set(want))
    if extra:
        return _fail(f"unexpected keys {extra}: only nn.Linear and LayerNorm modules count")
    idx = [keys.index(k) for k in want]
    means, stds = out["means"][idx], out["stds"][idx]
    scale = np.maximum(ref["stds"], 1e-3)
    if not np.allclose(means, ref["means"], rtol=1e-4, atol=1e-5 * scale.max()):
        k = want[int(np.argmax(np.abs(means - ref["means"]) / scale))]
        return _fail(f"stats[{k!r}]: the mean is not the mean over all elements of that output")
    if not np.allclose(stds, ref["stds"], rtol=1e-3, atol=1e-6):  # population or Bessel's
        k = want[int(np.argmax(np.abs(stds - ref["stds"]) / scale))]
        return _fail(f"stats[{k!r}]: the std is not the std over all elements of that output")
    return Verdict.ok()


def judge_stats_hooks(ctx: JudgeContext) -> Verdict:
    out = ctx.outputs
    raised = step_failed(
        out.get("forward_after_error"), "the model's next forward, after activation_stats,"
    )
    if raised is not None:
        return raised
    before, after = out["hooks_before"], out["hooks_after"]
    if np.any(after < before) or out.get("caller_calls") == 0:
        return _fail("the caller's own hooks were removed", "hist-caller-hooks-removed")
    if np.any(after > before) or np.any(out["global_after"] > out["global_before"]):
        return _fail("forward hooks are still registered after the call", "hist-hooks-left")
    if out.get("caller_calls") != 2:
        return _fail(
            f"activation_stats should run exactly one forward pass (the caller's hook saw "
            f"{int(out.get('caller_calls', 0)) - 1})"
        )
    if out.get("caller_grad") != [False, True]:
        return _fail(
            "the forward pass should run under torch.no_grad(), and gradients be on again "
            "afterwards"
        )
    if not out.get("still_training"):
        return _fail("the model was in train mode and should stay so")
    return Verdict.ok()


# --- the cases -------------------------------------------------------------------------------------

CASES = [
    Case(
        "weight_histogram_defaults",
        2,
        _hist_default,
        "weight_histogram",
        judge_histogram(),
        functions=HIST,
        doc="Embedding, Linear, LayerNorm, Conv1d weights; 100 bins on -0.8..0.8",
    ),
    Case(
        "weight_histogram_custom_bins",
        2,
        _hist_custom,
        "weight_histogram",
        judge_histogram(),
        functions=HIST,
        doc="other num_bins and an asymmetric range; out-of-range weights",
    ),
    Case(
        "weight_histogram_exact_edges",
        2,
        _hist_exact,
        "weight_histogram",
        judge_histogram(exact=True),
        functions=HIST,
        doc="weights exactly on the bin edges, min_val and max_val included",
    ),
    Case(
        "weight_histogram_cuda",
        1,
        _hist_default,
        "weight_histogram",
        judge_histogram(),
        device="cuda",
        functions=HIST,
        doc="parameters on a CUDA device",
    ),
    Case(
        "tracker_fixed_edges",
        2,
        _tracker_inputs,
        "tracker",
        judge_tracker,
        functions=TRACK,
        doc="empty counts (0, bins); rows of rescaled weights on the same edges",
    ),
    Case(
        "train_rows_at_epoch_start",
        2,
        _train_inputs,
        "train",
        judge_train_rows,
        functions=TRAIN,
        shares="training run",
        doc="histy_epochs[e] = histogram of the weights before epoch e",
    ),
    Case(
        "train_accuracies",
        2,
        _train_inputs,
        "train",
        judge_train_accuracies,
        functions=TRAIN,
        shares="training run",
        doc="accuracies = per-epoch means of per-batch accuracies, as fractions",
    ),
    Case(
        "train_modes_and_sgd",
        2,
        _train_inputs,
        "train",
        judge_train_modes_and_sgd,
        functions=TRAIN,
        shares="training run",
        doc="train mode + SGD step per batch; tests in eval mode, no grad",
    ),
    Case(
        "overlay_lines",
        1.5,
        _plot_inputs(),
        "overlay",
        judge_overlay(),
        functions=OVERLAY,
        doc="one line per epoch, y = counts, coloured coolwarm(i / (n - 1))",
    ),
    Case(
        "overlay_single_epoch",
        0.5,
        _plot_inputs(1),
        "overlay",
        judge_overlay(single=True),
        functions=OVERLAY,
        doc="one epoch: one line in coolwarm(0)",
    ),
    # one call per plot on the same inputs: a fault of one plot costs only its own half
    Case(
        "overlay_on_given_axes",
        0.5,
        _plot_inputs(),
        "overlay_on_axes",
        judge_on_axes("plot_histogram_overlay"),
        functions=OVERLAY,
        shares="plots_on_given_axes",
        doc="plot_histogram_overlay with ax: draw there and return ax.figure",
    ),
    Case(
        "heatmap_on_given_axes",
        0.5,
        _plot_inputs(),
        "heatmap_on_axes",
        judge_on_axes("plot_histogram_heatmap"),
        functions=HEATMAP,
        shares="plots_on_given_axes",
        doc="plot_histogram_heatmap with ax: draw there and return ax.figure",
    ),
    Case(
        "heatmap_image",
        1,
        _plot_inputs(),
        "heatmap",
        judge_heatmap,
        functions=HEATMAP,
        doc="one image of the (epochs, bins) counts or its transpose",
    ),
    Case(
        "activation_stats_values",
        2,
        _stats_inputs,
        "act_stats",
        judge_stats_values,
        functions=STATS,
        doc="every Linear and LayerNorm (incl. a non-nn one), nested names",
    ),
    Case(
        "activation_stats_hooks",
        1.5,
        _stats_inputs,
        "act_stats",
        judge_stats_hooks,
        functions=STATS,
        doc="hooks removed, the caller's kept, no_grad, mode unchanged",
    ),
]

# What the docstrings leave free on purpose: `grader audit` counts a surviving mutant there as equivalent by
# contract (grader/judging/cases.py Freedom), not as a gap of the cases above.
# The heatmap's extent: the docstring asks for axes in data units, not one labelling (issue 25: the lecture labels
# the bin centres); judge_heatmap accepts each end within one bin width and one epoch (heatmap_axes_problem).
_DATA_UNITS = (
    "'The axes must be in data units: the weight axis labelled in weight values (from about histx[0] to "
    "about histx[-1]: the bin centres, as the lecture's extent does, or the bins' edges), the epoch axis in "
    "epochs (from about 0 to about the number of epochs ...)': any labelling within one bin width and one "
    "epoch of those"
)
FREEDOMS = [
    Freedom(
        "plot_histogram_overlay",
        "figsize=",
        "the docstring asks for 'a new Figure (of any size)'",
    ),
    Freedom(
        "plot_histogram_heatmap",
        "figsize=",
        "the docstring asks for 'a new Figure of any size'",
    ),
    Freedom(
        "plot_histogram_heatmap",
        "norm=",
        "'The colour scale is yours to choose (linear, PowerNorm, log)'; PowerNorm(0.4) is 'Optional'",
    ),
    Freedom("plot_histogram_heatmap", "extent=", _DATA_UNITS),
    Freedom(
        "plot_histogram_heatmap",
        "(histx[1] - histx[0]) / 2",
        _DATA_UNITS + " (the half bin that puts the image's ends on the bins' edges)",
    ),
    Freedom(
        "activation_stats",
        "correction=",
        "'Population std (correction=0) or Bessel's (torch's default) are both accepted'",
    ),
]

__all__ = ["CASES", "FREEDOMS", "count_bounds"]
