"""A correct labs module in another style: the kit's tests must accept it (never a learner's file).

Differences from solutions/labs.py that a fair test must not punish:
- other distribution parameters (standard normal, Uniform(0, 1), Exponential(1), bumps at -3 and +3
  chosen with rng.choice) and another drawing order;
- normalization through np.std and a division, gamma and beta broadcast by np.multiply / np.add;
- the 2 x 4 figure through the object-oriented API (Figure + add_subplot), step histograms;
- the gradient by torch autograd through the lab's own torch ops (float64), not a derived formula;
- ax.loglog for the eps plot; a figure-level legend for the loss curves;
- make_ln_net with a hand-written LayerNorm class (not nn.LayerNorm) in an nn.Sequential;
- train_losses cycling the loader with itertools, the gradients zeroed with set_to_none after the step;
- the row loop collecting rows in a list and stacking; torch ops with var_mean(correction=0) and sqrt.
"""

from __future__ import annotations

import itertools

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn


def make_distributions(n_samples, n_features, seed=0):
    rng = np.random.default_rng(seed)
    shape = (n_samples, n_features)
    out = {}
    out["bimodal"] = rng.choice([-3.0, 3.0], size=shape) + rng.standard_normal(shape)
    out["exponential"] = rng.exponential(1.0, shape)
    out["uniform"] = rng.random(shape)
    out["normal"] = rng.standard_normal(shape)
    return {k: out[k] for k in ("normal", "uniform", "exponential", "bimodal")}


def normalize_per_sample(x, gamma=1.0, beta=0.0, eps=1e-5):
    x = np.array(x, dtype=np.float64, copy=True)
    centred = x - np.mean(x, axis=1)[:, None]
    std = np.sqrt(np.std(x, axis=1) ** 2 + eps)[:, None]
    return np.add(np.multiply(gamma, centred / std), beta)


def plot_distributions(dists, gamma=1.0, beta=0.0, bins=40):
    fig = Figure(figsize=(12, 5))
    for j, (name, x) in enumerate(dists.items()):
        top = fig.add_subplot(2, 4, j + 1)
        top.hist(np.asarray(x).reshape(-1), bins=bins, histtype="step")
        top.set_title(name)
        bottom = fig.add_subplot(2, 4, j + 5)
        bottom.hist(normalize_per_sample(x, gamma, beta).reshape(-1), bins=bins, histtype="step")
        bottom.set_title(f"{name}, normalized")
    return fig


def max_grad_vs_eps(x, dout, eps_values):
    out = []
    for eps in eps_values:
        t = torch.tensor(np.asarray(x), dtype=torch.float64, requires_grad=True)
        ones = torch.ones(t.shape[-1], dtype=torch.float64)
        y = layer_norm_torch_ops(t, ones, torch.zeros_like(ones), float(eps))
        (g,) = torch.autograd.grad(y, t, torch.tensor(np.asarray(dout), dtype=torch.float64))
        out.append(float(g.abs().max()))
    return np.array(out)


def plot_grad_vs_eps(eps_values, curves):
    fig = Figure()
    ax = fig.add_subplot()
    for label in curves:
        ax.loglog(eps_values, curves[label], label=label)
    ax.legend()
    return fig


class LayerNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))
        self.bias = nn.Parameter(torch.zeros(d))

    def forward(self, x):
        return layer_norm_torch_ops(x, self.weight, self.bias, self.eps)


def make_ln_net(gamma_init, in_features=784, seed=0):
    torch.manual_seed(seed)
    net = nn.Sequential(
        nn.Linear(in_features, 64),
        LayerNorm(64),
        nn.ReLU(),
        nn.Linear(64, 32),
        nn.ReLU(),
        nn.Linear(32, 10),
        nn.LogSoftmax(dim=1),
    )
    net[1].weight.data.mul_(gamma_init)
    return net


def train_losses(model, train_loader, num_steps, lr=0.01):
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    model.train()
    losses = []
    batches = itertools.chain.from_iterable(iter(train_loader) for _ in itertools.count())
    for X, y in itertools.islice(batches, num_steps):
        loss = nn.functional.nll_loss(model(X), y)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(loss.item())
    return np.array(losses)


def plot_loss_curves(curves):
    fig = Figure()
    ax = fig.add_subplot()
    for label, losses in curves.items():
        ax.plot(losses, label=label)
    fig.legend()
    return fig


def layer_norm_rows_loop(x, gamma, beta, eps=1e-5):
    rows = []
    for row in np.asarray(x, dtype=np.float64):
        rows.append((row - row.mean()) / np.sqrt(row.var() + eps) * gamma + beta)
    return np.stack(rows)


def layer_norm_torch_ops(x, gamma, beta, eps=1e-5):
    var, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
    return gamma * ((x - mean) / torch.sqrt(var + eps)) + beta
