"""Unbiased variance (ddof=1) instead of the biased one."""

GROUP = "layer_norm"
HINT = "ln-unbiased-var"
PATCH = [
    (
        "var = np.mean(xmu * xmu, axis=axes, keepdims=True)",
        "var = np.var(xc, axis=axes, keepdims=True, ddof=1)",
    )
]
