"""sample_stats over all the values pooled, not per sample and averaged."""

GROUP = "labs"
HINT = "labs-stats-pooled"
PATCH = [
    (
        "    x = np.atleast_2d(np.asarray(x, dtype=np.float64))\n    mean = x.mean(axis=-1, keepdims=True)",
        "    x = np.asarray(x, dtype=np.float64).reshape(1, -1)\n    mean = x.mean(axis=-1, keepdims=True)",
    ),
]
