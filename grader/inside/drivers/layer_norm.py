"""Worker-side adapters for the layer_norm group (numpy). Trusted code, copied into the worker's staging
dir; each returns plain data only (see grader/judging/cases.py)."""

from __future__ import annotations

from typing import Any

import numpy as np


def forward(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    x = inputs["x"].copy()
    kwargs = {"eps": inputs["eps"]} if "eps" in inputs else {}
    out, _ = m.layer_norm_forward(x, inputs["gamma"].copy(), inputs["beta"].copy(), **kwargs)
    return {"out": _array(out), "x_after": x}


def backward(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    _, cache = m.layer_norm_forward(
        inputs["x"].copy(), inputs["gamma"].copy(), inputs["beta"].copy()
    )
    dx, dgamma, dbeta = m.layer_norm_backward(inputs["dout"].copy(), cache)
    return {"dx": _array(dx), "dgamma": _array(dgamma), "dbeta": _array(dbeta)}


def bad_gamma(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """Call with a gamma that does not fit x; report the exception type and message."""
    try:
        m.layer_norm_forward(inputs["x"], inputs["gamma"], inputs["gamma"].copy())
    except Exception as exc:
        return {"raised": type(exc).__name__, "message": str(exc)[:500]}
    return {"raised": None, "message": ""}


def _array(value: Any) -> Any:
    """Arrays pass through; anything else is reported by type name (the judge explains it)."""
    if isinstance(value, np.ndarray):
        return value
    return f"<{type(value).__name__}>"
