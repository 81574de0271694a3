"""Returns all num_bins + 1 bin edges as histx instead of the num_bins bin centres."""

GROUP = "histograms"
HINT = "hist-edges-not-centres"
PATCH = [
    (
        "    histx = (edges[:-1] + edges[1:]) / 2\n    return histx, histy\n",
        "    histx = edges\n    return histx, histy\n",
    )
]
