"""Uniform initializers use the target std as the bound (the sqrt(3) is missing): U(-std, std)."""

GROUP = "initializers"
HINT = "init-uniform-bound-is-std"
PATCH = [
    (
        "bound = math.sqrt(3.0) * std  # Xavier: uniform bound from the std",
        "bound = std  # Xavier: uniform bound from the std",
    ),
    (
        "bound = math.sqrt(3.0) * std  # Kaiming: uniform bound from the std",
        "bound = std  # Kaiming: uniform bound from the std",
    ),
    (
        "bound = math.sqrt(3.0) * std  # LeCun: uniform bound from the std",
        "bound = std  # LeCun: uniform bound from the std",
    ),
]
