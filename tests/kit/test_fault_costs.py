"""A fault costs only the points of what it breaks (issue 25, point 6): the references with ONE exercise left as
its stub (``raise NotImplementedError("Exercise ...")``, as the learner receives it) lose exactly the cases that
judge that exercise, and every other case of the group keeps its points; so does an extra_repr that borrows
torch.nn.LayerNorm's text (an API this group refuses: charged to extra_repr's case alone).

The methods here are the ones a case used to merely touch: LayerNorm's extra_repr, reset_parameters and forward
(the module's cases built, printed and ran the module in one call), TritonLayerNorm's extra_repr, forward and the
Triton backward (each kernel case judged y and the gradients as one verdict), each histograms plot drawn on a
given ax (both plots in one call), and the labs' normalize_per_sample (called by the row-loop cases to compare
with). Graded through the real `grade` (sandboxed workers, the case tables' shares and
calls), so what is asserted is what a learner would get."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from grader import ROOT
from grader.authoring.stubs import stub_one
from grader.mutants import apply_patch
from grader.results import FAILED, PASSED, SKIPPED, Result

pytestmark = pytest.mark.kit

# learner -> (group, the exercise left as its stub, the cases that judge it: exactly these fail)
STUBBED = {
    "torch_extra_repr": ("layer_norm_torch", "layer_norm_torch.6", {"module_extra_repr"}),
    "torch_reset_parameters": (
        "layer_norm_torch",
        "layer_norm_torch.4",
        {
            "module_parity_parameters",
            "module_no_affine_chw_parameters",
            "module_no_bias_bfloat16_parameters",
        },
    ),
    # LayerNorm.forward: its out and gradient cases and the calls check, never its parameters or extra_repr
    "torch_module_forward": (
        "layer_norm_torch",
        "layer_norm_torch.5",
        {
            *(
                f"{config}{part}"
                for config in ("module_parity", "module_no_affine_chw", "module_no_bias_bfloat16")
                for part in ("", "_backward")
            ),
            "computes_the_normalization_itself",  # which torch functions LayerNorm's forward calls
        },
    ),
    "triton_extra_repr": ("layer_norm_triton", "layer_norm_triton.10", {"module_extra_repr"}),
    "triton_module_forward": (
        "layer_norm_triton",
        "layer_norm_triton.9",
        {
            f"{config}{part}"
            for config in (
                "module_parity",
                "module_no_bias_bfloat16",
                "module_no_affine",
                "module_eps",
            )
            for part in ("", "_backward")
        },
    ),
    # layer_norm_bwd: every gradient case, never a forward one (the kernel cases judge one run in two halves)
    "triton_layer_norm_bwd": (
        "layer_norm_triton",
        "layer_norm_triton.5",
        {
            *(
                f"{name}_backward"
                for name in (
                    "n7",
                    "n1",
                    "m1_n769",
                    "n1000_no_affine",
                    "n4097",
                    "random_n_many_rows",
                    "multiblock_float32",
                    "float16",
                    "bfloat16",
                    "strided_rows",
                    "eps_used",
                    "module_parity",
                    "module_no_bias_bfloat16",
                    "module_no_affine",
                    "module_eps",
                )
            ),
            "deterministic_gradients",
        },
    ),
    "histograms_heatmap": (
        "histograms",
        "histograms.7",
        {"heatmap_image", "heatmap_on_given_axes"},
    ),
    "histograms_overlay": (
        "histograms",
        "histograms.6",
        {"overlay_lines", "overlay_single_epoch", "overlay_on_given_axes"},
    ),
    "labs_normalize": (
        "labs",
        "labs.2",
        {
            "normalize_scalar_gain",
            "normalize_vector_gain",
            "normalize_one_sample",
            "normalize_eps",
            "rows_loop_equals_vectorized",  # compares the loop with normalize_per_sample
            "answer_distributions",  # the answer is checked against the learner's own replay
        },
    ),
}
POINTS = {"layer_norm_torch": 25, "layer_norm_triton": 10, "histograms": 20, "labs": 10}
# extra_repr written with the refused torch.nn.LayerNorm: only module_extra_repr may fail on it
BORROWED = (
    "        return (\n"
    '            f"{self.normalized_shape}, eps={self.eps}, "\n'
    '            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"\n'
    "        )\n",
    "        return torch.nn.LayerNorm(\n"
    "            self.normalized_shape, self.eps, self.elementwise_affine, self.bias is not None\n"
    "        ).extra_repr()\n",
)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    cls = tmp_path_factory.mktemp("one-stub-class")
    out = tmp_path_factory.mktemp("one-stub-out") / "out"
    for learner, (group, ex_id, _) in STUBBED.items():
        path = cls / learner / "exercises" / f"{group}.py"
        path.parent.mkdir(parents=True)
        path.write_text(stub_one((ROOT / "solutions" / f"{group}.py").read_text(), ex_id))
    path = cls / "torch_extra_repr_borrowed" / "exercises" / "layer_norm_torch.py"
    path.parent.mkdir(parents=True)
    reference = (ROOT / "solutions" / "layer_norm_torch.py").read_text()
    path.write_text(apply_patch(reference, (BORROWED,), "layer_norm_torch"))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "grade",
            str(cls),
            "--out",
            str(out),
            "--groups",
            ",".join(POINTS),
            "--points",
            ",".join(f"{g}={p}" for g, p in POINTS.items()),
            "--gpu",
            "off",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    records = [json.loads(line) for line in (out / ".journal.jsonl").read_text().splitlines()]
    return {r["learner"]: Result.from_dict(r) for r in records}


@pytest.mark.parametrize("learner", sorted(STUBBED))
def test_one_stubbed_exercise_costs_exactly_the_cases_that_judge_it(
    graded: dict[str, Result], learner: str
) -> None:
    group, ex_id, expected = STUBBED[learner]
    result = graded[learner].groups[group]
    by_status: dict[str, set[str]] = {}
    for case in result.cases:
        by_status.setdefault(case.status, set()).add(case.name)
    assert by_status.get(FAILED, set()) == expected, (learner, result.message)
    assert set(by_status) <= {PASSED, FAILED, SKIPPED}, (
        by_status
    )  # nothing timed out, crashed, not run
    for case in result.cases:
        if case.name in expected:
            assert f"not implemented yet: Exercise {ex_id}" in case.message, (
                case.name,
                case.message,
            )
    lost = sum(c.max_cents for c in result.cases if c.name in expected)
    assert 0 < lost < result.max_cents
    assert result.cents == result.max_cents - lost == POINTS[group] * 100 - lost


def test_a_refused_api_in_extra_repr_costs_only_its_case(graded: dict[str, Result]) -> None:
    result = graded["torch_extra_repr_borrowed"].groups["layer_norm_torch"]
    failed = {c.name: c.message for c in result.cases if c.status == FAILED}
    assert set(failed) == {"module_extra_repr"}, failed
    assert "API not allowed: torch.nn.LayerNorm" in failed["module_extra_repr"]
    lost = sum(c.max_cents for c in result.cases if c.name in failed)
    assert lost > 0
    assert result.cents == 2500 - lost
