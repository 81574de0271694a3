"""Layer normalization in numpy: forward and backward by hand.

Layer norm (Ba, Kiros & Hinton, 2016, https://arxiv.org/abs/1607.06450) normalizes every sample over its own
features, so unlike batch norm it behaves the same for a batch of one, at training and at test time.
The normalized axes are the trailing ``gamma.ndim`` axes of ``x`` -- exactly ``torch.nn.LayerNorm``'s
``normalized_shape`` -- so one implementation serves (N, D) activations, (N, T, D) sequences and
(N, C, H, W) feature maps.
"""

# Your file: replace each `raise NotImplementedError(...)` with your code, then run
# `pytest -m layer_norm` for feedback.

from __future__ import annotations

from typing import Any

import numpy as np

# What the forward pass hands to the backward pass. Its contents are yours to choose.
Cache = Any


def layer_norm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5
) -> tuple[np.ndarray, Cache]:
    """Normalize x over its last gamma.ndim axes, then scale and shift.

    Formula:  over the K = gamma.ndim trailing axes of x (D = product of gamma.shape values each):
                  mu   = mean(x)                        (one mean per sample)
                  var  = mean((x - mu)**2)              (biased: divide by D, not D - 1)
                  xhat = (x - mu) / sqrt(var + eps)     (eps inside the square root)
                  out  = gamma * xhat + beta            (gamma, beta broadcast over the batch axes)
              Compute var from (x - mu) (two passes): E[x**2] - E[x]**2 cancels catastrophically
              when |mean| >> std (e.g. mean 1e4, std 0.01) and can even go negative. A one-sweep
              running update (Welford's) avoids the cancellation, but in float32 the running mean's
              rounding at every step adds up there: keep its sums in float64 if you use one.
    Shapes:   x (N, D), gamma (D,)                -> out (N, D)
              x (N, T, D), gamma (D,)             -> out (N, T, D)   (one mean per (n, t))
              x (N, C, H, W), gamma (C, H, W)     -> out (N, C, H, W) (one mean per n)
              x (D,), gamma (D,)                  -> out (D,)        (one unbatched sample)
              beta has gamma's shape. A gamma or beta that is not x's trailing shape raises
              ValueError naming both shapes.
    Returns:  (out, cache). out has x's floating dtype (float16 input: compute the statistics in
              float32, return float16). cache is opaque: whatever your layer_norm_backward reads (you
              design both ends), so that the backward pass needs nothing but dout and the cache.
    Pitfalls: eps goes inside the sqrt; the variance is biased (ddof=0); normalize over the LAST
              axes (axis=-1 for a 1-D gamma), not over the batch (that is batch norm); never modify x
              in place (x -= mu changes the caller's array); keep x's dtype (float32 in, float32 out).
    Example:
        >>> out, cache = layer_norm_forward(np.array([[1.0, 3.0]]), np.ones(2), np.zeros(2))
        >>> out.round(3)
        array([[-1.,  1.]])
    """
    raise NotImplementedError(
        "Exercise layer_norm.1: check the shapes, normalize over the last gamma.ndim axes, then "
        "scale and shift"
    )


def layer_norm_backward(
    dout: np.ndarray, cache: Cache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagate through layer_norm_forward: derive the gradient, then check it numerically.

    Formula:  derive it from the forward pass, one stage at a time. Per sample, over its D normalized
              elements, the forward pass is the graph
                  x -> mu = mean(x) -> xmu = x - mu -> var = mean(xmu**2) -> rstd = 1 / sqrt(var + eps)
                    -> xhat = xmu * rstd -> out = gamma * xhat + beta
              Write d<v> for dL/d<v>, the gradient of the loss with respect to v (same shape as v);
              dout is given. Walk the graph backwards: each stage turns the gradient of its output
              into gradients of its inputs by the chain rule (a local derivative times the gradient
              that arrives). Two rules do all the bookkeeping:
                - a value used in several places (x feeds both mu and xmu; xmu feeds var and xhat)
                  gets the SUM of the gradients of every use;
                - a broadcast and a reduction are mirror images: mu and rstd (one per sample) are
                  broadcast to D elements, so their gradients sum over those D elements; gamma and beta
                  are broadcast over the batch, so dgamma and dbeta sum over the batch axes; a mean over
                  D elements hands each element 1 / D of the gradient that arrives.
              A first version may keep every intermediate in the cache; once the gradient checks out,
              simplify the expression and keep only what it reads.
    Shapes:   dout has x's shape; dx has x's shape, dgamma and dbeta have gamma's shape; every
              per-sample statistic (mu, var, rstd and their gradients) has x's shape with the
              normalized axes kept as size 1 (keepdims=True), so it broadcasts back without reshapes.
              x (N, T, D), gamma (D,): dgamma and dbeta sum over BOTH N and T.
    Returns:  (dx, dgamma, dbeta); dx in x's dtype, dgamma and dbeta in gamma's and beta's dtypes.
    Pitfalls: x reaches out along three paths (directly through xmu, through mu and through var): a
              derivation that drops one gives a gradient that is right only where that path's share
              happens to be zero -- a numerical check catches it, a glance at the code does not;
              sum dgamma/dbeta over every non-normalized axis (not just axis 0, not a mean); the
              per-sample means and sums are over the normalized axes only.
              Check yourself before you trust a derivation: in float64, L = sum(out * dout) and the
              central difference (L(x + h e_i) - L(x - h e_i)) / (2 h) with h = 1e-5 for every
              element i of x, gamma and beta; the relative error max|analytic - numeric| /
              (max|analytic| + max|numeric|) should be < 1e-7 (1e-3 means a wrong term, not
              rounding). An invariance to test as well: out does not change when a sample's x shifts
              by a constant, so each sample's dx sums to 0, whatever dout and gamma are.
    Example:
        >>> x = np.array([[1.0, 2.0, 4.0]])
        >>> out, cache = layer_norm_forward(x, np.ones(3), np.zeros(3))
        >>> dx, dgamma, dbeta = layer_norm_backward(np.ones_like(x), cache)
        >>> bool(np.allclose(dx, 0.0)), dbeta  # a constant upstream gradient moves nothing
        (True, array([1., 1., 1.]))
    """
    raise NotImplementedError(
        "Exercise layer_norm.2: backpropagate through the scale and shift, the variance and the "
        "mean"
    )
