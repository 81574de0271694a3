"""Unbiased variance: divided by N - 1 instead of N."""

GROUP = "layer_norm_torch"
HINT = "lnt-unbiased-var"
PATCH = [(".square() / shape.numel()", ".square() / (shape.numel() - 1)")]
