"""The first snapshot taken after the first step, not before it."""

GROUP = "labs"
HINT = "labs-snapshot-late"
PATCH = [
    (
        "    snapshot()\n    batches = iter(train_loader)\n",
        "    batches = iter(train_loader)\n",
    ),
    (
        "        if t % every == 0:\n            snapshot()\n",
        "        if t % every == 1 or every == 1:\n            snapshot()\n",
    ),
]
