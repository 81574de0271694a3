"""Kit tests of the labs (issue #27, point 4): experiments whose answers are judged against the learner's own
measurements, never against a printed result. Run under `pytest --impl solutions -m kit tests/kit/test_labs_kit.py`.

- The choices the lab file lists (its module constants) are the ones exercises/lab_tools.py checks.
- The grader's replays (grader/inside/drivers/labs.py, answer_*) measure what lab_tools.run_<lab> measures
  for the learner: same data, same numbers; so an answer read off `python -m exercises.lab_tools` is judged on
  the numbers it was read from.
- No learner-visible labs text (stub, public tests, hints, hint levels, lab_tools) states a lab's result.
- The reference's answers agree with the reference's measurements; an answer that copies a textbook claim
  the measurement contradicts does not.
"""

from __future__ import annotations

import re

import pytest

from exercises import lab_tools
from grader import ROOT

pytestmark = pytest.mark.kit


@pytest.fixture(scope="module")
def ref():
    import solutions.labs

    return solutions.labs


def test_the_lab_file_lists_the_choices_lab_tools_checks(ref):
    forms = lab_tools.FORMS
    assert set(ref.EFFECTS) == set(forms["distributions"]["mean"])
    assert set(ref.SETS) == set(forms["distributions"]["gamma"])
    assert set(ref.BENDS) == set(forms["eps"]["bend"])
    assert tuple(ref.INIT_RUNS) == tuple(lab_tools.INIT_RUNS) == forms["init"]["fastest"]
    assert tuple(ref.GRADIENT_RUNS) == tuple(lab_tools.GRADIENT_RUNS) == tuple(forms["gradients"])
    assert set(ref.TRENDS) == set(forms["gradients"]["default"])
    assert set(ref.CHANGES) == set(forms["activations"]["with_ln"])
    assert set(ref.DEPTH_TRENDS) == set(forms["activations"]["drift_by_depth"])
    assert set(ref.FURTHER) == set(forms["optimizers"]["further"])
    assert set(ref.SPREADS) == set(forms["optimizers"]["weight_decay"])
    assert set(ref.BIAS_MOVES) == set(forms["optimizers"]["biases_sgd"])


def _replay(lab: str, module):
    from grader.judging.cases import load_cases
    from grader.judging.evaluate import call_driver, case_inputs

    case = next(c for c in load_cases("labs") if c.name == f"answer_{lab}")
    return call_driver("labs", case, module, case_inputs("labs", case, seed=0, learner="kit"))


@pytest.mark.parametrize(
    "lab", ["distributions", "eps", "init", "gradients", "activations", "optimizers"]
)
def test_the_grader_replays_the_experiment_lab_tools_runs(ref, lab):
    """The worker's replay uses torch's LayerNorm and initializers; lab_tools uses the learner's where they do
    what torch's do. Here, torch's in both: the numbers must be the same."""
    parts = lab_tools.Borrowed(__import__("torch").nn.LayerNorm, __import__("torch").nn.init, [])
    run = getattr(lab_tools, f"run_{lab}")
    kit = run(ref) if lab in ("distributions", "eps", "optimizers") else run(ref, parts)
    grader = _replay(lab, ref)
    kit_allowed = getattr(lab_tools, f"allowed_{lab}")(kit)
    from grader.hidden import labs as hidden

    grader_allowed = getattr(lab_tools, f"allowed_{lab}")(
        getattr(hidden, f"_rebuild_{lab}")(grader)
    )
    assert {k: a.choices for k, a in kit_allowed.items()} == {
        k: a.choices for k, a in grader_allowed.items()
    }
    assert {k: a.evidence for k, a in kit_allowed.items()} == {
        k: a.evidence for k, a in grader_allowed.items()
    }


@pytest.mark.parametrize(
    "lab", ["distributions", "eps", "init", "efficiency", "gradients", "activations", "optimizers"]
)
def test_the_reference_answers_agree_with_its_measurements(ref, lab):
    answer = getattr(ref, f"answer_{lab}")()
    assert not lab_tools.check_form(answer, lab_tools.FORMS[lab], f"answer_{lab}()", "labs.0")
    if lab == "efficiency":
        allowed = lab_tools.allowed_efficiency(answer)
    else:
        allowed = getattr(lab_tools, f"allowed_{lab}")(getattr(lab_tools, f"run_{lab}")(ref))
    assert not lab_tools.disagreements(answer, allowed)


def test_a_textbook_answer_that_the_measurement_contradicts_is_refused(ref):
    m = lab_tools.run_distributions(ref)
    gaussianizes = {**ref.answer_distributions(), "skewness": "fixed", "kurtosis": "fixed"}
    bad = lab_tools.disagreements(gaussianizes, lab_tools.allowed_distributions(m))
    assert [line.split(":")[0] for line in bad] == ["'skewness'", "'kurtosis'"]
    assert (
        "fixed" not in bad[0].split("your measurement:")[1]
    )  # the evidence is numbers, not a verdict


def test_a_missing_answer_reads_as_not_implemented_yet():
    form = lab_tools.FORMS["eps"]
    for value in (None, {}, {"slope": None, "bend": "std"}, {"slope": -1.0, "bend": ""}):
        with pytest.raises(NotImplementedError, match=r"^Exercise labs\.10: "):
            lab_tools.check_form(value, form, "answer_eps()", "labs.10")
    assert lab_tools.check_form({"slope": "steep", "bend": "var"}, form, "answer_eps()", "labs.10")


# Statements of the labs' results (and of the old stub's). Learner-visible text may pose a question and
# name the choices; it may not say which choice is right.
RESULTS = [
    r"-\s*1\s*/\s*2",  # the eps lab's slope
    r"slope[^.]{0,40}-0\.5",
    r"1\s*/\s*sqrt\(\s*eps\s*\)",
    r"grows like",
    r"mean 0 and std 1 whatever",
    r"gaussiani[sz]e",
    r"shapes? (survive|are kept|stay)",
    r"bends? (at|where) eps (is|reaches|~|≈)",
    r"(xavier|kaiming|default)[^.\n]{0,40}\b(vanish|explode)s\b",
    r"layer norm (stops|prevents|keeps)",
    r"adam (moves|drifts|goes) (further|more)",
    r"weight decay (narrows|shrinks)",
    r"biases (move|drift) (more|less)",
    r"(gamma|beta)\s*=\s*[-+0-9.]+ (learns|is) (fastest|slowest)",
]


def _learner_texts() -> dict[str, str]:
    from exercises.feedback import hint_levels, hints

    texts = {
        "exercises/labs.py": (ROOT / "exercises" / "labs.py").read_text(),
        "exercises/lab_tools.py": (ROOT / "exercises" / "lab_tools.py").read_text(),
        "tests/test_labs.py": (ROOT / "tests" / "test_labs.py").read_text(),
    }
    for hint_id, hint in hints.HINTS.items():
        if hint_id.startswith("labs-"):
            texts[f"hint {hint_id}"] = hint.text
    for ex_id, levels in hint_levels.LEVELS.items():
        if ex_id.startswith("labs."):
            texts[f"hint levels {ex_id}"] = "\n".join(levels)
    return texts


@pytest.mark.parametrize("name", sorted(_learner_texts()))
def test_no_learner_visible_labs_text_states_a_result(name):
    text = " ".join(_learner_texts()[name].lower().split())
    found = [p for p in RESULTS if re.search(p, text)]
    assert not found, f"{name} states a lab's result: {found}"


def test_the_result_statements_are_recognised():
    old_stub = (
        "the normalized samples have mean 0 and std 1 whatever went in; layer norm does not gaussianize; "
        "the gradient grows like 1/sqrt(eps): a slope of -1/2 on log-log axes"
    )
    assert sum(bool(re.search(p, old_stub)) for p in RESULTS) >= 4


def test_a_stub_stops_the_answer_check_before_its_experiment_runs(ref):
    """A learner's first `pytest -m labs` pays for no experiment: the answer is checked first, then the
    functions its experiment calls, all before the (session-shared) replay starts."""
    import importlib
    import types

    from tests import test_labs

    stub = importlib.import_module("exercises.labs")

    class Never(test_labs.Experiments):
        def get(self, lab: str) -> dict:
            raise AssertionError(f"the {lab} experiment ran")

    for lab in test_labs.IDS:
        with pytest.raises(NotImplementedError, match=r"^Exercise labs\.\d+: "):
            test_labs.test_answer_agrees_with_what_your_functions_measure(stub, Never(stub), lab)
        answered = types.SimpleNamespace(**vars(stub))
        setattr(answered, f"answer_{lab}", getattr(ref, f"answer_{lab}"))
        if lab != "efficiency":  # its check needs no experiment at all
            with pytest.raises(NotImplementedError, match=r"^Exercise labs\.\d+: "):
                test_labs.test_answer_agrees_with_what_your_functions_measure(
                    answered, Never(answered), lab
                )
