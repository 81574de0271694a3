"""Draws the heatmap without coordinates: its axes count the image's pixels, not weights and epochs."""

GROUP = "histograms"
HINT = "hist-heatmap-extent"
PATCH = [
    (
        "        extent=(0, counts.shape[0], histx[0] - half, histx[-1] + half),\n",
        "",
    )
]
