"""Worker-side adapters for the histograms group. Trusted code, copied into the worker's staging dir.

Every driver builds its models from parameter values the parent chose (inputs ``p:<parameter name>``),
calls the learner's function and returns plain data only (see grader/judging/cases.py): numpy arrays, scalars,
strings, lists. Figures are read here, by trusted code (lines, colours, image arrays), and closed.
The parent imports this module too, for the model layouts (``param_shapes``) and to rebuild a ProbeNet
from logged parameters; nothing here is a reference formula.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import torch
from torch import nn

from ._wire import error, numeric_array

PARAM = "p:"  # prefix of the inputs that carry parameter values
MAX_CALLS = 4000  # a runaway training loop cannot make the reply huge


# --- models with parent-chosen weights -------------------------------------------------------------


class HistNet(nn.Module):
    """Every kind of weight the exercise meets: Embedding, Linear, LayerNorm and Conv1d (+ biases)."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(6, 4)
        self.block = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.LayerNorm(16))
        self.conv = nn.Conv1d(2, 3, 3)
        self.head = nn.Linear(16, 5)


class ProbeNet(nn.Module):
    """6 -> 16 -> 3 classifier with log-probabilities out. Logs every forward call: train/eval mode,
    whether gradients were on, the batch size, the predicted classes and every parameter's value."""

    def __init__(self, in_features: int = 6, hidden: int = 16, classes: int = 3) -> None:
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc2 = nn.Linear(hidden, classes)
        self.log: list[tuple[bool, bool, np.ndarray, np.ndarray]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.log_softmax(self.fc2(torch.relu(self.fc1(x))), dim=1)
        if len(self.log) < MAX_CALLS:
            flat = torch.cat([p.detach().reshape(-1) for p in self.parameters()]).cpu().numpy()
            pred = out.detach().argmax(dim=1).cpu().numpy().astype(np.int64)
            self.log.append((self.training, torch.is_grad_enabled(), pred, flat.copy()))
        return out


class LayerNorm(nn.Module):
    """A LayerNorm that is not an nn.LayerNorm subclass, like the kit's own."""

    def __init__(self, d: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.bias = nn.Parameter(torch.zeros(d))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mu = x.mean(-1, keepdim=True)
        var = x.var(-1, keepdim=True, unbiased=False)
        return (x - mu) / torch.sqrt(var + 1e-5) * self.weight + self.bias


class StatsNet(nn.Module):
    """Linear, nn.LayerNorm, the kit-like LayerNorm, ReLU/Tanh and a ModuleList: names nest."""

    def __init__(self, d_in: int = 10) -> None:
        super().__init__()
        self.stem = nn.Linear(d_in, 48)
        self.body = nn.Sequential(nn.ReLU(), nn.LayerNorm(48), nn.Linear(48, 48), nn.Tanh())
        self.kit_norm = LayerNorm(48)
        self.heads = nn.ModuleList([nn.Linear(48, 24), nn.Linear(24, 16)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.kit_norm(self.body(self.stem(x)))
        return self.heads[1](torch.relu(self.heads[0](h)))


MODELS = {"hist": HistNet, "probe": ProbeNet, "stats": StatsNet}


def param_shapes(kind: str) -> dict[str, tuple[int, ...]]:
    """{parameter name: shape} of one of MODELS (the parent draws inputs from it)."""
    return dict(_param_shapes(kind))


@functools.cache
def _param_shapes(kind: str) -> tuple[tuple[str, tuple[int, ...]], ...]:
    return tuple((n, tuple(p.shape)) for n, p in MODELS[kind]().named_parameters())


def build(kind: str, inputs: dict[str, Any], scale: float = 1.0) -> nn.Module:
    """MODELS[kind] with every parameter set from inputs["p:<name>"] (times scale)."""
    # CPU generator only: torch.manual_seed also queues a CUDA seed call with its formatted stack (ms per
    # call, kept for ever) while CUDA is not initialised
    torch.default_generator.manual_seed(0)
    model = MODELS[kind]()
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.as_tensor(np.asarray(inputs[PARAM + name]), dtype=p.dtype) * scale)
    return model


def probe_from_flat(flat: np.ndarray) -> ProbeNet:
    """A ProbeNet whose parameters are the flat vector a ProbeNet logged (parent: the SGD check)."""
    return load_flat(ProbeNet(), flat)


def load_flat(model: ProbeNet, flat: np.ndarray) -> ProbeNet:
    """Set model's parameters to the flat vector; gradients cleared, the call log emptied."""
    with torch.no_grad():
        torch.nn.utils.vector_to_parameters(
            torch.as_tensor(np.asarray(flat, np.float32)), model.parameters()
        )
    model.zero_grad(set_to_none=True)
    model.log.clear()
    return model


# --- plain data out --------------------------------------------------------------------------------


def _kwargs(inputs: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if "num_bins" in inputs:
        kwargs["num_bins"] = int(inputs["num_bins"])
    for key in ("min_val", "max_val"):
        if key in inputs:
            kwargs[key] = float(inputs[key])
    return kwargs


# --- get_weight_histogram and HistogramTracker -----------------------------------------------------


def weight_histogram(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    model = build("hist", inputs).to(device)
    histx, histy = m.get_weight_histogram(model, **_kwargs(inputs))
    return {"histx": numeric_array(histx), "histy": numeric_array(histy)}


def tracker(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """An empty tracker's counts, then one record per entry of inputs["scales"] (weights x scale)."""
    t = m.HistogramTracker(**_kwargs(inputs))
    out: dict[str, Any] = {"counts_before": numeric_array(t.counts), "len_before": len(t)}
    for s in np.asarray(inputs["scales"]).tolist():
        t.record(build("hist", inputs, scale=float(s)).to(device))
    out.update(counts=numeric_array(t.counts), centers=numeric_array(t.centers), len_after=len(t))
    return out


# --- train_and_track_weights -----------------------------------------------------------------------


def train(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """Train a logging ProbeNet on the parent's arrays (loaders in a fixed order, no shuffling)."""
    from torch.utils.data import DataLoader, TensorDataset

    torch.default_generator.manual_seed(0)
    model = build("probe", inputs)
    batch = int(inputs["batch_size"])

    def loader(x: np.ndarray, y: np.ndarray) -> DataLoader:
        data = TensorDataset(torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y).long())
        return DataLoader(data, batch_size=batch, shuffle=False)

    train_loader = loader(inputs["x_train"], inputs["y_train"])
    test_loader = loader(inputs["x_test"], inputs["y_test"])
    kwargs: dict[str, Any] = {"num_epochs": int(inputs["num_epochs"]), "lr": float(inputs["lr"])}
    if device != "cpu":
        kwargs["device"] = device
    result = m.train_and_track_weights(model, train_loader, test_loader, **kwargs)
    histx, histy, train_accs, test_accs = result
    log = model.log
    final = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).cpu().numpy()
    return {
        "histx": numeric_array(histx),
        "histy": numeric_array(histy),
        "train_accs": numeric_array(train_accs),
        "test_accs": numeric_array(test_accs),
        "training": np.array([c[0] for c in log], dtype=bool),
        "grad": np.array([c[1] for c in log], dtype=bool),
        "sizes": np.array([len(c[2]) for c in log], dtype=np.int64),
        "preds": np.concatenate([c[2] for c in log]) if log else np.zeros(0, np.int64),
        "params": np.stack([c[3] for c in log]).astype(np.float64)
        if log
        else np.zeros((0, final.size)),
        "final": final.astype(np.float64),
        "n_train_batches": len(train_loader),
        "n_test_batches": len(test_loader),
    }


# --- plots -----------------------------------------------------------------------------------------


def _figure_of(returned: Any, fallback: Any) -> Any:
    from matplotlib.figure import Figure

    if isinstance(returned, Figure):
        return returned
    fig = getattr(returned, "figure", None)  # an Axes returned by mistake: read its figure anyway
    return fig if isinstance(fig, Figure) else fallback


def _lines(fig: Any) -> dict[str, Any]:
    from matplotlib.colors import to_rgba

    lines = [line for ax in fig.axes for line in ax.lines] if fig is not None else []
    ys = [np.asarray(line.get_ydata(), dtype=np.float64) for line in lines]
    xs = [np.asarray(line.get_xdata(), dtype=np.float64) for line in lines]
    same = len({len(y) for y in ys}) == 1
    return {
        "n_lines": len(lines),
        "ydata": np.stack(ys) if lines and same else np.zeros((len(lines), 0)),
        "xdata": np.stack(xs) if lines and same else np.zeros((len(lines), 0)),
        "colors": np.array([to_rgba(line.get_color()) for line in lines], np.float64).reshape(
            -1, 4
        ),
    }


def _images(fig: Any) -> list[np.ndarray]:
    from matplotlib.collections import QuadMesh

    found: list[np.ndarray] = []
    for ax in fig.axes if fig is not None else []:
        if getattr(ax, "_colorbar", None) is not None:  # a colorbar's own axes
            continue
        found += [np.ma.getdata(im.get_array()) for im in ax.images]
        found += [np.ma.getdata(q.get_array()) for q in ax.collections if isinstance(q, QuadMesh)]
    return [np.asarray(a, dtype=np.float64) for a in found]


def _plot(m: Any, name: str, inputs: dict[str, Any]) -> tuple[Any, Any, Any, Any]:
    """(returned, figure to read, given ax or None, given figure or None)."""
    import matplotlib.pyplot as plt

    histx, rows = np.array(inputs["histx"]), np.array(inputs["rows"])
    given_fig = given_ax = None
    if int(inputs.get("with_ax", 0)):
        given_fig, given_ax = plt.subplots()
        returned = getattr(m, name)(histx, rows, ax=given_ax)
    else:
        returned = getattr(m, name)(histx, rows)
    return returned, _figure_of(returned, given_fig), given_ax, given_fig


def _about(returned: Any, given_ax: Any, given_fig: Any) -> dict[str, Any]:
    from matplotlib.figure import Figure

    out: dict[str, Any] = {
        "returned": type(returned).__name__,
        "is_figure": isinstance(returned, Figure),
        "with_ax": given_ax is not None,
    }
    if given_ax is not None:
        out["same_figure"] = returned is given_fig
        out["drawn_on_ax"] = len(given_ax.lines) + len(given_ax.images) + len(given_ax.collections)
    return out


def overlay(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    import matplotlib.pyplot as plt

    try:
        returned, fig, ax, given = _plot(m, "plot_histogram_overlay", inputs)
        return {**_about(returned, ax, given), **_lines(fig), "raised": ""}
    except ArithmeticError as exc:  # e.g. i / (n - 1) with one epoch: the judge names it
        return {"raised": type(exc).__name__, "message": str(exc)[:300]}
    finally:
        plt.close("all")


def _image_ranges(fig: Any) -> np.ndarray:
    """[[x min, x max], [y min, y max]] in data units of the first image (imshow's extent, a mesh's
    coordinates); NaN when there is none. The image's rows run along y."""
    from matplotlib.collections import QuadMesh

    for ax in fig.axes if fig is not None else []:
        if getattr(ax, "_colorbar", None) is not None:
            continue
        for im in ax.images:
            x0, x1, y0, y1 = im.get_extent()
            return np.array([sorted((x0, x1)), sorted((y0, y1))], np.float64)
        for q in ax.collections:
            if isinstance(q, QuadMesh):
                xy = np.asarray(q.get_coordinates(), np.float64)
                return np.array(
                    [[xy[..., 0].min(), xy[..., 0].max()], [xy[..., 1].min(), xy[..., 1].max()]]
                )
    return np.full((2, 2), np.nan)


def heatmap(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    import matplotlib.pyplot as plt

    try:
        returned, fig, ax, given = _plot(m, "plot_histogram_heatmap", inputs)
        images = _images(fig)
        return {
            **_about(returned, ax, given),
            "n_images": len(images),
            "image": images[0] if images else np.zeros((0, 0)),
            "ranges": _image_ranges(fig),
        }
    finally:
        plt.close("all")


def overlay_on_axes(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """plot_histogram_overlay drawn on a given ax: what it returned and whether it drew there."""
    return _on_axes(overlay, m, inputs, device)


def heatmap_on_axes(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """plot_histogram_heatmap drawn on a given ax: a call of its own, so neither plot's fault costs the other."""
    return _on_axes(heatmap, m, inputs, device)


def _on_axes(driver: Any, m: Any, inputs: dict[str, Any], device: str) -> dict[str, Any]:
    keep = ("returned", "is_figure", "same_figure", "drawn_on_ax", "raised")
    return {k: v for k, v in driver(m, {**inputs, "with_ax": 1}, device).items() if k in keep}


# --- activation_stats ------------------------------------------------------------------------------


def _hook_counts(model: nn.Module) -> np.ndarray:
    return np.array(
        [
            [len(mod._forward_hooks), len(mod._forward_pre_hooks)]
            for _, mod in model.named_modules()
        ],
        dtype=np.int64,
    )


def _global_hooks() -> np.ndarray:
    from torch.nn.modules import module as module_mod

    return np.array(
        [len(module_mod._global_forward_hooks), len(module_mod._global_forward_pre_hooks)], np.int64
    )


def act_stats(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """activation_stats on a StatsNet in train mode, with a caller's forward hook and pre-hook on it."""
    model = build("stats", inputs).to(device)
    model.train()
    x = torch.as_tensor(np.asarray(inputs["x"]), dtype=torch.float32, device=device)
    seen: list[bool] = []
    mine = [
        model.body[2].register_forward_hook(lambda mod, i, o: seen.append(torch.is_grad_enabled())),
        model.stem.register_forward_pre_hook(lambda mod, i: None),
    ]
    before, global_before = _hook_counts(model), _global_hooks()
    again_error: dict[str, str] | None = None
    try:
        stats = m.activation_stats(model, x)
        after, global_after = _hook_counts(model), _global_hooks()
        try:  # one more forward: only the caller's hook may fire (a hook left behind that raises: the
            model(x)  # hooks case fails on it, the values are still judged)
        except Exception as exc:
            again_error = error(exc, m)
    finally:
        for handle in mine:
            handle.remove()
    keys: list[str] = []
    means: list[float] = []
    stds: list[float] = []
    if isinstance(stats, dict):
        for key, value in stats.items():
            keys.append(str(key))
            try:
                mean, std = (float(v) for v in value)
            except (TypeError, ValueError):
                mean = std = float("nan")
            means.append(mean)
            stds.append(std)
    return {
        "returned": type(stats).__name__,
        "keys": keys,
        "means": np.array(means, np.float64),
        "stds": np.array(stds, np.float64),
        "hooks_before": before,
        "hooks_after": after,
        "global_before": global_before,
        "global_after": global_after,
        "caller_calls": len(seen),
        "caller_grad": [bool(s) for s in seen],
        "still_training": all(mod.training for mod in model.modules()),
        "forward_after_error": again_error,
    }
