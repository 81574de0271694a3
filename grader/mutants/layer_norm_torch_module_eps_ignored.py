"""LayerNorm's forward uses eps = 1e-5 whatever eps the module was constructed with (the argument ignored)."""

GROUP = "layer_norm_torch"
HINT = "lnt-module-eps-ignored"
PATCH = [
    (
        "        return LayerNormFunction.apply(x, self.weight, self.bias, self.eps)\n",
        "        return LayerNormFunction.apply(x, self.weight, self.bias, 1e-5)  # eps ignored\n",
    )
]
