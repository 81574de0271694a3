"""Hidden cases: what to call in the learner's module, on which inputs, how to judge, for how many points.

A case is split across the trust boundary:

- ``make_inputs(rng)`` runs in the trusted parent and draws fresh inputs from a generator seeded by
  (--seed, learner, group, case -- or the ``shares`` key of cases that judge one run): reproducible for a regrade, different for every learner and from the public
  tests' fixed inputs.
- ``driver`` names a function in ``grader/inside/drivers/<group>.py``. Drivers are trusted adapters that run in the
  *worker*, next to the learner's module: ``driver(module, inputs, device) -> outputs``. They turn numpy inputs
  into the call the exercise expects (tensors, models, generators) and return plain data only: numpy arrays
  (bool, int32/64, float16/32/64; bfloat16 returned as float32, which is exact), Python scalars, strings, None,
  and lists/dicts of those. A forged reply can only claim outputs; claiming the right ones means computing them.
- ``judge(ctx) -> Verdict`` runs in the parent. ``ctx.reference`` is the same driver run in the parent on
  solutions/ with the same inputs; ``ctx.reference_for(inputs)`` runs it on other inputs (e.g. float64
  upcasts), ``ctx.mutants`` runs each mutant of the group (for the hint). The worker never sees the reference.

Inputs and outputs cross the wire as arrays and JSON (grader/inside/wire.py), never pickled.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Inputs = dict[str, Any]
Outputs = dict[str, Any]


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str = ""  # what was wrong, in the learner's terms; never the reference's values
    hint: str | None = None  # id in exercises/feedback/hints.py

    @classmethod
    def ok(cls, message: str = "") -> Verdict:
        return cls(True, message)


@dataclass(frozen=True)
class Case:
    name: str  # unique within the group; shown in feedback and results.json
    weight: float  # share of the group's points (grader/points.py)
    make_inputs: Callable[[np.random.Generator], Inputs]
    driver: str  # function name in grader/inside/drivers/<group>.py
    judge: Callable[[JudgeContext], Verdict]
    device: str = "cpu"  # "cuda": a GPU parity case (points only under --gpu on)
    functions: tuple[str, ...] = ()  # graded functions it calls (a refused API zeroes these)
    doc: str = ""  # one line for the feedback: what the case checks
    # cases with the same ``shares`` draw the same inputs and judge one run of the driver (the worker runs
    # it once): several verdicts on one expensive call, e.g. a training run. Default: the case's own name.
    shares: str = ""
    # the learner's functions the driver calls, finer than ``functions`` when a class is graded as one (e.g.
    # ("LayerNormFunction.forward",) for a forward-only call): after a call times out, only the cases calling
    # the function blamed for the hang are not run. Default: ``functions``.
    calls: tuple[str, ...] = ()

    @property
    def call_key(self) -> str:
        """Cases with equal call keys get the same inputs and the same outputs (one driver run)."""
        return f"{self.driver}\0{self.shares}" if self.shares else self.name

    @property
    def run_key(self) -> tuple[str, str]:
        """Cases with equal run keys (call key and device) are judged on one run of the driver: the first of them
        in the table makes the call, the others take its inputs and outputs."""
        return self.call_key, self.device


@dataclass(frozen=True)
class Freedom:
    """A latitude the docstring (solutions/<group>.py, the contract) gives on purpose: any value there is right.

    A hidden file may list them as ``FREEDOMS``. ``python -m grader audit`` counts a mutant that survives the
    hidden suite and changes nothing but a freed spot as "equivalent by contract (reason)": not a wrong answer,
    so not a survivor (a mutant there that the suite kills stays killed). Never a place to hide a gap: ``reason``
    quotes the docstring's words that allow it, and the docstring must say so to the learner.
    """

    function: str  # a top-level function or "Class.method" of solutions/<group>.py
    # where in it: "figsize=" the value of that keyword at any call; "rng.normal()" every argument of the calls
    # to it; anything else a Python expression, written as ast.unparse writes it ("sign * 4.0")
    where: str
    reason: str


def load_freedoms(group: str) -> list[Freedom]:
    return list(getattr(importlib.import_module(f"grader.hidden.{group}"), "FREEDOMS", ()))


@dataclass
class JudgeContext:
    group: str
    case: Case
    inputs: Inputs
    outputs: Outputs  # the learner's, as decoded from the worker's reply (untrusted plain data)
    run_reference: Callable[[Inputs], Outputs]  # driver on solutions/ in the parent, on CPU
    run_mutants: Callable[
        [Inputs], dict[str, Outputs]
    ]  # hint id -> outputs (mutants that raise: left out)
    _cache: dict[int, Any] = field(default_factory=dict, repr=False)

    @property
    def reference(self) -> Outputs:
        return self.reference_for(self.inputs)

    @property
    def mutants(self) -> dict[str, Outputs]:
        key = ("mutants", id(self.inputs))
        if key not in self._cache:
            self._cache[key] = self.run_mutants(self.inputs)
        return self._cache[key]

    def reference_for(self, inputs: Inputs) -> Outputs:
        key = ("reference", id(inputs))
        if key not in self._cache:
            self._cache[key] = self.run_reference(inputs)
        return self._cache[key]


def runs(cases: list[Case]) -> dict[tuple[str, str], list[Case]]:
    """``cases`` grouped by run key, in table order: each group is judged on the run of its first case."""
    out: dict[tuple[str, str], list[Case]] = {}
    for case in cases:
        out.setdefault(case.run_key, []).append(case)
    return out


def upcast64(inputs: Inputs) -> Inputs:
    """The inputs with every floating array as float64 (and a "dtype" entry, if any, set to float64); the same
    dict when they already are, so that ``ctx.reference_for(upcast64(ctx.inputs))`` reuses ``ctx.reference``."""
    if inputs.get("dtype", "float64") == "float64" and not any(
        isinstance(v, np.ndarray) and v.dtype.kind == "f" and v.dtype != np.float64
        for v in inputs.values()
    ):
        return inputs
    out = {
        k: v.astype(np.float64) if isinstance(v, np.ndarray) and v.dtype.kind == "f" else v
        for k, v in inputs.items()
    }
    if "dtype" in out:
        out["dtype"] = "float64"
    return out


def load_cases(group: str) -> list[Case]:
    module = importlib.import_module(f"grader.hidden.{group}")
    cases = list(module.CASES)
    names = [c.name for c in cases]
    if len(set(names)) != len(names):
        raise ValueError(f"grader/hidden/{group}.py: duplicate case names")
    return cases


def case_seed(seed: int, learner: str, group: str, case: str) -> int:
    digest = hashlib.sha256(f"{seed}\0{learner}\0{group}\0{case}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def case_rng(seed: int, learner: str, group: str, case: str) -> np.random.Generator:
    return np.random.default_rng(case_seed(seed, learner, group, case))
