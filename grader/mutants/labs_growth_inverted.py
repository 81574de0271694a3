"""The factor inverted: each value over the one after it."""

GROUP = "labs"
HINT = "labs-growth-inverted"
PATCH = [
    (
        "    return float(np.exp(np.mean(np.diff(np.log(v)))))\n",
        "    return float(np.exp(-np.mean(np.diff(np.log(v)))))\n",
    ),
]
