"""make_ln_net never sets the LayerNorm's shift: it stays 0."""

GROUP = "labs"
HINT = "labs-beta-not-applied"
PATCH = [
    (
        "        net.norm.bias.fill_(beta_init)\n",
        "",
    ),
]
