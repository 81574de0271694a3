"""LayerNorm without weight passes x unflattened: only the last dim of normalized_shape is normalized."""

GROUP = "layer_norm_torch"
HINT = "lnt-module-no-flatten"
PATCH = [
    (
        "LayerNormFunction.apply(x.flatten(-k), None, self.bias, self.eps)",
        "LayerNormFunction.apply(x, None, self.bias, self.eps)",
    )
]
