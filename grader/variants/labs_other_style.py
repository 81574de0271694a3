"""A correct labs module in another style: the kit's tests must accept it (never a learner's file).

Differences from solutions/labs.py that a fair test must not punish:
- other distribution parameters (standard normal, Uniform(0, 1), Exponential(1), bumps at -3 and +3
  chosen with rng.choice) and another drawing order;
- normalization through np.std and a division, gamma and beta broadcast by np.multiply / np.add;
- sample_stats row by row in a Python loop, with np.std;
- the gradient by torch autograd through the lab's own torch ops (float64), not a derived formula;
- loglog_slope by np.polyfit; bend_eps by np.interp on the logs of the bracketing points;
- make_ln_net with a hand-written LayerNorm class (when no norm_cls is given) in an nn.Sequential,
  gamma and beta set through .data;
- train_losses cycling the loader with itertools, the gradients zeroed with set_to_none after the step;
- moving_average by np.convolve(mode="valid");
- the row loop collecting rows in a list and stacking; torch ops with var_mean(correction=0) and sqrt;
- make_deep_mlp from an OrderedDict, its weights filled by model.apply, biases through
  nn.init.zeros_ (drawing in another order than the reference: other numbers, the same distributions);
- grad_norms_per_layer by full backward hooks (grad_output), growth_per_layer from the end points;
- layer_outputs by forward hooks that append to a list;
- make_optimizer by if / elif; snapshots through .numpy().astype(float64); relative_drift
  in a loop;
- other predictions (a prediction is never wrong); the same answers, which its own measurements allow.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict

import numpy as np
import torch
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
    centred = x - np.mean(x, axis=-1)[..., None]
    std = np.sqrt(np.std(x, axis=-1) ** 2 + eps)[..., None]
    return np.add(np.multiply(gamma, centred / std), beta)


def sample_stats(x):
    rows = np.asarray(x, dtype=np.float64).reshape(-1, np.shape(x)[-1])
    acc = {"mean": [], "std": [], "skewness": [], "kurtosis": []}
    for row in rows:
        mu, sd = np.mean(row), np.std(row)
        acc["mean"].append(mu)
        acc["std"].append(sd)
        acc["skewness"].append(np.mean(((row - mu) / sd) ** 3))
        acc["kurtosis"].append(np.mean(((row - mu) / sd) ** 4) - 3.0)
    return {k: float(np.mean(v)) for k, v in acc.items()}


def predict_distributions():
    return {
        "mean": "fixed",
        "std": "fixed",
        "skewness": "kept",
        "kurtosis": "changed",
        "gamma": "std",
        "beta": "mean",
    }


def answer_distributions():
    return {
        "mean": "fixed",
        "std": "fixed",
        "skewness": "kept",
        "kurtosis": "kept",
        "gamma": "std",
        "beta": "mean",
    }


def max_grad_vs_eps(x, dout, eps_values):
    out = []
    for eps in eps_values:
        t = torch.tensor(np.asarray(x), dtype=torch.float64, requires_grad=True)
        ones = torch.ones(t.shape[-1], dtype=torch.float64)
        y = layer_norm_torch_ops(t, ones, torch.zeros_like(ones), float(eps))
        (g,) = torch.autograd.grad(y, t, torch.tensor(np.asarray(dout), dtype=torch.float64))
        out.append(float(g.abs().max()))
    return np.array(out)


def loglog_slope(x, y):
    return float(np.polyfit(np.log10(x), np.log10(y), 1)[0])


def bend_eps(eps_values, values):
    half = values[0] / 2
    for k in range(1, len(values)):
        if values[k] <= half:
            lv = [np.log(values[k]), np.log(values[k - 1])]  # np.interp wants increasing x
            le = [np.log(eps_values[k]), np.log(eps_values[k - 1])]
            return float(np.exp(np.interp(np.log(half), lv, le)))
    return np.inf


def predict_eps():
    return {"slope": -0.5, "bend": "fixed"}


def answer_eps():
    return {"slope": -0.48, "bend": "variance"}


class LayerNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))
        self.bias = nn.Parameter(torch.zeros(d))

    def forward(self, x):
        return layer_norm_torch_ops(x, self.weight, self.bias, self.eps)


def make_ln_net(gamma_init, beta_init=0.0, in_features=784, seed=0, norm_cls=None):
    torch.manual_seed(seed)
    net = nn.Sequential(
        nn.Linear(in_features, 64),
        (norm_cls or LayerNorm)(64),
        nn.ReLU(),
        nn.Linear(64, 32),
        nn.ReLU(),
        nn.Linear(32, 10),
        nn.LogSoftmax(dim=1),
    )
    net[1].weight.data.fill_(gamma_init)
    net[1].bias.data.fill_(beta_init)
    return net


def train_losses(model, train_loader, optimizer, num_steps):
    model.train()
    losses = []
    batches = itertools.chain.from_iterable(iter(train_loader) for _ in itertools.count())
    for X, y in itertools.islice(batches, num_steps):
        loss = nn.functional.nll_loss(model(X), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item())
    return np.array(losses)


def moving_average(values, window):
    if window < 1 or window > len(values):
        raise ValueError(f"window {window} does not fit {len(values)} values")
    return np.convolve(values, np.full(window, 1.0 / window), mode="valid")


def predict_init():
    return {"fastest": "gamma=10", "slowest": "beta=-1"}


def answer_init():
    return {"fastest": "beta=+1", "slowest": "gamma=0.1"}


def layer_norm_rows_loop(x, gamma, beta, eps=1e-5):
    rows = []
    for row in np.asarray(x, dtype=np.float64):
        rows.append((row - row.mean()) / np.sqrt(row.var() + eps) * gamma + beta)
    return np.stack(rows)


def layer_norm_torch_ops(x, gamma, beta, eps=1e-5):
    var, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
    return gamma * ((x - mean) / torch.sqrt(var + eps)) + beta


def predict_efficiency():
    return {"speedup": 40}


def answer_efficiency():
    return {"loop_ms": 20.5, "vectorized_ms": 4.1, "speedup": 5}


def make_deep_mlp(
    depth,
    width=64,
    init="default",
    layer_norm=False,
    in_features=784,
    num_classes=10,
    seed=0,
    init_module=None,
    norm_cls=None,
):
    fills = {
        "default": None,
        "xavier": lambda w, m: m.xavier_normal_(w),
        "kaiming": lambda w, m: m.kaiming_normal_(w, nonlinearity="relu"),
        "normal": lambda w, m: m.normal_(w, 0.0, 1.0),
    }
    if init not in fills:
        raise ValueError(f"Init {init} not supported, please use one of {list(fills)}")
    torch.manual_seed(seed)
    layers = OrderedDict()
    d = in_features
    for i in range(depth - 1):
        layers[f"fc{i}"] = nn.Linear(d, width)
        if layer_norm:
            layers[f"ln{i}"] = (norm_cls or nn.LayerNorm)(width)
        layers[f"act{i}"] = nn.ReLU()
        d = width
    layers["out"] = nn.Linear(d, num_classes)
    layers["logp"] = nn.LogSoftmax(dim=1)
    net = nn.Sequential(layers)
    fill, module = fills[init], init_module or nn.init

    def apply(m):
        if isinstance(m, nn.Linear) and fill is not None:
            with torch.no_grad():
                fill(m.weight, module)
                nn.init.zeros_(m.bias)

    net.apply(apply)
    return net


def grad_norms_per_layer(model, x, y):
    found = []
    handles = [
        m.register_full_backward_hook(lambda m, gi, go: found.append(go[0].norm().item()))
        for m in model.modules()
        if isinstance(m, nn.Linear)
    ]
    try:
        nn.functional.nll_loss(model(x), y).backward()
    finally:
        for h in handles:
            h.remove()
    return np.array(found[::-1])  # backward visits the last layer first


def growth_per_layer(values):
    return float((values[-1] / values[0]) ** (1.0 / (len(values) - 1)))


def predict_gradients():
    return dict.fromkeys(
        (
            "default",
            "xavier",
            "kaiming",
            "normal",
            "default+ln",
            "xavier+ln",
            "kaiming+ln",
            "normal+ln",
        ),
        "vanishes",
    )


def answer_gradients():
    found = {"default": "vanishes", "xavier": "vanishes", "kaiming": "stable", "normal": "explodes"}
    found.update({k + "+ln": "stable" for k in list(found)})
    return found


def layer_outputs(model, x):
    seen = []
    handles = [
        m.register_forward_hook(lambda m, i, o: seen.append(o.detach().numpy().astype(np.float64)))
        for m in model.modules()
        if isinstance(m, nn.ReLU)
    ]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
    return seen


def predict_activations():
    return {"without_ln": "stayed", "with_ln": "stayed", "drift_by_depth": "deeper less"}


def answer_activations():
    return {"without_ln": "grew", "with_ln": "stayed", "drift_by_depth": "deeper more"}


def make_optimizer(model, name, lr, weight_decay=0.0):
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr, weight_decay=weight_decay)
    elif name == "adam":
        return torch.optim.Adam(model.parameters(), lr, weight_decay=weight_decay)
    raise ValueError(f"unknown optimizer {name!r}: use 'sgd' or 'adam'")


def train_and_snapshot(model, train_loader, optimizer, num_steps, every=10):
    def take():
        return {
            n: p.detach().numpy().astype(np.float64).reshape(-1)
            for n, p in model.named_parameters()
        }

    model.train()
    shots = [take()]
    batches = itertools.chain.from_iterable(iter(train_loader) for _ in itertools.count())
    for step, (X, y) in enumerate(itertools.islice(batches, num_steps), start=1):
        optimizer.zero_grad()
        nn.functional.nll_loss(model(X), y).backward()
        optimizer.step()
        if step % every == 0:
            shots.append(take())
    return {n: np.stack([s[n] for s in shots]) for n in shots[0]}


def relative_drift(snapshots):
    start = snapshots[0]
    return np.array([np.sqrt(np.sum((s - start) ** 2) / np.sum(start**2)) for s in snapshots])


def predict_optimizers():
    return {"further": "sgd", "weight_decay": "same", "biases_sgd": "same", "biases_adam": "more"}


def answer_optimizers():
    return {
        "further": "adam",
        "weight_decay": "narrower",
        "biases_sgd": "more",
        "biases_adam": "less",
    }
