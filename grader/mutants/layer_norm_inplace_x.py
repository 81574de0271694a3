"""Subtracts the mean from x in place (x -= mu), changing the caller's array."""

GROUP = "layer_norm"
HINT = "ln-inplace-x"
PATCH = [("    xmu = xc - mu\n", "    xc -= mu\n    xmu = xc\n")]
