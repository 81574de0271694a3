"""Worker-side adapters for the labs group. Trusted code, copied into the worker's staging dir.

Each driver turns the parent's numpy inputs into the call the lab expects (dicts of samples, tensors, a
seeded model and a DataLoader) and returns plain data only (see grader/cases.py). Figures are read here,
by trusted code (axes positions, data limits, lines, scales, legend texts), and closed. Nothing here is a
reference formula: the parent runs these same drivers on solutions/ and on the mutants.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

NAMES = ("normal", "uniform", "exponential", "bimodal")


def _array(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().cpu()
        if value.dtype == torch.bfloat16:
            value = value.float()
        value = value.numpy()
    return np.asarray(value)


def _float64(value: Any) -> np.ndarray:
    return np.asarray(_array(value), dtype=np.float64)


# --- lab 1 -----------------------------------------------------------------------------------------


def distributions(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    n, d, seed = int(inputs["n"]), int(inputs["d"]), int(inputs["seed"])
    first, again, other = (m.make_distributions(n, d, seed=s) for s in (seed, seed, seed + 1))
    keys = sorted(str(k) for k in first) if isinstance(first, dict) else []
    out: dict[str, Any] = {"keys": ",".join(keys)}
    if keys != sorted(NAMES):
        return out
    for name in NAMES:
        a = _float64(first[name])
        out[name] = a
        out[f"{name}_same_seed_equal"] = bool(np.array_equal(a, _float64(again[name])))
        out[f"{name}_other_seed_equal"] = bool(np.array_equal(a, _float64(other[name])))
    return out


def normalize(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    x = np.array(inputs["x"])
    gamma, beta = np.array(inputs["gamma"]), np.array(inputs["beta"])
    if gamma.ndim == 0:  # scalars as Python floats, as the lab's plots pass them
        gamma, beta = float(gamma), float(beta)
    out = m.normalize_per_sample(x, gamma, beta, **_eps(inputs))
    return {"out": _float64(out), "x_after": x}


def _eps(inputs: dict[str, Any]) -> dict[str, float]:
    """eps as a keyword when the case sets one (otherwise the function's default is what is checked)."""
    return {"eps": float(inputs["eps"])} if "eps" in inputs else {}


def _data_axes(fig: Any) -> list:
    return [ax for ax in fig.axes if getattr(ax, "_colorbar", None) is None]


def plot_dists(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    dists = {name: np.array(inputs[name]) for name in NAMES}
    try:
        kwargs = {"gamma": float(inputs["gamma"]), "beta": float(inputs["beta"])}
        if "bins" in inputs:
            kwargs["bins"] = int(inputs["bins"])
        fig = m.plot_distributions(dists, **kwargs)
        if not isinstance(fig, Figure):
            return {"is_figure": False, "returned": type(fig).__name__}
        axes = _data_axes(fig)
        geometry = np.array(
            [
                [
                    ax.get_position().x0,
                    ax.get_position().y0,
                    *ax.dataLim.intervalx,
                    len(ax.patches) + len(ax.lines) + len(ax.collections),
                ]
                for ax in axes
            ],
            dtype=np.float64,
        ).reshape(-1, 5)
        bars = [sum(isinstance(p, Rectangle) for p in ax.patches) for ax in axes]
        return {
            "is_figure": True,
            "axes": geometry,
            "titles": [str(ax.get_title()) for ax in axes],
            "bars": np.array(bars, dtype=np.int64),
        }
    finally:
        plt.close("all")


# --- lab 2 -----------------------------------------------------------------------------------------


def max_grad(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    out = m.max_grad_vs_eps(
        np.array(inputs["x"]), np.array(inputs["dout"]), np.array(inputs["eps"])
    )
    return {"max_grad": _float64(out)}


def _legend_texts(fig: Any) -> list[str]:
    texts: list[str] = []
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is not None:
            texts += [t.get_text() for t in legend.get_texts()]
    for legend in getattr(fig, "legends", []):
        texts += [t.get_text() for t in legend.get_texts()]
    return texts


def _lines(fig: Any) -> dict[str, Any]:
    lines = [line for ax in fig.axes for line in ax.lines]
    xs = [np.asarray(line.get_xdata(), dtype=np.float64) for line in lines]
    ys = [np.asarray(line.get_ydata(), dtype=np.float64) for line in lines]
    same = len({len(y) for y in ys}) == 1 and len({len(x) for x in xs}) == 1
    return {
        "n_lines": len(lines),
        "n_line_axes": len({id(line.axes) for line in lines}),
        "xdata": np.stack(xs) if lines and same else np.zeros((len(lines), 0)),
        "ydata": np.stack(ys) if lines and same else np.zeros((len(lines), 0)),
        "labels": "\n".join(str(line.get_label()) for line in lines),
        "legend": "\n".join(_legend_texts(fig)),
        "xscale": lines[0].axes.get_xscale() if lines else "",
        "yscale": lines[0].axes.get_yscale() if lines else "",
    }


def _curves(inputs: dict[str, Any], prefix: str) -> dict[str, np.ndarray]:
    values = np.array(inputs["curves"])
    return {f"{prefix}{i}": values[i] for i in range(len(values))}


def plot_eps(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    import matplotlib.pyplot as plt

    try:
        fig = m.plot_grad_vs_eps(np.array(inputs["eps"]), _curves(inputs, "row std #"))
        return _lines(fig)
    finally:
        plt.close("all")


# --- lab 3 -----------------------------------------------------------------------------------------


def ln_net(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    gamma, d, seed = float(inputs["gamma"]), int(inputs["in_features"]), int(inputs["seed"])
    model = m.make_ln_net(gamma, in_features=d, seed=seed)
    twin = m.make_ln_net(1.0, in_features=d, seed=seed)
    other = m.make_ln_net(gamma, in_features=d, seed=seed + 1)
    norms = [mod for mod in model.modules() if type(mod).__name__ == "LayerNorm"]
    out: dict[str, Any] = {"n_norms": len(norms)}
    if len(norms) == 1:
        out["norm_weight"] = _float64(norms[0].weight)
        out["norm_bias"] = _float64(norms[0].bias)
    with torch.no_grad():
        out["output"] = _float64(model(torch.from_numpy(np.array(inputs["x"], dtype=np.float32))))
    mine, twin_p = dict(model.named_parameters()), dict(twin.named_parameters())
    other_p = dict(other.named_parameters())
    out["differing"] = ",".join(
        sorted(n for n, p in mine.items() if n in twin_p and not torch.equal(p, twin_p[n]))
    )
    out["other_seed_differing"] = ",".join(
        sorted(n for n, p in mine.items() if n in other_p and not torch.equal(p, other_p[n]))
    )
    return out


def kit_net(in_features: int, classes: int, seed: int) -> nn.Module:
    """The trusted classifier train_losses is judged on (log-probabilities out), seeded."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(in_features, 16), nn.ReLU(), nn.Linear(16, classes), nn.LogSoftmax(dim=1)
    )


def train(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    from torch.utils.data import DataLoader, TensorDataset

    x, y = np.array(inputs["x"], dtype=np.float32), np.array(inputs["y"], dtype=np.int64)
    model = kit_net(x.shape[1], int(y.max()) + 1, int(inputs["seed"]))
    loader = DataLoader(
        TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=int(inputs["batch"])
    )
    losses = m.train_losses(model, loader, int(inputs["num_steps"]), float(inputs["lr"]))
    final = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    return {"losses": _float64(losses), "final_params": _float64(final)}


def plot_losses(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    import matplotlib.pyplot as plt

    try:
        return _lines(m.plot_loss_curves(_curves(inputs, "gamma=#")))
    finally:
        plt.close("all")


# --- lab 4 -----------------------------------------------------------------------------------------


def rows_loop(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    x, gamma, beta = (np.array(inputs[k]) for k in ("x", "gamma", "beta"))
    return {
        "out": _float64(m.layer_norm_rows_loop(x, gamma, beta, **_eps(inputs))),
        "vectorized": _float64(m.normalize_per_sample(x.copy(), gamma, beta, **_eps(inputs))),
    }


def torch_ops(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    dtype = getattr(torch, str(inputs["dtype"]))
    x, gamma, beta = (
        torch.tensor(np.array(inputs[k]), dtype=dtype, device=device)
        for k in ("x", "gamma", "beta")
    )
    x.requires_grad_(True)
    out = m.layer_norm_torch_ops(x, gamma, beta, **_eps(inputs))
    grad = False
    if isinstance(out, torch.Tensor) and out.requires_grad:
        out.sum().backward()
        grad = x.grad is not None
    return {
        "out": _array(out).astype(np.float64),
        "dtype": str(getattr(out, "dtype", type(out).__name__)).removeprefix("torch."),
        "has_grad": grad,
    }
