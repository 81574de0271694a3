"""Cleans up by clearing every module's forward-hook dict, the caller's hooks included."""

GROUP = "histograms"
HINT = "hist-caller-hooks-removed"
PATCH = [
    (
        "        for handle in handles:\n            handle.remove()\n",
        "        for module in model.modules():\n            module._forward_hooks.clear()\n",
    )
]
