"""Accuracy as correct / samples over the epoch instead of the mean of per-batch accuracies."""

GROUP = "histograms"
HINT = "hist-acc-per-sample"
PATCH = [
    (
        "        model.train()\n        batch_accs = []\n",
        "        model.train()\n        batch_accs, sizes = [], []\n",
    ),
    (
        "            batch_accs.append((logp.argmax(dim=1) == y).float().mean().detach())\n"
        "        train_accs.append(torch.stack(batch_accs).mean().item())\n",
        "            batch_accs.append((logp.argmax(dim=1) == y).float().sum().detach())\n"
        "            sizes.append(len(y))\n"
        "        train_accs.append(torch.stack(batch_accs).sum().item() / sum(sizes))\n",
    ),
    (
        "                (model(X.to(device)).argmax(dim=1) == y.to(device)).float().mean()\n",
        "                (model(X.to(device)).argmax(dim=1) == y.to(device)).float().sum()\n",
    ),
    (
        "        test_accs.append(torch.stack(batch_accs).mean().item())\n",
        "        test_accs.append(torch.stack(batch_accs).sum().item() / len(test_loader.dataset))\n",
    ),
]
