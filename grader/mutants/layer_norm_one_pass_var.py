"""One-pass variance E[x^2] - E[x]^2, computed in the input's precision."""

GROUP = "layer_norm"
HINT = "ln-one-pass-var"
PATCH = [
    (
        "var = np.mean(xmu * xmu, axis=axes, keepdims=True)",
        "var = np.mean(xc * xc, axis=axes, keepdims=True) - mu * mu",
    )
]
