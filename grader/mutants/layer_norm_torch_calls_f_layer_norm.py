"""forward calls torch.nn.functional.layer_norm instead of computing the normalization."""

GROUP = "layer_norm_torch"
HINT = "lnt-forbidden-api"
PATCH = [
    (
        "return out.reshape(x.shape).to(x.dtype)",
        "return torch.nn.functional.layer_norm(x, shape, weight, bias, eps)",
    )
]
