"""Kit tests of the term-by-term leak check (grader/authoring/leakterms.py): no learner text -- stub, check message, test
name, misconception hint, hint level up to the default release cap, README -- gives a term of dx or a staged local
derivative of the backward pass, in any spelling. Run under `pytest --impl solutions tests/kit/test_leak_terms.py`."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from exercises.feedback import hint_levels
from grader import ROOT
from grader.authoring import leakterms
from grader.authoring.leakterms import (
    COMPACT_BACKWARD,
    DERIVATION_EXERCISES,
    DX_TERMS,
    LOCAL_LEVEL,
    LOCAL_TERMS,
    PENDING,
    STAGED_BACKWARD,
    find,
    needles,
    normalise,
    reference_dx_terms,
)

pytestmark = pytest.mark.kit


@pytest.fixture(scope="module")
def table():
    return needles()


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    from grader.verbs.release import build

    out = tmp_path_factory.mktemp("release") / "bundle"
    build(out, max_hint_level=hint_levels.DEFAULT_RELEASE_CAP)
    return out


# --- the catalog is the references' backward, term by term ---------------------------------------------------


def _sample(seed: int = 0, shape=(6, 7)):
    rng = np.random.default_rng(seed)
    x = rng.normal(0.3, 1.7, size=shape)
    gamma, beta, dout = (
        rng.normal(size=shape[-1]),
        rng.normal(size=shape[-1]),
        rng.normal(size=shape),
    )
    return x, gamma, beta, dout


def _run(program: str, x, gamma, dout, eps=1e-5) -> dict[str, np.ndarray]:
    d = x.shape[-1]
    mu = x.mean(-1, keepdims=True)
    xmu = x - mu
    var = (xmu * xmu).mean(-1, keepdims=True)
    rstd = 1 / np.sqrt(var + eps)
    env = {
        "mean": lambda z: z.mean(-1, keepdims=True),
        "sum": lambda z, axis=-1: z.sum(axis, keepdims=axis == -1),
        "d": d,
        "mu": mu,
        "xmu": xmu,
        "var": var,
        "rstd": rstd,
        "xhat": xmu * rstd,
        "gamma": gamma,
        "dout": dout,
        "eps": eps,
    }
    exec(program, env)  # noqa: S102 -- the kit's own catalog
    return env


def test_the_staged_and_compact_backwards_are_the_references():
    from solutions.layer_norm import layer_norm_backward, layer_norm_forward

    x, gamma, beta, dout = _sample()
    _, cache = layer_norm_forward(x, gamma, beta)
    dx, dgamma, dbeta = layer_norm_backward(dout, cache)
    staged = _run(STAGED_BACKWARD, x, gamma, dout)
    compact = _run(COMPACT_BACKWARD, x, gamma, dout)
    np.testing.assert_allclose(staged["dx"], dx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(staged["dgamma"], dgamma, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(staged["dbeta"], dbeta, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(compact["dx"], dx, rtol=1e-10, atol=1e-12)


def test_the_torch_and_triton_references_compute_the_same_dx():
    import torch

    x, gamma, beta, dout = _sample(1)
    want = _run(COMPACT_BACKWARD, x, gamma, dout)["dx"]
    ln_torch = importlib.import_module("solutions.layer_norm_torch")
    xt = torch.tensor(x, requires_grad=True)
    out = ln_torch.LayerNormFunction.apply(xt, torch.tensor(gamma), torch.tensor(beta), 1e-5)
    out.backward(torch.tensor(dout))
    np.testing.assert_allclose(xt.grad.numpy(), want, rtol=1e-9, atol=1e-11)
    try:
        ln_triton = importlib.import_module("solutions.layer_norm_triton")
    except (
        ImportError
    ) as e:  # no Triton wheel on this platform: the other two references still count
        pytest.skip(f"Triton not available: {e}")
    x32 = torch.tensor(x, dtype=torch.float32)
    w32 = torch.tensor(gamma, dtype=torch.float32)
    _, mean, rstd = ln_triton.layer_norm_fwd(x32, w32, torch.tensor(beta, dtype=torch.float32))
    dx, _, _ = ln_triton.layer_norm_bwd(
        torch.tensor(dout, dtype=torch.float32), x32, w32, mean, rstd
    )
    np.testing.assert_allclose(dx.numpy(), want, rtol=1e-4, atol=1e-4)


def test_every_needle_is_a_piece_of_the_staged_or_compact_backward():
    def both(program: str) -> tuple[str, str]:
        return normalise(program), normalise(program.replace("dxhat", "dout"))

    for program, catalog in ((STAGED_BACKWARD, LOCAL_TERMS), (COMPACT_BACKWARD, DX_TERMS)):
        texts = both(program)
        for label, expr in catalog:
            assert any(f in t for f in leakterms.forms(expr) for t in texts), (label, expr)


def test_the_references_own_terms_are_needles(table):
    """Each additive term the three references write for dx (numpy's dx, torch's formula comment, Triton's kernel
    with its row statistics spelled out) is searched for."""
    terms = reference_dx_terms()
    sources = {ref for ref, _ in terms}
    assert sources == {
        "solutions/layer_norm.py",
        "solutions/layer_norm_torch.py",
        "solutions/layer_norm_triton.py",
    }, sources
    searched = set().union(*(n.forms for n in table))
    for ref, term in terms:
        if leakterms._ops(term):
            assert normalise(term) in searched, (ref, term)
    assert {"mean(dxhat)", "xhat*mean(dxhat*xhat)", "rstd*dxhat"} <= {
        normalise(t) for _, t in terms
    }


# --- the scan reads every spelling ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # the texts it found before issue #27's rewrite
        "dx looks to miss the path through the variance (the - xhat * mean(dxhat * xhat) term).",
        "dx looks to miss the path through the mean (the - mean(dxhat) term).",
        "dx looks computed from dout instead of dxhat = dout * gamma: the scale gamma is part of the chain.",
        "a difference of larger terms, such as layer norm's dx (rstd times dxhat minus the paths through ...",
        "dvar (d rstd / d var = -rstd**3 / 2), dxmu (... in var, with d var / d xmu = 2 * xmu / D -- add both)",
        "and dx = dxmu + dmu / D (d mu / d x = 1 / D)",
        "per row, one pass for the two row sums the derivation needs (of dxhat and of dxhat * xhat)",
        "partial dweight[p] = sum over my rows of dy * xhat, partial dbias[p] = sum of dy.",
        "the gradient looks like dout / sqrt(var + eps) alone",
        # the same pieces written otherwise
        "xhat * np.mean(dxhat * xhat, axis=-1, keepdims=True)",
        "(dx_hat * x_hat).sum(-1, keepdims=True) / N",
        "mean(xhat*dxhat)*xhat",
        "g * weight",
        "dvar = -0.5 * drstd * (var + eps) ** -1.5",
        "dxhat / sqrt(var + eps)",
        "2 * (x - mean) / H",
        "sum(dxhat) / D",
        "d\u03bc/dx = 1/N",
        "c1 = tl.sum(dy * w * xhat) ...",
    ],
)
def test_the_scan_catches_a_piece_of_the_backward(table, text):
    assert find(text, table, "t"), text


@pytest.mark.parametrize(
    "text",
    [
        "xhat = (x - mu) / sqrt(var + eps)",
        "out = gamma * xhat + beta",
        "var = mean((x - mu)**2)",
        "a mean over D elements hands each element 1 / D of the gradient that arrives",
        "dgamma and dbeta sum over the batch axes",
        "dx looks to miss the path through the variance: x reaches var through xmu; find dvar and add "
        "its share to dxmu.",
        "the local derivatives you need: d out / d xhat, d rstd / d var, d var / d xmu, d mu / d x",
        "rstd = 1 / sqrt(var + eps), the per-sample scale",
    ],
)
def test_the_scan_leaves_the_forward_and_the_rules_alone(table, text):
    assert not find(text, table, "t"), [str(f) for f in find(text, table, "t")]


# --- every learner text, at the default release cap --------------------------------------------------------------


def test_no_learner_text_gives_a_term_of_dx_or_a_local_derivative(bundle):
    """The release bundle at the default cap (stubs, feedback library, hints, hint levels, public tests with
    their messages and test names, README), the hidden cases' names, descriptions and messages, and the main
    README."""
    finds = leakterms.check(bundle, grader_side=True)
    finds += find((ROOT / "README.md").read_text(), needles(), "README.md")
    assert not finds, "\n".join(map(str, finds))


def test_every_pending_find_still_fires(bundle):
    """PENDING holds finds that another piece of work fixes; once fixed, its entry must go."""
    pending = {f.where for f in leakterms.check(bundle, grader_side=True, pending=True)}
    gone = sorted(set(PENDING) - pending)
    assert not gone, f"fixed: delete these entries of grader/authoring/leakterms.py PENDING: {gone}"


def test_the_release_leak_check_reports_a_term_of_dx(bundle, tmp_path):
    import shutil

    from grader.authoring.leakcheck import check

    leaky = tmp_path / "leaky"
    shutil.copytree(bundle, leaky)
    hints = leaky / "exercises" / "feedback" / "hints.py"
    hints.write_text(
        hints.read_text().replace("find dvar and", "the - xhat * mean(dxhat * xhat) term:")
    )
    leaks = [str(leak) for leak in check(leaky, max_hint_level=hint_levels.DEFAULT_RELEASE_CAP)]
    assert any("ln-dx-no-var-term" in leak and "dx-term" in leak for leak in leaks), leaks


# --- the hint levels' cut ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("ex_id", DERIVATION_EXERCISES)
def test_derivation_levels_are_cut_concept_structure_local_derivatives_compact(table, ex_id):
    texts = hint_levels.LEVELS[ex_id]
    assert len(texts) == LOCAL_LEVEL + 1, f"{ex_id}: {len(texts)} levels"
    for level, text in enumerate(texts, start=1):
        kinds = {f.needle.kind for f in find(text, table, ex_id)}
        if level < LOCAL_LEVEL:
            assert not kinds, (ex_id, level, [str(f) for f in find(text, table, ex_id)])
        elif level == LOCAL_LEVEL:
            assert "local" in kinds, (ex_id, level, kinds)
            assert "dx-term" not in kinds, (ex_id, level, kinds)
        else:
            assert "dx-term" in kinds, (ex_id, level, "the last level gives the compact result")
    assert hint_levels.DEFAULT_RELEASE_CAP == LOCAL_LEVEL < len(texts)


def test_level_two_names_the_local_derivatives_it_does_not_value():
    text = hint_levels.LEVELS["layer_norm.2"][1]
    for name in ("d rstd / d var", "d var / d xmu", "d mu / d x", "d xhat / d rstd"):
        assert name in text, name


def test_the_default_release_and_notebooks_hold_the_compact_result_back():
    from grader.authoring.nbgrader_course import group_notebook
    from grader.verbs import nbgrader, release

    assert release.main.__kwdefaults__["max_hint_level"] == hint_levels.DEFAULT_RELEASE_CAP
    assert nbgrader.main.__kwdefaults__["max_hint_level"] == hint_levels.DEFAULT_RELEASE_CAP
    nb = group_notebook("layer_norm", hint_levels.DEFAULT_RELEASE_CAP)
    text = "".join(c["source"] for c in nb["cells"] if c["cell_type"] == "markdown")
    assert not [f for f in find(text, needles(), "nb") if f.needle.kind == "dx-term"]


def test_a_derivation_misconception_hint_names_its_path():
    from exercises.feedback.hints import HINTS

    for hint_id, path in (
        ("ln-dx-no-mean-term", "through the mean"),
        ("ln-dx-no-var-term", "through the variance"),
        ("lnt-dx-no-mean-term", "through the mean"),
        ("lnt-dx-no-var-term", "through the variance"),
        ("tri-dx-terms", "through the variance"),
    ):
        assert path in HINTS[hint_id].text, hint_id


def test_hint_levels_are_literal_strings():
    """leakterms reads a bundle's LEVELS without importing it."""
    found = leakterms._level_strings(ROOT / "exercises" / "feedback" / "hint_levels.py")
    assert found == hint_levels.LEVELS


# --- what the public tests print for the derivation mistakes, at the default cap ------------------------------

_RUN_MUTANTS = """
import contextlib, io, json, os, sys
import pytest
os.environ.setdefault("MPLBACKEND", "Agg")
cap, names = sys.argv[1], sys.argv[2:]
out = {}
for name in names:
    group = name.split("_dx_")[0]
    plugin = sys.modules.get("tests.plugin")
    if plugin is not None:  # it shows each exercise's levels once per process
        plugin._levels_shown.clear()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        pytest.main(["--impl", f"grader.mutants.{name}", "-m", f"{group} and not slow and not gpu",
                     "-q", "-p", "no:cacheprovider", "--no-header", "-W", "ignore",
                     "--hint-level", cap, f"tests/test_{group}.py"])
    out[name] = buf.getvalue()
print(json.dumps(out))
"""
DX_MUTANTS = (
    "layer_norm_dx_no_mean_term",
    "layer_norm_dx_no_var_term",
    "layer_norm_dx_no_gamma",
    "layer_norm_torch_dx_no_mean_term",
    "layer_norm_torch_dx_no_var_term",
    "layer_norm_triton_dx_no_mean_term",
)


def test_the_public_tests_print_no_term_of_dx_for_a_wrong_derivation(table):
    """Run the public tests on each wrong derivation with every hint level the default release holds: the
    failure output (messages, misconception hints, hint levels) names paths and stages, never a term of dx; the
    local derivatives only come with level 3, which the learner asked for."""
    import json
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", _RUN_MUTANTS, str(hint_levels.DEFAULT_RELEASE_CAP), *DX_MUTANTS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    outputs = json.loads(proc.stdout.strip().splitlines()[-1])
    for name, text in outputs.items():
        assert "Hint [" in text, f"{name}: no misconception hint shown"
        assert f"Hint level {LOCAL_LEVEL} [" in text, f"{name}: the levels were not shown"
        assert f"Hint level {LOCAL_LEVEL + 1} [" not in text, f"{name}: a level above the cap"
        finds = find(text, table, name, allow_local=True)
        assert not finds, "\n".join(map(str, finds))
