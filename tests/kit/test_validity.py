"""Grading validity (kit): correct answers always get full marks, malformed answers always get a clear failure.

- False-fail gate (CI's): the hidden suite on the reference and on every correct variant under grader/variants/
  (lecture and blind variants among them), through the audit's false-fail check (grader/authoring/audit.py
  false_fails: each group in a fresh interpreter, one forked child per seed, every CPU hidden case judged by its
  judge as grading judges it); one failed case run of one correct implementation fails the test, so CI.
  Seeds: 30 per group (NORMLAB_FALSE_FAIL_SEEDS=N sets every group). Why 30: each seed draws new inputs for every
  hidden case and judges every implementation on them, so a check stricter than the docstring for some style
  (the heatmap extent of issue 25 failed every draw) fails on the first seed, and a false fail that strikes at
  least one input draw in ten of some case slips through all 30 with probability 0.9 ** 30 < 5 %. Rarer ones
  (the float32 dx of seed 798, found by the 1,000-seed run) are the full run's, by hand, not in CI:
  `python -m grader audit --no-mutants --false-fail-seeds 1000` (misses a false fail of one draw in 333 with
  probability < 5 %; about 1 1/2 hours on 2 cores). Cost in CI: about 2 1/2 minutes for the six groups on 2
  quiet cores (layer_norm_triton 83 s, labs 41 s: Triton's interpreter, small trainings), growing with every
  variant added.
- Fuzzed judge: learner outputs replaced by NaN/inf, wrong shapes, wrong dtypes, lists, None, strings -- each a
  failed verdict with a reason, never an exception in the parent.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader import GROUPS, ROOT
from grader.judging.cases import load_cases

pytestmark = pytest.mark.kit

PRESENT = [g for g in GROUPS if (ROOT / "grader" / "hidden" / f"{g}.py").exists()]
CI_SEEDS = 30  # per group: why this number, and the full run, in the module docstring
SEEDS = int(os.environ.get("NORMLAB_FALSE_FAIL_SEEDS") or CI_SEEDS)


@pytest.mark.slow
@pytest.mark.parametrize("group", PRESENT)
def test_hidden_suite_never_fails_a_correct_implementation(group, capsys):
    from grader.authoring.audit import correct_implementations, false_fails

    assert len(correct_implementations(group)) >= 2, (
        f"{group}: no correct variant under grader/variants/"
    )
    code = false_fails(group, SEEDS)
    out = capsys.readouterr()
    assert code == 0, out.out + out.err


@pytest.mark.parametrize("impl", ["solutions", "variant"])
def test_a_float32_dx_through_a_nearly_constant_sample_is_not_a_false_fail(impl):
    """Found by the 1,000-seed run: seed 798 draws a (2, 6, 2, 2) float32 input whose sample (1, 2) has 4 values
    with std 0.09 (rstd 11); a correct float32 dx is then 1.5e-5 from float64, a cancellation error relative to
    the terms rstd * |dxhat|. The judge's dx bound scales with the largest |dx| (exercises/feedback/checks.py); a dx off by
    0.1 % of that scale still fails."""
    from grader.authoring.audit import correct_implementations
    from grader.judging.evaluate import call_driver, case_inputs, case_verdict

    group = "layer_norm_torch"
    case = next(c for c in load_cases(group) if c.name == "function_4d_hw_float32_backward")
    inputs = case_inputs(group, case, seed=798, learner="false-fail-798")
    x = inputs["x"].reshape(-1, 4).astype(np.float64)
    assert x.std(axis=1).min() < 0.1  # still the input that exposed it
    module = dict(correct_implementations(group))
    module = (
        module["solutions"]
        if impl == "solutions"
        else next(m for name, m in module.items() if name != "solutions")
    )
    outputs = call_driver(group, case, module, inputs)
    assert case_verdict(group, case, inputs, outputs, hints=False).passed
    worst = np.unravel_index(np.argmax(np.abs(outputs["dx"])), outputs["dx"].shape)
    wrong = {**outputs, "dx": outputs["dx"].copy()}
    wrong["dx"][worst] *= 1.001
    assert not case_verdict(group, case, inputs, wrong, hints=False).passed


@pytest.mark.slow
@pytest.mark.parametrize(
    "variant", [p.stem for p in sorted((ROOT / "grader" / "variants").glob("*.py"))]
)
def test_every_variant_passes_the_public_tests(variant, tmp_path):
    """The other side of the gate: a correct answer in another style (the lectures' own code, the blind ones)
    passes `pytest -m <group>` as the learner runs it, as it gets full marks from the hidden suite."""
    import shutil
    import subprocess
    import sys

    from grader.kit import variant_group

    group = variant_group(variant)
    shutil.copy(ROOT / "grader" / "variants" / f"{variant}.py", tmp_path / f"{group}.py")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            group,
            f"--impl={tmp_path}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "Agg"},
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_every_group_has_a_stylistically_different_variant():
    from grader.kit import variant_group

    stems = [p.stem for p in (ROOT / "grader" / "variants").glob("*.py")]
    assert len(stems) >= 3
    assert all(variant_group(s) in GROUPS for s in stems), stems


def _corrupt(value, how: str):
    arr = value if isinstance(value, np.ndarray) else None
    if how == "none":
        return None
    if how == "string":
        return "<Tensor>"
    if how == "list":
        return arr.tolist() if arr is not None else [1, 2, 3]
    if arr is None or arr.dtype.kind not in "fiub":
        return {"unexpected": 1}
    if how == "nan":
        return np.full(arr.shape, np.nan)
    if how == "inf":
        return np.full(arr.shape, np.inf, dtype=arr.dtype if arr.dtype.kind == "f" else np.float64)
    if how == "shape":
        return np.zeros((*arr.shape, 2))
    if how == "dtype":
        return arr.astype(np.int64)
    if how == "empty":
        return np.zeros((0,))
    raise AssertionError(how)


CORRUPTIONS = ["none", "string", "list", "nan", "inf", "shape", "dtype", "empty"]


@pytest.mark.parametrize("group", PRESENT)
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.nested_given,
    ],
)
@given(data=st.data())
def test_judge_turns_malformed_outputs_into_a_failed_case_with_a_reason(group, data):
    from grader.judging.evaluate import call_driver, case_inputs, case_verdict, reference_module

    cases = [c for c in load_cases(group) if c.device == "cpu"]
    case = data.draw(st.sampled_from(cases), label="case")
    inputs = case_inputs(group, case, seed=1, learner="fuzz")
    good = call_driver(group, case, reference_module(group), inputs)
    keys = sorted(good)
    victim = data.draw(st.sampled_from(keys), label="output")
    how = data.draw(st.sampled_from(CORRUPTIONS), label="corruption")
    bad = dict(good)
    bad[victim] = _corrupt(good[victim], how)
    if _same(bad[victim], good[victim]):
        return  # the corruption happened to be a no-op for this output (e.g. an empty array)
    verdict = case_verdict(group, case, inputs, bad, hints=False)
    # Either the judge ignores that output (a diagnostic field), or it fails the case with a reason.
    if not verdict.passed:
        assert verdict.message.strip(), f"{case.name}: a failed verdict must say why"
    if how in ("none", "string") and victim in _checked_arrays(case, good):
        # cases that share one call (a forward case and its _backward twin) split the outputs between them:
        # one of them must fail on it
        root = case.shares or case.name
        family = [c for c in cases if (c.shares or c.name) == root]
        failed = [
            c.name for c in family if not case_verdict(group, c, inputs, bad, hints=False).passed
        ]
        assert failed, f"{[c.name for c in family]}: {victim} = {bad[victim]!r} passed"


def _checked_arrays(case, good) -> set[str]:
    """Outputs a judge must look at: the float arrays named like results (out, dx, counts, ...)."""
    return {
        k
        for k, v in good.items()
        if isinstance(v, np.ndarray)
        and v.dtype.kind == "f"
        and v.size > 4
        and k in ("out", "dx", "dgamma", "dbeta", "dweight", "dbias", "counts", "histy", "sample")
    }


def _same(a, b) -> bool:
    """The corruption changed nothing: same type, and equal plain data (judging.compare.same)."""
    from grader.judging.compare import same

    return type(a) is type(b) and same(a, b)


# Every message the suites check is one the docstring asks for (what the message must name); a correct learner
# who words the rest differently keeps full marks. The reference's messages reworded, naming only that:
REWORDED = (
    (
        'raise ValueError(f"negative_slope {param} not a valid number")',
        'raise ValueError("the slope of leaky_relu must be a real number")',
    ),
    (
        'f"Unsupported nonlinearity {nonlinearity}, please use one of "\n'
        "        f\"{[*linear_fns, 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'selu']}\"",
        'f"no gain is known for {nonlinearity!r}"',
    ),
    (
        'raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")',
        'raise ValueError(f"{mode!r} is not a mode; use fan_in or fan_out")',
    ),
    (
        '"Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "\n'
        '            f"(got shape {tuple(tensor.shape)})"',
        '"a weight needs 2 dimensions"',
    ),
)


def test_error_messages_worded_differently_keep_full_marks():
    """The public error checks and the hidden errors case on initializers whose messages name only what the
    docstrings ask for (before: the public check also wanted calculate_gain('leaky_relu', True) to name True)."""
    import tests.test_initializers as public
    from grader.authoring.audit import load_source
    from grader.judging.evaluate import call_driver, case_inputs, case_verdict
    from grader.mutants import apply_patch

    group = "initializers"
    source = apply_patch((ROOT / "solutions" / f"{group}.py").read_text(), REWORDED, "reworded")
    module = load_source("initializers_reworded", source)
    for case in public.ERRORS:  # raises (a failed check) when a message misses a word it must name
        public.test_errors_are_value_errors_like_torch(module, case)
    case = next(c for c in load_cases(group) if c.name == "errors_like_torch")
    inputs = case_inputs(group, case, seed=0, learner="reworded")
    verdict = case_verdict(
        group, case, inputs, call_driver(group, case, module, inputs), hints=False
    )
    assert verdict.passed, verdict.message


def test_hint_search_compares_lists_of_arrays_without_raising():
    """A module case returns lists of arrays (its parameters as built): choosing a hint compares a mutant's
    outputs with the reference's key by key, where ``!=`` on a list of arrays raises (a failed module case
    then lost its hint and said "could not judge the outputs")."""
    from grader.judging.compare import mutant_changes

    ref = {"inits": [np.ones(3), np.zeros(3)], "y": np.arange(4.0), "repr": "(3,), eps=1e-05"}
    same = {"inits": [np.ones(3), np.zeros(3)], "y": np.arange(4.0), "repr": "(3,), eps=1e-05"}
    other = {"inits": [np.ones(3), np.ones(3)], "y": np.arange(4.0) + 1, "repr": "(3,), eps=0.1"}
    changed = mutant_changes({"hint-a": same, "hint-b": other}, ref)
    assert "hint-a" not in changed
    assert set(changed["hint-b"]) == {"inits", "y", "repr"}
