"""Normalizes over axis=-1 only, ignoring a multi-dimensional normalized_shape."""

GROUP = "layer_norm"
HINT = "ln-last-axis-only"
PATCH = [
    ("    axes = tuple(range(x.ndim - k, x.ndim))\n    xc =", "    axes = (x.ndim - 1,)\n    xc =")
]
