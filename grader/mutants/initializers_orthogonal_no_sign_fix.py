"""orthogonal_ without the sign fix: Q straight from QR, so it is not uniformly distributed."""

GROUP = "initializers"
HINT = "init-orth-sign"
PATCH = [
    (
        "q = q * torch.where(d < 0, -torch.ones_like(d), torch.ones_like(d))  # the sign fix",
        "q = q  # no sign fix",
    )
]
