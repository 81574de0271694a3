"""Worker-side adapters for the initializers group. Trusted code, copied into the worker's staging dir; each
returns plain data only (see grader/judging/cases.py): numpy arrays (bfloat16 as float32, which is exact), Python
scalars, strings, and lists/dicts of those.

The parent chooses shapes, dtypes, parameters and seeds; the worker builds the tensor and a ``torch.Generator``
seeded from the inputs, calls the learner's function and sends back the filled values. Everything is judged in
the parent (grader/hidden/initializers.py): distribution tests, Gram matrices, zero counts.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from ._wire import tensor_array

# keyword parameters a fill may take, as the parent names them in the inputs
PARAMS = ("a", "b", "mean", "std", "gain", "mode", "nonlinearity", "sparsity", "val")
NOT_RANDOM = ("constant_",)


def _rng_state(device: str) -> list[torch.Tensor]:
    states = [torch.get_rng_state()]
    if device.startswith("cuda"):
        states.append(torch.cuda.get_rng_state(torch.device(device)))
    return states


def _kwargs(inputs: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k in PARAMS:
        if k in inputs:
            v = inputs[k]
            out[k] = v.item() if isinstance(v, np.generic | np.ndarray) else v
    return out


def _fill_once(m: Any, inputs: dict[str, Any], device: str, *, parameter: bool = False):
    fn = str(inputs["fn"])
    shape = tuple(int(s) for s in np.asarray(inputs["shape"]).ravel())
    dtype = getattr(torch, str(inputs.get("dtype", "float32")))
    w = torch.full(shape, math.nan, dtype=dtype, device=device)
    if parameter:
        w = torch.nn.Parameter(w)
    kwargs = _kwargs(inputs)
    if fn not in NOT_RANDOM:
        kwargs["generator"] = torch.Generator(device=device).manual_seed(int(inputs["seed"]))
    before = _rng_state(device)
    out = getattr(m, fn)(w, **kwargs)
    after = _rng_state(device)
    touched = any(not torch.equal(x, y) for x, y in zip(before, after, strict=True))
    return w, out, touched


def fill(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """Fill a NaN tensor of the chosen shape/dtype with m.<fn>(w, **params, generator=seeded).

    Returns the filled values, the tensor's dtype and device after the call, whether the call returned that
    same tensor, whether it consumed the global random state, and (inputs["also"]: a dict of parameters) a
    second fill of the same shape with those parameters changed.
    """
    w, out, touched = _fill_once(m, inputs, device)
    result: dict[str, Any] = {
        "sample": tensor_array(w),
        "dtype": str(w.dtype).removeprefix("torch."),
        "device": w.device.type,
        "returned_same": out is w,
        "rng_touched": bool(touched),
    }
    if inputs.get("also"):  # a second fill, same shape and seed, with some parameters changed
        result["also_sample"] = tensor_array(_fill_once(m, {**inputs, **inputs["also"]}, device)[0])
    return result


def fill_each(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """For every function of inputs["fns"] (with its params in inputs["params"][fn]): two fills with the same
    seed on a small tensor, whether the global random state was consumed, and, on an nn.Parameter (requires
    grad), whether the fill ran (no in-place autograd error) and returned the same object."""
    out: dict[str, Any] = {}
    for fn in inputs["fns"]:
        one = {**inputs["params"][fn], "fn": fn, "shape": inputs["shape"], "seed": inputs["seed"]}
        w1, _, touched = _fill_once(m, one, device)
        w2, _, _ = _fill_once(m, one, device)
        row: dict[str, Any] = {
            "first": tensor_array(w1),
            "second": tensor_array(w2),
            "rng_touched": bool(touched),
        }
        # on an nn.Parameter: autograd's in-place error on a leaf that requires grad, or any other error, is
        # reported; only fills_parameters_in_place judges this step (generator_reproducible shares the run)
        try:
            p, returned, _ = _fill_once(m, one, device, parameter=True)
            row["parameter_error"] = ""
            row["returned_same"] = returned is p
        except Exception as exc:
            row["parameter_error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
            row["returned_same"] = False
        out[fn] = row
    return out


def fans(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """calculate_fan_in_and_fan_out for every shape (rows of inputs["shapes"], zero-padded)."""
    rows = [tuple(int(d) for d in row if d > 0) for row in np.asarray(inputs["shapes"])]
    got = [m.calculate_fan_in_and_fan_out(torch.empty(s)) for s in rows]
    return {"fans": np.array([[int(a), int(b)] for a, b in got], dtype=np.int64)}


def gains(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """calculate_gain for every name of inputs["names"] with the matching inputs["params"] (None: none)."""
    values = [
        float(m.calculate_gain(str(name), param))
        for name, param in zip(inputs["names"], inputs["params"], strict=True)
    ]
    return {"gains": np.array(values, dtype=np.float64)}


# bad calls whose errors must be ValueErrors like torch's (the judge knows what each must mention)
BAD_CALLS = {
    "fans_1d": lambda m: m.calculate_fan_in_and_fan_out(torch.empty(5)),
    "gain_unknown": lambda m: m.calculate_gain("softplus"),
    "gain_bad_param": lambda m: m.calculate_gain("leaky_relu", "0.1"),
    "kaiming_bad_mode": lambda m: m.kaiming_uniform_(torch.empty(4, 3), mode="fan_avg"),
    "kaiming_normal_bad_mode": lambda m: m.kaiming_normal_(torch.empty(4, 3), mode="avg"),
    "orthogonal_1d": lambda m: m.orthogonal_(torch.empty(6)),
    "sparse_3d": lambda m: m.sparse_(torch.empty(4, 3, 2), 0.5),
}


def errors(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """The exception type name ('' for none) and message of every bad call in BAD_CALLS."""
    raised, messages = {}, {}
    for name, action in BAD_CALLS.items():
        try:
            action(m)
        except Exception as exc:
            raised[name], messages[name] = type(exc).__name__, str(exc)[:300]
        else:
            raised[name], messages[name] = "", ""
    return {"raised": raised, "messages": messages}


def orthogonal_corners(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """W[0, 0] of inputs["draws"] successive orthogonal_ fills of a small square tensor, one generator."""
    g = torch.Generator(device=device).manual_seed(int(inputs["seed"]))
    n = int(inputs["size"])
    corners = []
    for _ in range(int(inputs["draws"])):
        w = torch.empty(n, n, device=device)
        m.orthogonal_(w, generator=g)
        corners.append(float(w[0, 0]))
    return {"corners": np.array(corners, dtype=np.float64)}
