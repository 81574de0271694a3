"""The drift not divided by the starting norm."""

GROUP = "labs"
HINT = "labs-drift-not-relative"
PATCH = [
    (
        "    return np.linalg.norm(s - s[0], axis=1) / np.linalg.norm(s[0])\n",
        "    return np.linalg.norm(s - s[0], axis=1)\n",
    ),
]
