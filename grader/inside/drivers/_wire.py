"""A learner's value as the wire's plain data, for every group's drivers (sandbox side: imports nothing of the kit,
and never torch itself, so the numpy group's drivers stay torch-free).

- :func:`tensor_array`: a torch tensor on any device -> a CPU numpy copy (bfloat16 as float32, which is exact);
- :func:`as_array`: a result that must be a tensor (or, with ``arrays=True``, a numpy array) -> that array; anything
  else -> ``"<type name>"``, which the parent's judge explains ("expected an array, got ...");
- :func:`numeric_array`: a result that may come as a tensor, an array, a numpy scalar or a list of numbers -> a
  numpy array of a wire dtype (bool, int64, float64); anything else -> ``"<type name>"``;
- :func:`error`: an exception one step of a driver caught (a method the case only touches) -> its type, message
  and place in the graded file, so the cases that judge that step fail and the others are still judged;
- :func:`construct`: a graded class built as the learner wrote it, or, when only its ``reset_parameters`` raises,
  built without it (the error kept for the case that judges the initial values).
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import numpy as np


def is_tensor(value: Any) -> bool:
    torch = sys.modules.get("torch")  # a value cannot be a tensor where torch was never imported
    return torch is not None and isinstance(value, torch.Tensor)


def tensor_array(t: Any) -> np.ndarray:
    """A tensor on any device -> a CPU numpy array of its own dtype (bfloat16 as float32), a copy."""
    t = t.detach().cpu()
    if str(t.dtype) == "torch.bfloat16":
        t = t.float()
    return t.numpy().copy()


def as_array(value: Any, *, tensors: bool = True, arrays: bool = False) -> np.ndarray | str:
    """``value`` when it is a numpy array (``arrays``), its CPU copy when it is a tensor (``tensors``);
    anything else by type name."""
    if tensors and is_tensor(value):
        return tensor_array(value)
    if arrays and isinstance(value, np.ndarray):
        return value
    return f"<{type(value).__name__}>"


def numeric_array(value: Any) -> np.ndarray | str:
    """A numpy array of a wire dtype (bool, int64, float64) from a tensor, an array, a numpy scalar or a list or
    tuple of numbers; anything else by type name (an array of another dtype: ``"<array of DTYPE>"``)."""
    if is_tensor(value):
        value = tensor_array(value)
    elif isinstance(value, list | tuple):
        try:
            value = np.asarray(value)
        except (ValueError, TypeError):
            return f"<{type(value).__name__}>"
    if not isinstance(value, np.ndarray | np.generic):
        return f"<{type(value).__name__}>"
    value = np.asarray(value)
    if value.dtype.kind == "b":
        return value
    if value.dtype.kind in "iu":
        return value.astype(np.int64)
    if value.dtype.kind == "f":
        return value.astype(np.float64)
    return f"<array of {value.dtype}>"


def error(exc: BaseException, module: Any = None) -> dict[str, str]:
    """An exception caught in one step of a driver, as plain data: {"type", "message", "where"} -- ``where`` the
    innermost frame of ``module``'s file (the graded file) in its traceback, "" when there is none. The parent's
    judge turns it into the case's message (grader/judging/compare.py ``step_failed``)."""
    try:
        message = str(exc)
    except Exception:
        message = "<unprintable message>"
    where = ""
    graded = getattr(module, "__file__", None)
    if isinstance(graded, str):
        graded = os.path.realpath(graded)
        try:
            for fs in traceback.extract_tb(exc.__traceback__):
                if os.path.realpath(fs.filename) == graded:
                    where = (
                        f"exercises/{os.path.basename(graded)}, line {fs.lineno}, in {fs.name}: "
                        f"{(fs.line or '').strip()}"
                    )[:300]
        except Exception:
            where = ""
    return {"type": type(exc).__name__[:80], "message": message[:1000], "where": where}


def construct(
    cls: Any, args: tuple, kwargs: dict[str, Any], module: Any, result: dict[str, Any]
) -> Any:
    """``cls(*args, **kwargs)``. When that raises, the same call once more with ``reset_parameters`` replaced by a
    no-op: if that one succeeds, the fault is reset_parameters' alone (``result["reset_error"]`` says what it
    raised) and the module's other methods can still be judged on parameters the driver loads itself; if it
    raises too, the first error is raised (the constructor's own fault)."""
    try:
        return cls(*args, **kwargs)
    except Exception as exc:
        first = exc
    try:
        skip = type(cls.__name__, (cls,), {"reset_parameters": _no_reset})
        built = skip(*args, **kwargs)
    except Exception:
        raise first from None
    result["reset_error"] = error(first, module)
    return built


def _no_reset(self: Any) -> None:
    return None


def reprs_of(configs: list[Any], build: Any, module: Any, label: str) -> dict[str, Any]:
    """extra_repr() of a module built by ``build(config)`` for each configuration: ``reprs``, each the text (at
    most 200 characters) or None, and ``errors``, each None or what raised (``error``) and at which step
    (``label``, the constructor's call, or "extra_repr()"). A failed step costs only its configuration's text."""
    reprs: list[str | None] = []
    errors: list[dict[str, str] | None] = []
    for config in configs:
        step = label
        try:
            built = build(config)
            step = "extra_repr()"
            reprs.append(str(built.extra_repr())[:200])
            errors.append(None)
        except Exception as exc:
            reprs.append(None)
            errors.append({**error(exc, module), "step": step})
    return {"reprs": reprs, "errors": errors}
