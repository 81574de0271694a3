"""The heatmap ignores the ax argument and draws on a new Figure."""

GROUP = "histograms"
HINT = "hist-ax-ignored"
PATCH = [
    (
        "    fig, ax = plt.subplots(figsize=(8, 4)) if ax is None else (ax.figure, ax)\n"
        "    counts = np.asarray(histy_epochs)\n",
        "    fig, ax = plt.subplots(figsize=(8, 4))\n    counts = np.asarray(histy_epochs)\n",
    )
]
