"""A correct histograms module in another style: the kit's tests must accept it (never a learner's file).

Differences from solutions/histograms.py that a fair test must not punish:
- binning by hand in float32 (as the seed's weights are): np.searchsorted on float32 edges, the
  last bin closed explicitly; no np.histogram anywhere; histx and counts as float32 / int32;
- a tracker that keeps plain Python lists and builds its (records, bins) array on demand;
- training in the seed lecture's own words: accuracy per batch with .item(), Python lists, the
  optimizer zeroed after the step, CrossEntropyLoss is NOT used (NLLLoss on log-probs);
- the overlay coloured from cm.coolwarm(np.linspace(0, 1, n)), the heatmap drawn with pcolormesh in
  (epochs, bins) orientation, both through the object-oriented API (matplotlib.figure.Figure);
- activation_stats with Bessel's std (torch's default), hooks removed one by one in a finally block.
"""

from __future__ import annotations

import numpy as np
import torch
from matplotlib import cm
from matplotlib.figure import Figure
from torch import nn


def _edges32(num_bins: int, min_val: float, max_val: float) -> np.ndarray:
    return np.linspace(min_val, max_val, num_bins + 1).astype(np.float32)


def get_weight_histogram(model, num_bins=100, min_val=-0.8, max_val=0.8):
    chunks = []
    for name, param in model.named_parameters():
        if "weight" not in name:
            continue
        chunks.append(param.detach().float().cpu().numpy().ravel())
    w = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    edges = _edges32(num_bins, min_val, max_val)
    inside = (w >= edges[0]) & (w <= edges[-1])
    idx = np.searchsorted(edges, w[inside], side="right") - 1
    idx[idx == num_bins] = num_bins - 1  # w == max_val: the last bin is closed
    counts = np.bincount(idx, minlength=num_bins).astype(np.int32)
    centres = (edges[:-1] + edges[1:]) / np.float32(2)
    return centres, counts


class HistogramTracker:
    def __init__(self, num_bins=100, min_val=-0.8, max_val=0.8):
        self.args = (num_bins, min_val, max_val)
        self.centers, _ = get_weight_histogram(nn.Module(), *self.args)  # no weights: just the bins
        self.rows: list[list[int]] = []

    def record(self, model):
        self.rows.append(get_weight_histogram(model, *self.args)[1].tolist())

    @property
    def counts(self):
        return np.array(self.rows, dtype=np.int32).reshape(len(self.rows), self.args[0])

    def __len__(self):
        return len(self.rows)


def train_and_track_weights(model, train_loader, test_loader, num_epochs=100, lr=0.01, device=None):
    if device is not None:
        model = model.to(device)
    dev = device if device is not None else next(model.parameters()).device
    tracker = HistogramTracker()
    lossfun = nn.NLLLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    trainAcc, testAcc = [], []
    for _epoch in range(num_epochs):
        tracker.record(model)
        model.train()
        batchAcc = []
        for X, y in train_loader:
            X, y = X.to(dev), y.to(dev)
            yHat = model(X)
            loss = lossfun(yHat, y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            batchAcc.append(torch.mean((torch.argmax(yHat, axis=1) == y).float()).item())
        trainAcc.append(float(np.mean(batchAcc)))
        model.eval()
        batchAcc = []
        with torch.no_grad():
            for X, y in test_loader:
                yHat = model(X.to(dev))
                batchAcc.append(
                    torch.mean((torch.argmax(yHat, axis=1) == y.to(dev)).float()).item()
                )
        testAcc.append(float(np.mean(batchAcc)))
    return tracker.centers, tracker.counts, trainAcc, testAcc


def _canvas(ax):
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=(8, 4))
    return fig, fig.add_subplot()


def plot_histogram_overlay(histx, histy_epochs, ax=None):
    fig, ax = _canvas(ax)
    colours = cm.coolwarm(np.linspace(0, 1, len(histy_epochs)))
    for row, colour in zip(histy_epochs, colours, strict=True):
        ax.plot(histx, row, color=colour)
    ax.set(xlabel="Weight value", ylabel="Count")
    return fig


def plot_histogram_heatmap(histx, histy_epochs, ax=None):
    fig, ax = _canvas(ax)
    counts = np.asarray(histy_epochs, dtype=float)
    mesh = ax.pcolormesh(np.asarray(histx), np.arange(counts.shape[0]), counts, shading="nearest")
    fig.colorbar(mesh, ax=ax, label="Count")
    ax.set(xlabel="Weight value", ylabel="Epoch")
    return fig


def activation_stats(model, x):
    found = {}
    handles = []
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear) or module.__class__.__name__ == "LayerNorm":

            def hook(mod, inp, out, name=name):
                found[name] = (out.mean().item(), out.std().item())

            handles.append(module.register_forward_hook(hook))
    try:
        with torch.no_grad():
            model(x)
    finally:
        while handles:
            handles.pop().remove()
    return found
