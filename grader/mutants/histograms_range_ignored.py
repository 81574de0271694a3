"""Bins over the weights' own min and max: range=(min_val, max_val) not passed to np.histogram."""

GROUP = "histograms"
HINT = "hist-range-ignored"
PATCH = [
    (
        "    histy, edges = np.histogram(values, bins=num_bins, range=(min_val, max_val))\n",
        "    histy, edges = np.histogram(values, bins=num_bins)\n",
    )
]
