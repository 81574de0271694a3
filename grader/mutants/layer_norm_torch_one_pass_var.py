"""One-pass variance E[x^2] - E[x]^2: cancels catastrophically when |mean| >> std."""

GROUP = "layer_norm_torch"
HINT = "lnt-one-pass-var"
PATCH = [
    (
        "var = torch.linalg.vector_norm(xhat, dim=dims, keepdim=True).square() / shape.numel()",
        "var = (x2 * x2).mean(dims, keepdim=True) - mean * mean",
    )
]
