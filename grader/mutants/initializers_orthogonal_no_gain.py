"""orthogonal_ ignores its gain: W^T W = I whatever the gain."""

GROUP = "initializers"
HINT = "init-orth-gain"
PATCH = [
    (
        "tensor.copy_(gain * q.reshape(tensor.shape))",
        "tensor.copy_(q.reshape(tensor.shape))",
    )
]
