"""Provided tools for the labs (exercises/labs.py): each lab's experiment, its figure, the timing harness.

Provided: you do not edit this; the grader uses the kit's copy.

    python -m exercises.lab_tools                 # every lab
    python -m exercises.lab_tools eps init        # some of them
    python -m exercises.lab_tools --out figs      # figures into figs/ (default: figures/)

Each lab's experiment calls YOUR functions in exercises/labs.py on fixed data (the same every time:
seeded nets, the same MNIST digits in the same order), prints what you measured, saves its figure and
reminds you which answer_<lab>() to fill in. `pytest -m labs` replays the very same experiment
(``run_<lab>``) and checks your answers against those measurements (``allowed_<lab>``).

Where an experiment can use one of your earlier exercises it does: your LayerNorm
(exercises/layer_norm_torch.py) in the init, gradients and activations labs once it matches
torch.nn.LayerNorm, your initializers (exercises/initializers.py) in the gradients lab once they draw
what torch.nn.init draws, your plot_histogram_overlay (exercises/histograms.py) for the optimizers
figure. Until then it says so and borrows torch's (or its own plot): the numbers are then the ones the
tests replay.

The timing harness (efficiency lab): ``implementations(labs)``, ``compare_implementations(impls, shape,
repeats)`` (outputs checked first, then only the correct ones timed), ``format_table(rows)``,
``plot_timings(rows)``. A timing is a measurement of this machine today, never a test.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import math
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

__all__ = [
    "LABS",
    "Allowed",
    "check_form",
    "compare_implementations",
    "disagreements",
    "format_table",
    "implementations",
    "plot_timings",
    "save_figure",
]

LABS = ("distributions", "eps", "init", "efficiency", "gradients", "activations", "optimizers")
# lab -> (the exercise id of its predict_<lab>, of its answer_<lab>): what a check names when one is missing
ANSWER_IDS = {
    "distributions": ("labs.4", "labs.5"),
    "eps": ("labs.9", "labs.10"),
    "init": ("labs.14", "labs.15"),
    "efficiency": ("labs.18", "labs.19"),
    "gradients": ("labs.23", "labs.24"),
    "activations": ("labs.26", "labs.27"),
    "optimizers": ("labs.31", "labs.32"),
}

# The forms of the predictions and answers: key -> the choices (a tuple) or float (a number). The same
# choices as the constants at the top of exercises/labs.py.
_EFFECTS = ("fixed", "kept", "changed")
_SETS = ("mean", "std", "skewness", "kurtosis", "none")
_STATS = ("mean", "std", "skewness", "kurtosis")
INIT_RUNS = {  # label -> (gamma_init, beta_init)
    "gamma=0.1": (0.1, 0.0),
    "gamma=1": (1.0, 0.0),
    "gamma=10": (10.0, 0.0),
    "beta=-1": (1.0, -1.0),
    "beta=+1": (1.0, 1.0),
}
GRADIENT_RUNS = {  # label -> (init, layer_norm)
    f"{init}{'+ln' if ln else ''}": (init, ln)
    for ln in (False, True)
    for init in ("default", "xavier", "kaiming", "normal")
}
OPTIMIZER_RUNS = {
    "sgd": ("sgd", 0.05, 0.0),
    "adam": ("adam", 0.001, 0.0),
    "sgd+wd": ("sgd", 0.05, 0.1),
}
_TRENDS = ("vanishes", "stable", "explodes")
_CHANGES = ("grew", "stayed", "shrank")
_DEPTH = ("deeper more", "even", "deeper less")
_BIAS = ("more", "same", "less")
FORMS: dict[str, dict[str, tuple[str, ...] | type]] = {
    "distributions": {**dict.fromkeys(_STATS, _EFFECTS), "gamma": _SETS, "beta": _SETS},
    "eps": {"slope": float, "bend": ("variance", "std", "fixed")},
    "init": {"fastest": tuple(INIT_RUNS), "slowest": tuple(INIT_RUNS)},
    "efficiency_prediction": {"speedup": float},
    "efficiency": {"loop_ms": float, "vectorized_ms": float, "speedup": float},
    "gradients": dict.fromkeys(GRADIENT_RUNS, _TRENDS),
    "activations": {"without_ln": _CHANGES, "with_ln": _CHANGES, "drift_by_depth": _DEPTH},
    "optimizers": {
        "further": ("sgd", "adam", "same"),
        "weight_decay": ("narrower", "same", "wider"),
        "biases_sgd": _BIAS,
        "biases_adam": _BIAS,
    },
}

# The experiments' fixed settings (the tests replay exactly these).
DIST_LAB = {"n_samples": 50, "n_features": 400, "seed": 0, "gamma": 3.0, "beta": 2.0}
EPS_LAB = {"stds": (1.0, 1e-2, 1e-4), "rows": 8, "features": 64, "seed": 0, "slope_past": 100.0}
EPS_VALUES = np.logspace(-14, 0, 29)
MNIST_LAB = {"train": 640, "eval": 256, "batch_size": 32, "seed": 0}
INIT_LAB = {"num_steps": 40, "lr": 0.05, "seed": 0, "window": 10, "tie": 0.02}
GRAD_LAB = {"depth": 10, "width": 64, "batch": 64, "seed": 0}
ACT_LAB = {"depth": 6, "width": 64, "init": "kaiming", "num_steps": 40, "lr": 0.05, "seed": 0}
OPT_LAB = {"num_steps": 40, "every": 10, "seed": 0}

Impl = Callable[[np.ndarray, np.ndarray, np.ndarray, float], Any]
OUTPUT_ATOL = 1e-4  # float32 inputs against a float64 layer norm: normalized units


# --- predictions and answers: their form, and whether they agree with a measurement ------------------


class NotAnsweredYet(NotImplementedError):
    """A prediction or answer that is missing or incomplete (shown like a stub: NOT IMPLEMENTED YET)."""


def check_form(value: Any, form: dict[str, Any], call: str, ex_id: str) -> list[str]:
    """Problems with a prediction's or answer's form ([] when fine). Raises NotAnsweredYet (its message
    starts "Exercise <id>", so pytest shows NOT IMPLEMENTED YET) when it is None or has keys left empty."""
    if value is None or value == {}:
        raise NotAnsweredYet(f"Exercise {ex_id}: {call} returned {value!r}: not answered yet")
    if not isinstance(value, dict):
        return [
            f"{call} returned {type(value).__name__}, expected a dict with keys {', '.join(form)}"
        ]
    missing = [k for k in form if value.get(k) in (None, "", "?")]
    if missing:
        raise NotAnsweredYet(
            f"Exercise {ex_id}: {call}: {', '.join(map(repr, missing))} not answered yet"
        )
    problems = [
        f"unexpected key {k!r} (the keys are {', '.join(form)})" for k in value if k not in form
    ]
    for key, choices in form.items():
        v = value[key]
        if choices is float:
            if isinstance(v, bool) or not isinstance(v, int | float | np.number):
                problems.append(f"{key!r}: {v!r} is not a number")
            elif not math.isfinite(float(v)):
                problems.append(f"{key!r}: {v!r} is not a finite number")
        elif v not in choices:
            problems.append(f"{key!r}: {v!r} is not one of {choices}")
    return problems


@dataclass(frozen=True)
class Allowed:
    """What one measurement allows an answer's key to be: choices, or a number in [low, high]; and the
    measured numbers behind it, in words (the learner's own, never a verdict)."""

    evidence: str
    choices: frozenset[str] | None = None
    low: float = -math.inf
    high: float = math.inf

    def admits(self, value: Any) -> bool:
        if self.choices is not None:
            return value in self.choices
        return self.low <= float(value) <= self.high


def disagreements(answer: dict[str, Any], allowed: dict[str, Allowed]) -> list[str]:
    """One line per key whose answer the measurement does not allow, with the measured numbers."""
    out = []
    for key, rule in allowed.items():
        if key in answer and not rule.admits(answer[key]):
            out.append(f"{key!r}: you answered {answer[key]!r}; your measurement: {rule.evidence}")
    return out


def _three(
    ratio: float, names: tuple[str, str, str], low: float, high: float, slack: float
) -> frozenset:
    """names[0] below ``low``, names[1] between, names[2] above ``high``; within a factor ``slack`` of a
    threshold both neighbours are allowed. A ratio that is not a positive finite number allows nothing."""
    if not (math.isfinite(ratio) and ratio > 0):
        return frozenset()
    out = set()
    if ratio < low * slack:
        out.add(names[0])
    if low / slack <= ratio <= high * slack:
        out.add(names[1])
    if ratio > high / slack:
        out.add(names[2])
    return frozenset(out)


def _fmt(values: Any) -> str:
    a = np.atleast_1d(np.asarray(values, dtype=np.float64))
    return "[" + ", ".join(f"{v:.3g}" for v in a) + "]" if a.size > 1 else f"{a[0]:.4g}"


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


# --- shared pieces ---------------------------------------------------------------------------------


def save_figure(fig: Any, path: str | Path, dpi: int = 90) -> Path:
    """Save a matplotlib Figure (folders created), close it, return the path."""
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return path


def _fast_torch() -> ModuleType:
    """exercises/feedback/fast_torch.py (imported when a lab trains, so importing lab_tools stays cheap)."""
    from exercises.feedback import fast_torch

    return fast_torch


@lru_cache(maxsize=2)
def mnist_lab_data(
    train: int = MNIST_LAB["train"],
    evaluate: int = MNIST_LAB["eval"],
    seed: int = MNIST_LAB["seed"],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(train images, train labels, eval images, eval labels): the labs' MNIST digits, a seeded random
    draw from the bundled 5,000 (exercises/mnist.py), read-only."""
    from exercises.mnist import mnist_subset

    images, labels = mnist_subset(train + evaluate, seed=seed)
    parts = images[:train], labels[:train], images[train:], labels[train:]
    for a in parts:
        a.setflags(write=False)
    return parts


def mnist_loader(batch_size: int = MNIST_LAB["batch_size"]) -> Any:
    """A DataLoader over the labs' training digits, in a fixed order (no shuffling): every run sees the
    same batches."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    x, y, _, _ = mnist_lab_data()
    data = TensorDataset(torch.from_numpy(x.copy()), torch.from_numpy(y.copy()))
    return DataLoader(data, batch_size=batch_size, shuffle=False)


def _sibling(labs: ModuleType, name: str) -> ModuleType | None:
    package = labs.__name__.rpartition(".")[0]
    if not package:
        return None
    try:
        return importlib.import_module(f"{package}.{name}")
    except Exception:  # not there, or a file that does not import
        return None


@dataclass
class Borrowed:
    """The parts an experiment takes from the learner's other exercises, and what it says about them."""

    norm_cls: Any
    init_module: Any
    notes: list[str]


def borrowed_parts(labs: ModuleType) -> Borrowed:
    """Your LayerNorm and initializers where they do what torch's do; torch's otherwise (with a note)."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    notes: list[str] = []
    norm_cls: Any = nn.LayerNorm
    lnt = _sibling(labs, "layer_norm_torch")
    try:
        cls = lnt.LayerNorm
        x = torch.linspace(-2.0, 3.0, 24).reshape(3, 8) ** 2
        x.requires_grad_(True)
        layer = cls(8)
        with torch.no_grad():
            layer.weight.copy_(torch.linspace(0.5, 1.5, 8))
            layer.bias.copy_(torch.linspace(-0.3, 0.3, 8))
        want = F.layer_norm(x, (8,), layer.weight.detach(), layer.bias.detach())
        got = layer(x)
        if not torch.allclose(got, want, rtol=1e-5, atol=1e-5):
            raise ValueError("its output differs from torch.nn.functional.layer_norm")
        norm_cls = cls
    except Exception as exc:
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        notes.append(f"your LayerNorm is not ready ({why}); this lab uses torch.nn.LayerNorm")
    init_module: Any = nn.init
    mine = _sibling(labs, "initializers")
    try:
        for name, kwargs in (
            ("xavier_normal_", {}),
            ("kaiming_normal_", {"nonlinearity": "relu"}),
            ("normal_", {"mean": 0.0, "std": 1.0}),
        ):
            a, b = torch.empty(16, 8), torch.empty(16, 8)
            torch.manual_seed(1234)
            getattr(mine, name)(a, **kwargs)
            torch.manual_seed(1234)
            getattr(nn.init, name)(b, **kwargs)
            if not torch.equal(a, b):
                raise ValueError(f"your {name} draws other values than torch's from the same seed")
        init_module = mine
    except Exception as exc:
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        notes.append(f"your initializers are not used ({why}); this lab uses torch.nn.init")
    return Borrowed(norm_cls, init_module, notes)


# --- lab distributions -----------------------------------------------------------------------------


def run_distributions(labs: ModuleType) -> dict[str, Any]:
    """Your make_distributions, normalize_per_sample and sample_stats: each distribution's statistics raw,
    normalized (gamma 1, beta 0), with gamma = DIST_LAB["gamma"], and with beta = DIST_LAB["beta"]."""
    c = DIST_LAB
    dists = labs.make_distributions(c["n_samples"], c["n_features"], seed=c["seed"])
    out: dict[str, Any] = {"values": {}}
    for label, g, b in (
        ("raw", None, None),
        ("normalized", 1.0, 0.0),
        ("gamma", c["gamma"], 0.0),
        ("beta", 1.0, c["beta"]),
    ):
        out[label], out["values"][label] = {}, {}
        for name, x in dists.items():
            y = np.asarray(x) if g is None else labs.normalize_per_sample(np.asarray(x), g, b)
            out["values"][label][name] = y
            out[label][name] = {s: _float(v) for s, v in dict(labs.sample_stats(y)).items()}
    return out


def allowed_distributions(m: dict[str, Any]) -> dict[str, Allowed]:
    """Which EFFECT each statistic's measurement allows, and which statistic gamma and beta changed."""
    names = list(m["raw"])
    allowed: dict[str, Allowed] = {}
    for s in _STATS:
        before = np.array([m["raw"][n].get(s, np.nan) for n in names])
        after = np.array([m["normalized"][n].get(s, np.nan) for n in names])
        evidence = f"{s} before {_fmt(before)}, after {_fmt(after)} ({', '.join(names)})"
        if not (np.isfinite(before).all() and np.isfinite(after).all()):
            allowed[s] = Allowed(evidence, frozenset())
            continue
        ok = set()
        if (np.abs(after - before) <= 0.05 + 0.05 * np.abs(before)).all():
            ok.add("kept")
        if np.ptp(after) <= 0.05:
            ok.add("fixed")
        if not ok:
            ok.add("changed")
        allowed[s] = Allowed(evidence, frozenset(ok))
    for knob in ("gamma", "beta"):
        moved, lines = set(), []
        for s in _STATS:
            base = np.array([m["normalized"][n].get(s, np.nan) for n in names])
            new = np.array([m[knob][n].get(s, np.nan) for n in names])
            lines.append(f"{s} {_fmt(base)} -> {_fmt(new)}")
            if (
                not np.isfinite(new).all()
                or (np.abs(new - base) > 0.05 + 0.05 * np.abs(base)).any()
            ):
                moved.add(s)
        evidence = f"with {knob} = {DIST_LAB[knob]:g}: " + "; ".join(lines)
        allowed[knob] = Allowed(evidence, frozenset(moved or {"none"}))
    return allowed


def plot_distributions(m: dict[str, Any], bins: int = 50) -> Any:
    """4 rows x 4 columns of histograms: raw, normalized, with gamma, with beta; each with its stats."""
    import matplotlib.pyplot as plt

    rows = {
        "raw": "raw",
        "normalized": "layer norm",
        "gamma": f"LN, gamma={DIST_LAB['gamma']:g}",
        "beta": f"LN, beta={DIST_LAB['beta']:g}",
    }
    names = list(m["raw"])
    fig, axes = plt.subplots(
        len(rows), len(names), layout="constrained", figsize=(3.4 * len(names), 10), squeeze=False
    )
    colours = ("tab:blue", "tab:orange", "tab:green", "tab:purple")
    for i, (label, title) in enumerate(rows.items()):
        for j, name in enumerate(names):
            ax = axes[i, j]
            ax.hist(np.ravel(m["values"][label][name]), bins=bins, color=colours[i], alpha=0.8)
            ax.set_title(f"{name}: {title}", fontsize=9)
            stats = m[label][name]
            ax.text(0.02, 0.95, "\n".join(f"{s} {stats.get(s, np.nan):.2f}" for s in _STATS),
                    transform=ax.transAxes, va="top", fontsize=7)  # fmt: skip
    return fig


# --- lab eps -----------------------------------------------------------------------------------------


def eps_rows(std: float) -> tuple[np.ndarray, np.ndarray]:
    """(x, dout): EPS_LAB["rows"] rows of EPS_LAB["features"] values around 3.0 with spread ``std``."""
    rng = np.random.default_rng(EPS_LAB["seed"])
    shape = (EPS_LAB["rows"], EPS_LAB["features"])
    z, dout = rng.normal(size=shape), rng.normal(size=shape)
    return 3.0 + std * z, dout


def run_eps(labs: ModuleType) -> dict[str, Any]:
    """Your max_grad_vs_eps for rows of each spread in EPS_LAB["stds"], your bend_eps of each curve, and
    your loglog_slope of the smallest spread's curve where eps is past EPS_LAB["slope_past"] times its bend."""
    eps = EPS_VALUES.copy()
    curves, bends = {}, {}
    for std in EPS_LAB["stds"]:
        x, dout = eps_rows(std)
        curves[std] = np.asarray(labs.max_grad_vs_eps(x, dout, eps.copy()), dtype=np.float64)
        bends[std] = _float(labs.bend_eps(eps.copy(), curves[std].copy()))
    smallest = min(EPS_LAB["stds"])
    bend = bends[smallest]
    past = eps >= EPS_LAB["slope_past"] * bend if math.isfinite(bend) else np.ones(len(eps), bool)
    if past.sum() < 3:
        past = np.arange(len(eps)) >= len(eps) - 3
    slope = _float(labs.loglog_slope(eps[past].copy(), curves[smallest][past].copy()))
    return {
        "eps": eps,
        "curves": curves,
        "bends": bends,
        "slope": slope,
        "slope_from": eps[past][0],
    }


def allowed_eps(m: dict[str, Any]) -> dict[str, Allowed]:
    """The slope within 0.1 of the one measured; the bend by how the measured bends move with the spread:
    the exponent p of bend ~ std**p (2: with the variance, 1: with the std, 0: fixed)."""
    slope = m["slope"]
    allowed = {
        "slope": Allowed(
            f"loglog_slope {slope:.3g} (eps from {m['slope_from']:.3g})",
            None if math.isfinite(slope) else frozenset(),
            slope - 0.1,
            slope + 0.1,
        )
    }
    finite = {s: b for s, b in m["bends"].items() if math.isfinite(b) and b > 0}
    shown = ", ".join(f"rows of std {s:g}: {b:.3g}" for s, b in m["bends"].items())
    if len(finite) < 2:
        allowed["bend"] = Allowed(f"bend_eps {shown}: fewer than two bends to compare", frozenset())
        return allowed
    stds = np.array(sorted(finite))
    p = float(np.polyfit(np.log(stds), np.log([finite[s] for s in stds]), 1)[0])
    dist = {"variance": abs(p - 2.0), "std": abs(p - 1.0), "fixed": abs(p)}
    best = min(dist.values())
    ok = frozenset(k for k, d in dist.items() if d <= best + 0.3)
    allowed["bend"] = Allowed(f"bend_eps {shown}", ok)
    return allowed


def plot_eps(m: dict[str, Any]) -> Any:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(layout="constrained", figsize=(6.5, 4.8))
    for std, values in m["curves"].items():
        (line,) = ax.loglog(m["eps"], values, marker="o", ms=3, label=f"rows of std {std:g}")
        bend = m["bends"][std]
        if math.isfinite(bend):
            ax.axvline(bend, color=line.get_color(), ls=":", lw=1)
    ax.set_xlabel("eps")
    ax.set_ylabel("max |dL/dx|")
    ax.set_title(f"your loglog_slope past the bend: {m['slope']:.3g}")
    ax.legend()
    return fig


# --- lab init ----------------------------------------------------------------------------------------


def run_init(labs: ModuleType, parts: Borrowed | None = None) -> dict[str, Any]:
    """Your make_ln_net from each start of INIT_RUNS, trained by your train_losses on the same batches;
    the last value of your moving_average of each loss curve."""
    import torch

    with _fast_torch().one_thread():
        parts = parts or borrowed_parts(labs)
        c = INIT_LAB
        curves, final = {}, {}
        for label, (g, b) in INIT_RUNS.items():
            model = labs.make_ln_net(g, b, seed=c["seed"], norm_cls=parts.norm_cls)
            opt = _fast_torch().eager(torch.optim.SGD(model.parameters(), lr=c["lr"]))
            losses = labs.train_losses(model, mnist_loader(), opt, c["num_steps"])
            curves[label] = np.asarray(losses, dtype=np.float64)
            smooth = np.asarray(
                labs.moving_average(curves[label].copy(), c["window"]), dtype=np.float64
            )
            final[label] = _float(smooth[-1]) if smooth.size else float("nan")
        return {"curves": curves, "final": final, "notes": parts.notes}


def allowed_init(m: dict[str, Any]) -> dict[str, Allowed]:
    final = m["final"]
    values = np.array(list(final.values()))
    shown = ", ".join(f"{k} {v:.3f}" for k, v in final.items())
    evidence = f"smoothed final losses {shown}"
    if not np.isfinite(values).all():
        return {k: Allowed(evidence, frozenset()) for k in ("fastest", "slowest")}
    tie = INIT_LAB["tie"]
    return {
        "fastest": Allowed(
            evidence, frozenset(k for k, v in final.items() if v <= values.min() + tie)
        ),
        "slowest": Allowed(
            evidence, frozenset(k for k, v in final.items() if v >= values.max() - tie)
        ),
    }


def plot_init(m: dict[str, Any], window: int = INIT_LAB["window"]) -> Any:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(layout="constrained", figsize=(7, 4.8))
    for label, losses in m["curves"].items():
        (line,) = ax.plot(np.arange(len(losses)), losses, alpha=0.25)
        k = min(window, len(losses))
        smooth = np.convolve(losses, np.ones(k) / k, mode="valid")
        ax.plot(np.arange(k - 1, len(losses)), smooth, color=line.get_color(), label=label)
    ax.set_xlabel("step")
    ax.set_ylabel("loss (NLL)")
    ax.set_title("make_ln_net from five starts (faint: raw; solid: moving average)")
    ax.legend()
    return fig


# --- lab efficiency (the timing harness) -------------------------------------------------------------


def _torch_impl(fn: Callable) -> Impl:
    def run(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> Any:
        import torch

        return fn(torch.from_numpy(x), torch.from_numpy(gamma), torch.from_numpy(beta), eps)

    return run


def implementations(labs: ModuleType, compile: bool = False) -> dict[str, Impl]:
    """Every layer norm the efficiency lab times, by name: your row loop (labs.16), your vectorized numpy
    (labs.2), your torch ops (labs.17), your LayerNormFunction when exercises/layer_norm_torch.py has it,
    torch.compile of your torch ops (``compile``), and F.layer_norm as the baseline."""
    import torch
    import torch.nn.functional as F

    impls: dict[str, Impl] = {
        "row loop (labs.16)": labs.layer_norm_rows_loop,
        "numpy vectorized (labs.2)": labs.normalize_per_sample,
        "torch ops (labs.17)": _torch_impl(labs.layer_norm_torch_ops),
    }
    lnt = _sibling(labs, "layer_norm_torch")
    if lnt is not None and hasattr(lnt, "LayerNormFunction"):
        impls["LayerNormFunction"] = _torch_impl(
            lambda x, g, b, eps: lnt.LayerNormFunction.apply(x, g, b, eps)
        )
    if compile:
        compiled = torch.compile(labs.layer_norm_torch_ops)
        impls["torch.compile(torch ops)"] = _torch_impl(compiled)
    impls["F.layer_norm (baseline)"] = _torch_impl(
        lambda x, g, b, eps: F.layer_norm(x, (x.shape[-1],), g, b, eps)
    )
    return impls


def _as_array(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64)


def _float64_layer_norm(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float
) -> np.ndarray:
    import torch
    import torch.nn.functional as F

    t = torch.from_numpy(x.astype(np.float64))
    g = torch.from_numpy(gamma.astype(np.float64))
    b = torch.from_numpy(beta.astype(np.float64))
    return F.layer_norm(t, (x.shape[-1],), g, b, eps).numpy()


def compare_implementations(
    impls: dict[str, Impl],
    shape: tuple[int, int] = (1024, 512),
    repeats: int = 5,
    eps: float = 1e-5,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """One row per implementation: name, status, max_abs_diff (vs float64), median_ms, runs.

    Every implementation gets the same float32 inputs (x: rows of varied mean and std). Its output is
    checked first (that call is also its warm-up); only "ok" rows are timed: ``repeats`` rounds, each
    round calling every implementation once in turn (interleaved, so that a busy moment of the machine
    hits them all alike), then the median per implementation. ``repeats=0`` checks outputs only.
    """
    rng = np.random.default_rng(seed)
    n, d = shape
    x = (rng.normal(size=(n, d)) * rng.uniform(0.1, 5.0, (n, 1)) + rng.normal(0, 3, (n, 1))).astype(
        np.float32
    )
    gamma = rng.normal(1.0, 0.2, d).astype(np.float32)
    beta = rng.normal(0.0, 0.2, d).astype(np.float32)
    truth = _float64_layer_norm(x, gamma, beta, eps)
    rows: list[dict[str, Any]] = []
    for name, fn in impls.items():
        row: dict[str, Any] = {"name": name, "max_abs_diff": float("nan"), "median_ms": None}
        try:
            out = _as_array(fn(x.copy(), gamma.copy(), beta.copy(), eps))
        except NotImplementedError as exc:
            row["status"] = "not implemented yet" if str(exc).startswith("Exercise ") else repr(exc)
            rows.append(row)
            continue
        except Exception as exc:
            row["status"] = f"error: {type(exc).__name__}: {str(exc)[:80]}"
            rows.append(row)
            continue
        if out.shape != truth.shape:
            row["status"] = f"wrong output: shape {out.shape}, expected {truth.shape}"
            rows.append(row)
            continue
        diff = float(np.nanmax(np.abs(out - truth))) if np.isfinite(out).all() else float("inf")
        row["max_abs_diff"] = diff
        row["status"] = "ok" if diff <= OUTPUT_ATOL else "wrong output"
        rows.append(row)
    timed = [r for r in rows if r["status"] == "ok"]
    times: dict[str, list[float]] = {r["name"]: [] for r in timed}
    for _ in range(repeats):
        for r in timed:
            start = time.perf_counter()
            impls[r["name"]](x, gamma, beta, eps)
            times[r["name"]].append(time.perf_counter() - start)
    for r in timed:
        if times[r["name"]]:
            r["median_ms"] = 1e3 * statistics.median(times[r["name"]])
            r["runs"] = repeats
    return rows


def format_table(rows: list[dict[str, Any]]) -> str:
    """The rows as an aligned text table; ratios against the fastest correct implementation."""
    timed = [r["median_ms"] for r in rows if r.get("median_ms")]
    best = min(timed) if timed else None
    width = max([len(r["name"]) for r in rows] + [14])
    lines = [
        f"{'implementation':<{width}}  {'median ms':>10}  {'x fastest':>9}  {'max |diff|':>10}  status"
    ]
    for r in rows:
        ms = r.get("median_ms")
        ms_s = f"{ms:10.3f}" if ms else f"{'-':>10}"
        ratio = f"{ms / best:9.1f}" if ms and best else f"{'-':>9}"
        diff = r["max_abs_diff"]
        diff_s = f"{diff:10.2e}" if np.isfinite(diff) else f"{'-':>10}"
        lines.append(f"{r['name']:<{width}}  {ms_s}  {ratio}  {diff_s}  {r['status']}")
    return "\n".join(lines)


def plot_timings(rows: list[dict[str, Any]]) -> Any:
    """A horizontal bar chart of the timed rows' medians, on a log scale (the rows may differ a lot)."""
    import matplotlib.pyplot as plt

    timed = [r for r in rows if r.get("median_ms")]
    fig, ax = plt.subplots(layout="constrained", figsize=(7, 0.5 * max(len(timed), 1) + 1.2))
    ax.barh([r["name"] for r in timed], [r["median_ms"] for r in timed], color="tab:blue")
    ax.set_xscale("log")
    ax.set_xlabel("median time per call (ms, log scale)")
    ax.invert_yaxis()
    return fig


def allowed_efficiency(answer: dict[str, Any]) -> dict[str, Allowed]:
    """The answer's speedup against its own two times (within 10 %): timings are never re-measured."""
    loop, vec = _float(answer.get("loop_ms")), _float(answer.get("vectorized_ms"))
    if not (loop > 0 and vec > 0):
        return {"speedup": Allowed("the two times must be positive", frozenset())}
    ratio = loop / vec
    return {
        "speedup": Allowed(
            f"loop_ms / vectorized_ms = {loop:g} / {vec:g} = {ratio:.3g}",
            None,
            ratio / 1.1,
            ratio * 1.1,
        )
    }


# --- lab gradients -----------------------------------------------------------------------------------


def run_gradients(labs: ModuleType, parts: Borrowed | None = None) -> dict[str, Any]:
    """Your make_deep_mlp for every run of GRADIENT_RUNS, your grad_norms_per_layer on one batch of
    digits, and your growth_per_layer of the norms read from the last layer back to the first."""
    with _fast_torch().one_thread():
        import torch

        parts = parts or borrowed_parts(labs)
        c = GRAD_LAB
        x, y, _, _ = mnist_lab_data()
        xb, yb = torch.from_numpy(x[: c["batch"]].copy()), torch.from_numpy(y[: c["batch"]].copy())
        norms, factors = {}, {}
        for label, (init, ln) in GRADIENT_RUNS.items():
            model = labs.make_deep_mlp(
                c["depth"],
                c["width"],
                init=init,
                layer_norm=ln,
                seed=c["seed"],
                init_module=parts.init_module,
                norm_cls=parts.norm_cls,
            )
            norms[label] = np.asarray(labs.grad_norms_per_layer(model, xb, yb), dtype=np.float64)
            factors[label] = _float(labs.growth_per_layer(norms[label][::-1].copy()))
        return {"norms": norms, "factors": factors, "notes": parts.notes}


def allowed_gradients(m: dict[str, Any]) -> dict[str, Allowed]:
    out = {}
    for label, f in m["factors"].items():
        evidence = (
            f"growth_per_layer from the last layer back {f:.3g} (norms {_fmt(m['norms'][label])})"
        )
        out[label] = Allowed(evidence, _three(f, _TRENDS, 0.85, 1 / 0.85, 1.08))
    return out


def plot_gradients(m: dict[str, Any]) -> Any:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, layout="constrained", figsize=(11, 4.5), sharey=True)
    for label, norms in m["norms"].items():
        ax = axes[1] if label.endswith("+ln") else axes[0]
        ax.semilogy(np.arange(1, len(norms) + 1), norms, marker="o", ms=3, label=label)
    for ax, title in zip(axes, ("without layer norm", "with layer norm"), strict=True):
        ax.set_xlabel("layer (1 = first)")
        ax.set_title(title)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("||dL/d(layer output)||")
    return fig


# --- lab activations ---------------------------------------------------------------------------------


def run_activations(labs: ModuleType, parts: Borrowed | None = None) -> dict[str, Any]:
    """Your make_deep_mlp (ACT_LAB) without and with layer norm: your layer_outputs on the eval digits
    before and after your train_losses; the spreads, their after / before ratios, and your
    growth_per_layer of the ratios (without layer norm)."""
    with _fast_torch().one_thread():
        import torch

        parts = parts or borrowed_parts(labs)
        c = ACT_LAB
        _, _, xe, _ = mnist_lab_data()
        x_eval = torch.from_numpy(xe.copy())
        out: dict[str, Any] = {"notes": parts.notes, "outputs": {}}
        for key, ln in (("without_ln", False), ("with_ln", True)):
            model = labs.make_deep_mlp(
                c["depth"],
                c["width"],
                init=c["init"],
                layer_norm=ln,
                seed=c["seed"],
                init_module=parts.init_module,
                norm_cls=parts.norm_cls,
            )
            before = [np.asarray(a, dtype=np.float64) for a in labs.layer_outputs(model, x_eval)]
            opt = _fast_torch().eager(torch.optim.SGD(model.parameters(), lr=c["lr"]))
            labs.train_losses(model, mnist_loader(), opt, c["num_steps"])
            after = [np.asarray(a, dtype=np.float64) for a in labs.layer_outputs(model, x_eval)]
            s0 = np.array([a.std() for a in before])
            s1 = np.array([a.std() for a in after])
            out["outputs"][key] = (before, after)
            out[key] = {"before": s0, "after": s1, "ratio": s1 / s0 if len(s0) else s0}
        ratios = out["without_ln"]["ratio"]
        out["depth_factor"] = (
            _float(labs.growth_per_layer(ratios.copy())) if len(ratios) >= 2 else float("nan")
        )
        return out


def allowed_activations(m: dict[str, Any]) -> dict[str, Allowed]:
    out = {}
    for key in ("without_ln", "with_ln"):
        r = m[key]["ratio"]
        last = _float(r[-1]) if len(r) else float("nan")
        evidence = (
            f"spreads before {_fmt(m[key]['before'])}, after {_fmt(m[key]['after'])} "
            f"(last layer after / before {last:.3g})"
        )
        out[key] = Allowed(evidence, _three(last, tuple(reversed(_CHANGES)), 1 / 1.5, 1.5, 1.15))
    f = m["depth_factor"]
    evidence = f"after / before by layer {_fmt(m['without_ln']['ratio'])}, growth_per_layer {f:.3g}"
    out["drift_by_depth"] = Allowed(
        evidence, _three(f, tuple(reversed(_DEPTH)), 1 / 1.1, 1.1, 1.04)
    )
    return out


def plot_activations(m: dict[str, Any], bins: int = 60) -> Any:
    import matplotlib.pyplot as plt

    before, _ = m["outputs"]["without_ln"]
    layers = len(before)
    fig, axes = plt.subplots(
        layers,
        2,
        layout="constrained",
        figsize=(9, 1.6 * max(layers, 1) + 1),
        squeeze=False,
        sharex="col",
    )
    for col, key in enumerate(("without_ln", "with_ln")):
        b, a = m["outputs"][key]
        top = max([float(np.percentile(v, 99.5)) for v in a + b if v.size] + [1e-6])
        for i in range(layers):
            ax = axes[i, col]
            edges = np.linspace(0.0, top, bins + 1)
            for values, label, colour in ((b[i], "before", "tab:blue"), (a[i], "after", "tab:red")):
                ax.hist(
                    values.ravel(), bins=edges, histtype="step", color=colour, label=label, log=True
                )
            ax.set_ylabel(f"layer {i + 1}", fontsize=8)
        axes[0, col].set_title(key.replace("_", " ") + " (ReLU outputs)")
    axes[0, 0].legend(fontsize=8)
    return fig


# --- lab optimizers ----------------------------------------------------------------------------------


def _ffn(seed: int) -> Any:
    import torch

    _fast_torch().skip_compiler_marks()
    from exercises.mnist import MNIST_FFN

    torch.manual_seed(seed)
    return MNIST_FFN()


def _joined(snaps: dict[str, np.ndarray], kind: str) -> np.ndarray:
    parts = [np.asarray(v, dtype=np.float64) for k, v in snaps.items() if kind in k]
    return np.concatenate(parts, axis=1) if parts else np.zeros((0, 0))


def run_optimizers(labs: ModuleType) -> dict[str, Any]:
    """The lecture's MNIST_FFN (exercises/mnist.py) trained each way of OPTIMIZER_RUNS with your
    make_optimizer and train_and_snapshot; your relative_drift of all its weights and of all its
    biases, and the spread of its weights at the end."""
    with _fast_torch().one_thread():
        c = OPT_LAB
        out: dict[str, Any] = {"snapshots": {}, "drift": {}, "spread": {}}
        for label, (name, lr, wd) in OPTIMIZER_RUNS.items():
            model = _ffn(c["seed"])
            opt = _fast_torch().eager(labs.make_optimizer(model, name, lr, weight_decay=wd))
            snaps = labs.train_and_snapshot(model, mnist_loader(), opt, c["num_steps"], c["every"])
            out["snapshots"][label] = snaps
            weights, biases = _joined(snaps, "weight"), _joined(snaps, "bias")
            out["drift"][label] = {
                "weight": _float(np.asarray(labs.relative_drift(weights.copy()))[-1]),
                "bias": _float(np.asarray(labs.relative_drift(biases.copy()))[-1]),
            }
            out["spread"][label] = float(weights[-1].std()) if weights.size else float("nan")
        return out


def allowed_optimizers(m: dict[str, Any]) -> dict[str, Allowed]:
    d, s = m["drift"], m["spread"]
    adam, sgd = d["adam"]["weight"], d["sgd"]["weight"]
    ratio = adam / sgd if sgd else float("nan")
    out = {
        "further": Allowed(
            f"weights' relative_drift: sgd {sgd:.3g}, adam {adam:.3g}",
            _three(ratio, ("sgd", "same", "adam"), 0.8, 1.25, 1.1),
        )
    }
    wd = s["sgd+wd"] / s["sgd"] if s["sgd"] else float("nan")
    out["weight_decay"] = Allowed(
        f"weights' std at the end: sgd {s['sgd']:.4g}, sgd+wd {s['sgd+wd']:.4g}",
        _three(wd, ("narrower", "same", "wider"), 0.9, 1 / 0.9, 1.05),
    )
    for run in ("sgd", "adam"):
        w, b = d[run]["weight"], d[run]["bias"]
        r = b / w if w else float("nan")
        out[f"biases_{run}"] = Allowed(
            f"{run}: relative_drift of the biases {b:.3g}, of the weights {w:.3g}",
            _three(r, ("less", "same", "more"), 0.8, 1.25, 1.1),
        )
    return out


def plot_optimizers(m: dict[str, Any], labs: ModuleType | None = None, bins: int = 80) -> Any:
    """Per run (columns), the histograms of each layer's weights and of all the biases (rows) at every
    snapshot, early blue to late red -- drawn by your plot_histogram_overlay (exercises/histograms.py) when
    it works. Each row shares its bins across the runs."""
    import matplotlib.pyplot as plt

    runs = list(m["snapshots"])
    first = m["snapshots"][runs[0]]
    rows = [(name, [name]) for name in first if "weight" in name]
    rows.append(("all biases", [name for name in first if "bias" in name]))
    fig, axes = plt.subplots(
        len(rows),
        len(runs),
        layout="constrained",
        figsize=(4.2 * len(runs), 2.6 * len(rows)),
        squeeze=False,
    )
    overlay = _overlay(labs)
    for i, (title, names) in enumerate(rows):
        values = {
            r: np.concatenate([np.asarray(m["snapshots"][r][n]) for n in names], axis=1)
            for r in runs
        }
        lim = 1.05 * max(float(np.abs(v).max()) for v in values.values())
        edges = np.linspace(-lim, lim, bins + 1)
        histx = 0.5 * (edges[1:] + edges[:-1])
        for j, run in enumerate(runs):
            overlay(histx, [np.histogram(v, bins=edges)[0] for v in values[run]], axes[i, j])
            axes[i, j].set_title(f"{run}: {title}", fontsize=9)
    return fig


def _overlay(labs: ModuleType | None) -> Callable:
    import matplotlib.cm as cm

    hist = _sibling(labs, "histograms") if labs is not None else None

    def own(histx: np.ndarray, rows: list[np.ndarray], ax: Any) -> None:
        for i, hy in enumerate(rows):
            ax.plot(histx, hy, color=cm.coolwarm(i / max(len(rows) - 1, 1)), alpha=0.7)

    def learner(histx: np.ndarray, rows: list[np.ndarray], ax: Any) -> None:
        try:
            hist.plot_histogram_overlay(histx, rows, ax=ax)
        except Exception:
            own(histx, rows, ax)

    return learner if hist is not None and hasattr(hist, "plot_histogram_overlay") else own


# --- command line ------------------------------------------------------------------------------------


def _print_stats(m: dict[str, Any]) -> None:
    for label in ("raw", "normalized", "gamma", "beta"):
        print(f"  {label}:")
        for name, stats in m[label].items():
            print(f"    {name:<12}" + "  ".join(f"{s} {stats.get(s, np.nan):8.3f}" for s in _STATS))


def _lab_distributions(labs: ModuleType, out: Path, args: Any) -> None:
    m = run_distributions(labs)
    _print_stats(m)
    print(save_figure(plot_distributions(m), out / "labs_distributions.png"))


def _lab_eps(labs: ModuleType, out: Path, args: Any) -> None:
    m = run_eps(labs)
    for std in EPS_LAB["stds"]:
        print(f"  rows of std {std:g}: bend_eps {m['bends'][std]:.3g}")
    print(f"  loglog_slope past the smallest spread's bend (eps >= {m['slope_from']:.3g}): "
          f"{m['slope']:.3f}")  # fmt: skip
    print(save_figure(plot_eps(m), out / "labs_eps.png"))


def _lab_init(labs: ModuleType, out: Path, args: Any) -> None:
    m = run_init(labs)
    for note in m["notes"]:
        print(f"  note: {note}")
    for label, v in m["final"].items():
        print(f"  {label:<10} smoothed final loss {v:.3f}")
    print(save_figure(plot_init(m), out / "labs_init.png"))


def _lab_efficiency(labs: ModuleType, out: Path, args: Any) -> None:
    rows = compare_implementations(
        implementations(labs, compile=args.compile), repeats=args.repeats
    )
    print(format_table(rows))
    print(save_figure(plot_timings(rows), out / "labs_efficiency.png"))


def _lab_gradients(labs: ModuleType, out: Path, args: Any) -> None:
    m = run_gradients(labs)
    for note in m["notes"]:
        print(f"  note: {note}")
    for label, f in m["factors"].items():
        print(f"  {label:<11} growth_per_layer (last layer back to first) {f:8.3f}   "
              f"norms {_fmt(m['norms'][label])}")  # fmt: skip
    print(save_figure(plot_gradients(m), out / "labs_gradients.png"))


def _lab_activations(labs: ModuleType, out: Path, args: Any) -> None:
    m = run_activations(labs)
    for note in m["notes"]:
        print(f"  note: {note}")
    for key in ("without_ln", "with_ln"):
        r = m[key]
        print(f"  {key:<10} spread before {_fmt(r['before'])}")
        print(f"  {'':<10} spread after  {_fmt(r['after'])}   after / before {_fmt(r['ratio'])}")
    print(f"  without_ln: growth_per_layer of after / before {m['depth_factor']:.3f}")
    print(save_figure(plot_activations(m), out / "labs_activations.png"))


def _lab_optimizers(labs: ModuleType, out: Path, args: Any) -> None:
    m = run_optimizers(labs)
    for run, d in m["drift"].items():
        print(f"  {run:<7} relative_drift: weights {d['weight']:.3f}, biases {d['bias']:.3f}; "
              f"weights' std at the end {m['spread'][run]:.4f}")  # fmt: skip
    print(save_figure(plot_optimizers(m, labs), out / "labs_optimizers.png"))


_RUNNERS: dict[str, Callable[[ModuleType, Path, Any], None]] = {
    "distributions": _lab_distributions,
    "eps": _lab_eps,
    "init": _lab_init,
    "efficiency": _lab_efficiency,
    "gradients": _lab_gradients,
    "activations": _lab_activations,
    "optimizers": _lab_optimizers,
}


def main(argv: list[str] | None = None) -> int:
    import warnings

    # torch's note on a full backward hook whose module's inputs need no gradient (the first layer's):
    # harmless here, and it would bury the tables
    warnings.filterwarnings("ignore", message="Full backward hook is firing")
    parser = argparse.ArgumentParser(description="Run the labs' experiments; print and draw them.")
    parser.add_argument("labs", nargs="*", metavar="LAB",
                        help=f"which labs (default: all): {', '.join(LABS)}")  # fmt: skip
    parser.add_argument("--impl", default="exercises", help="exercises (yours) or solutions")
    parser.add_argument("--out", type=Path, default=Path("figures"), help="folder for the PNGs")
    parser.add_argument(
        "--compile", action="store_true", help="also time torch.compile (slow start)"
    )
    parser.add_argument("--repeats", type=int, default=5, help="timing rounds (efficiency lab)")
    args = parser.parse_args(argv)
    if getattr(
        args, "compile", False
    ):  # torch.compile needs the marks skip_compiler_marks would skip
        import torch._dynamo
    unknown = [lab for lab in args.labs if lab not in LABS]
    if unknown:
        parser.error(f"unknown lab {', '.join(map(repr, unknown))}; choose from {', '.join(LABS)}")
    import matplotlib

    matplotlib.use("Agg")
    labs = importlib.import_module(f"{args.impl}.labs")
    failed = 0
    for lab in args.labs or LABS:
        print(f"== lab {lab}")
        start = time.perf_counter()
        try:
            _RUNNERS[lab](labs, args.out, args)
        except NotImplementedError as exc:
            failed += 1
            print(f"  not yet: {exc}")
            continue
        print(f"  ({time.perf_counter() - start:.1f} s) Now fill in answer_{lab}() in {args.impl}/labs.py; "
              f"`pytest -m labs` checks it against these numbers.")  # fmt: skip
    return 1 if failed and failed == len(args.labs or LABS) else 0


if __name__ == "__main__":
    sys.exit(main())
