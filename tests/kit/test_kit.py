"""The kit's own tests of what learners rely on: generated files in sync, doctests, stubs that fail cleanly,
and every known mistake recognised by the public tests. Run under `pytest --impl solutions` (marker kit)."""

from __future__ import annotations

import doctest
import importlib
import json
import os
import re
import subprocess
import sys

import pytest

from grader import GROUPS, ROOT
from grader.mutants import all_mutants

pytestmark = pytest.mark.kit

PRESENT = [g for g in GROUPS if (ROOT / "solutions" / f"{g}.py").exists()]


def _run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env
    )


def test_generated_files_are_in_sync_with_solutions():
    # in a fresh process, as `python -m grader sync` runs: the stored values of the statistical groups are
    # sampled with fixed seeds, but which mutant outputs differ enough to be stored can move with the state an
    # earlier in-process test leaves (torch's thread count, the global RNGs)
    proc = _run("-m", "grader", "sync", "--check")
    assert proc.returncode == 0, (
        "exercises/ or tests/data/ drifted from solutions/: run python -m grader sync\n"
        + proc.stdout
        + proc.stderr
    )


def _copy_stored(tmp_path, change) -> None:
    """tests/data/*.npz into tmp_path, each passed through ``change(name, array) -> array``."""
    import numpy as np

    for npz in sorted((ROOT / "tests" / "data").glob("*.npz")):
        with np.load(npz, allow_pickle=False) as f:
            arrays = {k: change(f"{npz.stem}/{k}", f[k]) for k in f.files}
        np.savez_compressed(tmp_path / npz.name, **arrays)


def test_sync_check_passes_on_values_rounded_as_on_another_machine(tmp_path):
    """Every stored floating-point value moved by a relative 1e-7 (another CPU's BLAS, LAPACK or SIMD
    rounding is smaller): `sync --check` compares numbers, not bits, and still passes."""
    import numpy as np

    rng = np.random.default_rng(0)

    def nudge(_key, a):
        if a.dtype.kind != "f" or a.size == 0:
            return a
        sign = rng.choice([-1.0, 1.0], size=a.shape)
        return (a.astype(np.float64) * (1.0 + 1e-7 * sign)).astype(a.dtype)

    _copy_stored(tmp_path, nudge)
    proc = _run("-m", "grader", "sync", "--check", "--data", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_sync_check_passes_with_another_cpus_kernels():
    """The stand-in for another machine that can run here: torch's generic kernels instead of its AVX2/AVX-512
    ones and numpy's SIMD dispatch turned off. The stored values come out different in their last bits
    (QR-based Gram diagonals by ~1e-6, float32 training losses by ~1e-7); `sync --check` still passes."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    simd = " ".join(f for f in __cpu_dispatch__ if __cpu_features__.get(f))
    env = {**os.environ, "MPLBACKEND": "Agg", "ATEN_CPU_CAPABILITY": "default"}
    env["NPY_DISABLE_CPU_FEATURES"] = simd
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "sync", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_sync_check_fails_on_a_changed_reference(tmp_path):
    """A real drift still fails: the reference's stored outputs of one case replaced by what a known
    mistake computes there (a reference that changed its formula), and a stored mistake dropped."""
    import numpy as np

    with np.load(ROOT / "tests" / "data" / "layer_norm.npz", allow_pickle=False) as f:
        stored = {k: f[k] for k in f.files}
    mistake = next(k for k in stored if k.startswith("fwd_2d/mistake/ln-unbiased-var/"))
    changed_key = "layer_norm/fwd_2d/out/" + mistake.rsplit("/", 1)[-1]
    dropped = "layer_norm/" + next(k for k in stored if k.startswith("bwd_2d/mistake/"))

    def changed_reference(key, a):
        return stored[mistake] if key == changed_key else a

    _copy_stored(tmp_path, changed_reference)
    proc = _run("-m", "grader", "sync", "--check", "--group", "layer_norm", "--data", str(tmp_path))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "fwd_2d/out/" in proc.stdout, proc.stdout

    for npz in tmp_path.glob("*.npz"):
        npz.unlink()
    _copy_stored(tmp_path, lambda key, a: a)
    with np.load(tmp_path / "layer_norm.npz", allow_pickle=False) as f:
        kept = {k: f[k] for k in f.files if f"layer_norm/{k}" != dropped}
    np.savez_compressed(tmp_path / "layer_norm.npz", **kept)
    proc = _run("-m", "grader", "sync", "--check", "--group", "layer_norm", "--data", str(tmp_path))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "missing from the file" in proc.stdout, proc.stdout


@pytest.mark.parametrize("group", PRESENT)
def test_solution_docstring_examples_run(group):
    module = importlib.import_module(f"solutions.{group}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} doctest example(s) failed in solutions/{group}.py"
    assert result.attempted > 0, f"solutions/{group}.py has no Example in its docstrings"


@pytest.mark.parametrize("group", PRESENT)
def test_stub_and_solution_have_the_same_public_api(group):
    sol = importlib.import_module(f"solutions.{group}")
    ex = importlib.import_module(f"exercises.{group}")
    public = {
        n
        for n in vars(sol)
        if not n.startswith("_") and getattr(vars(sol)[n], "__module__", "") == sol.__name__
    }
    missing = sorted(n for n in public if not hasattr(ex, n))
    assert not missing, f"exercises/{group}.py lacks {missing}"


@pytest.mark.slow
def test_stubs_fail_cleanly_as_not_implemented():
    """Every public test on the untouched stubs reports NOT IMPLEMENTED YET; none errors any other way."""
    proc = _run(
        "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not gpu", "--impl", "exercises"
    )
    tail = proc.stdout.strip().splitlines()[-1]
    assert proc.returncode == 1, proc.stdout[-3000:]
    counts = dict((w, int(n)) for n, w in re.findall(r"(\d+) (\w+)", tail))
    assert counts.get("notimpl", 0) > 0, tail
    others = {k: v for k, v in counts.items() if k not in ("notimpl", "deselected", "skipped")}
    assert not others, (
        f"stubs should only give NOT IMPLEMENTED YET, got: {tail}\n{proc.stdout[-3000:]}"
    )
    for group in PRESENT:
        assert re.search(rf"{group}\s+todo\s+0 /", proc.stdout), (
            f"scoreboard row for {group}:\n{proc.stdout[-2000:]}"
        )


@pytest.mark.slow
@pytest.mark.parametrize("group", [g for g in PRESENT if all_mutants(g)])
def test_every_mutant_fails_public_tests_with_its_hint(group):
    proc = _run("-m", "tests.kit.mutant_hints", group)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(rows) == len(all_mutants(group))
    silent = [r["mutant"] for r in rows if not r["failed"]]
    hintless = [
        f"{r['mutant']} (expects {r['hint']})" for r in rows if r["failed"] and not r["hint_shown"]
    ]
    assert not silent, f"mutants that pass every public test: {silent}"
    assert not hintless, f"mutants caught without their hint: {hintless}"
