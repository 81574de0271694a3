"""dweight and dbias averaged over the samples instead of summed."""

GROUP = "layer_norm_torch"
HINT = "lnt-dweight-not-summed"
PATCH = [("ones = g.new_ones(g.shape[0])", "ones = g.new_full((g.shape[0],), 1 / g.shape[0])")]
