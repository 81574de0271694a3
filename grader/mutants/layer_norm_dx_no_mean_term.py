"""dx without the path through the mean."""

GROUP = "layer_norm"
HINT = "ln-dx-no-mean-term"
PATCH = [("        - dxhat.mean(axis=axes, keepdims=True)\n", "")]
