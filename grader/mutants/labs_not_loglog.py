"""The eps plot on linear axes."""

GROUP = "labs"
HINT = "labs-not-loglog"
PATCH = [('    ax.set_xscale("log")\n    ax.set_yscale("log")\n', "")]
