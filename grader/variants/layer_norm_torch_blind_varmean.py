"""Layer normalization in torch -- blind learner solution, style "var_mean".

Stylistic differences from an obvious reference:
- statistics with torch.var_mean(..., correction=0, keepdim=True) over the tuple of trailing dims
  (no flattening to (M, N)); torch's var_mean is a numerically stable (not E[x^2]-E[x]^2) variance;
- torch.* functions (torch.sub, torch.mul, torch.rsqrt, torch.sum) rather than tensor methods;
- ctx saves x (in the compute dtype), weight, mean and rstd, and backward recomputes xhat;
- backward uses the closed form dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with keepdim=True;
- the module resets its parameters with torch.no_grad() + Tensor.copy_ of ones_like/zeros_like,
  converts normalized_shape with numbers.Integral / int(), and checks x's trailing shape in
  forward (ValueError on a mismatch).
"""

from __future__ import annotations

import numbers
from typing import Any

import torch
from torch import Tensor, nn

__all__ = ["LayerNorm", "LayerNormFunction"]


def _compute_dtype(dtype: torch.dtype) -> torch.dtype:
    return torch.promote_types(dtype, torch.float32)


class LayerNormFunction(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any, x: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float = 1e-5
    ) -> Tensor:
        k = weight.ndim if weight is not None else 1
        if weight is not None and tuple(x.shape[x.ndim - k :]) != tuple(weight.shape):
            raise ValueError(
                f"weight shape {tuple(weight.shape)} is not the trailing shape of x {tuple(x.shape)}"
            )
        norm_shape = tuple(x.shape[x.ndim - k :])
        if bias is not None and tuple(bias.shape) != norm_shape:
            raise ValueError(
                f"bias shape {tuple(bias.shape)} is not the trailing shape of x {tuple(x.shape)}"
            )
        cdt = _compute_dtype(x.dtype)
        dims = tuple(range(x.ndim - k, x.ndim))
        xc = x.to(cdt)
        var, mean = torch.var_mean(xc, dim=dims, correction=0, keepdim=True)
        rstd = torch.rsqrt(torch.add(var, eps))
        out = torch.mul(torch.sub(xc, mean), rstd)
        if weight is not None:
            out = torch.mul(out, weight.to(cdt))
        if bias is not None:
            out = torch.add(out, bias.to(cdt))
        ctx.save_for_backward(xc, weight, mean, rstd)
        ctx.dims = dims
        ctx.x_dtype = x.dtype
        ctx.w_dtype = weight.dtype if weight is not None else None
        ctx.b_dtype = bias.dtype if bias is not None else None
        ctx.has_bias = bias is not None
        return out.to(x.dtype)

    @staticmethod
    def backward(
        ctx: Any, grad_out: Tensor
    ) -> tuple[Tensor | None, Tensor | None, Tensor | None, None]:
        xc, weight, mean, rstd = ctx.saved_tensors
        dims = ctx.dims
        cdt = xc.dtype
        g_out = grad_out.to(cdt)
        xhat = torch.mul(torch.sub(xc, mean), rstd)
        batch_dims = tuple(range(0, xc.ndim - len(dims)))

        def over_batch(t: Tensor) -> Tensor:
            return torch.sum(t, dim=batch_dims) if batch_dims else t

        dx = dweight = dbias = None
        if ctx.needs_input_grad[0]:
            g = torch.mul(g_out, weight.to(cdt)) if weight is not None else g_out
            n = 1
            for d in dims:
                n *= xc.shape[d]
            mean_g = torch.div(torch.sum(g, dim=dims, keepdim=True), n)
            mean_gx = torch.div(torch.sum(torch.mul(g, xhat), dim=dims, keepdim=True), n)
            dx = torch.mul(rstd, torch.sub(torch.sub(g, mean_g), torch.mul(xhat, mean_gx)))
            dx = dx.to(ctx.x_dtype)
        if weight is not None and ctx.needs_input_grad[1]:
            dweight = over_batch(torch.mul(g_out, xhat)).to(ctx.w_dtype)
        if ctx.has_bias and ctx.needs_input_grad[2]:
            dbias = over_batch(g_out).to(ctx.b_dtype)
        return dx, dweight, dbias, None


class LayerNorm(nn.Module):
    def __init__(
        self,
        normalized_shape: int | tuple[int, ...] | list[int] | torch.Size,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            shape = (int(normalized_shape),)
        else:
            shape = tuple(int(s) for s in normalized_shape)
        self.normalized_shape = shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = nn.Parameter(torch.empty(shape, device=device, dtype=dtype))
            if bias:
                self.bias = nn.Parameter(torch.empty(shape, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        with torch.no_grad():
            if self.weight is not None:
                self.weight.copy_(torch.ones_like(self.weight))
            if self.bias is not None:
                self.bias.copy_(torch.zeros_like(self.bias))

    def forward(self, x: Tensor) -> Tensor:
        k = len(self.normalized_shape)
        if tuple(x.shape[x.ndim - k :]) != self.normalized_shape or x.ndim < k:
            raise ValueError(
                f"expected input with trailing shape {self.normalized_shape}, got {tuple(x.shape)}"
            )
        if self.weight is not None:
            return LayerNormFunction.apply(x, self.weight, self.bias, self.eps)
        flat = torch.flatten(x, start_dim=x.ndim - k)
        out = LayerNormFunction.apply(flat, None, self.bias, self.eps)
        return torch.reshape(out, x.shape)

    def extra_repr(self) -> str:
        return "{}, eps={}, elementwise_affine={}, bias={}".format(
            self.normalized_shape, self.eps, self.elementwise_affine, self.bias is not None
        )
