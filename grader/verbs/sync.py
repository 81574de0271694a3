"""`python -m grader sync [--check]`: regenerate what is derived from solutions/.

- exercises/<group>.py: the stub made from solutions/<group>.py (grader/stubs.py);
- tests/data/<group>.npz: the inputs of every stored public case (``STORED`` in tests/test_<group>.py), the
  reference's outputs on them, and the outputs of each mutant of the group where they differ (for hints).

``--check`` writes nothing and exits 1 when a file is missing or differs (a kit test runs it), so a formula is
written once, in solutions/, and nothing derived from it can drift.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from grader import GROUPS, ROOT


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = main.__kwdefaults__
    parser.add_argument(
        "--check",
        action="store_true",
        default=d["check"],
        help="write nothing; exit 1 if a generated file is missing or out of date",
    )
    parser.add_argument(
        "--group", choices=GROUPS, default=d["group"], help="only this exercise group"
    )


def main(*, check: bool = False, group: str | None = None) -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")
    from grader.stubs import make_stub

    stale: list[str] = []
    for g in [group] if group else GROUPS:
        solution = ROOT / "solutions" / f"{g}.py"
        if not solution.exists():
            continue
        stub_path = ROOT / "exercises" / f"{g}.py"
        stub = make_stub(solution.read_text(), g)
        if not stub_path.exists() or stub_path.read_text() != stub:
            stale.append(str(stub_path.relative_to(ROOT)))
            if not check:
                stub_path.write_text(stub)
        stored = stored_values(g)
        if stored is None:
            continue
        npz = ROOT / "tests" / "data" / f"{g}.npz"
        if not _same_npz(npz, stored):
            stale.append(str(npz.relative_to(ROOT)))
            if not check:
                npz.parent.mkdir(parents=True, exist_ok=True)
                np.savez_compressed(npz, **stored)
    verb = "out of date" if check else "regenerated"
    for path in stale:
        print(f"sync: {path} {verb}")
    if check and stale:
        print("sync: run `python -m grader sync` and commit the result", file=sys.stderr)
        return 1
    if not stale:
        print("sync: everything up to date")
    return 0


def stored_values(group: str) -> dict[str, np.ndarray] | None:
    """npz contents for ``group``: STORED specs run on the reference and on every mutant of the group."""
    from grader.evaluate import quietly

    try:
        tests = importlib.import_module(f"tests.test_{group}")
    except ModuleNotFoundError:
        return None
    specs = getattr(tests, "STORED", None)
    if not specs:
        return None
    from exercises.feedback.checks import mismatch
    from exercises.feedback.stored import flatten
    from grader.mutants import all_mutants

    reference = importlib.import_module(f"solutions.{group}")
    mutants = [(m.hint, m.load()) for m in all_mutants(group)]
    cases: dict[str, tuple[dict, dict, dict]] = {}
    for name, spec in specs.items():
        inputs = spec.make()
        with _fixed_global_rngs():
            expected = _arrays(spec.run(reference, **_copy(inputs)))
        mistakes: dict[str, dict[str, np.ndarray]] = {}
        for hint, module in mutants:
            try:
                with quietly(), _fixed_global_rngs():  # mutants take sqrt of negatives by design
                    outs = _arrays(spec.run(module, **_copy(inputs)))
            except Exception:  # noqa: S112 - a mutant that raises on this case stores nothing
                continue
            changed = {
                k: v
                for k, v in outs.items()
                if k in expected
                and (mismatch(v, expected[k]) is not None or v.dtype != expected[k].dtype)
            }
            if changed and hint not in mistakes:
                mistakes[hint] = changed
        cases[name] = ({k: np.asarray(v) for k, v in inputs.items()}, expected, mistakes)
    return flatten(cases)


@contextlib.contextmanager
def _fixed_global_rngs() -> Iterator[None]:
    """One run with the global RNGs seeded and torch on one thread, both restored after it: the stored values
    are the same whatever ran before in this process and however many cores the machine has (a mutant that
    ignores its generator draws from the global RNGs; float32 sums change in the last bits with the thread
    count, which can move a borderline mutant output in or out of the stored mistakes). numpy's legacy global
    RNG is the one such code would use."""
    state = np.random.get_state()  # noqa: NPY002
    np.random.seed(0)  # noqa: NPY002
    torch = sys.modules.get("torch")  # the numpy group never imports it
    threads = torch.get_num_threads() if torch else 0
    try:
        with torch.random.fork_rng(devices=[]) if torch else contextlib.nullcontext():
            if torch:
                torch.manual_seed(0)
                torch.set_num_threads(1)
            yield
    finally:
        np.random.set_state(state)  # noqa: NPY002
        if torch:
            torch.set_num_threads(threads)


def _copy(inputs: dict[str, Any]) -> dict[str, Any]:
    import copy

    return copy.deepcopy(inputs)


def _arrays(outputs: dict[str, Any]) -> dict[str, np.ndarray]:
    from exercises.feedback.checks import as_numpy

    return {
        k: as_numpy(v) if as_numpy(v) is not None else np.asarray(v) for k, v in outputs.items()
    }


def _same_npz(path: Path, stored: dict[str, np.ndarray]) -> bool:
    """Same keys, dtypes and shapes, values equal to a few ulps (stored values may differ in the last bit
    between machines whose SIMD units sum in another order)."""
    if not path.exists():
        return False
    with np.load(path, allow_pickle=False) as old:
        if set(old.files) != set(stored):
            return False
        for key, new in stored.items():
            a = old[key]
            if a.dtype != new.dtype or a.shape != new.shape:
                return False
            if np.issubdtype(a.dtype, np.floating):
                rtol = {2: 2e-3, 4: 1e-5, 8: 1e-12}[a.dtype.itemsize]
                if not np.allclose(a, new, rtol=rtol, atol=rtol, equal_nan=True):
                    return False
            elif not np.array_equal(a, new):
                return False
    return True
