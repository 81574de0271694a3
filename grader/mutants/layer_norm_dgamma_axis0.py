"""dgamma and dbeta summed over axis 0 only (wrong for (N, T, D) inputs)."""

GROUP = "layer_norm"
HINT = "ln-dgamma-not-summed"
PATCH = [("    batch_axes = tuple(range(xhat.ndim - gamma.ndim))\n", "    batch_axes = (0,)\n")]
