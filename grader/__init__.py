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


def interpret_triton_kernels() -> None:
    """For the grader's own trusted processes (the CLI's, verdict servers, dask workers): they run references and
    mutants on the CPU only, so Triton's kernels must be interpreted there even on a GPU machine. Triton reads the
    mode once, when triton.language is imported, which torch._dynamo does as soon as an optimizer is built (the
    histograms references): set it before any verdict. The sandboxed workers start from a clean environment
    (grader/run/zygote_client.py) and choose their own mode per task (grader/inside/drivers/layer_norm_triton.py)."""
    import os

    os.environ.setdefault("TRITON_INTERPRET", "1")
