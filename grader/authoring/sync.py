"""What `python -m grader sync [--check]` does (grader/verbs/sync.py): regenerate what is derived from solutions/.

- exercises/<group>.py: the stub made from solutions/<group>.py (grader/authoring/stubs.py);
- tests/data/<group>.npz: the inputs of every stored public case (``STORED`` in tests/test_<group>.py), the
  reference's outputs on them, and the outputs of each mutant of the group where they differ (for hints).

``--check`` writes nothing and exits 1 when a file is missing or differs (a kit test runs it), so a formula is
written once, in solutions/, and nothing derived from it can drift. Stubs are compared byte for byte; stored
values as numbers: floating-point values within the tolerance the public tests compare them with (a spec's
``tolerance``, else the dtype's), everything else exactly, so the check passes on a machine whose BLAS, LAPACK
or SIMD units round differently from the one that wrote the files, and fails on a changed reference. Without
``--check``, a file is rewritten only when it drifted.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader import GROUPS, ROOT


def sync(*, check: bool = False, group: str | None = None, data: Path | None = None) -> int:
    """Regenerate (``check``: compare) the stubs and stored values of ``group`` (every group by default),
    printing what was out of date; 1 when ``check`` found something out of date, else 0."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    data_dir = Path(data) if data else ROOT / "tests" / "data"
    stale: list[str] = []
    for g in [group] if group else GROUPS:
        if not (ROOT / "solutions" / f"{g}.py").exists():
            continue
        stale += _sync_stub(g, check) + _sync_stored(g, data_dir, check)
    if group is None:  # the main README's learner section, from the one learner README
        stale += _sync_readme(check)
    verb = "out of date" if check else "regenerated"
    for path in stale:
        print(f"sync: {path} {verb}")
    if check and stale:
        print("sync: run `python -m grader sync` and commit the result", file=sys.stderr)
        return 1
    if not stale:
        print("sync: everything up to date")
    return 0


def _sync_stub(group: str, check: bool) -> list[str]:
    """exercises/<group>.py as the stub of solutions/<group>.py, byte for byte."""
    from grader.authoring.stubs import make_stub

    stub_path = ROOT / "exercises" / f"{group}.py"
    stub = make_stub((ROOT / "solutions" / f"{group}.py").read_text(), group)
    if stub_path.exists() and stub_path.read_text() == stub:
        return []
    if not check:
        stub_path.write_text(stub)
    return [str(stub_path.relative_to(ROOT))]


def _sync_stored(group: str, data_dir: Path, check: bool) -> list[str]:
    """tests/data/<group>.npz against the values computed now, as numbers (StoredValues.drift)."""
    fresh = stored_values(group)
    if fresh is None:
        return []
    npz = data_dir / f"{group}.npz"
    problems = fresh.drift(npz)
    if not problems:
        return []
    if not check:
        npz.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(npz, **fresh.arrays)
    return [_shown(npz) + "".join(f"\n  {p}" for p in problems[:5])]


def _sync_readme(check: bool) -> list[str]:
    """README.md's learner section from grader/templates/README.learner.md (grader/authoring/course.py)."""
    from grader.authoring import course

    if not course.drifted():
        return []
    if not check:
        course.write()
    return ["README.md (learner section)"]


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


# A mutant's output is stored for the hints when it differs from the reference's beyond the dtype's
# tolerance. That decision is a threshold, so on another machine an output near it may land on the other
# side; the check accepts either where the output is within BORDERLINE times that tolerance of the reference
# (or within the tolerance the public tests compare it with): there, storing it or not changes no hint.
BORDERLINE = 10.0


@dataclass
class StoredValues:
    """A group's stored values as computed now: the npz contents, and how to compare them with a file."""

    arrays: dict[str, np.ndarray]
    tolerances: dict[str, tuple[float, float] | None]  # per npz key: (rtol, atol), or None: exact
    borderline: set[str]  # mistake keys that may be present or absent

    def drift(self, path: Path) -> list[str]:
        """What differs between the file and these values beyond their tolerance (empty: in sync)."""
        if not path.exists():
            return ["missing"]
        with np.load(path, allow_pickle=False) as f:
            old = {k: f[k] for k in f.files}
        problems = [
            f"{k}: {'only in the file' if k in old else 'missing from the file'}"
            for k in sorted(set(old) ^ set(self.arrays))
            if k not in self.borderline
        ]
        for key in sorted(set(old) & set(self.arrays)):
            why = _differs(old[key], self.arrays[key], self.tolerances.get(key))
            if why:
                problems.append(f"{key}: {why}")
        return problems


def _differs(old: np.ndarray, new: np.ndarray, tol: tuple[float, float] | None) -> str | None:
    from exercises.feedback.checks import mismatch

    if old.dtype != new.dtype:
        return f"dtype {old.dtype}, now {new.dtype}"
    if old.shape != new.shape:
        return f"shape {old.shape}, now {new.shape}"
    if tol is None or old.dtype.kind not in "fciu":
        return None if np.array_equal(old, new) else "values differ"
    return mismatch(old, new, *tol)


def _near(v: np.ndarray, e: np.ndarray, spec: Any, name: str) -> bool:
    """A mutant's output whose storing could go either way on another machine: not clearly the same as the
    reference's (beyond a BORDERLINE-th of the dtype's tolerance) but not clearly different either (within
    BORDERLINE times that tolerance, or within the tolerance the public tests compare it with)."""
    from exercises.feedback.checks import mismatch, tolerance

    if v.dtype != e.dtype or v.shape != e.shape or e.dtype.kind not in "fc":
        return False
    rtol, atol = tolerance(e.dtype)
    if mismatch(v, e, rtol / BORDERLINE, atol / BORDERLINE) is None:
        return False
    used = spec.tolerance_for(name, e.dtype) or (0.0, 0.0)
    wide = mismatch(v, e, BORDERLINE * rtol, BORDERLINE * atol) is None
    return wide or mismatch(v, e, *used) is None


def stored_values(group: str) -> StoredValues | None:
    """npz contents for ``group``: STORED specs run on the reference and on every mutant of the group."""
    try:
        tests = importlib.import_module(f"tests.test_{group}")
    except ModuleNotFoundError:
        return None
    specs = getattr(tests, "STORED", None)
    if not specs:
        return None
    from exercises.feedback.checks import tolerance
    from exercises.feedback.stored import flatten
    from grader.mutants import all_mutants

    reference = importlib.import_module(f"solutions.{group}")
    mutants = [(m.hint, m.load()) for m in all_mutants(group)]
    cases: dict[str, tuple[dict, dict, dict]] = {}
    tolerances: dict[str, tuple[float, float] | None] = {}
    borderline: set[str] = set()
    for name, spec in specs.items():
        inputs = spec.make()
        with _fixed_global_rngs():
            expected = _arrays(spec.run(reference, **_copy(inputs)))
        mistakes, unsure_keys = _mistakes(spec, name, inputs, expected, mutants)
        borderline |= unsure_keys
        cases[name] = ({k: np.asarray(v) for k, v in inputs.items()}, expected, mistakes)
        for kind, values in (("in", cases[name][0]), ("out", expected)):
            for k, v in values.items():
                # inputs are the tests' fixed arrays (read back from the file): float ones may round in
                # their last bit on another machine (a logspace goes through the C library's pow)
                tol = spec.tolerance_for(k, v.dtype) if kind == "out" else tolerance(v.dtype)
                tolerances[f"{name}/{kind}/{k}"] = tol if v.dtype.kind in "fciu" else None
        for hint, outs in mistakes.items():
            for k, v in outs.items():
                tolerances[f"{name}/mistake/{hint}/{k}"] = spec.tolerance_for(k, v.dtype)
    return StoredValues(flatten(cases), tolerances, borderline)


def _mistakes(
    spec: Any,
    name: str,
    inputs: dict[str, Any],
    expected: dict[str, np.ndarray],
    mutants: list[tuple[str, Any]],
) -> tuple[dict[str, dict[str, np.ndarray]], set[str]]:
    """(hint -> the outputs its first mutant changes on this stored case, the npz keys of mutant outputs that
    may be present or absent on another machine)."""
    from exercises.feedback.checks import mismatch
    from grader.judging.evaluate import quietly

    mistakes: dict[str, dict[str, np.ndarray]] = {}
    borderline: set[str] = set()
    unsure: set[str] = set()  # hints whose stored outputs could come from another of their mutants
    for hint, module in mutants:
        if hint in mistakes:
            continue
        try:
            with quietly(), _fixed_global_rngs():  # mutants take sqrt of negatives by design
                outs = _arrays(spec.run(module, **_copy(inputs)))
        except Exception:  # noqa: S112 - a mutant that raises on this case stores nothing
            continue
        changed = {
            k: v
            for k, v in outs.items()
            if k in expected
            and (v.dtype != expected[k].dtype or mismatch(v, expected[k]) is not None)
        }
        near = {k for k, v in outs.items() if k in expected and _near(v, expected[k], spec, k)}
        if changed:
            mistakes[hint] = changed
            borderline |= {f"{name}/mistake/{hint}/{k}" for k in near}
        elif near:  # on another machine this mutant might be the one stored under its hint
            unsure.add(hint)
    for hint in unsure & set(mistakes):
        borderline |= {f"{name}/mistake/{hint}/{k}" for k in expected}
    return mistakes, borderline


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
