"""What judges compare with: a learner's outputs against the reference's, plain-data equality, and the hint choice.

Wording and tolerances come from exercises/feedback/checks.py (one place for the kit). Hints are chosen by matching the
learner's outputs to the outputs of the group's mutants on the *same* inputs, never by re-deriving a formula:
:func:`mutant_hint` for every case table, on the mutants' outputs that differ from the reference's
(:func:`mutant_changes`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from exercises.feedback.checks import as_numpy, choose_hint, generic_hint, mismatch
from grader.judging.cases import JudgeContext, Outputs, Verdict, upcast64

Judge = Callable[[JudgeContext], Verdict]


def compare(
    got: Outputs,
    expected: Outputs,
    names: Sequence[str],
    *,
    rtol: float | None = None,
    atol: float | dict[str, float] | None = None,
    dtypes: dict[str, str] | None = None,
) -> tuple[list[str], set[str], str | None]:
    """(problems, wrong output names, generic hint) for ``names``; empty problems when all match.

    ``atol`` may be one value or one per output name. ``dtypes`` maps an output name to the dtype the
    learner's array must have (default: expected's dtype).
    """
    problems: list[str] = []
    wrong: set[str] = set()
    generic: str | None = None
    for name in names:
        value, ref = got.get(name), expected[name]
        if not isinstance(value, np.ndarray):
            problems.append(f"{name}: expected an array, got {type(value).__name__}")
            wrong.add(name)
            generic = generic or "not-array"
            continue
        ref = np.asarray(ref)
        why = mismatch(value, ref, rtol, atol.get(name) if isinstance(atol, dict) else atol)
        want = (dtypes or {}).get(name, str(ref.dtype))
        if why is None and want and str(value.dtype) != want:
            why, generic = f"dtype {value.dtype}, expected {want}", generic or "dtype"
        if why is not None:
            problems.append(f"{name}: {why}")
            wrong.add(name)
            generic = generic or generic_hint(value, ref)
    return problems, wrong, generic


def close(
    *names: str,
    rtol: float | None = None,
    atol: float | None = None,
    exact64: bool = False,
    check_dtype: bool = True,
) -> Judge:
    """Judge: the named outputs match the reference's within the dtype's tolerance.

    exact64: compare with the reference run on float64 upcasts of the inputs (tolerance from the learner's
    dtype), the fairest judge of a float32/float16 result; the learner's dtype is still checked against the
    reference run on the original inputs.
    """

    def judge(ctx: JudgeContext) -> Verdict:
        same = ctx.reference
        expected = ctx.reference_for(upcast64(ctx.inputs)) if exact64 else same
        dtypes = (
            {n: str(np.asarray(same[n]).dtype) for n in names}
            if check_dtype
            else {n: "" for n in names}
        )
        tol_r, tol_a = rtol, atol
        if exact64 and (rtol is None or atol is None):
            from exercises.feedback.checks import tolerance

            tol_r, tol_a = tolerance(np.asarray(same[names[0]]).dtype)
        problems, wrong, generic = compare(
            ctx.outputs, expected, names, rtol=tol_r, atol=tol_a, dtypes=dtypes
        )
        if not problems:
            return Verdict.ok()
        hint = mutant_hint(ctx, wrong, reference=same) or generic
        return Verdict(False, "; ".join(problems), hint)

    return judge


def mutant_hint(
    ctx: JudgeContext, only: Iterable[str], *, reference: Outputs | None = None
) -> str | None:
    """The hint of the first mutant of the group whose changed outputs among ``only`` (the outputs the learner
    got wrong) the learner's outputs reproduce, within the dtype's tolerance; None when none does.
    ``reference``: the outputs the mutants differ from (default: the reference's on the case's inputs)."""
    changes = mutant_changes(ctx.mutants, ctx.reference if reference is None else reference)
    return choose_hint(ctx.outputs, changes, only=set(only))


def mutant_changes(mutants: dict[str, Outputs], reference: Outputs) -> dict[str, dict[str, Any]]:
    """Each mutant's outputs that differ from the reference's (only those can identify a mistake)."""
    out: dict[str, dict[str, Any]] = {}
    for hint, outs in mutants.items():
        diff = {}
        for k, v in outs.items():
            if k not in reference:
                continue
            a, r = as_numpy(v), as_numpy(reference[k])
            if a is None or r is None:
                if not same(v, reference[k]):
                    diff[k] = v
            elif mismatch(a, r) is not None or a.dtype != r.dtype:
                diff[k] = a
        if diff and hint not in out:
            out[hint] = diff
    return out


def same(a: Any, b: Any, *, rtol: float = 0.0, atol: float = 0.0, dtypes: bool = True) -> bool:
    """Plain-data equality (the values a driver returns): lists and tuples item by item, dicts key by key,
    arrays of one shape (and one dtype, unless ``dtypes=False``) whose numbers agree within ``atol + rtol *
    |b|`` (exactly by default; NaN equals NaN), floats likewise, anything else by ``==`` (False where that
    is ambiguous). Where ``!=`` on lists or dicts of arrays would raise, this answers."""
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(
            same(x, y, rtol=rtol, atol=atol, dtypes=dtypes) for x, y in zip(a, b, strict=True)
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(
            same(a[k], b[k], rtol=rtol, atol=atol, dtypes=dtypes) for k in a
        )
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or a.shape != b.shape:
            return False
        if dtypes and a.dtype != b.dtype:
            return False
        if (rtol or atol) and a.dtype.kind in "iufc" and b.dtype.kind in "iufc":
            return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc" and b.dtype.kind in "fc"))
    if (rtol or atol) and isinstance(a, float) and isinstance(b, float):
        return a == b or (a != a and b != b) or abs(a - b) <= atol + rtol * abs(b)
    try:
        return bool(a == b)
    except (ValueError, TypeError):
        return False


def all_of(*judges: Judge) -> Judge:
    """Judge: every judge passes (the first failure is reported)."""

    def judge(ctx: JudgeContext) -> Verdict:
        for j in judges:
            verdict = j(ctx)
            if not verdict.passed:
                return verdict
        return Verdict.ok()

    return judge


def step_failed(err: Any, what: str) -> Verdict | None:
    """The failed verdict for one step a driver caught (grader/inside/drivers/_wire.py ``error``: the learner's
    method that raised), worded as a case whose whole call raised is (grader/grading/score.py); None when ``err``
    reports nothing. ``what``: the call that raised, e.g. "extra_repr()"."""
    if not isinstance(err, dict):
        return None
    kind = str(err.get("type", "Exception"))[:80]
    text = str(err.get("message", ""))[:1000]
    where = str(err.get("where", ""))[:300]
    if kind == "NotImplementedError" and text.startswith("Exercise "):
        return Verdict(False, f"{what}: not implemented yet: {text}")
    at = f" (at {where})" if where else ""
    return Verdict(False, f"{what} raised {kind}: {text}{at}")


def texts_as_expected(outputs: dict[str, Any], wanted: list[tuple[str, ...]], what: str) -> Verdict:
    """The verdict on texts a driver collected one configuration at a time (``reprs``, with ``errors`` for the
    steps that raised: drivers/_wire.py ``reprs_of``): each text one of the accepted ones of its configuration
    (``wanted``, the first is the one named when it is not)."""
    reprs, errors = outputs.get("reprs"), outputs.get("errors")
    if not (
        isinstance(reprs, list)
        and isinstance(errors, list)
        and len(reprs) == len(errors) == len(wanted)
    ):
        return Verdict(False, f"the driver reported no {what} texts")
    for text, err, accepted in zip(reprs, errors, wanted, strict=True):
        step = str(err.get("step", what)) if isinstance(err, dict) else ""
        raised = step_failed(err, step)
        if raised is not None:
            return raised
        if text not in accepted:
            return Verdict(False, f"{what} returned {text!r}, expected {accepted[0]!r}")
    return Verdict.ok()
