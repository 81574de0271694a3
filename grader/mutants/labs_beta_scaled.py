"""beta added before the scaling: gamma * (xhat + beta)."""

GROUP = "labs"
HINT = "labs-beta-scaled"
PATCH = [
    (
        "    return np.asarray(gamma) * (x - mu) / np.sqrt(var + eps) + np.asarray(beta)\n",
        "    return np.asarray(gamma) * ((x - mu) / np.sqrt(var + eps) + np.asarray(beta))\n",
    )
]
