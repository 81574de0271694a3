"""Overlay colours run red (early) to blue (late)."""

GROUP = "histograms"
HINT = "hist-colours-reversed"
PATCH = [
    (
        "color=cm.coolwarm(i / (n - 1) if n > 1 else 0.0)",
        "color=cm.coolwarm(1 - i / (n - 1) if n > 1 else 0.0)",
    )
]
