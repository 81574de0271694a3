"""eps added to the std instead of the variance: 1 / (sqrt(var) + eps) in the gradient."""

GROUP = "labs"
HINT = "labs-eps-outside"
PATCH = [
    ("        rstd = 1.0 / np.sqrt(var + eps)\n", "        rstd = 1.0 / (np.sqrt(var) + eps)\n")
]
