"""Comparisons that teach: mismatch text in torch.testing's words, plus the hint of the closest known mistake.

Used by the public tests and by the grader, so a learner reads the same wording in both. Nothing here
imports torch: tensors are recognised by duck typing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from exercises.feedback.hints import render

# (rtol, atol) per dtype: torch.testing.assert_close's defaults, written once for the kit.
TOLERANCES: dict[str, tuple[float, float]] = {
    "float64": (1e-7, 1e-7),
    "float32": (1.3e-6, 1e-5),
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
}

# "A few ulps" (SPEC, Numerical judging): a float16/bfloat16 result is compared with the float64 truth rounded
# to its dtype, allowing 4 machine epsilons relative (4 to 8 ulps) plus 1e-4 absolute for values near zero.
# Computed in float32 and rounded once, the reference is within 1 ulp; statistics computed in the half
# dtype itself are 8 to 60 ulps off on these inputs (and torch's own float16 weight gradient, summed in
# float16, up to ~100 ulps: torch's half output is never the oracle).
HALF_TOLERANCES: dict[str, tuple[float, float]] = {
    "float16": (4 * 2.0**-10, 1e-4),
    "bfloat16": (4 * 2.0**-7, 1e-4),
}
# torch's own normalizations: a torch function or aten op whose name contains one of these computes what the
# layer_norm_torch exercise asks to write (batch_norm and instance_norm on the transposed input, rms_norm on
# x - mean, are layer norm too). The public test and the grader both refuse them.
TORCH_NORMALIZATIONS = ("layer_norm", "group_norm", "batch_norm", "instance_norm", "rms_norm")

# float32 results against the float64 oracle: dweight and dbias sum a whole batch of float32 products.
FLOAT32_VS_64 = (1e-5, 1e-5)


def float32_cancellation_atol(expected: np.ndarray) -> float:
    """FLOAT32_VS_64's atol for a float32 result that sums contributions of several paths that largely
    cancel, such as layer norm's dx: its rounding error is relative to the size of those contributions (as
    large as the largest |dx|), not to each element. A sample of 4 values with std 0.09 puts a correct
    float32 dx 1.5e-5 from float64, so the bound scales with the array's largest magnitude; a wrong
    derivation is off by O(|dx|)."""
    a = np.abs(np.asarray(expected, dtype=np.float64))
    return FLOAT32_VS_64[1] * max(1.0, float(a.max())) if a.size else FLOAT32_VS_64[1]


class Feedback(AssertionError):
    """A failed check whose message is complete feedback: shown without a traceback."""


def as_numpy(value: Any) -> np.ndarray | None:
    """numpy view of an array-like result (a torch tensor on any device included); None if it is not one."""
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # torch.Tensor, without importing torch
        t = value.detach().cpu()
        if str(t.dtype) == "torch.bfloat16":
            t = t.float()
        return t.numpy()
    if isinstance(value, np.generic):
        return np.asarray(value)
    return None


def tolerance(dtype: Any) -> tuple[float, float]:
    name = str(dtype).removeprefix("torch.")
    return TOLERANCES.get(name, TOLERANCES["float64"])


def mismatch(
    actual: Any, expected: np.ndarray, rtol: float | None = None, atol: float | None = None
) -> str | None:
    """None when actual matches expected; else one line saying how it differs (torch.testing's wording)."""
    a = as_numpy(actual)
    if a is None:
        return f"expected an array, got {type(actual).__name__}"
    e = np.asarray(expected)
    if a.shape != e.shape:
        return f"shape {a.shape}, expected {e.shape}"
    if rtol is None or atol is None:
        rtol, atol = tolerance(e.dtype)
    if a.size == 0:
        return None
    af, ef = a.astype(np.float64), e.astype(np.float64)
    bad_nan = np.isnan(af) != np.isnan(ef)
    with np.errstate(invalid="ignore"):
        diff = np.abs(af - ef)
        ok = (diff <= atol + rtol * np.abs(ef)) | ((af == ef) & ~np.isnan(af))
    ok &= ~bad_nan
    ok |= np.isnan(af) & np.isnan(ef)
    if ok.all():
        return None
    k, n = int((~ok).sum()), ok.size
    d = np.where(ok, 0.0, np.nan_to_num(diff, nan=np.inf))
    idx = np.unravel_index(int(np.argmax(d)), d.shape)
    where = tuple(int(i) for i in idx)
    if not np.isfinite(af).all():
        return f"mismatched elements: {k} / {n}; the result holds NaN or inf (first bad value at {where})"
    return (
        f"mismatched elements: {k} / {n}; greatest absolute difference: {float(d[idx]):.3g} at index "
        f"{where} (up to {atol:.1g} + {rtol:.1g}·|expected| allowed)"
    )


def choose_hint(
    got: Mapping[str, Any],
    mistakes: Mapping[str, Mapping[str, np.ndarray]],
    only: set[str] | None = None,
) -> str | None:
    """The id of the first known mistake whose outputs the learner's outputs reproduce, or None.

    A mistake matches when every output it changed is matched by the learner's output (same shape, values
    within the dtype's tolerance). ``only`` restricts the outputs considered (those the learner got wrong).
    """
    for hint_id, outs in mistakes.items():
        names = [n for n in outs if only is None or n in only]
        if names and all(n in got and mismatch(got[n], outs[n]) is None for n in names):
            return hint_id
    return None


def generic_hint(actual: Any, expected: np.ndarray) -> str | None:
    """Hints that need no stored mistake: not an array, wrong shape, NaN, wrong dtype."""
    a = as_numpy(actual)
    if a is None:
        return "not-array"
    if a.shape != np.asarray(expected).shape:
        return "shape"
    if np.issubdtype(a.dtype, np.floating) and not np.isfinite(a).all():
        return "nan"
    return None


def check_outputs(
    got: Mapping[str, Any],
    expected: Mapping[str, np.ndarray],
    mistakes: Mapping[str, Mapping[str, np.ndarray]] | None = None,
    *,
    call: str,
    names: list[str] | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    check_dtype: bool = True,
) -> None:
    """Fail with feedback unless every named output of ``got`` matches ``expected``."""
    __tracebackhide__ = True
    names = names or list(expected)
    problems: list[str] = []
    wrong: set[str] = set()
    generic: str | None = None
    for name in names:
        value = got.get(name)
        why = mismatch(value, expected[name], rtol, atol)
        a = as_numpy(value)
        if why is None and check_dtype and a is not None and a.dtype != expected[name].dtype:
            why = f"dtype {a.dtype}, expected {expected[name].dtype}"
            generic = generic or "dtype"
        if why is not None:
            problems.append(f"{name}: {why}")
            wrong.add(name)
            generic = generic or generic_hint(value, expected[name])
    if not problems:
        return
    hint = choose_hint(got, mistakes or {}, only=wrong) or generic
    lines = [f"{call}:", *(f"  {p}" for p in problems)]
    if hint:
        lines.append(render(hint))
    raise Feedback("\n".join(lines))


def fail(call: str, problem: str, hint_id: str | None = None) -> None:
    """Fail a property check with one line of feedback and an optional hint."""
    __tracebackhide__ = True
    lines = [f"{call}:", f"  {problem}"]
    if hint_id:
        lines.append(render(hint_id))
    raise Feedback("\n".join(lines))


def heatmap_axes_problem(
    xrange: Any, yrange: Any, histx: Any, epochs: int, epochs_on_y: bool
) -> tuple[str, str | None] | None:
    """None when a heatmap's axes are in data units (plot_histogram_heatmap's docstring); else what is
    wrong and the hint id, given the image's x and y ranges in data units (imshow's extent, a mesh's
    coordinates) and which axis its epochs run along.

    Any labelling in data units passes: on the weight axis each end within one bin width of the weights'
    range histx[0] .. histx[-1] (the lecture's bin centres, the bins' edges, pcolormesh with any shading); on
    the epoch axis each end within one epoch of 0 .. epochs (0 .. E, -0.5 .. E - 0.5, 0 .. E - 1). The hint
    is given only for pixel indices (an image drawn without coordinates), the mistake it names.
    """
    histx = np.asarray(histx, dtype=np.float64)
    bins = histx.size
    w = float(histx[1] - histx[0]) if bins > 1 else 1.0
    weights, steps = (xrange, yrange) if epochs_on_y else (yrange, xrange)
    (w0, w1), (e0, e1) = sorted(map(float, weights)), sorted(map(float, steps))

    def pixels(lo: float, hi: float, n: int) -> bool:  # imshow's -0.5 .. n - 0.5, a mesh's 0 .. n
        near = lambda a, b: abs(a - b) < 1e-6  # noqa: E731
        return any(near(lo, a) and near(hi, b) for a, b in ((-0.5, n - 0.5), (0, n), (0, n - 1)))

    slack = 1e-6 * max(1.0, abs(w))
    if abs(w0 - histx[0]) > w + slack or abs(w1 - histx[-1]) > w + slack:
        hint = "hist-heatmap-extent" if pixels(w0, w1, bins) else None
        return (
            f"the weight axis spans {w0:.4g} .. {w1:.4g}, but the weights run from {histx[0]:.4g} to "
            f"{histx[-1]:.4g} (histx, {bins} bins of width {w:.3g})",
            hint,
        )
    if abs(e0) > 1 + 1e-6 or abs(e1 - epochs) > 1 + 1e-6:
        hint = "hist-heatmap-extent" if pixels(e0, e1, epochs) else None
        return (
            f"the epoch axis spans {e0:.4g} .. {e1:.4g}, but the epochs run from 0 to {epochs}",
            hint,
        )
    return None


def names_shapes(message: str, *shapes: Any) -> bool:
    """Whether an error message names every one of ``shapes`` (each a shape or a list of acceptable
    shapes), in any of the usual spellings: (4, 5), [4, 5], torch.Size([4, 5]), 4x5; (5,), [5], (5)."""
    import re

    found: set[tuple[int, ...]] = set()
    for group in re.findall(r"[(\[]\s*(\d+(?:\s*,\s*\d+)*)\s*,?\s*[)\]]", message):
        found.add(tuple(int(d) for d in re.findall(r"\d+", group)))
    for group in re.findall(r"\b\d+(?:\s*[x×]\s*\d+)+\b", message):
        found.add(tuple(int(d) for d in re.findall(r"\d+", group)))

    def one(shape: Any) -> bool:
        if shape and isinstance(shape, list):
            return any(one(s) for s in shape)
        return tuple(int(d) for d in shape) in found

    return all(one(s) for s in shapes)


def sample_shape(samples: Any) -> tuple[float, float, bool]:
    """(skewness, excess kurtosis, a dip between two bumps) of a batch of samples, one sample per row: each row
    standardised by its own mean and std, then the rows pooled -- so each sample may have its own mean and
    spread (what a distribution's shape means does not depend on them). The dip: the bin around the mean
    holds less than half the fullest bin of a 21-bin histogram on -2.5 .. 2.5."""
    a = np.atleast_2d(np.asarray(samples, dtype=np.float64))
    a = a.reshape(a.shape[0], -1)
    z = (a - a.mean(axis=1, keepdims=True)) / a.std(axis=1, keepdims=True)
    skew, kurt = float((z**3).mean()), float((z**4).mean() - 3.0)
    counts, _ = np.histogram(z, bins=21, range=(-2.5, 2.5))
    return skew, kurt, bool(counts[10] < 0.5 * counts.max())
