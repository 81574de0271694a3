"""The norms of the weights' gradients (.grad), not of the gradients at the layers' outputs."""

GROUP = "labs"
HINT = "labs-grad-weights-not-outputs"
PATCH = [
    (
        "        [float(torch.linalg.vector_norm(outputs[i].grad.double())) for i in range(len(linears))]\n",
        "        [float(torch.linalg.vector_norm(linears[i].weight.grad.double())) for i in range(len(linears))]\n",
    ),
]
