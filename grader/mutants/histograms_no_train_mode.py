"""Never calls model.train(): from the second epoch on, training runs in eval mode."""

GROUP = "histograms"
HINT = "hist-no-train-mode"
PATCH = [
    ("        tracker.record(model)\n        model.train()\n", "        tracker.record(model)\n")
]
