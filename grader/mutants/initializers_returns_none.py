"""uniform_, normal_ and constant_ fill the tensor but return None (and so do the initializers using them)."""

GROUP = "initializers"
HINT = "init-return-tensor"
PATCH = [
    (
        "return tensor.uniform_(a, b, generator=generator)",
        "tensor.uniform_(a, b, generator=generator)",
    ),
    (
        "return tensor.normal_(mean, std, generator=generator)",
        "tensor.normal_(mean, std, generator=generator)",
    ),
    ("return tensor.fill_(val)", "tensor.fill_(val)"),
]
