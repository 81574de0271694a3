"""Stored public cases: fixed inputs, the reference's outputs, and the outputs of known mistakes.

Each public test module declares ``STORED = {case_name: Spec(make, run)}``: ``make()`` builds the fixed inputs
(deterministic), ``run(module, **inputs)`` calls the learner-facing API and returns a dict of numpy arrays.
The kit runs every spec on the reference and on each known mistake of the group and stores the outputs in
``tests/data/<group>.npz``; the tests compare against that file.

npz keys: ``<case>/in/<name>``, ``<case>/out/<name>`` and ``<case>/mistake/<hint-id>/<name>`` (a mistake's
outputs, kept only where they differ from the reference's).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from exercises.feedback.checks import tolerance

DATA_DIR = Path(__file__).resolve().parents[2] / "tests" / "data"


Tolerance = tuple[float, float]  # (rtol, atol), as in numpy.allclose


@dataclass(frozen=True)
class Spec:
    """One stored public case.

    ``tolerance`` says how the public tests compare these outputs with a learner's where that is not the
    dtype's default (``checks.TOLERANCES``): one ``(rtol, atol)`` for every output, or ``{name: (rtol, atol)}``
    per output, where a name may also be the part after the last "." of an output's name (``"gram_diag"``
    covers ``"wide.gram_diag"``). A tolerance given by name applies to integer outputs too (counts of a
    histogram after a float32 training run). Stored values are checked against fresh ones with the same
    tolerance: a value that rounds differently on another machine is no change, and a real change is.
    """

    make: Callable[[], dict[str, Any]]
    run: Callable[..., dict[str, np.ndarray]]
    tolerance: Tolerance | Mapping[str, Tolerance] | None = None

    def tolerance_for(self, name: str, dtype: Any) -> Tolerance | None:
        """(rtol, atol) for output ``name`` of ``dtype``; None: compare exactly (integers, bools, strings)."""
        t = self.tolerance
        if isinstance(t, Mapping):
            found = t.get(name, t.get(name.rsplit(".", 1)[-1]))
            if found is not None:
                return found
        elif t is not None and np.dtype(dtype).kind in "fc":
            return t
        return tolerance(dtype) if np.dtype(dtype).kind in "fc" else None


@dataclass(frozen=True)
class Stored:
    name: str
    inputs: dict[str, np.ndarray]
    expected: dict[str, np.ndarray]
    mistakes: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    def args(self) -> dict[str, np.ndarray]:
        """Fresh copies of the inputs: a learner's in-place bug must not leak into the next test."""
        return copy.deepcopy(dict(self.inputs))

    def shape(self, name: str) -> tuple[int, ...]:
        return tuple(self.inputs[name].shape)


def npz_path(group: str) -> Path:
    return DATA_DIR / f"{group}.npz"


@cache
def load(group: str) -> dict[str, Stored]:
    path = npz_path(group)
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: the stored values come with the exercises (ask your instructor for "
            "tests/data/)"
        )
    raw: dict[str, dict[str, Any]] = {}
    with np.load(path, allow_pickle=False) as f:
        for key in f.files:
            case, kind, *rest = key.split("/")
            entry = raw.setdefault(case, {"in": {}, "out": {}, "mistake": {}})
            if kind == "mistake":
                entry["mistake"].setdefault(rest[0], {})[rest[1]] = f[key]
            else:
                entry[kind][rest[0]] = f[key]
    return {case: Stored(case, e["in"], e["out"], e["mistake"]) for case, e in sorted(raw.items())}


def flatten(cases: dict[str, tuple[dict, dict, dict[str, dict]]]) -> dict[str, np.ndarray]:
    """{case: (inputs, outputs, {hint: outputs})} -> npz keys (how the stored values are written)."""
    flat: dict[str, np.ndarray] = {}
    for case, (inputs, outputs, mistakes) in cases.items():
        for name, value in inputs.items():
            flat[f"{case}/in/{name}"] = np.asarray(value)
        for name, value in outputs.items():
            flat[f"{case}/out/{name}"] = np.asarray(value)
        for hint, outs in mistakes.items():
            for name, value in outs.items():
                flat[f"{case}/mistake/{hint}/{name}"] = np.asarray(value)
    return flat
