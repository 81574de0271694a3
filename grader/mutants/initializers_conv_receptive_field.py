"""The receptive field of a Conv weight ignored: fans from size(1) and size(0) alone."""

GROUP = "initializers"
HINT = "init-receptive-field"
PATCH = [("receptive_field = math.prod(tensor.shape[2:])", "receptive_field = 1")]
