"""fan_in and fan_out swapped: fan_in taken from size(0) (the outputs) instead of size(1)."""

GROUP = "initializers"
HINT = "init-fan-swap"
PATCH = [("    return fan_in, fan_out\n", "    return fan_out, fan_in\n")]
