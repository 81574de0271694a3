"""A second correct layer_norm_torch, written differently from solutions/ (for the kit's own tests).

Style: torch.var_mean (Welford: one read of x, numerically stable) on x's own shape -- no flattening of the
batch dims --, saves x, mean and rstd instead of xhat (less memory for half inputs: x stays in its dtype) and
recomputes xhat in backward, writes the compact formula with sums (rstd / N * (N dxhat - sum - xhat sum)).
The module keeps the flattened-normalized-dims trick as a reshape to (*, N).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn


class LayerNormFunction(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any, x: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float = 1e-5
    ) -> Tensor:
        k = 1 if weight is None else weight.dim()
        if tuple(x.shape[x.dim() - k :]) != tuple(x.shape[-1:] if weight is None else weight.shape):
            raise ValueError(
                f"weight {None if weight is None else tuple(weight.shape)} does not match "
                f"the trailing shape of x {tuple(x.shape)}"
            )
        acc = torch.float64 if x.dtype == torch.float64 else torch.float32
        norm_dims = list(range(x.dim() - k, x.dim()))
        xf = x.to(acc)
        var, mean = torch.var_mean(xf, dim=norm_dims, correction=0, keepdim=True)
        rstd = (var + eps).rsqrt()
        y = (xf - mean) * rstd
        if weight is not None:
            y = y * weight.to(acc)
        if bias is not None:
            y = y + bias.to(acc)
        ctx.save_for_backward(x, mean, rstd, weight)
        ctx.info = (norm_dims, None if bias is None else bias.dtype)
        return y.to(x.dtype)

    @staticmethod
    def backward(
        ctx: Any, grad_out: Tensor
    ) -> tuple[Tensor | None, Tensor | None, Tensor | None, None]:
        x, mean, rstd, weight = ctx.saved_tensors
        norm_dims, bias_dtype = ctx.info
        acc = mean.dtype
        batch_dims = list(range(x.dim() - len(norm_dims)))
        xhat = (x.to(acc) - mean) * rstd
        g = grad_out.to(acc)
        n = 1
        for d in norm_dims:
            n *= x.shape[d]

        def over_batch(t: Tensor) -> Tensor:
            return t.sum(dim=batch_dims) if batch_dims else t

        dweight = over_batch(g * xhat).to(weight.dtype) if ctx.needs_input_grad[1] else None
        dbias = over_batch(g).to(bias_dtype) if ctx.needs_input_grad[2] else None
        dx = None
        if ctx.needs_input_grad[0]:
            dxhat = g * weight.to(acc) if weight is not None else g
            s1 = dxhat.sum(dim=norm_dims, keepdim=True)
            s2 = (dxhat * xhat).sum(dim=norm_dims, keepdim=True)
            dx = (rstd / n * (n * dxhat - s1 - xhat * s2)).to(x.dtype)
        return dx, dweight, dbias, None


class LayerNorm(nn.Module):
    def __init__(
        self,
        normalized_shape,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        shape = torch.Size(
            [normalized_shape] if isinstance(normalized_shape, int) else normalized_shape
        )
        self.normalized_shape = tuple(shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        self.weight = (
            nn.Parameter(torch.ones(shape, device=device, dtype=dtype))
            if elementwise_affine
            else None
        )
        use_bias = elementwise_affine and bias
        self.bias = (
            nn.Parameter(torch.zeros(shape, device=device, dtype=dtype)) if use_bias else None
        )

    def reset_parameters(self) -> None:
        with torch.no_grad():
            if self.weight is not None:
                self.weight.fill_(1.0)
            if self.bias is not None:
                self.bias.zero_()

    def forward(self, x: Tensor) -> Tensor:
        k = len(self.normalized_shape)
        if tuple(x.shape[-k:]) != self.normalized_shape or x.dim() < k:
            raise ValueError(f"expected (*, {self.normalized_shape}), got {tuple(x.shape)}")
        if self.weight is not None:
            return LayerNormFunction.apply(x, self.weight, self.bias, self.eps)
        flat = x.reshape(*x.shape[: x.dim() - k], -1)
        return LayerNormFunction.apply(flat, None, None, self.eps).view_as(x)

    def extra_repr(self) -> str:
        flags = f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        return f"{self.normalized_shape}, eps={self.eps}, {flags}"
