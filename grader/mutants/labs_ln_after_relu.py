"""The LayerNorm after the ReLU instead of between the Linear and the ReLU."""

GROUP = "labs"
HINT = "labs-ln-placement"
PATCH = [
    (
        "            if layer_norm:\n                layers.append(norm_cls(width))\n            layers.append(nn.ReLU())\n",
        "            layers.append(nn.ReLU())\n            if layer_norm:\n                layers.append(norm_cls(width))\n",
    ),
]
