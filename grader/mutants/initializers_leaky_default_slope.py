"""calculate_gain("leaky_relu") without param uses slope 0.2 (TensorFlow's default), not torch's 0.01."""

GROUP = "initializers"
HINT = "init-leaky-default-slope"
PATCH = [("            negative_slope = 0.01\n", "            negative_slope = 0.2\n")]
