"""The seed lecture (weight histograms over MNIST training), end to end, with the kit's references.

    python examples/seed_lecture.py [--epochs 30] [--lr 0.01] [--out examples/figures] [--impl solutions]

Trains the lecture's 784-64-32-10 network (exercises/mnist.py: MNIST_FFN) on the bundled 5,000 digits
(load_mnist: 90/10 split, batches of 32) with SGD and NLLLoss, records a 100-bin histogram of all
weights on -0.8..0.8 at the start of every epoch, prints the accuracies, and saves the lecture's two
figures: weight_histograms_overlay.png (one line per epoch, blue to red) and
weight_histograms_heatmap.png (epochs x weight values, colour = count). ``--impl exercises`` runs
your own functions instead of the references.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: the kit's packages live in ROOT
    sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python examples/seed_lecture.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--epochs", type=int, default=30, help="epochs to train (default 30)")
    parser.add_argument(
        "--lr", type=float, default=0.01, help="SGD learning rate (the seed's 0.01)"
    )
    parser.add_argument("--seed", type=int, default=0, help="model init, split and batch order")
    parser.add_argument("--out", type=Path, default=ROOT / "examples" / "figures")
    parser.add_argument("--impl", default="solutions", help="solutions (default) or exercises")
    args = parser.parse_args(argv)

    os.environ.setdefault("MPLBACKEND", "Agg")
    import torch

    from exercises.mnist import MNIST_FFN, load_mnist

    torch.set_num_threads(1)  # a network this small trains fastest on one thread
    hist = importlib.import_module(f"{args.impl}.histograms")
    train_loader, test_loader = load_mnist(batch_size=32, seed=args.seed)
    torch.manual_seed(args.seed)
    model = MNIST_FFN()
    start = time.perf_counter()
    histx, histy, train_accs, test_accs = hist.train_and_track_weights(
        model, train_loader, test_loader, num_epochs=args.epochs, lr=args.lr
    )
    seconds = time.perf_counter() - start
    print(f"{args.epochs} epochs, lr={args.lr}, {seconds:.1f} s ({args.impl}.histograms)")
    print("epoch  train acc  test acc")
    for epoch, (a, b) in enumerate(zip(train_accs, test_accs, strict=True)):
        print(f"{epoch:5d}  {100 * a:8.2f}%  {100 * b:7.2f}%")

    args.out.mkdir(parents=True, exist_ok=True)
    fig = hist.plot_histogram_overlay(histx, histy)
    fig.savefig(args.out / "weight_histograms_overlay.png", dpi=110, bbox_inches="tight")
    fig = hist.plot_histogram_heatmap(histx, histy)
    fig.savefig(args.out / "weight_histograms_heatmap.png", dpi=110, bbox_inches="tight")
    print(f"saved {args.out / 'weight_histograms_overlay.png'} and weight_histograms_heatmap.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
