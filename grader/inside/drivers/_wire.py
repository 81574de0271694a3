"""A learner's value as the wire's plain data, for every group's drivers (sandbox side: imports nothing of the kit,
and never torch itself, so the numpy group's drivers stay torch-free).

- :func:`tensor_array`: a torch tensor on any device -> a CPU numpy copy (bfloat16 as float32, which is exact);
- :func:`as_array`: a result that must be a tensor (or, with ``arrays=True``, a numpy array) -> that array; anything
  else -> ``"<type name>"``, which the parent's judge explains ("expected an array, got ...");
- :func:`numeric_array`: a result that may come as a tensor, an array, a numpy scalar or a list of numbers -> a
  numpy array of a wire dtype (bool, int64, float64); anything else -> ``"<type name>"``.
"""

from __future__ import annotations

import sys
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
