"""Labs, written blind from the learner release (style "loops": explicit Python loops, hand-written formulas).

Stylistic differences from an obvious reference:

- make_distributions: a local legacy ``np.random.RandomState(seed)`` (seeded, never the global one);
  normal N(5, 2), uniform U(0, 10), an exponential ALONE (scale 1.5), a bimodal mixture whose every
  value picks one of N(-3, 1) / N(+3, 1) by a fair coin (so the bumps need not be equal in size).
- normalize_per_sample: the 1-D case is lifted to one row with ``reshape(1, -1)`` and put back;
  the variance is the mean of the squared centred values (np.mean with keepdims).
- sample_stats: a Python loop over the rows, each moment summed by hand (sum / D), then averaged
  with a running total; no scipy.
- max_grad_vs_eps: my own derivation of the input gradient,
  dx = (dout - mean(dout) - xhat * mean(dout * xhat)) / sqrt(var + eps), one eps per loop iteration.
- loglog_slope: the least-squares slope from hand-accumulated sums (natural log), no polyfit.
- bend_eps: a for loop to find the first index at or under half, interpolation in log10.
- make_ln_net: a custom nn.Module subclass (fc1, norm, fc2, fc3) with F.log_softmax in forward;
  gamma and beta set with .fill_() under torch.no_grad().
- train_losses: an explicit iterator, restarted on StopIteration; nn.NLLLoss; zero_grad right after
  the forward pass (as the docstring orders it).
- moving_average: a plain loop of slices.
- layer_norm_rows_loop: np.empty output and a loop over rows using np.var (ddof 0).
- layer_norm_torch_ops: mean / mean of squared deviations, division by torch.sqrt.
- make_deep_mlp: a list of modules, then nn.Sequential(*list); the init checked before anything is
  built; weights filled in a loop over model.modules().
- grad_norms_per_layer: register_full_backward_hook on every Linear (grad_output[0]), handles removed
  in a finally block.
- growth_per_layer: the closed form (last / first) ** (1 / (n - 1)).
- layer_outputs: register_forward_hook on every ReLU, handles in a list, removed in finally.
- make_optimizer: a dict from name to optimizer class.
- train_and_snapshot: a list of per-snapshot dicts, stacked at the end.
- relative_drift: a loop over the rows.
"""

from __future__ import annotations

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
    rs = np.random.RandomState(seed)
    shape = (n_samples, n_features)
    out: dict[str, np.ndarray] = {}
    out["normal"] = rs.normal(5.0, 2.0, size=shape)
    out["uniform"] = rs.uniform(0.0, 10.0, size=shape)
    out["exponential"] = rs.exponential(1.5, size=shape)
    coin = rs.randint(0, 2, size=shape)  # 0 -> left bump, 1 -> right bump
    centres = np.where(coin == 1, 3.0, -3.0)
    out["bimodal"] = centres + rs.normal(0.0, 1.0, size=shape)
    for key in out:
        out[key] = out[key].astype(np.float64)
    return out


def normalize_per_sample(
    x: np.ndarray,
    gamma: float | np.ndarray = 1.0,
    beta: float | np.ndarray = 0.0,
    eps: float = 1e-5,
) -> np.ndarray:
    a = np.array(x, dtype=np.float64)  # a copy: x stays as it was
    one = a.ndim == 1
    if one:
        a = a.reshape(1, -1)
    mu = np.mean(a, axis=-1, keepdims=True)
    centred = a - mu
    var = np.mean(centred * centred, axis=-1, keepdims=True)
    xhat = centred / np.sqrt(var + eps)
    out = np.asarray(gamma, dtype=np.float64) * xhat + np.asarray(beta, dtype=np.float64)
    if one:
        out = out.reshape(-1)
    return out


def sample_stats(x: np.ndarray) -> dict[str, float]:
    a = np.asarray(x, dtype=np.float64)
    rows = [a] if a.ndim == 1 else list(a)
    totals = {s: 0.0 for s in STATS}
    for row in rows:
        d = row.shape[0]
        m = row.sum() / d
        dev = row - m
        m2 = (dev**2).sum() / d
        m3 = (dev**3).sum() / d
        m4 = (dev**4).sum() / d
        sd = m2**0.5
        totals["mean"] += m
        totals["std"] += sd
        totals["skewness"] += m3 / sd**3
        totals["kurtosis"] += m4 / m2**2 - 3.0
    n = len(rows)
    return {s: float(totals[s] / n) for s in STATS}


def predict_distributions() -> dict[str, str]:
    return {
        "mean": "fixed",
        "std": "fixed",
        "skewness": "kept",
        "kurtosis": "kept",
        "gamma": "std",
        "beta": "mean",
    }


def answer_distributions() -> dict[str, str]:
    # Measured (python -m exercises.lab_tools distributions, on this file):
    #   mean   raw 4.99 / 4.99 / 1.49 / 0.05 -> 0.000 for all four after layer norm
    #   std    raw 1.98 / 2.88 / 1.48 / 3.15 -> 1.000 for all four
    #   skew   0.027 / -0.003 / 1.949 / -0.029 before and after (unchanged)
    #   kurt   -0.008 / -1.190 / 5.600 / -1.616 before and after (unchanged)
    #   gamma = 3: std 1 -> 3, nothing else moved; beta = 2: mean 0 -> 2, nothing else moved.
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
    a = np.asarray(x, dtype=np.float64)
    g = np.asarray(dout, dtype=np.float64)
    eps_list = np.asarray(eps_values, dtype=np.float64).ravel()
    centred = a - a.mean(axis=-1, keepdims=True)
    var = (centred**2).mean(axis=-1, keepdims=True)
    g_centred = g - g.mean(axis=-1, keepdims=True)
    result = np.zeros(len(eps_list), dtype=np.float64)
    for k in range(len(eps_list)):
        sigma = np.sqrt(var + eps_list[k])
        xhat = centred / sigma
        proj = (g * xhat).mean(axis=-1, keepdims=True)
        dx = (g_centred - xhat * proj) / sigma
        result[k] = np.abs(dx).max()
    return result


def loglog_slope(x: np.ndarray, y: np.ndarray) -> float:
    lx = [float(np.log(v)) for v in np.asarray(x, dtype=np.float64)]
    ly = [float(np.log(v)) for v in np.asarray(y, dtype=np.float64)]
    n = len(lx)
    mx = sum(lx) / n
    my = sum(ly) / n
    sxy = 0.0
    sxx = 0.0
    for u, v in zip(lx, ly, strict=True):
        sxy += (u - mx) * (v - my)
        sxx += (u - mx) ** 2
    return sxy / sxx


def bend_eps(eps_values: np.ndarray, values: np.ndarray) -> float:
    e = np.asarray(eps_values, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    target = v[0] / 2.0
    for k in range(len(v)):
        if v[k] <= target:
            if k == 0:
                return float(e[0])
            lo_v, hi_v = np.log10(v[k - 1]), np.log10(v[k])
            lo_e, hi_e = np.log10(e[k - 1]), np.log10(e[k])
            frac = (np.log10(target) - lo_v) / (hi_v - lo_v)
            return float(10.0 ** (lo_e + frac * (hi_e - lo_e)))
    return float(np.inf)


def predict_eps() -> dict[str, Any]:
    return {"slope": -1.0, "bend": "std"}


def answer_eps() -> dict[str, Any]:
    # Measured: bend_eps inf (std 1: never halves within eps <= 1), 3.56e-4 (std 1e-2), 3.56e-8
    # (std 1e-4): the std fell by 100, the bend by 10**4 -> it moves with the variance.
    # loglog_slope past the smallest spread's bend (eps >= 1e-5): -0.500.
    return {"slope": -0.5, "bend": "variance"}


# --- lab init -------------------------------------------------------------------------------------


def make_ln_net(
    gamma_init: float,
    beta_init: float = 0.0,
    in_features: int = 784,
    seed: int = 0,
    norm_cls: type | None = None,
) -> nn.Module:
    import torch
    import torch.nn.functional as F
    from torch import nn

    norm_type = nn.LayerNorm if norm_cls is None else norm_cls

    class LNNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc1 = nn.Linear(in_features, 64)
            self.norm = norm_type(64)
            self.fc2 = nn.Linear(64, 32)
            self.fc3 = nn.Linear(32, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            h = F.relu(self.norm(self.fc1(x)))
            h = F.relu(self.fc2(h))
            return F.log_softmax(self.fc3(h), dim=1)

    torch.manual_seed(seed)
    net = LNNet()
    with torch.no_grad():
        net.norm.weight.fill_(gamma_init)
        net.norm.bias.fill_(beta_init)
    return net


def _next_batch(state: dict, loader: Any) -> Any:
    """The next batch of loader; a fresh pass over it when the current one is used up."""
    try:
        return next(state["it"])
    except (StopIteration, KeyError):
        state["it"] = iter(loader)
        return next(state["it"])


def train_losses(model: nn.Module, train_loader: Any, optimizer: Any, num_steps: int) -> np.ndarray:
    from torch import nn

    criterion = nn.NLLLoss()
    model.train()
    losses = np.zeros(num_steps, dtype=np.float64)
    state: dict = {}
    for t in range(num_steps):
        X, y = _next_batch(state, train_loader)
        loss = criterion(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses[t] = loss.item()
    return losses


def moving_average(values: np.ndarray, window: int) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64)
    n = len(v)
    if window < 1 or window > n:
        raise ValueError(f"window must be between 1 and len(values) = {n}, got {window}")
    out = np.empty(n - window + 1, dtype=np.float64)
    for i in range(n - window + 1):
        out[i] = v[i : i + window].mean()
    return out


def predict_init() -> dict[str, str]:
    return {"fastest": "gamma=1", "slowest": "gamma=0.1"}


def answer_init() -> dict[str, str]:
    # Measured smoothed final losses: gamma=0.1 2.287, gamma=1 1.437, gamma=10 2.140,
    # beta=-1 1.895, beta=+1 1.028.
    return {"fastest": "beta=+1", "slowest": "gamma=0.1"}


# --- lab efficiency -------------------------------------------------------------------------------


def layer_norm_rows_loop(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5
) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    g = np.asarray(gamma, dtype=np.float64)
    b = np.asarray(beta, dtype=np.float64)
    out = np.empty(a.shape, dtype=np.float64)
    for i in range(a.shape[0]):
        row = a[i]
        m = row.mean()
        v = row.var()  # ddof=0, the biased variance
        out[i] = g * ((row - m) / np.sqrt(v + eps)) + b
    return out


def layer_norm_torch_ops(
    x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5
) -> torch.Tensor:
    import torch

    mu = x.mean(dim=-1, keepdim=True)
    dev = x - mu
    var = (dev * dev).mean(dim=-1, keepdim=True)
    return gamma * (dev / torch.sqrt(var + eps)) + beta


def predict_efficiency() -> dict[str, float]:
    return {"speedup": 30.0}


def answer_efficiency() -> dict[str, float]:
    # Measured (median of 5 rounds, 1024 x 512 float32): row loop 17.856 ms, numpy vectorized
    # 6.113 ms -> 2.92 times faster (numpy inside the loop already vectorizes each 512-long row).
    return {"loop_ms": 17.856, "vectorized_ms": 6.113, "speedup": 17.856 / 6.113}


# --- lab gradients --------------------------------------------------------------------------------

_SCHEMES = ("default", "xavier", "kaiming", "normal")


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

    if init not in _SCHEMES:
        raise ValueError(
            f"init {init!r} not supported, please use one of {', '.join(map(repr, _SCHEMES))}"
        )
    if depth < 2:
        raise ValueError(f"depth must be at least 2, got {depth}")
    if init_module is None:
        init_module = nn.init
    if norm_cls is None:
        norm_cls = nn.LayerNorm

    torch.manual_seed(seed)
    layers: list = []
    fan_in = in_features
    for _ in range(depth - 1):
        layers.append(nn.Linear(fan_in, width))
        if layer_norm:
            layers.append(norm_cls(width))
        layers.append(nn.ReLU())
        fan_in = width
    layers.append(nn.Linear(fan_in, num_classes))
    layers.append(nn.LogSoftmax(dim=1))
    model = nn.Sequential(*layers)

    if init != "default":
        for module in model.modules():
            if not isinstance(module, nn.Linear):
                continue
            if init == "xavier":
                init_module.xavier_normal_(module.weight)
            elif init == "kaiming":
                init_module.kaiming_normal_(module.weight, nonlinearity="relu")
            else:
                init_module.normal_(module.weight, 0.0, 1.0)
            init_module.zeros_(module.bias)
    return model


def grad_norms_per_layer(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    from torch import nn

    found: list[float] = []
    order: list[int] = []  # index of the Linear (in model.modules() order) each gradient belongs to
    hooks = []
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    met: list[int] = []  # forward order

    def forward_hook(idx: int):
        def fn(module, inputs, output):
            met.append(idx)

        return fn

    def backward_hook(idx: int):
        def fn(module, grad_input, grad_output):
            order.append(idx)
            found.append(float(grad_output[0].detach().double().pow(2).sum().sqrt()))

        return fn

    try:
        for i, lin in enumerate(linears):
            hooks.append(lin.register_forward_hook(forward_hook(i)))
            hooks.append(lin.register_full_backward_hook(backward_hook(i)))
        out = model(x)
        loss = nn.NLLLoss()(out, y)
        loss.backward()
    finally:
        for h in hooks:
            h.remove()
    by_layer = dict(zip(order, found, strict=True))
    return np.array([by_layer[i] for i in met], dtype=np.float64)


def growth_per_layer(values: np.ndarray) -> float:
    v = np.asarray(values, dtype=np.float64)
    n = len(v)
    return float((v[n - 1] / v[0]) ** (1.0 / (n - 1)))


def predict_gradients() -> dict[str, str]:
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


def answer_gradients() -> dict[str, str]:
    # Measured growth_per_layer, last layer back to first: default 0.401, xavier 0.740,
    # kaiming 1.021, normal 5.808; default+ln 1.108, xavier+ln 1.132, kaiming+ln 1.137,
    # normal+ln 0.989 (with LN the curves are flat from layer 10 to 2, only layer 1 sits higher).
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

    collected: list[np.ndarray] = []

    def keep(module, inputs, output):
        collected.append(output.detach().cpu().numpy().astype(np.float64))

    handles = []
    try:
        for module in model.modules():
            if isinstance(module, nn.ReLU):
                handles.append(module.register_forward_hook(keep))
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
    return collected


def predict_activations() -> dict[str, str]:
    return {"without_ln": "grew", "with_ln": "stayed", "drift_by_depth": "deeper more"}


def answer_activations() -> dict[str, str]:
    # Measured after / before spreads without LN [1.76, 2.48, 3.16, 3.74, 3.43] (growth_per_layer
    # 1.181); with LN [1.09, 1.02, 1.05, 1.08, 1.06].
    return {"without_ln": "grew", "with_ln": "stayed", "drift_by_depth": "deeper more"}


# --- lab optimizers -------------------------------------------------------------------------------


def make_optimizer(model: nn.Module, name: str, lr: float, weight_decay: float = 0.0) -> Any:
    import torch

    classes = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}
    if name not in classes:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {sorted(classes)}")
    return classes[name](model.parameters(), lr=lr, weight_decay=weight_decay)


def train_and_snapshot(
    model: nn.Module, train_loader: Any, optimizer: Any, num_steps: int, every: int = 10
) -> dict[str, np.ndarray]:
    from torch import nn

    def snap() -> dict[str, np.ndarray]:
        return {
            name: p.detach().cpu().numpy().astype(np.float64).reshape(-1).copy()
            for name, p in model.named_parameters()
        }

    criterion = nn.NLLLoss()
    model.train()
    history = [snap()]
    state: dict = {}
    for step in range(1, num_steps + 1):
        X, y = _next_batch(state, train_loader)
        loss = criterion(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % every == 0:
            history.append(snap())
    return {name: np.stack([h[name] for h in history]) for name in history[0]}


def relative_drift(snapshots: np.ndarray) -> np.ndarray:
    s = np.asarray(snapshots, dtype=np.float64)
    start = s[0]
    start_norm = np.sqrt(np.sum(start * start))
    out = np.zeros(s.shape[0], dtype=np.float64)
    for t in range(s.shape[0]):
        d = s[t] - start
        out[t] = np.sqrt(np.sum(d * d)) / start_norm
    return out


def predict_optimizers() -> dict[str, str]:
    return {
        "further": "adam",
        "weight_decay": "narrower",
        "biases_sgd": "less",
        "biases_adam": "more",
    }


def answer_optimizers() -> dict[str, str]:
    # Measured relative_drift at the end: sgd weights 0.066, biases 0.164; adam weights 0.486,
    # biases 0.244; weights' std at the end: sgd 0.0260, sgd+wd 0.0213.
    return {
        "further": "adam",
        "weight_decay": "narrower",
        "biases_sgd": "more",
        "biases_adam": "less",
    }
