"""Kit tests of the mutation audit: the operators fire, equivalence is detected, the numpy group's hidden suite
kills at least 95 % of its non-equivalent mutants, a killed mutant is never checked for equivalence, each mutant
and each group runs apart from what ran before, and a false fail fails the audit."""

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

    assert main(group="layer_norm", seeds=2, false_fail_seeds=2) == 0
    out = capsys.readouterr().out
    assert "| layer_norm |" in out
    assert "equivalent left out" in out
    assert "false fails 0 in" in out  # beside the kill rate


def test_markdown_output_fences_the_details_and_keeps_the_table(capsys):
    """--markdown (benchmarks/run_all.py pastes it into RESULTS.md): the per-group details in one text fence,
    then the table with kill rate and false fails side by side, as Markdown."""
    from grader.verbs.audit import main

    assert main(group="layer_norm", seeds=1, false_fail_seeds=1, op="sqrt", markdown=True) == 0
    out = capsys.readouterr().out
    assert out.startswith("```text\n== layer_norm: killed ")
    details, table = out.split("```\n\n", 1)
    assert details.count("```") == 1
    header = table.splitlines()[0]
    for column in ("survived", "kill rate", "false fails", "seconds"):
        assert f"| {column} |" in header
    assert "| layer_norm | " in table


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


def _mutant(name: str, source: str):
    from types import SimpleNamespace

    return SimpleNamespace(name=name, description=name, source=source, span=(0, 0, 0, 0))


def test_each_mutant_runs_in_its_own_child_a_crash_is_a_kill_and_the_next_still_runs():
    """Every mutant is judged in a child forked from the group's warmed process (a Triton mask out of bounds
    can corrupt the heap, glibc then aborts): a mutant that aborts its process is "crashed" (killed), one that
    does not load is "broken", and the next still runs."""
    from grader.authoring.audit import audit_group

    source = (ROOT / "solutions" / "layer_norm.py").read_text()
    mutants = [
        _mutant("abort", source + "\nimport os\nos.abort()\n"),
        _mutant("raise", source + "\nraise ValueError('does not load')\n"),
        _mutant("exit", source + "\nimport os\nos._exit(3)\n"),
        _mutant("same", source + "\n"),
    ]
    audit = audit_group("layer_norm", seeds=1, timeout=60.0, mutants=mutants)
    assert [m.name for m in audit.crashed] == ["abort", "exit"]
    assert [m.name for m in audit.broken] == ["raise"]
    assert [m.name for m in audit.equivalent] == ["same"]
    assert audit.caught == 3


def test_a_killed_mutant_skips_the_equivalence_check(monkeypatch):
    """The hidden suite runs first and stops at the first failing case: a failing mutant cannot be
    equivalent, so it is never checked; the reference's outputs come from the group's cache, not new runs."""
    from grader.authoring.audit import Bench, judge_mutant, load_source
    from grader.judging import evaluate

    bench = Bench("layer_norm")
    bench.warm(2)
    source = (ROOT / "solutions" / "layer_norm.py").read_text()
    mutant = next(m for m in generate(source) if m.name.startswith("sqrt@"))
    module = load_source("layer_norm", mutant.source)

    def no_equivalence_check(*args, **kwargs):
        raise AssertionError("a killed mutant was checked for equivalence")

    monkeypatch.setattr(Bench, "equivalent", no_equivalence_check)
    calls = []
    real = evaluate.call_driver
    monkeypatch.setattr(
        evaluate, "call_driver", lambda g, c, m, i, *a: calls.append(m) or real(g, c, m, i, *a)
    )
    report = judge_mutant(bench, module, 2, 60.0)
    assert report["verdict"] == "killed", report
    assert report["eq_s"] is None
    assert calls, "the mutant never ran"
    assert all(m is module for m in calls), "the reference ran again"
    runs = [c.run_key for c in bench.first_of_each_run()]
    failed = next(c.run_key for c in bench.cases if c.name == report["case"])
    assert len(calls) == runs.index(failed) + 1 < len(runs), "no stop at the first failing case"


def test_a_groups_result_does_not_depend_on_what_ran_before_it(monkeypatch):
    """Each group is audited in a fresh interpreter: what this process did before (its RNGs, torch's threads,
    a mutant left in sys.modules, even a wrong module under the reference's name) changes nothing. Found: the
    full audit gave histograms other verdicts than `--group histograms`."""
    import sys
    from types import ModuleType

    import numpy as np

    from grader.authoring.audit import audit_group
    from grader.judging import evaluate

    clean = audit_group("layer_norm", seeds=2, op="axis").verdicts()
    np.random.seed(1234)  # noqa: NPY002 - the global state a group must not see
    wrong = ModuleType("solutions.layer_norm")
    monkeypatch.setitem(sys.modules, "solutions.layer_norm", wrong)
    monkeypatch.setitem(sys.modules, "grader._audit_mutant_layer_norm", wrong)
    evaluate.reference_module.cache_clear()
    try:
        assert audit_group("layer_norm", seeds=2, op="axis").verdicts() == clean
    finally:
        evaluate.reference_module.cache_clear()
    assert set(clean.values()) == {"killed"}, clean


def test_a_false_fail_makes_the_audit_exit_non_zero(monkeypatch, capsys):
    """The audit runs the hidden suite on the reference and every correct variant: one failed case run of a
    "correct" implementation (here a variant that is really a mutant) is a false fail, printed, exit 1."""
    from grader.authoring import audit

    source = (ROOT / "solutions" / "layer_norm.py").read_text()
    wrong = next(m for m in generate(source) if m.name.startswith("sqrt@")).source
    monkeypatch.setattr(
        audit,
        "implementation_sources",
        lambda group: [("solutions", None), ("variants/layer_norm_wrong.py", wrong)],
    )
    assert audit.run(group="layer_norm", false_fail_seeds=2, mutants=False) == 1
    out = capsys.readouterr().out
    assert "false fails variants/layer_norm_wrong.py: " in out
    assert "false fails solutions: 0 in" in out
    assert "| layer_norm |" in out

    monkeypatch.setattr(audit, "implementation_sources", lambda group: [("solutions", None)])
    assert audit.run(group="layer_norm", false_fail_seeds=2, mutants=False) == 0


def test_contract_freedoms_match_only_the_freed_spots(monkeypatch):
    from grader.authoring.audit import GroupAudit, _sort_mutants, freed_spans, freedom_of
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
    # the extent is free within data units (issue 25: the lecture labels the bin centres), nothing beside it
    extent = [m for m in generate(source) if "extent=(1, counts.shape[0]" in m.source]
    assert extent
    assert all(freedom_of(m, freed).where == "extent=" for m in extent)
    guard = [m for m in generate(source) if "if len(histx) >= 1 else 0.5" in m.source]
    assert guard
    assert all(freedom_of(m, freed) is None for m in guard), "next to a freed spot, not in it"
    # a freed spot holds no gap: a mutant there that the suite kills (the weight axis starting at half a bin,
    # not near the weights) stays killed
    wrong = [m for m in generate(source) if "extent=(0, counts.shape[0], half," in m.source]
    assert wrong
    audit = GroupAudit("histograms", source)
    _sort_mutants(audit, wrong, [{"verdict": "killed"}] * len(wrong), freed)
    assert audit.killed == wrong
    assert not audit.by_contract

    stale = [Freedom("plot_histogram_heatmap", "no_such_keyword=", "stale")]
    monkeypatch.setattr(cases, "load_freedoms", lambda group: stale)
    with pytest.raises(ValueError, match="matches nothing"):
        freed_spans("histograms", source)
