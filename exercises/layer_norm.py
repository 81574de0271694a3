"""Layer normalization in numpy: forward and backward by hand.

Layer norm (Ba, Kiros & Hinton, 2016, https://arxiv.org/abs/1607.06450) normalizes every sample over its own
features, so unlike batch norm it behaves the same for a batch of one, at training and at test time.
The normalized axes are the trailing ``gamma.ndim`` axes of ``x`` -- exactly ``torch.nn.LayerNorm``'s
``normalized_shape`` -- so one implementation serves (N, D) activations, (N, T, D) sequences and
(N, C, H, W) feature maps.
"""

# Your file: replace each `raise NotImplementedError(...)` with your code, then run
# `pytest -m layer_norm` for feedback. (Generated from the reference by `python -m grader sync`.)

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
              when |mean| >> std (e.g. mean 1e4, std 0.01) and can even go negative.
    Shapes:   x (N, D), gamma (D,)                -> out (N, D)
              x (N, T, D), gamma (D,)             -> out (N, T, D)   (one mean per (n, t))
              x (N, C, H, W), gamma (C, H, W)     -> out (N, C, H, W) (one mean per n)
              x (D,), gamma (D,)                  -> out (D,)        (one unbatched sample)
              beta has gamma's shape. A gamma or beta that is not x's trailing shape raises
              ValueError naming both shapes.
    Returns:  (out, cache). out has x's floating dtype (float16 input: compute the statistics in
              float32, return float16). cache is opaque: whatever layer_norm_backward needs -- e.g.
              xhat, 1 / sqrt(var + eps) and gamma -- so the backward pass recomputes nothing.
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
    """Backpropagate through layer_norm_forward.

    Formula:  with xhat and rstd = 1 / sqrt(var + eps) from the forward pass, over the normalized axes
              (D elements per sample) and the batch axes (every other axis):
                  dbeta  = sum over batch axes of dout
                  dgamma = sum over batch axes of dout * xhat
                  dxhat  = dout * gamma
                  dx     = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
              The two mean terms are the paths through mu and through var: leaving either out gives
              a gradient that is right only when it happens to be zero.
    Shapes:   dout has x's shape; dx has x's shape, dgamma and dbeta have gamma's shape.
              x (N, T, D), gamma (D,): dgamma and dbeta sum over BOTH N and T.
    Returns:  (dx, dgamma, dbeta); dx in x's dtype, dgamma and dbeta in gamma's and beta's dtypes.
    Pitfalls: sum dgamma/dbeta over every non-normalized axis (not just axis 0, not a mean);
              the mean terms are over the normalized axes only; check yourself with a numerical
              gradient (central differences in float64) before you trust the formula.
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
