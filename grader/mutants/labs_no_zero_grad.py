"""Gradients never zeroed: they add up over the steps."""

GROUP = "labs"
HINT = "labs-no-zero-grad"
PATCH = [
    (
        "        optimizer.zero_grad()\n        loss.backward()\n        optimizer.step()\n        losses[t]",
        "        loss.backward()\n        optimizer.step()\n        losses[t]",
    )
]
