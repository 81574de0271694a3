"""The layer_norm exercise written as "Layer Normalization Formula Explained" writes it: a correct answer that
the kit must accept (never a learner's file).

The forward is the lecture's ``layer_norm_efficient`` (section "Efficient Implementation"): ``np.mean`` and
``np.var`` (biased, ddof=0, two passes) with ``keepdims=True``, ``(x - mean) / np.sqrt(var + eps)`` with eps
inside the square root, then ``gamma * x_norm + beta``. Adapted only where the lecture's code is incomplete or
conflicts with the contract:
- the lecture normalizes over ``axis=-1`` (its x is (batch_size, features), gamma (features,)); the kit asks
  for the last ``gamma.ndim`` axes (torch's normalized_shape) because the lecture's own practice exercise 4 asks
  for 4-D (batch_size, channels, height, width) inputs, which the course normalizes over channels, height and
  width together. For a 1-D gamma the axes are exactly the lecture's ``axis=-1``.
- the lecture returns only the output; the kit's forward returns ``(out, cache)`` for the backward pass.
- the lecture checks no shapes (a wrong gamma broadcasts silently or fails deep inside numpy); the kit asks for
  a ValueError naming both shapes.
- float16: the lecture's np.mean/np.var would work in float16; the kit asks for the statistics in float32
  (float16 has ~3 significant digits) and a float16 result, so float16 inputs are computed in float32 and the
  output is rounded once.
- the backward pass is not in the lecture ("The chain rule is used to compute gradients with respect to the
  input, scale, and shift parameters"): written here stage by stage, vectorized with the same keepdims
  statistics, walking the forward graph backwards (x_norm = xmu * rstd, rstd = (var + eps) ** -0.5,
  var = mean(xmu ** 2), xmu = x - mean, mean = mean(x)), every intermediate kept in the cache.
"""

from __future__ import annotations

import numpy as np


def layer_norm_forward(x, gamma, beta, eps=1e-5):
    """
    Efficient implementation of layer normalization

    Args:
        x: Input tensor of shape (batch_size, ..., *gamma.shape)
        gamma: Scale parameter of shape normalized_shape
        beta: Shift parameter of shape normalized_shape
        eps: Small constant for numerical stability

    Returns:
        (Normalized tensor of same shape as x, cache for the backward pass)
    """
    k = gamma.ndim
    if gamma.shape != beta.shape or x.ndim < k or x.shape[x.ndim - k :] != gamma.shape:
        raise ValueError(
            f"gamma {gamma.shape} and beta {beta.shape} must both be the trailing shape of x {x.shape}"
        )
    dtypes = (x.dtype, gamma.dtype, beta.dtype)
    if x.dtype == np.float16:  # statistics in float32, one rounding at the end
        x, gamma, beta = x.astype(np.float32), gamma.astype(np.float32), beta.astype(np.float32)
    axes = tuple(range(x.ndim - k, x.ndim))

    # Calculate mean and variance along the normalized (last gamma.ndim) dimensions
    mean = np.mean(x, axis=axes, keepdims=True)
    var = np.var(x, axis=axes, keepdims=True)

    # Normalize
    x_norm = (x - mean) / np.sqrt(var + eps)

    # Scale and shift
    out = gamma * x_norm + beta

    cache = {
        "x": x.copy(),
        "gamma": gamma,
        "mean": mean,
        "var": var,
        "eps": eps,
        "x_norm": x_norm,
        "axes": axes,
        "dtypes": dtypes,
    }
    return out.astype(dtypes[0], copy=False), cache


def layer_norm_backward(dout, cache):
    x, gamma, mean, var, eps = cache["x"], cache["gamma"], cache["mean"], cache["var"], cache["eps"]
    x_norm, axes = cache["x_norm"], cache["axes"]
    x_dtype, gamma_dtype, beta_dtype = cache["dtypes"]
    dout = dout.astype(x.dtype, copy=False)
    D = x_norm.size // mean.size  # elements per normalized sample
    batch_axes = tuple(range(x.ndim - len(axes)))

    # out = gamma * x_norm + beta  (gamma and beta broadcast over the batch axes)
    dbeta = np.sum(dout, axis=batch_axes)
    dgamma = np.sum(dout * x_norm, axis=batch_axes)
    dx_norm = dout * gamma

    # x_norm = xmu * rstd
    xmu = x - mean
    rstd = 1.0 / np.sqrt(var + eps)
    dxmu = dx_norm * rstd
    drstd = np.sum(dx_norm * xmu, axis=axes, keepdims=True)

    # rstd = (var + eps) ** -0.5
    dvar = drstd * -0.5 * (var + eps) ** -1.5

    # var = mean(xmu ** 2)  (xmu is used twice: add this path's gradient)
    dxmu = dxmu + dvar * 2.0 * xmu / D

    # xmu = x - mean  (x is used twice: directly and through mean)
    dx = dxmu
    dmean = -np.sum(dxmu, axis=axes, keepdims=True)

    # mean = mean(x)
    dx = dx + dmean / D

    return dx.astype(x_dtype), dgamma.astype(gamma_dtype), dbeta.astype(beta_dtype)
