"""Labs, written blind from the learner release (style "vectorized": einsum, batched autograd, no loops).

Stylistic differences from an obvious reference (and from labs_loops.py):

- make_distributions: np.random.default_rng(seed) spawns one child generator per distribution
  (SeedSequence.spawn), so each sample's draws do not depend on the others'; normal N(-2, 0.5),
  uniform U(5, 9), exponential(1) PLUS a normal of std 0.5 (the lecture's way), bimodal with EXACTLY
  half of each row from N(10, 1) and half from N(16, 1), the two halves shuffled within the row
  (Generator.permuted along axis 1).
- normalize_per_sample: np.einsum for the sums (means and the sum of squared deviations), any
  number of leading axes, float64 throughout.
- sample_stats: vectorized over rows with central moments from np.einsum, kurtosis as
  m4 / m2**2 - 3 and skewness as m3 / m2**1.5 (moments of the raw deviations, not of z).
- max_grad_vs_eps: torch autograd in float64, ALL eps at once: x broadcast to (K, N, D) as a leaf,
  torch.var_mean(correction=0), one backward; the max |grad| per eps by amax over (1, 2).
- loglog_slope: np.linalg.lstsq on a [log2 x, 1] design matrix.
- bend_eps: np.flatnonzero for the first crossing, np.interp in log space (between the two points).
- make_ln_net: an nn.Sequential built from an OrderedDict of named layers with nn.LogSoftmax;
  the seed applied inside torch.random.fork_rng() (same weights as torch.manual_seed(seed), but the
  caller's global torch RNG is left as it was); gamma/beta set by nn.init.constant_.
- train_losses: a generator that re-enters ``for batch in loader`` forever (restarting the loader),
  F.nll_loss, losses gathered in a Python list then np.fromiter.
- moving_average: a cumulative sum difference (np.cumsum with a leading 0).
- layer_norm_rows_loop: rows collected in a list and np.stack-ed; each row's variance from np.dot.
- layer_norm_torch_ops: torch.var_mean(correction=0) and torch.rsqrt, torch.addcmul for gamma * xhat + beta.
- make_deep_mlp: nn.Sequential with add_module and explicit names (lin0, norm0, act0, ...); the
  scheme dispatched through a dict of lambdas; biases zeroed by .zero_() under torch.no_grad().
- grad_norms_per_layer: forward hooks keep each Linear's output; torch.autograd.grad(L, outputs)
  gives dL/d(output) directly (no .grad written into the model's parameters); hooks removed by a
  contextlib.ExitStack.
- growth_per_layer: exp of the mean of the log ratios (np.diff of np.log).
- layer_outputs: hooks registered inside a contextlib.ExitStack (removed however the forward ends).
- make_optimizer: a match statement.
- train_and_snapshot: arrays preallocated (num_steps // every + 1, P) per parameter, rows written in
  place; each parameter copied with np.array(p.detach().cpu().numpy(), dtype=float64).
- relative_drift: np.linalg.norm over axis 1 of (S - S[0]).
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # annotations only
    import torch
    from torch import nn

DISTRIBUTIONS = ("normal", "uniform", "exponential", "bimodal")
STATS = ("mean", "std", "skewness", "kurtosis")

EFFECTS = ("fixed", "kept", "changed")
SETS = ("mean", "std", "skewness", "kurtosis", "none")
BENDS = ("variance", "std", "fixed")
INIT_RUNS = ("gamma=0.1", "gamma=1", "gamma=10", "beta=-1", "beta=+1")
GRADIENT_RUNS = (
    "default",
    "xavier",
    "kaiming",
    "normal",
    "default+ln",
    "xavier+ln",
    "kaiming+ln",
    "normal+ln",
)
TRENDS = ("vanishes", "stable", "explodes")
CHANGES = ("grew", "stayed", "shrank")
DEPTH_TRENDS = ("deeper more", "even", "deeper less")
FURTHER = ("sgd", "adam", "same")
SPREADS = ("narrower", "same", "wider")
BIAS_MOVES = ("more", "same", "less")


# --- lab distributions ----------------------------------------------------------------------------


def make_distributions(n_samples: int, n_features: int, seed: int = 0) -> dict[str, np.ndarray]:
    streams = np.random.default_rng(seed).spawn(4)
    shape = (n_samples, n_features)
    g_norm, g_unif, g_exp, g_bi = streams
    half = (n_features + 1) // 2
    bumps = np.concatenate(
        [
            g_bi.normal(10.0, 1.0, (n_samples, half)),
            g_bi.normal(16.0, 1.0, (n_samples, n_features - half)),
        ],
        axis=1,
    )
    return {
        "normal": g_norm.normal(-2.0, 0.5, shape),
        "uniform": g_unif.uniform(5.0, 9.0, shape),
        "exponential": g_exp.exponential(1.0, shape) + g_exp.normal(0.0, 0.5, shape),
        "bimodal": g_bi.permuted(bumps, axis=1),
    }


def normalize_per_sample(
    x: np.ndarray,
    gamma: float | np.ndarray = 1.0,
    beta: float | np.ndarray = 0.0,
    eps: float = 1e-5,
) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    d = a.shape[-1]
    mu = np.einsum("...d->...", a)[..., None] / d
    c = a - mu  # a new array: x is never written to
    var = np.einsum("...d,...d->...", c, c)[..., None] / d
    return np.float64(1.0) * gamma * c / np.sqrt(var + eps) + beta


def sample_stats(x: np.ndarray) -> dict[str, float]:
    a = np.atleast_2d(np.asarray(x, dtype=np.float64))
    d = a.shape[-1]
    mean = np.einsum("nd->n", a) / d
    c = a - mean[:, None]
    c2 = c * c
    m2 = np.einsum("nd->n", c2) / d
    m3 = np.einsum("nd,nd->n", c2, c) / d
    m4 = np.einsum("nd,nd->n", c2, c2) / d
    per_row = {
        "mean": mean,
        "std": np.sqrt(m2),
        "skewness": m3 / m2**1.5,
        "kurtosis": m4 / m2**2 - 3.0,
    }
    return {k: float(v.mean()) for k, v in per_row.items()}


def predict_distributions() -> dict[str, str]:
    return {
        "mean": "fixed",
        "std": "fixed",
        "skewness": "changed",
        "kurtosis": "kept",
        "gamma": "std",
        "beta": "mean",
    }


def answer_distributions() -> dict[str, str]:
    # My table (lab_tools distributions): after layer norm every mean is 0.000 and every std 1.000,
    # whatever went in (raw means -2.0 / 7.0 / 1.0 / 13.0, stds 0.50 / 1.15 / 1.11 / 3.16); the
    # skewness (-0.015 / 0.019 / 1.383 / 0.001) and the kurtosis (0.044 / -1.185 / 3.416 / -1.614)
    # are the same before and after (my prediction "changed" for the skewness was wrong). gamma = 3
    # only took the std to 3.000; beta = 2 only took the mean to 2.000.
    return {
        "mean": "fixed",
        "std": "fixed",
        "skewness": "kept",
        "kurtosis": "kept",
        "gamma": "std",
        "beta": "mean",
    }


# --- lab eps --------------------------------------------------------------------------------------


def max_grad_vs_eps(x: np.ndarray, dout: np.ndarray, eps_values: np.ndarray) -> np.ndarray:
    import torch

    eps = torch.as_tensor(np.asarray(eps_values, dtype=np.float64)).reshape(-1, 1, 1)
    base = torch.as_tensor(np.asarray(x, dtype=np.float64))
    g = torch.as_tensor(np.asarray(dout, dtype=np.float64))
    xs = base.expand(eps.shape[0], *base.shape).clone().requires_grad_(True)  # (K, N, D) leaf
    var, mean = torch.var_mean(xs, dim=-1, keepdim=True, correction=0)
    out = (xs - mean) / torch.sqrt(var + eps)
    (grad,) = torch.autograd.grad((out * g).sum(), xs)
    return grad.abs().amax(dim=(1, 2)).numpy().astype(np.float64)


def loglog_slope(x: np.ndarray, y: np.ndarray) -> float:
    lx = np.log2(np.asarray(x, dtype=np.float64))
    ly = np.log2(np.asarray(y, dtype=np.float64))
    design = np.column_stack([lx, np.ones_like(lx)])
    (slope, _), *_ = np.linalg.lstsq(design, ly, rcond=None)
    return float(slope)


def bend_eps(eps_values: np.ndarray, values: np.ndarray) -> float:
    e = np.log(np.asarray(eps_values, dtype=np.float64))
    v = np.log(np.asarray(values, dtype=np.float64))
    target = v[0] - np.log(2.0)
    below = np.flatnonzero(v <= target)
    if below.size == 0:
        return float(np.inf)
    k = int(below[0])
    # np.interp needs increasing xp: the curve falls, so interpolate on the negated log values
    return float(np.exp(np.interp(-target, [-v[k - 1], -v[k]], [e[k - 1], e[k]])))


def predict_eps() -> dict[str, Any]:
    return {"slope": -1.5, "bend": "fixed"}


def answer_eps() -> dict[str, Any]:
    # My run: bend_eps inf / 0.000356 / 3.56e-08 for rows of std 1 / 0.01 / 0.0001, i.e. each
    # factor 100 less std moves the bend down by 10**4 = 100**2: it follows the variance.
    # loglog_slope past the bend: -0.500.
    return {"slope": -0.500, "bend": "variance"}


# --- lab init -------------------------------------------------------------------------------------


def make_ln_net(
    gamma_init: float,
    beta_init: float = 0.0,
    in_features: int = 784,
    seed: int = 0,
    norm_cls: type | None = None,
) -> nn.Module:
    import torch
    from torch import nn

    norm = norm_cls or nn.LayerNorm
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = nn.Sequential(
            OrderedDict(
                [
                    ("hidden1", nn.Linear(in_features, 64)),
                    ("ln", norm(64)),
                    ("relu1", nn.ReLU()),
                    ("hidden2", nn.Linear(64, 32)),
                    ("relu2", nn.ReLU()),
                    ("logits", nn.Linear(32, 10)),
                    ("log_probs", nn.LogSoftmax(dim=1)),
                ]
            )
        )
    nn.init.constant_(net.ln.weight, gamma_init)
    nn.init.constant_(net.ln.bias, beta_init)
    return net


def _endless(loader: Any):
    """Every batch of loader, pass after pass (a new iteration of the loader each time it runs out)."""
    while True:
        empty = True
        for batch in loader:
            empty = False
            yield batch
        if empty:
            raise ValueError("the loader yields no batches")


def train_losses(model: nn.Module, train_loader: Any, optimizer: Any, num_steps: int) -> np.ndarray:
    import torch.nn.functional as F

    model.train()
    recorded: list[float] = []
    batches = _endless(train_loader)
    for _, (X, y) in zip(range(num_steps), batches):
        loss = F.nll_loss(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        recorded.append(loss.item())
    return np.fromiter(recorded, dtype=np.float64, count=len(recorded))


def moving_average(values: np.ndarray, window: int) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64).ravel()
    if not 1 <= window <= v.size:
        raise ValueError(f"window {window} outside 1 .. {v.size} (the number of values)")
    csum = np.concatenate(([0.0], np.cumsum(v)))
    return (csum[window:] - csum[:-window]) / window


def predict_init() -> dict[str, str]:
    return {"fastest": "gamma=10", "slowest": "beta=-1"}


def answer_init() -> dict[str, str]:
    # My run (smoothed final loss): gamma=0.1 2.287, gamma=1 1.437, gamma=10 2.140, beta=-1 1.895,
    # beta=+1 1.028 -> beta=+1 lowest, gamma=0.1 highest (gamma=10 second highest, 0.147 above the
    # tie margin).
    return {"fastest": "beta=+1", "slowest": "gamma=0.1"}


# --- lab efficiency -------------------------------------------------------------------------------


def layer_norm_rows_loop(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5
) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    g = np.asarray(gamma, dtype=np.float64)
    b = np.asarray(beta, dtype=np.float64)
    d = a.shape[1]
    rows = []
    for row in a:
        c = row - row.sum() / d
        inv = 1.0 / np.sqrt(np.dot(c, c) / d + eps)
        rows.append(c * inv * g + b)
    return np.stack(rows) if rows else np.empty_like(a)


def layer_norm_torch_ops(
    x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5
) -> torch.Tensor:
    import torch

    var, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
    xhat = (x - mean) * torch.rsqrt(var + eps)
    return torch.addcmul(beta, gamma, xhat)


def predict_efficiency() -> dict[str, float]:
    return {"speedup": 100.0}


def answer_efficiency() -> dict[str, float]:
    # My table: row loop (labs.16) 11.706 ms, numpy vectorized (labs.2) 3.998 ms.
    loop_ms, vectorized_ms = 11.706, 3.998
    return {"loop_ms": loop_ms, "vectorized_ms": vectorized_ms, "speedup": 2.93}


# --- lab gradients --------------------------------------------------------------------------------


def make_deep_mlp(
    depth: int,
    width: int = 64,
    init: str = "default",
    layer_norm: bool = False,
    in_features: int = 784,
    num_classes: int = 10,
    seed: int = 0,
    init_module: Any = None,
    norm_cls: type | None = None,
) -> nn.Sequential:
    import torch
    from torch import nn

    im = init_module if init_module is not None else nn.init
    fills = {
        "default": None,
        "xavier": lambda w: im.xavier_normal_(w),
        "kaiming": lambda w: im.kaiming_normal_(w, nonlinearity="relu"),
        "normal": lambda w: im.normal_(w, 0.0, 1.0),
    }
    if init not in fills:
        raise ValueError(f"init {init!r} not supported, please use one of {list(fills)}")
    if depth < 2:
        raise ValueError(f"depth {depth}: a deep MLP needs depth >= 2")
    norm = norm_cls if norm_cls is not None else nn.LayerNorm

    torch.manual_seed(seed)
    model = nn.Sequential()
    sizes = [in_features] + [width] * (depth - 1)
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        model.add_module(f"lin{i}", nn.Linear(fan_in, fan_out))
        if layer_norm:
            model.add_module(f"norm{i}", norm(fan_out))
        model.add_module(f"act{i}", nn.ReLU())
    model.add_module(f"lin{depth - 1}", nn.Linear(sizes[-1], num_classes))
    model.add_module("log_softmax", nn.LogSoftmax(dim=1))

    fill = fills[init]
    if fill is not None:
        linears = [m for m in model if isinstance(m, nn.Linear)]
        for lin in linears:
            fill(lin.weight)
            with torch.no_grad():
                lin.bias.zero_()
    return model


def grad_norms_per_layer(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    import torch
    import torch.nn.functional as F
    from torch import nn

    outputs: list[torch.Tensor] = []
    with contextlib.ExitStack() as stack:
        for m in model.modules():
            if isinstance(m, nn.Linear):
                h = m.register_forward_hook(lambda mod, inp, out: outputs.append(out))
                stack.callback(h.remove)
        with torch.enable_grad():
            loss = F.nll_loss(model(x), y)
    grads = torch.autograd.grad(loss, outputs, allow_unused=True)
    norms = [
        0.0 if g is None else float(np.linalg.norm(g.detach().cpu().numpy().astype(np.float64)))
        for g in grads
    ]
    return np.array(norms, dtype=np.float64)


def growth_per_layer(values: np.ndarray) -> float:
    logs = np.log(np.asarray(values, dtype=np.float64))
    return float(np.exp(np.diff(logs).mean()))


def predict_gradients() -> dict[str, str]:
    return {
        "default": "stable",
        "xavier": "stable",
        "kaiming": "stable",
        "normal": "explodes",
        "default+ln": "stable",
        "xavier+ln": "stable",
        "kaiming+ln": "stable",
        "normal+ln": "explodes",
    }


def answer_gradients() -> dict[str, str]:
    # My run, growth_per_layer read from the last layer back: default 0.401, xavier 0.740,
    # kaiming 1.021, normal 5.808, default+ln 1.108, xavier+ln 1.132, kaiming+ln 1.137,
    # normal+ln 0.989. With LN the plotted norms stay between about 0.11 and 0.21 from layer 10 to
    # layer 2 and only the first layer is higher (0.30-0.40): flat, not a steady growth.
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


# --- lab activations ------------------------------------------------------------------------------


def layer_outputs(model: nn.Module, x: torch.Tensor) -> list[np.ndarray]:
    import torch
    from torch import nn

    seen: list[np.ndarray] = []

    def record(_module: nn.Module, _inputs: Any, output: torch.Tensor) -> None:
        seen.append(np.array(output.detach().cpu().numpy(), dtype=np.float64))

    with contextlib.ExitStack() as stack:
        for relu in (m for m in model.modules() if isinstance(m, nn.ReLU)):
            stack.callback(relu.register_forward_hook(record).remove)
        with torch.no_grad():
            model(x)
    return seen


def predict_activations() -> dict[str, str]:
    return {"without_ln": "shrank", "with_ln": "stayed", "drift_by_depth": "even"}


def answer_activations() -> dict[str, str]:
    # My run: without LN after / before = [1.76, 2.48, 3.16, 3.74, 3.43] (last 3.43, growth_per_layer
    # 1.181); with LN [1.09, 1.02, 1.05, 1.08, 1.06] (last 1.06).
    return {"without_ln": "grew", "with_ln": "stayed", "drift_by_depth": "deeper more"}


# --- lab optimizers -------------------------------------------------------------------------------


def make_optimizer(model: nn.Module, name: str, lr: float, weight_decay: float = 0.0) -> Any:
    import torch

    match name:
        case "sgd":
            cls = torch.optim.SGD
        case "adam":
            cls = torch.optim.Adam
        case _:
            raise ValueError(f"optimizer {name!r} not supported, please use one of 'sgd', 'adam'")
    return cls(model.parameters(), lr=lr, weight_decay=weight_decay)


def train_and_snapshot(
    model: nn.Module, train_loader: Any, optimizer: Any, num_steps: int, every: int = 10
) -> dict[str, np.ndarray]:
    import torch.nn.functional as F

    params = dict(model.named_parameters())
    n_snaps = num_steps // every + 1
    snaps = {k: np.empty((n_snaps, p.numel()), dtype=np.float64) for k, p in params.items()}

    def take(row: int) -> None:
        for k, p in params.items():
            snaps[k][row] = np.array(p.detach().cpu().numpy(), dtype=np.float64).ravel()

    model.train()
    take(0)
    batches = _endless(train_loader)
    for step in range(1, num_steps + 1):
        X, y = next(batches)
        loss = F.nll_loss(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % every == 0:
            take(step // every)
    return snaps


def relative_drift(snapshots: np.ndarray) -> np.ndarray:
    s = np.asarray(snapshots, dtype=np.float64)
    return np.linalg.norm(s - s[0], axis=1) / np.linalg.norm(s[0])


def predict_optimizers() -> dict[str, str]:
    return {
        "further": "sgd",
        "weight_decay": "narrower",
        "biases_sgd": "same",
        "biases_adam": "same",
    }


def answer_optimizers() -> dict[str, str]:
    # My run: relative_drift sgd weights 0.066 / biases 0.164; adam weights 0.486 / biases 0.244;
    # weights' std at the end sgd 0.0260, sgd+wd 0.0213 (ratio 0.82).
    return {
        "further": "adam",
        "weight_decay": "narrower",
        "biases_sgd": "more",
        "biases_adam": "less",
    }
