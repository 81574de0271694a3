"""normlab's autograder: `python -m grader <verb>` (see grader/cli.py)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GROUPS = (
    "layer_norm",
    "layer_norm_torch",
    "initializers",
    "histograms",
    "layer_norm_triton",
    "labs",
)


def _triton_interpreter_without_cuda() -> None:
    from exercises.feedback.triton import use_triton_interpreter

    use_triton_interpreter()


_triton_interpreter_without_cuda()
