"""Accuracy as the number of correct answers per batch instead of the fraction."""

GROUP = "histograms"
HINT = "hist-acc-count"
PATCH = [
    (
        "            batch_accs.append((logp.argmax(dim=1) == y).float().mean().detach())\n",
        "            batch_accs.append((logp.argmax(dim=1) == y).float().sum().detach())\n",
    ),
    (
        "                (model(X.to(device)).argmax(dim=1) == y.to(device)).float().mean()\n",
        "                (model(X.to(device)).argmax(dim=1) == y.to(device)).float().sum()\n",
    ),
]
