"""LayerNorm(bias=False) still creates a bias parameter."""

GROUP = "layer_norm_torch"
HINT = "lnt-module-bias"
PATCH = [("            if bias:\n", "            if True:  # the bias flag ignored\n")]
