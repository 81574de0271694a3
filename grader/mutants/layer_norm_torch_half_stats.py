"""float16/bfloat16 inputs computed in their own precision (no float32 upcast for the statistics)."""

GROUP = "layer_norm_torch"
HINT = "lnt-half-stats"
PATCH = [("compute = torch.promote_types(x.dtype, torch.float32)", "compute = x.dtype")]
