"""Triton's interpreter where there is no CUDA device (the layer_norm_triton group).

Triton reads TRITON_INTERPRET whenever a kernel is decorated, triton.language's own included, which happens when
triton is first imported (by the group's module, or by torch.compile); so the kit calls this as early as it can:
when the pytest plugin loads and when the grader is imported. Learners never set it themselves."""

from __future__ import annotations

import os
import sys


def use_triton_interpreter() -> None:
    """Set TRITON_INTERPRET=1 unless it is set, triton is already imported or a CUDA device is present. Cheap:
    torch is asked only if it is already imported, else the NVIDIA driver's device node."""
    if "TRITON_INTERPRET" in os.environ or "triton" in sys.modules:
        return
    torch = sys.modules.get("torch")
    cuda = torch.cuda.is_available() if torch is not None else os.path.exists("/dev/nvidiactl")
    if not cuda:
        os.environ["TRITON_INTERPRET"] = "1"
