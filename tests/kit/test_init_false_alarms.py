"""The initializers' public tests keep their false-alarm budget: a correct learner fails by chance < 1e-6 per run."""

from __future__ import annotations

from exercises.feedback.init_stats import checks_for
from tests.test_initializers import DRAWS, GPU_DRAWS


def test_false_alarm_budget():
    """Fewer than 100 random checks per run (each <= 1e-8), so a correct run fails by chance < 1e-6."""
    checks = sum(checks_for(DRAWS[c].family()) for c in DRAWS)
    checks += sum(checks_for(DRAWS[c].family()) for c in GPU_DRAWS)
    checks += 1 + checks_for("normal")  # sparse_: accidental zeros, then its non-zero values
    checks += 1  # orthogonal_ signs
    checks += 1  # the demo's Kaiming factor 2 (7.8 standard deviations, see its docstring)
    assert checks < 100, f"{checks} random checks: lower ALPHA in exercises/feedback/init_stats.py"
