"""Worker-side adapters for the labs group. Trusted code, copied into the worker's staging dir.

Each driver turns the parent's numpy inputs into the call the lab expects (dicts of samples, tensors, a
seeded model, a DataLoader, an optimizer) and returns plain data only (see grader/judging/cases.py). Nothing here
is a reference formula: the parent runs these same drivers on solutions/ and on the mutants.

The ``answer_*`` drivers replay a lab's experiment with the learner's own functions, exactly as
exercises/lab_tools.py's ``run_<lab>`` does for the learner (same data, sent by the parent; same seeds,
steps and order), and return the learner's answer next to the measurements; the parent judges whether
the two agree (a kit test checks that these replays give lab_tools' numbers). The worker has torch's
LayerNorm and initializers only, which is what lab_tools uses until the learner's own match them.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import torch
from torch import nn

from ._wire import error, is_tensor, tensor_array

NAMES = ("normal", "uniform", "exponential", "bimodal")
STATS = ("mean", "std", "skewness", "kurtosis")


def _float64(value: Any) -> np.ndarray:
    """A tensor (any device, bfloat16 included), an array or a list of numbers as a float64 array."""
    return np.asarray(tensor_array(value) if is_tensor(value) else value, dtype=np.float64)


def _one(value: Any) -> np.ndarray:
    """A number as a 1-element float64 array (what the wire carries as an array)."""
    return np.array([_float(value)], dtype=np.float64)


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _eps(inputs: dict[str, Any]) -> dict[str, float]:
    """eps as a keyword when the case sets one (otherwise the function's default is what is checked)."""
    return {"eps": float(inputs["eps"])} if "eps" in inputs else {}


def _plain(value: Any) -> Any:
    """A prediction's or answer's value as plain data (what the wire carries); anything else as its repr."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in list(value.items())[:64]}
    return repr(value)[:200]


# --- torch.optim without torch._dynamo (as exercises/lab_tools.py: quick_optimizers, eager) ------------
# A second copy on purpose: the sandbox side imports nothing of the kit's packages (tests/kit/test_layout.py),
# and lab_tools ships to learners without grader/.


def _quick_optimizers() -> None:
    if "torch._dynamo" in sys.modules:
        return
    try:
        from torch._compile import _disable_dynamo

        code = _disable_dynamo(lambda: None).__code__
    except Exception:
        return
    classes = [torch.optim.Optimizer]
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        for attr in list(vars(cls).values()):
            fn = getattr(attr, "__func__", attr)
            inner = getattr(fn, "__wrapped__", None)
            if getattr(fn, "__code__", None) is code and inner is not None:
                if getattr(inner, "__dynamo_disable", None) is None:
                    setattr(inner, "__dynamo_disable", inner)


def _eager(optimizer: Any) -> Any:
    fn, chain = type(optimizer).step, []
    while hasattr(fn, "__wrapped__"):
        chain.append(getattr(getattr(fn, "__code__", None), "co_name", ""))
        fn = fn.__wrapped__
    if "_use_grad" not in chain or not hasattr(optimizer, "defaults"):
        return optimizer
    update = fn

    def step(closure: Any = None) -> Any:
        with torch.set_grad_enabled(bool(optimizer.defaults.get("differentiable", False))):
            return update(optimizer, closure)

    optimizer.step = step
    return optimizer


def _sgd(model: nn.Module, lr: float) -> Any:
    _quick_optimizers()
    return _eager(torch.optim.SGD(model.parameters(), lr=lr))


def _loader(x: np.ndarray, y: np.ndarray, batch_size: int) -> Any:
    from torch.utils.data import DataLoader, TensorDataset

    data = TensorDataset(
        torch.from_numpy(np.array(x, dtype=np.float32)), torch.from_numpy(np.array(y, np.int64))
    )
    return DataLoader(data, batch_size=batch_size, shuffle=False)


class _OneThread:
    def __enter__(self) -> None:
        _quick_optimizers()
        self.before = torch.get_num_threads()
        torch.set_num_threads(1)

    def __exit__(self, *exc: Any) -> None:
        torch.set_num_threads(self.before)


# --- lab distributions -----------------------------------------------------------------------------


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
    if gamma.ndim == 0:  # scalars as Python floats, as the lab passes them
        gamma, beta = float(gamma), float(beta)
    out = m.normalize_per_sample(x, gamma, beta, **_eps(inputs))
    return {"out": _float64(out), "x_after": x}


def stats(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    got = m.sample_stats(np.array(inputs["x"]))
    got = dict(got) if isinstance(got, dict) else {}
    return {s: _one(got.get(s)) for s in STATS}


def _stats_of(m: Any, x: np.ndarray) -> dict[str, float]:
    got = m.sample_stats(x)
    got = dict(got) if isinstance(got, dict) else {}
    return {s: _float(got.get(s)) for s in STATS}


def prediction(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    return {"prediction": _plain(getattr(m, f"predict_{inputs['lab']}")())}


def answer_distributions(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """lab_tools.run_distributions, replayed."""
    answer = _plain(m.answer_distributions())
    dists = m.make_distributions(int(inputs["n"]), int(inputs["d"]), seed=int(inputs["seed"]))
    out: dict[str, Any] = {"answer": answer}
    g, b = float(inputs["gamma"]), float(inputs["beta"])
    for label, gb in (
        ("raw", None),
        ("normalized", (1.0, 0.0)),
        ("gamma", (g, 0.0)),
        ("beta", (1.0, b)),
    ):
        out[label] = {}
        for name in NAMES:
            x = np.asarray(dists[name])
            y = x if gb is None else m.normalize_per_sample(x, *gb)
            out[label][name] = _stats_of(m, np.asarray(y))
    return out


# --- lab eps ---------------------------------------------------------------------------------------


def max_grad(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    out = m.max_grad_vs_eps(
        np.array(inputs["x"]), np.array(inputs["dout"]), np.array(inputs["eps"])
    )
    return {"max_grad": _float64(out)}


def slope(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    return {"slope": _one(m.loglog_slope(np.array(inputs["x"]), np.array(inputs["y"])))}


def bend(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    got = m.bend_eps(np.array(inputs["eps"]), np.array(inputs["values"]))
    return {"bend": _one(got)}


def answer_eps(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """lab_tools.run_eps, replayed (the rows of each spread come from the parent)."""
    answer = _plain(m.answer_eps())
    eps = np.array(inputs["eps"], dtype=np.float64)
    stds = [float(s) for s in np.array(inputs["stds"])]
    curves, bends = {}, {}
    for i, std in enumerate(stds):
        x, dout = np.array(inputs["x"][i]), np.array(inputs["dout"][i])
        curves[std] = _float64(m.max_grad_vs_eps(x, dout, eps.copy()))
        bends[std] = _float(m.bend_eps(eps.copy(), curves[std].copy()))
    smallest = min(stds)
    b = bends[smallest]
    past = eps >= float(inputs["slope_past"]) * b if np.isfinite(b) else np.ones(len(eps), bool)
    if past.sum() < 3:
        past = np.arange(len(eps)) >= len(eps) - 3
    s = _float(m.loglog_slope(eps[past].copy(), curves[smallest][past].copy()))
    return {
        "answer": answer,
        "stds": np.array(stds),
        "bends": np.array([bends[x] for x in stds]),
        "slope": s,
        "slope_from": float(eps[past][0]),
    }


# --- lab init --------------------------------------------------------------------------------------


def ln_net(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    gamma, beta = float(inputs["gamma"]), float(inputs["beta"])
    d, seed = int(inputs["in_features"]), int(inputs["seed"])

    class LayerNorm(nn.LayerNorm):  # a LayerNorm class of the caller's own: norm_cls must be used
        pass

    model = m.make_ln_net(gamma, beta, in_features=d, seed=seed)
    twin = m.make_ln_net(1.0, 0.0, in_features=d, seed=seed)
    other = m.make_ln_net(gamma, beta, in_features=d, seed=seed + 1)
    mine = m.make_ln_net(gamma, beta, in_features=d, seed=seed, norm_cls=LayerNorm)
    norms = [mod for mod in model.modules() if type(mod).__name__ == "LayerNorm"]
    out: dict[str, Any] = {
        "n_norms": len(norms),
        "uses_norm_cls": any(isinstance(mod, LayerNorm) for mod in mine.modules()),
    }
    if len(norms) == 1:
        out["norm_weight"] = _float64(norms[0].weight)
        out["norm_bias"] = _float64(norms[0].bias)
    with torch.no_grad():
        out["output"] = _float64(model(torch.from_numpy(np.array(inputs["x"], dtype=np.float32))))
    p, twin_p, other_p = (
        dict(net.named_parameters()) for net in (model, twin, other)
    )  # fmt: skip
    out["differing"] = ",".join(
        sorted(n for n, q in p.items() if n in twin_p and not torch.equal(q, twin_p[n]))
    )
    out["other_seed_differing"] = ",".join(
        sorted(n for n, q in p.items() if n in other_p and not torch.equal(q, other_p[n]))
    )
    return out


def kit_net(in_features: int, classes: int, seed: int) -> nn.Module:
    """The trusted classifier train_losses is judged on (log-probabilities out), seeded."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(in_features, 16), nn.ReLU(), nn.Linear(16, classes), nn.LogSoftmax(dim=1)
    )


def train(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    x, y = np.array(inputs["x"], dtype=np.float32), np.array(inputs["y"], dtype=np.int64)
    model = kit_net(x.shape[1], int(y.max()) + 1, int(inputs["seed"]))
    loader = _loader(x, y, int(inputs["batch"]))
    with _OneThread():
        opt = _sgd(model, float(inputs["lr"]))
        losses = m.train_losses(model, loader, opt, int(inputs["num_steps"]))
    final = torch.cat([q.detach().reshape(-1) for q in model.parameters()])
    return {"losses": _float64(losses), "final_params": _float64(final)}


def average(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    values, window = np.array(inputs["values"]), int(inputs["window"])
    out: dict[str, Any] = {"smooth": _float64(m.moving_average(values.copy(), window))}
    try:
        m.moving_average(values[:window], window + 1)
        out["too_long_raises"] = False
    except ValueError:
        out["too_long_raises"] = True
    return out


def answer_init(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """lab_tools.run_init, replayed (torch's LayerNorm)."""
    answer = _plain(m.answer_init())
    final: dict[str, float] = {}
    labels = list(inputs["labels"])
    with _OneThread():
        for i, label in enumerate(labels):
            g, b = float(inputs["gammas"][i]), float(inputs["betas"][i])
            model = m.make_ln_net(g, b, seed=int(inputs["seed"]), norm_cls=nn.LayerNorm)
            opt = _sgd(model, float(inputs["lr"]))
            loader = _loader(inputs["x"], inputs["y"], int(inputs["batch_size"]))
            losses = _float64(m.train_losses(model, loader, opt, int(inputs["num_steps"])))
            smooth = _float64(m.moving_average(losses.copy(), int(inputs["window"])))
            final[str(label)] = _float(smooth[-1]) if smooth.size else float("nan")
    return {"answer": answer, "final": final}


# --- lab efficiency --------------------------------------------------------------------------------


def rows_loop(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """layer_norm_rows_loop alone (normalize_per_sample is no part of what its values cases judge)."""
    x, gamma, beta = (np.array(inputs[k]) for k in ("x", "gamma", "beta"))
    return {"out": _float64(m.layer_norm_rows_loop(x, gamma, beta, **_eps(inputs)))}


def rows_loop_vs_vectorized(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """layer_norm_rows_loop and normalize_per_sample on the same rows."""
    x, gamma, beta = (np.array(inputs[k]) for k in ("x", "gamma", "beta"))
    return {
        **rows_loop(m, inputs, device),
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
    grad, backward_error = False, None
    if isinstance(out, torch.Tensor) and out.requires_grad:
        try:  # only the case that judges the gradient fails on a backward that raises
            out.sum().backward()
            grad = x.grad is not None
        except Exception as exc:
            backward_error = error(exc, m)
    return {
        "out": _float64(out),
        "dtype": str(getattr(out, "dtype", type(out).__name__)).removeprefix("torch."),
        "has_grad": grad,
        "backward_error": backward_error,
    }


def answer_efficiency(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    return {"answer": _plain(m.answer_efficiency())}


# --- lab gradients ---------------------------------------------------------------------------------


def deep_mlp(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    depth, width = int(inputs["depth"]), int(inputs["width"])
    fin, classes, init = int(inputs["in_features"]), int(inputs["classes"]), str(inputs["init"])
    ln, seed = bool(inputs["layer_norm"]), int(inputs["seed"])
    model = m.make_deep_mlp(
        depth, width, init=init, layer_norm=ln, in_features=fin, num_classes=classes, seed=seed
    )
    again = m.make_deep_mlp(
        depth, width, init=init, layer_norm=ln, in_features=fin, num_classes=classes, seed=seed
    )
    other = m.make_deep_mlp(
        depth, width, init=init, layer_norm=ln, in_features=fin, num_classes=classes, seed=seed + 1
    )
    linears = [mod for mod in model.modules() if isinstance(mod, nn.Linear)]
    layers = np.array(
        [
            [
                lin.in_features,
                lin.out_features,
                float(lin.weight.detach().double().std()),
                float(lin.weight.detach().double().mean()),
                float(lin.bias.detach().abs().max()) if lin.bias is not None else -1.0,
            ]
            for lin in linears
        ],
        dtype=np.float64,
    ).reshape(-1, 5)

    def same(a: nn.Module, b: nn.Module) -> bool:
        pa, pb = list(a.parameters()), list(b.parameters())
        return len(pa) == len(pb) and all(torch.equal(x, y) for x, y in zip(pa, pb, strict=True))

    flipped = m.make_deep_mlp(
        depth, width, init=init, layer_norm=not ln, in_features=fin, num_classes=classes, seed=seed
    )
    out: dict[str, Any] = {
        "kinds": ",".join(type(mod).__name__ for mod in model.children()),
        "kinds_flipped": ",".join(type(mod).__name__ for mod in flipped.children()),
        "layers": layers,
        "same_seed_same": same(model, again),
        "other_seed_same": same(model, other),
    }
    with torch.no_grad():
        y = model(torch.from_numpy(np.array(inputs["x"], dtype=np.float32)))
    out["output"] = _float64(y)
    try:
        m.make_deep_mlp(3, 4, init="no-such-scheme", in_features=fin)
        out["unknown_init"] = "no error"
    except ValueError as exc:
        out["unknown_init"] = "ValueError: " + str(exc)[:200]
    return out


def _kit_deep_net(sizes: list[int], ln_at: int, seed: int) -> nn.Module:
    """A small deep net (log-probabilities out): Linear + ReLU per hidden layer, a LayerNorm in one."""
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            if i == ln_at:
                layers.append(nn.LayerNorm(sizes[i + 1]))
            layers.append(nn.ReLU())
    layers.append(nn.LogSoftmax(dim=1))
    return nn.Sequential(*layers)


def _hooks_left(model: nn.Module) -> str:
    return ",".join(
        n or "<root>"
        for n, mod in model.named_modules()
        if mod._forward_hooks or mod._backward_hooks or mod._forward_pre_hooks
    )


def grad_norms(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    sizes = [int(s) for s in np.array(inputs["sizes"])]
    model = _kit_deep_net(sizes, int(inputs["ln_at"]), int(inputs["seed"]))
    x = torch.from_numpy(np.array(inputs["x"], dtype=np.float32))
    y = torch.from_numpy(np.array(inputs["y"], dtype=np.int64))
    norms = m.grad_norms_per_layer(model, x, y)
    return {"norms": _float64(norms), "hooks_left": _hooks_left(model)}


def growth(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    return {"factor": _one(m.growth_per_layer(np.array(inputs["values"])))}


def _mlp(m: Any, inputs: dict[str, Any], init: str, ln: bool) -> nn.Module:
    return m.make_deep_mlp(
        int(inputs["depth"]),
        int(inputs["width"]),
        init=init,
        layer_norm=ln,
        seed=int(inputs["seed"]),
        init_module=nn.init,
        norm_cls=nn.LayerNorm,
    )


def answer_gradients(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """lab_tools.run_gradients, replayed (torch's init and LayerNorm)."""
    answer = _plain(m.answer_gradients())
    x = torch.from_numpy(np.array(inputs["x"], dtype=np.float32))
    y = torch.from_numpy(np.array(inputs["y"], dtype=np.int64))
    norms, factors = {}, {}
    with _OneThread():
        for i, label in enumerate(list(inputs["labels"])):
            init, ln = str(inputs["inits"][i]), bool(inputs["layer_norms"][i])
            got = _float64(m.grad_norms_per_layer(_mlp(m, inputs, init, ln), x, y))
            norms[str(label)] = got
            factors[str(label)] = _float(m.growth_per_layer(got[::-1].copy()))
    return {"answer": answer, "norms": norms, "factors": factors}


# --- lab activations -------------------------------------------------------------------------------


def outputs(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    sizes = [int(s) for s in np.array(inputs["sizes"])]
    model = _kit_deep_net(sizes, int(inputs["ln_at"]), int(inputs["seed"]))
    model[0].register_forward_hook(lambda mod, i, o: None)  # the caller's own hook: must stay
    got = m.layer_outputs(model, torch.from_numpy(np.array(inputs["x"], dtype=np.float32)))
    got = list(got) if isinstance(got, list | tuple) else []
    kept = len(model[0]._forward_hooks) == 1
    others = [n for n, mod in model.named_modules() if n != "0" and mod._forward_hooks]
    return {
        "outputs": [_float64(a) for a in got],
        "hooks_ok": kept and not others,
    }


def answer_activations(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """lab_tools.run_activations, replayed (torch's init and LayerNorm)."""
    answer = _plain(m.answer_activations())
    x_eval = torch.from_numpy(np.array(inputs["x_eval"], dtype=np.float32))
    out: dict[str, Any] = {"answer": answer}
    with _OneThread():
        for key, ln in (("without_ln", False), ("with_ln", True)):
            model = _mlp(m, inputs, str(inputs["init"]), ln)
            before = [_float64(a) for a in m.layer_outputs(model, x_eval)]
            loader = _loader(inputs["x"], inputs["y"], int(inputs["batch_size"]))
            opt = _sgd(model, float(inputs["lr"]))
            m.train_losses(model, loader, opt, int(inputs["num_steps"]))
            after = [_float64(a) for a in m.layer_outputs(model, x_eval)]
            s0 = np.array([a.std() for a in before])
            s1 = np.array([a.std() for a in after])
            out[key] = {"before": s0, "after": s1, "ratio": s1 / s0 if len(s0) else s0}
    ratios = out["without_ln"]["ratio"]
    out["depth_factor"] = _float(m.growth_per_layer(ratios.copy())) if len(ratios) >= 2 else None
    return out


# --- lab optimizers --------------------------------------------------------------------------------


def optimizer(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    _quick_optimizers()
    model = kit_net(int(inputs["in_features"]), 3, int(inputs["seed"]))
    lr, wd = float(inputs["lr"]), float(inputs["weight_decay"])
    out: dict[str, Any] = {}
    for name in ("sgd", "adam"):
        opt = m.make_optimizer(model, name, lr, weight_decay=wd)
        groups = getattr(opt, "param_groups", [{}])
        out[name] = {
            "class": type(opt).__module__ + "." + type(opt).__name__,
            "lr": _float(groups[0].get("lr")),
            "weight_decay": _float(groups[0].get("weight_decay")),
            "n_params": sum(len(g.get("params", [])) for g in groups),
        }
    out["n_model_params"] = len(list(model.parameters()))
    try:
        m.make_optimizer(model, "no-such-optimizer", lr)
        out["unknown"] = "no error"
    except ValueError as exc:
        out["unknown"] = "ValueError: " + str(exc)[:200]
    return out


def _ffn(seed: int) -> nn.Module:
    """exercises/mnist.py's MNIST_FFN (the lecture's 784-64-32-10), built the same way from a seed: a copy, as
    the sandbox side imports no kit package (tests/kit/test_layout.py); the optimizers replay in
    tests/kit/test_labs_kit.py gives lab_tools' numbers only while the two agree."""

    class MNIST_FFN(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.input = nn.Linear(784, 64)
            self.fc1 = nn.Linear(64, 32)
            self.output = nn.Linear(32, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = x.flatten(1)
            x = torch.relu(self.input(x))
            x = torch.relu(self.fc1(x))
            return torch.log_softmax(self.output(x), dim=1)

    torch.manual_seed(seed)
    return MNIST_FFN()


def snapshots(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    x, y = np.array(inputs["x"], dtype=np.float32), np.array(inputs["y"], dtype=np.int64)
    model = kit_net(x.shape[1], int(y.max()) + 1, int(inputs["seed"]))
    with _OneThread():
        if str(inputs["optimizer"]) == "adam":
            opt = _eager(torch.optim.Adam(model.parameters(), lr=float(inputs["lr"])))
        else:
            opt = _sgd(model, float(inputs["lr"]))
        got = m.train_and_snapshot(
            model, _loader(x, y, int(inputs["batch"])), opt, int(inputs["num_steps"]),
            int(inputs["every"]),
        )  # fmt: skip
    got = dict(got) if isinstance(got, dict) else {}
    return {f"snap.{k}": _float64(v) for k, v in got.items()}


def drift(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    return {"drift": _float64(m.relative_drift(np.array(inputs["snapshots"])))}


def _joined(snaps: dict[str, Any], kind: str) -> np.ndarray:
    parts = [_float64(v) for k, v in snaps.items() if kind in str(k)]
    return np.concatenate(parts, axis=1) if parts else np.zeros((0, 0))


def answer_optimizers(m: Any, inputs: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """lab_tools.run_optimizers, replayed."""
    answer = _plain(m.answer_optimizers())
    out: dict[str, Any] = {"answer": answer, "drift": {}, "spread": {}}
    with _OneThread():
        for i, label in enumerate(list(inputs["labels"])):
            model = _ffn(int(inputs["seed"]))
            name, lr, wd = str(inputs["names"][i]), float(inputs["lrs"][i]), float(inputs["wds"][i])
            opt = _eager(m.make_optimizer(model, name, lr, weight_decay=wd))
            loader = _loader(inputs["x"], inputs["y"], int(inputs["batch_size"]))
            snaps = m.train_and_snapshot(
                model, loader, opt, int(inputs["num_steps"]), int(inputs["every"])
            )
            snaps = dict(snaps) if isinstance(snaps, dict) else {}
            weights, biases = _joined(snaps, "weight"), _joined(snaps, "bias")
            out["drift"][str(label)] = {
                "weight": _float(_float64(m.relative_drift(weights.copy()))[-1]),
                "bias": _float(_float64(m.relative_drift(biases.copy()))[-1]),
            }
            out["spread"][str(label)] = float(weights[-1].std()) if weights.size else float("nan")
    return out
