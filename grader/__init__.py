"""normlab's autograder: `python -m grader <verb>` (see grader/cli.py)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GROUPS = ("layer_norm", "layer_norm_torch", "initializers", "histograms", "labs")
