"""The mean's load has no tail mask (addresses clamped into the row instead): padding lanes are counted."""

GROUP = "layer_norm_triton"
HINT = "tri-tail-mask"
PATCH = [
    (
        "x = tl.load(X + cols, mask=cols < N, other=0.0).to(acc_t)\n        acc += x",
        "x = tl.load(X + tl.minimum(cols, N - 1)).to(acc_t)\n        acc += x",
    )
]
