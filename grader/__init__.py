"""normlab's autograder: `python -m grader <verb>` (see grader/cli.py)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GROUPS = ("layer_norm", "layer_norm_torch", "initializers", "histograms", "layer_norm_triton")

# The grader reads the kit's shared test helpers (tests/hints.py, tests/checks.py) wherever it runs, e.g. from an
# nbgrader kernel whose cwd is a course folder: make the kit root importable once grader is.
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))
