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
        ### BEGIN SOLUTION layer_norm_torch.1: normalize over the trailing weight.ndim dims in float32 or wider, scale, shift, save what backward needs
        shape = weight.shape if weight is not None else x.shape[-1:]
        k = len(shape)
        if (
            k > x.ndim
            or x.shape[x.ndim - k :] != shape
            or (bias is not None and bias.shape != shape)
        ):
            raise ValueError(
                f"weight {None if weight is None else tuple(weight.shape)} and bias "
                f"{None if bias is None else tuple(bias.shape)} must both equal the trailing shape of "
                f"x {tuple(x.shape)} (normalized_shape = weight.shape)"
            )
        compute = torch.promote_types(x.dtype, torch.float32)  # float16/bfloat16 -> float32
        dims = tuple(range(1, k + 1))  # the normalized dims of (M, *shape)
        # (M, *shape): one sample per index of dim 0; a view of x when no copy is needed, never written to
        x2 = x.reshape(-1, *shape).to(compute)
        mean = x2.mean(dims, keepdim=True)
        xhat = x2 - mean  # a new tensor: updated in place below
        var = torch.linalg.vector_norm(xhat, dim=dims, keepdim=True).square() / shape.numel()
        rstd = torch.rsqrt(var + eps)
        xhat.mul_(rstd)
        if weight is not None and bias is not None:
            out = torch.addcmul(bias.to(compute), xhat, weight.to(compute))
        elif weight is not None:
            out = xhat * weight.to(compute)
        elif bias is not None:
            out = xhat + bias.to(compute)
        else:
            out = xhat
        # Saved for backward: xhat (the compute dtype, x's shape) and rstd (one value per sample) -- exactly
        # what the gradient formula reads -- plus weight. Not x, not mean, not var: they are only steps
        # towards xhat and rstd. (The trade-off: for float16 x, a float32 xhat takes twice x's memory;
        # saving x, mean and rstd instead would cost backward two more passes to rebuild xhat.)
        # Memory passes over an (M, N) float32 tensor, weight and bias given (the cost of eager code on
        # large inputs: each op reads or writes the whole tensor once): mean 1; x - mean 2 (read, write);
        # the sum of squares 1 (torch.linalg.vector_norm reads xhat once, where xhat.pow(2).mean() would
        # write and read a temporary: 3); xhat *= rstd in place 2; addcmul(bias, xhat, weight) 2 (one
        # kernel for the scale and the shift). 8 in all; float16/bfloat16 add the upcast of x and the
        # final downcast.
        ctx.save_for_backward(xhat, rstd, weight)
        ctx.x_shape, ctx.x_dtype = x.shape, x.dtype
        ctx.bias_dtype = None if bias is None else bias.dtype
        return out.reshape(x.shape).to(x.dtype)
        ### END SOLUTION

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
        ### BEGIN SOLUTION layer_norm_torch.2: backpropagate through the scale and shift, the variance and the mean
        # dx = rstd / N * (N * dxhat - sum(dxhat) - xhat * sum(dxhat * xhat)), dxhat = g * weight
        #    = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)): the mean term is the path through
        # the mean, the xhat term the path through the variance.
        # Memory passes over an (M, N) float32 tensor, all three gradients: g * xhat 3 (two reads, one
        # write); the sums over a row are matrix-vector products, which read their matrix once and write
        # no (M, N) temporary: sum(dxhat) = g @ weight and sum(dxhat * xhat) = (g * xhat) @ weight (1 each);
        # the sums over the samples, dweight and dbias, read g * xhat and g once each, 32 rows at a time
        # (1 each); dx = g * weight - mean(dxhat) in one addcmul 2, then in place addcmul_ 3 and *= rstd 2.
        # 14 in all, where the same formula with a temporary per product and .sum() per sum makes 18: a
        # normalization's backward costs about twice its forward. (Under torch.compile the products fuse
        # away. The sums over the samples go by blocks of rows for its sake: inductor's CPU code for
        # t.sum(0) walks each column down all M rows, a cache miss per row, and ones @ t would make it
        # write g * xhat out first; block by block, every block stays in cache.)
        xhat, rstd, weight = ctx.saved_tensors
        need_x, need_weight, need_bias = ctx.needs_input_grad[:3]
        shape = xhat.shape[1:]  # normalized_shape
        # (M, N) views: one row per sample. g is float32 for half inputs and never written to.
        xhat = xhat.flatten(1)
        g = grad_out.reshape(xhat.shape).to(xhat.dtype)
        m, n = xhat.shape

        def sum_samples(t: Tensor) -> Tensor:
            """t (M, N) summed over its rows: blocks of 32 rows first, then the blocks' sums."""
            full = m - m % 32
            total = t[:full].view(-1, 32, n).sum(1).sum(0)
            return total + t[full:].sum(0) if full < m else total

        g_xhat = g * xhat if need_x or need_weight else None
        dx = dweight = dbias = None
        if need_x:
            if weight is None:  # dxhat = g
                mean_dxhat = g.mean(1, keepdim=True)
                mean_dxhat_xhat = g_xhat.mean(1, keepdim=True)
                dx = g - mean_dxhat  # path through the mean; a new tensor: in place from here on
            else:  # dxhat = g * w: its row sums are matrix-vector products with w
                w = weight.to(g.dtype).flatten()
                mean_dxhat = (g @ w).div_(n).unsqueeze(1)
                mean_dxhat_xhat = (g_xhat @ w).div_(n).unsqueeze(1)
                dx = torch.addcmul(-mean_dxhat, g, w)  # dxhat - mean(dxhat): path through the mean
            dx.addcmul_(xhat, mean_dxhat_xhat, value=-1)  # path through the variance
            dx.mul_(rstd.view(-1, 1))
            dx = dx.reshape(ctx.x_shape).to(ctx.x_dtype)
        if need_weight:
            dweight = sum_samples(g_xhat).view(shape).to(weight.dtype)
        if need_bias:
            dbias = sum_samples(g).view(shape).to(ctx.bias_dtype)
        return dx, dweight, dbias, None
        ### END SOLUTION


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
        ### BEGIN SOLUTION layer_norm_torch.3: store normalized_shape as a tuple, eps and elementwise_affine; create weight and bias (or None)
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(n) for n in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        factory = {"device": device, "dtype": dtype}
        if elementwise_affine:
            self.weight = nn.Parameter(torch.empty(self.normalized_shape, **factory))
            if bias:
                self.bias = nn.Parameter(torch.empty(self.normalized_shape, **factory))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()
        ### END SOLUTION

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
        ### BEGIN SOLUTION layer_norm_torch.4: weight to ones and bias to zeros, in place, when they exist
        if self.weight is not None:
            nn.init.ones_(self.weight)
        if self.bias is not None:
            nn.init.zeros_(self.bias)
        ### END SOLUTION

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
        ### BEGIN SOLUTION layer_norm_torch.5: call LayerNormFunction (flatten the normalized dims when there is no weight)
        k = len(self.normalized_shape)
        if tuple(x.shape[x.ndim - k :]) != self.normalized_shape or k > x.ndim:
            raise ValueError(
                f"LayerNorm{self.normalized_shape} expects an input of shape (*, "
                f"{', '.join(map(str, self.normalized_shape))}), got {tuple(x.shape)}"
            )
        if self.weight is None:  # the Function would normalize the last dim only: flatten first
            flat = LayerNormFunction.apply(x.flatten(-k), None, self.bias, self.eps)
            return flat.reshape(x.shape)
        return LayerNormFunction.apply(x, self.weight, self.bias, self.eps)
        ### END SOLUTION

    def extra_repr(self) -> str:
        """The text inside LayerNorm(...) when the module is printed: the same as torch.nn.LayerNorm's.

        Returns:  "<normalized_shape>, eps=<eps>, elementwise_affine=<True|False>, bias=<True|False>",
                  where bias says whether the module has a bias parameter (False when
                  elementwise_affine=False, as in torch).
        Example:
            >>> LayerNorm((3, 4), eps=1e-6, bias=False).extra_repr()
            '(3, 4), eps=1e-06, elementwise_affine=True, bias=False'
        """
        ### BEGIN SOLUTION layer_norm_torch.6: the same text as torch.nn.LayerNorm's extra_repr
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )
        ### END SOLUTION
