"""Who reaches whom through names: the closure the static check (a forbidden API in a private helper charged to the
graded functions that call it, grader/judging/static_check.py) and the mutant scope (a patch in a helper reaching
the graded functions that call it, grader/judging/mutant_scope.py) both need. Written once here.

A *unit* is a top-level function, a method ("Class.method") or "<module>"; ``refs`` maps each unit to the names
its code uses. A unit is reached when it names a reached unit; "<module>" reaches nothing by name.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable

MODULE = "<module>"


def code_units(tree: ast.Module) -> list[tuple[int, int, str, ast.AST]]:
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


def used_names(node: ast.AST) -> set[str]:
    """Every name and attribute name ``node`` uses."""
    names: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            names.add(sub.id)
        elif isinstance(sub, ast.Attribute):
            names.add(sub.attr)
    return names


def last_name(unit: str) -> set[str]:
    """The name a caller uses for ``unit``: "helper" for "helper", "backward" for "Fn.backward"."""
    return {unit.split(".")[-1]}


def reach(
    refs: dict[str, set[str]],
    start: Iterable[str],
    names_of: Callable[[str], set[str]] = last_name,
) -> dict[str, str]:
    """Every unit reached from ``start``: unit -> the reached unit it names (a start unit -> itself), in the
    order reached. ``names_of(unit)``: the names by which code refers to ``unit``."""
    via = {unit: unit for unit in start}
    changed = True
    while changed:
        changed = False
        for unit, names in refs.items():
            if unit in via:
                continue
            for other in list(via):
                if other != MODULE and names_of(other) & names:
                    via[unit] = other
                    changed = True
                    break
    return via
