"""dx without the path through the variance (no - xhat * mean(dxhat * xhat) term)."""

GROUP = "layer_norm_torch"
HINT = "lnt-dx-no-var-term"
PATCH = [
    ("            dx.addcmul_(xhat, mean_dxhat_xhat, value=-1)  # path through the variance\n", "")
]
