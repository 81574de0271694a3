"""dweight and dbias averaged over the samples instead of summed."""

GROUP = "layer_norm_torch"
HINT = "lnt-dweight-not-summed"
PATCH = [
    (
        "return total + t[full:].sum(0) if full < m else total",
        "return (total + t[full:].sum(0) if full < m else total) / m",
    )
]
