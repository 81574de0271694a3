"""normlab's autograder: `python -m grader <verb>` (see grader/cli.py)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GROUPS = ("layer_norm", "layer_norm_torch", "initializers", "histograms", "layer_norm_triton")


def use_triton_interpreter() -> None:
    """Without a CUDA device, run Triton kernels in Triton's interpreter (layer_norm_triton). Triton reads
    TRITON_INTERPRET whenever a kernel is decorated, triton.language's own included, which happens when triton
    is first imported (by the group's module, or by torch.compile), so this runs as early as possible: when
    the kit is imported. Cheap: torch is asked only if it is already imported, else the NVIDIA driver's node."""
    import os

    if "TRITON_INTERPRET" in os.environ or "triton" in sys.modules:
        return
    torch = sys.modules.get("torch")
    cuda = torch.cuda.is_available() if torch is not None else os.path.exists("/dev/nvidiactl")
    if not cuda:
        os.environ["TRITON_INTERPRET"] = "1"


use_triton_interpreter()

# The grader reads the kit's shared test helpers (tests/hints.py, tests/checks.py) wherever it runs, e.g. from an
# nbgrader kernel whose cwd is a course folder: make the kit root importable once grader is.
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))
