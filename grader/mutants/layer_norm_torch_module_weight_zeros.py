"""LayerNorm's weight initialized to zeros instead of ones."""

GROUP = "layer_norm_torch"
HINT = "lnt-module-init"
PATCH = [("nn.init.ones_(self.weight)", "nn.init.zeros_(self.weight)")]
