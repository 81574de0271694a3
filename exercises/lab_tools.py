"""Provided tools for the labs (exercises/labs.py): a timing harness, the gamma lab's run, figure saving.

Provided: you do not edit this; the grader uses the kit's copy.

- ``implementations(labs, compile=False)`` -> {name: fn(x, gamma, beta, eps) -> numpy array}: your row
  loop (labs.9), your vectorized numpy (labs.2), your torch ops (labs.10), your LayerNormFunction from
  exercises/layer_norm_torch.py when you have written it, torch.compile of your torch ops (``compile``),
  and F.layer_norm as the baseline.
- ``compare_implementations(impls, shape, repeats)`` -> one row per implementation: first its output is
  checked against a float64 layer norm (status "ok", "wrong output", "not implemented yet" or the error),
  then only the correct ones are timed (median of ``repeats`` runs after one warm-up). A timing is a
  measurement of this machine today, not a test: the tests check outputs only.
- ``format_table(rows)`` and ``plot_timings(rows)``: the table as text and a bar chart (median ms).
- ``gamma_curves(labs, gammas, num_steps, lr)`` -> {"gamma=g": losses}: the gamma lab over the bundled
  MNIST subset (a few seconds on a laptop CPU).
- ``python -m exercises.lab_tools [--impl exercises|solutions] [--out DIR]`` draws every lab's figure
  into DIR (default: figures/) and prints the timing table.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

__all__ = [
    "compare_implementations",
    "format_table",
    "gamma_curves",
    "implementations",
    "plot_timings",
    "save_figure",
]

Impl = Callable[[np.ndarray, np.ndarray, np.ndarray, float], Any]
OUTPUT_ATOL = 1e-4  # float32 inputs against a float64 layer norm: normalized units


def save_figure(fig: Any, path: str | Path, dpi: int = 90) -> Path:
    """Save a matplotlib Figure (folders created), close it, return the path."""
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return path


def _torch_impl(fn: Callable) -> Impl:
    def run(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> Any:
        import torch

        return fn(torch.from_numpy(x), torch.from_numpy(gamma), torch.from_numpy(beta), eps)

    return run


def implementations(labs: ModuleType, compile: bool = False) -> dict[str, Impl]:
    """Every layer norm the efficiency lab times, by name (see the module docstring)."""
    import torch
    import torch.nn.functional as F

    impls: dict[str, Impl] = {
        "row loop (labs.9)": labs.layer_norm_rows_loop,
        "numpy vectorized (labs.2)": labs.normalize_per_sample,
        "torch ops (labs.10)": _torch_impl(labs.layer_norm_torch_ops),
    }
    try:
        lnt = importlib.import_module(
            labs.__name__.rpartition(".")[0] + ".layer_norm_torch"
            if "." in labs.__name__
            else "exercises.layer_norm_torch"
        )
        impls["LayerNormFunction"] = _torch_impl(
            lambda x, g, b, eps: lnt.LayerNormFunction.apply(x, g, b, eps)
        )
    except ImportError:
        pass
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
    """A horizontal bar chart of the timed rows' medians (log scale: a Python loop is orders slower)."""
    import matplotlib.pyplot as plt

    timed = [r for r in rows if r.get("median_ms")]
    fig, ax = plt.subplots(figsize=(7, 0.5 * max(len(timed), 1) + 1.2))
    ax.barh([r["name"] for r in timed], [r["median_ms"] for r in timed], color="tab:blue")
    ax.set_xscale("log")
    ax.set_xlabel("median time per call (ms, log scale)")
    ax.invert_yaxis()
    fig.tight_layout()
    return fig


def gamma_curves(
    labs: ModuleType,
    gammas: tuple[float, ...] = (0.1, 1.0, 10.0),
    num_steps: int = 300,
    lr: float = 0.05,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """The gamma lab: for each gamma, make_ln_net(gamma, seed=seed) trained by train_losses on MNIST."""
    import torch

    from exercises.mnist import load_mnist

    curves = {}
    for g in gammas:
        train_loader, _ = load_mnist(batch_size=32, seed=seed)
        torch.manual_seed(seed)  # the loader's shuffle order: the same batches for every gamma
        model = labs.make_ln_net(g, seed=seed)
        curves[f"gamma={g:g}"] = np.asarray(labs.train_losses(model, train_loader, num_steps, lr))
    return curves


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Draw every lab's figure; print the timing table.")
    parser.add_argument("--impl", default="exercises", help="exercises (yours) or solutions")
    parser.add_argument("--out", type=Path, default=Path("figures"), help="folder for the PNGs")
    parser.add_argument(
        "--compile", action="store_true", help="also time torch.compile (slow start)"
    )
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    labs = importlib.import_module(f"{args.impl}.labs")

    dists = labs.make_distributions(200, 64, seed=0)
    print(
        save_figure(
            labs.plot_distributions(dists, gamma=2.0, beta=1.0), args.out / "labs_distributions.png"
        )
    )

    rng = np.random.default_rng(0)
    eps_values = np.logspace(-12, 0, 13)
    z, dout = rng.normal(size=(8, 64)), rng.normal(size=(8, 64))
    curves = {
        f"row std {s:g}": labs.max_grad_vs_eps(3.0 + s * z, dout, eps_values)
        for s in (1.0, 1e-2, 1e-4)
    }
    print(save_figure(labs.plot_grad_vs_eps(eps_values, curves), args.out / "labs_eps.png"))

    start = time.perf_counter()
    losses = gamma_curves(labs)
    print(f"gamma lab: {time.perf_counter() - start:.1f} s")
    print(save_figure(labs.plot_loss_curves(losses), args.out / "labs_gamma_init.png"))

    rows = compare_implementations(
        implementations(labs, compile=args.compile), repeats=args.repeats
    )
    print(format_table(rows))
    print(save_figure(plot_timings(rows), args.out / "labs_efficiency.png"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
