"""Tests in training mode with gradients on: no model.eval(), no torch.no_grad()."""

GROUP = "histograms"
HINT = "hist-test-mode"
PATCH = [
    (
        "        model.eval()\n        with torch.no_grad():\n            batch_accs = [\n"
        "                (model(X.to(device)).argmax(dim=1) == y.to(device)).float().mean()\n"
        "                for X, y in test_loader\n            ]\n",
        "        batch_accs = [\n"
        "            (model(X.to(device)).argmax(dim=1) == y.to(device)).float().mean()\n"
        "            for X, y in test_loader\n        ]\n",
    )
]
