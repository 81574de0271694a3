"""eps added outside the square root."""

GROUP = "layer_norm"
HINT = "ln-eps-outside"
PATCH = [("rstd = 1.0 / np.sqrt(var + eps)", "rstd = 1.0 / (np.sqrt(var) + eps)")]
