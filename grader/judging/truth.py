"""Judging against the float64 truth rounded to the case's dtype (SPEC, Numerical judging), for the groups whose
cases come in several dtypes (layer_norm_torch, layer_norm_triton): the grader's dtype tolerances, written once
here on top of exercises/feedback/checks.py's constants, the rounding to a dtype, and the comparison with the hint.

- float64 results: the kit's float64 tolerance (``TOLERANCES["float64"]``);
- float32 results: ``FLOAT32_VS_64`` (a float32 computation against the float64 truth);
- float16/bfloat16 results: a few ulps (``HALF_TOLERANCES``), against the truth rounded to the dtype.

torch is imported only when a value is rounded (the numpy group's judging never needs it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from exercises.feedback.checks import FLOAT32_VS_64, HALF_TOLERANCES, TOLERANCES
from grader.judging.cases import JudgeContext, Outputs
from grader.judging.compare import compare, mutant_hint

HALF = ("float16", "bfloat16")


def truth_tolerance(dtype: str) -> tuple[float, float]:
    """(rtol, atol) for a ``dtype`` result compared with the float64 truth rounded to ``dtype``."""
    if dtype in HALF_TOLERANCES:
        return HALF_TOLERANCES[dtype]
    return FLOAT32_VS_64 if dtype == "float32" else TOLERANCES["float64"]


def exact(a: Any, dtype: str) -> Any:
    """``a`` rounded to values ``dtype`` represents exactly: a float64 or float32 array of that dtype, a half
    dtype's values as float32 (which holds them exactly). Anything that is not an array is returned as it is."""
    if not isinstance(a, np.ndarray):
        return a
    if dtype == "float64":
        return a.astype(np.float64)
    import torch

    t = torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64)).to(getattr(torch, dtype))
    return t.float().numpy()


def against_truth(
    ctx: JudgeContext,
    truth: Outputs,
    dtypes: dict[str, str],
    dtype: str,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    scaled: Iterable[str] = (),
) -> tuple[list[str], str | None, str | None]:
    """(problems, the hint of the mutant the learner reproduces, a generic hint) for the outputs named in
    ``dtypes``, each compared with ``truth`` rounded to its dtype there, within :func:`truth_tolerance` of the
    case's ``dtype`` (``rtol``/``atol`` replace it). Outputs in ``scaled`` are sums of many products or a
    difference of larger terms (a gradient): their absolute tolerance grows with their largest magnitude, as
    exercises.feedback.checks.float32_cancellation_atol explains. No problems: ``([], None, None)``."""
    expected = {n: exact(truth[n], d) for n, d in dtypes.items()}
    tol_r, tol_a = truth_tolerance(dtype)
    atols = {n: tol_a if atol is None else atol for n in expected}
    for n in set(scaled) & set(atols):
        atols[n] = max(atols[n], tol_a * _largest(expected[n]))
    problems, wrong, generic = compare(
        ctx.outputs,
        expected,
        list(expected),
        rtol=tol_r if rtol is None else rtol,
        atol=atols,
        dtypes=dict.fromkeys(expected, ""),
    )
    if not problems:
        return [], None, None
    return problems, mutant_hint(ctx, wrong), generic


def _largest(a: Any) -> float:
    """max(1, the largest magnitude in ``a``)."""
    a = np.abs(np.asarray(a, dtype=np.float64))
    return max(1.0, float(a.max())) if a.size else 1.0
