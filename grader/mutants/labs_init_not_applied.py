"""make_deep_mlp never fills the weights by the scheme: torch's default init stays."""

GROUP = "labs"
HINT = "labs-init-not-applied"
PATCH = [
    (
        '    if init != "default":\n        with torch.no_grad():',
        '    if init == "never":\n        with torch.no_grad():',
    ),
]
