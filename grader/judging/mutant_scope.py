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

from grader import ROOT
from grader.judging.static_check import charged_to


def _units(tree: ast.Module) -> list[tuple[int, int, str, ast.AST]]:
    """(first line, last line, name, node) of every top-level function and every method."""
    out = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            out.append((node.lineno, node.end_lineno or node.lineno, node.name, node))
        elif isinstance(node, ast.ClassDef):
            methods = [
                n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
            ]
            for m in methods:
                out.append((m.lineno, m.end_lineno or m.lineno, f"{node.name}.{m.name}", m))
            if not methods:
                out.append((node.lineno, node.end_lineno or node.lineno, node.name, node))
    return out


def _refs(node: ast.AST) -> set[str]:
    names: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            names.add(sub.id)
        elif isinstance(sub, ast.Attribute):
            names.add(sub.attr)
    return names


@cache
def _scopes(group: str) -> dict[str, frozenset[str]]:
    from grader.mutants import all_mutants

    source = (ROOT / "solutions" / f"{group}.py").read_text()
    units = _units(ast.parse(source))
    refs = {name: _refs(node) for _, _, name, node in units}
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
        changed = True
        while changed and "<module>" not in touched:
            changed = False
            short = {t.split(".")[-1] for t in touched} | {t.split(".")[0] for t in touched}
            for name, used in refs.items():
                if name not in touched and used & short:
                    touched.add(name)
                    changed = True
        out[m.name] = frozenset(touched)
    return out


def touched(group: str, mutant: str) -> frozenset[str]:
    return _scopes(group).get(mutant, frozenset({"<module>"}))


def relevant(group: str, mutant: str, functions: tuple[str, ...]) -> bool:
    """Can ``mutant`` change what a case calling ``functions`` returns? (True when unsure.)"""
    scope = touched(group, mutant)
    if not functions or "<module>" in scope:
        return True
    return any(charged_to(t, functions) for t in scope)
