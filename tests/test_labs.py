"""Public tests for exercises/labs.py. `pytest -m labs` runs only these.

Every lab is checked by properties that any correct answer has (rows of mean 0 and std 1, a slope of
-1/2 on log-log axes, a gain that really starts at gamma, implementations that agree), by torch as an
independent oracle (autograd of F.layer_norm), and by stored reference values (tests/data/labs.npz, made
by `python -m grader sync`) where a misconception hint needs them. Never by timings.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from exercises.feedback.checks import check_outputs, fail
from exercises.feedback.stored import Spec, load

pytestmark = pytest.mark.labs


# --- stored cases ----------------------------------------------------------------------------------


def _norm_inputs(seed: int, gamma, beta) -> dict:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(5, 8)) * rng.uniform(0.5, 3.0, (5, 1)) + rng.normal(0, 4, (5, 1))
    return {"x": x, "gamma": np.asarray(gamma, np.float64), "beta": np.asarray(beta, np.float64)}


def run_normalize(m, x, gamma, beta) -> dict:
    return {"out": np.asarray(m.normalize_per_sample(x, gamma, beta), dtype=np.float64)}


def _grad_inputs() -> dict:
    rng = np.random.default_rng(21)
    std = np.array([1.0, 1e-2, 1e-4, 1e-6])[:, None]
    return {
        "x": 3.0 + std * rng.normal(size=(4, 16)),
        "dout": rng.normal(size=(4, 16)),
        "eps_values": np.logspace(-10, 0, 6),
    }


def run_max_grad(m, x, dout, eps_values) -> dict:
    return {"max_grad": np.asarray(m.max_grad_vs_eps(x, dout, eps_values), dtype=np.float64)}


def _train_inputs() -> dict:
    rng = np.random.default_rng(31)
    teacher = rng.normal(size=(12, 4))
    x = rng.normal(size=(96, 12)).astype(np.float32)
    y = np.argmax(x @ teacher, axis=1).astype(np.int64)
    return {"x": x, "y": y, "num_steps": np.int64(8), "lr": np.float64(0.2)}


def kit_net(in_features: int, seed: int = 0) -> nn.Module:
    """The tests' own small classifier (log-probabilities out), the same for every implementation."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(in_features, 16), nn.ReLU(), nn.Linear(16, 4), nn.LogSoftmax(dim=1)
    )


def _loader(x: np.ndarray, y: np.ndarray, batch_size: int = 32):
    from torch.utils.data import DataLoader, TensorDataset

    return DataLoader(
        TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=batch_size
    )


def run_train(m, x, y, num_steps, lr) -> dict:
    model = kit_net(x.shape[1])
    losses = m.train_losses(model, _loader(x, y), int(num_steps), float(lr))
    return {"losses": np.asarray(losses, dtype=np.float64)}


def _impl_inputs() -> dict:
    rng = np.random.default_rng(41)
    x = rng.normal(size=(6, 10)) * rng.uniform(0.2, 4.0, (6, 1)) + rng.normal(0, 5, (6, 1))
    return {"x": x, "gamma": rng.normal(1.0, 0.3, 10), "beta": rng.normal(0.0, 0.3, 10)}


def run_rows_loop(m, x, gamma, beta) -> dict:
    return {"out": np.asarray(m.layer_norm_rows_loop(x, gamma, beta), dtype=np.float64)}


def run_torch_ops(m, x, gamma, beta) -> dict:
    t = [torch.from_numpy(np.asarray(a)) for a in (x, gamma, beta)]
    return {"out": m.layer_norm_torch_ops(*t).detach().numpy()}


STORED = {
    "normalize_scalar": Spec(lambda: _norm_inputs(1, 2.5, -1.5), run_normalize),
    "normalize_vector": Spec(
        lambda: _norm_inputs(2, np.linspace(0.5, 2.0, 8), np.linspace(-1, 1, 8)), run_normalize
    ),
    # max |dL/dx| reaches 1e5 at the smallest eps: relative tolerance (float64, but rstd amplifies rounding)
    "max_grad": Spec(_grad_inputs, run_max_grad, (1e-6, 1e-9)),
    # float32 training: the last bits of each step differ between machines and thread counts
    "train": Spec(_train_inputs, run_train, (1e-4, 1e-5)),
    "rows_loop": Spec(_impl_inputs, run_rows_loop),
    "torch_ops": Spec(_impl_inputs, run_torch_ops),
}


@pytest.fixture(scope="module")
def stored():
    return load("labs")


def _check_stored(labs, stored, case: str, run, call: str) -> None:
    """The stored case compared as its Spec declares (the tolerance `grader sync --check` uses too)."""
    __tracebackhide__ = True
    c = stored[case]
    rtol, atol = STORED[case].tolerance or (None, None)
    check_outputs(run(labs, **c.args()), c.expected, c.mistakes, call=call, rtol=rtol, atol=atol)


# --- lab 1: distributions under layer norm --------------------------------------------------------


def _moments(a: np.ndarray) -> tuple[float, float]:
    z = (a.ravel() - a.mean()) / a.std()
    return float((z**3).mean()), float((z**4).mean() - 3.0)


def _two_bumps(a: np.ndarray) -> bool:
    """A dip in the middle: the bin around the mean holds less than half the fullest bin."""
    z = (a.ravel() - a.mean()) / a.std()
    counts, _ = np.histogram(z, bins=21, range=(-2.5, 2.5))
    return counts[10] < 0.5 * counts.max()


def test_distributions_are_four_named_arrays_of_the_asked_shape(labs):
    d = labs.make_distributions(7, 5, seed=3)
    if not isinstance(d, dict) or set(d) != {"normal", "uniform", "exponential", "bimodal"}:
        fail(
            "make_distributions(7, 5, seed=3)",
            "expected a dict with keys normal, uniform, "
            f"exponential, bimodal; got {sorted(d) if isinstance(d, dict) else type(d).__name__}",
        )
    for name, a in d.items():
        if np.shape(a) != (7, 5) or not np.isfinite(a).all():
            fail(
                "make_distributions(7, 5, seed=3)",
                f"{name}: shape {np.shape(a)}, expected (7, 5) of finite values",
                "shape",
            )


def test_distributions_keep_their_shapes(labs):
    call = "make_distributions(400, 250, seed=0)"
    d = labs.make_distributions(400, 250, seed=0)
    skew, kurt = _moments(np.asarray(d["normal"]))
    if not (abs(skew) <= 0.1 and abs(kurt) <= 0.2):
        fail(call, f"normal: skewness {skew:.2f}, excess kurtosis {kurt:.2f} (a normal has 0, 0)")
    skew, kurt = _moments(np.asarray(d["uniform"]))
    if not (abs(skew) <= 0.1 and -1.35 < kurt < -1.05):
        fail(
            call,
            f"uniform: skewness {skew:.2f}, excess kurtosis {kurt:.2f} (a uniform has 0, -1.2)",
        )
    skew, _ = _moments(np.asarray(d["exponential"]))
    if not skew >= 1.2:
        fail(call, f"exponential: skewness {skew:.2f} (an exponential has 2: a long right tail)")
    if not _two_bumps(np.asarray(d["bimodal"])):
        fail(
            call,
            "bimodal: no dip between two bumps; its values pile up around the mean",
            "labs-bimodal-one-peak",
        )
    for name, a in d.items():
        if len(np.unique(a)) < 0.99 * np.size(a):
            fail(call, f"{name}: values repeat; expected a continuous distribution (spread > 0)")


def test_distributions_same_seed_same_arrays_other_seed_other_arrays(labs):
    a, b, c = (labs.make_distributions(6, 4, seed=s) for s in (5, 5, 6))
    for name in a:
        if not np.array_equal(a[name], b[name]):
            fail(
                "make_distributions(6, 4, seed=5) twice",
                f"{name}: the arrays differ",
                "labs-seed-ignored",
            )
        if np.array_equal(a[name], c[name]):
            fail(
                "make_distributions(6, 4, seed=5) and seed=6",
                f"{name}: the same arrays",
                "labs-seed-ignored",
            )


@pytest.mark.parametrize("case", ["normalize_scalar", "normalize_vector"])
def test_normalize_matches_stored_values(labs, stored, case):
    _check_stored(
        labs,
        stored,
        case,
        run_normalize,
        call=f"normalize_per_sample(x (5, 8), gamma, beta) [{case}]",
    )


def test_normalized_rows_have_mean_0_and_std_1_for_every_distribution(labs):
    d = np.random.default_rng(0)
    dists = {
        "normal": d.normal(5, 2, (20, 300)),
        "uniform": d.uniform(-3, 7, (20, 300)),
        "exponential": d.exponential(2, (20, 300)),
        "bimodal": np.where(d.random((20, 300)) < 0.5, -4, 4) + d.normal(0, 1, (20, 300)),
    }
    for name, x in dists.items():
        out = np.asarray(labs.normalize_per_sample(x), dtype=np.float64)
        if out.shape != x.shape:
            fail(
                f"normalize_per_sample({name} (20, 300))",
                f"shape {out.shape}, expected (20, 300)",
                "shape",
            )
        mean, std = out.mean(axis=1), out.std(axis=1)
        if np.abs(mean).max() > 1e-8 or np.abs(std - 1).max() > 1e-4:
            fail(
                f"normalize_per_sample({name} (20, 300))",
                f"per-row means up to {np.abs(mean).max():.3g} from 0, stds up to "
                f"{np.abs(std - 1).max():.3g} from 1: every SAMPLE (row) must get mean 0 and std 1",
                "labs-per-column",
            )


@pytest.mark.parametrize(("gamma", "beta"), [(3.0, -2.0), (0.5, 10.0), (-2.0, 1.0)])
def test_gamma_sets_the_std_and_beta_the_mean(labs, gamma, beta):
    x = np.random.default_rng(1).exponential(2.0, (10, 200))
    out = np.asarray(labs.normalize_per_sample(x, gamma, beta), dtype=np.float64)
    call = f"normalize_per_sample(x (10, 200), gamma={gamma}, beta={beta})"
    if np.abs(out.mean(axis=1) - beta).max() > 1e-8:
        fail(
            call,
            f"row means {out.mean(axis=1)[:3].round(4)}..., expected beta = {beta} in every row",
            "labs-beta-scaled",
        )
    if np.abs(out.std(axis=1) - abs(gamma)).max() > 1e-4:
        fail(call, f"row stds {out.std(axis=1)[:3].round(4)}..., expected |gamma| = {abs(gamma)}")
    corr = np.corrcoef(x[0], out[0])[0, 1]
    if np.sign(corr) != np.sign(gamma):
        fail(call, "a negative gamma flips each row (x larger -> out smaller); it did not")


def test_normalize_does_not_modify_x(labs):
    x = np.random.default_rng(2).normal(3, 2, (4, 6))
    before = x.copy()
    labs.normalize_per_sample(x, 2.0, 1.0)
    if not np.array_equal(x, before):
        fail("normalize_per_sample(x (4, 6), 2.0, 1.0)", "x was modified in place")


@pytest.mark.parametrize(
    "name", ["normalize_per_sample", "layer_norm_rows_loop", "layer_norm_torch_ops"]
)
def test_the_eps_argument_is_used(labs, name):
    """Rows of small variance (1e-4) with eps = 1e-4: there eps changes the result by a third."""
    rng = np.random.default_rng(7)
    x = 3.0 + 0.01 * rng.normal(size=(6, 12))
    gamma, beta = rng.normal(1.0, 0.3, 12), rng.normal(0.0, 0.3, 12)
    eps = 1e-4
    call = f"{name}(x (6, 12) of row std 0.01, gamma, beta, eps={eps})"
    if name == "layer_norm_torch_ops":
        got = labs.layer_norm_torch_ops(*(torch.from_numpy(v) for v in (x, gamma, beta)), eps=eps)
        got = got.detach().numpy() if isinstance(got, torch.Tensor) else got
    else:
        got = getattr(labs, name)(x, gamma, beta, eps=eps)
    got = np.asarray(got, dtype=np.float64)

    def torch_truth(e: float) -> np.ndarray:  # torch as the independent oracle, float64
        t = [torch.from_numpy(v) for v in (x, gamma, beta)]
        return F.layer_norm(t[0], (12,), weight=t[1], bias=t[2], eps=e).numpy()

    if got.shape == x.shape and not np.allclose(got, torch_truth(eps), rtol=1e-8, atol=1e-8):
        if np.allclose(got, torch_truth(1e-5), rtol=1e-6, atol=1e-6):
            fail(call, "the result is what eps = 1e-5 gives, not eps = 1e-4", "labs-eps-ignored")
        fail(call, "differs from layer norm with this eps (torch's F.layer_norm as the oracle)")


def _data_axes(fig) -> list:
    return [ax for ax in fig.axes if getattr(ax, "_colorbar", None) is None]


def test_plot_distributions_draws_raw_above_normalized_below(labs):
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    dists = {
        "normal": np.random.default_rng(3).normal(5, 2, (30, 64)),
        "uniform": np.random.default_rng(4).uniform(-3, 7, (30, 64)),
        "exponential": np.random.default_rng(5).exponential(2, (30, 64)),
        "bimodal": np.random.default_rng(6).choice([-4.0, 4.0], (30, 64)),
    }
    gamma, beta, bins = 0.5, 20.0, 17
    call = f"plot_distributions(dists, gamma={gamma}, beta={beta}, bins={bins})"
    try:
        fig = labs.plot_distributions(dists, gamma=gamma, beta=beta, bins=bins)
        if not isinstance(fig, Figure):
            fail(call, f"returned {type(fig).__name__}, expected the matplotlib Figure")
        axes = _data_axes(fig)
        cols = sorted({round(ax.get_position().x0, 3) for ax in axes})
        rows = sorted({round(ax.get_position().y0, 3) for ax in axes}, reverse=True)
        if len(axes) != 8 or len(cols) != 4 or len(rows) != 2:
            fail(
                call, f"{len(axes)} axes in {len(rows)} rows x {len(cols)} columns, expected 2 x 4"
            )
        for ax in axes:
            j = cols.index(round(ax.get_position().x0, 3))
            top = rows.index(round(ax.get_position().y0, 3)) == 0
            name = list(dists)[j]
            lo, hi = ax.dataLim.intervalx
            drawn = len(ax.patches) + len(ax.lines) + len(ax.collections)
            where = "top" if top else "bottom"
            if not drawn or not np.isfinite([lo, hi]).all():
                fail(call, f"column {j} ({name}), {where} row: nothing drawn")
            if name not in ax.get_title():
                fail(
                    call,
                    f"column {j}, {where} row: the title {ax.get_title()!r} does not name {name!r}",
                )
            bars = sum(isinstance(p, Rectangle) for p in ax.patches)
            if bars and bars != bins:  # a bar per bin (a step outline is one patch: not counted)
                fail(call, f"column {j} ({name}), {where} row: {bars} bars, expected bins={bins}")
            if top:
                x = dists[name]
                if not (lo <= x.mean() <= hi and hi - lo >= 0.5 * np.ptp(x)):
                    fail(
                        call,
                        f"top row, column {j}: x range [{lo:.3g}, {hi:.3g}] does not show "
                        f"{name}'s raw values (mean {x.mean():.3g})",
                    )
            else:
                bound = abs(gamma) * math.sqrt(64) + 1e-6
                if not (lo <= beta <= hi and beta - bound <= lo and hi <= beta + bound):
                    fail(
                        call,
                        f"bottom row, column {j}: x range [{lo:.3g}, {hi:.3g}]; after layer norm "
                        f"the values lie around beta = {beta}, within |gamma| * sqrt(D) = {bound:.3g}",
                        "labs-bottom-not-normalized",
                    )
    finally:
        plt.close("all")


# --- lab 2: eps and numerical stability -----------------------------------------------------------


def test_max_grad_matches_stored_values(labs, stored):
    _check_stored(
        labs,
        stored,
        "max_grad",
        run_max_grad,
        call="max_grad_vs_eps(x (4, 16), dout (4, 16), eps_values (6,))",
    )


def test_max_grad_is_the_input_gradient_of_layer_norm(labs):
    """torch autograd through F.layer_norm (float64) as an independent oracle."""

    rng = np.random.default_rng(7)
    x = rng.normal(1.0, 0.3, (3, 9))
    dout = rng.normal(size=(3, 9))
    eps_values = np.array([1e-5, 1e-2, 1.0])
    got = np.asarray(labs.max_grad_vs_eps(x, dout, eps_values), dtype=np.float64)
    want = []
    for eps in eps_values:
        t = torch.tensor(x, requires_grad=True)
        F.layer_norm(t, (9,), eps=float(eps)).backward(torch.tensor(dout))
        want.append(t.grad.abs().max().item())
    check_outputs(
        {"max_grad": got},
        {"max_grad": np.array(want)},
        call="max_grad_vs_eps(x (3, 9), "
        "dout, eps_values [1e-5, 1e-2, 1]) vs autograd of F.layer_norm",
        rtol=1e-6,
        atol=1e-9,
    )


def _slope(eps: np.ndarray, values: np.ndarray) -> float:
    return float(np.polyfit(np.log(eps), np.log(values), 1)[0])


def test_max_grad_grows_like_one_over_sqrt_eps_on_near_constant_rows(labs):
    rng = np.random.default_rng(8)
    z, dout = rng.normal(size=(4, 32)), rng.normal(size=(4, 32))
    eps = np.logspace(-6, -1, 6)  # all far above the rows' variance (1e-14)
    got = np.asarray(labs.max_grad_vs_eps(3.0 + 1e-7 * z, dout, eps), dtype=np.float64)
    call = "max_grad_vs_eps(rows 3 + 1e-7 z, dout, eps 1e-6 .. 1e-1)"
    if got.shape != (6,) or not np.isfinite(got).all() or (got <= 0).any():
        fail(call, f"expected 6 positive finite values, got {got}")
    slope = _slope(eps, got)
    if not -0.55 < slope < -0.45:
        fail(
            call,
            f"log-log slope {slope:.2f}; when eps dominates the variance the gradient grows "
            "like 1/sqrt(eps), a slope of -1/2",
            "labs-eps-outside",
        )
    flat = np.asarray(labs.max_grad_vs_eps(3.0 + z, dout, np.logspace(-12, -8, 3)))
    if np.ptp(np.log(flat)) > 1e-3:
        fail(
            "max_grad_vs_eps(rows of std 1, eps 1e-12 .. 1e-8)",
            f"values {flat}: while eps << var the gradient should hardly depend on eps",
        )


def _lines(fig) -> list:
    return [line for ax in fig.axes for line in ax.lines]


def _legend_texts(fig) -> set[str]:
    texts = set()
    for holder in [*fig.axes, fig]:
        legends = [holder.get_legend()] if hasattr(holder, "get_legend") else []
        legends += list(getattr(holder, "legends", []))
        for leg in legends:
            if leg is not None:
                texts |= {t.get_text() for t in leg.get_texts()}
    return texts


def test_plot_grad_vs_eps_draws_one_line_per_curve_on_log_log_axes(labs):
    import matplotlib.pyplot as plt

    eps = np.logspace(-8, 0, 5)
    curves = {
        "std 1": np.array([1.0, 1.0, 0.99, 0.9, 0.5]),
        "std 1e-3": np.array([900, 800, 90, 9, 0.9]),
    }
    call = "plot_grad_vs_eps(eps (5,), curves {'std 1', 'std 1e-3'})"
    try:
        fig = labs.plot_grad_vs_eps(eps, curves)
        lines = _lines(fig)
        if len(lines) != 2:
            fail(call, f"{len(lines)} lines, expected one per curve (2)")
        for line, (label, values) in zip(lines, curves.items(), strict=True):
            if not (np.allclose(line.get_xdata(), eps) and np.allclose(line.get_ydata(), values)):
                fail(call, f"the line for {label!r} does not plot (eps_values, values) in order")
        ax = lines[0].axes
        if ax.get_xscale() != "log" or ax.get_yscale() != "log":
            fail(
                call,
                f"x scale {ax.get_xscale()!r}, y scale {ax.get_yscale()!r}: expected both 'log'",
                "labs-not-loglog",
            )
        if not set(curves) <= _legend_texts(fig):
            fail(
                call, f"the legend shows {sorted(_legend_texts(fig))}, expected the curves' labels"
            )
    finally:
        plt.close("all")


# --- lab 3: gamma initialization and training dynamics --------------------------------------------


def _norms(model: nn.Module) -> list[nn.Module]:
    return [m for m in model.modules() if type(m).__name__ == "LayerNorm"]


@pytest.mark.parametrize("gamma", [0.1, 10.0])
def test_make_ln_net_starts_its_layer_norm_gain_at_gamma(labs, gamma):
    call = f"make_ln_net({gamma}, in_features=20)"
    model = labs.make_ln_net(gamma, in_features=20)
    norms = _norms(model)
    if len(norms) != 1:
        fail(call, f"{len(norms)} LayerNorm modules (class named LayerNorm), expected 1")
    w, b = norms[0].weight.detach().numpy(), norms[0].bias.detach().numpy()
    if w.shape != (64,) or not np.allclose(w, gamma) or not np.allclose(b, 0):
        fail(
            call,
            f"LayerNorm weight {w[:3]}... (shape {w.shape}), bias {b[:3]}...: expected 64 "
            f"weights equal to gamma = {gamma} and zero biases",
            "labs-gamma-not-applied",
        )
    with torch.no_grad():
        out = model(torch.randn(5, 20))
    if tuple(out.shape) != (5, 10) or not torch.allclose(
        out.exp().sum(1), torch.ones(5), atol=1e-5
    ):
        fail(call, f"output {tuple(out.shape)}: expected (5, 10) log-probabilities (exp sums to 1)")


def test_make_ln_net_same_seed_differs_only_in_gamma(labs):
    a, b = (
        labs.make_ln_net(0.1, in_features=20, seed=3),
        labs.make_ln_net(10.0, in_features=20, seed=3),
    )
    pa, pb = dict(a.named_parameters()), dict(b.named_parameters())
    gain = {n for n, p in pa.items() if not torch.equal(p, pb[n])}
    if len(gain) != 1 or pa[next(iter(gain))].shape != (64,):
        fail(
            "make_ln_net(0.1, seed=3) and make_ln_net(10.0, seed=3)",
            f"parameters that differ: {sorted(gain)}; expected only the LayerNorm's weight",
        )


def test_make_ln_net_other_seed_other_weights(labs):
    a, b = (labs.make_ln_net(1.0, in_features=20, seed=s) for s in (3, 4))
    pa, pb = dict(a.named_parameters()), dict(b.named_parameters())
    if all(n in pb and torch.equal(p, pb[n]) for n, p in pa.items()):
        fail(
            "make_ln_net(1.0, seed=3) and make_ln_net(1.0, seed=4)",
            "the two nets have the same weights: the seed argument must choose them",
            "labs-net-seed-ignored",
        )


def test_train_losses_match_stored_values(labs, stored):
    _check_stored(
        labs,
        stored,
        "train",
        run_train,
        call="train_losses(kit net, loader of 96 samples in batches of 32, num_steps=8, lr=0.2)",
    )


def test_train_losses_start_with_the_untrained_loss_and_go_on_past_one_epoch(labs):
    c = _train_inputs()
    model = kit_net(12)
    x0, y0 = torch.from_numpy(c["x"][:32]), torch.from_numpy(c["y"][:32])
    with torch.no_grad():
        first = nn.NLLLoss()(model(x0), y0).item()
    losses = np.asarray(labs.train_losses(model, _loader(c["x"], c["y"]), 7, 0.2), dtype=np.float64)
    call = "train_losses(net, 3 batches per epoch, num_steps=7, lr=0.2)"
    if losses.shape != (7,) or not np.isfinite(losses).all():
        fail(call, f"expected 7 finite losses (one per step, past the first epoch), got {losses}")
    if abs(losses[0] - first) > 1e-5:
        fail(
            call,
            f"losses[0] = {losses[0]:.5f}, but the untrained net's loss on the first batch is "
            f"{first:.5f}: record each step's loss before its update",
        )


def test_gamma_lab_on_mnist(labs):
    """The lab itself, shortened: gain 0.1, 1 and 10 on 960 MNIST digits, 30 steps each."""
    from exercises.mnist import mnist_arrays

    images, labels = mnist_arrays()
    curves = {}
    for g in (0.1, 1.0, 10.0):
        model = labs.make_ln_net(g, seed=0)
        loader = _loader(images[:960], labels[:960])
        curves[g] = np.asarray(labs.train_losses(model, loader, 30, 0.05), dtype=np.float64)
    call = "make_ln_net(gamma) + train_losses(30 steps, lr 0.05) on MNIST"
    for g, c in curves.items():
        if c.shape != (30,) or not np.isfinite(c).all():
            fail(call, f"gamma={g}: expected 30 finite losses, got shape {c.shape}")
    if curves[1.0][-5:].mean() > curves[1.0][:5].mean() - 0.2:
        fail(
            call,
            f"gamma=1: the loss hardly fell ({curves[1.0][:5].mean():.2f} -> "
            f"{curves[1.0][-5:].mean():.2f})",
        )
    # a tiny gain squashes the hidden layer: the first logits are near-uniform, loss near ln 10
    if abs(curves[0.1][0] - math.log(10)) > 0.15 or curves[10.0][0] <= curves[0.1][0]:
        fail(
            call,
            f"first losses {curves[0.1][0]:.2f} (gamma 0.1) and {curves[10.0][0]:.2f} "
            "(gamma 10): a gain of 0.1 should start near ln 10 = 2.30, a gain of 10 higher",
            "labs-gamma-not-applied",
        )


def test_plot_loss_curves_draws_one_labelled_line_per_curve(labs):
    import matplotlib.pyplot as plt

    curves = {
        "gamma=0.1": np.array([2.3, 2.2, 2.0]),
        "gamma=1": np.array([2.3, 1.5, 1.0]),
        "gamma=10": np.array([4.0, 2.0, 1.2]),
    }
    call = "plot_loss_curves({gamma=0.1, gamma=1, gamma=10})"
    try:
        fig = labs.plot_loss_curves(curves)
        lines = _lines(fig)
        axes = {id(line.axes) for line in lines}
        if len(axes) != 1:
            fail(call, f"lines on {len(axes)} axes, expected every curve on one plot")
        found = {line.get_label(): np.asarray(line.get_ydata()) for line in lines}
        for label, values in curves.items():
            if label not in found or not np.allclose(found[label], values):
                fail(
                    call,
                    f"no line labelled {label!r} with that curve's losses (labels: "
                    f"{sorted(found)})",
                    "labs-curves-unlabelled",
                )
        if not set(curves) <= _legend_texts(fig):
            fail(call, "the legend does not name every curve", "labs-curves-unlabelled")
    finally:
        plt.close("all")


# --- lab 4: efficiency ----------------------------------------------------------------------------


def test_rows_loop_matches_stored_values(labs, stored):
    _check_stored(
        labs,
        stored,
        "rows_loop",
        run_rows_loop,
        call="layer_norm_rows_loop(x (6, 10), gamma (10,), beta (10,))",
    )


def test_rows_loop_equals_your_vectorized_version(labs):
    c = _impl_inputs()
    loop = np.asarray(labs.layer_norm_rows_loop(**c), dtype=np.float64)
    vec = np.asarray(labs.normalize_per_sample(**c), dtype=np.float64)
    check_outputs(
        {"out": loop},
        {"out": vec},
        call="layer_norm_rows_loop vs normalize_per_sample on x (6, 10)",
        rtol=1e-10,
        atol=1e-10,
    )


def test_torch_ops_match_stored_values(labs, stored):
    _check_stored(
        labs,
        stored,
        "torch_ops",
        run_torch_ops,
        call="layer_norm_torch_ops(x (6, 10) float64, gamma, beta)",
    )


def test_torch_ops_keep_dtype_and_autograd(labs):
    c = _impl_inputs()
    x = torch.tensor(c["x"], dtype=torch.float32, requires_grad=True)
    out = labs.layer_norm_torch_ops(
        x, torch.tensor(c["gamma"]).float(), torch.tensor(c["beta"]).float()
    )
    call = "layer_norm_torch_ops(x (6, 10) float32, ...)"
    if not isinstance(out, torch.Tensor) or out.dtype != torch.float32:
        fail(
            call,
            f"returned {type(out).__name__} {getattr(out, 'dtype', '')}: expected a float32 tensor",
            "dtype",
        )
    out.sum().backward()
    if x.grad is None:
        fail(call, "no gradient reached x: keep the computation in torch ops (no .numpy())")


def test_harness_lists_every_implementation_and_they_agree(labs):
    from exercises.lab_tools import compare_implementations, format_table, implementations

    c = _impl_inputs()  # a stub raises here: NOT IMPLEMENTED YET rather than a table of failures
    labs.layer_norm_rows_loop(**c), labs.normalize_per_sample(**c)
    labs.layer_norm_torch_ops(*(torch.from_numpy(v) for v in c.values()))
    impls = implementations(labs)
    rows = compare_implementations(impls, shape=(16, 24), repeats=0)
    names = [r["name"] for r in rows]
    if names != list(impls):
        fail("compare_implementations", f"rows {names}, expected one per implementation")
    table = format_table(rows)
    for r in rows:
        if r["name"] not in table:
            fail("format_table", f"{r['name']!r} missing from the table")
        if "labs." in r["name"] and r["status"] != "ok":
            fail(
                "compare_implementations(shape=(16, 24))",
                f"{r['name']}: {r['status']} "
                f"(max |diff| {r['max_abs_diff']:.3g} from a float64 layer norm)",
            )
