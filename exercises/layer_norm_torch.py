"""Layer normalization in torch: an autograd.Function with a hand-written backward, and an nn.Module.

The same layer norm as the numpy exercise (Ba, Kiros & Hinton, 2016, https://arxiv.org/abs/1607.06450), now
as torch code that runs inside a real network: ``LayerNormFunction`` teaches autograd what the gradient is
(you write ``backward`` yourself, autograd only calls it), and ``LayerNorm`` wraps it in a module that is a
drop-in replacement for ``torch.nn.LayerNorm`` -- same constructor, parameters, ``state_dict`` and repr.

Two habits of production torch code are part of the exercise:

- **dtype.** float16 and bfloat16 have 11 and 8 significant bits: a mean or a variance summed in them is
  wrong in the second or third digit. Compute in float32 (``torch.promote_types(x.dtype, torch.float32)``:
  float16/bfloat16 -> float32, float32 and float64 unchanged) and round once, at the end, to x's dtype.
- **device.** Never write ``'cpu'``, ``.cuda()`` or ``.numpy()``: every tensor you make comes from the
  inputs (arithmetic on them, ``x.new_zeros``, ``torch.empty_like``), so the same code runs on any device.

Write the normalization with tensor arithmetic: torch's own normalizations (``F.layer_norm``, and group,
batch, instance and RMS norm, which give a layer norm of the right view of x), its Python decompositions
(``torch._decomp``, ``torch._refs``) and autograd inside ``backward`` score 0 when graded.
"""

# Your file: replace each `raise NotImplementedError(...)` with your code, then run
# `pytest -m layer_norm_torch` for feedback.

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

__all__ = ["LayerNorm", "LayerNormFunction"]


class LayerNormFunction(torch.autograd.Function):
    """out = weight * (x - mean) / sqrt(var + eps) + bias over the trailing weight.ndim dims of x.

    Use it as ``LayerNormFunction.apply(x, weight, bias, eps)`` (``apply`` runs ``forward`` and records
    ``backward`` in the graph). weight and bias may be None (no scale, no shift); with weight None the
    normalized dims are the last dim only (``LayerNorm`` flattens its normalized dims first in that case).
    """

    @staticmethod
    def forward(
        ctx: Any, x: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float = 1e-5
    ) -> Tensor:
        """Normalize every sample of x over its trailing weight.ndim dims, then scale and shift.

        Formula:  over the K = weight.ndim trailing dims of x (N = weight.numel() elements per sample; K = 1
                  and N = x.shape[-1] when weight is None):
                      mean = sum(x) / N
                      var  = sum((x - mean)**2) / N              (biased; two passes: from x - mean)
                      rstd = 1 / sqrt(var + eps)                 (eps inside the square root)
                      xhat = (x - mean) * rstd
                      out  = weight * xhat + bias                (skip weight / bias when they are None)
                  float16/bfloat16 x: all of it in float32, rounded once to x's dtype at the very end.
        Shapes:   x (B, N) with weight (N,)              -> out (B, N)
                  x (B, T, D) with weight (D,)           -> out (B, T, D)   one sample per (b, t)
                  x (B, C, H, W) with weight (C, H, W)   -> out (B, C, H, W) one sample per b
                  bias has weight's shape. Flattening the batch dims, x.reshape(-1, *normalized_shape),
                  makes every case (M samples, *normalized_shape): one code path for all of them.
        Returns:  out, same shape, dtype and device as x.
        Pitfalls: eps inside the sqrt; biased variance (divide by N, not N - 1); E[x**2] - E[x]**2 is a
                  one-pass formula that cancels catastrophically when |mean| >> std (float32, mean 1e4,
                  std 0.01: NaN or errors of 10 and more); normalize over the trailing dims, not the batch;
                  compute half inputs in float32 (torch.promote_types) and return x.dtype; make new
                  tensors from the inputs (any device); never modify x -- in-place ops only on tensors
                  you created in this function. Save what your backward reads with
                  ctx.save_for_backward(...) (tensors, None allowed) and plain values (shapes, dtypes)
                  as ctx attributes: backward sees nothing else.
        Example:
            >>> x = torch.tensor([[1.0, 3.0]], requires_grad=True)
            >>> out = LayerNormFunction.apply(x, torch.ones(2), torch.zeros(2), 0.0)
            >>> out.detach().round(decimals=4), out.grad_fn.name()
            (tensor([[-1.,  1.]]), 'LayerNormFunctionBackward')
        """
        raise NotImplementedError(
            "Exercise layer_norm_torch.1: normalize over the trailing weight.ndim dims in float32 "
            "or wider, scale, shift, save what backward needs"
        )

    @staticmethod
    def backward(
        ctx: Any, grad_out: Tensor
    ) -> tuple[Tensor | None, Tensor | None, Tensor | None, None]:
        """Gradients of the loss with respect to x, weight and bias, by hand (no autograd in here).

        Formula:  the derivation of the numpy exercise (layer_norm_backward), now in torch. Per sample,
                  over its N normalized elements, forward computed
                      x -> mean -> x - mean -> var -> rstd = 1 / sqrt(var + eps) -> xhat = (x - mean) * rstd
                        -> out = weight * xhat + bias
                  and autograd hands you g = grad_out = dL/dout. Walk the graph backwards, one stage at a
                  time, by the chain rule: the gradients of a value used twice add up; a value
                  broadcast to many elements (mean and rstd to the N elements of a sample, weight and
                  bias to every sample) gets the sum of their gradients; a mean over N elements gives
                  each element 1 / N of what arrives. weight None: the scale is 1; bias None: no shift.
        Shapes:   grad_out has out's (= x's) shape; dx has x's shape, dweight and dbias weight's shape:
                  x (B, T, D), weight (D,): dweight and dbias sum over B and T. Per-sample values
                  (mean, rstd and their gradients) keep the normalized dims as size 1 (keepdim=True) or
                  live on the (M, *normalized_shape) view of forward, so they broadcast back.
        Returns:  (dx, dweight, dbias, None): one gradient per input of forward, None for eps (a float)
                  and for inputs that are None or need no gradient (ctx.needs_input_grad). Each gradient
                  in its input's dtype; float16/bfloat16: computed in float32, rounded once.
        Pitfalls: x reaches out through x - mean directly, through the mean and through the variance:
                  drop a path and the gradient is right only where that path's share is zero; sum
                  dweight and dbias over every batch dim (not the mean, not dim 0 only); the per-sample
                  sums and means are over the normalized dims only; do not call autograd here (no
                  torch.autograd.grad, no .backward(), no torch.func): backward must work from saved
                  tensors alone; never modify grad_out in place.
                  Check yourself with torch.autograd.gradcheck: it compares your backward with central
                  differences of forward, so give it float64 inputs that require grad, e.g.
                      x = torch.randn(3, 5, dtype=torch.float64, requires_grad=True)
                      w, b = (torch.randn(5, dtype=torch.float64, requires_grad=True) for _ in "wb")
                      torch.autograd.gradcheck(lambda x, w, b: LayerNormFunction.apply(x, w, b, 1e-5),
                                               (x, w, b))
                  (float32 fails it from rounding alone); then with weight or bias None, and with a
                  (B, T, D) x.
        Example:
            >>> x = torch.tensor([[1.0, 2.0, 4.0]], requires_grad=True)
            >>> LayerNormFunction.apply(x, None, None, 1e-5).backward(torch.ones(1, 3))
            >>> bool(torch.allclose(x.grad, torch.zeros(1, 3), atol=1e-6))  # a constant shift moves nothing
            True
        """
        raise NotImplementedError(
            "Exercise layer_norm_torch.2: backpropagate through the scale and shift, the variance "
            "and the mean"
        )


class LayerNorm(nn.Module):
    """Drop-in ``torch.nn.LayerNorm``: the same constructor, parameters, state_dict, repr and results.

    Example:
        >>> ln = LayerNorm(4)
        >>> ln
        LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)
        >>> ln(torch.tensor([[0.0, 1.0, 2.0, 3.0]])).detach().round(decimals=3)
        tensor([[-1.3420, -0.4470,  0.4470,  1.3420]])
    """

    def __init__(
        self,
        normalized_shape: int | tuple[int, ...] | list[int] | torch.Size,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        """Store the configuration and create the parameters, exactly as torch.nn.LayerNorm does.

        Formula:  parameters (when elementwise_affine): weight, filled with ones, and bias (when bias is
                  also True), filled with zeros, both of shape normalized_shape -- so a fresh LayerNorm
                  is the plain normalization (out = xhat).
        Shapes:   normalized_shape 8 -> (8,); (3, 4) stays (3, 4): self.normalized_shape is always a tuple
                  of ints.
        Returns:  None. Attributes: normalized_shape, eps, elementwise_affine, weight, bias.
        Pitfalls: elementwise_affine=False -> weight and bias are both None, registered with
                  self.register_parameter(name, None) so they show up like torch's; bias=False -> bias is
                  None (weight stays); create the parameters with the given device and dtype
                  (torch.empty(shape, device=device, dtype=dtype)) and fill them in reset_parameters().
        Example:
            >>> [name for name, _ in LayerNorm((2, 3), bias=False).named_parameters()]
            ['weight']
        """
        super().__init__()
        raise NotImplementedError(
            "Exercise layer_norm_torch.3: store normalized_shape as a tuple, eps and "
            "elementwise_affine; create weight and bias (or None)"
        )

    def reset_parameters(self) -> None:
        """Fill weight with ones and bias with zeros (those that exist), in place.

        Pitfalls: in place (nn.init.ones_ / zeros_, or .fill_ under torch.no_grad()): a new Parameter
                  would detach the module from an optimizer that already holds the old one.
        Example:
            >>> ln = LayerNorm(3)
            >>> _ = ln.weight.data.mul_(5.0)
            >>> ln.reset_parameters()
            >>> ln.weight
            Parameter containing:
            tensor([1., 1., 1.], requires_grad=True)
        """
        raise NotImplementedError(
            "Exercise layer_norm_torch.4: weight to ones and bias to zeros, in place, when they "
            "exist"
        )

    def forward(self, x: Tensor) -> Tensor:
        """Layer-normalize x over its trailing len(normalized_shape) dims with LayerNormFunction.

        Shapes:   x (*, *normalized_shape) -> out with x's shape, dtype and device.
        Returns:  LayerNormFunction.apply(x, self.weight, self.bias, self.eps) when there is a weight.
        Pitfalls: with no weight (elementwise_affine=False), LayerNormFunction normalizes over the last
                  dim only: flatten the normalized dims into one first (x.flatten(-k) with
                  k = len(normalized_shape)) and reshape the result back to x's shape.
        Example:
            >>> LayerNorm((2, 2), elementwise_affine=False)(torch.tensor([[[1.0, 1.0], [3.0, 3.0]]]))
            tensor([[[-1.0000, -1.0000],
                     [ 1.0000,  1.0000]]])
        """
        raise NotImplementedError(
            "Exercise layer_norm_torch.5: call LayerNormFunction (flatten the normalized dims when "
            "there is no weight)"
        )

    def extra_repr(self) -> str:
        """The text inside LayerNorm(...) when the module is printed: the same as torch.nn.LayerNorm's.

        Returns:  "<normalized_shape>, eps=<eps>, elementwise_affine=<True|False>, bias=<True|False>",
                  where bias says whether the module has a bias parameter (False when
                  elementwise_affine=False, as in torch).
        Example:
            >>> LayerNorm((3, 4), eps=1e-6, bias=False).extra_repr()
            '(3, 4), eps=1e-06, elementwise_affine=True, bias=False'
        """
        raise NotImplementedError(
            "Exercise layer_norm_torch.6: the same text as torch.nn.LayerNorm's extra_repr"
        )
