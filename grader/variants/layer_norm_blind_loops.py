"""Layer normalization in numpy -- blind learner solution, style "loops".

Stylistic differences from an obvious vectorised reference:
- explicit Python loop over the samples (np.ndindex over the batch axes); every sample is a 1-D
  vector of its D normalized elements;
- every statistic is computed in float64 (wider than float32 for float32/float16 inputs), with the
  mean by math.fsum (exactly rounded) and the variance as the fsum of squared deviations;
- integer input is promoted to float64 (numpy's default float) instead of being rejected;
- the cache is a dict holding a private copy of x (so later edits of the caller's x cannot corrupt
  the backward pass), gamma, and per-sample mean/rstd arrays of shape batch_shape;
- backward uses the simplified closed form dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),
  sample by sample, and accumulates dgamma/dbeta in float64 with += in the loop.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

Cache = Any


def _check_shapes(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> int:
    k = gamma.ndim
    trailing = tuple(x.shape[x.ndim - k :]) if k <= x.ndim else None
    if k > x.ndim or trailing != tuple(gamma.shape):
        raise ValueError(
            f"gamma shape {tuple(gamma.shape)} is not the trailing shape of x shape {tuple(x.shape)}"
        )
    if tuple(beta.shape) != tuple(gamma.shape):
        raise ValueError(
            f"beta shape {tuple(beta.shape)} does not match gamma shape {tuple(gamma.shape)} "
            f"(the trailing shape of x shape {tuple(x.shape)})"
        )
    return k


def _out_dtype(dtype: np.dtype) -> np.dtype:
    dtype = np.dtype(dtype)
    if np.issubdtype(dtype, np.floating):
        return dtype
    return np.dtype(np.float64)


def layer_norm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5
) -> tuple[np.ndarray, Cache]:
    x = np.asarray(x)
    gamma = np.asarray(gamma)
    beta = np.asarray(beta)
    k = _check_shapes(x, gamma, beta)
    batch_shape = x.shape[: x.ndim - k]
    norm_shape = x.shape[x.ndim - k :]
    d = int(np.prod(norm_shape, dtype=np.int64))

    g64 = gamma.astype(np.float64).ravel()
    b64 = beta.astype(np.float64).ravel()
    out = np.empty(x.shape, dtype=_out_dtype(x.dtype))
    means = np.empty(batch_shape, dtype=np.float64)
    rstds = np.empty(batch_shape, dtype=np.float64)

    for idx in np.ndindex(*batch_shape):
        row = np.asarray(x[idx], dtype=np.float64).ravel()
        mu = math.fsum(row) / d
        dev = row - mu
        var = math.fsum(dev * dev) / d
        rstd = 1.0 / math.sqrt(var + eps)
        means[idx] = mu
        rstds[idx] = rstd
        y = dev * rstd * g64 + b64
        out[idx] = y.reshape(norm_shape)

    cache = {
        "x": np.array(x, copy=True),
        "gamma": np.array(gamma, copy=True),
        "beta_dtype": beta.dtype,
        "mean": means,
        "rstd": rstds,
        "k": k,
    }
    return out, cache


def layer_norm_backward(
    dout: np.ndarray, cache: Cache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = cache["x"]
    gamma = cache["gamma"]
    k = cache["k"]
    dout = np.asarray(dout)
    if dout.shape != x.shape:
        raise ValueError(f"dout shape {dout.shape} does not match x shape {x.shape}")
    batch_shape = x.shape[: x.ndim - k]
    norm_shape = x.shape[x.ndim - k :]
    d = int(np.prod(norm_shape, dtype=np.int64))
    g64 = gamma.astype(np.float64).ravel()

    dx = np.empty(x.shape, dtype=_out_dtype(x.dtype))
    dgamma = np.zeros(d, dtype=np.float64)
    dbeta = np.zeros(d, dtype=np.float64)

    for idx in np.ndindex(*batch_shape):
        row = np.asarray(x[idx], dtype=np.float64).ravel()
        dy = np.asarray(dout[idx], dtype=np.float64).ravel()
        mu = cache["mean"][idx]
        rstd = cache["rstd"][idx]
        xhat = (row - mu) * rstd
        dgamma += dy * xhat
        dbeta += dy
        g = dy * g64
        mean_g = math.fsum(g) / d
        mean_gx = math.fsum(g * xhat) / d
        dx[idx] = (rstd * (g - mean_g - xhat * mean_gx)).reshape(norm_shape)

    return (
        dx,
        dgamma.reshape(gamma.shape).astype(gamma.dtype),
        dbeta.reshape(gamma.shape).astype(cache["beta_dtype"]),
    )
