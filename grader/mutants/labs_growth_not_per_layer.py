"""The total change from the first value to the last, not a factor per layer."""

GROUP = "labs"
HINT = "labs-growth-not-per-layer"
PATCH = [
    (
        "    return float(np.exp(np.mean(np.diff(np.log(v)))))\n",
        "    return float(np.exp(np.sum(np.diff(np.log(v)))))\n",
    ),
]
