"""Padding lanes (loaded as 0) are not excluded from the variance: (0 - mean)**2 is summed for each."""

GROUP = "layer_norm_triton"
HINT = "tri-padding-in-variance"
PATCH = [("diff = tl.where(cols < N, x - mean, 0.0)", "diff = x - mean")]
