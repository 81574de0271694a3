"""The seed is not used: a fresh unseeded generator on every call."""

GROUP = "labs"
HINT = "labs-seed-ignored"
PATCH = [
    (
        "    rng = np.random.default_rng(seed)\n    shape",
        "    rng = np.random.default_rng()\n    shape",
    )
]
