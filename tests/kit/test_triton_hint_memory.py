"""The layer_norm_triton hint mutants and the reference stay inside their tensors on every hidden input.

Choosing a hint runs the group's hand-written mutants (grader/mutants/layer_norm_triton_*.py) in the trusted
grading process, through Triton's interpreter, on the failed case's inputs (grader/judging/evaluate.py case_verdict). The
interpreter does not bounds-check a load or store: a mutant whose mask or offsets reach past an allocation would
read or write the parent's heap. The inputs are the parent's own (hidden cases), so only a mutant's own bug can do
that; this test proves none has one. A child process runs the reference and every mutant on every CPU case (two
input draws) with the interpreter's loads and stores checked against the storages of the launch's tensors (an
access outside them is refused before it happens and recorded), and must exit with status 0. A control mutant
with an unmasked store shows the check catches an out-of-bounds write.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from grader import ROOT

pytestmark = [pytest.mark.kit, pytest.mark.slow]

GROUP = "layer_norm_triton"
CONTROL = "_control_unmasked_store"
CONTROL_PATCH = (
    (
        "tl.store(Y + cols, y.to(Y.dtype.element_ty), mask=mask)",
        "tl.store(Y + cols, y.to(Y.dtype.element_ty))",
    ),
)


class OutOfBounds(Exception):
    pass


def _install_bounds_check(violations: list[str]) -> None:
    """Patch Triton's interpreter: every masked-in address of a load or store must lie in the storage of a
    tensor argument of the running launch; otherwise record it and raise before the access."""
    import numpy as np
    from triton.runtime import interpreter as interp

    ranges: list[tuple[int, int]] = []
    init = interp.GridExecutor._init_args_hst

    def init_args(self, args_dev, kwargs):
        args_hst, kwargs_hst = init(self, args_dev, kwargs)
        ranges.clear()
        for arg in [*args_hst, *kwargs_hst.values()]:
            if hasattr(arg, "untyped_storage"):
                storage = arg.untyped_storage()
                ranges.append((storage.data_ptr(), storage.data_ptr() + storage.nbytes()))
        return args_hst, kwargs_hst

    def check(ptrs, mask, what: str) -> None:
        size = ptrs.get_element_ty().primitive_bitwidth // 8
        addr = np.asarray(ptrs.data, dtype=np.uint64)
        on = np.broadcast_to(np.asarray(mask.data, dtype=bool), addr.shape)
        addr = addr[on].astype(np.int64)
        inside = np.zeros(addr.shape, dtype=bool)
        for lo, hi in ranges:
            inside |= (addr >= lo) & (addr + size <= hi)
        if not inside.all():
            violations.append(f"{what} of {int((~inside).sum())} element(s) outside every tensor")
            raise OutOfBounds(violations[-1])

    load, store = (
        interp.InterpreterBuilder.create_masked_load,
        interp.InterpreterBuilder.create_masked_store,
    )

    def masked_load(self, ptrs, mask, other, cache_policy, is_volatile):
        check(ptrs, mask, "load")
        return load(self, ptrs, mask, other, cache_policy, is_volatile)

    def masked_store(self, ptrs, value, mask, cache_policy):
        check(ptrs, mask, "store")
        return store(self, ptrs, value, mask, cache_policy)

    interp.GridExecutor._init_args_hst = init_args
    interp.InterpreterBuilder.create_masked_load = masked_load
    interp.InterpreterBuilder.create_masked_store = masked_store


def _child() -> None:
    """Run in a fresh interpreter: print {module: [violations]} as JSON on the last line of stdout."""
    from types import ModuleType

    from grader.judging.cases import load_cases, runs
    from grader.judging.evaluate import call_driver, case_inputs, driver, quietly, reference_module
    from grader.mutants import all_mutants, apply_patch

    driver(GROUP, "kernels")  # sets TRITON_INTERPRET=1 before any kernel is defined
    violations: list[str] = []
    _install_bounds_check(violations)
    control = ModuleType(f"tests.kit._{CONTROL}")
    sys.modules[control.__name__] = control
    source = apply_patch((ROOT / "solutions" / f"{GROUP}.py").read_text(), CONTROL_PATCH)
    exec(compile(source, f"<{CONTROL}>", "exec"), control.__dict__)  # noqa: S102 - kit code
    modules = [("reference", reference_module(GROUP)), (CONTROL, control)]
    modules += [(m.name, m.load()) for m in all_mutants(GROUP)]
    found: dict[str, list[str]] = {}
    for name, module in modules:
        violations.clear()
        # one call per run: the cases that share one (a forward case and its _backward twin) get the same
        # inputs and outputs
        for case in [family[0] for family in runs(load_cases(GROUP)).values()]:
            if case.device != "cpu":
                continue
            for seed in (0, 1):
                inputs = case_inputs(GROUP, case, seed=seed, learner="memory-check")
                try:
                    with quietly():
                        call_driver(GROUP, case, module, inputs)
                except Exception:  # noqa: S112 - a mutant may raise; only its memory accesses matter
                    continue
        found[name] = [f"{v}" for v in violations]
    print(json.dumps(found))


def test_hint_mutants_never_access_out_of_bounds():
    pytest.importorskip("triton")
    from grader.mutants import all_mutants

    env = {**os.environ, "PYTHONPATH": str(ROOT), "TRITON_INTERPRET": "1"}
    code = "from tests.kit.test_triton_hint_memory import _child; _child()"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, f"exit status {done.returncode}: {done.stderr[-2000:]}"
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found.pop(CONTROL), "the bounds check missed the control's unmasked store"
    names = {"reference"} | {m.name for m in all_mutants(GROUP)}
    assert set(found) == names
    bad = {name: v for name, v in found.items() if v}
    assert not bad, f"out-of-bounds accesses: {bad}"
