"""The layer-norm benchmark's machinery on a tiny shape: every row runs, the compiled rows compute the same
layer norm as F.layer_norm (a benchmark that times a wrong kernel reports nothing), skips carry their reason,
and the table and summary read the rows they are given. The figures themselves come from running the script
(benchmarks/RESULTS.md), never from a test."""

from __future__ import annotations

import importlib.util
import sys

import pytest
import torch
import torch.nn.functional as F

from grader import ROOT

pytestmark = [pytest.mark.kit, pytest.mark.slow]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location(
        "bench_layer_norm", ROOT / "benchmarks" / "layer_norm.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def _impls(rows):
    return {r.impl for r in rows}


def test_every_row_runs_and_compiled_rows_match_f_layer_norm(bench):
    problem = bench._compile_problem("cpu")
    times: dict[str, float] = {}
    rows = bench.numpy_rows((32, 128)) + bench.torch_rows(
        "cpu", (32, 128), torch.float32, problem, times
    )
    expected = {"numpy naive", "numpy vectorized", "F.layer_norm", "Function", *bench.COMPILED}
    assert _impls(rows) == expected
    bench.run_interleaved(rows, rounds=2, target_s=0.0005)
    for row in rows:
        if row.skip:
            assert row.impl in bench.COMPILED, row.impl
            assert row.skip == problem
            assert row.fn is None
        else:
            assert len(row.times) == 2, row.impl
            assert row.ms > 0, row.impl
    if problem:
        return
    assert {k.split(" float32 ")[1] for k in times} >= set(bench.COMPILED)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(32, 128, generator=gen, requires_grad=True)
    w = torch.rand(128, generator=gen).requires_grad_()
    b = torch.randn(128, generator=gen).requires_grad_()
    g = torch.randn(32, 128, generator=gen)
    want_out = F.layer_norm(x, (128,), w, b, bench.EPS)
    want = torch.autograd.grad(want_out, (x, w, b), g)
    timed = {r.impl: r for r in rows if r.phase == "fwd+bwd"}
    for impl in bench.COMPILED:
        fn = timed[impl].fn.__defaults__[0]  # the compiled callable the row times
        out = fn(x, w, b)
        torch.testing.assert_close(out, want_out)
        for got, ref in zip(torch.autograd.grad(out, (x, w, b), g), want, strict=True):
            torch.testing.assert_close(got, ref, rtol=1e-4, atol=1e-5)


def test_skipped_compile_rows_carry_the_reason(bench):
    rows = bench.torch_rows("cpu", (32, 128), torch.float32, "--no-compile", {})
    skipped = [r for r in rows if r.skip]
    assert {r.impl for r in skipped} == set(bench.COMPILED)
    assert all(r.skip == "--no-compile" for r in skipped)
    lines = bench.table(skipped, {"cpu": 10.0})
    assert all(line[-1] == "skipped: --no-compile" for line in lines)


def test_summary_reads_the_4096x768_rows(bench):
    def row(impl, ms):
        r = bench.Row("cpu", (4096, 768), "float32", impl, "fwd+bwd", None, 1)
        r.times = [ms / 1e3]
        return r

    rows = [
        row("F.layer_norm", 8.0),
        row("Function", 24.0),
        row("Function compiled", 12.0),
        row("F.layer_norm compiled", 10.0),
    ]
    text = "\n".join(bench.summary(rows))
    assert "eager Function 3.00x F.layer_norm; target <= 5x met (2.00x to spare)" in text
    assert (
        "compiled Function 1.50x F.layer_norm; target <= 1.3x NOT met (0.20x over, 1.15x the target)"
        in text
    )
    assert "compiled F.layer_norm 1.25x F.layer_norm; the compiled Function is 1.20x that" in text
    assert bench.summary(rows[2:]) == []  # no baseline, no ratios
