"""dx without the path through the variance."""

GROUP = "layer_norm"
HINT = "ln-dx-no-var-term"
PATCH = [("        - xhat * (dxhat * xhat).mean(axis=axes, keepdims=True)\n", "")]
