"""TritonLayerNorm ignores the eps it was built with: forward always normalizes with eps = 1e-5."""

GROUP = "layer_norm_triton"
HINT = "tri-eps-ignored"
PATCH = [
    (
        "        return LayerNormTritonFunction.apply(x, self.weight, self.bias, self.eps)",
        "        return LayerNormTritonFunction.apply(x, self.weight, self.bias, 1e-5)",
    )
]
