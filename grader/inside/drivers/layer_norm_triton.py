"""Worker-side adapters for the layer_norm_triton group. Trusted code, copied into the worker's staging dir.

Triton reads TRITON_INTERPRET when a kernel is decorated: the graded file's kernels when it is imported, and
triton.language's own (tl.sum, tl.cdiv ...) at ``import triton``. One process therefore holds either compiled or
interpreted kernels, never both, and the mode must be chosen before Triton is imported. So this module does not
import Triton: importing it (the zygote does, before any worker forks; the parent does before it runs the reference)
only sets TRITON_INTERPRET=1, the default; the worker calls :func:`before_import` with its task's device right before
it imports the graded file: a CPU task runs the kernels in the interpreter (on every machine), a CUDA task (the
``cuda_*`` hidden cases, graded under ``--gpu``) compiles them for the GPU. Each worker pays Triton's import
(~0.3 s, only for submissions graded in this group). The parent's reference runs, for hints, stay interpreted on
the CPU. Where Triton cannot be imported, the group is not graded (grader/grading/plan.py).

Inputs: x (M, N), dy, weight/bias (N,) or absent, a ``dtype`` string (half-precision values arrive as float32
arrays the dtype represents exactly) and ``pad`` (> 0: x is the slice big[:, :N] of a wider tensor, so its row
stride is N + pad). Outputs: plain data only (bfloat16 returned as float32, which is exact).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np
import torch

from ._wire import as_array, construct, error, reprs_of

os.environ.setdefault("TRITON_INTERPRET", "1")


def before_import(cuda: bool) -> None:
    """The worker's hook, right before it imports the graded file: compiled kernels for a CUDA task, the
    interpreter otherwise (see the module's docstring). Triton already imported in the other mode is a kit bug."""
    want = "0" if cuda else "1"
    if "triton" in sys.modules and os.environ.get("TRITON_INTERPRET", "0") != want:
        raise RuntimeError(
            f"Triton was imported with TRITON_INTERPRET={os.environ.get('TRITON_INTERPRET')!r} before "
            f"a {'CUDA' if cuda else 'CPU'} task: a worker cannot switch (grader bug)"
        )
    os.environ["TRITON_INTERPRET"] = want


DTYPES = {
    "float64": torch.float64,
    "float32": torch.float32,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
}
EPS = 1e-5


def kernels(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """layer_norm_fwd(x, weight, bias) then layer_norm_bwd(dy, x, weight, mean, rstd); with ``twice``, the
    backward once more (``*_again``: bit-identical reruns are part of the contract).

    The backward is a step of its own: when it raises, ``backward_error`` says what, and the forward's outputs
    are still judged (a case judges the forward, its ``_backward`` twin the gradients, on this one run).
    ``x_changed_by_fwd`` after the forward, ``x_changed`` after both."""
    dtype = str(inputs.get("dtype", "float32"))
    x = _x(inputs, dtype, device)
    w = _optional(inputs, "weight", dtype, device)
    b = _optional(inputs, "bias", dtype, device)
    x_before = as_array(x)
    y, mean, rstd = m.layer_norm_fwd(x, w, b, float(inputs.get("eps", EPS)))
    result: dict[str, Any] = _described(y=y, mean=mean, rstd=rstd)
    result["x_changed_by_fwd"] = not np.array_equal(as_array(x), x_before, equal_nan=True)
    if "dy" in inputs:
        dy = _tensor(inputs["dy"], dtype, device)
        try:
            dx, dweight, dbias = m.layer_norm_bwd(dy, x, w, mean, rstd)
            result.update(_described(dx=dx, dweight=dweight, dbias=dbias))
            if inputs.get("twice"):
                again = m.layer_norm_bwd(dy, x, w, mean, rstd)
                for name, value in zip(("dweight", "dbias"), again[1:], strict=True):
                    result[f"{name}_again"] = as_array(value)
        except Exception as exc:
            result["backward_error"] = error(exc, m)
    result["x_changed"] = not np.array_equal(as_array(x), x_before, equal_nan=True)
    return result


def non_contiguous(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """layer_norm_fwd on x.t().contiguous().t() (strides (1, M)): a result, or the error it raised."""
    dtype = str(inputs.get("dtype", "float32"))
    x = _tensor(inputs["x"], dtype, device).t().contiguous().t()
    try:
        y, mean, rstd = m.layer_norm_fwd(x, None, None, EPS)
    except (ValueError, RuntimeError, TypeError, AssertionError) as exc:
        if isinstance(exc, NotImplementedError):
            raise
        return {"raised": type(exc).__name__, "message": str(exc)[:300]}
    return {"raised": None, **_described(y=y, mean=mean, rstd=rstd)}


def module(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """TritonLayerNorm(N, eps, elementwise_affine, bias, device, dtype): parameters as built, then (weight and
    bias loaded from the inputs) forward on x (B, T, N) and backward with dy. A backward that raises is reported
    (``backward_error``) with the forward's outputs. Never its extra_repr (``module_repr``)."""
    return _module(m, inputs, device, backward=True)


def module_forward(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """As ``module`` without the backward: a call of its own, so the forward's outputs survive a backward that
    hangs or crashes."""
    return _module(m, inputs, device, backward=False)


def _build(m: Any, inputs: dict[str, Any], device: str, result: dict[str, Any]) -> Any:
    dtype = str(inputs.get("dtype", "float32"))
    kwargs = {
        "eps": float(inputs.get("eps", EPS)),
        "elementwise_affine": bool(inputs["elementwise_affine"]),
        "bias": bool(inputs["use_bias"]),
        "device": device,
        "dtype": DTYPES[dtype],
    }
    return construct(m.TritonLayerNorm, (int(inputs["n"]),), kwargs, m, result)


def _module(m: Any, inputs: dict[str, Any], device: str, backward: bool) -> dict[str, Any]:
    dtype = str(inputs.get("dtype", "float32"))
    result: dict[str, Any] = {}
    mod = _build(m, {**inputs, "n": int(np.shape(inputs["x"])[-1])}, device, result)
    params = list(mod.named_parameters())
    result.update(
        params=[name for name, _ in params],
        param_shapes=[list(p.shape) for _, p in params],
        inits=[as_array(p) for _, p in params],
    )
    w, b = getattr(mod, "weight", None), getattr(mod, "bias", None)
    with torch.no_grad():
        if isinstance(w, torch.Tensor) and "weight" in inputs:
            w.copy_(_tensor(inputs["weight"], dtype, device))
        if isinstance(b, torch.Tensor) and "bias" in inputs:
            b.copy_(_tensor(inputs["bias"], dtype, device))
    x = _tensor(inputs["x"], dtype, device).requires_grad_()
    try:  # a forward that raises fails the y and gradient cases; the parameters, read above, are judged
        out = mod(x)
    except Exception as exc:
        result["forward_error"] = error(exc, m)
        return result
    result.update(_described(y=out))
    if backward and isinstance(out, torch.Tensor) and out.requires_grad:
        try:
            out.backward(_tensor(inputs["dy"], dtype, device).to(out.dtype))
        except Exception as exc:  # the gradients' cases fail on it; the forward's are still judged
            result["backward_error"] = error(exc, m)
            return result
        result.update(_described(dx=x.grad))
        if isinstance(w, torch.Tensor):
            result.update(_described(dweight=w.grad))
        if isinstance(b, torch.Tensor):
            result.update(_described(dbias=b.grad))
    return result


def module_repr(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """extra_repr() of a TritonLayerNorm built for each configuration of ``configs`` (n, eps, elementwise_affine,
    use_bias, dtype): ``reprs`` (each the text or None) and ``errors`` (each None or what raised, and at which
    step). A call of its own: no other case calls extra_repr."""
    return reprs_of(
        inputs["configs"], lambda config: _build(m, config, device, {}), m, "TritonLayerNorm(...)"
    )


# --- plain data in and out ----------------------------------------------------------------------------


def _x(inputs: dict[str, Any], dtype: str, device: str) -> torch.Tensor:
    t = _tensor(inputs["x"], dtype, device)
    pad = int(inputs.get("pad", 0))
    if pad > 0:
        big = torch.full((t.shape[0], t.shape[1] + pad), 1e3, dtype=t.dtype, device=device)
        big[:, : t.shape[1]] = t
        t = big[:, : t.shape[1]]
    return t


def _tensor(a: Any, dtype: str, device: str) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a)).to(device=device, dtype=DTYPES[dtype])


def _optional(inputs: dict[str, Any], name: str, dtype: str, device: str) -> torch.Tensor | None:
    value = inputs.get(name)
    return None if value is None else _tensor(value, dtype, device)


def _described(**tensors: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, t in tensors.items():
        out[name] = as_array(t)
        out[f"{name}_dtype"] = (
            str(t.dtype).removeprefix("torch.") if isinstance(t, torch.Tensor) else "<none>"
        )
        out[f"{name}_device"] = str(t.device) if isinstance(t, torch.Tensor) else "<none>"
    return out
