"""The bottom row of plot_distributions shows the raw values again."""

GROUP = "labs"
HINT = "labs-bottom-not-normalized"
PATCH = [("        axes[1, j].hist(np.ravel(y),", "        axes[1, j].hist(np.ravel(x),")]
