"""The row loop divides the variance by D - 1."""

GROUP = "labs"
HINT = "labs-unbiased-var"
PATCH = [
    (
        "        var = ((row - mu) ** 2).mean()\n",
        "        var = ((row - mu) ** 2).sum() / (row.size - 1)\n",
    )
]
