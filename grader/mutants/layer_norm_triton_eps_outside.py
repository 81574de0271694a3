"""eps added outside the square root: 1 / (sqrt(var) + eps)."""

GROUP = "layer_norm_triton"
HINT = "tri-eps-outside"
PATCH = [("rstd = 1 / tl.sqrt(var + eps)", "rstd = 1 / (tl.sqrt(var) + eps)")]
