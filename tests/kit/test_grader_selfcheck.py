"""`python -m grader selfcheck` passes on the kit as shipped: references full marks, stubs 0, every mutant
caught with its hint, every correct variant full marks -- through the real sandboxed grading path."""

from __future__ import annotations

import subprocess
import sys

import pytest

from grader import ROOT

pytestmark = [pytest.mark.kit, pytest.mark.slow]


def test_selfcheck_passes() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "selfcheck", "--jobs", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    failing = [line for line in proc.stdout.splitlines() if line.startswith("FAIL")]
    assert proc.returncode == 0, "\n".join(failing) or proc.stderr[-3000:]
    assert "isolation:" in proc.stdout
