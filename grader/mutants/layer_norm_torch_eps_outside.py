"""eps added outside the square root: 1 / (sqrt(var) + eps)."""

GROUP = "layer_norm_torch"
HINT = "lnt-eps-outside"
PATCH = [("rstd = torch.rsqrt(var + eps)", "rstd = 1 / (var.sqrt() + eps)")]
