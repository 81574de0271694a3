"""The bend is the first grid eps at or below half, with no interpolation."""

GROUP = "labs"
HINT = "labs-bend-not-interpolated"
PATCH = [
    (
        "    k = int(below[0])\n",
        "    k = int(below[0])\n    return float(eps[k])\n",
    ),
]
