"""Layer normalization in torch -- blind learner solution, style "flat".

Stylistic differences from an obvious reference:
- x is viewed as (M, N) with x.reshape(-1, N) and every per-sample statistic is an (M,) vector,
  broadcast back with .unsqueeze(1) / [:, None] instead of keepdim=True;
- tensor methods throughout (x.sum(1), .rsqrt(), .mul_(), .add_()), and in-place updates on the
  tensors this function created (never on x or grad_out);
- two explicit passes (mean, then sum of squared deviations);
- ctx saves xhat (already normalized) and rstd, not x and mean;
- backward follows the graph stage by stage (xhat -> rstd -> var -> xmu -> mean -> x) rather than
  a simplified closed form;
- the module builds normalized_shape with operator.index, resets parameters through .data.fill_,
  uses x.reshape(*batch, -1) instead of flatten, and raises RuntimeError (like torch) when x's
  trailing shape does not match.
"""

from __future__ import annotations

import operator
from typing import Any

import torch
from torch import Tensor, nn

__all__ = ["LayerNorm", "LayerNormFunction"]


class LayerNormFunction(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any, x: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float = 1e-5
    ) -> Tensor:
        norm_shape = tuple(weight.shape) if weight is not None else tuple(x.shape[-1:])
        n = 1
        for s in norm_shape:
            n *= s
        cdt = torch.promote_types(x.dtype, torch.float32)
        xf = x.reshape(-1, n).to(cdt)  # (M, N); may alias x when no cast and no copy is needed
        mean = xf.sum(1) / n
        xmu = xf - mean.unsqueeze(1)  # new tensor: in-place below is safe
        var = (xmu * xmu).sum(1) / n
        rstd = (var + eps).rsqrt()
        xhat = xmu.mul_(rstd.unsqueeze(1))  # xmu is ours; it becomes xhat
        out = xhat.clone()
        if weight is not None:
            out.mul_(weight.reshape(1, n).to(cdt))
        if bias is not None:
            out.add_(bias.reshape(1, n).to(cdt))
        ctx.save_for_backward(xhat, rstd, weight)
        ctx.meta = (
            x.shape,
            x.dtype,
            n,
            None if weight is None else weight.dtype,
            None if bias is None else bias.dtype,
            norm_shape,
        )
        return out.to(x.dtype).reshape(x.shape)

    @staticmethod
    def backward(
        ctx: Any, grad_out: Tensor
    ) -> tuple[Tensor | None, Tensor | None, Tensor | None, None]:
        xhat, rstd, weight = ctx.saved_tensors
        x_shape, x_dtype, n, w_dtype, b_dtype, norm_shape = ctx.meta
        cdt = xhat.dtype
        dy = grad_out.reshape(-1, n).to(cdt)
        need_x, need_w, need_b = ctx.needs_input_grad[:3]

        dweight = dbias = dx = None
        if need_w and w_dtype is not None:
            dweight = (dy * xhat).sum(0).reshape(norm_shape).to(w_dtype)
        if need_b and b_dtype is not None:
            dbias = dy.sum(0).reshape(norm_shape).to(b_dtype)
        if need_x:
            dxhat = dy * weight.reshape(1, n).to(cdt) if weight is not None else dy.clone()
            r = rstd.unsqueeze(1)
            xmu = xhat / r
            # xhat = xmu * rstd
            drstd = (dxhat * xmu).sum(1)
            dxmu = dxhat.mul_(r)
            # rstd = (var + eps)^(-1/2)
            dvar = drstd.mul_(rstd.pow(3)).mul_(-0.5)
            # var = sum(xmu^2) / n
            dxmu.add_(xmu.mul_(dvar.unsqueeze(1) * (2.0 / n)))
            # xmu = x - mean ; mean = sum(x) / n
            dmean = -dxmu.sum(1)
            dx = dxmu.add_((dmean / n).unsqueeze(1))
            dx = dx.to(x_dtype).reshape(x_shape)
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
        try:
            ns = (operator.index(normalized_shape),)
        except TypeError:
            ns = tuple(operator.index(s) for s in normalized_shape)
        self.normalized_shape = ns
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        kw = {"device": device, "dtype": dtype}
        weight = nn.Parameter(torch.empty(ns, **kw)) if elementwise_affine else None
        bias_p = nn.Parameter(torch.empty(ns, **kw)) if (elementwise_affine and bias) else None
        self.register_parameter("weight", weight)
        self.register_parameter("bias", bias_p)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.weight is not None:
            self.weight.data.fill_(1.0)
        if self.bias is not None:
            self.bias.data.fill_(0.0)

    def forward(self, x: Tensor) -> Tensor:
        k = len(self.normalized_shape)
        if x.dim() < k or tuple(x.shape[-k:]) != self.normalized_shape:
            raise RuntimeError(
                f"LayerNorm{self.normalized_shape}: input of shape {tuple(x.shape)} does not end in "
                f"{self.normalized_shape}"
            )
        if self.weight is None:
            lead = x.shape[: x.dim() - k]
            y = LayerNormFunction.apply(x.reshape(*lead, -1), None, None, self.eps)
            return y.view_as(x) if y.is_contiguous() else y.reshape(x.shape)
        return LayerNormFunction.apply(x, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )
