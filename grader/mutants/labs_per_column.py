"""Statistics per feature (column, axis 0) instead of per sample (row): batch norm."""

GROUP = "labs"
HINT = "labs-per-column"
PATCH = [
    (
        "    mu = x.mean(axis=-1, keepdims=True)\n    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)\n    return np.asarray(gamma)",
        "    mu = x.mean(axis=0, keepdims=True)\n    var = ((x - mu) ** 2).mean(axis=0, keepdims=True)\n    return np.asarray(gamma)",
    )
]
