"""Public tests for exercises/layer_norm_torch.py. `pytest -m layer_norm_torch` runs only these.

Oracles: stored reference values (tests/data/layer_norm_torch.npz, stored with the exercises), torch itself
as an independent implementation (F.layer_norm and nn.LayerNorm, in float64), torch.autograd.gradcheck, and
properties (dtypes, devices, inputs left alone, no autograd inside backward). Tests marked `gpu` repeat the
checks on CUDA and are skipped, with the reason, where there is none.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import example, given
from torch.overrides import TorchFunctionMode

from exercises.feedback.checks import (
    FLOAT32_VS_64,
    HALF_TOLERANCES,
    TORCH_NORMALIZATIONS,
    Feedback,
    as_numpy,
    check_outputs,
    fail,
    mismatch,
)
from exercises.feedback.fast_torch import backward, concrete_shapes, gradcheck
from exercises.feedback.hints import render
from exercises.feedback.stored import Spec, load
from tests.strategies import ln_inputs

pytestmark = pytest.mark.layer_norm_torch

EPS = 1e-5
DTYPES = {
    "float64": torch.float64,
    "float32": torch.float32,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
}
GRADS = ("dx", "dweight", "dbias")


# --- helpers: numpy <-> torch, calls that describe themselves ---------------------------------------


def _tensor(a: Any, dtype: str, device: str = "cpu", grad: bool = False) -> torch.Tensor:
    t = torch.as_tensor(np.asarray(a)).to(device=device, dtype=DTYPES[str(dtype)])
    return t.requires_grad_(grad)


def _exact(a: np.ndarray, dtype: str) -> np.ndarray:
    """a rounded to values that dtype represents exactly (bfloat16 values come back as float32)."""
    return as_numpy(torch.as_tensor(a).to(DTYPES[dtype]))


def _inputs(
    shape, k, seed, *, loc=0.0, scale=1.0, dtype="float64", weight=True, bias=True, eps=None
):
    rng = np.random.default_rng(seed)
    norm = shape[len(shape) - k :]
    d = {"x": loc + scale * rng.standard_normal(shape), "dout": rng.standard_normal(shape)}
    if weight:
        d["weight"] = rng.uniform(0.5, 2.0, norm)
    if bias:
        d["bias"] = rng.standard_normal(norm)
    d = {key: _exact(v, dtype) for key, v in d.items()}
    d["dtype"] = np.array(dtype)
    if eps is not None:  # an eps other than the default: the argument must be used
        d["eps"] = np.array(eps)
    return d


def _module_inputs(
    shape, normalized_shape, seed, *, affine=True, use_bias=True, dtype="float64", eps=None
):
    d = _inputs(
        shape,
        len(normalized_shape),
        seed,
        dtype=dtype,
        weight=affine,
        bias=affine and use_bias,
        eps=eps,
    )
    d.update(
        normalized_shape=np.array(normalized_shape),
        elementwise_affine=np.array(affine),
        use_bias=np.array(use_bias),
    )
    return d


def _grads(**named: torch.Tensor | None) -> dict[str, Any]:
    return {name: t.grad for name, t in named.items() if t is not None}


def run_function(m, x, dout, dtype, weight=None, bias=None, eps=EPS) -> dict[str, Any]:
    """LayerNormFunction.apply(x, weight, bias, eps) then .backward(dout): out and the three gradients."""
    xt = _tensor(x, dtype, grad=True)
    wt = None if weight is None else _tensor(weight, dtype, grad=True)
    bt = None if bias is None else _tensor(bias, dtype, grad=True)
    out = m.LayerNormFunction.apply(xt, wt, bt, float(eps))
    got: dict[str, Any] = {"out": out}
    if isinstance(out, torch.Tensor) and out.requires_grad:
        backward(out, _tensor(dout, dtype).to(out.dtype))
        got.update(_grads(dx=xt, dweight=wt, dbias=bt))
    return {k: as_numpy(v) if as_numpy(v) is not None else v for k, v in got.items()}


def run_forward(m, x, dout, dtype, weight=None, bias=None, eps=EPS) -> dict[str, Any]:
    """LayerNormFunction.apply(x, weight, bias, eps) alone: out."""
    out = m.LayerNormFunction.apply(
        _tensor(x, dtype, grad=True),
        None if weight is None else _tensor(weight, dtype, grad=True),
        None if bias is None else _tensor(bias, dtype, grad=True),
        float(eps),
    )
    return {"out": as_numpy(out) if as_numpy(out) is not None else out}


def run_module(
    m,
    x,
    dout,
    dtype,
    normalized_shape,
    elementwise_affine,
    use_bias,
    weight=None,
    bias=None,
    eps=EPS,
):
    """LayerNorm(...) as constructed (parameters, initial values), then loaded with weight/bias, fwd + bwd."""
    shape = tuple(int(n) for n in np.atleast_1d(normalized_shape))
    mod = m.LayerNorm(
        shape,
        eps=float(eps),
        elementwise_affine=bool(elementwise_affine),
        bias=bool(use_bias),
        dtype=DTYPES[str(dtype)],
    )
    w, b = getattr(mod, "weight", None), getattr(mod, "bias", None)
    got: dict[str, Any] = {
        "has_weight": np.array(w is not None),
        "has_bias": np.array(b is not None),
    }
    if w is not None:
        got["weight_init"] = as_numpy(w).copy()
    if b is not None:
        got["bias_init"] = as_numpy(b).copy()
    with torch.no_grad():
        if w is not None and weight is not None:
            w.copy_(_tensor(weight, dtype))
        if b is not None and bias is not None:
            b.copy_(_tensor(bias, dtype))
    xt = _tensor(x, dtype, grad=True)
    out = mod(xt)
    got["out"] = out
    if isinstance(out, torch.Tensor) and out.requires_grad:
        backward(out, _tensor(dout, dtype).to(out.dtype))
        got.update(_grads(dx=xt, dweight=w, dbias=b))
    return {k: as_numpy(v) if as_numpy(v) is not None else v for k, v in got.items()}


# Function cases: (x shape, normalized dims, seed, keyword arguments of _inputs). Each one is stored twice:
# forward alone ("fwd_<case>", so a mistake that breaks only backward still shows its forward hint) and
# forward then backward ("bwd_<case>").
FUNCTION_CASES: dict[str, tuple[tuple[int, ...], int, int, dict[str, Any]]] = {
    "2d": ((4, 6), 1, 0, {}),
    "3d_sequence": ((2, 3, 8), 1, 1, {}),
    "4d_chw": ((2, 3, 4, 5), 3, 2, {}),
    "4d_hw": ((2, 3, 4, 5), 2, 3, {}),
    "no_affine": ((3, 2, 7), 1, 4, {"weight": False, "bias": False}),
    "no_bias": ((5, 6), 1, 5, {"bias": False}),
    "small_spread": ((3, 8), 1, 6, {"loc": 2.0, "scale": 0.003}),
    "eps_given": ((4, 6), 1, 15, {"eps": 0.25}),  # not the default: eps must be used
    "float32": ((6, 16), 1, 7, {"dtype": "float32"}),
}


def _spec(run: Callable, shape, k, seed, kwargs) -> Spec:
    return Spec(lambda: _inputs(shape, k, seed, **kwargs), run)


STORED = {
    **{f"fwd_{name}": _spec(run_forward, *args) for name, args in FUNCTION_CASES.items()},
    **{f"bwd_{name}": _spec(run_function, *args) for name, args in FUNCTION_CASES.items()},
    # judged by max |out - float64 truth| <= 1 (SPEC): F.layer_norm itself is 0.2 off, and its float32 rounding
    # differs between CPUs
    "large_mean": Spec(
        lambda: _inputs((8, 64), 1, 8, loc=1e4, scale=0.01, dtype="float32"),
        run_forward,
        (0.0, 1.0),
    ),
    # half precision: a few ulps of the float64 truth (a float32 computation rounded once)
    "float16": Spec(
        lambda: _inputs((8, 64), 1, 9, loc=20.0, scale=2.0, dtype="float16"),
        run_function,
        HALF_TOLERANCES["float16"],
    ),
    "bfloat16": Spec(
        lambda: _inputs((8, 64), 1, 10, loc=20.0, scale=2.0, dtype="bfloat16"),
        run_function,
        HALF_TOLERANCES["bfloat16"],
    ),
    "module_3d": Spec(lambda: _module_inputs((2, 3, 8), (8,), 11, eps=0.25), run_module),
    "module_chw": Spec(lambda: _module_inputs((2, 3, 4, 5), (3, 4, 5), 12), run_module),
    "module_no_affine_chw": Spec(
        lambda: _module_inputs((2, 3, 4, 5), (3, 4, 5), 13, affine=False), run_module
    ),
    "module_no_bias": Spec(lambda: _module_inputs((4, 6), (6,), 14, use_bias=False), run_module),
}
MODULE_CASES = ["module_3d", "module_chw", "module_no_affine_chw", "module_no_bias"]


@pytest.fixture(scope="module")
def stored():
    return load("layer_norm_torch")


def _describe(c) -> str:
    dtype = str(c.inputs["dtype"])
    w = c.inputs.get("weight")
    b = c.inputs.get("bias")

    def shape(a) -> str:
        return "None" if a is None else str(tuple(a.shape))

    return (
        f"LayerNormFunction.apply(x {tuple(c.inputs['x'].shape)} {dtype}, weight {shape(w)}, "
        f"bias {shape(b)}, eps={float(c.inputs.get('eps', EPS)):g})"
    )


def _describe_module(c) -> str:
    i = c.inputs
    ns = tuple(int(n) for n in np.atleast_1d(i["normalized_shape"]))
    return (
        f"LayerNorm({ns}, eps={float(i.get('eps', EPS)):g}, "
        f"elementwise_affine={bool(i['elementwise_affine'])}, bias={bool(i['use_bias'])}, "
        f"dtype=torch.{i['dtype']})(x {tuple(i['x'].shape)})"
    )


# --- LayerNormFunction: stored values (with hints) --------------------------------------------------


@pytest.mark.parametrize("case", FUNCTION_CASES)
def test_forward_matches_stored_values(ln_torch, stored, case):
    c = stored[f"fwd_{case}"]
    got = run_forward(ln_torch, **c.args())
    check_outputs(got, c.expected, c.mistakes, call=_describe(c), names=["out"])


@pytest.mark.parametrize("case", FUNCTION_CASES)
def test_backward_matches_stored_values(ln_torch, stored, case):
    c = stored[f"bwd_{case}"]
    got = run_function(ln_torch, **c.args())
    names = [n for n in GRADS if n in c.expected]
    check_outputs(got, c.expected, c.mistakes, call=_describe(c) + ".backward(dout)", names=names)


# --- LayerNormFunction against torch (an independent implementation) --------------------------------


def _torch_reference(x, weight, bias, dout, k):
    """F.layer_norm in float64 with autograd: out and the gradients, as float64 numpy arrays."""
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64)).requires_grad_()
    wt = (
        None if weight is None else torch.as_tensor(np.asarray(weight, np.float64)).requires_grad_()
    )
    bt = None if bias is None else torch.as_tensor(np.asarray(bias, np.float64)).requires_grad_()
    out = F.layer_norm(xt, xt.shape[xt.ndim - k :], wt, bt, EPS)
    backward(out, torch.as_tensor(np.asarray(dout, np.float64)))
    ref = {"out": out.detach().numpy()}
    ref.update({n: t.numpy() for n, t in _grads(dx=xt, dweight=wt, dbias=bt).items()})
    return ref


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    ("shape", "k"),
    [
        ((6, 10), 1),
        ((2, 5, 12), 1),
        ((2, 3, 4, 5), 1),
        ((2, 3, 4, 5), 2),
        ((2, 3, 4, 5), 3),
        ((7,), 1),
        ((8, 9, 12), 1),
    ],
    ids=["N,D", "N,T,D", "NCHW-last", "NCHW-HW", "NCHW-CHW", "unbatched", "batch-72"],
)
def test_forward_and_backward_match_torch_layer_norm(ln_torch, shape, k, dtype):
    d = _inputs(shape, k, seed=40 + len(shape) + k, loc=1.5, scale=2.0, dtype=dtype)
    got = run_function(ln_torch, **d)
    ref = _torch_reference(d["x"], d["weight"], d["bias"], d["dout"], k)
    rtol, atol = (None, None) if dtype == "float64" else FLOAT32_VS_64
    call = (
        f"LayerNormFunction.apply(x {shape} {dtype}, weight {d['weight'].shape}, bias) vs "
        f"F.layer_norm in float64"
    )
    expected = {n: v.astype(d["x"].dtype) for n, v in ref.items()}
    check_outputs(got, expected, None, call=call, rtol=rtol, atol=atol)


@pytest.mark.parametrize("k", [1, 2])
def test_no_weight_and_no_bias_match_torch_layer_norm(ln_torch, k):
    """weight None normalizes over the last dim only (k is ignored then); weight without bias also works."""
    d = _inputs((3, 4, 6), k, seed=50 + k, loc=-2.0, scale=3.0)
    for weight, bias, what in (
        (None, None, "weight None, bias None"),
        (d["weight"], None, "bias None"),
    ):
        got = run_function(ln_torch, d["x"], d["dout"], d["dtype"], weight, bias)
        ref = _torch_reference(d["x"], weight, bias, d["dout"], 1 if weight is None else k)
        check_outputs(
            got, ref, None, call=f"LayerNormFunction.apply(x (3, 4, 6), {what}) vs F.layer_norm"
        )


# An explicit simple example runs first: a stub or a plain bug fails at once, without a search.
SIMPLE = (
    np.array([[1.0, 2.0, 4.0], [0.0, -1.0, 5.0]]),
    np.array([1.5, 0.5, 2.0]),
    np.array([0.1, -0.2, 0.3]),
)


@given(ln_inputs())
@example(SIMPLE)
def test_matches_torch_layer_norm_on_random_shapes(ln_torch, xgb):
    x, gamma, beta = xgb
    dout = np.cos(np.arange(x.size, dtype=np.float64)).reshape(x.shape)
    got = run_function(ln_torch, x, dout, "float64", gamma, beta)
    ref = _torch_reference(x, gamma, beta, dout, gamma.ndim)
    check_outputs(
        got,
        ref,
        None,
        call=f"LayerNormFunction.apply(x {x.shape}, weight {gamma.shape}, bias) vs F.layer_norm",
    )


@pytest.mark.parametrize(
    ("shape", "k", "weight", "bias"),
    [
        ((3, 5), 1, True, True),
        ((2, 2, 4), 1, True, False),
        ((3, 6), 1, False, False),
        ((2, 2, 3, 2), 3, True, True),
    ],
    ids=["affine", "no-bias", "no-affine", "CHW"],
)
def test_backward_passes_gradcheck_in_float64(ln_torch, shape, k, weight, bias):
    d = _inputs(shape, k, seed=60 + len(shape), scale=2.0, weight=weight, bias=bias)
    args = [_tensor(d[n], "float64", grad=True) for n in ("x", "weight", "bias") if n in d]

    def f(x, *params):
        w = params[0] if weight else None
        b = params[-1] if bias else None
        return ln_torch.LayerNormFunction.apply(x, w, b, EPS)

    ok = gradcheck(f, tuple(args), eps=1e-6, atol=1e-5, rtol=1e-4, raise_exception=False)
    if not ok:
        fail(
            f"torch.autograd.gradcheck(LayerNormFunction.apply, (x {shape}, weight "
            f"{d['weight'].shape if weight else None}, bias {'yes' if bias else None}))",
            "the gradients backward returns differ from finite differences of forward; the stored "
            "backward tests above name the term that is off. See LayerNormFunction.backward's docstring, "
            '"Formula".',
        )


# --- rules of the exercise: no autograd in backward, no layer-norm API, inputs left alone -----------

_AUTOGRAD_NAMES = {"autograd", "functorch", "enable_grad", "set_grad_enabled"}
_AUTOGRAD_CALLS = {"grad", "vjp", "jvp", "jacrev", "jacfwd", "backward"}


def _autograd_uses(func: Callable) -> list[str]:
    """Names in func's source that reach autograd (static: a help for the runtime check, not a proof)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and (
            node.attr in _AUTOGRAD_NAMES
            or (
                node.attr == "func"
                and isinstance(node.value, ast.Name)
                and node.value.id == "torch"
            )
        ):
            found.append(ast.unparse(node))
        elif isinstance(node, ast.Name) and node.id in _AUTOGRAD_NAMES:
            found.append(node.id)
        elif isinstance(node, ast.Call):
            callee = node.func
            name = callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", "")
            if name in _AUTOGRAD_CALLS:
                found.append(ast.unparse(callee) + "(...)")
    return sorted(set(found))


def test_backward_computes_gradients_without_autograd(ln_torch):
    """backward is called directly under torch.inference_mode(), where autograd records nothing: a backward
    that asks autograd for the gradient fails there; one that applies the formula gives the same numbers."""
    d = _inputs((3, 4, 5), 1, seed=70)
    x, w, b = (_tensor(d[n], "float64", grad=True) for n in ("x", "weight", "bias"))
    fn = ln_torch.LayerNormFunction
    out = fn.apply(x, w, b, EPS)
    g = _tensor(d["dout"], "float64")
    with concrete_shapes():  # the gradient autograd hands backward, without importing sympy
        expected = torch.autograd.grad(out, (x, w, b), g, retain_graph=True)
    call = "LayerNormFunction.backward(ctx, grad_out) called directly under torch.inference_mode()"
    try:
        with torch.inference_mode():
            got = fn.backward(out.grad_fn, g.clone())
    except RuntimeError as exc:
        fail(
            call,
            f"raised RuntimeError: {str(exc).splitlines()[0][:200]}",
            "lnt-autograd-in-backward",
        )
    got = tuple(got) if isinstance(got, (tuple, list)) else (got,)
    if len(got) != 4 or got[3] is not None:
        fail(
            call,
            f"backward should return 4 values (dx, dweight, dbias, None for eps), got {len(got)}",
        )
    for name, a, e in zip(GRADS, got, expected, strict=False):
        why = mismatch(a, e.numpy())
        if why is not None:
            fail(
                call,
                f"{name} differs from the one autograd received: {why}",
                "lnt-autograd-in-backward",
            )
    uses = _autograd_uses(fn.backward)
    if uses:
        fail(
            "LayerNormFunction.backward source",
            f"uses autograd: {', '.join(uses)}",
            "lnt-autograd-in-backward",
        )


class _CallRecorder(TorchFunctionMode):
    """Records the name of every torch function called (torch.*, F.*, Tensor methods), forward and backward."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.names.add(getattr(func, "__name__", str(func)))
        return func(*args, **(kwargs or {}))


def test_computes_the_normalization_itself(ln_torch):
    """The torch functions called may not include torch's own normalizations (layer, group, batch, instance
    or RMS norm: each computes a layer norm when given the right view of x)."""
    d = _inputs((2, 3, 4, 5), 3, seed=80)
    with _CallRecorder() as rec:
        for weight, bias in ((d["weight"], d["bias"]), (None, None)):
            run_function(ln_torch, d["x"], d["dout"], "float64", weight, bias)
        mod = ln_torch.LayerNorm((3, 4, 5), dtype=torch.float64)
        mod(_tensor(d["x"], "float64", grad=True)).sum().backward()
    forbidden = sorted(n for n in rec.names if any(f in n for f in TORCH_NORMALIZATIONS))
    if forbidden:
        fail(
            "LayerNormFunction.apply / LayerNorm forward and backward",
            f"called torch's own normalization: {', '.join(forbidden)}",
            "lnt-forbidden-api",
        )


def test_inputs_are_left_unchanged(ln_torch):
    d = _inputs((4, 3, 6), 1, seed=90, loc=3.0, dtype="float32")
    x, w, b, g = (_tensor(d[n], "float32") for n in ("x", "weight", "bias", "dout"))
    before = {n: t.clone() for n, t in (("x", x), ("weight", w), ("bias", b), ("grad_out", g))}
    x.requires_grad_()
    w.requires_grad_()
    b.requires_grad_()
    backward(ln_torch.LayerNormFunction.apply(x, w, b, EPS), g)
    for name, t in (("x", x), ("weight", w), ("bias", b), ("grad_out", g)):
        if not torch.equal(t.detach(), before[name]):
            fail(
                "LayerNormFunction.apply(x (4, 3, 6) float32, weight, bias).backward(grad_out)",
                f"{name} was modified",
                "lnt-inplace",
            )


def test_works_on_any_device_meta_stand_in(ln_torch):
    """Runs on 'meta' tensors (shapes and dtypes, no data: the CPU-only stand-in for 'any device'). A tensor
    made on a fixed device, or a .numpy()/.item()/.cpu(), shows up here before it fails on a GPU."""
    call = "LayerNormFunction.apply on device='meta' tensors"
    for dtype in (torch.float32, torch.bfloat16):
        x = torch.empty(4, 3, 8, device="meta", dtype=dtype, requires_grad=True)
        w = torch.empty(8, device="meta", dtype=dtype, requires_grad=True)
        b = torch.empty(8, device="meta", dtype=dtype, requires_grad=True)
        try:
            out = ln_torch.LayerNormFunction.apply(x, w, b, EPS)
            backward(out, torch.empty_like(out))
        except NotImplementedError as exc:
            if str(exc).startswith("Exercise "):
                raise
            fail(call, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}", "lnt-device")
        except (RuntimeError, TypeError, ValueError) as exc:
            fail(call, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}", "lnt-device")
        for name, t, like in (
            ("out", out, x),
            ("x.grad", x.grad, x),
            ("weight.grad", w.grad, w),
            ("bias.grad", b.grad, b),
        ):
            if t is None or (t.device, t.dtype, t.shape) != (like.device, like.dtype, like.shape):
                fail(
                    call + f" {dtype}",
                    f"{name} should be a {dtype} tensor of shape {tuple(like.shape)} on "
                    f"the input's device, got {None if t is None else (t.device, t.dtype, tuple(t.shape))}",
                    "lnt-device",
                )


# --- numerics: large mean, float16 / bfloat16 ---------------------------------------------------------


def test_large_mean_float32_stays_accurate(ln_torch, stored):
    """mean 1e4, std 0.01 in float32: F.layer_norm and a careful two-pass are ~0.2 off float64; the one-pass
    E[x^2] - E[x]^2 gives NaN or errors of 10 and more. Judged: max |out - float64 truth| <= 1."""
    c = stored["large_mean"]
    got = run_forward(ln_torch, **c.args())
    truth = _torch_reference(
        c.inputs["x"], c.inputs["weight"], c.inputs["bias"], c.inputs["dout"], 1
    )["out"]
    call = _describe(c) + ", mean 1e4, std 0.01"
    try:
        check_outputs(
            got,
            {"out": truth.astype(np.float32)},
            c.mistakes,
            call=call,
            names=["out"],
            rtol=STORED["large_mean"].tolerance[0],
            atol=STORED["large_mean"].tolerance[1],
        )
    except Feedback as exc:
        if "Hint [" in str(exc):
            raise
        raise Feedback(f"{exc}\n{render('lnt-one-pass-var')}") from None


def _half_call(c) -> str:
    return _describe(c) + ".backward(dout)"


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_matches_stored_values(ln_torch, stored, dtype):
    c = stored[dtype]
    got = run_function(ln_torch, **c.args())
    rtol, atol = STORED[dtype].tolerance
    check_outputs(
        got, c.expected, c.mistakes, call=_half_call(c), names=["out", *GRADS], rtol=rtol, atol=atol
    )


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_keeps_dtypes(ln_torch, dtype):
    d = _inputs((4, 16), 1, seed=100, loc=3.0, dtype=dtype)
    x, w, b = (_tensor(d[n], dtype, grad=True) for n in ("x", "weight", "bias"))
    out = ln_torch.LayerNormFunction.apply(x, w, b, EPS)
    call = f"LayerNormFunction.apply(x (4, 16) {dtype}, weight, bias)"
    if not isinstance(out, torch.Tensor) or out.dtype != x.dtype:
        fail(
            call,
            f"out should be torch.{dtype} like x, got {getattr(out, 'dtype', type(out))}",
            "lnt-half-output-dtype",
        )
    backward(out, _tensor(d["dout"], dtype))
    for name, t in (("x", x), ("weight", w), ("bias", b)):
        if t.grad is None or t.grad.dtype != t.dtype:
            fail(
                call + ".backward(dout)",
                f"{name}.grad should be torch.{dtype}, got "
                f"{None if t.grad is None else t.grad.dtype}",
                "lnt-half-output-dtype",
            )


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("k", [1, 3])
def test_half_precision_is_the_float64_result_rounded(ln_torch, dtype, k):
    """float16/bfloat16: the float64 truth (F.layer_norm on float64 copies) rounded to the dtype, within a few
    ulps, for out and every gradient -- what computing in float32 and rounding once gives."""
    d = _inputs((6, 4, 2, 8), k, seed=110 + k, loc=-30.0, scale=3.0, dtype=dtype)
    got = run_function(ln_torch, **d)
    truth = _torch_reference(d["x"], d["weight"], d["bias"], d["dout"], k)
    expected = {n: _exact(v, dtype) for n, v in truth.items()}
    rtol, atol = HALF_TOLERANCES[dtype]
    call = f"LayerNormFunction.apply(x {d['x'].shape} {dtype}, weight {d['weight'].shape}, bias).backward(dout)"
    try:
        check_outputs(got, expected, None, call=call, rtol=rtol, atol=atol, check_dtype=False)
    except Feedback as exc:
        if "Hint [" in str(exc):
            raise
        # Same values in float32: if those are right, the half path loses precision (no float32 upcast).
        as32 = run_function(ln_torch, **{**d, "dtype": np.array("float32")})
        ok32 = all(
            mismatch(as32.get(n), truth[n].astype(np.float32), *FLOAT32_VS_64) is None
            for n in truth
        )
        if not ok32:
            raise
        raise Feedback(
            f"{exc}\n  (the same values in float32 are right)\n{render('lnt-half-stats')}"
        ) from None


# --- LayerNorm module ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", MODULE_CASES)
def test_module_matches_stored_values(ln_torch, stored, case):
    c = stored[case]
    got = run_module(ln_torch, **c.args())
    check_outputs(got, c.expected, c.mistakes, call=_describe_module(c))


MODULE_CONFIGS = [
    (8, {}),
    ((3, 4), {}),
    (5, {"bias": False}),
    ((2, 3), {"elementwise_affine": False}),
    (4, {"elementwise_affine": False, "bias": False}),
    ([2, 2], {"eps": 1e-3}),
]
MODULE_IDS = ["8", "3x4", "no-bias", "no-affine", "no-affine-no-bias", "list-eps"]


def _kwargs_text(shape, kwargs) -> str:
    return f"LayerNorm({shape!r}{''.join(f', {k}={v!r}' for k, v in kwargs.items())})"


@pytest.mark.parametrize(("shape", "kwargs"), MODULE_CONFIGS, ids=MODULE_IDS)
def test_module_parameters_match_torch(ln_torch, shape, kwargs):
    ours, theirs = ln_torch.LayerNorm(shape, **kwargs), torch.nn.LayerNorm(shape, **kwargs)
    call = _kwargs_text(shape, kwargs)
    names = [n for n, _ in ours.named_parameters()]
    want = [n for n, _ in theirs.named_parameters()]
    if names != want:
        fail(call, f"parameters {names}, expected {want}", "lnt-module-bias")
    for attr in ("weight", "bias"):
        p, q = getattr(ours, attr, "missing"), getattr(theirs, attr)
        if (p is None) != (q is None) or isinstance(p, str):
            fail(
                call,
                f"self.{attr} should be {'None' if q is None else 'a Parameter'}, got {type(p).__name__}",
                "lnt-module-bias",
            )
        if q is None:
            continue
        if not isinstance(p, torch.nn.Parameter) or p.shape != q.shape or p.dtype != q.dtype:
            fail(
                call,
                f"self.{attr} should be a Parameter of shape {tuple(q.shape)} and dtype {q.dtype}, "
                f"got {type(p).__name__} {tuple(getattr(p, 'shape', ()))}",
                "shape",
            )
        if not torch.equal(p.detach(), q.detach()):
            fail(
                call,
                f"self.{attr} should start as all {'ones' if attr == 'weight' else 'zeros'}, got "
                f"values in [{p.min().item():.3g}, {p.max().item():.3g}]",
                "lnt-module-init",
            )
    if list(ours.state_dict()) != list(theirs.state_dict()):
        fail(
            call,
            f"state_dict keys {list(ours.state_dict())}, expected {list(theirs.state_dict())}",
            "lnt-module-bias",
        )
    got = (
        tuple(getattr(ours, "normalized_shape", ())),
        getattr(ours, "eps", None),
        getattr(ours, "elementwise_affine", None),
    )
    if got != (theirs.normalized_shape, theirs.eps, theirs.elementwise_affine):
        fail(
            call,
            f"(normalized_shape, eps, elementwise_affine) = {got}, expected "
            f"{(theirs.normalized_shape, theirs.eps, theirs.elementwise_affine)}",
        )


@pytest.mark.parametrize(
    "shape", [5, [3, 4], (2, 3), torch.Size([4, 2])], ids=["int", "list", "tuple", "Size"]
)
def test_module_normalized_shape_is_a_tuple(ln_torch, shape):
    got = ln_torch.LayerNorm(shape).normalized_shape
    want = torch.nn.LayerNorm(shape).normalized_shape
    if type(got) is not tuple or got != want:
        fail(f"LayerNorm({shape!r}).normalized_shape", f"should be the tuple {want}, got {got!r}")


def test_module_reset_parameters_refills_in_place(ln_torch):
    mod = ln_torch.LayerNorm((2, 3))
    weight, bias = mod.weight, mod.bias
    with torch.no_grad():
        weight.uniform_(-3, 3)
        bias.uniform_(-3, 3)
    mod.reset_parameters()
    call = "LayerNorm((2, 3)).reset_parameters() after changing weight and bias"
    if mod.weight is not weight or mod.bias is not bias:
        fail(
            call,
            "weight and bias should be refilled in place, not replaced by new Parameters "
            "(an optimizer holding the old ones would stop training the module)",
        )
    if not (torch.all(weight == 1) and torch.all(bias == 0)):
        fail(call, "weight should be all ones and bias all zeros again", "lnt-module-init")


@pytest.mark.parametrize(("shape", "kwargs"), MODULE_CONFIGS, ids=MODULE_IDS)
def test_module_extra_repr_matches_torch(ln_torch, shape, kwargs):
    got = ln_torch.LayerNorm(shape, **kwargs).extra_repr()
    theirs = torch.nn.LayerNorm(shape, **kwargs)
    want = theirs.extra_repr()
    if "bias=" not in want:  # torch < 2.1 printed no bias flag
        want += f", bias={theirs.bias is not None}"
    if got != want:
        fail(f"{_kwargs_text(shape, kwargs)}.extra_repr()", f"returned {got!r}, expected {want!r}")


def test_module_device_and_dtype_arguments(ln_torch):
    mod = ln_torch.LayerNorm(6, dtype=torch.float64)
    if mod.weight.dtype != torch.float64 or mod.bias.dtype != torch.float64:
        fail(
            "LayerNorm(6, dtype=torch.float64)",
            f"parameters should be float64, got {mod.weight.dtype}",
        )
    out = mod(torch.ones(2, 6, dtype=torch.float64))
    if out.dtype != torch.float64:
        fail(
            "LayerNorm(6, dtype=torch.float64)(x float64)",
            f"out should be float64, got {out.dtype}",
        )
    meta = ln_torch.LayerNorm((2, 3), device="meta")
    devices = {p.device.type for p in meta.parameters()}
    if devices != {"meta"}:
        fail(
            "LayerNorm((2, 3), device='meta')",
            f"parameters should be made on the given device, got {devices}",
            "lnt-device",
        )
    half = ln_torch.LayerNorm(4, dtype=torch.bfloat16)
    out = half(torch.randn(3, 4, dtype=torch.bfloat16))
    if out.dtype != torch.bfloat16:
        fail(
            "LayerNorm(4, dtype=torch.bfloat16)(x bfloat16)",
            f"out should be bfloat16, got {out.dtype}",
            "lnt-half-output-dtype",
        )


@pytest.mark.parametrize(("shape", "kwargs"), MODULE_CONFIGS, ids=MODULE_IDS)
def test_module_matches_torch_layer_norm(ln_torch, shape, kwargs):
    """Both modules share a state_dict (random weight and bias); same outputs and gradients."""
    gen = torch.Generator().manual_seed(120)
    theirs = torch.nn.LayerNorm(shape, **kwargs, dtype=torch.float64)
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.rand(p.shape, generator=gen, dtype=torch.float64) + 0.5)
    ours = ln_torch.LayerNorm(shape, **kwargs, dtype=torch.float64)
    ours.load_state_dict(theirs.state_dict())
    norm = tuple(theirs.normalized_shape)
    x = 2 + 3 * torch.randn((3, 2, *norm), generator=gen, dtype=torch.float64)
    g = torch.randn(x.shape, generator=gen, dtype=torch.float64)
    results = []
    for mod in (ours, theirs):
        xi = x.clone().requires_grad_()
        out = mod(xi)
        backward(out, g)
        results.append(
            {"out": out, "dx": xi.grad, **{f"d{n}": p.grad for n, p in mod.named_parameters()}}
        )
    got, ref = results
    check_outputs(
        got,
        {k: as_numpy(v) for k, v in ref.items()},
        None,
        call=f"{_kwargs_text(shape, kwargs)}(x {tuple(x.shape)}) vs torch.nn.LayerNorm",
    )


def test_module_rejects_input_of_the_wrong_trailing_shape(ln_torch):
    mod = ln_torch.LayerNorm((3, 4))
    try:
        mod(torch.randn(2, 4, 3))
    except (ValueError, RuntimeError):
        return
    fail(
        "LayerNorm((3, 4))(x (2, 4, 3))",
        "should raise ValueError (or RuntimeError, as torch does): x's "
        "trailing shape is not normalized_shape, though it has as many elements",
    )


# --- CUDA: the same checks on a GPU (skipped, with the reason, where there is none) ------------------


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_cuda_matches_cpu_and_float64(ln_torch, dtype):
    d = _inputs((16, 3, 64), 1, seed=130, loc=5.0, scale=2.0, dtype=dtype)
    call = f"LayerNormFunction.apply(x {d['x'].shape} {dtype} on cuda, weight, bias).backward(dout)"
    x, w, b = (_tensor(d[n], dtype, device="cuda", grad=True) for n in ("x", "weight", "bias"))
    out = ln_torch.LayerNormFunction.apply(x, w, b, EPS)
    if not isinstance(out, torch.Tensor) or out.device != x.device or out.dtype != x.dtype:
        fail(
            call,
            f"out should be a torch.{dtype} tensor on {x.device}, got "
            f"{getattr(out, 'dtype', type(out))} on {getattr(out, 'device', None)}",
            "lnt-device",
        )
    backward(out, _tensor(d["dout"], dtype, device="cuda"))
    got = {"out": out}
    for name, t in (("dx", x), ("dweight", w), ("dbias", b)):
        if t.grad is None or t.grad.device != t.device or t.grad.dtype != t.dtype:
            fail(
                call,
                f"{name} should be torch.{dtype} on {t.device}, got "
                f"{None if t.grad is None else (t.grad.dtype, t.grad.device)}",
                "lnt-device",
            )
        got[name] = t.grad
    got = {k: as_numpy(v) for k, v in got.items()}
    truth = _torch_reference(d["x"], d["weight"], d["bias"], d["dout"], 1)
    if dtype == "float32":
        rtol, atol = FLOAT32_VS_64
        expected = {n: v.astype(np.float32) for n, v in truth.items()}
    else:
        rtol, atol = HALF_TOLERANCES[dtype]
        expected = {n: _exact(v, dtype) for n, v in truth.items()}
    check_outputs(
        got,
        expected,
        None,
        call=call + " vs float64 truth",
        rtol=rtol,
        atol=atol,
        check_dtype=False,
    )
    on_cpu = run_function(ln_torch, **d)
    check_outputs(
        got,
        on_cpu,
        None,
        call=call + " vs the same call on the CPU",
        rtol=2 * rtol,
        atol=2 * atol,
        check_dtype=False,
    )


@pytest.mark.gpu
def test_cuda_module_keeps_parameters_and_output_on_the_device(ln_torch):
    mod = ln_torch.LayerNorm((4, 8), device="cuda")
    devices = {p.device.type for p in mod.parameters()}
    if devices != {"cuda"}:
        fail(
            "LayerNorm((4, 8), device='cuda')",
            f"parameters on {devices}, expected cuda",
            "lnt-device",
        )
    cpu = ln_torch.LayerNorm((4, 8)).to(torch.float64)
    moved = ln_torch.LayerNorm((4, 8), elementwise_affine=False).to("cuda")
    x = torch.randn(3, 4, 8, dtype=torch.float64)
    for m_gpu, m_cpu, what in ((mod, cpu, "affine"), (moved, None, "no affine")):
        out = m_gpu(x.float().cuda())
        if out.device.type != "cuda" or out.dtype != torch.float32:
            fail(
                f"LayerNorm((4, 8), {what}) on cuda",
                f"out on {out.device} {out.dtype}, expected cuda float32",
                "lnt-device",
            )
        ref = F.layer_norm(x, (4, 8), None, None, EPS).float().numpy()
        why = mismatch(out, ref, *FLOAT32_VS_64)
        if why is not None:
            fail(f"LayerNorm((4, 8), {what}) on cuda vs F.layer_norm in float64", why)
        if m_cpu is not None:
            why = mismatch(out, as_numpy(m_cpu(x)).astype(np.float32), *FLOAT32_VS_64)
            if why is not None:
                fail(f"LayerNorm((4, 8), {what}): cuda vs cpu", why)
