"""Drops weights equal to max_val (a half-open last bin, as manual floor((w - min) / width) binning)."""

GROUP = "histograms"
HINT = "hist-last-bin-open"
PATCH = [
    (
        "    values = torch.cat(weights).numpy() if weights else np.zeros(0)\n",
        "    values = torch.cat(weights).numpy() if weights else np.zeros(0)\n"
        "    values = values[values < max_val]\n",
    )
]
