"""Statistics over the batch axis (batch norm) instead of over each sample's features."""

GROUP = "layer_norm"
HINT = "ln-wrong-axis"
PATCH = [
    (
        "    axes = tuple(range(x.ndim - k, x.ndim))\n    xc =",
        "    axes = tuple(range(x.ndim - k))\n    xc =",
    )
]
