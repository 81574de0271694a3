"""In-place fills done outside torch.no_grad(): an nn.Parameter (requires grad) raises."""

GROUP = "initializers"
HINT = "init-no-grad"
PATCH = [
    (
        "    with torch.no_grad():\n        return tensor.uniform_(",
        "    if True:\n        return tensor.uniform_(",
    ),
    (
        "    with torch.no_grad():\n        return tensor.normal_(",
        "    if True:\n        return tensor.normal_(",
    ),
    (
        "    with torch.no_grad():\n        return tensor.fill_(",
        "    if True:\n        return tensor.fill_(",
    ),
    (
        "    with torch.no_grad():\n        flattened = torch.empty(",
        "    if True:\n        flattened = torch.empty(",
    ),
    (
        "    with torch.no_grad():\n        normal_(tensor, 0.0, std, generator)",
        "    if True:\n        normal_(tensor, 0.0, std, generator)",
    ),
]
