"""A negative slope of 0 treated as "no slope given" (param or 0.01): leaky_relu with 0 gets slope 0.01."""

GROUP = "initializers"
HINT = "init-leaky-zero-slope"
PATCH = [("        if param is None:\n", "        if not param:\n")]
