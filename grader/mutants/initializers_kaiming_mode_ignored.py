"""Kaiming's mode ignored: fan_in is used even when mode="fan_out"."""

GROUP = "initializers"
HINT = "init-kaiming-mode"
PATCH = [('    return fan_in if mode == "fan_in" else fan_out\n', "    return fan_in\n")]
