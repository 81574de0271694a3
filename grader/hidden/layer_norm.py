"""Hidden cases for the layer_norm group (numpy). Parent-only: never copied to a worker or a release.

Inputs are fresh for every learner (grader/judging/cases.py seeds them); shapes and dtypes cover what the public tests
teach plus what they do not show: other shapes, float32 and float16, unbatched samples, large means.
"""

from __future__ import annotations

import numpy as np

from exercises.feedback.checks import names_shapes
from grader.judging.cases import Case, JudgeContext, Verdict
from grader.judging.compare import all_of, close

FWD = ("layer_norm_forward",)
BWD = ("layer_norm_forward", "layer_norm_backward")


def _xgb(rng, shape, k, *, loc=None, scale=None, dtype=np.float64):
    loc = rng.uniform(-3, 3) if loc is None else loc
    scale = rng.uniform(0.5, 3) if scale is None else scale
    x = (loc + scale * rng.standard_normal(shape)).astype(dtype)
    norm = shape[len(shape) - k :]
    return {
        "x": x,
        "gamma": rng.uniform(0.5, 2.0, norm).astype(dtype),
        "beta": rng.standard_normal(norm).astype(dtype),
    }


def _with_eps(inputs, rng):
    """A non-default eps, 0.3 to 3 times the rows' variance: ignoring the argument (1e-5) changes out."""
    var = float(inputs["x"].var(axis=-1).mean())
    inputs["eps"] = float(var * rng.uniform(0.3, 3.0))
    return inputs


def _with_dout(inputs, rng):
    inputs["dout"] = rng.standard_normal(inputs["x"].shape).astype(inputs["x"].dtype)
    return inputs


def _x_unchanged(ctx: JudgeContext) -> Verdict:
    after = ctx.outputs.get("x_after")
    if (
        isinstance(after, np.ndarray)
        and after.shape == ctx.inputs["x"].shape
        and np.array_equal(after, ctx.inputs["x"], equal_nan=True)
    ):
        return Verdict.ok()
    return Verdict(False, "x was modified by layer_norm_forward", "ln-inplace-x")


def _raises_value_error_naming_shapes(ctx: JudgeContext) -> Verdict:
    raised, message = ctx.outputs.get("raised"), str(ctx.outputs.get("message", ""))
    x, gamma = ctx.inputs["x"].shape, ctx.inputs["gamma"].shape
    xs, gs = str(tuple(x)), str(tuple(gamma))
    if raised != "ValueError":
        return Verdict(
            False, f"expected ValueError for gamma {gs} with x {xs}, got {raised or 'no error'}"
        )
    # x's shape or the trailing part compared with gamma's, in any usual spelling
    if not names_shapes(message, [x, x[max(0, len(x) - len(gamma)) :]], gamma):
        return Verdict(False, f"the ValueError should name both shapes {xs} and {gs}")
    return Verdict.ok()


def _dx_sums_to_zero(ctx: JudgeContext) -> Verdict:
    """Invariant: dx sums to 0 over the normalized axes (the mean path), whatever dout is."""
    dx = ctx.outputs.get("dx")
    k = ctx.inputs["gamma"].ndim
    if not isinstance(dx, np.ndarray) or dx.shape != ctx.inputs["x"].shape:
        return Verdict(False, "dx has the wrong shape", "shape")
    axes = tuple(range(dx.ndim - k, dx.ndim))
    scale = np.abs(dx).sum(axis=axes).max() + 1e-12
    if np.abs(dx.sum(axis=axes)).max() / scale > 1e-6:
        return Verdict(
            False, "dx does not sum to zero over the normalized axes", "ln-dx-no-mean-term"
        )
    return Verdict.ok()


CASES = [
    Case(
        "forward_2d",
        3,
        lambda r: _xgb(r, (int(r.integers(2, 9)), int(r.integers(3, 40))), 1),
        "forward",
        all_of(close("out"), _x_unchanged),
        functions=FWD,
        doc="(N, D) float64",
    ),
    Case(
        "forward_3d_sequence",
        3,
        lambda r: _xgb(r, (2, int(r.integers(2, 6)), 16), 1),
        "forward",
        close("out"),
        functions=FWD,
        doc="(N, T, D) with gamma (D,)",
    ),
    Case(
        "forward_4d_chw",
        3,
        lambda r: _xgb(r, (2, 3, 4, 5), 3),
        "forward",
        close("out"),
        functions=FWD,
        doc="(N, C, H, W) with gamma (C, H, W)",
    ),
    Case(
        "forward_4d_last_axis",
        2,
        lambda r: _xgb(r, (2, 3, 4, 6), 1),
        "forward",
        close("out"),
        functions=FWD,
        doc="(N, C, H, W) with gamma (W,)",
    ),
    Case(
        "forward_unbatched",
        1,
        lambda r: _xgb(r, (int(r.integers(3, 20)),), 1),
        "forward",
        close("out"),
        functions=FWD,
        doc="one sample, x.ndim == gamma.ndim",
    ),
    Case(
        "forward_small_spread_eps",
        2,
        lambda r: _with_eps(_xgb(r, (4, 10), 1, scale=0.004), r),
        "forward",
        close("out"),
        functions=FWD,
        doc="rows with var ~ eps, eps given (not the default): eps inside the sqrt",
    ),
    Case(
        "forward_float32",
        2,
        lambda r: _xgb(r, (16, 64), 1, dtype=np.float32),
        "forward",
        close("out", exact64=True),
        functions=FWD,
        doc="float32 in, float32 out",
    ),
    Case(
        "forward_float16",
        2,
        lambda r: _xgb(r, (8, 128), 1, loc=50.0, scale=1.0, dtype=np.float16),
        "forward",
        close("out", exact64=True, rtol=1e-3, atol=4e-3),
        functions=FWD,
        doc="float16 in (statistics in float32), float16 out",
    ),
    Case(
        "forward_large_mean_float32",
        2,
        lambda r: _xgb(r, (8, 256), 1, loc=1e4, scale=0.01, dtype=np.float32),
        "forward",
        close("out", exact64=True, rtol=0.0, atol=1.0),
        functions=FWD,
        doc="mean 1e4, std 0.01 in float32: two-pass statistics",
    ),
    Case(
        "forward_rejects_bad_gamma",
        1,
        lambda r: {"x": r.standard_normal((3, 4, 5)), "gamma": np.ones((4,))},
        "bad_gamma",
        _raises_value_error_naming_shapes,
        functions=FWD,
        doc="ValueError naming both shapes",
    ),
    Case(
        "backward_2d",
        3,
        lambda r: _with_dout(_xgb(r, (int(r.integers(2, 9)), 12), 1), r),
        "backward",
        close("dx", "dgamma", "dbeta"),
        functions=BWD,
        doc="dx, dgamma, dbeta for (N, D)",
    ),
    Case(
        "backward_3d_sums_batch_axes",
        3,
        lambda r: _with_dout(_xgb(r, (3, 4, 8), 1), r),
        "backward",
        close("dx", "dgamma", "dbeta"),
        functions=BWD,
        doc="(N, T, D): dgamma, dbeta summed over N and T",
    ),
    Case(
        "backward_4d_chw",
        2,
        lambda r: _with_dout(_xgb(r, (2, 3, 2, 4), 3), r),
        "backward",
        all_of(_dx_sums_to_zero, close("dx", "dgamma", "dbeta")),
        functions=BWD,
        doc="(N, C, H, W) with gamma (C, H, W)",
    ),
    Case(
        "backward_float32",
        1,
        lambda r: _with_dout(_xgb(r, (8, 32), 1, dtype=np.float32), r),
        "backward",
        close("dx", "dgamma", "dbeta", exact64=True, rtol=1e-4, atol=1e-4),
        functions=BWD,
        doc="float32 gradients keep float32",
    ),
]
