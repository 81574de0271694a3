"""make_ln_net ignores its seed: every net starts from the weights of seed 0."""

GROUP = "labs"
HINT = "labs-net-seed-ignored"
PATCH = [
    (
        "    torch.manual_seed(seed)\n\n    class LNNet",
        "    torch.manual_seed(0)\n\n    class LNNet",
    )
]
