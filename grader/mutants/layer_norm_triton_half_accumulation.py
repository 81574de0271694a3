"""The forward's statistics are accumulated in x's dtype (float16/bfloat16) instead of float32."""

GROUP = "layer_norm_triton"
HINT = "tri-half-accumulation"
PATCH = [
    (
        "Y += row * stride_y\n    acc_t = Mean.dtype.element_ty",
        "Y += row * stride_y\n    acc_t = X.dtype.element_ty",
    )
]
