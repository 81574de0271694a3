"""The overlay returns the Axes instead of the Figure."""

GROUP = "histograms"
HINT = "hist-returns-axes"
PATCH = [
    (
        '    ax.set_title("Weight histograms by epoch (blue: early, red: late)")\n    return fig\n',
        '    ax.set_title("Weight histograms by epoch (blue: early, red: late)")\n    return ax\n',
    )
]
