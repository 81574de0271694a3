"""layer_outputs never removes its forward hooks."""

GROUP = "labs"
HINT = "labs-hooks-left"
PATCH = [
    (
        "    try:\n        with torch.no_grad():\n            model(x)\n    finally:\n        for h in handles:\n            h.remove()\n",
        "    with torch.no_grad():\n        model(x)\n",
    ),
]
