"""np.convolve in mode "same": zero-padded windows at both ends."""

GROUP = "labs"
HINT = "labs-moving-average-padded"
PATCH = [
    (
        "    c = np.concatenate([[0.0], np.cumsum(v)])\n    return (c[window:] - c[:-window]) / window\n",
        '    return np.convolve(v, np.ones(window) / window, mode="same")\n',
    ),
]
