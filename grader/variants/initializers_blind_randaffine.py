"""Weight initializers from scratch -- blind learner solution, style "rand_affine".

Stylistic differences from an obvious reference (tensor.uniform_/normal_ directly on the tensor):
- every random fill draws a fresh tensor with the factory functions torch.rand / torch.randn
  (generator=, device= the tensor's, dtype float32 or wider) and maps it affinely
  (rand * (b - a) + a, randn * std + mean); the result is copied into the tensor with copy_;
- calculate_gain is a dict lookup, validating param for every nonlinearity with numbers.Real;
- the kaiming functions validate the mode and the dimensions before the zero-element warning;
- orthogonal_ uses torch.linalg.qr (reduced) and torch.where for the sign fix;
- sparse_ loops over the columns with torch.randperm(rows, generator=...) and takes
  num_zeros = math.ceil(sparsity * rows) literally.
"""

from __future__ import annotations

import math
import numbers
import warnings

import torch
from torch import Tensor

__all__ = [
    "calculate_fan_in_and_fan_out",
    "calculate_gain",
    "constant_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "lecun_normal_",
    "lecun_uniform_",
    "normal_",
    "orthogonal_",
    "sparse_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
]


def _draw_dtype(t: Tensor) -> torch.dtype:
    return torch.promote_types(t.dtype, torch.float32)


def _rand(t: Tensor, generator) -> Tensor:
    return torch.rand(t.shape, generator=generator, device=t.device, dtype=_draw_dtype(t))


def _randn(t: Tensor, generator) -> Tensor:
    return torch.randn(t.shape, generator=generator, device=t.device, dtype=_draw_dtype(t))


def calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    if tensor.dim() < 2:
        raise ValueError(
            f"fan in and fan out need a tensor with at least 2 dimensions, got shape {tuple(tensor.shape)}"
        )
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= int(s)
    return int(tensor.shape[1]) * receptive, int(tensor.shape[0]) * receptive


_GAINS = {
    "linear": 1,
    "conv1d": 1,
    "conv2d": 1,
    "conv3d": 1,
    "conv_transpose1d": 1,
    "conv_transpose2d": 1,
    "conv_transpose3d": 1,
    "sigmoid": 1,
    "tanh": 5.0 / 3,
    "relu": math.sqrt(2.0),
    "selu": 3.0 / 4,
}


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    if param is not None and (isinstance(param, bool) or not isinstance(param, numbers.Real)):
        raise ValueError(f"param {param!r} is not a valid number")
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity in _GAINS:
        return _GAINS[nonlinearity]
    raise ValueError(f"Unsupported nonlinearity {nonlinearity!r}")


def uniform_(
    tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: torch.Generator | None = None
) -> Tensor:
    with torch.no_grad():
        u = _rand(tensor, generator)
        tensor.copy_(u * (b - a) + a)
    return tensor


def normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: torch.Generator | None = None
) -> Tensor:
    with torch.no_grad():
        z = _randn(tensor, generator)
        tensor.copy_(z * std + mean)
    return tensor


def constant_(tensor: Tensor, val: float) -> Tensor:
    with torch.no_grad():
        tensor.copy_(torch.full_like(tensor, val))
    return tensor


def xavier_uniform_(
    tensor: Tensor, gain: float = 1.0, generator: torch.Generator | None = None
) -> Tensor:
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    with torch.no_grad():
        u = _rand(tensor, generator)
        tensor.copy_((2 * u - 1) * bound)
    return tensor


def xavier_normal_(
    tensor: Tensor, gain: float = 1.0, generator: torch.Generator | None = None
) -> Tensor:
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    with torch.no_grad():
        tensor.copy_(_randn(tensor, generator) * std)
    return tensor


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    valid = ["fan_in", "fan_out"]
    key = mode.lower() if isinstance(mode, str) else mode
    if key not in valid:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid}")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return fan_in if key == "fan_in" else fan_out


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float | None:
    fan = None
    if tensor.numel() != 0:
        fan = _calculate_correct_fan(tensor, mode)
    else:
        # validate first, then warn and leave the tensor alone
        valid = ["fan_in", "fan_out"]
        if not isinstance(mode, str) or mode.lower() not in valid:
            raise ValueError(f"Mode {mode} not supported, please use one of {valid}")
        warnings.warn("Initializing a zero-element tensor is a no-op", stacklevel=3)
        return None
    gain = calculate_gain(nonlinearity, a)
    return gain / math.sqrt(fan)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: torch.Generator | None = None,
) -> Tensor:
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    with torch.no_grad():
        tensor.copy_(_rand(tensor, generator) * (2 * bound) - bound)
    return tensor


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: torch.Generator | None = None,
) -> Tensor:
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    with torch.no_grad():
        tensor.copy_(_randn(tensor, generator) * std)
    return tensor


def lecun_uniform_(tensor: Tensor, generator: torch.Generator | None = None) -> Tensor:
    fan_in, _ = calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0 / fan_in)
    with torch.no_grad():
        tensor.copy_(_rand(tensor, generator) * (2 * bound) - bound)
    return tensor


def lecun_normal_(tensor: Tensor, generator: torch.Generator | None = None) -> Tensor:
    fan_in, _ = calculate_fan_in_and_fan_out(tensor)
    std = 1.0 / math.sqrt(fan_in)
    with torch.no_grad():
        tensor.copy_(_randn(tensor, generator) * std)
    return tensor


def orthogonal_(
    tensor: Tensor, gain: float = 1.0, generator: torch.Generator | None = None
) -> Tensor:
    if tensor.ndim < 2:
        raise ValueError(
            f"orthogonal_ needs at least 2 dimensions, got shape {tuple(tensor.shape)}"
        )
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    a = torch.randn(
        (rows, cols), generator=generator, device=tensor.device, dtype=_draw_dtype(tensor)
    )
    wide = rows < cols
    if wide:
        a = a.T
    q, r = torch.linalg.qr(a, mode="reduced")
    d = torch.diagonal(r)
    signs = torch.where(d < 0, -torch.ones_like(d), torch.ones_like(d))
    q = q * signs.unsqueeze(0)
    if wide:
        q = q.T
    with torch.no_grad():
        tensor.view_as(tensor).copy_((q * gain).reshape(tensor.shape))
    return tensor


def sparse_(
    tensor: Tensor, sparsity: float, std: float = 0.01, generator: torch.Generator | None = None
) -> Tensor:
    if tensor.ndim != 2:
        raise ValueError(f"sparse_ only supports 2-D tensors, got shape {tuple(tensor.shape)}")
    rows, cols = tensor.shape
    num_zeros = int(math.ceil(sparsity * rows))
    with torch.no_grad():
        values = _randn(tensor, generator) * std
        for c in range(cols):
            perm = torch.randperm(rows, generator=generator, device=tensor.device)
            values[perm[:num_zeros], c] = 0
        tensor.copy_(values)
    return tensor
