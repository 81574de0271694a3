"""Counts the weights of nn.Linear layers only, missing LayerNorm's (and any other layer's) weight."""

GROUP = "histograms"
HINT = "hist-linear-only"
PATCH = [
    (
        "        for name, p in model.named_parameters()\n",
        "        for name, p in (\n"
        "            (n, q)\n"
        "            for n, q in model.named_parameters()\n"
        "            if isinstance(model.get_submodule(n.rpartition('.')[0]), nn.Linear)\n"
        "        )\n",
    )
]
