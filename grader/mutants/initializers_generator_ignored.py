"""The generator is never passed on: every draw comes from the global random state."""

GROUP = "initializers"
HINT = "init-generator-ignored"
PATCH = [
    (
        "return tensor.uniform_(a, b, generator=generator)",
        "return tensor.uniform_(a, b)",
    ),
    (
        "return tensor.normal_(mean, std, generator=generator)",
        "return tensor.normal_(mean, std)",
    ),
    (
        "keys = torch.rand((rows, cols), generator=generator, device=tensor.device)",
        "keys = torch.rand((rows, cols), device=tensor.device)",
    ),
]
