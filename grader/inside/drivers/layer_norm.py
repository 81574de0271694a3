"""Worker-side adapters for the layer_norm group (numpy). Trusted code, copied into the worker's staging
dir; each returns plain data only (see grader/judging/cases.py): an array result that is not a numpy array (a
tensor included) is reported by type name, which the judge explains."""

from __future__ import annotations

from typing import Any

from ._wire import as_array


def forward(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    x = inputs["x"].copy()
    kwargs = {"eps": inputs["eps"]} if "eps" in inputs else {}
    out, _ = m.layer_norm_forward(x, inputs["gamma"].copy(), inputs["beta"].copy(), **kwargs)
    return {"out": as_array(out, tensors=False, arrays=True), "x_after": x}


def backward(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    _, cache = m.layer_norm_forward(
        inputs["x"].copy(), inputs["gamma"].copy(), inputs["beta"].copy()
    )
    dx, dgamma, dbeta = m.layer_norm_backward(inputs["dout"].copy(), cache)
    return {
        "dx": as_array(dx, tensors=False, arrays=True),
        "dgamma": as_array(dgamma, tensors=False, arrays=True),
        "dbeta": as_array(dbeta, tensors=False, arrays=True),
    }


def bad_gamma(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """Call with a gamma that does not fit x; report the exception type and message."""
    try:
        m.layer_norm_forward(inputs["x"], inputs["gamma"], inputs["gamma"].copy())
    except Exception as exc:
        return {"raised": type(exc).__name__, "message": str(exc)[:500]}
    return {"raised": None, "message": ""}
