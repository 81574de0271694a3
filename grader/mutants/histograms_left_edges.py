"""Returns the left bin edges as histx instead of the bin centres."""

GROUP = "histograms"
HINT = "hist-left-edges"
PATCH = [
    (
        "    histx = (edges[:-1] + edges[1:]) / 2\n    return histx, histy\n",
        "    histx = edges[:-1]\n    return histx, histy\n",
    )
]
