"""Leak check for a student bundle: no solution code, hidden cases, mutants or variants in it.

A solution *body* is found by structure, not text: every solution region of solutions/<group>.py is parsed, its
statements normalised (docstrings dropped, every identifier and constant replaced by a placeholder numbered in
order of appearance, so renaming variables or reformatting does not hide it) and searched for in every function
and module body of every .py file and notebook code cell of the bundle, as a run of consecutive statements.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader import ROOT
from grader.stubs import regions

FORBIDDEN_PATHS = (
    "solutions",
    "grader",
    "tests/kit",
)
WINDOW = 4  # a run of this many consecutive solution statements in a bundle body counts as a leak


@dataclass(frozen=True)
class Leak:
    path: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}: {self.what}"


class _Normalise(ast.NodeTransformer):
    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def _canon(self, name: str) -> str:
        return self.names.setdefault(name, f"v{len(self.names)}")

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.copy_location(ast.Name(id=self._canon(node.id), ctx=ast.Load()), node)

    def visit_arg(self, node: ast.arg) -> ast.AST:
        return ast.copy_location(ast.arg(arg=self._canon(node.arg)), node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        return ast.copy_location(
            ast.Attribute(value=node.value, attr=node.attr, ctx=ast.Load()), node
        )

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return ast.copy_location(ast.Constant(value=type(node.value).__name__), node)


def normalise(stmts: list[ast.stmt]) -> list[str]:
    body = [
        s
        for s in stmts
        if not (
            isinstance(s, ast.Expr)
            and isinstance(s.value, ast.Constant)
            and isinstance(s.value.value, str)
        )
    ]
    out = []
    for stmt in body:
        out.append(
            ast.dump(
                _Normalise().visit(ast.parse(ast.unparse(stmt)).body[0]), include_attributes=False
            )
        )
    return out


def solution_runs(root: Path = ROOT) -> list[tuple[str, list[str]]]:
    """(label, normalised statements) of every solution region's top-level statement list."""
    runs = []
    for path in sorted((root / "solutions").glob("*.py")):
        if path.name == "__init__.py":
            continue
        source = path.read_text()
        tree = ast.parse(source)
        for begin, end, ex_id, _ in regions(source):
            stmts = _statements_within(tree, begin + 1, end + 1)
            if stmts:
                runs.append(
                    (f"solutions/{path.name} region {ex_id or '(helpers)'}", normalise(stmts))
                )
    return runs


def _statements_within(tree: ast.AST, first: int, last: int) -> list[ast.stmt]:
    """The outermost statements that lie wholly between lines first..last (1-based)."""
    found: list[ast.stmt] = []

    def visit(node: ast.AST) -> None:
        for field in ("body", "orelse", "finalbody", "handlers"):
            for child in getattr(node, field, []) or []:
                if not isinstance(child, ast.stmt):
                    visit(child)
                    continue
                if first <= child.lineno and child.end_lineno <= last:
                    found.append(child)
                elif child.lineno <= last and child.end_lineno >= first:
                    visit(child)

    visit(tree)
    return found


def _bodies(tree: ast.AST) -> Iterator[list[ast.stmt]]:
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            value = getattr(node, field, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                yield value


def _sources(bundle: Path) -> Iterator[tuple[str, str]]:
    for path in sorted(bundle.rglob("*")):
        rel = str(path.relative_to(bundle))
        if path.suffix == ".py":
            yield rel, path.read_text(errors="replace")
        elif path.suffix == ".ipynb":
            try:
                nb = json.loads(path.read_text())
            except ValueError:
                continue
            for i, cell in enumerate(nb.get("cells", [])):
                if cell.get("cell_type") == "code":
                    src = cell.get("source", "")
                    yield f"{rel} cell {i}", "".join(src) if isinstance(src, list) else src


def _contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def public_cases(group: str, root: Path = ROOT) -> set[str]:
    """Names of the public stored cases of a group: the keys of STORED in tests/test_<group>.py."""
    if not (root / "tests" / f"test_{group}.py").exists():
        return set()
    import importlib

    return set(getattr(importlib.import_module(f"tests.test_{group}"), "STORED", {}))


def check(bundle: Path, root: Path = ROOT) -> list[Leak]:
    leaks: list[Leak] = []
    for rel in FORBIDDEN_PATHS:
        if (bundle / rel).exists():
            leaks.append(Leak(rel, "instructor-only path present"))
    for path in bundle.rglob("*"):
        if "mutant" in path.name or "variant" in path.name or path.name.startswith("test_hidden"):
            leaks.append(Leak(str(path.relative_to(bundle)), "mutant/variant/hidden file present"))
    needles = []
    for label, stmts in solution_runs(root):
        if len(stmts) <= WINDOW:
            needles.append((label, stmts)) if len(stmts) >= 2 else None
        else:
            needles.extend((label, stmts[i : i + WINDOW]) for i in range(len(stmts) - WINDOW + 1))
    for rel, source in _sources(bundle):
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        bodies = [normalise(b) for b in _bodies(tree)]
        for label, needle in needles:
            if any(_contains(body, needle) for body in bodies):
                leaks.append(Leak(rel, f"contains code of {label}"))
                break
    for npz in bundle.rglob("*.npz"):
        group = npz.stem
        allowed = public_cases(group, root)
        with np.load(npz, allow_pickle=False) as f:
            stored = {k.split("/")[0] for k in f.files}
        extra = sorted(stored - allowed)
        if extra:
            leaks.append(
                Leak(str(npz.relative_to(bundle)), f"stores cases that are not public: {extra}")
            )
    return leaks
