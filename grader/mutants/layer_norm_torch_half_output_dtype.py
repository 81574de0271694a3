"""The float32 result returned for a float16/bfloat16 input (x's dtype not restored)."""

GROUP = "layer_norm_torch"
HINT = "lnt-half-output-dtype"
PATCH = [("return out.reshape(x.shape).to(x.dtype)", "return out.reshape(x.shape)")]
