"""A correct initializers module in another style: the kit's tests must accept it (never a learner's file).

Differences from solutions/initializers.py that a fair test must not punish:
- its own samplers from ``torch.rand`` (float64): an affine map for U(a, b), Box-Muller for N(mean, std**2),
  so its draws share nothing with ``Tensor.uniform_`` / ``Tensor.normal_`` for the same seed;
- orthogonal_ as the polar factor U @ Vh of an SVD (uniformly distributed without any sign fix or transpose);
- sparse_ with one ``torch.randperm`` per column, from the generator;
- table lookups and explicit loops instead of torch.nn.init's control flow.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

_GAINS = {
    "linear": 1.0,
    "conv1d": 1.0,
    "conv2d": 1.0,
    "conv3d": 1.0,
    "conv_transpose1d": 1.0,
    "conv_transpose2d": 1.0,
    "conv_transpose3d": 1.0,
    "sigmoid": 1.0,
    "tanh": 5.0 / 3.0,
    "relu": math.sqrt(2.0),
    "selu": 0.75,
}


def calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    shape = tuple(tensor.shape)
    if len(shape) < 2:
        raise ValueError(f"fans need at least 2 dimensions, got shape {shape}")
    field = 1
    for k in shape[2:]:
        field *= k
    return shape[1] * field, shape[0] * field


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, int | float):
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1.0 + slope * slope))
    if nonlinearity not in _GAINS:
        raise ValueError(
            f"Unsupported nonlinearity {nonlinearity}; use one of {[*_GAINS, 'leaky_relu']}"
        )
    return _GAINS[nonlinearity]


def _work_dtype(tensor: Tensor) -> torch.dtype:
    return (
        torch.float64
        if tensor.device.type == "cpu" or tensor.dtype == torch.float64
        else torch.float32
    )


def _rand(tensor: Tensor, shape, generator) -> Tensor:
    return torch.rand(shape, generator=generator, dtype=_work_dtype(tensor), device=tensor.device)


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    u = _rand(tensor, tensor.shape, generator)
    with torch.no_grad():
        tensor.copy_(a + (b - a) * u)
    return tensor


def _standard_normal(tensor: Tensor, count: int, generator) -> Tensor:
    pairs = (count + 1) // 2
    u = _rand(tensor, (2, pairs), generator)
    radius = torch.sqrt(-2.0 * torch.log1p(-u[0]))  # 1 - u in (0, 1]: no log(0)
    angle = 2.0 * math.pi * u[1]
    return torch.cat([radius * torch.cos(angle), radius * torch.sin(angle)])[:count]


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    z = _standard_normal(tensor, tensor.numel(), generator).reshape(tensor.shape)
    with torch.no_grad():
        tensor.copy_(mean + std * z)
    return tensor


def constant_(tensor: Tensor, val: float) -> Tensor:
    with torch.no_grad():
        tensor.copy_(torch.full_like(tensor, val))
    return tensor


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _fan(tensor: Tensor, mode: str) -> int:
    fans = dict(zip(("fan_in", "fan_out"), calculate_fan_in_and_fan_out(tensor), strict=True))
    if mode.lower() not in fans:
        raise ValueError(f"Mode {mode} not supported, please use one of {list(fans)}")
    return fans[mode.lower()]


def kaiming_uniform_(tensor: Tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / _fan(tensor, mode))
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def lecun_uniform_(tensor: Tensor, generator=None) -> Tensor:
    bound = math.sqrt(3.0 / calculate_fan_in_and_fan_out(tensor)[0])
    return uniform_(tensor, -bound, bound, generator)


def lecun_normal_(tensor: Tensor, generator=None) -> Tensor:
    return normal_(tensor, 0.0, 1.0 / math.sqrt(calculate_fan_in_and_fan_out(tensor)[0]), generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    if tensor.dim() < 2:
        raise ValueError(
            f"orthogonal_ needs at least 2 dimensions, got shape {tuple(tensor.shape)}"
        )
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    a = _standard_normal(tensor, rows * cols, generator).reshape(rows, cols)
    u, _, vh = torch.linalg.svd(a, full_matrices=False)
    with torch.no_grad():
        tensor.copy_((gain * (u @ vh)).reshape(tensor.shape))
    return tensor


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator=None) -> Tensor:
    if tensor.dim() != 2:
        raise ValueError(f"sparse_ needs a 2-D tensor, got shape {tuple(tensor.shape)}")
    rows, cols = tensor.shape
    zeros = math.ceil(sparsity * rows)
    normal_(tensor, 0.0, std, generator)
    with torch.no_grad():
        for c in range(cols):
            picked = torch.randperm(rows, generator=generator, device=tensor.device)[:zeros]
            tensor[picked, c] = 0
    return tensor
