"""Weight initializers from scratch -- blind learner solution, style "scratch buffers".

Stylistic differences from an obvious reference:
- every random fill samples into a scratch buffer made with torch.empty(..., dtype=float32 or wider,
  device=tensor.device) filled by Tensor.uniform_/normal_(generator=...), then copied in; the
  derived initializers call this file's own uniform_/normal_ with their bound or std;
- the uniform bounds are computed from the variance: bound = sqrt(3 * var), var = gain**2 / fan;
- calculate_gain is an if/elif chain; param must be an int or a float (not a bool), checked for
  every nonlinearity;
- the kaiming functions return early with a warning on a zero-element tensor before looking at
  mode or fans (torch's order);
- orthogonal_ factors with torch.geqrf + torch.linalg.householder_product (LAPACK's Householder QR
  pieces) instead of torch.linalg.qr, and fixes the signs with torch.sign (0 -> +1);
- sparse_ picks the zero rows of every column at once: the num_zeros smallest of a torch.rand
  (rows, cols) matrix along dim 0 (argsort), i.e. an independent random subset per column;
  num_zeros = ceil(sparsity * rows) computed robustly against float rounding (0.1 * 30 is 3, not 4).
"""

from __future__ import annotations

import math
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


def _scratch(tensor: Tensor, shape=None) -> Tensor:
    return torch.empty(
        tuple(tensor.shape) if shape is None else shape,
        dtype=torch.promote_types(tensor.dtype, torch.float32),
        device=tensor.device,
    )


def calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    shape = tuple(tensor.shape)
    if len(shape) < 2:
        raise ValueError(
            f"a tensor of shape {shape} has fewer than 2 dimensions: fan in and fan out are undefined"
        )
    out_size, in_size, *kernel = shape
    rf = math.prod(kernel)
    return in_size * rf, out_size * rf


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    if param is not None:
        if isinstance(param, bool) or not isinstance(param, (int, float)):
            raise ValueError(f"negative slope {param!r} is not a number")
    if nonlinearity in ("linear", "sigmoid") or nonlinearity in (
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
    ):
        return 1.0
    elif nonlinearity == "tanh":
        return 5.0 / 3.0
    elif nonlinearity == "relu":
        return math.sqrt(2.0)
    elif nonlinearity == "leaky_relu":
        negative_slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1.0 + negative_slope * negative_slope))
    elif nonlinearity == "selu":
        return 0.75
    else:
        raise ValueError(f"nonlinearity {nonlinearity!r} is not understood (no gain known for it)")


def uniform_(
    tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: torch.Generator | None = None
) -> Tensor:
    buf = _scratch(tensor).uniform_(a, b, generator=generator)
    with torch.no_grad():
        tensor.copy_(buf)
    return tensor


def normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: torch.Generator | None = None
) -> Tensor:
    buf = _scratch(tensor).normal_(mean, std, generator=generator)
    with torch.no_grad():
        tensor.copy_(buf)
    return tensor


def constant_(tensor: Tensor, val: float) -> Tensor:
    with torch.no_grad():
        tensor.fill_(val)
    return tensor


def _xavier_var(tensor: Tensor, gain: float) -> float:
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return gain * gain * 2.0 / (fan_in + fan_out)


def xavier_uniform_(
    tensor: Tensor, gain: float = 1.0, generator: torch.Generator | None = None
) -> Tensor:
    bound = math.sqrt(3.0 * _xavier_var(tensor, gain))
    return uniform_(tensor, -bound, bound, generator=generator)


def xavier_normal_(
    tensor: Tensor, gain: float = 1.0, generator: torch.Generator | None = None
) -> Tensor:
    return normal_(tensor, 0.0, math.sqrt(_xavier_var(tensor, gain)), generator=generator)


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    choices = ["fan_in", "fan_out"]
    m = str(mode).lower()
    if m not in choices:
        raise ValueError(f"Mode {mode} not supported, please use one of {choices}")
    fans = dict(zip(choices, calculate_fan_in_and_fan_out(tensor)))
    return fans[m]


def _zero_element(tensor: Tensor) -> bool:
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", UserWarning, stacklevel=3)
        return True
    return False


def _kaiming_var(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    return gain * gain / fan


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: torch.Generator | None = None,
) -> Tensor:
    if _zero_element(tensor):
        return tensor
    bound = math.sqrt(3.0 * _kaiming_var(tensor, a, mode, nonlinearity))
    return uniform_(tensor, -bound, bound, generator=generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: torch.Generator | None = None,
) -> Tensor:
    if _zero_element(tensor):
        return tensor
    std = math.sqrt(_kaiming_var(tensor, a, mode, nonlinearity))
    return normal_(tensor, 0.0, std, generator=generator)


def lecun_uniform_(tensor: Tensor, generator: torch.Generator | None = None) -> Tensor:
    fan_in = calculate_fan_in_and_fan_out(tensor)[0]
    bound = math.sqrt(3.0 / fan_in)
    return uniform_(tensor, -bound, bound, generator=generator)


def lecun_normal_(tensor: Tensor, generator: torch.Generator | None = None) -> Tensor:
    fan_in = calculate_fan_in_and_fan_out(tensor)[0]
    return normal_(tensor, 0.0, fan_in**-0.5, generator=generator)


def orthogonal_(
    tensor: Tensor, gain: float = 1.0, generator: torch.Generator | None = None
) -> Tensor:
    if tensor.dim() < 2:
        raise ValueError(
            f"orthogonal_ needs a tensor with 2 or more dimensions, got {tuple(tensor.shape)}"
        )
    if tensor.numel() == 0:
        return tensor
    rows = tensor.size(0)
    cols = tensor.numel() // rows
    flat = _scratch(tensor, (rows, cols)).normal_(0.0, 1.0, generator=generator)
    tall = flat if rows >= cols else flat.mT.contiguous()
    house, tau = torch.geqrf(tall)
    k = min(tall.shape)
    q = torch.linalg.householder_product(house[:, :k], tau[:k])  # (big, k), orthonormal columns
    diag_r = house.diagonal()[:k]
    s = torch.sign(diag_r)
    s[s == 0] = 1
    q = q * s
    w = q if rows >= cols else q.mT
    with torch.no_grad():
        tensor.copy_(w.mul(gain).reshape(tensor.shape))
    return tensor


def sparse_(
    tensor: Tensor, sparsity: float, std: float = 0.01, generator: torch.Generator | None = None
) -> Tensor:
    if tensor.dim() != 2:
        raise ValueError(f"sparse_ needs a 2-D tensor, got shape {tuple(tensor.shape)}")
    rows, cols = tensor.shape
    # ceil of the exact product: 0.1 * 30 evaluates to 3.0000000000000004 in floating point
    num_zeros = math.ceil(round(sparsity * rows, 9))
    num_zeros = max(0, min(rows, num_zeros))
    buf = _scratch(tensor).normal_(0.0, std, generator=generator)
    keys = torch.rand((rows, cols), generator=generator, device=tensor.device)
    zero_rows = keys.argsort(dim=0)[:num_zeros]  # (num_zeros, cols): a random subset per column
    buf.scatter_(0, zero_rows, 0.0)
    with torch.no_grad():
        tensor.copy_(buf)
    return tensor
