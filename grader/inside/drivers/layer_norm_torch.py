"""Worker-side adapters for the layer_norm_torch group. Trusted code, copied into the worker's staging dir.

Each driver builds tensors from the parent's numpy inputs on ``device`` (x, weight, bias, dout, and a ``dtype``
string: float64, float32, float16 or bfloat16 -- half-precision values arrive as float32 arrays that the dtype
represents exactly), calls the learner's ``LayerNormFunction.apply`` or ``LayerNorm``, runs backward with the
parent's ``dout``, and returns plain data only: numpy arrays on the CPU (bfloat16 as float32, which is exact),
dtype and device names as strings. Anything that is not a tensor is reported as ``"<type name>"``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch.overrides import TorchFunctionMode

from ._wire import as_array, construct, error, reprs_of

DTYPES = {
    "float64": torch.float64,
    "float32": torch.float32,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
}
EPS = 1e-5


def function(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """LayerNormFunction.apply(x, weight, bias, eps).backward(dout): out, gradients, dtypes, devices, x after.

    Half-precision cases also run the same values in float32 (keys suffixed ``_f32``), so the judge can tell
    "loses precision in float16" from "wrong formula".
    """
    return _function_halves(m, inputs, device, backward=True)


def function_forward(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """LayerNormFunction.apply(x, weight, bias, eps) alone, no backward: out, its dtype and device, x after.

    Its own call into the learner's code (and its own deadline): a backward that hangs or crashes cannot take
    the forward's outputs with it.
    """
    return _function_halves(m, inputs, device, backward=False)


def _function_halves(m: Any, inputs: dict[str, Any], device: str, backward: bool) -> dict[str, Any]:
    dtype = str(inputs.get("dtype", "float64"))
    result = _function(m, inputs, dtype, device, backward)
    if dtype in ("float16", "bfloat16"):
        as32 = _function(m, inputs, "float32", device, backward)
        result.update({f"{k}_f32": as32[k] for k in ("out", "dx", "dweight", "dbias") if k in as32})
    return result


def _function(
    m: Any, inputs: dict[str, Any], dtype: str, device: str, backward: bool = True
) -> dict[str, Any]:
    x = _tensor(inputs["x"], dtype, device, grad=True)
    w = _optional(inputs, "weight", dtype, device)
    b = _optional(inputs, "bias", dtype, device)
    out = m.LayerNormFunction.apply(x, w, b, float(inputs.get("eps", EPS)))
    result: dict[str, Any] = {
        "out": as_array(out),
        "out_dtype": _dtype(out),
        "out_device": _device(out),
    }
    if backward and _backward(out, x, inputs, dtype, device, result):
        result.update(_grads(x=x, weight=w, bias=b))
    result["x_after"] = as_array(x)
    return result


def _backward(
    out: Any,
    x: torch.Tensor,
    inputs: dict[str, Any],
    dtype: str,
    device: str,
    result: dict[str, Any],
) -> bool:
    """out.backward(dout); False, with the error in result["backward_error"], when it raises: the forward's
    outputs still reach the judge (and a mistake that breaks only backward keeps its forward hint)."""
    if not (isinstance(out, torch.Tensor) and out.requires_grad and out.shape == x.shape):
        return True
    try:
        out.backward(_tensor(inputs["dout"], dtype, device).to(out.dtype))
    except Exception as exc:  # reported to the judge
        result["backward_error"] = f"{type(exc).__name__}: {exc}"[:300]
        return False
    return True


def module(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """LayerNorm(normalized_shape, eps, elementwise_affine, bias, device, dtype): its parameters as built, then
    (weight and bias loaded from the inputs) forward and backward as in ``function``. Never its extra_repr
    (``module_repr``): a method the numerical cases do not judge is not called by them."""
    return _module(m, inputs, device, backward=True)


def module_forward(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """As ``module`` without the backward: a call of its own, so the forward's outputs survive a backward that
    hangs or crashes."""
    return _module(m, inputs, device, backward=False)


def _build(m: Any, inputs: dict[str, Any], device: str, result: dict[str, Any]) -> Any:
    """The learner's LayerNorm for these inputs (a reset_parameters that raises: built without it, the error in
    result["reset_error"], see _wire.construct)."""
    dtype = str(inputs.get("dtype", "float64"))
    shape = tuple(int(n) for n in np.atleast_1d(inputs["normalized_shape"]))
    kwargs = {
        "eps": float(inputs.get("eps", EPS)),
        "elementwise_affine": bool(inputs["elementwise_affine"]),
        "bias": bool(inputs["use_bias"]),
        "device": device,
        "dtype": DTYPES[dtype],
    }
    return construct(m.LayerNorm, (shape,), kwargs, m, result)


def _module(m: Any, inputs: dict[str, Any], device: str, backward: bool) -> dict[str, Any]:
    dtype = str(inputs.get("dtype", "float64"))
    result: dict[str, Any] = {}
    mod = _build(m, inputs, device, result)
    params = list(mod.named_parameters())
    result.update(
        params=[name for name, _ in params],
        param_shapes=[list(p.shape) for _, p in params],
        param_dtypes=[_dtype(p) for _, p in params],
        param_devices=[_device(p) for _, p in params],
    )
    w, b = getattr(mod, "weight", None), getattr(mod, "bias", None)
    if isinstance(w, torch.Tensor):
        result["weight_init"] = as_array(w)
    if isinstance(b, torch.Tensor):
        result["bias_init"] = as_array(b)
    with torch.no_grad():
        if isinstance(w, torch.Tensor) and "weight" in inputs:
            w.copy_(_tensor(inputs["weight"], dtype, device))
        if isinstance(b, torch.Tensor) and "bias" in inputs:
            b.copy_(_tensor(inputs["bias"], dtype, device))
    x = _tensor(inputs["x"], dtype, device, grad=True)
    try:  # a forward that raises fails the out and gradient cases; the parameters, read above, are judged
        out = mod(x)
    except Exception as exc:
        result["forward_error"] = error(exc, m)
        return result
    result.update(out=as_array(out), out_dtype=_dtype(out), out_device=_device(out))
    if not backward or not _backward(out, x, inputs, dtype, device, result):
        return result
    result.update(
        _grads(
            x=x,
            weight=w if isinstance(w, torch.Tensor) else None,
            bias=b if isinstance(b, torch.Tensor) else None,
        )
    )
    return result


def module_repr(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """extra_repr() of a LayerNorm built for each configuration of the inputs (``configs``: a list of module
    inputs without x): ``reprs``, each the text (at most 200 characters) or None, and ``errors``, each None or
    what building the module or its extra_repr raised. A call of its own: no other case calls extra_repr."""
    return reprs_of(
        inputs["configs"], lambda config: _build(m, config, device, {}), m, "LayerNorm(...)"
    )


def backward_direct(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """Call LayerNormFunction.backward(ctx, grad_out) directly under torch.inference_mode(), where autograd
    records nothing: a backward that asks autograd for its gradients raises; one that applies the formula
    returns the same gradients as through autograd."""
    dtype = str(inputs.get("dtype", "float64"))
    x = _tensor(inputs["x"], dtype, device, grad=True)
    w = _optional(inputs, "weight", dtype, device)
    b = _optional(inputs, "bias", dtype, device)
    fn = m.LayerNormFunction
    out = fn.apply(x, w, b, float(inputs.get("eps", EPS)))
    g = _tensor(inputs["dout"], dtype, device)
    try:
        with torch.inference_mode():
            grads = fn.backward(out.grad_fn, g.clone())
    except Exception as exc:
        return {"raised": type(exc).__name__, "message": str(exc)[:300]}
    grads = tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)
    result: dict[str, Any] = {"raised": None, "message": "", "returned": len(grads)}
    for name, value in zip(("dx", "dweight", "dbias"), grads, strict=False):
        result[name] = as_array(value)
    return result


class _CallRecorder(TorchFunctionMode):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.names.add(str(getattr(func, "__name__", func))[:80])
        return func(*args, **(kwargs or {}))


def calls(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """The names of the torch functions that LayerNormFunction (forward, backward) and LayerNorm call."""
    with _CallRecorder() as rec:
        function(m, inputs, device)
        k = int(np.asarray(inputs["weight"]).ndim)
        shape = tuple(int(n) for n in np.shape(inputs["x"])[-k:])
        kwargs = {"device": device, "dtype": DTYPES[str(inputs.get("dtype", "float64"))]}
        mod = construct(m.LayerNorm, (shape,), kwargs, m, {})
        mod(
            _tensor(inputs["x"], str(inputs.get("dtype", "float64")), device, grad=True)
        ).sum().backward()
    return {"calls": sorted(rec.names)}


# --- plain data in and out ----------------------------------------------------------------------------


def _tensor(a: Any, dtype: str, device: str, grad: bool = False) -> torch.Tensor:
    t = torch.as_tensor(np.asarray(a)).to(device=device, dtype=DTYPES[dtype])
    return t.requires_grad_(grad)


def _optional(inputs: dict[str, Any], name: str, dtype: str, device: str) -> torch.Tensor | None:
    value = inputs.get(name)
    return None if value is None else _tensor(value, dtype, device, grad=True)


def _grads(**tensors: torch.Tensor | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, t in tensors.items():
        if t is None:
            continue
        key = {"x": "dx", "weight": "dweight", "bias": "dbias"}[name]
        out[key] = as_array(t.grad)
        out[f"{key}_dtype"] = _dtype(t.grad)
        out[f"{key}_device"] = _device(t.grad)
    return out


def _dtype(value: Any) -> str:
    return (
        str(value.dtype).removeprefix("torch.")
        if isinstance(value, torch.Tensor)
        else f"<{type(value).__name__}>"
    )


def _device(value: Any) -> str:
    return str(value.device) if isinstance(value, torch.Tensor) else f"<{type(value).__name__}>"
