"""Weight histograms: watch a network's weight distribution change while it learns.

A trained network is a pile of numbers; a histogram of all its weights is the quickest look at
that pile. The lecture "Distributions of Weights Pre- and Post-Learning (an FFN on MNIST)" trains a 784-64-32-10 network on MNIST and, at the start of every
epoch, counts its weights in 100 fixed bins between -0.8 and 0.8. Drawn as one line per epoch
(blue early, red late) or as one epoch x bin image, the rows show PyTorch's uniform initial
weights spreading out as the network learns.

The last exercise turns from weights to activations: the mean and spread of every layer's output
on one batch. Followed over training steps, they show covariate shift -- each layer's input
distribution drifting as the layers before it learn -- and what LayerNorm does about it
(exercises/covariate_demo.py draws it).

You need: ``model.named_parameters()``, ``np.histogram``, ``torch.optim.SGD``, ``nn.NLLLoss``,
matplotlib's ``plot`` and ``imshow``, and ``nn.Module.register_forward_hook``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib import cm
from matplotlib.axes import Axes
from matplotlib.colors import PowerNorm
from matplotlib.figure import Figure
from torch import nn


def get_weight_histogram(
    model: nn.Module, num_bins: int = 100, min_val: float = -0.8, max_val: float = 0.8
) -> tuple[np.ndarray, np.ndarray]:
    """Count every weight of model (biases left out) in num_bins equal bins on [min_val, max_val].

    Formula:  edges = linspace(min_val, max_val, num_bins + 1); bin k counts the weights w with
                  edges[k] <= w <  edges[k + 1]   for every bin but the last
                  edges[k] <= w <= edges[k + 1]   for the LAST bin (w == max_val counts)
              Weights outside [min_val, max_val] are not counted. These are np.histogram's
              rules: np.histogram(w, bins=num_bins, range=(min_val, max_val)).
              histx[k] = (edges[k] + edges[k + 1]) / 2, the centre of bin k.
    Shapes:   the weights: every parameter whose name in model.named_parameters() contains
              "weight" ("fc1.weight", "norm.weight", "embed.weight", ...), flattened into one
              vector. histx (num_bins,), histy (num_bins,).
    Returns:  (histx, histy): bin centres (float) and counts (int), numpy arrays on the CPU.
    Pitfalls: skip the biases ("fc1.bias"); LayerNorm's "weight" (its gain) is a weight too.
              Parameters may live on a GPU: .detach().cpu() before .numpy().
              torch.histogram has no CUDA kernel (it fails on GPU tensors). torch.histc runs
              anywhere and closes the last bin too, but computes each bin index in the weights'
              precision (float32): a value within a rounding error of an edge may land one bin
              over. The graders accept that; np.histogram is the rule.
              Return the num_bins centres, not the num_bins + 1 edges nor the left edges:
              histx and histy pair up point by point.
    Example:
        >>> model = nn.Linear(2, 2)  # its random bias is not counted
        >>> with torch.no_grad():
        ...     _ = model.weight.copy_(torch.tensor([[-1.0, 0.0], [0.25, 1.0]]))
        >>> histx, histy = get_weight_histogram(model, num_bins=4, min_val=-1.0, max_val=1.0)
        >>> histx
        array([-0.75, -0.25,  0.25,  0.75])
        >>> histy  # 1.0 == max_val falls in the closed last bin
        array([1, 0, 2, 1])
    """
    ### BEGIN SOLUTION histograms.1: bin every weight (no biases) as np.histogram does; return centres
    weights = [
        p.detach().reshape(-1).to("cpu", torch.float64)
        for name, p in model.named_parameters()
        if "weight" in name
    ]
    values = torch.cat(weights).numpy() if weights else np.zeros(0)
    histy, edges = np.histogram(values, bins=num_bins, range=(min_val, max_val))
    histx = (edges[:-1] + edges[1:]) / 2
    return histx, histy
    ### END SOLUTION


class HistogramTracker:
    """Weight histograms of a model over time, all on the same bins, stacked one row per record.

    Formula:  the bins are fixed once, at construction: get_weight_histogram's num_bins equal
              bins on [min_val, max_val]. record(model) appends the counts of model's weights on
              those bins. Row t and row t' then count the same intervals, so they can be
              compared, subtracted or drawn as one image.
    Shapes:   centers (num_bins,): the bin centres, equal to get_weight_histogram's histx;
              counts (len(self), num_bins) int: shape (0, num_bins) before the first record.
    Returns:  record(model) returns nothing; read the rows from ``counts``.
    Pitfalls: never recompute the edges from each model's own min and max
              (np.histogram(w, bins=100) does that, and so do some dashboards): every row would
              get bins of its own, and column k would mean another interval at every record.
              np.stack of an empty list fails: an empty tracker needs a (0, num_bins) array.
    Example:
        >>> tracker = HistogramTracker(num_bins=4, min_val=-1.0, max_val=1.0)
        >>> tracker.counts.shape, len(tracker)
        ((0, 4), 0)
        >>> model = nn.Linear(3, 1)
        >>> tracker.record(model)
        >>> tracker.record(model)
        >>> tracker.counts.shape, len(tracker), tracker.centers
        ((2, 4), 2, array([-0.75, -0.25,  0.25,  0.75]))
    """

    def __init__(self, num_bins: int = 100, min_val: float = -0.8, max_val: float = 0.8) -> None:
        ### BEGIN SOLUTION histograms.2: fix the bins and their centres once; start with no rows
        self.num_bins, self.min_val, self.max_val = num_bins, min_val, max_val
        edges = np.histogram_bin_edges(np.zeros(0), bins=num_bins, range=(min_val, max_val))
        self.centers = (edges[:-1] + edges[1:]) / 2
        self._rows: list[np.ndarray] = []
        ### END SOLUTION

    def record(self, model: nn.Module) -> None:
        """Append one row: the histogram of model's weights on the tracker's fixed bins."""
        ### BEGIN SOLUTION histograms.3: count the model's weights on the fixed bins; keep the row
        _, counts = get_weight_histogram(model, self.num_bins, self.min_val, self.max_val)
        self._rows.append(np.asarray(counts, dtype=np.int64))
        ### END SOLUTION

    @property
    def counts(self) -> np.ndarray:
        """Every row so far as one (len(self), num_bins) int array; (0, num_bins) when empty."""
        ### BEGIN SOLUTION histograms.4: stack the rows into one (records, bins) int array
        if not self._rows:
            return np.zeros((0, self.num_bins), dtype=np.int64)
        return np.stack(self._rows)
        ### END SOLUTION

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
    """Train model with SGD; record a histogram of its weights at the START of every epoch.

    Formula:  optimizer = SGD(model.parameters(), lr); loss = NLLLoss()(model(X), y): the model
              outputs log-probabilities. For each epoch e = 0 .. num_epochs - 1:
                  histy_epochs[e] = weight histogram (get_weight_histogram's default bins)
                                    before epoch e's first update; row 0 = the untrained model
                  model.train(); for every batch (X, y) of train_loader:
                      logp = model(X); zero the gradients; loss.backward(); optimizer.step()
                      batch accuracy = mean(argmax(logp, dim=1) == y), from that same logp
                  train_accs[e] = mean of the batch accuracies
                  model.eval(); under torch.no_grad(): the accuracy of every test batch
                  test_accs[e] = mean of those batch accuracies
    Shapes:   X (B, ...) as model takes it, y (B,) int class labels. histx (100,),
              histy_epochs (num_epochs, 100) int, train_accs and test_accs (num_epochs,).
    Returns:  (histx, histy_epochs, train_accs, test_accs); the accuracies are fractions in
              [0, 1] (the lecture multiplies by 100 only to print them).
    Pitfalls: record BEFORE training the epoch: recording after it loses the untrained row and
              shifts every row by one epoch. An epoch's accuracy is the mean of its per-batch
              accuracies: not the count of correct answers, and not correct / samples (the two
              differ when the last batch is smaller). Call model.train() at the start of every
              epoch, or the previous epoch's model.eval() stays on (dropout and batch norm then
              act as at test time). Test under torch.no_grad(): no graph is needed.
              device=None trains where the model's parameters are; otherwise move the model
              (model.to(device)) and every batch there.
    Example:
        >>> from torch.utils.data import DataLoader, TensorDataset
        >>> _ = torch.manual_seed(0)
        >>> data = TensorDataset(torch.randn(64, 4), torch.randint(0, 3, (64,)))
        >>> loader = DataLoader(data, batch_size=16)
        >>> model = nn.Sequential(nn.Linear(4, 3), nn.LogSoftmax(dim=1))
        >>> histx, histy, train_accs, test_accs = train_and_track_weights(
        ...     model, loader, loader, num_epochs=3)
        >>> histx.shape, histy.shape, train_accs.shape, bool(0 <= test_accs.min() <= 1)
        ((100,), (3, 100), (3,), True)
    """
    ### BEGIN SOLUTION histograms.5: per epoch: record, train (SGD, NLLLoss), test (eval, no_grad)
    if device is None:
        device = next(model.parameters()).device
    model.to(device)
    tracker = HistogramTracker()
    loss_fn = nn.NLLLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    train_accs: list[float] = []
    test_accs: list[float] = []
    for _ in range(num_epochs):
        tracker.record(model)
        model.train()
        batch_accs = []
        for X, y in train_loader:
            X, y = X.to(device), y.to(device)
            logp = model(X)
            loss = loss_fn(logp, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            batch_accs.append((logp.argmax(dim=1) == y).float().mean().detach())
        train_accs.append(torch.stack(batch_accs).mean().item())
        model.eval()
        with torch.no_grad():
            batch_accs = [
                (model(X.to(device)).argmax(dim=1) == y.to(device)).float().mean()
                for X, y in test_loader
            ]
        test_accs.append(torch.stack(batch_accs).mean().item())
    return tracker.centers, tracker.counts, np.array(train_accs), np.array(test_accs)
    ### END SOLUTION


def plot_histogram_overlay(
    histx: np.ndarray, histy_epochs: np.ndarray, ax: Axes | None = None
) -> Figure:
    """One line per epoch on one axes: the weight distribution drifting from blue to red.

    Formula:  with n = len(histy_epochs) rows, line i plots histy_epochs[i] against histx in
              colour cm.coolwarm(i / (n - 1)): blue early, red late. A single epoch (n = 1) is
              drawn in cm.coolwarm(0).
    Shapes:   histx (bins,), histy_epochs (epochs, bins): one line per ROW (epoch).
    Returns:  the matplotlib Figure drawn on: a new Figure (of any size) when ax is None, else
              ax's Figure (ax.figure), with the lines drawn on ax.
    Pitfalls: i / (n - 1) divides by zero when n == 1. ax.plot(histx, histy_epochs.T) also draws
              one line per epoch, but in the default colour cycle. Return the Figure, not the
              Axes or the lines, and do not plt.close() it: the caller may still save it.
    Example:
        >>> rows = np.array([[3, 1], [2, 2], [1, 3]])
        >>> fig = plot_histogram_overlay(np.array([-0.5, 0.5]), rows)
        >>> [line.get_color() == cm.coolwarm(i / 2) for i, line in enumerate(fig.axes[0].lines)]
        [True, True, True]
        >>> plt.close(fig)
    """
    ### BEGIN SOLUTION histograms.6: one line per epoch in cm.coolwarm(i / (n - 1)); return the Figure
    fig, ax = plt.subplots(figsize=(8, 4)) if ax is None else (ax.figure, ax)
    rows = np.asarray(histy_epochs)
    n = len(rows)
    for i, row in enumerate(rows):
        ax.plot(histx, row, color=cm.coolwarm(i / (n - 1) if n > 1 else 0.0))
    ax.set_xlabel("Weight value")
    ax.set_ylabel("Count")
    ax.set_title("Weight histograms by epoch (blue: early, red: late)")
    return fig
    ### END SOLUTION


def plot_histogram_heatmap(
    histx: np.ndarray, histy_epochs: np.ndarray, ax: Axes | None = None
) -> Figure:
    """The histograms as one image: epochs along x, weight values along y, colour = count.

    Formula:  the (epochs, bins) counts drawn as ONE image (imshow or pcolormesh). The lecture draws
              the (bins, epochs) transpose, so that epochs run along the x axis and weight values
              up the y axis, with a colorbar labelled "Count"; either orientation is fine. The axes
              must be in data units: the weight axis labelled in weight values (from about histx[0]
              to about histx[-1]: the bin centres, as the lecture's extent does, or the bins'
              edges), the epoch axis in epochs (from about 0 to about the number of epochs: cells
              on 0 .. E, or centred on the epoch numbers). The colour scale is yours to choose
              (linear, PowerNorm, log).
    Shapes:   histx (bins,), histy_epochs (epochs, bins).
    Returns:  the matplotlib Figure drawn on: a new Figure of any size when ax is None, else ax's
              Figure.
    Pitfalls: imshow puts row 0 at the top unless origin="lower"; without aspect="auto" a
              100-bin by 5-epoch image is a thin strip; without coordinates an image's axes count
              pixels (array indices), so say where it sits in data units (imshow's extent, or
              pcolormesh's coordinates). The colorbar goes on the
              same Figure (fig.colorbar(image, ax=ax)), not on a new one. Optional: on a linear
              colour scale the central peak hides the tails; norm=PowerNorm(0.4) shows both.
    Example:
        >>> rows = np.array([[3, 1], [2, 2], [1, 3]])
        >>> fig = plot_histogram_heatmap(np.array([-0.5, 0.5]), rows)
        >>> fig.axes[0].images[0].get_array().shape  # the (bins, epochs) transpose
        (2, 3)
        >>> plt.close(fig)
    """
    ### BEGIN SOLUTION histograms.7: draw the counts as one image with a "Count" colorbar
    fig, ax = plt.subplots(figsize=(8, 4)) if ax is None else (ax.figure, ax)
    counts = np.asarray(histy_epochs)
    histx = np.asarray(histx, dtype=np.float64)
    half = (histx[1] - histx[0]) / 2 if len(histx) > 1 else 0.5
    image = ax.imshow(
        counts.T,
        aspect="auto",
        origin="lower",
        interpolation="nearest",
        cmap="viridis",
        norm=PowerNorm(gamma=0.4, vmin=0),  # compresses the central peak: the tails show too
        extent=(0, counts.shape[0], histx[0] - half, histx[-1] + half),
    )
    fig.colorbar(image, ax=ax, label="Count")
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Weight value")
    ax.set_title("Weight histograms over training")
    return fig
    ### END SOLUTION


def activation_stats(model: nn.Module, x: torch.Tensor) -> dict[str, tuple[float, float]]:
    """Mean and std of the output of every Linear and LayerNorm layer in one forward pass.

    Formula:  for every module m of model.named_modules() that is an nn.Linear, or whose class
              is named "LayerNorm" (nn.LayerNorm, or the kit's own LayerNorm, which is not a
              subclass of it):
                  out = m's output during one model(x), run under torch.no_grad()
                  stats[name] = (mean of out, std of out) over ALL its elements
              Catch the outputs with forward hooks (m.register_forward_hook(hook)), then remove
              every hook you added (handle.remove()), even when the forward pass raises.
    Shapes:   x: what model takes, e.g. (N, D). Keys: the names of model.named_modules()
              ("0", "2", "block.fc1", ...), in that order.
    Returns:  {name: (mean, std)} as Python floats. Population std (correction=0) or Bessel's
              (torch's default) are both accepted: on thousands of elements they differ by
              < 0.05 %.
    Pitfalls: a hook left registered fires on every later forward call (slow, and it keeps
              writing into an old dict): use try/finally. Remove only your own hooks: clearing
              m._forward_hooks would delete the caller's too. isinstance(m, nn.LayerNorm) misses
              the kit's LayerNorm: compare type(m).__name__. A module called twice in one
              forward keeps the stats of its last call. Leave the model's train/eval mode alone.
    Example:
        >>> _ = torch.manual_seed(0)
        >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.LayerNorm(8))
        >>> stats = activation_stats(model, torch.randn(256, 4))
        >>> list(stats), abs(stats["2"][0]) < 1e-6, round(stats["2"][1], 3)  # mean 0, std 1
        (['0', '2'], True, 1.0)
    """
    ### BEGIN SOLUTION histograms.8: hook Linear and LayerNorm outputs, run one forward, unhook
    stats: dict[str, tuple[float, float]] = {}

    def hook_for(name: str):
        def hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
            out = output.detach().float()
            stats[name] = (out.mean().item(), out.std(correction=0).item())

        return hook

    handles = [
        module.register_forward_hook(hook_for(name))
        for name, module in model.named_modules()
        if isinstance(module, nn.Linear) or type(module).__name__ == "LayerNorm"
    ]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for handle in handles:
            handle.remove()
    return {name: stats[name] for name, _ in model.named_modules() if name in stats}
    ### END SOLUTION
