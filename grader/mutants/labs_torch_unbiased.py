"""torch's x.var() left unbiased (divides by D - 1)."""

GROUP = "labs"
HINT = "labs-torch-unbiased"
PATCH = [
    (
        "    var = x.var(dim=-1, keepdim=True, unbiased=False)\n",
        "    var = x.var(dim=-1, keepdim=True)\n",
    )
]
