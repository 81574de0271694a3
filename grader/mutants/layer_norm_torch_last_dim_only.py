"""Statistics over the last dim only, even when weight has several dims (C, H, W)."""

GROUP = "layer_norm_torch"
HINT = "lnt-last-dim-only"
PATCH = [
    ("dims = tuple(range(1, k + 1))", "dims = (k,)"),
    (".square() / shape.numel()", ".square() / shape[-1]"),
]
