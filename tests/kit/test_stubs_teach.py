"""Kit tests: stubs teach without handing over the answer; hint levels work, in the kit and capped
in a release. Run under `pytest --impl solutions -m kit tests/test_stubs_teach.py`."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from exercises.feedback import hint_levels
from grader import GROUPS, ROOT
from grader.authoring.leakcheck import (
    _allowed_reference,
    check,
    reference_in,
    reference_material,
)
from grader.authoring.stubs import exercise_ids, regions

pytestmark = pytest.mark.kit

PRESENT = [g for g in GROUPS if (ROOT / "solutions" / f"{g}.py").exists()]
COMPACT = "rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))"


@pytest.fixture(scope="module")
def refs():
    return reference_material()


@pytest.mark.parametrize("group", PRESENT)
def test_no_stub_carries_its_reference_formula_or_plan(refs, group):
    text = (ROOT / "exercises" / f"{group}.py").read_text()
    found = [f for f in reference_in(text, refs) if not _allowed_reference(f)]
    assert not found, f"exercises/{group}.py carries the reference's " + "; ".join(found)


def test_the_reference_material_holds_the_backward_formula_and_plan(refs):
    by_id = {r.ex_id: r for r in refs}
    compact = "".join(COMPACT.split())
    assert compact in by_id["layer_norm.2"].formulas
    assert compact in by_id["layer_norm_torch.2"].formulas
    assert by_id["layer_norm_torch.2"].shingles, "the torch backward's memory plan is not found"


@pytest.mark.parametrize(
    "leak",
    [
        f"Formula: dx = {COMPACT}",
        "dx = rstd*(dxhat-dxhat.mean(axis=-1, keepdims=True)-xhat*(dxhat*xhat).mean(axis=-1, keepdims=True))",
        "    dx = rstd * (dxhat - np.mean(dxhat, axis=axes) - xhat * np.mean(dxhat * xhat, axis=axes))\n",
        "the sums over the samples, dweight and dbias, read g * xhat and g once each, 32 rows at a time",
        # the initializers' finished formulas, which the learner derives (the reference casts with float())
        "Formula:  std   = gain * sqrt(2 / (fan_in + fan_out))",
        "leaky_relu                          sqrt(2 / (1 + negative_slope**2)),",
    ],
)
def test_the_check_catches_the_answer_written_differently(refs, leak):
    assert reference_in(leak, refs), leak


def test_every_exercise_has_hint_levels_where_its_region_is():
    for group in PRESENT:
        source = (ROOT / "solutions" / f"{group}.py").read_text()
        owners = _region_owners(source)
        for ex_id, _ in exercise_ids(source):
            assert hint_levels.available(ex_id) >= 1, f"{ex_id} has no hint level"
            assert hint_levels.WHERE[ex_id] == owners[ex_id], ex_id
    for ex_id in ("layer_norm.1", "layer_norm_torch.1"):
        assert hint_levels.available(ex_id) == 3, ex_id
    # a derivation: concept, structure, local derivatives, and the compact result last, above the default cap
    for ex_id in ("layer_norm.2", "layer_norm_torch.2", "layer_norm_triton.2"):
        assert hint_levels.available(ex_id) == 4, ex_id
    assert "".join(COMPACT.split()) in "".join(hint_levels.LEVELS["layer_norm.2"][3].split())
    assert all(
        "".join(COMPACT.split()) not in "".join(t.split())
        for t in hint_levels.LEVELS["layer_norm.2"][: hint_levels.DEFAULT_RELEASE_CAP]
    )


def _region_owners(source: str) -> dict[str, str]:
    tree = ast.parse(source)
    owners = {}
    for begin, _, ex_id, _ in regions(source):

        def visit(
            node: ast.AST, prefix: str, line: int = begin + 1, ex: str | None = ex_id
        ) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.ClassDef):
                    if child.lineno <= line <= child.end_lineno:
                        owners[ex] = prefix + child.name
                    visit(child, prefix + child.name + ".")

        visit(tree, "")
    return owners


def test_failures_name_their_exercise():
    assert hint_levels.exercise_ids(
        "NOT IMPLEMENTED YET: Exercise layer_norm.2: backpropagate"
    ) == ["layer_norm.2"]
    assert hint_levels.exercise_ids("layer_norm_backward after forward(x (4, 5)): dx ...") == [
        "layer_norm.2"
    ]
    assert hint_levels.exercise_ids("LayerNormFunction.backward: ...") == ["layer_norm_torch.2"]
    assert hint_levels.exercise_ids("LayerNorm.forward: ...") == ["layer_norm_torch.5"]
    assert hint_levels.exercise_ids("xavier_uniform_(w (3, 4)): ...") == ["initializers.6"]


def test_hint_levels_command_prints_one_level_and_says_how_to_get_the_next():
    proc = subprocess.run(
        [sys.executable, "-m", "exercises.hints", "layer_norm.2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Hint level 1 [layer_norm.2]" in proc.stdout
    assert "Hint level 2" not in proc.stdout
    assert "python -m exercises.hints layer_norm.2 2" in proc.stdout


def test_pytest_hint_level_shows_the_levels_of_a_failing_exercise():
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "layer_norm",
            "--impl",
            "grader.mutants.layer_norm_dx_no_var_term",
            "--hint-level",
            "2",
            "tests/test_layer_norm.py",
            "-k",
            "backward_matches_stored",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stdout[-2000:]
    out = proc.stdout
    assert "Hint [ln-dx-no-var-term]" in out  # the misconception hint stays
    assert "Hint level 2 [layer_norm.2]" in out
    assert "Hint level 3" not in out
    assert "--hint-level 3" in out


@pytest.mark.parametrize("cap", [1, 2])
def test_a_capped_release_holds_no_higher_level_and_no_compact_formula(tmp_path, cap):
    from grader.verbs.release import main as release

    out = tmp_path / "bundle"
    assert release(out=out, max_hint_level=cap) == 0
    text = (out / "exercises" / "feedback" / "hint_levels.py").read_text()
    assert f"CAP: int | None = {cap}" in text
    everything = "".join(
        "".join(p.read_text(errors="replace").split()) for p in out.rglob("*") if p.suffix == ".py"
    )
    for texts in hint_levels.LEVELS.values():
        for t in texts[cap:]:
            assert "".join(t.split())[:60] not in everything
    assert "".join(COMPACT.split()) not in everything
    asked = subprocess.run(
        [sys.executable, "-m", "exercises.hints", "layer_norm.2", str(cap + 1)],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert asked.returncode == 0, asked.stderr
    assert f"Hint level {cap} [layer_norm.2]" in asked.stdout
    assert f"the last hint level in this release ({cap})" in asked.stdout
    # a level above the cap slipped into the bundle is a leak
    (out / "exercises" / "notes.py").write_text(
        repr(hint_levels.LEVELS["layer_norm.2"][cap]) + "\n"
    )
    leaks = [str(leak) for leak in check(out, max_hint_level=cap)]
    assert any(f"hint level {cap + 1} of layer_norm.2" in leak for leak in leaks), leaks


def test_nbgrader_notebooks_honour_the_cap():
    from grader.authoring.nbgrader_course import group_notebook

    def text(nb: dict) -> str:
        return "".join("".join(c["source"].split()) for c in nb["cells"])

    full, capped, none = (group_notebook("layer_norm", cap) for cap in (None, 2, 0))
    level3 = "".join(hint_levels.LEVELS["layer_norm.2"][2].split())
    assert level3 in text(full)
    assert level3 not in text(capped)
    assert "".join(hint_levels.LEVELS["layer_norm.2"][1].split()) in text(capped)
    assert "Hintlevel" not in text(none)
    markdown = [c for c in capped["cells"] if c["cell_type"] == "markdown"]
    assert "".join(COMPACT.split()) not in text(
        {"cells": markdown}
    )  # code cells: the source notebook's
