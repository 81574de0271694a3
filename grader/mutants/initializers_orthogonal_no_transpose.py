"""orthogonal_ on a wide tensor: Q of the transpose reshaped into place instead of transposed back."""

GROUP = "initializers"
HINT = "init-orth-transpose"
PATCH = [("        if rows < cols:\n            q = q.T\n", "")]
