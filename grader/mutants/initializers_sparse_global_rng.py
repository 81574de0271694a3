"""sparse_ picks its zero positions from the global random state, as torch's own sparse_ does."""

GROUP = "initializers"
HINT = "init-sparse-generator"
PATCH = [
    (
        "keys = torch.rand((rows, cols), generator=generator, device=tensor.device)",
        "keys = torch.rand((rows, cols), device=tensor.device)",
    )
]
