"""The slope fitted to the values, not to their logarithms."""

GROUP = "labs"
HINT = "labs-slope-not-loglog"
PATCH = [
    (
        "    lx = np.log(np.asarray(x, dtype=np.float64))\n    ly = np.log(np.asarray(y, dtype=np.float64))\n",
        "    lx = np.asarray(x, dtype=np.float64)\n    ly = np.asarray(y, dtype=np.float64)\n",
    ),
]
