"""Covariate shift, seen through activation statistics: a deep MLP with and without LayerNorm.

Provided: you do not edit this; the grader uses the kit's copy. It runs YOUR code: activation_stats
from exercises/histograms.py and, once you have written it, LayerNorm from
exercises/layer_norm_torch.py (until then it says so and borrows torch.nn.LayerNorm).

    python -m exercises.covariate_demo [--steps 100] [--depth 8] [--out covariate_shift.png]

What it asks. Every layer of a deep network learns on the outputs of the layers below it, and those
outputs keep changing while the lower layers learn: each layer's input distribution drifts ("internal
covariate shift", Ioffe & Szegedy 2015; the lecture "Module 1.3: Understanding Distributions in Neural
Networks"). The demo trains the same deep ReLU MLP on MNIST twice, plain and with a LayerNorm after every
Linear layer, and every few steps measures the mean and std of every layer's output on one fixed batch
(your activation_stats). Before you run it, predict: which layers' statistics drift over the steps, in
which direction, and how far? What does a LayerNorm after every Linear layer hand the next layer, and
what is left for its learned gain and shift to change? Then read the figure against your prediction.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import torch
from torch import nn

from exercises.mnist import mnist_arrays, mnist_subset

__all__ = ["covariate_shift", "deep_mlp", "learner_layer_norm", "plot_activation_history"]


def learner_layer_norm() -> type[nn.Module]:
    """Your LayerNorm class (exercises/layer_norm_torch.py) if it runs; else torch.nn.LayerNorm."""
    try:
        from exercises.layer_norm_torch import LayerNorm

        LayerNorm(4)(torch.zeros(2, 4))  # a stub raises NotImplementedError("Exercise ...")
        return LayerNorm
    except (ImportError, AttributeError, NotImplementedError) as exc:
        why = str(exc) or type(exc).__name__
        print(
            f"covariate_demo: your LayerNorm in exercises/layer_norm_torch.py is not ready yet "
            f"({why}); using torch.nn.LayerNorm for now.",
            file=sys.stderr,
        )
        return nn.LayerNorm


def deep_mlp(
    depth: int = 8,
    width: int = 64,
    in_features: int = 784,
    num_classes: int = 10,
    layer_norm_cls: type[nn.Module] | None = None,
) -> nn.Sequential:
    """depth x (Linear -> [LayerNorm] -> ReLU), then Linear -> LogSoftmax: an nn.Sequential.

    Linear weights get He (Kaiming) normal init and zero biases, so that the plain network trains
    too: with PyTorch's default init, eight ReLU layers shrink the signal until it barely learns.
    """
    layers: list[nn.Module] = []
    d = in_features
    for _ in range(depth):
        layers.append(nn.Linear(d, width))
        if layer_norm_cls is not None:
            layers.append(layer_norm_cls(width))
        layers.append(nn.ReLU())
        d = width
    layers += [nn.Linear(d, num_classes), nn.LogSoftmax(dim=1)]
    model = nn.Sequential(*layers)
    for module in model.modules():
        if isinstance(module, nn.Linear):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            nn.init.zeros_(module.bias)
    return model


def covariate_shift(
    steps: int = 100,
    depth: int = 8,
    width: int = 64,
    lr: float = 0.02,
    every: int = 5,
    batch_size: int = 64,
    seed: int = 0,
    hist: ModuleType | None = None,
    layer_norm_cls: type[nn.Module] | None = None,
    digits: int | None = None,
) -> dict[str, dict[str, Any]]:
    """Train deep_mlp plain and with LayerNorm; every ``every`` steps, record activation_stats.

    Returns {"plain": h, "layer_norm": h}, each h a dict with
      "steps" (T,) the step of each measurement (0, every, ..., steps),
      "names" [L] module names, "kinds" [L] their class names ("Linear" / "LayerNorm"),
      "mean" and "std" (T, L) arrays: activation_stats on one fixed batch of 512 digits.
    ``hist`` is the module whose activation_stats is used (default: your exercises.histograms);
    ``layer_norm_cls`` the LayerNorm class (default: yours, see learner_layer_norm).
    ``digits``: train and measure on only that many of the bundled digits (mnist_subset's, drawn with
    ``seed``; at least 512, the measured batch) for a quick run; default all 5,000.
    """
    hist = hist or importlib.import_module("exercises.histograms")
    layer_norm_cls = layer_norm_cls or learner_layer_norm()
    if digits is not None and digits < 512:
        raise ValueError(f"digits must be at least 512 (the measured batch), got {digits}")
    images, labels = mnist_arrays() if digits is None else mnist_subset(digits, seed=seed)
    X, y = torch.from_numpy(images), torch.from_numpy(labels)
    probe = X[np.random.default_rng(seed).choice(len(X), 512, replace=False)]
    results: dict[str, dict[str, Any]] = {}
    for variant, norm in (("plain", None), ("layer_norm", layer_norm_cls)):
        torch.manual_seed(seed)
        model = deep_mlp(depth, width, layer_norm_cls=norm)
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        batches = torch.Generator().manual_seed(seed)
        measured: list[int] = []
        rows: list[dict[str, tuple[float, float]]] = []
        for step in range(steps + 1):
            if step % every == 0 or step == steps:
                measured.append(step)
                rows.append(hist.activation_stats(model, probe))
            if step == steps:
                break
            idx = torch.randint(0, len(X), (batch_size,), generator=batches)
            loss = nn.functional.nll_loss(model(X[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        names = list(rows[0])
        kinds = dict(model.named_modules())
        results[variant] = {
            "steps": np.array(measured),
            "names": names,
            "kinds": [type(kinds[n]).__name__ if n in kinds else "?" for n in names],
            "mean": np.array([[r[n][0] for n in names] for r in rows]),
            "std": np.array([[r[n][1] for n in names] for r in rows]),
        }
    return results


def plot_activation_history(history: dict[str, dict[str, Any]]):
    """A 2 x 2 Figure: rows plain / with LayerNorm, columns mean / std of every layer over steps.

    One line per layer, coloured by depth (dark: first layers, yellow: last); LayerNorm outputs are
    dashed. Returns the Figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib import cm

    variants = [v for v in ("plain", "layer_norm") if v in history]
    fig, axes = plt.subplots(
        len(variants),
        2,
        layout="constrained",
        figsize=(11, 3.4 * len(variants)),
        squeeze=False,
        sharey="col",
    )
    titles = {"plain": "plain MLP", "layer_norm": "MLP with LayerNorm"}
    for row, variant in zip(axes, variants, strict=True):
        h = history[variant]
        n = len(h["names"])
        for j, (name, kind) in enumerate(zip(h["names"], h["kinds"], strict=True)):
            style = {
                "color": cm.viridis(j / max(n - 1, 1)),
                "ls": "--" if kind == "LayerNorm" else "-",
            }
            label = f"{name} ({kind})"
            row[0].plot(h["steps"], h["mean"][:, j], label=label, **style)
            row[1].plot(h["steps"], h["std"][:, j], label=label, **style)
        row[0].set_title(f"{titles[variant]}: activation mean per layer")
        row[1].set_title(f"{titles[variant]}: activation std per layer")
        row[1].set_yscale("log")
        for ax in row:
            ax.set_xlabel("training step")
    axes[0, 1].legend(fontsize=6, ncol=2, loc="best")
    if len(variants) > 1:
        axes[1, 1].legend(fontsize=6, ncol=2, loc="best")
    return fig


def _summary(history: dict[str, dict[str, Any]]) -> str:
    lines = []
    for variant, h in history.items():
        lines.append(f"{variant}: std of each layer's output, first -> last measurement")
        for j, (name, kind) in enumerate(zip(h["names"], h["kinds"], strict=True)):
            lines.append(f"  {name:>4} {kind:<10} {h['std'][0, j]:9.4f} -> {h['std'][-1, j]:9.4f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m exercises.covariate_demo",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument("--every", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("covariate_shift.png"))
    parser.add_argument(
        "--impl",
        default="exercises",
        help="the package whose activation_stats and LayerNorm run: exercises (yours, the default)",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # networks this small train fastest on one thread
    hist = importlib.import_module(f"{args.impl}.histograms")
    norm = None
    if args.impl != "exercises":
        try:
            norm = importlib.import_module(f"{args.impl}.layer_norm_torch").LayerNorm
        except (ImportError, AttributeError):
            print(
                f"covariate_demo: no {args.impl}/layer_norm_torch.py yet; using torch.nn.LayerNorm",
                file=sys.stderr,
            )
            norm = nn.LayerNorm
    import matplotlib

    matplotlib.use("Agg")
    history = covariate_shift(
        steps=args.steps, depth=args.depth, every=args.every, hist=hist, layer_norm_cls=norm
    )
    print(_summary(history))
    fig = plot_activation_history(history)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=120)
    print(f"saved {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
