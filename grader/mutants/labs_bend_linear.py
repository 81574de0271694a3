"""The bend interpolated on linear axes (eps against value), not on log-log axes."""

GROUP = "labs"
HINT = "labs-bend-linear"
PATCH = [
    (
        "    t = (np.log(target) - np.log(v[k - 1])) / (np.log(v[k]) - np.log(v[k - 1]))\n    return float(np.exp((1.0 - t) * np.log(eps[k - 1]) + t * np.log(eps[k])))\n",
        "    t = (target - v[k - 1]) / (v[k] - v[k - 1])\n    return float((1.0 - t) * eps[k - 1] + t * eps[k])\n",
    ),
]
