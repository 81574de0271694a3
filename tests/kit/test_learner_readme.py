"""Kit tests of the one learner README (grader/templates/README.learner.md, grader/authoring/course.py): the release's README
and the main README's learner section are that source; its course map holds every group and lab in order,
experiments before the derivations they motivate, lectures cited by title, questions not answers, no kit
internals and no figure."""

from __future__ import annotations

import re

import pytest

from grader import GROUPS, ROOT
from grader.authoring import course

pytestmark = pytest.mark.kit

# The five source lectures, by title (what a learner reads; never their file names).
LECTURES = (
    "Module 1.3: Understanding Distributions in Neural Networks",
    "Module 1.0: Fundamental Concepts for Understanding Layer Normalization",
    "What statistic distributions get used for random weight initializations?",
    "Module 1.5: Layer Normalization Formula Explained",
    "Distributions of Weights Pre- and Post-Learning (an FFN on MNIST)",
)
# What a learner has no use for: the kit's own files, verbs and history.
INTERNALS = (
    "issue #",
    "grader/",
    "solutions",
    "--impl",
    "mutant",
    "judge",
    "Generated from the reference",
    "grader sync",
    "seed 00",
    "seeds/",
    "built alongside",
)


@pytest.fixture(scope="module")
def source() -> str:
    return course.release_readme()


def _rows(text: str) -> list[list[str]]:
    """The course map's rows: cells of every table line whose first cell is a step number."""
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0].isdigit():
            rows.append(cells)
    return rows


def test_the_release_readme_is_the_source(tmp_path, source):
    from grader.verbs.release import build

    build(tmp_path / "bundle", max_hint_level=3)
    assert (tmp_path / "bundle" / "README.md").read_text() == source


def test_the_main_readme_learner_section_is_the_source():
    assert not course.drifted(), "README.md's learner section drifted: run `python -m grader sync`"
    text = (ROOT / "README.md").read_text()
    section = text[text.index(course.BEGIN) : text.index(course.END)]
    assert course.main_readme_section() in section
    assert "### Course map" in section


def test_the_course_map_holds_every_group_and_lab_in_order(source):
    rows = _rows(source)
    assert [int(r[0]) for r in rows] == list(range(1, len(rows) + 1))
    steps = [r[1] for r in rows]
    for group in GROUPS:
        assert any(f"`{group}`" in s for s in steps), f"{group} is not on the course map"

    def at(pattern: str) -> int:
        hits = [i for i, s in enumerate(steps) if re.search(pattern, s)]
        assert len(hits) == 1, (pattern, hits)
        return hits[0]

    distributions, forward = at(r"^lab 1: distributions"), at(r"^`layer_norm` 1")
    eps, gradients = at(r"^lab 2: eps"), at(r"vanishing and exploding gradients")
    activations, backward = at(r"activations layer by layer"), at(r"^`layer_norm` 2")
    gamma_beta, efficiency = at(r"^lab 3: gamma and beta"), at(r"^lab 4: efficiency")
    demo, initializers = at(r"initialization demo"), at(r"^`initializers`")
    histograms, further = at(r"^`histograms`"), at(r"further exploration")
    torch_, triton = at(r"^`layer_norm_torch`"), at(r"^`layer_norm_triton`")
    # intuition before derivation: the experiments come before what they motivate
    assert distributions < forward < backward
    assert max(activations, eps, gradients) < backward
    assert gradients < initializers
    assert demo < initializers
    assert backward < torch_ < gamma_beta
    assert torch_ < efficiency < triton
    assert histograms < further


def test_every_row_has_a_time_and_cites_a_lecture_by_title(source):
    for row in _rows(source):
        step, _, time, origin = row[1:5]
        assert re.fullmatch(r"\d+(\.\d+)?(–\d+(\.\d+)?)? (min|h)", time), (step, time)
        assert any(title in origin for title in LECTURES) or "beyond the lectures" in origin, step
    for title in LECTURES:
        assert title in source, title


@pytest.mark.parametrize(
    ("lab", "lecture", "exercises"),
    [
        (
            "lab 1: distributions",
            "Module 1.3: Understanding Distributions",
            "practice exercises 1 and 3",
        ),
        ("lab 2: eps", "Module 1.5: Layer Normalization Formula Explained", "practice exercise 2"),
        (
            "lab 3: gamma and beta",
            "Module 1.5: Layer Normalization Formula Explained",
            "practice exercise 3",
        ),
        (
            "lab 4: efficiency",
            "Module 1.5: Layer Normalization Formula Explained",
            "practice exercise 5",
        ),
        (
            "activations layer by layer",
            "Module 1.3: Understanding Distributions",
            "practice exercises 2 and 4",
        ),
        ("vanishing and exploding", "Module 1.0: Fundamental Concepts", "vanishing and exploding"),
        (
            "further exploration",
            "Distributions of Weights Pre- and Post-Learning",
            "Further Exploration",
        ),
    ],
)
def test_each_lab_credits_its_lecture_and_asks_a_question(source, lab, lecture, exercises):
    (row,) = [r for r in _rows(source) if lab in r[1]]
    assert lecture in row[4], row
    assert exercises in row[4], row
    assert "?" in row[2], f"{lab}: the row should ask its question, not state a result: {row[2]}"


def test_no_kit_internals_and_no_figure(source):
    for needle in INTERNALS:
        assert needle not in source, needle
    assert "![" not in source, "a figure gives a result away"
    assert ".png" not in source, "a figure gives a result away"


def test_the_readme_describes_the_hint_levels_and_the_loop(source):
    for words in (
        "level 1",
        "level 2",
        "level 3",
        "level 4",
        "NOT IMPLEMENTED YET",
        "--hint-level",
    ):
        assert words in source, words
