"""The naive baseline of benchmarks/grading.py: the hidden cases as a plain pytest module, run in ONE fresh
`python -m pytest` process per learner, with the learner's code imported straight into the test process
(no zygote, no sandbox, no reuse of the torch import). Not a grader: a yardstick.

    NORMLAB_LEARNER_DIR=path/to/learner python -m pytest benchmarks/naive_hidden.py -q -p no:cacheprovider
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from grader import ROOT
from grader.judging.cases import load_cases
from grader.judging.evaluate import call_driver, case_inputs, case_verdict
from grader.points import POINTS, default_groups

LEARNER = Path(os.environ.get("NORMLAB_LEARNER_DIR", ROOT / "exercises"))
PARAMS = [  # the groups a default `grade` grades (those worth points), as the other runners
    (g, c.name)
    for g in default_groups(dict(POINTS))
    if (ROOT / "grader" / "hidden" / f"{g}.py").exists()
    for c in load_cases(g)
    if c.device == "cpu"
]
_modules: dict[str, object] = {}


def _module(group: str):
    if group not in _modules:
        path = next(
            p
            for p in (LEARNER / "exercises" / f"{group}.py", LEARNER / f"{group}.py")
            if p.exists()
        )
        spec = importlib.util.spec_from_file_location(f"naive_{group}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _modules[group] = module
    return _modules[group]


@pytest.mark.parametrize(("group", "case_name"), PARAMS)
def test_hidden_case(group: str, case_name: str) -> None:
    case = next(c for c in load_cases(group) if c.name == case_name)
    inputs = case_inputs(group, case, seed=0, learner=LEARNER.name)
    outputs = call_driver(group, case, _module(group), inputs)
    verdict = case_verdict(group, case, inputs, outputs)
    assert verdict.passed, verdict.message
