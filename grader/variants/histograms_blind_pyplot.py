"""Weight histograms -- blind learner solution, style "pyplot + manual binning".

Stylistic differences from an obvious reference:
- get_weight_histogram concatenates the weights in float64 and bins them by hand with
  np.searchsorted on the np.linspace edges plus np.bincount, reproducing np.histogram's rules
  (half-open bins, closed last bin, out-of-range values dropped);
- HistogramTracker stores its rows in a growing (records, bins) int64 ndarray (np.vstack), and
  bins through explicit edges;
- train_and_track_weights preallocates its result arrays, uses torch.nn.functional.nll_loss (the
  functional form of NLLLoss), model.zero_grad(set_to_none=True) after the forward pass, and a
  batch accuracy computed as correct / batch size in Python;
- plots use pyplot: plt.figure() + fig.add_axes([...]); the overlay draws all rows with one
  ax.plot(histx, rows.T) and recolours the lines with colours from np.linspace(0, 1, n);
- the heatmap is imshow in the (epochs, bins) orientation (weights along x, epochs up y, cells
  centred on the epoch numbers), origin="lower", aspect="auto", extent on the bin edges, and a
  PowerNorm(0.5) colour scale;
- activation_stats uses functools.partial hooks writing into a dict keyed by module name, and
  torch.std_mean (Bessel's correction, torch's default).
"""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from matplotlib import cm
from matplotlib.axes import Axes
from matplotlib.colors import PowerNorm
from matplotlib.figure import Figure
from torch import nn


def _bin(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    n = len(edges) - 1
    inside = (values >= edges[0]) & (values <= edges[-1])
    v = values[inside]
    idx = np.searchsorted(edges, v, side="right") - 1
    idx[idx == n] = n - 1  # v == max_val: the last bin is closed
    return np.bincount(idx, minlength=n).astype(np.int64)


def _weights(model: nn.Module) -> np.ndarray:
    chunks = [
        p.detach().flatten().to("cpu", torch.float64)
        for name, p in model.named_parameters()
        if "weight" in name
    ]
    if not chunks:
        return np.zeros(0, dtype=np.float64)
    return torch.cat(chunks).numpy()


def get_weight_histogram(
    model: nn.Module, num_bins: int = 100, min_val: float = -0.8, max_val: float = 0.8
) -> tuple[np.ndarray, np.ndarray]:
    edges = np.linspace(min_val, max_val, num_bins + 1)
    centres = (edges[1:] + edges[:-1]) / 2
    return centres, _bin(_weights(model), edges)


class HistogramTracker:
    def __init__(self, num_bins: int = 100, min_val: float = -0.8, max_val: float = 0.8) -> None:
        self._edges = np.linspace(min_val, max_val, num_bins + 1)
        self.centers = (self._edges[1:] + self._edges[:-1]) / 2
        self._counts = np.empty((0, num_bins), dtype=np.int64)

    def record(self, model: nn.Module) -> None:
        row = _bin(_weights(model), self._edges)
        self._counts = np.vstack([self._counts, row[None, :]])

    @property
    def counts(self) -> np.ndarray:
        return self._counts.copy()

    def __len__(self) -> int:
        """The number of records so far."""
        return len(self.counts)


def train_and_track_weights(
    model: nn.Module,
    train_loader,
    test_loader,
    num_epochs: int = 100,
    lr: float = 0.01,
    device: str | torch.device | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    if device is not None:
        model.to(device)
        target = torch.device(device)
    else:
        target = next(iter(model.parameters())).device
    opt = torch.optim.SGD(model.parameters(), lr=lr)

    histx = None
    histy_epochs = np.zeros((num_epochs, 100), dtype=np.int64)
    train_accs = np.empty(num_epochs)
    test_accs = np.empty(num_epochs)

    for epoch in range(num_epochs):
        histx, histy_epochs[epoch] = get_weight_histogram(model)

        model.train()
        accs = []
        for X, y in train_loader:
            X = X.to(target)
            y = y.to(target)
            logp = model(X)
            loss = F.nll_loss(logp, y)
            model.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            correct = (logp.argmax(dim=1) == y).sum().item()
            accs.append(correct / y.shape[0])
        train_accs[epoch] = sum(accs) / len(accs) if accs else float("nan")

        model.eval()
        with torch.no_grad():
            accs = []
            for X, y in test_loader:
                X = X.to(target)
                y = y.to(target)
                correct = (model(X).argmax(dim=1) == y).sum().item()
                accs.append(correct / y.shape[0])
        test_accs[epoch] = sum(accs) / len(accs) if accs else float("nan")

    if histx is None:
        histx, _ = get_weight_histogram(model)
    return histx, histy_epochs, train_accs, test_accs


def _fig_ax(ax: Axes | None) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.get_figure(), ax
    fig = plt.figure(figsize=(8, 4.5))
    new_ax = fig.add_axes([0.1, 0.12, 0.7, 0.8])
    return fig, new_ax


def plot_histogram_overlay(
    histx: np.ndarray, histy_epochs: np.ndarray, ax: Axes | None = None
) -> Figure:
    fig, ax = _fig_ax(ax)
    rows = np.atleast_2d(np.asarray(histy_epochs))
    n = rows.shape[0]
    if n == 0:
        return fig
    lines = ax.plot(np.asarray(histx), rows.T)
    for line, t in zip(lines, np.linspace(0.0, 1.0, n)):
        line.set_color(cm.coolwarm(t))
    ax.set_xlabel("weight")
    ax.set_ylabel("count")
    return fig


def plot_histogram_heatmap(
    histx: np.ndarray, histy_epochs: np.ndarray, ax: Axes | None = None
) -> Figure:
    fig, ax = _fig_ax(ax)
    histx = np.asarray(histx, dtype=float)
    counts = np.asarray(histy_epochs)
    n_epochs = counts.shape[0]
    step = histx[1] - histx[0] if len(histx) > 1 else 1.0
    extent = (histx[0] - step / 2, histx[-1] + step / 2, -0.5, n_epochs - 0.5)
    image = ax.imshow(
        counts,
        origin="lower",
        aspect="auto",
        extent=extent,
        norm=PowerNorm(gamma=0.5),
        cmap="magma",
        interpolation="nearest",
    )
    fig.colorbar(image, ax=ax, label="Count")
    ax.set_xlabel("weight value")
    ax.set_ylabel("epoch")
    return fig


def activation_stats(model: nn.Module, x: torch.Tensor) -> dict[str, tuple[float, float]]:
    order = [
        name
        for name, m in model.named_modules()
        if isinstance(m, nn.Linear) or type(m).__name__ == "LayerNorm"
    ]
    modules = dict(model.named_modules())
    seen: dict[str, tuple[float, float]] = {}

    def hook(name, module, args, output):
        std, mean = torch.std_mean(output.detach().float())
        seen[name] = (float(mean), float(std))

    handles = []
    try:
        for name in order:
            handles.append(modules[name].register_forward_hook(functools.partial(hook, name)))
        with torch.no_grad():
            model(x)
    finally:
        while handles:
            handles.pop().remove()
    return {name: seen[name] for name in order if name in seen}
