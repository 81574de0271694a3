"""dx without the path through the mean (no - mean(dxhat) term)."""

GROUP = "layer_norm_torch"
HINT = "lnt-dx-no-mean-term"
PATCH = [
    ("dx = g - mean_dxhat", "dx = g.clone()"),
    ("dx = torch.addcmul(-mean_dxhat, g, w)", "dx = g * w"),
]
