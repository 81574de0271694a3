"""Public tests for exercises/layer_norm.py (numpy). `pytest -m layer_norm` runs only these.

Oracles: stored reference values (tests/data/layer_norm.npz, stored with the exercises), properties
(zero mean, unit variance, scale and shift), and a numerical gradient. Nothing here imports torch.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import example, given

from exercises.feedback.checks import Feedback, check_outputs, fail, names_shapes
from exercises.feedback.stored import Spec, load
from tests.strategies import ln_inputs

pytestmark = pytest.mark.layer_norm


# --- stored cases: inputs made here, outputs stored in tests/data ----------------------------------


def _inputs(shape: tuple[int, ...], k: int, seed: int, *, loc=0.0, scale=1.0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = (loc + scale * rng.standard_normal(shape)).astype(dtype)
    norm = shape[len(shape) - k :]
    gamma = rng.uniform(0.5, 2.0, norm).astype(dtype)
    beta = rng.standard_normal(norm).astype(dtype)
    return {"x": x, "gamma": gamma, "beta": beta}


def _backward_inputs(shape, k, seed):
    d = _inputs(shape, k, seed)
    d["dout"] = np.random.default_rng(seed + 1).standard_normal(shape)
    return d


def run_forward(m, x, gamma, beta) -> dict[str, Any]:
    out, _ = m.layer_norm_forward(x, gamma, beta)
    return {"out": out, "x_after": x}


def run_backward(m, x, gamma, beta, dout) -> dict[str, Any]:
    _, cache = m.layer_norm_forward(x, gamma, beta)
    dx, dgamma, dbeta = m.layer_norm_backward(dout, cache)
    return {"dx": dx, "dgamma": dgamma, "dbeta": dbeta}


STORED = {
    "fwd_2d": Spec(lambda: _inputs((4, 5), 1, 0), run_forward),
    "fwd_3d": Spec(lambda: _inputs((2, 3, 4), 1, 1), run_forward),
    "fwd_4d": Spec(lambda: _inputs((2, 3, 4, 5), 3, 2), run_forward),
    "fwd_4d_last_axis": Spec(lambda: _inputs((2, 3, 4, 5), 1, 3), run_forward),
    "fwd_small_spread": Spec(lambda: _inputs((3, 8), 1, 4, loc=2.0, scale=0.003), run_forward),
    "fwd_float32": Spec(lambda: _inputs((6, 7), 1, 5, dtype=np.float32), run_forward),
    # judged by max |out - float64 truth| <= 1 (a careful float32 two-pass is ~0.2 off)
    "fwd_large_mean": Spec(
        lambda: _inputs((8, 64), 1, 6, loc=1e4, scale=0.01, dtype=np.float32),
        run_forward,
        (0.0, 1.0),
    ),
    "bwd_2d": Spec(lambda: _backward_inputs((4, 5), 1, 10), run_backward),
    "bwd_3d": Spec(lambda: _backward_inputs((2, 3, 4), 1, 11), run_backward),
    "bwd_4d": Spec(lambda: _backward_inputs((2, 3, 2, 2), 3, 12), run_backward),
}


@pytest.fixture(scope="module")
def stored():
    return load("layer_norm")


def _call(name: str, case) -> str:
    shapes = ", ".join(f"{k} {case.shape(k)}" for k in case.inputs)
    return f"{name}({shapes})"


# --- forward ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case", ["fwd_2d", "fwd_3d", "fwd_4d", "fwd_4d_last_axis", "fwd_small_spread", "fwd_float32"]
)
def test_forward_matches_stored_values(ln, stored, case):
    c = stored[case]
    got = run_forward(ln, **c.args())
    check_outputs(got, c.expected, c.mistakes, call=_call("layer_norm_forward", c), names=["out"])


def test_forward_does_not_modify_x(ln, stored):
    c = stored["fwd_2d"]
    got = run_forward(ln, **c.args())
    check_outputs(
        got,
        c.expected,
        c.mistakes,
        call=_call("layer_norm_forward", c) + ", x after the call",
        names=["x_after"],
    )


# An explicit simple example runs first: a stub or a plain bug fails at once, without a search.
SIMPLE = (
    np.array([[1.0, 2.0, 4.0], [0.0, -1.0, 5.0]]),
    np.array([1.5, 0.5, 2.0]),
    np.array([0.1, -0.2, 0.3]),
)


@given(ln_inputs())
@example(SIMPLE)
def test_forward_gives_zero_mean_unit_variance_per_sample(ln, xgb):
    x, gamma, beta = xgb
    out, _ = ln.layer_norm_forward(x, np.ones_like(gamma), np.zeros_like(beta), eps=0.0)
    call = f"layer_norm_forward(x {x.shape}, gamma {gamma.shape}, gamma=1, beta=0, eps=0)"
    if not isinstance(out, np.ndarray) or out.shape != x.shape:
        fail(
            call,
            f"out should be an array of shape {x.shape}, got {getattr(out, 'shape', type(out))}",
            "shape",
        )
    axes = tuple(range(x.ndim - gamma.ndim, x.ndim))
    mean, var = out.mean(axis=axes), out.var(axis=axes)
    if not np.allclose(mean, 0.0, atol=1e-6):
        fail(
            call,
            f"each sample's mean over the normalized axes should be 0; got up to {np.abs(mean).max():.3g}",
            "ln-wrong-axis",
        )
    if not np.allclose(var, 1.0, atol=1e-6):
        fail(
            call,
            f"each sample's (biased) variance should be 1; got values in "
            f"[{var.min():.6f}, {var.max():.6f}]",
            "ln-unbiased-var",
        )


@given(ln_inputs())
@example(SIMPLE)
def test_forward_applies_gamma_then_beta(ln, xgb):
    x, gamma, beta = xgb
    plain, _ = ln.layer_norm_forward(x, np.ones_like(gamma), np.zeros_like(beta))
    out, _ = ln.layer_norm_forward(x, gamma, beta)
    if not np.allclose(out, gamma * plain + beta, rtol=1e-9, atol=1e-9):
        fail(
            f"layer_norm_forward(x {x.shape}, gamma {gamma.shape})",
            "out should equal gamma * (the gamma=1, beta=0 result) + beta",
            "ln-no-affine",
        )


def test_forward_unbatched_sample(ln):
    x = np.array([1.0, 2.0, 4.0, 7.0])
    out, _ = ln.layer_norm_forward(x, np.ones(4), np.zeros(4))
    call = "layer_norm_forward(x (4,), gamma (4,))  # one sample, no batch axis"
    if getattr(out, "shape", None) != (4,):
        fail(call, f"out should have shape (4,), got {getattr(out, 'shape', type(out))}", "shape")
    if not (abs(out.mean()) < 1e-7 and abs(out.var() - 1) < 1e-4):
        fail(call, "the single sample should come out with mean 0 and variance 1 (up to eps)")


@pytest.mark.parametrize(
    ("x_shape", "g_shape"), [((4, 5), (4,)), ((2, 3, 4), (3,)), ((2, 3), (2, 3, 4))]
)
def test_forward_rejects_gamma_of_the_wrong_shape(ln, x_shape, g_shape):
    x = np.ones(x_shape)
    with pytest.raises(ValueError) as err:
        ln.layer_norm_forward(x, np.ones(g_shape), np.zeros(g_shape))
    text = str(err.value)
    # x's shape or its trailing part, in any usual spelling: (4, 5), [4, 5], 4x5
    if not names_shapes(text, [x_shape, x_shape[max(0, len(x_shape) - len(g_shape)) :]], g_shape):
        fail(
            f"layer_norm_forward(x {x_shape}, gamma {g_shape})",
            f"the ValueError should name both shapes, {x_shape} and {g_shape}; it said: {text!r}",
        )


def test_forward_keeps_float16_with_float32_statistics(ln):
    rng = np.random.default_rng(7)
    x = (100 + rng.standard_normal((4, 256))).astype(np.float16)
    out, _ = ln.layer_norm_forward(x, np.ones(256, np.float16), np.zeros(256, np.float16))
    call = "layer_norm_forward(x (4, 256) float16)"
    if getattr(out, "dtype", None) != np.float16:
        fail(call, f"out should be float16 like x, got {getattr(out, 'dtype', type(out))}", "dtype")
    truth = x.astype(np.float64)
    truth = (truth - truth.mean(-1, keepdims=True)) / np.sqrt(truth.var(-1, keepdims=True) + 1e-5)
    err = np.abs(out.astype(np.float64) - truth).max()
    if (
        not err < 0.02
    ):  # a float16 result has ~3 significant digits; float16 statistics are far worse
        fail(
            call,
            f"out is {err:.3g} away from the exact result; compute mean and variance in float32",
            "ln-one-pass-var" if not np.isfinite(err) else None,
        )


def test_forward_large_mean_stays_accurate(ln, stored):
    """mean 1e4, std 0.01 in float32: a careful two-pass is ~0.2 off float64; E[x^2]-E[x]^2 is >= 10 or NaN."""
    c = stored["fwd_large_mean"]
    out = run_forward(ln, **c.args())["out"]
    call = _call("layer_norm_forward", c) + " float32, mean 1e4, std 0.01"
    check_outputs(
        {"out": out},
        c.expected,
        None,
        call=call,
        names=["out"],
        rtol=STORED["fwd_large_mean"].tolerance[0],
        atol=STORED["fwd_large_mean"].tolerance[1],
        check_dtype=True,
    ) if np.all(np.isfinite(np.asarray(out, dtype=float))) else fail(
        call, "out holds NaN or inf", "ln-one-pass-var"
    )


# --- backward --------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["bwd_2d", "bwd_3d", "bwd_4d"])
def test_backward_matches_stored_values(ln, stored, case):
    c = stored[case]
    got = run_backward(ln, **c.args())
    check_outputs(got, c.expected, c.mistakes, call=_call("layer_norm_backward after forward", c))


def _numerical_gradients(ln, x, gamma, beta, dout, h=1e-5):
    """Central differences of L = sum(out * dout) with respect to x, gamma and beta (float64)."""

    def loss():
        return float(np.sum(ln.layer_norm_forward(x, gamma, beta)[0] * dout))

    grads = []
    for arr in (x, gamma, beta):
        g = np.zeros_like(arr)
        for i in np.ndindex(arr.shape):
            old = arr[i]
            arr[i] = old + h
            up = loss()
            arr[i] = old - h
            down = loss()
            arr[i] = old
            g[i] = (up - down) / (2 * h)
        grads.append(g)
    return grads


@pytest.mark.parametrize(("shape", "k"), [((3, 4), 1), ((2, 3, 4), 1), ((2, 2, 2, 3), 3)])
def test_backward_matches_numerical_gradient(ln, shape, k):
    d = _backward_inputs(shape, k, seed=20 + len(shape))
    x, gamma, beta, dout = d["x"], d["gamma"], d["beta"], d["dout"]
    _, cache = ln.layer_norm_forward(x.copy(), gamma, beta)
    analytic = ln.layer_norm_backward(dout, cache)
    numeric = _numerical_gradients(ln, x.copy(), gamma.copy(), beta.copy(), dout)
    for name, a, n in zip(("dx", "dgamma", "dbeta"), analytic, numeric, strict=True):
        call = f"layer_norm_backward: {name} for x {shape}, gamma {gamma.shape}"
        if getattr(a, "shape", None) != n.shape:
            fail(
                call,
                f"{name} should have shape {n.shape}, got {getattr(a, 'shape', type(a))}",
                "ln-dgamma-not-summed" if name != "dx" else "shape",
            )
        rel = np.abs(a - n).max() / max(np.abs(a).max() + np.abs(n).max(), 1e-12)
        if not rel < 1e-7:
            raise Feedback(
                f"{call}:\n  relative error {rel:.2e} against central differences "
                f"(should be < 1e-7)\n  Re-derive it stage by stage: layer_norm_backward's docstring, 'Formula'."
            )


def test_backward_keeps_dtypes_and_shapes(ln):
    d = _backward_inputs((3, 2, 6), 1, seed=30)
    x32 = d["x"].astype(np.float32)
    _, cache = ln.layer_norm_forward(
        x32, d["gamma"].astype(np.float32), d["beta"].astype(np.float32)
    )
    dx, dgamma, dbeta = ln.layer_norm_backward(d["dout"].astype(np.float32), cache)
    call = "layer_norm_backward(x (3, 2, 6) float32, gamma (6,) float32)"
    for name, arr, shape in (
        ("dx", dx, (3, 2, 6)),
        ("dgamma", dgamma, (6,)),
        ("dbeta", dbeta, (6,)),
    ):
        if getattr(arr, "shape", None) != shape:
            fail(
                call,
                f"{name} should have shape {shape}, got {getattr(arr, 'shape', type(arr))}",
                "ln-dgamma-not-summed" if name != "dx" else "shape",
            )
        if arr.dtype != np.float32:
            fail(call, f"{name} should be float32, got {arr.dtype}", "dtype")
