"""make_optimizer builds the optimizer without its weight decay."""

GROUP = "labs"
HINT = "labs-weight-decay-ignored"
PATCH = [
    (
        "    return classes[name](model.parameters(), lr=lr, weight_decay=weight_decay)\n",
        "    return classes[name](model.parameters(), lr=lr)\n",
    ),
]
