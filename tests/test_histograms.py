"""Public tests for exercises/histograms.py. `pytest -m histograms` runs only these.

Oracles: tiny models whose weights the test sets (counted by hand), stored reference values
(tests/data/histograms.npz, stored with the exercises), torch itself (the layers' own outputs for
activation statistics, autograd for the SGD steps), and what the test's own probe model and loaders saw
during a training run (mode, predictions, labels, weights at every forward call).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from exercises.feedback.checks import (
    Feedback,
    as_numpy,
    check_outputs,
    choose_hint,
    fail,
    heatmap_axes_problem,
)
from exercises.feedback.fast_torch import eager_optimizers, one_thread
from exercises.feedback.stored import Spec, load
from tests.plugin import started

pytestmark = pytest.mark.histograms


# --- small models with chosen weights --------------------------------------------------------------


class HandNet(nn.Module):
    """Linear(4, 3) then nn.LayerNorm(3): 12 + 3 weights, 3 + 3 biases."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.norm = nn.LayerNorm(3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.fc(x))


def _rand_net() -> nn.Module:
    return nn.Sequential(nn.Linear(20, 30), nn.ReLU(), nn.LayerNorm(30), nn.Linear(30, 10))


def _set_params(model: nn.Module, params: dict[str, Any]) -> nn.Module:
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.as_tensor(np.asarray(params[name])))
    return model


def _away_from_edges(values: np.ndarray, edges: np.ndarray, gap: float = 1e-5) -> np.ndarray:
    """float32 values moved at least ``gap`` away from every bin edge (float32 and float64 binning agree)."""
    v = values.astype(np.float64)
    for e in edges:
        close = np.abs(v - e) < gap
        v[close] = e + 2 * gap
    return v.astype(np.float32)


def _rand_params(seed: int, edges: np.ndarray, scale: float = 0.35) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {}
    for name, p in _rand_net().named_parameters():
        if name == "2.weight":  # LayerNorm gain: around 1, partly beyond the default range
            v = rng.uniform(0.4, 1.2, p.shape)
        else:
            v = rng.normal(0.0, scale, p.shape)
        out[name] = _away_from_edges(v.astype(np.float32), edges)
    return out


# Hand-counted: range -1..1 in 8 bins of 0.25 (edges -1, -0.75, ..., 1, all exact in float32).
HAND_PARAMS = {
    "fc.weight": np.array(
        [[-1.0, -0.875, -0.5, -0.25], [0.0, 0.125, 0.3, 0.74], [0.75, 0.99, 1.0, 1.5]], np.float32
    ),
    "fc.bias": np.full(3, -0.6, np.float32),  # bin 1, where no weight is: must stay 0
    "norm.weight": np.array([0.5, -2.0, 0.6], np.float32),  # LayerNorm's gain: a weight
    "norm.bias": np.full(3, -0.6, np.float32),
}
HAND_RANGE = {"num_bins": 8, "min_val": -1.0, "max_val": 1.0}
HAND_CENTRES = np.array([-0.875, -0.625, -0.375, -0.125, 0.125, 0.375, 0.625, 0.875])
#   bin:           0: -1, -0.875   1: none (biases!)   2: -0.5   3: -0.25   4: 0, 0.125   5: 0.3
#                  6: 0.74, 0.5, 0.6 (LayerNorm)       7: 0.75, 0.99, 1.0 (== max_val)    out: 1.5, -2
HAND_COUNTS = np.array([2, 0, 1, 1, 2, 1, 3, 3])


def run_histogram(m, num_bins, min_val, max_val, **params) -> dict[str, Any]:
    model = _set_params(HandNet() if "fc.weight" in params else _rand_net(), params)
    histx, histy = m.get_weight_histogram(
        model, num_bins=int(num_bins), min_val=float(min_val), max_val=float(max_val)
    )
    return {"histx": histx, "histy": histy}


def run_tracker(m, scales, num_bins, min_val, max_val, **params) -> dict[str, Any]:
    tracker = m.HistogramTracker(int(num_bins), float(min_val), float(max_val))
    for s in scales:
        tracker.record(_set_params(_rand_net(), {k: v * s for k, v in params.items()}))
    return {"counts": tracker.counts, "centers": tracker.centers}


def _default_edges() -> np.ndarray:
    return np.linspace(-0.8, 0.8, 101)


def _hand_inputs() -> dict[str, Any]:
    return {**{k: np.float64(v) for k, v in HAND_RANGE.items()}, **HAND_PARAMS}


def _random_inputs(seed: int, num_bins: int, lo: float, hi: float) -> dict[str, Any]:
    edges = np.linspace(lo, hi, num_bins + 1)
    rng_params = _rand_params(seed, edges)
    return {
        "num_bins": np.int64(num_bins),
        "min_val": np.float64(lo),
        "max_val": np.float64(hi),
        **rng_params,
    }


def _tracker_inputs() -> dict[str, Any]:
    edges = np.linspace(-0.6, 0.6, 13)
    params = _rand_params(5, edges, scale=0.25)
    scales = np.array([0.5, 1.0, 2.0], np.float32)  # powers of two: scaling is exact in float32
    for _ in range(4):  # every scaled copy must stay clear of the edges too
        for s in scales:
            params = {k: _away_from_edges(v * s, edges) / s for k, v in params.items()}
    for s in scales:
        for v in params.values():
            assert np.abs((v * s)[..., None].astype(np.float64) - edges).min() >= 1e-5
    return {
        "scales": scales,
        "num_bins": np.int64(12),
        "min_val": np.float64(-0.6),
        "max_val": np.float64(0.6),
        **params,
    }


# --- a training run the test can see inside -------------------------------------------------------


class ProbeNet(nn.Module):
    """6 -> 16 -> 3 classifier (log-probabilities out) that logs every forward call: its train/eval
    mode, whether gradients were on, the input, the predicted classes and a copy of every parameter."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(6, 16)
        self.fc2 = nn.Linear(16, 3)
        self.calls: list[dict[str, Any]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.log_softmax(self.fc2(torch.relu(self.fc1(x))), dim=1)
        self.calls.append(
            {
                "training": self.training,
                "grad": torch.is_grad_enabled(),
                "x": x.detach().clone(),
                "pred": out.detach().argmax(dim=1).cpu().numpy(),
                "params": {n: p.detach().clone() for n, p in self.named_parameters()},
            }
        )
        return out


class RecordingLoader:
    """A DataLoader stand-in that remembers the labels of every batch it hands out."""

    def __init__(self, loader: torch.utils.data.DataLoader) -> None:
        self.loader, self.dataset, self.batch_size = loader, loader.dataset, loader.batch_size
        self.labels: list[np.ndarray] = []

    def __iter__(self):
        for X, y in self.loader:
            self.labels.append(y.numpy().copy())
            yield X, y

    def __len__(self) -> int:
        return len(self.loader)


def _train_inputs() -> dict[str, Any]:
    rng = np.random.default_rng(11)
    w_true = rng.normal(size=(6, 3))

    def data(n):
        x = rng.normal(size=(n, 6)).astype(np.float32)
        y = np.argmax(x @ w_true + rng.normal(scale=1.0, size=(n, 3)), axis=1).astype(np.int64)
        return x, y

    x_train, y_train = data(200)  # batches of 32: six full ones and one of 8
    x_test, y_test = data(70)  # 32, 32, 6
    params = {
        n: rng.normal(0.0, 0.3, p.shape).astype(np.float32)
        for n, p in ProbeNet().named_parameters()
    }
    return {
        "x_train": x_train,
        "y_train": y_train,
        "x_test": x_test,
        "y_test": y_test,
        "lr": np.float64(0.3),
        "num_epochs": np.int64(3),
        **params,
    }


def train_probe(m, x_train, y_train, x_test, y_test, lr, num_epochs, **params):
    """(outputs, probe, train_loader, test_loader) of one train_and_track_weights run."""
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(0)
    probe = _set_params(ProbeNet(), params)
    train = RecordingLoader(
        DataLoader(
            TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train)), batch_size=32
        )
    )
    test = RecordingLoader(
        DataLoader(TensorDataset(torch.from_numpy(x_test), torch.from_numpy(y_test)), batch_size=32)
    )
    with eager_optimizers():  # the same SGD steps, without torch.optim importing torch._dynamo
        histx, histy, train_accs, test_accs = m.train_and_track_weights(
            probe, train, test, num_epochs=int(num_epochs), lr=float(lr)
        )
    final = torch.cat([p.detach().reshape(-1) for p in probe.parameters()]).numpy().copy()
    outputs = {
        "histx": histx,
        "histy": histy,
        "train_accs": np.asarray(train_accs, dtype=np.float64),
        "test_accs": np.asarray(test_accs, dtype=np.float64),
        "final_params": final,
    }
    return outputs, probe, train, test


def run_train(m, **inputs) -> dict[str, Any]:
    return train_probe(m, **inputs)[0]


# --- plots -----------------------------------------------------------------------------------------

PLOT_X = np.linspace(-0.7, 0.7, 6)
PLOT_ROWS = np.array(
    [[9, 7, 5, 3, 1, 0], [6, 6, 5, 4, 2, 1], [4, 5, 5, 5, 3, 2], [2, 4, 6, 6, 4, 2]]
)


def _lines(fig) -> list:
    return [line for ax in fig.axes for line in ax.lines]


def _line_data(fig) -> dict[str, np.ndarray]:
    from matplotlib.colors import to_rgba

    lines = _lines(fig)
    lengths = {len(line.get_ydata()) for line in lines}
    ydata = (
        np.array([np.asarray(line.get_ydata(), dtype=np.float64) for line in lines])
        if len(lengths) == 1
        else np.zeros((len(lines), 0))
    )
    colors = np.array([to_rgba(line.get_color()) for line in lines]).reshape(-1, 4)
    return {"n_lines": np.int64(len(lines)), "ydata": ydata, "colors": colors}


def run_overlay(m, histx, rows) -> dict[str, Any]:
    import matplotlib.pyplot as plt

    fig = m.plot_histogram_overlay(histx, rows)
    try:
        return _line_data(fig)
    finally:
        plt.close("all")


STORED = {
    "hand_model": Spec(_hand_inputs, run_histogram),
    "random_model": Spec(lambda: _random_inputs(1, 100, -0.8, 0.8), run_histogram),
    "custom_range": Spec(lambda: _random_inputs(2, 7, -0.3, 0.45), run_histogram),
    "tracker": Spec(_tracker_inputs, run_tracker),
    # a float32 training run: a weight within rounding of a bin edge may fall into the next bin elsewhere
    "train_small": Spec(_train_inputs, run_train, {"histy": (0.0, 1.0)}),
    "overlay": Spec(lambda: {"histx": PLOT_X, "rows": PLOT_ROWS}, run_overlay),
    "overlay_one_epoch": Spec(lambda: {"histx": PLOT_X, "rows": PLOT_ROWS[:1]}, run_overlay),
}


@pytest.fixture(scope="module")
def stored():
    return load("histograms")


def _hint(got: dict[str, Any], case, names: list[str]) -> str | None:
    return choose_hint(got, case.mistakes, only=set(names))


# --- get_weight_histogram --------------------------------------------------------------------------

HAND_CALL = (
    "get_weight_histogram(Linear(4, 3) + LayerNorm(3), num_bins=8, min_val=-1.0, max_val=1.0)"
)


def _hand(hist, stored) -> tuple[dict[str, Any], Any]:
    c = stored["hand_model"]
    return run_histogram(hist, **c.args()), c


def test_weight_histogram_counts_a_hand_made_model(hist, stored):
    got, c = _hand(hist, stored)
    check_outputs(
        got, {"histy": HAND_COUNTS}, c.mistakes, call=HAND_CALL, names=["histy"], check_dtype=False
    )


def test_weight_histogram_returns_bin_centres(hist, stored):
    got, c = _hand(hist, stored)
    check_outputs(
        got,
        {"histx": HAND_CENTRES},
        c.mistakes,
        call=HAND_CALL,
        names=["histx"],
        rtol=1e-6,
        atol=1e-6,
        check_dtype=False,
    )


def test_weight_histogram_skips_biases(hist, stored):
    got, c = _hand(hist, stored)
    histy = as_numpy(got["histy"])
    if histy is None or histy.shape != (8,):
        fail(
            HAND_CALL,
            f"histy should have shape (8,), got {getattr(histy, 'shape', type(histy))}",
            "shape",
        )
    if histy[1] != 0:
        fail(
            HAND_CALL,
            f"bin [-0.75, -0.5) holds only the six biases (-0.6) and should count 0, "
            f"got {histy[1]}",
            _hint(got, c, ["histy"]) or "hist-biases-included",
        )


def test_weight_histogram_counts_layer_norm_weights(hist, stored):
    got, c = _hand(hist, stored)
    histy = as_numpy(got["histy"])
    if histy is None or histy.shape != (8,) or histy[6] != 3:
        fail(
            HAND_CALL,
            "bin [0.5, 0.75) holds 0.74 (Linear) and 0.5, 0.6 (LayerNorm's weight) and "
            f"should count 3, got {None if histy is None or histy.shape != (8,) else histy[6]}",
            _hint(got, c, ["histy"]) or "hist-linear-only",
        )


def test_weight_histogram_counts_values_at_min_and_max(hist, stored):
    got, c = _hand(hist, stored)
    histy = as_numpy(got["histy"])
    if histy is None or histy.shape != (8,):
        fail(HAND_CALL, "histy should have shape (8,)", "shape")
    if histy[0] != 2:
        fail(
            HAND_CALL,
            f"the first bin holds -1.0 (== min_val) and -0.875: 2 expected, got {histy[0]}",
            _hint(got, c, ["histy"]),
        )
    if histy[7] != 3:
        fail(
            HAND_CALL,
            f"the last bin holds 0.75, 0.99 and 1.0 (== max_val): 3 expected, got {histy[7]}",
            _hint(got, c, ["histy"]) or "hist-last-bin-open",
        )


@pytest.mark.parametrize("case", ["random_model", "custom_range"])
def test_weight_histogram_matches_stored_values(hist, stored, case):
    c = stored[case]
    got = run_histogram(hist, **c.args())
    call = (
        f"get_weight_histogram(Linear(20, 30), LayerNorm(30), Linear(30, 10), "
        f"num_bins={int(c.inputs['num_bins'])}, min_val={float(c.inputs['min_val'])}, "
        f"max_val={float(c.inputs['max_val'])})"
    )
    check_outputs(
        got,
        c.expected,
        c.mistakes,
        call=call,
        names=["histx"],
        rtol=1e-6,
        atol=1e-6,
        check_dtype=False,
    )
    check_outputs(got, c.expected, c.mistakes, call=call, names=["histy"], check_dtype=False)


def test_weight_histogram_returns_numpy_arrays(hist):
    histx, histy = hist.get_weight_histogram(nn.Linear(3, 2))
    call = "get_weight_histogram(nn.Linear(3, 2))"
    for name, value in (("histx", histx), ("histy", histy)):
        if not isinstance(value, np.ndarray) or value.shape != (100,):
            fail(
                call,
                f"{name} should be a numpy array of shape (100,) (the default num_bins), got "
                f"{type(value).__name__} {getattr(value, 'shape', '')}",
                "not-array",
            )
    if histy.sum() != 6:
        fail(
            call,
            f"the 6 weights all lie in [-0.8, 0.8] and should all be counted, got {histy.sum()}",
            "hist-biases-included" if histy.sum() == 8 else None,
        )


@pytest.mark.gpu
def test_weight_histogram_works_on_cuda(hist, stored):
    c = stored["random_model"]
    inputs = c.args()
    model = _set_params(_rand_net(), inputs).cuda()
    histx, histy = hist.get_weight_histogram(model)
    check_outputs(
        {"histx": histx, "histy": histy},
        c.expected,
        c.mistakes,
        call="get_weight_histogram(model on cuda)",
        names=["histy"],
        check_dtype=False,
    )


# --- HistogramTracker ------------------------------------------------------------------------------


def test_tracker_starts_empty(hist):
    tracker = hist.HistogramTracker(num_bins=12)
    counts = as_numpy(tracker.counts)
    call = "HistogramTracker(num_bins=12).counts before any record"
    if counts is None or counts.shape != (0, 12):
        fail(
            call,
            f"should have shape (0, 12), got {getattr(counts, 'shape', type(counts))}",
            "hist-tracker-empty",
        )
    if counts.dtype.kind not in "iu":
        fail(call, f"should be an int array, got dtype {counts.dtype}", "dtype")
    if len(tracker) != 0:
        fail("len(HistogramTracker())", f"should be 0 before any record, got {len(tracker)}")


def test_tracker_stacks_rows_on_fixed_edges(hist, stored):
    c = stored["tracker"]
    got = run_tracker(hist, **c.args())
    call = (
        "HistogramTracker(12, -0.6, 0.6): record the same model with its weights scaled by "
        "0.5, 1 and 2"
    )
    counts = as_numpy(got["counts"])
    # a tracker that re-bins each record looks like a get_weight_histogram that ignores its range:
    # here, the tracker's own mistake is the likelier one
    mistakes = dict(sorted(c.mistakes.items(), key=lambda kv: kv[0] != "hist-recomputed-edges"))
    if counts is not None and counts.shape == (3, 12) and counts.dtype.kind not in "iu":
        fail(call, f"counts should be an int array, got dtype {counts.dtype}", "dtype")
    check_outputs(got, c.expected, mistakes, call=call, names=["counts"], check_dtype=False)
    check_outputs(
        got,
        c.expected,
        mistakes,
        call=call,
        names=["centers"],
        rtol=1e-6,
        atol=1e-6,
        check_dtype=False,
    )


def test_tracker_len_counts_records(hist):
    tracker = hist.HistogramTracker(num_bins=5)
    model = nn.Linear(4, 4)
    for _ in range(3):
        tracker.record(model)
    if len(tracker) != 3 or np.shape(tracker.counts) != (3, 5):
        fail(
            "HistogramTracker(num_bins=5) after 3 records",
            f"len should be 3 and counts (3, 5); got {len(tracker)} and {np.shape(tracker.counts)}",
        )


def test_tracker_centres_match_get_weight_histogram(hist):
    tracker = hist.HistogramTracker(num_bins=9, min_val=-0.45, max_val=0.9)
    histx, _ = hist.get_weight_histogram(nn.Linear(2, 2), num_bins=9, min_val=-0.45, max_val=0.9)
    check_outputs(
        {"centers": tracker.centers},
        {"centers": np.asarray(histx, dtype=np.float64)},
        None,
        call="HistogramTracker(9, -0.45, 0.9).centers vs get_weight_histogram's histx",
        rtol=1e-6,
        atol=1e-6,
        check_dtype=False,
    )


# --- train_and_track_weights on a tiny problem ----------------------------------------------------

TRAIN_CALL = (
    "train_and_track_weights(probe 6-16-3, 200 train / 70 test samples in batches of 32, "
    "num_epochs=3, lr=0.3)"
)


@pytest.fixture(scope="module")
def small_run(hist, stored):
    c = stored["train_small"]
    inputs = c.args()
    with one_thread():
        outputs, probe, train, test = train_probe(hist, **inputs)
    n_train, n_test = len(train), len(test)
    epochs = int(inputs["num_epochs"])
    calls = probe.calls
    if len(calls) != epochs * (n_train + n_test):
        raise Feedback(
            f"{TRAIN_CALL}:\n  the model was called {len(calls)} times; expected one forward pass per "
            f"batch: {epochs} epochs x ({n_train} train + {n_test} test batches) = "
            f"{epochs * (n_train + n_test)}. Compute each batch's accuracy from the same forward pass "
            "as its loss."
        )
    per_epoch = [
        calls[e * (n_train + n_test) : (e + 1) * (n_train + n_test)] for e in range(epochs)
    ]
    return {
        "c": c,
        "inputs": inputs,
        "out": outputs,
        "probe": probe,
        "train": train,
        "test": test,
        "epochs": per_epoch,
        "n_train": n_train,
        "n_test": n_test,
    }


def _params_model(params: dict[str, torch.Tensor]) -> ProbeNet:
    return _set_params(ProbeNet(), {k: v.numpy() for k, v in params.items()})


def test_training_returns_one_row_and_accuracy_per_epoch(small_run):
    out = small_run["out"]
    shapes = {k: np.shape(out[k]) for k in ("histx", "histy", "train_accs", "test_accs")}
    want = {"histx": (100,), "histy": (3, 100), "train_accs": (3,), "test_accs": (3,)}
    if shapes != want:
        fail(
            TRAIN_CALL,
            f"shapes {shapes}, expected {want} (get_weight_histogram's default bins)",
            "shape",
        )


def test_training_records_at_the_start_of_each_epoch(hist, small_run):
    out, epochs = small_run["out"], small_run["epochs"]
    histy = np.asarray(out["histy"])
    for e, calls in enumerate(epochs):
        start = _params_model(calls[0]["params"])  # weights before epoch e's first update
        _, want = hist.get_weight_histogram(start)
        if histy.shape[0] <= e or not np.array_equal(histy[e], want):
            what = "the untrained model" if e == 0 else f"the model at the start of epoch {e}"
            hint = _hint(out, small_run["c"], ["histy"]) or "hist-record-after-epoch"
            fail(
                TRAIN_CALL,
                f"row {e} of histy_epochs should be the histogram of {what} "
                f"(get_weight_histogram with its defaults)",
                hint,
            )


def test_training_accuracies_are_means_of_batch_accuracies(small_run):
    out, c = small_run["out"], small_run["c"]
    n_train = small_run["n_train"]
    train_labels, test_labels = small_run["train"].labels, small_run["test"].labels
    for key, phase in (("train_accs", slice(0, n_train)), ("test_accs", slice(n_train, None))):
        got = np.asarray(out[key], dtype=np.float64)
        labels = train_labels if key == "train_accs" else test_labels
        per_epoch = len(labels) // len(small_run["epochs"])
        want = np.array(
            [
                np.mean(
                    [
                        np.mean(call["pred"] == labels[e * per_epoch + i])
                        for i, call in enumerate(calls[phase])
                    ]
                )
                for e, calls in enumerate(small_run["epochs"])
            ]
        )
        if got.shape != want.shape or not np.allclose(got, want, rtol=0, atol=1e-6):
            hint = _hint(out, c, [key]) or (
                "hist-acc-count" if got.size and got.max() > 1 else None
            )
            fail(
                TRAIN_CALL,
                f"{key} = {np.round(got, 4).tolist()}, but the mean of the per-batch "
                f"accuracies of the model's own predictions was {np.round(want, 4).tolist()}",
                hint,
            )


def test_training_runs_in_train_mode_and_tests_in_eval_mode_without_grad(small_run):
    n_train = small_run["n_train"]
    for e, calls in enumerate(small_run["epochs"]):
        train_calls, test_calls = calls[:n_train], calls[n_train:]
        if not all(call["training"] and call["grad"] for call in train_calls):
            fail(
                TRAIN_CALL,
                f"epoch {e}: every training batch should run in train mode with gradients on",
                "hist-no-train-mode",
            )
        if any(call["training"] or call["grad"] for call in test_calls):
            fail(
                TRAIN_CALL,
                f"epoch {e}: every test batch should run in eval mode under torch.no_grad()",
                "hist-test-mode",
            )


def test_training_takes_one_sgd_step_per_batch(small_run):
    """Each update is w <- w - lr * grad of that batch's NLLLoss (mean over the batch), by autograd."""
    lr, n_train = float(small_run["inputs"]["lr"]), small_run["n_train"]
    train_calls = [call for calls in small_run["epochs"] for call in calls[:n_train]]
    labels = small_run["train"].labels
    after = [train_calls[i + 1]["params"] for i in range(len(train_calls) - 1)]
    after.append({n: p.detach() for n, p in small_run["probe"].named_parameters()})
    for t, (call, y, new) in enumerate(zip(train_calls, labels, after, strict=True)):
        model = _params_model(call["params"])
        with one_thread():
            loss = nn.functional.nll_loss(model(call["x"]), torch.from_numpy(y))
            loss.backward()
        for name, p in model.named_parameters():
            want = (p - lr * p.grad).detach()
            if not torch.allclose(new[name], want, rtol=1e-5, atol=1e-6):
                got = {"final_params": small_run["out"]["final_params"]}
                fail(
                    TRAIN_CALL,
                    f"after batch {t % n_train} of epoch {t // n_train}, {name} is not "
                    f"one SGD step (lr={lr}) on that batch's NLLLoss (mean over the batch)",
                    _hint(got, small_run["c"], ["final_params"]),
                )


MNIST_DIGITS, MNIST_EPOCHS = 2500, 4


@pytest.fixture(scope="module")
def mnist_run(hist):
    """The MNIST lecture's training (MNIST_FFN, batches of 32, lr 0.1) on 2,500 of the bundled digits (2,250 to
    train on, 250 to test), 4 epochs: the reference reaches a test accuracy of 0.87 in ~0.5 s (seeds 0-3:
    0.84-0.87, against 0.10 by chance). All 5,000 digits for 5 epochs, as the lecture's loop runs, take three
    times as long to say the same thing."""
    from exercises.mnist import MNIST_FFN, load_mnist

    started(hist, "train_and_track_weights")  # a stub: no data to load
    train_loader, test_loader = load_mnist(batch_size=32, seed=0, limit=MNIST_DIGITS)
    torch.manual_seed(0)
    model = MNIST_FFN()
    untrained = copy.deepcopy(model)
    with one_thread(), eager_optimizers():
        result = hist.train_and_track_weights(
            model, train_loader, test_loader, num_epochs=MNIST_EPOCHS, lr=0.1
        )
    return result, untrained


_MNIST_CALL = (
    f"train_and_track_weights(MNIST_FFN(), load_mnist(limit={MNIST_DIGITS}), "
    f"num_epochs={MNIST_EPOCHS}, lr=0.1), seed 0"
)


@pytest.mark.slow
def test_training_learns_mnist(mnist_run):
    (_, _, train_accs, test_accs), _ = mnist_run
    test_accs = np.asarray(test_accs, dtype=np.float64)
    if test_accs.shape != (MNIST_EPOCHS,):
        fail(
            _MNIST_CALL,
            f"test_accs should have shape ({MNIST_EPOCHS},), got {test_accs.shape}",
            "shape",
        )
    if test_accs.max() > 1 or np.max(train_accs) > 1:
        fail(_MNIST_CALL, "accuracies should be fractions in [0, 1]", "hist-acc-count")
    if not test_accs[-1] >= 0.8:
        fail(
            _MNIST_CALL,
            f"after {MNIST_EPOCHS} epochs the test accuracy should reach 0.80 (the reference gets "
            f"~0.87; chance is 0.10), got {test_accs[-1]:.3f}",
        )


@pytest.mark.slow
def test_training_first_row_is_the_untrained_mnist_model(hist, mnist_run):
    (_, histy, _, _), untrained = mnist_run
    _, want = hist.get_weight_histogram(untrained)
    if np.shape(histy) != (MNIST_EPOCHS, 100) or not np.array_equal(np.asarray(histy)[0], want):
        fail(
            _MNIST_CALL,
            f"histy_epochs should have shape ({MNIST_EPOCHS}, 100) and its row 0 should be the "
            "untrained model's histogram",
            "hist-record-after-epoch",
        )


# --- plots -----------------------------------------------------------------------------------------


def _figure_class():
    from matplotlib.figure import Figure

    return Figure


def test_overlay_draws_one_line_per_epoch_in_coolwarm(hist, stored):
    c = stored["overlay"]
    call = "plot_histogram_overlay(histx (6,), histy_epochs (4, 6))"
    import matplotlib.pyplot as plt

    fig = hist.plot_histogram_overlay(PLOT_X, PLOT_ROWS)
    try:
        if not isinstance(fig, _figure_class()):
            fail(
                call,
                f"should return a matplotlib Figure, got {type(fig).__name__}",
                "hist-returns-axes",
            )
        got = _line_data(fig)
    finally:
        plt.close("all")
    check_outputs(got, c.expected, c.mistakes, call=call, names=["n_lines"], check_dtype=False)
    check_outputs(
        got,
        c.expected,
        c.mistakes,
        call=call + ", y data of the lines",
        names=["ydata"],
        check_dtype=False,
    )
    check_outputs(
        got,
        c.expected,
        c.mistakes,
        call=call + ", line colours (RGBA)",
        names=["colors"],
        rtol=0,
        atol=0.02,
        check_dtype=False,
    )


def test_overlay_single_epoch_is_blue(hist, stored):
    c = stored["overlay_one_epoch"]
    call = "plot_histogram_overlay(histx (6,), histy_epochs (1, 6))"
    try:
        got = run_overlay(hist, PLOT_X, PLOT_ROWS[:1])
    except ZeroDivisionError:
        fail(call, "raised ZeroDivisionError", "hist-single-epoch")
    check_outputs(
        got,
        c.expected,
        c.mistakes,
        call=call + ", line colours (RGBA)",
        names=["n_lines", "colors"],
        rtol=0,
        atol=0.004,  # cm.coolwarm(0) itself (8-bit rounding allowed), not its neighbour cm.coolwarm(1)
        check_dtype=False,
    )


@pytest.mark.parametrize("name", ["plot_histogram_overlay", "plot_histogram_heatmap"])
def test_plot_draws_on_the_given_axes(hist, name):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        returned = getattr(hist, name)(PLOT_X, PLOT_ROWS, ax=ax)
        drawn = len(ax.lines) + len(ax.images) + len(ax.collections)
    finally:
        plt.close("all")
    call = f"{name}(histx, histy_epochs, ax=ax)"
    if returned is not fig:
        hint = "hist-returns-axes" if returned is ax else "hist-ax-ignored"
        fail(
            call,
            f"should return ax's Figure (ax.figure), got {type(returned).__name__}"
            f"{' (a different Figure)' if isinstance(returned, _figure_class()) else ''}",
            hint,
        )
    if drawn == 0:
        fail(call, "nothing was drawn on ax", "hist-ax-ignored")


def _heatmap_arrays(fig) -> list[np.ndarray]:
    from matplotlib.collections import QuadMesh

    found = []
    for ax in fig.axes:
        if getattr(ax, "_colorbar", None) is not None:  # a colorbar's own axes
            continue
        found += [np.ma.getdata(im.get_array()) for im in ax.images]
        found += [np.ma.getdata(q.get_array()) for q in ax.collections if isinstance(q, QuadMesh)]
    return found


def test_heatmap_draws_one_image_of_the_counts(hist):
    import matplotlib.pyplot as plt

    call = "plot_histogram_heatmap(histx (6,), histy_epochs (4, 6))"
    fig = hist.plot_histogram_heatmap(PLOT_X, PLOT_ROWS)
    try:
        if not isinstance(fig, _figure_class()):
            fail(
                call,
                f"should return a matplotlib Figure, got {type(fig).__name__}",
                "hist-returns-axes",
            )
        arrays = _heatmap_arrays(fig)
    finally:
        plt.close("all")
    if len(arrays) != 1:
        fail(call, f"should draw exactly one image (imshow or pcolormesh), found {len(arrays)}")
    image = np.asarray(arrays[0], dtype=np.float64)
    if image.shape not in ((4, 6), (6, 4)):
        fail(
            call,
            f"the image should be (epochs, bins) = (4, 6) or its transpose, got {image.shape}",
            "shape",
        )
    if not np.array_equal(image if image.shape == (4, 6) else image.T, PLOT_ROWS):
        fail(call, "the image should show the counts themselves (or their transpose)")


def _image_ranges(fig) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """(x range, y range, array shape) of the figure's first image, in data units."""
    from matplotlib.collections import QuadMesh

    for ax in fig.axes:
        if getattr(ax, "_colorbar", None) is not None:
            continue
        for im in ax.images:
            x0, x1, y0, y1 = im.get_extent()
            return np.sort([x0, x1]), np.sort([y0, y1]), np.shape(im.get_array())
        for q in ax.collections:
            if isinstance(q, QuadMesh):
                xy = np.asarray(q.get_coordinates(), dtype=np.float64)
                xs, ys = xy[..., 0], xy[..., 1]
                return (
                    np.array([xs.min(), xs.max()]),
                    np.array([ys.min(), ys.max()]),
                    np.shape(q.get_array()),
                )
    fail("plot_histogram_heatmap(histx, histy_epochs)", "drew no image")


def test_heatmap_axes_are_in_epochs_and_weight_values(hist):
    """Any labelling in data units: bin centres (the lecture's extent) or edges, pcolormesh with any shading;
    an image drawn without coordinates (pixel indices) fails."""
    import matplotlib.pyplot as plt

    call = "plot_histogram_heatmap(histx (6,), histy_epochs (4, 6))"
    fig = hist.plot_histogram_heatmap(PLOT_X, PLOT_ROWS)
    try:
        xr, yr, shape = _image_ranges(fig)
    finally:
        plt.close("all")
    # the image's rows run along y: (epochs, bins) puts the epochs on y
    problem = heatmap_axes_problem(xr, yr, PLOT_X, len(PLOT_ROWS), tuple(shape[:2]) == (4, 6))
    if problem:
        fail(call, *problem)


# --- activation_stats ------------------------------------------------------------------------------


class LayerNorm(nn.Module):
    """A LayerNorm that is not an nn.LayerNorm subclass (like the kit's own): matched by class name."""

    def __init__(self, d: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.full((d,), 1.5))
        self.bias = nn.Parameter(torch.full((d,), 0.25))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mu = x.mean(-1, keepdim=True)
        var = x.var(-1, keepdim=True, unbiased=False)
        return (x - mu) / torch.sqrt(var + 1e-5) * self.weight + self.bias


class StatsNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.block = nn.Sequential(nn.Linear(8, 40), nn.ReLU(), nn.LayerNorm(40))
        self.kit_norm = LayerNorm(40)
        self.head = nn.Linear(40, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.kit_norm(self.block(x)))


def _stats_setup() -> tuple[StatsNet, torch.Tensor]:
    g = torch.Generator().manual_seed(3)
    model = StatsNet()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5 + 0.2)
    return model, torch.randn(128, 8, generator=g) * 2 + 1


STATS_CALL = (
    "activation_stats(block=Sequential(Linear(8, 40), ReLU, nn.LayerNorm(40)), "
    "kit_norm=LayerNorm(40), head=Linear(40, 10); x (128, 8))"
)


def test_activation_stats_of_every_linear_and_layer_norm(hist):
    model, x = _stats_setup()
    with torch.no_grad():  # the layers themselves are the oracle
        outs = {"block.0": model.block[0](x)}
        outs["block.2"] = model.block[2](torch.relu(outs["block.0"]))
        outs["kit_norm"] = model.kit_norm(outs["block.2"])
        outs["head"] = model.head(outs["kit_norm"])
    stats = hist.activation_stats(model, x)
    if not isinstance(stats, dict):
        fail(STATS_CALL, f"should return a dict, got {type(stats).__name__}")
    missing = [k for k in outs if k not in stats]
    if missing:
        hint = (
            "hist-layernorm-kit"
            if missing == ["kit_norm"]
            else "hist-layernorm-skipped"
            if "block.2" in missing
            else None
        )
        fail(
            STATS_CALL,
            f"missing keys {missing}; got {sorted(stats)} (keys are the names from "
            "model.named_modules())",
            hint,
        )
    extra = sorted(set(stats) - set(outs))
    if extra:
        fail(STATS_CALL, f"unexpected keys {extra}: only nn.Linear and LayerNorm modules count")
    for name, out in outs.items():
        try:
            mean, std = (float(v) for v in stats[name])
        except (TypeError, ValueError):
            fail(
                STATS_CALL,
                f"stats[{name!r}] should be a (mean, std) pair of floats, got {stats[name]!r}",
            )
        stds = (out.std(correction=0).item(), out.std().item())  # population or Bessel: both fine
        if not np.isclose(mean, out.mean().item(), rtol=1e-4, atol=1e-5):
            fail(
                STATS_CALL,
                f"stats[{name!r}] mean {mean:.6g} is not the mean over all elements of "
                "that module's output",
            )
        if not any(np.isclose(std, s, rtol=1e-4, atol=1e-5) for s in stds):
            fail(
                STATS_CALL,
                f"stats[{name!r}] std {std:.6g} is not the std over all elements of that "
                "module's output",
            )


def _hooks(model: nn.Module) -> dict[str, tuple[int, int]]:
    return {
        name: (len(m._forward_hooks), len(m._forward_pre_hooks))
        for name, m in model.named_modules()
    }


def test_activation_stats_removes_its_hooks_and_keeps_the_callers(hist):
    from torch.nn.modules import module as module_mod

    model, x = _stats_setup()
    seen: list[bool] = []
    handle = model.head.register_forward_hook(lambda m, i, o: seen.append(torch.is_grad_enabled()))
    before = _hooks(model)
    global_before = (
        len(module_mod._global_forward_hooks),
        len(module_mod._global_forward_pre_hooks),
    )
    try:
        hist.activation_stats(model, x)
        after = _hooks(model)
        global_after = (
            len(module_mod._global_forward_hooks),
            len(module_mod._global_forward_pre_hooks),
        )
    finally:
        handle.remove()
    if len(seen) != 1:
        fail(
            STATS_CALL,
            f"the model should run one forward pass; the caller's hook on head fired "
            f"{len(seen)} times",
            "hist-caller-hooks-removed" if not seen else None,
        )
    if seen[0]:
        fail(STATS_CALL, "the forward pass should run under torch.no_grad()")
    lost = [n for n in before if after[n] < before[n]]
    if lost:
        fail(
            STATS_CALL,
            f"hooks the caller had registered are gone from {lost}",
            "hist-caller-hooks-removed",
        )
    left = [n for n in before if after[n] > before[n]] + (
        ["<global>"] if global_after > global_before else []
    )
    if left:
        fail(STATS_CALL, f"hooks are still registered on {left} after the call", "hist-hooks-left")


def test_activation_stats_keeps_the_model_mode(hist):
    model, x = _stats_setup()
    model.train()
    hist.activation_stats(model, x)
    if not all(m.training for m in model.modules()):
        fail(STATS_CALL, "the model was in train mode and should stay so: leave its mode alone")


def test_covariate_demo_sees_every_layer_with_your_activation_stats(hist):
    """exercises/covariate_demo.py (provided) runs on your activation_stats: it must see every layer."""
    import matplotlib.pyplot as plt

    from exercises import covariate_demo

    started(hist, "activation_stats")  # a stub: no data to load, no network to train
    call = "covariate_demo.covariate_shift(steps=4, depth=3, every=2) with your activation_stats"
    with one_thread(), eager_optimizers():
        history = covariate_demo.covariate_shift(
            steps=4,
            depth=3,
            width=32,
            every=2,
            hist=hist,
            layer_norm_cls=nn.LayerNorm,
            digits=1024,  # the measured batch and four of 64: no need to parse all 5,000
        )
    fig = covariate_demo.plot_activation_history(history)
    plt.close("all")
    if not isinstance(fig, _figure_class()):
        fail(call, "plot_activation_history should return a Figure")
    for variant, norms in (("plain", 0), ("layer_norm", 3)):
        h = history[variant]
        kinds = {k: h["kinds"].count(k) for k in ("Linear", "LayerNorm")}
        if kinds != {"Linear": 4, "LayerNorm": norms} or list(h["steps"]) != [0, 2, 4]:
            fail(
                call,
                f"{variant} MLP: expected stats of 4 Linear and {norms} LayerNorm layers at "
                f"steps [0, 2, 4], got {kinds} at {list(h['steps'])}",
                "hist-layernorm-skipped" if kinds["LayerNorm"] != norms else None,
            )
    h = history["layer_norm"]
    ln = [j for j, kind in enumerate(h["kinds"]) if kind == "LayerNorm"]
    if not (np.abs(h["mean"][0, ln]).max() < 1e-3 and np.abs(h["std"][0, ln] - 1).max() < 1e-2):
        fail(call, "before training, every LayerNorm output should have mean 0 and std 1")
