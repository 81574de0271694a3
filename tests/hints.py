"""Every misconception hint of the kit, written once.

Public tests (tests/checks.py) and the grader's judge (grader/judge.py) both show these texts. A hint is
*chosen* by matching a learner's outputs to the stored outputs of a known mistake (tests/data/<group>.npz, made
by `python -m grader sync` from grader/mutants/), never by re-deriving the wrong formula here. A hint names the
misconception and the docstring section to re-read; it never shows reference code or expected values.

Hint ids: `<abbr>-<misconception>` (ln = layer_norm, lnt = layer_norm_torch, init = initializers,
hist = histograms); generic ids have no prefix.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hint:
    text: str
    see: str  # "function: Section" of the docstring to re-read; "" for none

    def render(self, hint_id: str) -> str:
        where = ""
        if self.see:
            func, _, section = self.see.partition(": ")
            where = f' See {func}\'s docstring, "{section}".' if section else f" See {func}."
        return f"Hint [{hint_id}]: {self.text}{where}"


HINTS: dict[str, Hint] = {
    # --- generic -------------------------------------------------------------------------------
    "shape": Hint(
        "the result has the wrong shape: check which axes you reduce over and keepdims.", ""
    ),
    "dtype": Hint(
        "the result has the wrong dtype: keep the input's dtype (cast back at the end).", ""
    ),
    "nan": Hint(
        "the result holds NaN or inf: look for a division by zero or a sqrt of a negative.", ""
    ),
    "not-array": Hint(
        "return arrays (numpy.ndarray / torch.Tensor), not lists, scalars or None.", ""
    ),
    # --- layer_norm (numpy) ----------------------------------------------------------------------
    "ln-wrong-axis": Hint(
        "the statistics look taken over the batch axis (that is batch norm); layer norm takes one "
        "mean and variance per sample, over the last gamma.ndim axes.",
        "layer_norm_forward: Shapes",
    ),
    "ln-last-axis-only": Hint(
        "only the last axis looks normalized; with a multi-dimensional gamma (C, H, W), normalize "
        "over all of its gamma.ndim trailing axes.",
        "layer_norm_forward: Shapes",
    ),
    "ln-unbiased-var": Hint(
        "the variance looks divided by D - 1 (ddof=1); layer norm uses the biased variance (divide by D).",
        "layer_norm_forward: Formula",
    ),
    "ln-eps-outside": Hint(
        "eps looks added outside the square root: sqrt(var) + eps instead of sqrt(var + eps).",
        "layer_norm_forward: Formula",
    ),
    "ln-one-pass-var": Hint(
        "the variance looks computed as E[x^2] - E[x]^2, which cancels catastrophically when the mean "
        "is large next to the spread; compute it from (x - mu).",
        "layer_norm_forward: Formula",
    ),
    "ln-no-affine": Hint(
        "gamma or beta looks ignored or applied in the wrong order: out = gamma * xhat + beta.",
        "layer_norm_forward: Formula",
    ),
    "ln-inplace-x": Hint(
        "your function changed the caller's x (an in-place x -= mu); work on a new array.",
        "layer_norm_forward: Pitfalls",
    ),
    "ln-float64-output": Hint(
        "float32 in, float64 out: compute in higher precision if you like, but cast the result back to "
        "x's dtype.",
        "layer_norm_forward: Returns",
    ),
    "ln-dx-no-mean-term": Hint(
        "dx looks to miss the path through the mean (the - mean(dxhat) term).",
        "layer_norm_backward: Formula",
    ),
    "ln-dx-no-var-term": Hint(
        "dx looks to miss the path through the variance (the - xhat * mean(dxhat * xhat) term).",
        "layer_norm_backward: Formula",
    ),
    "ln-dx-no-gamma": Hint(
        "dx looks computed from dout instead of dxhat = dout * gamma: the scale gamma is part of the chain.",
        "layer_norm_backward: Formula",
    ),
    "ln-dgamma-not-summed": Hint(
        "dgamma / dbeta must be summed over every batch axis (all but the normalized ones), not "
        "averaged or taken over axis 0 only.",
        "layer_norm_backward: Pitfalls",
    ),
    # --- layer_norm_torch ------------------------------------------------------------------------
    # --- initializers ----------------------------------------------------------------------------
    # --- histograms ------------------------------------------------------------------------------
}


def render(hint_id: str) -> str:
    """The hint's text for a learner; an unknown id renders as nothing."""
    hint = HINTS.get(hint_id)
    return hint.render(hint_id) if hint else ""
