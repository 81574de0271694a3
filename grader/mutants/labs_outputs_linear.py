"""layer_outputs records the Linear layers' outputs instead of the ReLUs'."""

GROUP = "labs"
HINT = "labs-outputs-wrong-modules"
PATCH = [
    (
        "    relus = [m for m in model.modules() if isinstance(m, nn.ReLU)]\n",
        "    relus = [m for m in model.modules() if isinstance(m, nn.Linear)]\n",
    ),
]
