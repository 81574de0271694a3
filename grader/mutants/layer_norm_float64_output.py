"""Computes in float64 and forgets to cast the result back to x's dtype."""

GROUP = "layer_norm"
HINT = "ln-float64-output"
PATCH = [
    ("compute = np.promote_types(out_dtype, np.float32)", "compute = np.dtype(np.float64)"),
    (").astype(\n        out_dtype, copy=False\n    )", ")"),
]
