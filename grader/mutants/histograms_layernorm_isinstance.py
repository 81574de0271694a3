"""Matches LayerNorm with isinstance(m, nn.LayerNorm), missing the kit's own LayerNorm class."""

GROUP = "histograms"
HINT = "hist-layernorm-kit"
PATCH = [
    (
        '        if isinstance(module, nn.Linear) or type(module).__name__ == "LayerNorm"\n',
        "        if isinstance(module, (nn.Linear, nn.LayerNorm))\n",
    )
]
