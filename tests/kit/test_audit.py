"""Kit tests of the mutation audit: the operators fire, equivalence is detected, the numpy group's hidden suite
kills at least 95 % of its non-equivalent mutants."""

from __future__ import annotations

import pytest

from grader import ROOT
from grader.authoring.ast_mutants import generate

pytestmark = pytest.mark.kit


def test_mutation_operators_cover_the_issue_list():
    ops = {
        m.name.split("@")[0] for m in generate((ROOT / "solutions" / "layer_norm.py").read_text())
    }
    assert {
        "arith",
        "drop",
        "axis",
        "keepdims",
        "reduce",
        "swap",
        "const",
        "sqrt",
        "copy",
        "ignored",
    } <= ops


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


def test_ignored_operator_replaces_a_parameter_by_its_default_or_drops_it_at_a_call():
    source = (
        "def helper(x, k=2):\n    return x * k\n\n"
        "def f(x, k=3, scale=1.0):\n"
        "    ### BEGIN SOLUTION t.1: do\n"
        "    return helper(x, k) + scale * x\n"
        "    ### END SOLUTION\n"
    )
    got = {m.description: m.source for m in generate(source) if m.name.startswith("ignored@")}
    assert "helper(x, 3) + scale * x" in got["f: argument k ignored (always 3)"]
    assert "helper(x, k) + 1.0 * x" in got["f: argument scale ignored (always 1.0)"]
    assert "helper(x) + scale * x" in got["f: k not passed on to helper (the callee's default)"]


@pytest.mark.parametrize(
    ("group", "wanted"),
    [
        ("layer_norm", {"layer_norm_forward: argument eps ignored (always 1e-05)"}),
        (
            "layer_norm_torch",
            {
                "forward: argument eps ignored (always 1e-05)",
                "__init__: argument eps ignored (always 1e-05)",
            },
        ),
    ],
)
def test_an_ignored_eps_is_killed_by_the_hidden_suite_not_taken_for_equivalent(group, wanted):
    """An argument that no hidden case sets to a non-default value looks "equivalent" to the audit; every eps
    is exercised (issue: a LayerNorm that always used eps = 1e-5 got full marks)."""
    from grader.authoring.audit import classify, load_source

    mutants = [
        m
        for m in generate((ROOT / "solutions" / f"{group}.py").read_text())
        if m.description in wanted
    ]
    assert {m.description for m in mutants} == wanted
    for m in mutants:
        assert classify(group, load_source(group, m.source), 2, 60.0) == "killed", m.description


@pytest.mark.slow
def test_isolated_audit_counts_a_crash_as_a_kill_and_carries_on():
    """layer_norm_triton's mutants run one per forked child (a masked-out-of-bounds store can corrupt the heap):
    a mutant that aborts its process is "crashed", one that does not load is "broken", and the next still runs."""
    pytest.importorskip("triton")
    from types import SimpleNamespace

    from grader.authoring.audit import ISOLATED, classify_isolated

    assert "layer_norm_triton" in ISOLATED
    source = (ROOT / "solutions" / "layer_norm_triton.py").read_text()
    mutants = [
        SimpleNamespace(source=source + "\nimport os\nos.abort()\n"),
        SimpleNamespace(source=source + "\nraise ValueError('does not load')\n"),
        SimpleNamespace(source=source + "\nimport os\nos._exit(3)\n"),
    ]
    verdicts = list(classify_isolated("layer_norm_triton", mutants, 1, 60.0))
    assert verdicts == ["crashed", "broken", "crashed"]


def test_contract_freedoms_match_only_the_freed_spots(monkeypatch):
    from grader.authoring.audit import freed_spans, freedom_of
    from grader.judging import cases
    from grader.judging.cases import Freedom

    source = (ROOT / "solutions" / "histograms.py").read_text()
    freed = freed_spans("histograms", source)
    by_spot = {
        m.description + " " + m.name: freedom_of(m, freed)
        for m in generate(source)
        if "plot_histogram_heatmap" in m.source
    }
    figsize = [k for k, f in by_spot.items() if f is not None and f.where == "figsize="]
    assert figsize, "the heatmap's figsize=(8, 4) constants are a freedom"
    extent = [m for m in generate(source) if "extent=(1, counts.shape[0]" in m.source]
    assert extent
    assert all(freedom_of(m, freed) is None for m in extent), "the extent is checked, not free"

    stale = [Freedom("plot_histogram_heatmap", "no_such_keyword=", "stale")]
    monkeypatch.setattr(cases, "load_freedoms", lambda group: stale)
    with pytest.raises(ValueError, match="matches nothing"):
        freed_spans("histograms", source)
