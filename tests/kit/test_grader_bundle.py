"""One worker per submission: its exercise groups run one after the other in it (grader/run/local.py,
``LocalExecutor.run_bundle``). What must still hold per group: its own printed output, its own guard rules,
and a fault that costs only that group (the next group gets a fresh worker)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from grader import ROOT
from grader.mutants import apply_patch
from grader.points import POINTS
from grader.results import Result

pytestmark = pytest.mark.kit


def _patched(group: str, old: str, new: str) -> str:
    return apply_patch((ROOT / "solutions" / f"{group}.py").read_text(), ((old, new),), group)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    cls = tmp_path_factory.mktemp("bundle-class")
    out = tmp_path_factory.mktemp("bundle-out") / "out"
    marker = "__all__ = "
    files = {
        # prints at import, then grades normally
        "layer_norm": _patched(
            "layer_norm", "import numpy as np\n", 'import numpy as np\n\nprint("ln-says-hi")\n'
        ),
        # the worker dies while importing this group: only this group may pay for it
        "layer_norm_torch": _patched(
            "layer_norm_torch", marker, "import os\nos._exit(3)\n" + marker
        ),
        "initializers": _patched("initializers", marker, 'print("init-says-hi")\n' + marker),
        "histograms": (ROOT / "solutions" / "histograms.py").read_text(),
    }
    # correct everywhere; its histograms code calls a helper of its initializers file that uses
    # torch.nn.init -- refused inside the initializers group, allowed in histograms
    crossing = {g: (ROOT / "solutions" / f"{g}.py").read_text() for g in files}
    crossing["initializers"] = _patched(
        "initializers",
        marker,
        "def gain_helper():\n    return torch.nn.init.calculate_gain('relu')\n\n\n" + marker,
    )
    anchor = "    ### BEGIN SOLUTION histograms.1: bin every weight (no biases) as np.histogram does; return centres\n"
    crossing["histograms"] = _patched(
        "histograms",
        anchor,
        anchor + "    from exercises.initializers import gain_helper\n\n    gain_helper()\n",
    )
    for who, contents in (("mixed", files), ("crossing", crossing)):
        for group, text in contents.items():
            path = cls / who / "exercises" / f"{group}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(cls), "--out", str(out), "--jobs", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = {}
    for line in (out / ".journal.jsonl").read_text().splitlines():
        rec = json.loads(line)
        results[rec["learner"]] = Result.from_dict(rec)
    return results


def test_each_group_shows_only_its_own_output(graded: dict[str, Result]) -> None:
    groups = graded["mixed"].groups
    assert "ln-says-hi" in groups["layer_norm"].output
    assert "init-says-hi" not in groups["layer_norm"].output
    assert "init-says-hi" in groups["initializers"].output
    assert "ln-says-hi" not in groups["initializers"].output
    assert "says-hi" not in groups["histograms"].output


def test_a_crash_in_one_group_costs_only_that_group(graded: dict[str, Result]) -> None:
    groups = graded["mixed"].groups
    assert groups["layer_norm_torch"].cents == 0
    assert "status 3" in groups["layer_norm_torch"].message
    for group in ("layer_norm", "initializers", "histograms"):
        assert groups[group].cents == POINTS[group] * 100, (group, groups[group].message)


def test_rules_of_one_group_never_apply_to_the_next(graded: dict[str, Result]) -> None:
    """The worker runs initializers (whose guard wraps torch.nn.init) before histograms, where the learner's
    histograms code calls its own initializers helper that uses torch.nn.init: allowed there, as in a worker
    of its own -- the previous group's wrappers are taken off."""
    crossing = graded["crossing"]
    assert crossing.isolation
    for group, result in crossing.groups.items():
        assert result.cents == POINTS[group] * 100, (group, result.message)
