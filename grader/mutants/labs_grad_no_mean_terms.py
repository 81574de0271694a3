"""The input gradient without the mean and variance terms: dx = dout / sqrt(var + eps)."""

GROUP = "labs"
HINT = "labs-grad-incomplete"
PATCH = [
    (
        "        dx = rstd * (\n            dout\n            - dout.mean(axis=-1, keepdims=True)\n            - xhat * (dout * xhat).mean(axis=-1, keepdims=True)\n        )\n",
        "        dx = rstd * dout\n",
    )
]
