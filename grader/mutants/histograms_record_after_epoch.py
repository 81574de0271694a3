"""Records each epoch's histogram after training it instead of at its start."""

GROUP = "histograms"
HINT = "hist-record-after-epoch"
PATCH = [
    (
        "    for _ in range(num_epochs):\n        tracker.record(model)\n        model.train()\n",
        "    for _ in range(num_epochs):\n        model.train()\n",
    ),
    (
        "        test_accs.append(torch.stack(batch_accs).mean().item())\n",
        "        test_accs.append(torch.stack(batch_accs).mean().item())\n        tracker.record(model)\n",
    ),
]
