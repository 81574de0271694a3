"""Registers forward hooks and never removes them."""

GROUP = "histograms"
HINT = "hist-hooks-left"
PATCH = [("        for handle in handles:\n            handle.remove()\n", "        pass\n")]
