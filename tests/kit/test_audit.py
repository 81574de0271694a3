"""Kit tests of the mutation audit: the operators fire, equivalence is detected, the numpy group's hidden suite
kills at least 95 % of its non-equivalent mutants."""

from __future__ import annotations

import pytest

from grader import ROOT
from grader.mutate import generate

pytestmark = pytest.mark.kit


def test_mutation_operators_cover_the_issue_list():
    ops = {
        m.name.split("@")[0] for m in generate((ROOT / "solutions" / "layer_norm.py").read_text())
    }
    assert {"arith", "drop", "axis", "keepdims", "reduce", "swap", "const", "sqrt", "copy"} <= ops


def test_mutants_touch_only_solution_regions():
    source = "import numpy as np\nK = 3\n\ndef f(x):\n    ### BEGIN SOLUTION t.1: do\n    return x + 1\n    ### END SOLUTION\n"
    names = [m.name for m in generate(source)]
    assert names, "the region's x + 1 must be mutated"
    assert all(m.line == 6 for m in generate(source)), names  # K = 3 outside the region stays


def test_audit_kills_the_numpy_groups_mutants(capsys):
    from grader.verbs.audit import main

    assert main(group="layer_norm", seeds=2) == 0
    out = capsys.readouterr().out
    assert "| layer_norm |" in out
    assert "equivalent left out" in out
