"""Public tests for exercises/labs.py. `pytest -m labs` runs only these.

Two kinds of checks:

- your measuring functions, on inputs of the tests' own: stored reference values (tests/data/labs.npz, made by
  `python -m grader sync`), torch as an independent oracle, and properties any correct function has;
- each lab's prediction and answer: their form, and whether the answer agrees with what YOUR functions measure
  when the lab's experiment (exercises/lab_tools.py, ``run_<lab>``) is replayed -- never with a result written
  down anywhere. Each experiment runs at most once per session, shared by its checks, and only once the
  answer exists; a check of a function you have not written yet stops before it builds anything.

Never by timings.
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from exercises import lab_tools
from exercises.feedback import fast_torch
from exercises.feedback.checks import check_outputs, fail, sample_shape
from exercises.feedback.stored import Spec, load
from tests.plugin import started, torch_for_small_tests

pytestmark = [
    pytest.mark.labs,
    pytest.mark.filterwarnings("ignore:Full backward hook is firing"),
]


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """The labs' nets are tiny: once torch is imported (by your module or when a lab first trains), the session
    runs it on one thread, as lab_tools does (tests/plugin.py). A second thread costs far more in hand-offs than
    it saves (a 8-step training run: 3 ms on one thread, 160 ms on two of a busy machine)."""
    torch_for_small_tests()  # does nothing before torch is imported: a stub-only run must not pay for it


# --- stored cases ----------------------------------------------------------------------------------


def _norm_inputs(seed: int, gamma, beta, one_sample: bool = False) -> dict:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(5, 8)) * rng.uniform(0.5, 3.0, (5, 1)) + rng.normal(0, 4, (5, 1))
    return {
        "x": x[0] if one_sample else x,
        "gamma": np.asarray(gamma, np.float64),
        "beta": np.asarray(beta, np.float64),
    }


def run_normalize(m, x, gamma, beta) -> dict:
    return {"out": np.asarray(m.normalize_per_sample(x, gamma, beta), dtype=np.float64)}


def _stats_inputs(one_sample: bool = False) -> dict:
    rng = np.random.default_rng(11)
    rows = [
        rng.normal(3.0, 2.0, 40),
        rng.exponential(1.0, 40) - 5.0,
        rng.uniform(10.0, 20.0, 40),
        np.concatenate([rng.normal(-2, 0.3, 20), rng.normal(2, 0.3, 20)]) + 7.0,
    ]
    return {"x": rows[1] if one_sample else np.stack(rows)}


def run_stats(m, x) -> dict:
    got = dict(m.sample_stats(x))
    return {s: np.float64(got.get(s, np.nan)) for s in ("mean", "std", "skewness", "kurtosis")}


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


def _slope_inputs() -> dict:
    x = np.logspace(-3, 2, 9)
    noise = np.exp(np.random.default_rng(5).normal(0, 0.2, 9))
    return {"x": x, "y": 2.5 * x**0.8 * noise}


def run_slope(m, x, y) -> dict:
    return {"slope": np.float64(m.loglog_slope(x, y))}


def _bend_inputs() -> dict:
    eps = np.logspace(-8, 0, 9)
    return {"eps_values": eps, "values": 50.0 / np.sqrt(1.0 + eps / 3e-5) + 0.01}


def run_bend(m, eps_values, values) -> dict:
    return {"bend": np.float64(m.bend_eps(eps_values, values))}


def _train_inputs() -> dict:
    rng = np.random.default_rng(31)
    teacher = rng.normal(size=(12, 4))
    x = rng.normal(size=(96, 12)).astype(np.float32)
    y = np.argmax(x @ teacher, axis=1).astype(np.int64)
    return {"x": x, "y": y, "num_steps": np.int64(8), "lr": np.float64(0.2)}


def kit_net(in_features: int, seed: int = 0) -> Any:
    """The tests' own small classifier (log-probabilities out), the same for every implementation."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(in_features, 16), nn.ReLU(), nn.Linear(16, 4), nn.LogSoftmax(dim=1)
    )


def kit_deep_net(seed: int = 0) -> Any:
    """A small deep net with a LayerNorm (log-probabilities out) for the per-layer measurements."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(12, 8),
        nn.ReLU(),
        nn.Linear(8, 8),
        nn.LayerNorm(8),
        nn.ReLU(),
        nn.Linear(8, 5),
        nn.LogSoftmax(dim=1),
    )


def _loader(x: np.ndarray, y: np.ndarray, batch_size: int = 32):
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    return DataLoader(
        TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=batch_size
    )


def _sgd(model, lr: float) -> Any:
    """torch.optim.SGD over model's parameters (stepped without torch.optim's compile wrapper: the same
    update, without importing torch._dynamo; exercises/lab_tools.py, eager)."""
    import torch

    return fast_torch.eager(torch.optim.SGD(model.parameters(), lr=lr))


def run_train(m, x, y, num_steps, lr) -> dict:
    started(m, "train_losses")
    model = kit_net(x.shape[1])
    losses = m.train_losses(model, _loader(x, y), _sgd(model, float(lr)), int(num_steps))
    return {"losses": np.asarray(losses, dtype=np.float64)}


def _average_inputs() -> dict:
    return {"values": np.random.default_rng(6).normal(2.0, 1.0, 12), "window": np.int64(4)}


def run_average(m, values, window) -> dict:
    return {"smooth": np.asarray(m.moving_average(values, int(window)), dtype=np.float64)}


def _impl_inputs() -> dict:
    rng = np.random.default_rng(41)
    x = rng.normal(size=(6, 10)) * rng.uniform(0.2, 4.0, (6, 1)) + rng.normal(0, 5, (6, 1))
    return {"x": x, "gamma": rng.normal(1.0, 0.3, 10), "beta": rng.normal(0.0, 0.3, 10)}


def run_rows_loop(m, x, gamma, beta) -> dict:
    return {"out": np.asarray(m.layer_norm_rows_loop(x, gamma, beta), dtype=np.float64)}


def run_torch_ops(m, x, gamma, beta) -> dict:
    started(m, "layer_norm_torch_ops")
    import torch

    t = [torch.from_numpy(np.asarray(a)) for a in (x, gamma, beta)]
    return {"out": m.layer_norm_torch_ops(*t).detach().numpy()}


def _net_batch_inputs() -> dict:
    rng = np.random.default_rng(51)
    return {
        "x": rng.normal(size=(10, 12)).astype(np.float32),
        "y": rng.integers(0, 5, 10).astype(np.int64),
    }


def run_grad_norms(m, x, y) -> dict:
    started(m, "grad_norms_per_layer")
    import torch

    got = m.grad_norms_per_layer(kit_deep_net(), torch.from_numpy(x), torch.from_numpy(y))
    return {"norms": np.asarray(got, dtype=np.float64)}


def _growth_inputs() -> dict:
    return {"values": np.array([0.5, 0.8, 0.7, 1.4, 2.9, 4.0])}


def run_growth(m, values) -> dict:
    return {"factor": np.float64(m.growth_per_layer(values))}


def run_outputs(m, x, y) -> dict:
    started(m, "layer_outputs")
    import torch

    got = list(m.layer_outputs(kit_deep_net(1), torch.from_numpy(x)))
    return {f"relu{i}": np.asarray(a, dtype=np.float64) for i, a in enumerate(got)}


def _snapshot_inputs() -> dict:
    return {**_train_inputs(), "num_steps": np.int64(7), "every": np.int64(3)}


def run_snapshots(m, x, y, num_steps, lr, every) -> dict:
    started(m, "train_and_snapshot")
    model = kit_net(x.shape[1], seed=2)
    opt = _sgd(model, float(lr))
    got = m.train_and_snapshot(model, _loader(x, y), opt, int(num_steps), int(every))
    return {f"snap.{k}": np.asarray(v, dtype=np.float64) for k, v in dict(got).items()}


def _drift_inputs() -> dict:
    rng = np.random.default_rng(61)
    start = rng.normal(size=20)
    steps = np.cumsum(rng.normal(0, 0.3, (4, 20)), axis=0)
    return {"snapshots": np.vstack([start, start + steps])}


def run_drift(m, snapshots) -> dict:
    return {"drift": np.asarray(m.relative_drift(snapshots), dtype=np.float64)}


FLOAT32_TRAINING = (
    1e-4,
    1e-5,
)  # the last bits of float32 training differ between machines and threads
STORED = {
    "normalize_scalar": Spec(lambda: _norm_inputs(1, 2.5, -1.5), run_normalize),
    "normalize_vector": Spec(
        lambda: _norm_inputs(2, np.linspace(0.5, 2.0, 8), np.linspace(-1, 1, 8)), run_normalize
    ),
    "normalize_one_sample": Spec(lambda: _norm_inputs(3, 1.5, 0.5, True), run_normalize),
    "stats": Spec(_stats_inputs, run_stats, (1e-6, 1e-9)),
    "stats_one_sample": Spec(lambda: _stats_inputs(True), run_stats, (1e-6, 1e-9)),
    # max |dL/dx| is large where eps is small: a relative tolerance (float64, but rstd amplifies rounding)
    "max_grad": Spec(_grad_inputs, run_max_grad, (1e-6, 1e-9)),
    "slope": Spec(_slope_inputs, run_slope, (1e-6, 1e-9)),
    "bend": Spec(_bend_inputs, run_bend, (1e-6, 1e-12)),
    "train": Spec(_train_inputs, run_train, FLOAT32_TRAINING),
    "moving_average": Spec(_average_inputs, run_average),
    "rows_loop": Spec(_impl_inputs, run_rows_loop),
    "torch_ops": Spec(_impl_inputs, run_torch_ops),
    "grad_norms": Spec(_net_batch_inputs, run_grad_norms, (1e-5, 1e-8)),  # float32 backward
    "growth": Spec(_growth_inputs, run_growth, (1e-6, 1e-12)),
    "layer_outputs": Spec(_net_batch_inputs, run_outputs, (1e-6, 1e-6)),  # float32 forward
    "snapshots": Spec(_snapshot_inputs, run_snapshots, FLOAT32_TRAINING),
    "drift": Spec(_drift_inputs, run_drift, (1e-5, 1e-9)),
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


# --- the labs' experiments, replayed once per session ------------------------------------------------


class Experiments:
    """Each lab's experiment (lab_tools.run_<lab>) on the module under test, run on first use and kept
    (an error too, so that a failing experiment costs its time once)."""

    def __init__(self, labs: ModuleType) -> None:
        self.labs = labs
        self._done: dict[str, tuple[bool, Any]] = {}

    def get(self, lab: str) -> dict[str, Any]:
        if lab not in self._done:
            try:
                self._done[lab] = (True, getattr(lab_tools, f"run_{lab}")(self.labs))
            except Exception as exc:
                self._done[lab] = (False, exc)
        ok, value = self._done[lab]
        if not ok:
            raise value
        return value


@pytest.fixture(scope="session")
def experiments(labs) -> Experiments:
    return Experiments(labs)


# The functions each experiment calls: a check of its answer waits for all of them (NOT IMPLEMENTED YET).
USES = {
    "distributions": ("make_distributions", "normalize_per_sample", "sample_stats"),
    "eps": ("max_grad_vs_eps", "bend_eps", "loglog_slope"),
    "init": ("make_ln_net", "train_losses", "moving_average"),
    "efficiency": (),
    "gradients": ("make_deep_mlp", "grad_norms_per_layer", "growth_per_layer"),
    "activations": ("make_deep_mlp", "layer_outputs", "train_losses", "growth_per_layer"),
    "optimizers": ("make_optimizer", "train_and_snapshot", "relative_drift"),
}
IDS = lab_tools.ANSWER_IDS  # lab -> (prediction's exercise id, answer's exercise id)


@pytest.mark.parametrize("lab", list(IDS))
def test_prediction_is_recorded_in_the_lab_s_form(labs, lab):
    call = f"predict_{lab}()"
    value = getattr(labs, f"predict_{lab}")()
    form = lab_tools.FORMS["efficiency_prediction" if lab == "efficiency" else lab]
    problems = lab_tools.check_form(value, form, call, IDS[lab][0])
    if problems:
        fail(call, "; ".join(problems), "labs-not-a-choice")


@pytest.mark.parametrize("lab", list(IDS))
def test_answer_agrees_with_what_your_functions_measure(labs, experiments, lab):
    call = f"answer_{lab}()"
    answer = getattr(labs, f"answer_{lab}")()
    problems = lab_tools.check_form(answer, lab_tools.FORMS[lab], call, IDS[lab][1])
    if problems:
        fail(call, "; ".join(problems), "labs-not-a-choice")
    if lab == "efficiency":
        allowed = lab_tools.allowed_efficiency(answer)
        hint = "labs-speedup-inverted"
    else:
        started(labs, *USES[lab])
        allowed = getattr(lab_tools, f"allowed_{lab}")(experiments.get(lab))
        hint = "labs-answer-vs-measurement"
    unusable = [k for k, a in allowed.items() if a.choices is not None and not a.choices]
    if unusable:
        fail(
            f"{call} against lab_tools.run_{lab}",
            "your measurement gave nothing to compare with: "
            + "; ".join(f"{k!r}: {allowed[k].evidence}" for k in unusable)
            + f". Fix the functions the {lab} lab calls ({', '.join(USES[lab])}) first.",
        )
    bad = lab_tools.disagreements(answer, allowed)
    if bad:
        fail(
            f"{call} against the replayed experiment (lab_tools.run_{lab} with your functions)",
            "\n  ".join(bad)
            + "\n  An answer reports what your own measurement shows (run `python -m exercises."
            f"lab_tools {lab}` and read its table and figure).",
            hint,
        )


# --- lab distributions ------------------------------------------------------------------------------


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


def test_distributions_have_their_shapes(labs):
    call = "make_distributions(200, 250, seed=0)"
    d = labs.make_distributions(200, 250, seed=0)
    skew, kurt, _ = sample_shape(
        d["normal"]
    )  # each sample (row) standardised by its own mean and spread
    if not (abs(skew) <= 0.1 and abs(kurt) <= 0.2):
        fail(call, f"normal: skewness {skew:.2f}, excess kurtosis {kurt:.2f} (a normal has 0, 0)")
    skew, kurt, _ = sample_shape(d["uniform"])
    if not (abs(skew) <= 0.1 and -1.35 < kurt < -1.05):
        fail(
            call,
            f"uniform: skewness {skew:.2f}, excess kurtosis {kurt:.2f} (a uniform has 0, -1.2)",
        )
    skew, _, _ = sample_shape(d["exponential"])
    if not skew >= 1.0:
        fail(call, f"exponential: skewness {skew:.2f}; a long right tail makes it 1 or more")
    if not sample_shape(d["bimodal"])[2]:
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


@pytest.mark.parametrize("case", ["normalize_scalar", "normalize_vector", "normalize_one_sample"])
def test_normalize_matches_stored_values(labs, stored, case):
    shape = "(8,)" if case == "normalize_one_sample" else "(5, 8)"
    _check_stored(
        labs,
        stored,
        case,
        run_normalize,
        call=f"normalize_per_sample(x {shape}, gamma, beta) [{case}]",
    )


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
    """Rows of small variance (1e-4) with eps = 1e-4: a result that depends on which eps was used."""
    started(labs, name)
    import torch
    from torch.nn import functional as F

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


@pytest.mark.parametrize("case", ["stats", "stats_one_sample"])
def test_sample_stats_matches_stored_values(labs, stored, case):
    shape = "(40,)" if case == "stats_one_sample" else "(4, 40), rows of different means"
    _check_stored(labs, stored, case, run_stats, call=f"sample_stats(x {shape})")


# --- lab eps ------------------------------------------------------------------------------------------


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
    started(labs, "max_grad_vs_eps")
    import torch
    from torch.nn import functional as F

    rng = np.random.default_rng(7)
    x = rng.normal(1.0, 0.3, (3, 9))
    dout = rng.normal(size=(3, 9))
    eps_values = np.array([1e-5, 1e-2, 1.0])
    got = np.asarray(labs.max_grad_vs_eps(x, dout, eps_values), dtype=np.float64)
    want = []
    for eps in eps_values:
        t = torch.tensor(x, requires_grad=True)
        # L = sum(out * dout), a scalar: backward() needs no gradient argument (passing one would import
        # torch's symbolic-shapes machinery, sympy included, a third of a second, for nothing)
        (F.layer_norm(t, (9,), eps=float(eps)) * torch.tensor(dout)).sum().backward()
        want.append(t.grad.abs().max().item())
    check_outputs(
        {"max_grad": got},
        {"max_grad": np.array(want)},
        call="max_grad_vs_eps(x (3, 9), "
        "dout, eps_values [1e-5, 1e-2, 1]) vs autograd of F.layer_norm",
        rtol=1e-6,
        atol=1e-9,
    )


def test_loglog_slope_matches_stored_values(labs, stored):
    _check_stored(labs, stored, "slope", run_slope, call="loglog_slope(x (9,), y (9,) noisy)")


def test_loglog_slope_recovers_a_power_law_s_exponent(labs):
    x = np.logspace(-2, 3, 7)
    for k in (1.7, -0.3):
        got = float(labs.loglog_slope(x, 4.0 * x**k))
        if not abs(got - k) <= 1e-9:
            fail(f"loglog_slope(x, 4 * x**{k})", f"{got!r}; for y = c * x**k the slope is k")


def test_bend_eps_matches_stored_values(labs, stored):
    _check_stored(labs, stored, "bend", run_bend, call="bend_eps(eps (9,), values (9,))")


def test_bend_eps_is_inf_when_the_curve_never_halves(labs):
    got = float(labs.bend_eps(np.logspace(-6, 0, 7), np.linspace(10.0, 6.0, 7)))
    if not got == math.inf:
        fail("bend_eps(eps (7,), values falling from 10 to 6)", f"{got!r}, expected inf")


# --- lab init -----------------------------------------------------------------------------------------


def _norms(model) -> list:
    return [m for m in model.modules() if type(m).__name__ == "LayerNorm"]


@pytest.mark.parametrize(("gamma", "beta"), [(0.1, 0.0), (10.0, -1.0)])
def test_make_ln_net_starts_its_layer_norm_at_gamma_and_beta(labs, gamma, beta):
    call = f"make_ln_net({gamma}, {beta}, in_features=20)"
    model = labs.make_ln_net(gamma, beta, in_features=20)
    import torch

    norms = _norms(model)
    if len(norms) != 1:
        fail(call, f"{len(norms)} LayerNorm modules (class named LayerNorm), expected 1")
    w, b = norms[0].weight.detach().numpy(), norms[0].bias.detach().numpy()
    if w.shape != (64,) or not np.allclose(w, gamma):
        fail(
            call,
            f"LayerNorm weight {w[:3]}... (shape {w.shape}): expected 64 weights equal to "
            f"gamma_init = {gamma}",
            "labs-gamma-not-applied",
        )
    if b.shape != (64,) or not np.allclose(b, beta):
        fail(
            call,
            f"LayerNorm bias {b[:3]}... (shape {b.shape}): expected 64 biases equal to "
            f"beta_init = {beta}",
            "labs-beta-not-applied",
        )
    with torch.no_grad():
        out = model(torch.randn(5, 20))
    if tuple(out.shape) != (5, 10) or not torch.allclose(
        out.exp().sum(1), torch.ones(5), atol=1e-5
    ):
        fail(call, f"output {tuple(out.shape)}: expected (5, 10) log-probabilities (exp sums to 1)")


def test_make_ln_net_same_seed_differs_only_in_gamma_and_beta(labs):
    started(labs, "make_ln_net")
    import torch

    a = labs.make_ln_net(0.1, 0.0, in_features=20, seed=3)
    b = labs.make_ln_net(10.0, 1.0, in_features=20, seed=3)
    pa, pb = dict(a.named_parameters()), dict(b.named_parameters())
    differ = sorted(n for n, p in pa.items() if not torch.equal(p, pb[n]))
    if len(differ) != 2 or any(pa[n].shape != (64,) for n in differ):
        fail(
            "make_ln_net(0.1, 0.0, seed=3) and make_ln_net(10.0, 1.0, seed=3)",
            f"parameters that differ: {differ}; expected only the LayerNorm's weight and bias",
        )


def test_make_ln_net_other_seed_other_weights(labs):
    started(labs, "make_ln_net")
    import torch

    a, b = (labs.make_ln_net(1.0, in_features=20, seed=s) for s in (3, 4))
    pa, pb = dict(a.named_parameters()), dict(b.named_parameters())
    if all(n in pb and torch.equal(p, pb[n]) for n, p in pa.items()):
        fail(
            "make_ln_net(1.0, seed=3) and make_ln_net(1.0, seed=4)",
            "the two nets have the same weights: the seed argument must choose them",
            "labs-net-seed-ignored",
        )


def test_make_ln_net_builds_with_the_norm_cls_it_is_given(labs):
    started(labs, "make_ln_net")
    from torch import nn

    class LayerNorm(nn.LayerNorm):  # someone's own LayerNorm class
        pass

    model = labs.make_ln_net(2.0, 0.5, in_features=20, norm_cls=LayerNorm)
    if not any(isinstance(m, LayerNorm) for m in model.modules()):
        fail(
            "make_ln_net(2.0, 0.5, norm_cls=MyLayerNorm)",
            "no module of the class passed as norm_cls: build the LayerNorm with it",
        )


def test_train_losses_match_stored_values(labs, stored):
    _check_stored(
        labs,
        stored,
        "train",
        run_train,
        call="train_losses(kit net, loader of 96 samples in batches of 32, SGD(lr 0.2), num_steps=8)",
    )


def test_train_losses_start_with_the_untrained_loss_and_go_on_past_one_epoch(labs):
    started(labs, "train_losses")
    import torch
    from torch import nn

    c = _train_inputs()
    model = kit_net(12)
    x0, y0 = torch.from_numpy(c["x"][:32]), torch.from_numpy(c["y"][:32])
    with torch.no_grad():
        first = nn.NLLLoss()(model(x0), y0).item()
    opt = _sgd(model, 0.2)
    losses = np.asarray(labs.train_losses(model, _loader(c["x"], c["y"]), opt, 7), dtype=np.float64)
    call = "train_losses(net, 3 batches per epoch, SGD(lr 0.2), num_steps=7)"
    if losses.shape != (7,) or not np.isfinite(losses).all():
        fail(call, f"expected 7 finite losses (one per step, past the first epoch), got {losses}")
    if abs(losses[0] - first) > 1e-5:
        fail(
            call,
            f"losses[0] = {losses[0]:.5f}, but the untrained net's loss on the first batch is "
            f"{first:.5f}: record each step's loss before its update",
        )


def test_moving_average_matches_stored_values(labs, stored):
    _check_stored(
        labs, stored, "moving_average", run_average, call="moving_average(values (12,), 4)"
    )


def test_moving_average_refuses_a_window_longer_than_the_values(labs):
    try:
        labs.moving_average(np.arange(3.0), 5)
    except ValueError:
        return
    fail("moving_average(values (3,), 5)", "expected a ValueError (window > len(values))")


# --- lab efficiency -----------------------------------------------------------------------------------


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
    started(labs, "layer_norm_torch_ops")
    import torch

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
    started(labs, "layer_norm_rows_loop", "normalize_per_sample", "layer_norm_torch_ops")
    impls = lab_tools.implementations(labs)
    rows = lab_tools.compare_implementations(impls, shape=(16, 24), repeats=0)
    names = [r["name"] for r in rows]
    if names != list(impls):
        fail("compare_implementations", f"rows {names}, expected one per implementation")
    table = lab_tools.format_table(rows)
    for r in rows:
        if r["name"] not in table:
            fail("format_table", f"{r['name']!r} missing from the table")
        if "labs." in r["name"] and r["status"] != "ok":
            fail(
                "compare_implementations(shape=(16, 24))",
                f"{r['name']}: {r['status']} "
                f"(max |diff| {r['max_abs_diff']:.3g} from a float64 layer norm)",
            )


# --- lab gradients ------------------------------------------------------------------------------------


def _linears(model) -> list:
    return [m for m in model.modules() if type(m).__name__ == "Linear"]


def test_make_deep_mlp_stacks_linear_layer_norm_relu_in_order(labs):
    call = "make_deep_mlp(4, 8, layer_norm=True, in_features=6, num_classes=3)"
    model = labs.make_deep_mlp(4, 8, layer_norm=True, in_features=6, num_classes=3)
    kinds = [type(m).__name__ for m in model.children()]
    want = ["Linear", "LayerNorm", "ReLU"] * 3 + ["Linear", "LogSoftmax"]
    if kinds != want:
        hint = "labs-ln-placement" if sorted(kinds) == sorted(want) else None
        fail(call, f"modules in order {kinds}, expected {want}", hint)
    shapes = [tuple(m.weight.shape) for m in _linears(model)]
    if shapes != [(8, 6), (8, 8), (8, 8), (3, 8)]:
        fail(call, f"Linear weight shapes {shapes}, expected [(8, 6), (8, 8), (8, 8), (3, 8)]")
    plain = [type(m).__name__ for m in labs.make_deep_mlp(3, 8, in_features=6).children()]
    if plain != ["Linear", "ReLU", "Linear", "ReLU", "Linear", "LogSoftmax"]:
        fail("make_deep_mlp(3, 8, in_features=6)", f"modules in order {plain}, without LayerNorm")


@pytest.mark.parametrize("init", ["default", "xavier", "kaiming", "normal"])
def test_make_deep_mlp_draws_its_weights_by_the_scheme(labs, init):
    """Each hidden layer's weights against what torch.nn.init (or nn.Linear) draws for that shape."""
    started(labs, "make_deep_mlp")
    import torch
    from torch import nn

    call = f"make_deep_mlp(3, 150, init={init!r}, in_features=200)"
    model = labs.make_deep_mlp(3, 150, init=init, in_features=200, seed=1)
    for i, layer in enumerate(_linears(model)[:2]):
        w = layer.weight.detach()
        torch.manual_seed(0)
        ref = nn.Linear(w.shape[1], w.shape[0])
        fill = {
            "xavier": lambda t: nn.init.xavier_normal_(t),
            "kaiming": lambda t: nn.init.kaiming_normal_(t, nonlinearity="relu"),
            "normal": lambda t: nn.init.normal_(t, 0.0, 1.0),
        }.get(init)
        with torch.no_grad():
            if fill:
                fill(ref.weight)
        want, got = float(ref.weight.detach().std()), float(w.std())
        if not abs(got / want - 1) < 0.05 or abs(float(w.mean())) > 0.1 * want:
            fail(
                call,
                f"layer {i + 1}: weights of std {got:.4g} (mean {float(w.mean()):.2g}); torch's "
                f"{'nn.Linear' if init == 'default' else 'nn.init'} draws std {want:.4g} for "
                f"this shape",
                "labs-init-not-applied",
            )
        if init != "default" and bool(layer.bias.detach().abs().max() > 0):
            fail(call, f"layer {i + 1}: biases not all 0 (init {init!r} zeroes them)")


def test_make_deep_mlp_refuses_an_unknown_init(labs):
    try:
        labs.make_deep_mlp(3, 8, init="orthogonal", in_features=6)
    except ValueError as exc:
        if "orthogonal" not in str(exc):
            fail("make_deep_mlp(init='orthogonal')", f"ValueError({str(exc)!r}) should name it")
        return
    fail("make_deep_mlp(init='orthogonal')", "expected a ValueError naming the valid choices")


def test_grad_norms_per_layer_match_stored_values(labs, stored):
    _check_stored(
        labs,
        stored,
        "grad_norms",
        run_grad_norms,
        call="grad_norms_per_layer(kit deep net of 3 Linear layers, x (10, 12), y (10,))",
    )


def test_grad_norms_per_layer_leave_no_hook_behind(labs):
    started(labs, "grad_norms_per_layer")
    import torch

    c = _net_batch_inputs()
    model = kit_deep_net()
    labs.grad_norms_per_layer(model, torch.from_numpy(c["x"]), torch.from_numpy(c["y"]))
    left = [
        n
        for n, m in model.named_modules()
        if m._forward_hooks or m._backward_hooks or m._forward_pre_hooks
    ]
    if left:
        fail("grad_norms_per_layer(kit deep net, ...)", f"hooks left on modules {left}")


def test_growth_per_layer_matches_stored_values(labs, stored):
    _check_stored(labs, stored, "growth", run_growth, call="growth_per_layer(values (6,))")


def test_growth_per_layer_of_a_geometric_sequence_is_its_ratio(labs):
    for ratio in (3.0, 0.5):
        got = float(labs.growth_per_layer(2.0 * ratio ** np.arange(5)))
        if not abs(got - ratio) <= 1e-9:
            fail(f"growth_per_layer(2 * {ratio} ** [0 .. 4])", f"{got!r}, expected {ratio}")


# --- lab activations ----------------------------------------------------------------------------------


def test_layer_outputs_match_stored_values(labs, stored):
    _check_stored(
        labs,
        stored,
        "layer_outputs",
        run_outputs,
        call="layer_outputs(kit deep net with 2 ReLUs, x (10, 12))",
    )


def test_layer_outputs_are_the_relu_outputs_and_leave_the_model_as_found(labs):
    started(labs, "layer_outputs")
    import torch

    model = kit_deep_net(1)
    x = torch.from_numpy(_net_batch_inputs()["x"])
    model[0].register_forward_hook(lambda mod, i, o: None)  # the caller's own hook: must stay
    relus, linears, h = [], [], x
    with torch.no_grad():
        for m in model:
            h = m(h)
            kind = type(m).__name__
            (relus if kind == "ReLU" else linears if kind == "Linear" else []).append(h.double())
    got = [np.asarray(a, dtype=np.float64) for a in labs.layer_outputs(model, x)]
    call = "layer_outputs(kit deep net: Linear, ReLU, Linear, LayerNorm, ReLU, Linear, LogSoftmax)"

    def same(arrays: list, want: list) -> bool:
        return len(arrays) == len(want) and all(
            a.shape == tuple(b.shape) and np.allclose(a, b.numpy(), atol=1e-6)
            for a, b in zip(arrays, want, strict=True)
        )

    if not same(got, relus):
        fail(
            call,
            f"{len(got)} arrays of shapes {[a.shape for a in got]}; expected the outputs of the "
            f"{len(relus)} ReLU modules, in forward order",
            "labs-outputs-wrong-modules" if same(got, linears) else None,
        )
    others = [n for n, m in model.named_modules() if n != "0" and m._forward_hooks]
    if others or len(model[0]._forward_hooks) != 1:
        fail(call, "the model's hooks changed: remove every hook you added (and only yours)",
             "labs-hooks-left")  # fmt: skip


# --- lab optimizers -----------------------------------------------------------------------------------


def test_make_optimizer_builds_sgd_and_adam_with_lr_and_weight_decay(labs):
    started(labs, "make_optimizer")
    import torch

    fast_torch.skip_compiler_marks()
    model = kit_net(4)
    for name, cls in (("sgd", torch.optim.SGD), ("adam", torch.optim.Adam)):
        call = f"make_optimizer(net, {name!r}, lr=0.03, weight_decay=0.2)"
        opt = labs.make_optimizer(model, name, 0.03, weight_decay=0.2)
        if type(opt) is not cls:
            fail(call, f"a {type(opt).__name__}, expected torch.optim.{cls.__name__}")
        group = opt.param_groups[0]
        if group["lr"] != 0.03:
            fail(call, f"lr {group['lr']}, expected 0.03")
        if group["weight_decay"] != 0.2:
            fail(call, f"weight_decay {group['weight_decay']}, expected 0.2",
                 "labs-weight-decay-ignored")  # fmt: skip
        if sum(len(g["params"]) for g in opt.param_groups) != len(list(model.parameters())):
            fail(call, "the optimizer does not hold every parameter of the model")
    try:
        labs.make_optimizer(model, "rmsprop", 0.01)
    except ValueError:
        return
    fail("make_optimizer(net, 'rmsprop', 0.01)", "expected a ValueError naming the valid choices")


def test_train_and_snapshot_matches_stored_values(labs, stored):
    _check_stored(
        labs,
        stored,
        "snapshots",
        run_snapshots,
        call="train_and_snapshot(kit net, loader of 96 samples, SGD(lr 0.2), num_steps=7, every=3)",
    )


def test_relative_drift_matches_stored_values(labs, stored):
    _check_stored(labs, stored, "drift", run_drift, call="relative_drift(snapshots (5, 20))")
