"""sparse_ rounds the number of zeros per column down: floor(sparsity * rows)."""

GROUP = "initializers"
HINT = "init-sparse-floor"
PATCH = [("math.ceil(sparsity * rows)", "math.floor(sparsity * rows)")]
