"""The mean divides the row's sum by BLOCK_SIZE instead of N."""

GROUP = "layer_norm_triton"
HINT = "tri-divide-by-block"
PATCH = [("mean = tl.sum(acc, axis=0) / N", "mean = tl.sum(acc, axis=0) / BLOCK_SIZE")]
