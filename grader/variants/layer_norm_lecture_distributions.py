"""The layer_norm exercise written as "Understanding Distributions in Neural Networks" writes it: a correct answer
that the kit must accept (never a learner's file).

The forward is that lecture's ``layer_norm(x, gamma=1.0, beta=0.0, eps=1e-5)`` (section "Visualizing the Effect
of Layer Normalization"), kept as it stands: ``np.mean(x)`` and ``np.var(x)`` over the WHOLE array it is given
(biased variance), ``(x - mean) / np.sqrt(var + eps)``, then ``gamma * x_norm + beta``. The lecture applies it
to one sample (a 1-D array of 1,000 activations) and says layer norm normalizes "each sample independently", so
the kit's batched input is handled by calling it once per sample: a sample is ``x[idx]`` for every index of the
batch axes, i.e. everything under gamma's trailing shape. Adapted only where the lecture's code is incomplete or
conflicts with the contract:
- the lecture's function sees one sample; the kit's forward gets a batch ((N, D), (N, T, D), (N, C, H, W) or one
  unbatched sample), so a loop over the batch indices (``np.ndindex``) applies it per sample. Whole-sample
  statistics over ``x[idx]`` are exactly the statistics over the last gamma.ndim axes that the kit asks for.
- the lecture returns only the output; the kit's forward returns ``(out, cache)`` for the backward pass.
- the lecture checks no shapes; the kit asks for a ValueError naming both shapes.
- float16: the kit asks for the statistics in float32 and a float16 result, so a float16 sample is computed in
  float32 and stored once into the float16 output.
- the backward pass is not in any lecture: written here per sample, in the same loop, one stage at a time over
  the forward graph of the lecture's function (xc = x - mean, var = mean(xc ** 2), std = sqrt(var + eps),
  x_norm = xc / std, y = gamma * x_norm + beta), with the quotient rule for x_norm = xc / std; dgamma and dbeta
  are accumulated over the samples.
- not taken: the same lecture's covariate-shift simulation normalizes with
  ``(x - np.mean(x)) / (np.std(x) + 1e-5)``, eps OUTSIDE the square root. The kit asks for eps inside, as this
  lecture's own formula and its ``layer_norm`` put it (and "Layer Normalization Formula Explained" explains why):
  with eps outside, a sample whose variance is comparable to eps normalizes differently, which the kit grades
  as the eps-outside misconception.
"""

from __future__ import annotations

import numpy as np


# Apply layer normalization (the lecture's function, unchanged)
def layer_norm(x, gamma=1.0, beta=0.0, eps=1e-5):
    mean = np.mean(x)
    var = np.var(x)
    x_norm = (x - mean) / np.sqrt(var + eps)
    return gamma * x_norm + beta


def _check_shapes(x, gamma, beta):
    if gamma.shape != beta.shape or x.shape[max(x.ndim - gamma.ndim, 0) :] != gamma.shape:
        raise ValueError(
            f"x has shape {x.shape}, but gamma has shape {gamma.shape} and beta {beta.shape}: "
            "gamma and beta must have x's trailing shape"
        )


def _compute_dtype(dtype):
    return np.float32 if dtype == np.float16 else dtype


def layer_norm_forward(x, gamma, beta, eps=1e-5):
    _check_shapes(x, gamma, beta)
    work = _compute_dtype(x.dtype)
    g, b = gamma.astype(work), beta.astype(work)
    batch_shape = x.shape[: x.ndim - gamma.ndim]

    out = np.empty(x.shape, dtype=x.dtype)
    samples = []
    for idx in np.ndindex(batch_shape):  # one sample per index; () for an unbatched x
        sample = x[idx].astype(work)  # a copy: the caller's x is never touched
        out[idx] = layer_norm(sample, g, b, eps)
        samples.append((idx, sample))
    cache = (samples, g, eps, x.dtype, gamma.dtype, beta.dtype, x.shape)
    return out, cache


def layer_norm_backward(dout, cache):
    samples, gamma, eps, x_dtype, gamma_dtype, beta_dtype, x_shape = cache
    dx = np.empty(x_shape, dtype=x_dtype)
    dgamma = np.zeros_like(gamma)
    dbeta = np.zeros_like(gamma)

    for idx, x in samples:
        dy = dout[idx].astype(gamma.dtype)
        n = x.size

        # forward again, one stage at a time (the lecture's layer_norm)
        mean = np.mean(x)
        xc = x - mean
        var = np.mean(xc**2)
        std = np.sqrt(var + eps)
        x_norm = xc / std

        # y = gamma * x_norm + beta
        dgamma += dy * x_norm
        dbeta += dy
        dx_norm = dy * gamma

        # x_norm = xc / std  (quotient rule)
        dxc = dx_norm / std
        dstd = np.sum(dx_norm * xc) * (-1.0 / std**2)

        # std = sqrt(var + eps)
        dvar = dstd / (2.0 * std)

        # var = mean(xc ** 2)  (xc feeds var and x_norm: add both)
        dxc = dxc + dvar * 2.0 * xc / n

        # xc = x - mean  (x feeds xc and mean: add both)
        dmean = -np.sum(dxc)
        dx[idx] = dxc + dmean / n

    return dx, dgamma.astype(gamma_dtype), dbeta.astype(beta_dtype)
