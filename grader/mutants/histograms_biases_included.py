"""Counts every parameter, biases included, instead of the weights only."""

GROUP = "histograms"
HINT = "hist-biases-included"
PATCH = [
    (
        '        for name, p in model.named_parameters()\n        if "weight" in name\n',
        "        for name, p in model.named_parameters()\n",
    )
]
