"""Takes the stats of nn.Linear layers only, skipping every LayerNorm."""

GROUP = "histograms"
HINT = "hist-layernorm-skipped"
PATCH = [
    (
        '        if isinstance(module, nn.Linear) or type(module).__name__ == "LayerNorm"\n',
        "        if isinstance(module, nn.Linear)\n",
    )
]
