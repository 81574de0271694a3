"""Shift before scale: gamma * (xhat + beta)."""

GROUP = "layer_norm"
HINT = "ln-no-affine"
PATCH = [
    (
        "out = (xhat * gamma.astype(compute, copy=False) + beta.astype(compute, copy=False))",
        "out = ((xhat + beta.astype(compute, copy=False)) * gamma.astype(compute, copy=False))",
    )
]
