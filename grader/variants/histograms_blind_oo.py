"""Weight histograms -- blind learner solution, style "object-oriented".

Stylistic differences from an obvious reference:
- get_weight_histogram histograms every weight parameter separately (np.histogram on its float64
  values with the fixed range) and adds the counts, instead of concatenating the weights; the
  centres come from np.linspace edges in float64;
- HistogramTracker keeps a Python list of rows and builds the array on demand;
- train_and_track_weights uses a HistogramTracker for the per-epoch rows, optimizer.zero_grad()
  before the forward pass, and counts accuracies with torch.eq(...).double().mean();
- plots use the object-oriented matplotlib API only (matplotlib.figure.Figure + add_subplot, no
  pyplot); the overlay loops over rows drawing one ax.plot per epoch; the heatmap uses pcolormesh
  with explicit cell edges (epochs 0..E on x, bin edges on y) and a linear colour scale;
- activation_stats keeps the hook handles in a list and fills a dict keyed by module object, then
  orders the result by named_modules(); std is the population std (correction=0), in float64.
"""

from __future__ import annotations

import matplotlib.pyplot as plt  # noqa: F401  (kept for parity with the stub's imports)
import numpy as np
import torch
from matplotlib import cm
from matplotlib.axes import Axes
from matplotlib.colors import PowerNorm  # noqa: F401
from matplotlib.figure import Figure
from torch import nn


def _edges(num_bins: int, min_val: float, max_val: float) -> np.ndarray:
    return np.linspace(min_val, max_val, num_bins + 1)


def get_weight_histogram(
    model: nn.Module, num_bins: int = 100, min_val: float = -0.8, max_val: float = 0.8
) -> tuple[np.ndarray, np.ndarray]:
    edges = _edges(num_bins, min_val, max_val)
    histx = 0.5 * (edges[:-1] + edges[1:])
    histy = np.zeros(num_bins, dtype=np.int64)
    for name, param in model.named_parameters():
        if "weight" not in name:
            continue
        values = param.detach().to(device="cpu", dtype=torch.float64).reshape(-1).numpy()
        counts, _ = np.histogram(values, bins=num_bins, range=(min_val, max_val))
        histy += counts.astype(np.int64)
    return histx, histy


class HistogramTracker:
    def __init__(self, num_bins: int = 100, min_val: float = -0.8, max_val: float = 0.8) -> None:
        self.num_bins = num_bins
        self.min_val = min_val
        self.max_val = max_val
        edges = _edges(num_bins, min_val, max_val)
        self.edges = edges
        self.centers = 0.5 * (edges[:-1] + edges[1:])
        self._rows: list[np.ndarray] = []

    def record(self, model: nn.Module) -> None:
        _, row = get_weight_histogram(model, self.num_bins, self.min_val, self.max_val)
        self._rows.append(np.asarray(row, dtype=np.int64))

    @property
    def counts(self) -> np.ndarray:
        out = np.zeros((len(self._rows), self.num_bins), dtype=np.int64)
        for i, row in enumerate(self._rows):
            out[i] = row
        return out

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
    if device is None:
        first = next(model.parameters(), None)
        device = first.device if first is not None else torch.device("cpu")
    else:
        device = torch.device(device)
        model.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    criterion = nn.NLLLoss()
    tracker = HistogramTracker()
    train_accs = np.zeros(num_epochs, dtype=np.float64)
    test_accs = np.zeros(num_epochs, dtype=np.float64)

    for epoch in range(num_epochs):
        tracker.record(model)

        model.train()
        batch_accs = []
        for X, y in train_loader:
            X, y = X.to(device), y.to(device)
            optimizer.zero_grad()
            logp = model(X)
            loss = criterion(logp, y)
            loss.backward()
            optimizer.step()
            batch_accs.append(torch.eq(logp.detach().argmax(dim=1), y).double().mean().item())
        train_accs[epoch] = float(np.mean(batch_accs)) if batch_accs else float("nan")

        model.eval()
        test_batch_accs = []
        with torch.no_grad():
            for X, y in test_loader:
                X, y = X.to(device), y.to(device)
                logp = model(X)
                test_batch_accs.append(torch.eq(logp.argmax(dim=1), y).double().mean().item())
        test_accs[epoch] = float(np.mean(test_batch_accs)) if test_batch_accs else float("nan")

    return tracker.centers, tracker.counts, train_accs, test_accs


def _figure_and_axes(ax: Axes | None) -> tuple[Figure, Axes]:
    if ax is None:
        fig = Figure(figsize=(7, 4))
        ax = fig.add_subplot(1, 1, 1)
        return fig, ax
    return ax.figure, ax


def plot_histogram_overlay(
    histx: np.ndarray, histy_epochs: np.ndarray, ax: Axes | None = None
) -> Figure:
    fig, ax = _figure_and_axes(ax)
    rows = np.asarray(histy_epochs)
    n = len(rows)
    for i in range(n):
        colour = cm.coolwarm(i / (n - 1)) if n > 1 else cm.coolwarm(0)
        ax.plot(histx, rows[i], color=colour, label=f"epoch {i}")
    ax.set_xlabel("weight value")
    ax.set_ylabel("count")
    ax.set_title("weight histogram per epoch (blue: early, red: late)")
    return fig


def plot_histogram_heatmap(
    histx: np.ndarray, histy_epochs: np.ndarray, ax: Axes | None = None
) -> Figure:
    fig, ax = _figure_and_axes(ax)
    histx = np.asarray(histx, dtype=np.float64)
    counts = np.asarray(histy_epochs)
    n_epochs, n_bins = counts.shape
    if n_bins > 1:
        half = 0.5 * (histx[1] - histx[0])
    else:
        half = 0.5
    y_edges = np.concatenate([histx - half, [histx[-1] + half]])
    x_edges = np.arange(n_epochs + 1, dtype=np.float64)
    mesh = ax.pcolormesh(x_edges, y_edges, counts.T, shading="flat", cmap="viridis")
    fig.colorbar(mesh, ax=ax, label="Count")
    ax.set_xlabel("epoch")
    ax.set_ylabel("weight value")
    return fig


def activation_stats(model: nn.Module, x: torch.Tensor) -> dict[str, tuple[float, float]]:
    wanted = [
        (name, m)
        for name, m in model.named_modules()
        if isinstance(m, nn.Linear) or type(m).__name__ == "LayerNorm"
    ]
    caught: dict[int, tuple[float, float]] = {}
    handles = []

    def make_hook(key: int):
        def hook(module, inputs, output):
            o = output.detach().to(torch.float64)
            caught[key] = (o.mean().item(), o.std(correction=0).item())

        return hook

    try:
        for _, m in wanted:
            handles.append(m.register_forward_hook(make_hook(id(m))))
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()

    return {name: caught[id(m)] for name, m in wanted if id(m) in caught}
