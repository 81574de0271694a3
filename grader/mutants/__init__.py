"""Known misconceptions as patches over the reference: one file per mistake, never a copy of a solution.

A mutant file ``grader/mutants/<group>_<misconception>.py`` declares::

    '''What the learner got wrong, in one line.'''
    GROUP = "layer_norm"                 # the solutions/ module it patches
    HINT = "ln-unbiased-var"             # id in exercises/feedback/hints.py the learner must be shown
    LOSES = ("layer_norm",)              # groups that must lose points (selfcheck)
    PATCH = [(old, new), ...]            # each `old` must occur exactly once in solutions/<GROUP>.py

Its outputs on public inputs are stored by `grader sync` (tests/data/<group>.npz) to choose hints; the grader's
judge runs it on hidden inputs in the trusted parent for the same purpose.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

from grader import ROOT

MUTANT_DIR = Path(__file__).resolve().parent


class PatchError(ValueError):
    pass


@dataclass(frozen=True)
class Mutant:
    name: str
    group: str
    hint: str
    loses: tuple[str, ...]
    patch: tuple[tuple[str, str], ...]
    description: str

    def source(self) -> str:
        return apply_patch(
            (ROOT / "solutions" / f"{self.group}.py").read_text(), self.patch, self.name
        )

    def load(self) -> ModuleType:
        """The patched reference as a fresh module (trusted: runs in the parent or in pytest)."""
        return _load(self.name)


def apply_patch(source: str, patch: tuple[tuple[str, str], ...], name: str = "patch") -> str:
    for old, new in patch:
        count = source.count(old)
        if count != 1:
            raise PatchError(
                f"mutant {name}: {old!r} occurs {count} times in the reference (must be once)"
            )
        source = source.replace(old, new)
    return source


@cache
def _load(name: str) -> ModuleType:
    mutant = get_mutant(name)
    module_name = f"grader.mutants._loaded.{name}"
    module = ModuleType(module_name)
    module.__file__ = str(MUTANT_DIR / f"{name}.py")
    sys.modules[module_name] = module  # autograd.Function / dataclasses need a findable module
    code = compile(mutant.source(), f"<mutant {name}>", "exec")
    exec(code, module.__dict__)  # noqa: S102 - trusted kit code: the reference with a known patch
    return module


@cache
def get_mutant(name: str) -> Mutant:
    path = MUTANT_DIR / f"{name}.py"
    if not path.is_file():
        raise KeyError(f"no mutant named {name!r} in {MUTANT_DIR}")
    decl = importlib.import_module(f"grader.mutants.{name}")
    return Mutant(
        name=name,
        group=decl.GROUP,
        hint=decl.HINT,
        loses=tuple(getattr(decl, "LOSES", (decl.GROUP,))),
        patch=tuple(tuple(p) for p in decl.PATCH),
        description=(decl.__doc__ or "").strip().splitlines()[0] if decl.__doc__ else name,
    )


def all_mutants(group: str | None = None) -> list[Mutant]:
    names = sorted(p.stem for p in MUTANT_DIR.glob("*.py") if not p.stem.startswith("_"))
    mutants = [get_mutant(n) for n in names]
    return [m for m in mutants if group is None or m.group == group]
