"""Which graded functions a mutant changes, so a failed case runs only the mutants that can explain it.

Choosing a hint runs the group's mutants on the failed case's inputs (grader/judging/evaluate.py). A mutant whose
patch lies in functions the case never calls gives the reference's outputs and explains nothing; for groups
whose cases train models, running it anyway multiplies the judge's cost by the number of mutants.

``touched(group, mutant)`` maps each patched region of solutions/<group>.py to its top-level function or
method ("f", "Class.method"), then adds every top-level function or method that refers to a touched one by
name (to a fixpoint): a patch in a private helper reaches the graded functions that call it. A patch outside
any function touches "<module>", which is relevant to every case.
"""

from __future__ import annotations

import ast
from functools import cache

from grader.judging.callgraph import MODULE, code_units, reach, used_names
from grader.judging.static_check import charged_to
from grader.kit import reference_file


@cache
def _scopes(group: str) -> dict[str, frozenset[str]]:
    from grader.mutants import all_mutants

    source = reference_file(group).read_text()
    units = code_units(ast.parse(source))
    refs = {name: used_names(node) for _, _, name, node in units}
    out: dict[str, frozenset[str]] = {}
    for m in all_mutants(group):
        touched: set[str] = set()
        for old, _ in m.patch:
            pos = source.find(old)
            if pos < 0:
                touched.add("<module>")
                continue
            first = source.count("\n", 0, pos) + 1
            last = first + old.count("\n")
            hit = {name for lo, hi, name, _ in units if lo <= last and first <= hi}
            touched |= hit or {"<module>"}
        if MODULE not in touched:  # "<module>" concerns every case already
            touched |= set(reach(refs, touched, _names))
        out[m.name] = frozenset(touched)
    return out


def _names(unit: str) -> set[str]:
    """A unit is referred to by its last name or (a method) by its class's name."""
    return {unit.split(".")[-1], unit.split(".")[0]}


def touched(group: str, mutant: str) -> frozenset[str]:
    return _scopes(group).get(mutant, frozenset({"<module>"}))


def relevant(group: str, mutant: str, functions: tuple[str, ...]) -> bool:
    """Can ``mutant`` change what a case calling ``functions`` returns? (True when unsure.)"""
    scope = touched(group, mutant)
    if not functions or "<module>" in scope:
        return True
    return any(charged_to(t, functions) for t in scope)
