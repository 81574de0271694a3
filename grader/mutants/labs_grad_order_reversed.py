"""The norms listed from the last layer back to the first."""

GROUP = "labs"
HINT = "labs-grad-order"
PATCH = [
    (
        "        [float(torch.linalg.vector_norm(outputs[i].grad.double())) for i in range(len(linears))]\n    )\n",
        "        [float(torch.linalg.vector_norm(outputs[i].grad.double())) for i in range(len(linears))]\n    )[::-1]\n",
    ),
]
