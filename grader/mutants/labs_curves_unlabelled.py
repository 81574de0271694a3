"""Loss curves drawn without labels: the legend cannot tell the gammas apart."""

GROUP = "labs"
HINT = "labs-curves-unlabelled"
PATCH = [
    (
        "        ax.plot(np.arange(len(losses)), losses, label=label)\n",
        "        ax.plot(np.arange(len(losses)), losses)\n",
    )
]
