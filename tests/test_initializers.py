"""Public tests for exercises/initializers.py. `pytest -m initializers` runs only these.

Oracles: torch.nn.init itself for the fans, the gains, the errors and the distribution every random
initializer must draw from (recorded from torch's own sampler call, exercises/feedback/init_stats.py); properties for
orthogonal_ (W^T W = gain**2 I) and sparse_ (zeros per column); and, for the hints only, the statistics of known
mistakes stored in tests/data/initializers.npz.

Random initializers are judged by distribution tests, never by equality with torch's draws, so any correct
way of drawing passes (a Box-Muller normal, an SVD-based orthogonal_, ...). Each statistical check rejects a
correct implementation with probability <= 1e-8 (bands explained in exercises/feedback/init_stats.py); one run makes fewer
than 100 of them (test_false_alarm_budget), so it fails by chance with probability < 1e-6.

Seeds: every generator is seeded from NORMLAB_SEED (default 0) and the test's name, so runs are reproducible;
benchmarks/initializers_false_fails.py reruns this file with random seeds and counts chance failures.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import math
import os
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
import torch

from exercises.feedback.checks import Feedback, check_outputs, choose_hint, fail
from exercises.feedback.hints import render
from exercises.feedback.init_stats import (
    STAT_TOLERANCES,
    distribution_problems,
    extra_zeros_allowed,
    gram_deviation,
    gram_stats,
    gram_tolerance,
    match_mistakes,
    sign_band,
    sparse_stats,
    summary,
    target_for,
    torch_sparse_zeros,
    zero_counts,
)
from exercises.feedback.stored import Spec, load

pytestmark = pytest.mark.initializers

SEED = int(os.environ.get("NORMLAB_SEED", "0"))
STORED_SEED = 0  # the seed the stored reference and mistakes were drawn with


def seed_for(name: str, seed: int = SEED) -> int:
    """A generator seed per test: NORMLAB_SEED mixed with the test's name."""
    return (seed * 1_000_003 + zlib.crc32(name.encode())) % 2**62


@pytest.fixture(scope="module")
def stored():
    return load("initializers")


# --- calling the learner's functions -------------------------------------------------------------------


def _describe(
    fn: str, shape: tuple[int, ...], kwargs: dict[str, Any], dtype: str = "float32"
) -> str:
    args = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    kind = "" if dtype == "float32" else f" {dtype}"
    return f"{fn}(w {shape}{kind}{args})"


def call(m, fn: str, w: torch.Tensor, kwargs: dict[str, Any], generator=None, **extra) -> Any:
    """Call m.<fn>(w, **kwargs[, generator=...]); turn an unexpected exception into feedback."""
    __tracebackhide__ = True
    kw = dict(kwargs)
    if generator is not None:
        kw["generator"] = generator
    try:
        return getattr(m, fn)(w, **kw)
    except NotImplementedError:
        raise
    except Exception as exc:
        shape = tuple(w.shape)
        hint = extra.get("hint")
        fail(
            _describe(fn, shape, kwargs, str(w.dtype).removeprefix("torch.")),
            f"raised {type(exc).__name__}: {str(exc)[:300]}",
            hint,
        )


def as_numpy(w: torch.Tensor) -> np.ndarray:
    w = w.detach().cpu()
    return (w.float() if w.dtype == torch.bfloat16 else w).numpy()


# --- random draws: the cases -------------------------------------------------------------------------


@dataclass(frozen=True)
class Draw:
    fn: str
    shape: tuple[int, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    dtype: str = "float32"

    def describe(self) -> str:
        return _describe(self.fn, self.shape, self.kwargs, self.dtype)

    def family(self) -> str:
        return target_for(self.fn, self.shape, self.kwargs).family


# Shapes are large enough that every known mistake is dozens of standard errors away (e.g. a fan swap on a
# (1000, 500) Linear weight changes Kaiming's and LeCun's std by far more than the std band there, +-0.6 %).
DRAWS: dict[str, Draw] = {
    "uniform": Draw("uniform_", (400, 250), {"a": -0.3, "b": 0.7}),
    "normal": Draw("normal_", (400, 250), {"mean": 0.5, "std": 2.0}),
    "xavier_uniform_tanh": Draw("xavier_uniform_", (1000, 500), {"gain": 5 / 3}),
    "xavier_normal_conv": Draw("xavier_normal_", (64, 32, 3, 3)),
    "kaiming_uniform_default": Draw("kaiming_uniform_", (1000, 500)),
    "kaiming_uniform_like_nn_linear": Draw("kaiming_uniform_", (300, 200), {"a": math.sqrt(5)}),
    "kaiming_uniform_leaky_fan_out": Draw(
        "kaiming_uniform_", (200, 400), {"a": 0.2, "mode": "fan_out"}
    ),
    "kaiming_normal_relu_conv": Draw("kaiming_normal_", (64, 32, 3, 3), {"nonlinearity": "relu"}),
    "kaiming_normal_fan_out_conv": Draw(
        "kaiming_normal_", (128, 64, 3, 3), {"mode": "fan_out", "nonlinearity": "relu"}
    ),
    # leaky_relu with slope a = 1 (gain 1, unlike the ReLU gain): kaiming_normal_'s a argument must be used
    "kaiming_normal_leaky_slope": Draw("kaiming_normal_", (500, 400), {"a": 1.0}),
    # a nonlinearity other than relu / leaky_relu(0): kaiming's nonlinearity argument must be used
    "kaiming_uniform_selu": Draw("kaiming_uniform_", (500, 400), {"nonlinearity": "selu"}),
    "kaiming_normal_tanh": Draw("kaiming_normal_", (500, 400), {"nonlinearity": "tanh"}),
    "lecun_uniform": Draw("lecun_uniform_", (1000, 500)),
    "lecun_normal": Draw("lecun_normal_", (1000, 500)),
    "kaiming_normal_bfloat16": Draw(
        "kaiming_normal_", (1000, 500), {"nonlinearity": "relu"}, "bfloat16"
    ),
    "xavier_uniform_float16": Draw("xavier_uniform_", (500, 400), {}, "float16"),
    "lecun_normal_float64": Draw("lecun_normal_", (300, 100, 2), {}, "float64"),
}

SPARSE = Draw(
    "sparse_", (200, 300), {"sparsity": 0.123, "std": 0.02}
)  # 24.6 -> 25 zeros per column


def draw(m, d: Draw, seed: int, device: str = "cpu") -> torch.Tensor:
    """Fill a NaN-filled tensor of d's shape and dtype with m.<d.fn>, from a generator seeded with ``seed``.

    The global RNG is seeded with the same seed inside a fork (and restored afterwards), so an implementation
    that ignores the generator still draws reproducibly here: only the determinism tests judge that.
    """
    __tracebackhide__ = True
    w = torch.full(d.shape, math.nan, dtype=getattr(torch, d.dtype), device=device)
    g = torch.Generator(device=device).manual_seed(seed)
    cuda = [] if device == "cpu" else [torch.device(device).index or 0]
    with torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)
        call(m, d.fn, w, d.kwargs, g)
    return w


def _hints(got: dict[str, Any], c) -> str:
    return "\n".join(render(h) for h in match_mistakes(got, c.expected, c.mistakes))


def _judge_sample(w: torch.Tensor, d: Draw, stored_case, device: str = "cpu") -> None:
    __tracebackhide__ = True
    call_text = d.describe() + ("" if device == "cpu" else f" on {device}")
    if w.dtype != getattr(torch, d.dtype) or w.device.type != torch.device(device).type:
        fail(call_text, f"the tensor became {w.dtype} on {w.device}; fill it in place", "dtype")
    sample = as_numpy(w)
    problems = distribution_problems(sample, target_for(d.fn, d.shape, d.kwargs), d.dtype)
    if problems:
        hints = _hints(summary(sample), stored_case) if stored_case is not None else ""
        raise Feedback("\n".join([f"{call_text}:", *(f"  {p}" for p in problems), hints]).strip())


@pytest.mark.parametrize("case", list(DRAWS))
def test_draws_follow_the_target_distribution(init, stored, case):
    """Mean, std, Kolmogorov-Smirnov distance and (uniform) bounds against torch.nn.init's distribution."""
    d = DRAWS[case]
    w = draw(init, d, seed_for(case))
    _judge_sample(w, d, stored[f"draw_{case}"])


# --- fans and gains: exact, torch as the oracle ------------------------------------------------------

FAN_SHAPES = [(1000, 500), (500, 1000), (64, 32, 3, 3), (16, 8, 5), (4, 3, 2, 5, 6), (7, 1), (1, 9)]

GAINS: list[tuple[str, float | None]] = [
    ("linear", None),
    ("conv1d", None),
    ("conv2d", None),
    ("conv3d", None),
    ("conv_transpose1d", None),
    ("conv_transpose2d", None),
    ("conv_transpose3d", None),
    ("sigmoid", None),
    ("tanh", None),
    ("relu", None),
    ("leaky_relu", None),
    ("leaky_relu", 0),
    ("leaky_relu", 0.0),
    ("leaky_relu", 0.2),
    ("leaky_relu", math.sqrt(5)),
    ("selu", None),
]


def _padded_shapes() -> np.ndarray:
    return np.array([[*s, *[0] * (5 - len(s))] for s in FAN_SHAPES], dtype=np.int64)


def run_fans(m, shapes: np.ndarray) -> dict[str, np.ndarray]:
    rows = [tuple(int(d) for d in row if d > 0) for row in shapes]
    fans = [m.calculate_fan_in_and_fan_out(torch.empty(s)) for s in rows]
    return {"fans": np.array([[int(a), int(b)] for a, b in fans], dtype=np.int64)}


def run_gains(m) -> dict[str, np.ndarray]:
    return {"gains": np.array([float(m.calculate_gain(n, p)) for n, p in GAINS])}


def test_fans_match_torch(init, stored):
    got = run_fans(init, _padded_shapes())
    truth = {
        "fans": np.array(
            [torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(s)) for s in FAN_SHAPES],
            dtype=np.int64,
        )
    }
    c = stored["fans"]
    shapes = ", ".join(str(s) for s in FAN_SHAPES)
    check_outputs(
        got,
        truth,
        c.mistakes,
        call=f"calculate_fan_in_and_fan_out on shapes {shapes}",
        rtol=0,
        atol=0,
    )


def test_gains_match_torch(init, stored):
    got = run_gains(init)
    truth = {"gains": np.array([float(torch.nn.init.calculate_gain(n, p)) for n, p in GAINS])}
    c = stored["gains"]
    for i, (name, param) in enumerate(GAINS):
        value = got["gains"][i]
        if not math.isclose(value, truth["gains"][i], rel_tol=1e-12):
            hint = next(
                (
                    h
                    for h, outs in c.mistakes.items()
                    if math.isclose(value, outs["gains"][i], rel_tol=1e-12)
                ),
                None,
            )
            fail(
                f"calculate_gain({name!r}{'' if param is None else f', {param!r}'})",
                f"returned {value!r}, {value / truth['gains'][i]:.6g} x the expected gain",
                hint,
            )


ERRORS: dict[str, tuple[Callable[[Any], Any], tuple[str, ...]]] = {
    "fans of a 1-D tensor": (lambda m: m.calculate_fan_in_and_fan_out(torch.empty(5)), ()),
    "calculate_gain('softmax')": (lambda m: m.calculate_gain("softmax"), ("softmax",)),
    # the docstring asks for a ValueError only: any message
    "calculate_gain('leaky_relu', True)": (lambda m: m.calculate_gain("leaky_relu", True), ()),
    "kaiming_uniform_(w, mode='fan_avg')": (
        lambda m: m.kaiming_uniform_(torch.empty(4, 3), mode="fan_avg"),
        ("fan_avg", "fan_in", "fan_out"),
    ),
    "kaiming_normal_(w, mode='in')": (
        lambda m: m.kaiming_normal_(torch.empty(4, 3), mode="in"),
        ("in", "fan_in", "fan_out"),
    ),
    "xavier_normal_(w (5,))": (lambda m: m.xavier_normal_(torch.empty(5)), ()),
    "orthogonal_(w (5,))": (lambda m: m.orthogonal_(torch.empty(5)), ()),
    "sparse_(w (4, 3, 2), 0.5)": (lambda m: m.sparse_(torch.empty(4, 3, 2), 0.5), ()),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_are_value_errors_like_torch(init, case):
    action, words = ERRORS[case]
    try:
        action(init)
    except NotImplementedError:
        raise
    except ValueError as exc:
        missing = [w for w in words if w not in str(exc)]
        if missing:
            fail(
                case,
                f"the ValueError should name {missing} (the bad value and the valid choices); "
                f"it said: {str(exc)!r}",
            )
        return
    except Exception as exc:
        fail(case, f"raised {type(exc).__name__} ({exc}); torch raises ValueError here")
    fail(case, "raised no error; torch raises ValueError here")


def test_constant_fills_every_element(init):
    for dtype in (torch.float32, torch.float16, torch.bfloat16):
        w = torch.full((6, 7), math.nan, dtype=dtype)
        out = call(init, "constant_", w, {"val": 0.25})
        text = f"constant_(w (6, 7) {str(dtype).removeprefix('torch.')}, 0.25)"
        if out is not w:
            fail(text, "should return the tensor it filled (the same object)", "init-return-tensor")
        if w.dtype != dtype or not bool((w == 0.25).all()):
            fail(text, f"w should hold 0.25 everywhere, in {dtype}; got {as_numpy(w)[:1]}...")


# --- orthogonal_ -------------------------------------------------------------------------------------

ORTHO: dict[str, tuple[tuple[int, ...], float, str]] = {
    "tall": ((300, 100), 1.0, "float32"),
    "wide": ((100, 300), 2.0, "float32"),
    "conv": ((64, 32, 3, 3), 1.0, "float32"),  # flattened: (64, 288), wide
    "tall_conv": ((40, 8, 2), 0.5, "float32"),  # flattened: (40, 16), tall
    "square_float64": ((50, 50), 3.0, "float64"),
    "wide_float16": ((64, 200), 1.0, "float16"),
    "tall_bfloat16": ((200, 64), 2.0, "bfloat16"),
}


def _ortho(m, name: str, seed: int) -> torch.Tensor:
    shape, gain, dtype = ORTHO[name]
    return draw(m, Draw("orthogonal_", shape, {"gain": gain}, dtype), seed)


def run_orthogonal(m, seed) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (_, gain, dtype) in ORTHO.items():
        stats = gram_stats(as_numpy(_ortho(m, name, int(seed))), gain, dtype)
        out.update({f"{name}.{k}": v for k, v in stats.items()})
    return out


@pytest.mark.parametrize("name", list(ORTHO))
def test_orthogonal_gram_is_gain_squared_identity(init, stored, name):
    shape, gain, dtype = ORTHO[name]
    w = _ortho(init, name, seed_for(name))
    d = Draw("orthogonal_", shape, {"gain": gain}, dtype)
    if w.dtype != getattr(torch, dtype):
        fail(d.describe(), f"the tensor became {w.dtype}; fill it in place", "dtype")
    sample = as_numpy(w)
    if not np.isfinite(sample).all():
        fail(
            d.describe(), "the result holds NaN or inf (was every element filled, in place?)", "nan"
        )
    rows, cols = sample.shape[0], sample.size // sample.shape[0]
    side = "W^T W" if rows >= cols else "W W^T"
    diag, off = gram_deviation(sample, gain)
    tol = gram_tolerance(dtype, max(rows, cols))
    if diag > tol or off > tol:
        c = stored["orthogonal_gram"]
        got = {f"{name}.{k}": v for k, v in gram_stats(sample, gain, dtype).items()}
        keys = set(got)
        mistakes = {h: {k: v for k, v in o.items() if k in keys} for h, o in c.mistakes.items()}
        hints = match_mistakes(got, {k: c.expected[k] for k in keys if k in c.expected}, mistakes)
        fail(
            d.describe(),
            f"flattened to ({rows}, {cols}), {side} / gain**2 should be the identity: its diagonal is off "
            f"by up to {diag:.3g}, its off-diagonal entries reach {off:.3g} (allowed {tol:.2g})",
            hints[0] if hints else None,
        )


SIGN_DRAWS = 100  # independent 6 x 6 draws


def run_signs(m, seed) -> dict[str, Any]:
    g = torch.Generator().manual_seed(int(seed))
    corners = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))  # reproducible even if the generator is ignored
        for _ in range(SIGN_DRAWS):
            w = torch.empty(6, 6)
            call(m, "orthogonal_", w, {}, g)
            corners.append(float(w[0, 0]))
    return {"neg00": float(np.mean(np.array(corners) < 0))}


def test_orthogonal_is_uniformly_distributed(init, stored):
    """Haar-uniform Q: W[0, 0] is negative in about half of the draws (always, without the sign fix)."""
    got = run_signs(init, seed_for("orthogonal_signs"))
    t = sign_band(SIGN_DRAWS)
    if abs(got["neg00"] - 0.5) > t:
        c = stored["orthogonal_signs"]
        hints = match_mistakes(got, c.expected, c.mistakes)
        fail(
            f"orthogonal_(w (6, 6)) drawn {SIGN_DRAWS} times",
            f"W[0, 0] was negative in {got['neg00']:.0%} of the draws; a uniformly distributed "
            f"orthogonal matrix has it negative half of the time (allowed {0.5 - t:.0%} to {0.5 + t:.0%})",
            hints[0] if hints else None,
        )


# --- sparse_ -----------------------------------------------------------------------------------------


def run_sparse(m, seed) -> dict[str, Any]:
    return sparse_stats(as_numpy(draw(m, SPARSE, int(seed))))


def test_sparse_zeros_every_column_and_draws_normal_values(init, stored):
    d = SPARSE
    w = draw(init, d, seed_for("sparse"))
    sample = as_numpy(w)
    c = stored["sparse"]
    k = torch_sparse_zeros(*d.shape, d.kwargs["sparsity"])
    cols, _ = zero_counts(sample)
    nonzero = sample[sample != 0]
    extra = int(cols.sum()) - k * cols.size
    allowed = extra_zeros_allowed(d.dtype, d.kwargs["std"], nonzero.size)
    problems = []
    if not np.isfinite(sample).all():
        problems.append("the result holds NaN or inf (was every element filled, in place?)")
    elif cols.min() < k or extra > allowed:
        problems.append(
            f"every column should have ceil(sparsity * rows) = {k} zeros; the columns have "
            f"{cols.min()} to {cols.max()} (a correct draw adds at most {allowed} accidental zeros in all)"
        )
    else:
        target = target_for("normal_", d.shape, {"mean": 0.0, "std": d.kwargs["std"]})
        problems = [
            f"non-zero values: {p}" for p in distribution_problems(nonzero, target, d.dtype)
        ]
    if problems:
        hints = _hints(sparse_stats(sample), c) if np.isfinite(sample).all() else ""
        raise Feedback(
            "\n".join([f"{d.describe()}:", *(f"  {p}" for p in problems), hints]).strip()
        )


# --- in place, no_grad, generator --------------------------------------------------------------------

RANDOM_FILLS: dict[str, dict[str, Any]] = {
    "uniform_": {"a": -1.0, "b": 1.0},
    "normal_": {"mean": 0.0, "std": 1.0},
    "xavier_uniform_": {},
    "xavier_normal_": {},
    "kaiming_uniform_": {},
    "kaiming_normal_": {},
    "lecun_uniform_": {},
    "lecun_normal_": {},
    "orthogonal_": {},
    "sparse_": {"sparsity": 0.25},
}
ALL_FILLS: dict[str, dict[str, Any]] = {**RANDOM_FILLS, "constant_": {"val": 0.5}}
SMALL = (24, 40)


def _fill_once(m, fn: str, seed: int | None, shape=SMALL, dtype=torch.float32) -> torch.Tensor:
    w = torch.full(shape, math.nan, dtype=dtype)
    g = torch.Generator().manual_seed(seed) if seed is not None and fn in RANDOM_FILLS else None
    call(m, fn, w, ALL_FILLS[fn], g)
    return w


def generator_flags(m, fn: str, seed: int) -> dict[str, np.bool_]:
    """Same seed -> same values; the global RNG untouched; for sparse_, the zero positions too."""
    key = fn
    state = torch.get_rng_state()
    w1 = _fill_once(m, fn, seed)
    untouched = torch.equal(state, torch.get_rng_state())
    w2 = _fill_once(m, fn, seed)
    flags = {
        f"{key}.repeatable": np.bool_(torch.equal(w1, w2)),
        f"{key}.rng_untouched": np.bool_(untouched),
    }
    if fn == "sparse_":
        z1, z2 = w1 == 0, w2 == 0
        both = ~z1 & ~z2
        flags[f"{key}.zeros_repeatable"] = np.bool_(torch.equal(z1, z2))
        flags[f"{key}.values_repeatable"] = np.bool_(torch.equal(w1[both], w2[both]))
    return flags


def run_generator(m, seed) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for fn in RANDOM_FILLS:
        with torch.random.fork_rng(devices=[]), contextlib.suppress(Exception):
            out.update(generator_flags(m, fn, int(seed)))  # a mistake that raises records nothing
    return out


@pytest.mark.parametrize("fn", list(RANDOM_FILLS))
def test_generator_gives_reproducible_draws_and_leaves_global_rng_alone(init, stored, fn):
    seed = seed_for(fn)
    with torch.random.fork_rng(devices=[]):
        got = generator_flags(init, fn, seed)
        other = _fill_once(init, fn, seed + 1)
        same = _fill_once(init, fn, seed)
    text = _describe(fn, SMALL, RANDOM_FILLS[fn]) + ", generator=torch.Generator().manual_seed(s)"
    bad = [k for k, v in got.items() if not v]
    if not bad and torch.equal(other, same):
        fail(text, "seeds s and s + 1 gave the same values: draw from the generator you are given")
    if bad:
        c = stored["generator"]
        hint = choose_hint(got, c.mistakes, only=set(got))
        reasons = {
            "repeatable": "the same seed gave different values",
            "rng_untouched": "the call consumed the global random state (torch.manual_seed's)",
            "zeros_repeatable": "the same seed put the zeros at different positions",
            "values_repeatable": "the same seed gave different non-zero values",
        }
        fail(text, "; ".join(reasons[k.split(".", 1)[1]] for k in bad), hint)


def in_place_flags(m, fn: str) -> dict[str, np.bool_]:
    """Fills an nn.Parameter (requires grad) without error and returns that same object."""
    w = torch.nn.Parameter(torch.full(SMALL, math.nan))
    kw = dict(ALL_FILLS[fn])
    if fn in RANDOM_FILLS:
        kw["generator"] = torch.Generator().manual_seed(1)
    try:
        out = getattr(m, fn)(w, **kw)
    except RuntimeError as exc:
        if "requires grad" in str(exc) or "leaf Variable" in str(exc):
            return {f"{fn}.parameter_ok": np.False_, f"{fn}.returns_tensor": np.False_}
        raise
    return {f"{fn}.parameter_ok": np.True_, f"{fn}.returns_tensor": np.bool_(out is w)}


def run_in_place(m) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for fn in ALL_FILLS:
        with contextlib.suppress(Exception):
            out.update(in_place_flags(m, fn))  # a mistake that raises records nothing
    return out


@pytest.mark.parametrize("fn", list(ALL_FILLS))
def test_fills_a_parameter_in_place_and_returns_it(init, stored, fn):
    got = in_place_flags(init, fn)
    text = _describe(fn, SMALL, ALL_FILLS[fn]) + " with w = nn.Parameter(...) (requires grad)"
    c = stored["in_place"]
    hint = choose_hint(got, c.mistakes, only=set(got))
    if not got[f"{fn}.parameter_ok"]:
        fail(
            text,
            "raised 'a leaf Variable that requires grad is being used in an in-place operation'",
            hint,
        )
    if not got[f"{fn}.returns_tensor"]:
        fail(text, "should return w itself (the same object it filled)", hint)
    w = torch.nn.Parameter(torch.full(SMALL, math.nan))
    kw = dict(ALL_FILLS[fn])
    call(init, fn, w, kw)
    if not bool(torch.isfinite(w).all()) or not w.requires_grad or w.grad_fn is not None:
        fail(text, "w should be filled everywhere, in place, and stay a leaf that requires grad")


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
@pytest.mark.parametrize("fn", list(ALL_FILLS))
def test_keeps_the_dtype(init, fn, dtype):
    w = _fill_once(init, fn, 3, dtype=getattr(torch, dtype))
    if w.dtype != getattr(torch, dtype) or not bool(torch.isfinite(w).all()):
        fail(
            _describe(fn, SMALL, ALL_FILLS[fn], dtype),
            f"should fill every element with finite {dtype} values, in place",
            "dtype",
        )


# --- forbidden APIs ----------------------------------------------------------------------------------

FORBIDDEN = "torch.nn.init.* and nn.Linear/Conv reset_parameters"


def _static_uses(source: str) -> list[str]:
    """Forbidden names in the code (not the docstrings) of the learner's module."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and (
                node.module.startswith("torch.nn.init")
                or (node.module == "torch.nn" and any(a.name == "init" for a in node.names))
            )
        ):
            found.append(f"line {node.lineno}: from {node.module} import ...")
        elif isinstance(node, ast.Import) and any(
            a.name.startswith("torch.nn.init") for a in node.names
        ):
            found.append(f"line {node.lineno}: import torch.nn.init")
        elif isinstance(node, ast.Attribute) and (
            node.attr == "reset_parameters"
            or (
                node.attr == "init"
                and (
                    (isinstance(node.value, ast.Attribute) and node.value.attr == "nn")
                    or (isinstance(node.value, ast.Name) and node.value.id == "nn")
                )
            )
        ):
            found.append(f"line {node.lineno}: .{node.attr}")
    return found


def test_does_not_call_torch_nn_init(init, monkeypatch):
    try:
        source = inspect.getsource(init)
    except (OSError, TypeError):
        source = ""
    uses = _static_uses(source) if "def " in source else []
    if uses:
        fail(
            "exercises/initializers.py",
            f"uses {FORBIDDEN}, which this exercise forbids: " + "; ".join(uses[:3]),
            "init-forbidden-api",
        )

    class Forbidden(Exception):
        pass

    def guard(name: str):
        def refuse(*args, **kwargs):
            raise Forbidden(name)

        return refuse

    for name, obj in vars(torch.nn.init).items():
        if inspect.isfunction(obj) and obj.__module__ == "torch.nn.init":
            monkeypatch.setattr(torch.nn.init, name, guard(f"torch.nn.init.{name}"))
    for cls in (torch.nn.Linear, torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d):
        monkeypatch.setattr(cls, "reset_parameters", guard(f"{cls.__name__}.reset_parameters"))
    try:
        init.calculate_fan_in_and_fan_out(torch.empty(3, 4))
        init.calculate_gain("relu")
        for fn, kw in ALL_FILLS.items():
            getattr(init, fn)(torch.empty(SMALL), **kw)
    except Forbidden as exc:
        fail(
            "exercises/initializers.py",
            f"called {exc}, which this exercise forbids",
            "init-forbidden-api",
        )


# --- GPU: CUDA tensors stay on CUDA and draw the same distributions ----------------------------------

GPU_DRAWS = ["kaiming_normal_relu_conv", "xavier_uniform_tanh", "kaiming_normal_bfloat16"]


@pytest.mark.gpu
@pytest.mark.parametrize("case", GPU_DRAWS)
def test_cuda_tensors_stay_on_cuda_with_the_cpu_distribution(init, stored, case):
    d = DRAWS[case]
    w = draw(init, d, seed_for(f"cuda {case}"), device="cuda")
    _judge_sample(w, d, stored[f"draw_{case}"], device="cuda")


@pytest.mark.gpu
def test_cuda_orthogonal_and_sparse_stay_on_cuda(init):
    g = torch.Generator(device="cuda").manual_seed(seed_for("cuda ortho"))
    w = torch.empty(100, 300, device="cuda")
    call(init, "orthogonal_", w, {"gain": 2.0}, g)
    diag, off = gram_deviation(as_numpy(w), 2.0)
    tol = gram_tolerance("float32", 300)
    if w.device.type != "cuda" or diag > tol or off > tol:
        fail(
            "orthogonal_(w (100, 300) on cuda, gain=2.0)",
            f"should stay on cuda with W W^T = 4 I; device {w.device}, deviation {max(diag, off):.3g}",
        )
    s = torch.empty(50, 40, device="cuda")
    call(init, "sparse_", s, {"sparsity": 0.1}, torch.Generator(device="cuda").manual_seed(1))
    if s.device.type != "cuda" or int((as_numpy(s) == 0).sum(axis=0).min()) < 5:
        fail("sparse_(w (50, 40) on cuda, 0.1)", "should stay on cuda with 5 zeros in every column")


# --- stored statistics of known mistakes, for the hints (stored in tests/data) -----------------------


def _draw_spec(case: str) -> Spec:
    return Spec(
        lambda: {"seed": np.int64(STORED_SEED)},
        lambda m, seed: summary(as_numpy(draw(m, DRAWS[case], int(seed)))),
        STAT_TOLERANCES,
    )


# A literal dict: its keys can be read without importing this file.
STORED = {
    "fans": Spec(lambda: {"shapes": _padded_shapes()}, run_fans),
    "gains": Spec(lambda: {}, run_gains),
    "draw_uniform": _draw_spec("uniform"),
    "draw_normal": _draw_spec("normal"),
    "draw_xavier_uniform_tanh": _draw_spec("xavier_uniform_tanh"),
    "draw_xavier_normal_conv": _draw_spec("xavier_normal_conv"),
    "draw_kaiming_uniform_default": _draw_spec("kaiming_uniform_default"),
    "draw_kaiming_uniform_like_nn_linear": _draw_spec("kaiming_uniform_like_nn_linear"),
    "draw_kaiming_uniform_leaky_fan_out": _draw_spec("kaiming_uniform_leaky_fan_out"),
    "draw_kaiming_normal_relu_conv": _draw_spec("kaiming_normal_relu_conv"),
    "draw_kaiming_normal_fan_out_conv": _draw_spec("kaiming_normal_fan_out_conv"),
    "draw_kaiming_normal_leaky_slope": _draw_spec("kaiming_normal_leaky_slope"),
    "draw_kaiming_uniform_selu": _draw_spec("kaiming_uniform_selu"),
    "draw_kaiming_normal_tanh": _draw_spec("kaiming_normal_tanh"),
    "draw_lecun_uniform": _draw_spec("lecun_uniform"),
    "draw_lecun_normal": _draw_spec("lecun_normal"),
    "draw_kaiming_normal_bfloat16": _draw_spec("kaiming_normal_bfloat16"),
    "draw_xavier_uniform_float16": _draw_spec("xavier_uniform_float16"),
    "draw_lecun_normal_float64": _draw_spec("lecun_normal_float64"),
    "orthogonal_gram": Spec(
        lambda: {"seed": np.int64(STORED_SEED)}, run_orthogonal, STAT_TOLERANCES
    ),
    "orthogonal_signs": Spec(lambda: {"seed": np.int64(STORED_SEED)}, run_signs, STAT_TOLERANCES),
    "sparse": Spec(lambda: {"seed": np.int64(STORED_SEED)}, run_sparse, STAT_TOLERANCES),
    "generator": Spec(lambda: {"seed": np.int64(STORED_SEED)}, run_generator),
    "in_place": Spec(lambda: {}, run_in_place),
}
assert {k.removeprefix("draw_") for k in STORED if k.startswith("draw_")} == set(DRAWS)
