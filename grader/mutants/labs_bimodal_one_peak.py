"""Bimodal means too close for two peaks: a mixture of Normal(-0.5, 1) and Normal(0.5, 1)."""

GROUP = "labs"
HINT = "labs-bimodal-one-peak"
PATCH = [
    (
        '        "bimodal": sign * 4.0 + rng.normal(0.0, 1.0, shape),\n',
        '        "bimodal": sign * 0.5 + rng.normal(0.0, 1.0, shape),\n',
    )
]
