"""ReLU gain 2 instead of sqrt(2) (the variance factor used as a std factor)."""

GROUP = "initializers"
HINT = "init-relu-gain"
PATCH = [("        return math.sqrt(2.0)\n", "        return 2.0\n")]
