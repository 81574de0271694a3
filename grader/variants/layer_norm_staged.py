"""A correct layer_norm written differently from the reference: CS231n-style staged backward.

Flattens every sample to a row of D values, always computes in float64 and casts back at the end, and backpropagates
step by step through the computational graph (dvar, then dmu) instead of the compact three-term formula.
selfcheck and `grader audit --false-fail-seeds` require full marks for it.
"""

from __future__ import annotations

import math

import numpy as np


def layer_norm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x)
    gamma = np.asarray(gamma)
    beta = np.asarray(beta)
    k = gamma.ndim
    if (
        k < 1
        or k > x.ndim
        or tuple(x.shape[x.ndim - k :]) != gamma.shape
        or beta.shape != gamma.shape
    ):
        raise ValueError(f"shape mismatch: x {x.shape} vs gamma {gamma.shape} / beta {beta.shape}")
    d = math.prod(gamma.shape)
    rows = x.reshape(-1, d).astype(np.float64)
    mu = rows.sum(axis=1, keepdims=True) / d
    centred = rows - mu
    var = (centred**2).sum(axis=1, keepdims=True) / d
    std = np.sqrt(var + eps)
    xhat = centred / std
    y = xhat * gamma.reshape(1, d).astype(np.float64) + beta.reshape(1, d).astype(np.float64)
    out_dtype = x.dtype if x.dtype.kind == "f" else np.float64
    cache = {
        "xhat": xhat,
        "std": std,
        "centred": centred,
        "gamma": gamma,
        "beta_dtype": beta.dtype,
        "shape": x.shape,
        "dtype": out_dtype,
    }
    return y.reshape(x.shape).astype(out_dtype), cache


def layer_norm_backward(dout, cache):
    shape, gamma = cache["shape"], cache["gamma"]
    d = math.prod(gamma.shape)
    dy = np.asarray(dout, dtype=np.float64).reshape(-1, d)
    xhat, std, centred = cache["xhat"], cache["std"], cache["centred"]
    dgamma = (dy * xhat).sum(axis=0).reshape(gamma.shape).astype(gamma.dtype)
    dbeta = dy.sum(axis=0).reshape(gamma.shape).astype(cache["beta_dtype"])
    dxhat = dy * gamma.reshape(1, d).astype(np.float64)
    # step by step: xhat = centred * (var + eps)^(-1/2); var = mean(centred^2); centred = x - mu
    dvar = (dxhat * centred).sum(axis=1, keepdims=True) * -0.5 * std**-3
    dcentred = dxhat / std + dvar * 2.0 * centred / d
    dmu = -dcentred.sum(axis=1, keepdims=True)
    dx = dcentred + dmu / d
    return dx.reshape(shape).astype(cache["dtype"]), dgamma, dbeta
