"""The lectures' own code for what the labs grade, adapted only where it is incomplete or conflicts with
the contract (solutions/labs.py's docstrings): a learner who copies it must get full marks.

From "Understanding Distributions in Neural Networks": the np.random distributions of its figures (normal,
uniform, the bimodal pair of normals, the skewed exponential + normal of its layer-norm example) and its
``layer_norm(x, gamma, beta, eps)``. From "Layer Normalization Formula Explained": the eps example's
``(x - mean) / np.sqrt(var + eps)`` and ``layer_norm_efficient``. From "Distributions of Weights Pre- and
Post-Learning": the MNIST_FFN class, the training loop of ``train_and_track_weights`` and the snapshot
of every weight at the start of each epoch. What no lecture writes (the measuring tools: moments, slopes,
bends, growth factors, hooks, drift) is written from the docstrings in the lectures' plain numpy style.
Where an adaptation was needed, the function's docstring says why.
"""

# ruff: noqa: NPY002 - the lecture's legacy np.random calls, as written

from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim


def make_distributions(n_samples, n_features, seed=0):
    """The lecture draws 1-D samples of 1000 values after np.random.seed(42); the kit asks for an
    (n_samples, n_features) array per distribution from the given seed, so the same calls get a shape and
    the seed (np.random.seed(seed): the lecture's way, which resets numpy's global generator). Its bimodal
    sample concatenates the two normals' halves; here along each sample's features, so that every sample
    (row) has both bumps. Its skewed sample is the layer-norm example's exponential + normal."""
    np.random.seed(seed)
    shape = (n_samples, n_features)
    half = n_features // 2
    normal_distribution = np.random.normal(loc=0, scale=1, size=shape)
    uniform_distribution = np.random.uniform(low=-2, high=2, size=shape)
    bimodal_distribution = np.concatenate(
        [
            np.random.normal(loc=-1.5, scale=0.5, size=(n_samples, half)),
            np.random.normal(loc=1.5, scale=0.5, size=(n_samples, n_features - half)),
        ],
        axis=1,
    )
    original_dist = np.random.exponential(scale=2.0, size=shape) + np.random.normal(
        loc=3, scale=1, size=shape
    )
    return {
        "normal": normal_distribution,
        "uniform": uniform_distribution,
        "exponential": original_dist,
        "bimodal": bimodal_distribution,
    }


def layer_norm(x, gamma=1.0, beta=0.0, eps=1e-5):
    """The distributions lecture's layer_norm, as written: one sample, statistics over all of x."""
    mean = np.mean(x)
    var = np.var(x)
    x_norm = (x - mean) / np.sqrt(var + eps)
    return gamma * x_norm + beta


def layer_norm_efficient(x, gamma, beta, eps=1e-5):
    """The formula lecture's layer_norm_efficient, as written."""
    # Calculate mean and variance along the last dimension
    mean = np.mean(x, axis=-1, keepdims=True)
    var = np.var(x, axis=-1, keepdims=True)

    # Normalize
    x_norm = (x - mean) / np.sqrt(var + eps)

    # Scale and shift
    return gamma * x_norm + beta


def normalize_per_sample(x, gamma=1.0, beta=0.0, eps=1e-5):
    """The distributions lecture's layer_norm computes the mean and variance over ALL of x: right for its
    1-D sample, but an (N, D) batch needs one mean and variance per sample (row). The formula lecture's
    layer_norm_efficient does exactly that (over the last axis), so it is what this calls; a 1-D x gets
    the same result either way. float64, as the kit's contract asks for a float64 result."""
    return layer_norm_efficient(np.asarray(x, dtype=np.float64), gamma, beta, eps)


def sample_stats(x):
    """Not in the lectures: each sample's mean, std (np.std, population) and standardized third and fourth
    moments, averaged over the samples."""
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    means, stds, skews, kurts = [], [], [], []
    for sample in x:
        mean, std = np.mean(sample), np.std(sample)
        z = (sample - mean) / std
        means.append(mean)
        stds.append(std)
        skews.append(np.mean(z**3))
        kurts.append(np.mean(z**4) - 3)
    return {
        "mean": float(np.mean(means)),
        "std": float(np.mean(stds)),
        "skewness": float(np.mean(skews)),
        "kurtosis": float(np.mean(kurts)),
    }


def predict_distributions():
    return {
        "mean": "fixed",
        "std": "fixed",
        "skewness": "fixed",
        "kurtosis": "fixed",
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
    """The formula lecture's eps example normalizes with (x - mean) / np.sqrt(var + eps) but stops at the
    forward pass; the lab needs dL/dx. The same expression in float64 torch, differentiated by autograd."""
    result = []
    for eps in eps_values:
        t = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
        mean = torch.mean(t, dim=-1, keepdim=True)
        var = torch.var(t, dim=-1, keepdim=True, unbiased=False)
        normalized_with_eps = (t - mean) / torch.sqrt(var + float(eps))
        normalized_with_eps.backward(torch.tensor(np.asarray(dout, dtype=np.float64)))
        result.append(t.grad.abs().max().item())
    return np.array(result)


def loglog_slope(x, y):
    """Not in the lectures: the least-squares line through the logarithms."""
    slope, _ = np.polyfit(np.log(x), np.log(y), 1)
    return float(slope)


def bend_eps(eps_values, values):
    """Not in the lectures: the first point at or below half the first value, interpolated on log axes."""
    target = values[0] / 2
    for k in range(1, len(values)):
        if values[k] <= target:
            t = (np.log(target) - np.log(values[k - 1])) / (
                np.log(values[k]) - np.log(values[k - 1])
            )
            return float(
                np.exp(np.log(eps_values[k - 1]) + t * np.log(eps_values[k] / eps_values[k - 1]))
            )
    return float("inf")


def predict_eps():
    return {"slope": -1, "bend": "std"}


def answer_eps():
    return {"slope": -0.5, "bend": "variance"}


class MNIST_FFN_LN(nn.Module):
    """The MNIST lecture's MNIST_FFN (input 784 -> 64, fc1 64 -> 32, fc2 32 -> 10, log_softmax) with the
    layer norm the lab asks for after its first layer; the lecture's network has none."""

    def __init__(self, in_features=784, norm_cls=None):
        super(MNIST_FFN_LN, self).__init__()  # noqa: UP008 - the lecture's spelling
        self.input = nn.Linear(in_features, 64)
        self.norm = (norm_cls or nn.LayerNorm)(64)
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.input(x)
        x = self.norm(x)
        x = torch.relu(x)
        x = self.fc1(x)
        x = torch.relu(x)
        x = self.fc2(x)
        return torch.log_softmax(x, dim=1)


def make_ln_net(gamma_init, beta_init=0.0, in_features=784, seed=0, norm_cls=None):
    """The formula lecture: gamma is "initially set to 1", beta "initially set to 0"; the lab starts them
    elsewhere, so they are filled after building (torch.manual_seed(seed) first, as the contract asks)."""
    torch.manual_seed(seed)
    net = MNIST_FFN_LN(in_features, norm_cls)
    with torch.no_grad():
        net.norm.weight.fill_(gamma_init)
        net.norm.bias.fill_(beta_init)
    return net


def train_losses(model, train_loader, optimizer, num_steps):
    """The MNIST lecture's training loop (train_and_track_weights), counted in steps instead of epochs:
    the lab records the loss of every step and may run past one epoch; the optimizer comes from the
    caller (the lecture builds optim.SGD(model.parameters(), lr=0.01) inside)."""
    criterion = nn.NLLLoss()
    model.train()
    losses = []
    while len(losses) < num_steps:
        for Xb, yb in train_loader:
            optimizer.zero_grad()
            y_pred_log = model(Xb)
            loss = criterion(y_pred_log, yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if len(losses) == num_steps:
                break
    return np.array(losses)


def moving_average(values, window):
    """Not in the lectures."""
    if not 1 <= window <= len(values):
        raise ValueError(f"window must be between 1 and {len(values)}, got {window}")
    return np.array([np.mean(values[i : i + window]) for i in range(len(values) - window + 1)])


def predict_init():
    return {"fastest": "gamma=1", "slowest": "gamma=10"}


def answer_init():
    return {"fastest": "beta=+1", "slowest": "gamma=0.1"}


def layer_norm_rows_loop(x, gamma, beta, eps=1e-5):
    """The distributions lecture's layer_norm, one sample (row) at a time: its whole-sample statistics are
    exactly one row's."""
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros_like(x)
    for i in range(x.shape[0]):
        out[i] = layer_norm(x[i], gamma, beta, eps)
    return out


def layer_norm_torch_ops(x, gamma, beta, eps=1e-5):
    """The formula lecture's layer_norm_efficient in torch ops (the lecture's is numpy): torch.var is
    unbiased by default where np.var is not, hence unbiased=False."""
    mean = torch.mean(x, dim=-1, keepdim=True)
    var = torch.var(x, dim=-1, keepdim=True, unbiased=False)
    x_norm = (x - mean) / torch.sqrt(var + eps)
    return gamma * x_norm + beta


def predict_efficiency():
    return {"speedup": 10.0}


def answer_efficiency():
    return {"loop_ms": 15.2, "vectorized_ms": 5.24, "speedup": 2.9}


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
    """The initialization lecture's torch.nn.init calls (xavier_normal_, kaiming_normal_, normal_) on a
    stack of Linear layers; the depth, the layer norm and the ValueError are the lab's."""
    init_module = init_module or nn.init
    if init not in ("default", "xavier", "kaiming", "normal"):
        raise ValueError(
            f"init {init!r} not supported, please use one of default, xavier, kaiming, normal"
        )
    torch.manual_seed(seed)
    layers = []
    d = in_features
    for _ in range(depth - 1):
        linear = nn.Linear(d, width)
        layers.append(linear)
        if layer_norm:
            layers.append((norm_cls or nn.LayerNorm)(width))
        layers.append(nn.ReLU())
        d = width
    layers.append(nn.Linear(d, num_classes))
    layers.append(nn.LogSoftmax(dim=1))
    for layer in layers:
        if isinstance(layer, nn.Linear) and init != "default":
            with torch.no_grad():
                if init == "xavier":
                    init_module.xavier_normal_(layer.weight)
                elif init == "kaiming":
                    init_module.kaiming_normal_(layer.weight, nonlinearity="relu")
                else:
                    init_module.normal_(layer.weight, 0.0, 1.0)
                layer.bias.fill_(0.0)
    return nn.Sequential(*layers)


def grad_norms_per_layer(model, x, y):
    """Not in the lectures: each Linear's output kept by a forward hook, its gradient retained."""
    outputs = []

    def keep(module, inputs, output):
        output.retain_grad()
        outputs.append(output)

    handles = [m.register_forward_hook(keep) for m in model.modules() if isinstance(m, nn.Linear)]
    try:
        criterion = nn.NLLLoss()
        loss = criterion(model(x), y)
        loss.backward()
    finally:
        for h in handles:
            h.remove()
    return np.array([o.grad.norm().item() for o in outputs])


def growth_per_layer(values):
    """Not in the lectures."""
    ratios = np.asarray(values[1:], dtype=np.float64) / np.asarray(values[:-1], dtype=np.float64)
    return float(np.prod(ratios) ** (1 / len(ratios)))


def predict_gradients():
    return {
        "default": "stable",
        "xavier": "stable",
        "kaiming": "stable",
        "normal": "stable",
        "default+ln": "stable",
        "xavier+ln": "stable",
        "kaiming+ln": "stable",
        "normal+ln": "stable",
    }


def answer_gradients():
    return {
        "default": "vanishes",
        "xavier": "vanishes",
        "kaiming": "stable",
        "normal": "explodes",
        "default+ln": "stable",
        "xavier+ln": "stable",
        "kaiming+ln": "stable",
        "normal+ln": "stable",
    }


def layer_outputs(model, x):
    """Not in the lectures (the distributions lecture simulates activations with numpy)."""
    activations = {}
    handles = []
    relus = [m for m in model.modules() if isinstance(m, nn.ReLU)]
    for i, relu in enumerate(relus):
        handles.append(
            relu.register_forward_hook(
                lambda module, inputs, output, i=i: activations.__setitem__(
                    i, output.detach().numpy().astype(np.float64)
                )
            )
        )
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
    return [activations[i] for i in range(len(relus))]


def predict_activations():
    return {"without_ln": "grew", "with_ln": "stayed", "drift_by_depth": "even"}


def answer_activations():
    return {"without_ln": "grew", "with_ln": "stayed", "drift_by_depth": "deeper more"}


def make_optimizer(model, name, lr, weight_decay=0.0):
    """The MNIST lecture's optim.SGD(model.parameters(), lr=...), and its Further Exploration's Adam and
    weight decay (L2)."""
    if name == "sgd":
        return optim.SGD(model.parameters(), lr=lr, weight_decay=weight_decay)
    if name == "adam":
        return optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    raise ValueError(f"optimizer {name!r} not supported, please use one of ('sgd', 'adam')")


def train_and_snapshot(model, train_loader, optimizer, num_steps, every=10):
    """The MNIST lecture's train_and_track_weights records all the weights at the start of each epoch
    (as a histogram); the lab keeps every parameter itself (weights and biases: the lecture's Further
    Exploration looks at both) before the first step and every `every` steps."""
    criterion = nn.NLLLoss()
    history = {name: [] for name, _ in model.named_parameters()}

    def record():
        for name, param in model.named_parameters():
            history[name].append(param.detach().flatten().numpy().astype(np.float64))

    record()
    model.train()
    step = 0
    while step < num_steps:
        for Xb, yb in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(Xb), yb)
            loss.backward()
            optimizer.step()
            step += 1
            if step % every == 0:
                record()
            if step == num_steps:
                break
    return {name: np.array(rows) for name, rows in history.items()}


def relative_drift(snapshots):
    """Not in the lectures."""
    start = snapshots[0]
    return np.linalg.norm(snapshots - start, axis=1) / np.linalg.norm(start)


def predict_optimizers():
    return {
        "further": "adam",
        "weight_decay": "narrower",
        "biases_sgd": "less",
        "biases_adam": "less",
    }


def answer_optimizers():
    return {
        "further": "adam",
        "weight_decay": "narrower",
        "biases_sgd": "more",
        "biases_adam": "less",
    }
