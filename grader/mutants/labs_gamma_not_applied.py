"""make_ln_net never sets the LayerNorm's gain: it stays 1."""

GROUP = "labs"
HINT = "labs-gamma-not-applied"
PATCH = [
    (
        "        net.norm.weight.fill_(gamma_init)\n",
        "",
    ),
]
