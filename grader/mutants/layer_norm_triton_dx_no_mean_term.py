"""dx misses the path through the mean (the c2 = mean(dxhat) term)."""

GROUP = "layer_norm_triton"
HINT = "tri-dx-terms"
PATCH = [("dx = (dy - (xhat * c1 + c2)) * rstd", "dx = (dy - xhat * c1) * rstd")]
