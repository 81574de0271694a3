"""Vanishing and exploding activations: what the initializers are for (provided, not graded).

Push one batch through a deep MLP (20 layers of ``width`` units, no biases, ReLU or tanh) whose weights come
from one initialization scheme, and record the std of every layer's output::

    from exercises import init_demo
    stds = init_demo.compare_schemes(activation="relu")  # uses your exercises/initializers.py
    init_demo.plot_activation_stds(stds, title="ReLU MLP, 20 layers").savefig("relu.png")

or ``python -m exercises.init_demo`` (writes init_demo_relu.png and init_demo_tanh.png); before you have written
your initializers, ``python -m exercises.init_demo --module torch.nn.init`` runs the same demo with torch's.

Before you run it, predict, then read the figure: in a ReLU network, by what factor per layer does each
scheme change the activations' std -- N(0, 1), N(0, 0.01), Xavier, Kaiming, LeCun? Which ones explode, which
vanish, which keep it, and how fast? What does ReLU do to the second moment that one scheme puts back and
another does not? With tanh, what happens to units fed by N(0, 1), and what would that do to the gradients?
Where the figure disagrees with your prediction, find the step of your reasoning that was wrong.

This module only *calls* your initializers; it works once exercises/initializers.py implements the ones a
scheme needs (``normal_``, ``xavier_normal_``, ``kaiming_normal_``, ``lecun_normal_``, ``orthogonal_``,
``calculate_gain``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from types import ModuleType

import numpy as np
import torch
from torch import Tensor

# scheme name -> fill(module, weight, activation, generator)
Fill = Callable[[ModuleType, Tensor, str, torch.Generator], Tensor]

SCHEMES: dict[str, Fill] = {
    "N(0, 1)": lambda m, w, act, g: m.normal_(w, 0.0, 1.0, generator=g),
    "N(0, 0.01)": lambda m, w, act, g: m.normal_(w, 0.0, 0.01, generator=g),
    "xavier_normal": lambda m, w, act, g: m.xavier_normal_(w, generator=g),
    "xavier_normal(gain)": lambda m, w, act, g: m.xavier_normal_(
        w, gain=m.calculate_gain(act), generator=g
    ),
    "kaiming_normal": lambda m, w, act, g: m.kaiming_normal_(w, nonlinearity=act, generator=g),
    "lecun_normal": lambda m, w, act, g: m.lecun_normal_(w, generator=g),
    "orthogonal(gain)": lambda m, w, act, g: m.orthogonal_(
        w, gain=m.calculate_gain(act), generator=g
    ),
}

ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {"relu": torch.relu, "tanh": torch.tanh}


def _module(module: ModuleType | str | None) -> ModuleType:
    if module is None:
        module = "exercises.initializers"
    return importlib.import_module(module) if isinstance(module, str) else module


def activation_stds(
    scheme: str | Fill,
    activation: str = "relu",
    *,
    depth: int = 20,
    width: int = 512,
    batch: int = 256,
    module: ModuleType | str | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Std of each layer's output in a deep MLP whose weights come from ``scheme``.

    Args:
        scheme: a name in SCHEMES, or a function fill(module, weight, activation, generator).
        activation: "relu" or "tanh" (also passed to the scheme, e.g. as Kaiming's nonlinearity).
        depth: number of layers; width: units per layer; batch: rows of the input batch.
        module: the initializers module (default: exercises.initializers; a name or a module).
        seed: seeds the input batch and the generator every weight is drawn from.

    Returns:
        float64 array of shape (depth,): entry l is the std (over the batch and the units) of the output
        of layer l + 1, after its activation. The input batch is N(0, 1).
    """
    m = _module(module)
    fill = SCHEMES[scheme] if isinstance(scheme, str) else scheme
    act = ACTIVATIONS[activation]
    generator = torch.Generator().manual_seed(seed)
    x = torch.empty(batch, width).normal_(0.0, 1.0, generator=generator)
    stds = np.empty(depth)
    with torch.no_grad():
        for layer in range(depth):
            weight = torch.empty(width, width)  # nn.Linear(width, width).weight: (out, in)
            fill(m, weight, activation, generator)
            x = act(x @ weight.T)
            stds[layer] = x.double().std().item()  # float64: an exploding std overflows float32
    return stds


def compare_schemes(
    schemes: Sequence[str] = ("N(0, 1)", "N(0, 0.01)", "xavier_normal", "kaiming_normal"),
    activation: str = "relu",
    **kwargs,
) -> dict[str, np.ndarray]:
    """{scheme: activation_stds(scheme, activation, **kwargs)} for several schemes."""
    return {name: activation_stds(name, activation, **kwargs) for name in schemes}


def plot_activation_stds(
    results: Mapping[str, np.ndarray], ax=None, title: str | None = None
):  # -> matplotlib.figure.Figure (matplotlib is imported lazily)
    """Plot the std of every layer's output per scheme (log scale); return the Figure drawn on."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(layout="constrained", figsize=(6.4, 4.0))
    else:
        fig = ax.figure
    for name, stds in results.items():
        stds = np.asarray(stds, dtype=np.float64)
        shown = np.where(stds > 0, stds, np.nan)  # a std of exactly 0 cannot be drawn on a log axis
        ax.plot(np.arange(1, len(stds) + 1), shown, marker="o", markersize=3, label=name)
    ax.set_yscale("log")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("layer")
    ax.set_ylabel("std of the layer's output")
    ax.axhline(1.0, color="grey", linewidth=0.5)
    if title:
        ax.set_title(title)
    ax.legend(fontsize="small")
    return fig


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - a convenience for learners
    import argparse

    import matplotlib

    parser = argparse.ArgumentParser(prog="python -m exercises.init_demo", description=__doc__)
    parser.add_argument(
        "--module",
        default="exercises.initializers",
        help="the initializers to use: exercises.initializers (yours, the default) or torch.nn.init "
        "(torch's own, to see the demo before you have written yours; it has no lecun_normal_)",
    )
    args = parser.parse_args(argv)
    matplotlib.use("Agg")
    m = _module(args.module)
    needs = {"lecun_normal": "lecun_normal_"}
    schemes = [s for s in SCHEMES if hasattr(m, needs.get(s, "normal_"))]
    for activation in ACTIVATIONS:
        fig = plot_activation_stds(
            compare_schemes(schemes, activation, module=m), title=f"{activation} MLP, 20 layers"
        )
        fig.savefig(f"init_demo_{activation}.png", dpi=120)
        print(f"wrote init_demo_{activation}.png")


if __name__ == "__main__":  # pragma: no cover
    main()
