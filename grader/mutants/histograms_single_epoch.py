"""Colours with i / (n - 1) and no guard: a single epoch divides by zero."""

GROUP = "histograms"
HINT = "hist-single-epoch"
PATCH = [("color=cm.coolwarm(i / (n - 1) if n > 1 else 0.0)", "color=cm.coolwarm(i / (n - 1))")]
