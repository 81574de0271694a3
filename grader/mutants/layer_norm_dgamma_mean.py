"""dgamma and dbeta averaged over the batch instead of summed."""

GROUP = "layer_norm"
HINT = "ln-dgamma-not-summed"
PATCH = [
    ("dbeta = d.sum(axis=batch_axes)", "dbeta = d.mean(axis=batch_axes)"),
    ("dgamma = (d * xhat).sum(axis=batch_axes)", "dgamma = (d * xhat).mean(axis=batch_axes)"),
]
