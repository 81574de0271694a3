"""sparse_ zeroes ceil(sparsity * cols) entries in every row instead of ceil(sparsity * rows) per column."""

GROUP = "initializers"
HINT = "init-sparse-per-row"
PATCH = [
    ("num_zeros = math.ceil(sparsity * rows)", "num_zeros = math.ceil(sparsity * cols)"),
    (
        "        zero_rows = keys.argsort(dim=0)[:num_zeros]\n"
        "        tensor.scatter_(0, zero_rows, 0.0)\n",
        "        zero_cols = keys.argsort(dim=1)[:, :num_zeros]\n"
        "        tensor.scatter_(1, zero_cols, 0.0)\n",
    ),
]
