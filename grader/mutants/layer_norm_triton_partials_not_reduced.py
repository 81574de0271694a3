"""dweight/dbias: only the first program's partial sums are kept (the partials are not reduced)."""

GROUP = "layer_norm_triton"
HINT = "tri-partials-not-reduced"
PATCH = [("for g in range(0, G):", "for g in range(0, 1):")]
