"""Leak check for a student bundle: no solution code, hidden cases, mutants or variants in it.

A solution *body* is found by structure, not text: every solution region of solutions/<group>.py is parsed, its
statements normalised (docstrings dropped, every identifier and constant replaced by a placeholder numbered in
order of appearance, so renaming variables or reformatting does not hide it) and searched for in every function
and module body of every .py file and notebook code cell of the bundle, as a run of consecutive statements.

A stub must not carry its reference's answer in prose either (``reference_material``): every distinctive
expression a solution region computes or its comments write (as plain-text math: ``a.mean(axis=1)`` reads as
``mean(a)``), and every run of SHINGLE words of its comments (the reference's implementation plan), is searched
for in the bundle's exercises/; the reference's formulas anywhere else in the bundle only inside the hint levels
that ``--max-hint-level`` keeps, and no text of a level above it at all. grader/authoring/leakterms.py adds the backward
pass term by term: no term of dx and no staged local derivative in any learner text.
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader import ROOT
from grader.authoring.formulas import canonical
from grader.authoring.formulas import comment_formulas as _comment_formulas
from grader.authoring.formulas import distinctive as _distinctive
from grader.authoring.formulas import statements_within as _statements_within
from grader.authoring.stubs import regions

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


def check(bundle: Path, root: Path = ROOT, max_hint_level: int | None = None) -> list[Leak]:
    from grader.authoring import leakterms

    leaks: list[Leak] = _hint_level_leaks(bundle, max_hint_level)
    leaks += [  # the backward pass term by term (grader/authoring/leakterms.py)
        Leak(f.where, f"{f.needle.kind} '{f.needle.expr}' ({f.needle.label})")
        for f in leakterms.check(bundle, root)
    ]
    for rel in FORBIDDEN_PATHS:
        if (bundle / rel).exists():
            leaks.append(Leak(rel, "instructor-only path present"))
    for path in bundle.rglob("*"):
        # a hidden case table (grader/hidden/<group>.py) copied anywhere
        hidden = path.name.startswith("test_hidden") or path.parent.name == "hidden"
        if "mutant" in path.name or "variant" in path.name or hidden:
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


def _hint_level_leaks(bundle: Path, cap: int | None) -> list[Leak]:
    """The stubs carry no reference formula or plan; with a cap, no text of a hint level above it is anywhere in
    the bundle, and the reference's formulas appear only in the hint levels the cap keeps."""
    from exercises.feedback.hint_levels import LEVELS

    refs = reference_material()
    allowed = {" ".join(t.split()) for texts in LEVELS.values() for t in texts[: cap or None]}
    hidden = [
        (ex_id, level, " ".join(t.split()))
        for ex_id, texts in LEVELS.items()
        for level, t in enumerate(texts, start=1)
        if cap is not None and level > cap
    ]
    leaks = []
    for path in sorted(bundle.rglob("*")):
        if not path.is_file() or path.suffix not in (
            ".py",
            ".md",
            ".ipynb",
            ".txt",
            ".toml",
            ".cfg",
        ):
            continue
        rel = str(path.relative_to(bundle))
        text = path.read_text(errors="replace")
        strings = [text]
        if path.suffix == ".py":
            try:
                strings += [
                    n.value
                    for n in ast.walk(ast.parse(text))
                    if isinstance(n, ast.Constant) and isinstance(n.value, str)
                ]
            except SyntaxError:
                pass
        flat = " ".join(" ".join(strings).split())
        for ex_id, level, t in hidden:
            if t[:80] in flat:
                leaks.append(
                    Leak(rel, f"hint level {level} of {ex_id} (above --max-hint-level {cap})")
                )
        if rel.startswith("exercises/") and rel != "exercises/feedback/hint_levels.py":
            found = reference_in(text, refs)
        else:  # hint levels the cap keeps may give the compact result; nothing else may
            if path.suffix == ".py":
                try:
                    tree = _DropStrings(allowed).visit(ast.parse(text))
                    text = ast.unparse(tree)
                except SyntaxError:
                    pass
            found = [f for f in reference_in(text, refs) if ": formula " in f]
        leaks += [Leak(rel, f"reference {f}") for f in found if not _allowed_reference(f)]
    return leaks


class _DropStrings(ast.NodeTransformer):
    def __init__(self, drop: set[str]) -> None:
        self.drop = drop

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, str) and " ".join(node.value.split()) in self.drop:
            return ast.copy_location(ast.Constant(value=""), node)
        return node


# Reference formulas a stub may carry: they are the specification of the exercise, not its derivation. (None
# now: the leaky_relu gain, once allowed as torch's documented formula, is the learner's to derive.)
ALLOWED_REFERENCE: dict[str, str] = {}


def _allowed_reference(found: str) -> bool:
    return any(found.endswith(f"formula {f}") for f in ALLOWED_REFERENCE)


# --- the reference's distinctive expressions and plan, which a stub must never carry -----------------------------

SHINGLE = (
    8  # this many consecutive words of a comment in a solution region count as the reference's plan
)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9_]+", text.lower())


@dataclass(frozen=True)
class Reference:
    """What the reference of one exercise says that its stub must not: formulas and plan phrases."""

    ex_id: str
    formulas: frozenset[str]
    shingles: frozenset[tuple[str, ...]]


def reference_material(root: Path = ROOT) -> list[Reference]:
    """Per exercise region of solutions/: the canonical form of every distinctive expression its code computes or
    its comments write, and every SHINGLE-word run of its comments (the reference's implementation plan)."""
    import io
    import tokenize

    refs = []
    for path in sorted((root / "solutions").glob("*.py")):
        if path.name == "__init__.py":
            continue
        source = path.read_text()
        tree = ast.parse(source)
        comments: dict[int, str] = {}
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.string.lstrip("#").strip()
        for begin, end, ex_id, _ in regions(source):
            if not ex_id:
                continue
            formulas: set[str] = set()
            for stmt in _statements_within(tree, begin + 1, end + 1):
                for node in ast.walk(stmt):
                    value = getattr(node, "value", None)
                    if (
                        isinstance(node, ast.Assign | ast.AugAssign | ast.Return)
                        and value is not None
                    ):
                        if (form := _distinctive(value)) is not None:
                            formulas.add(form)
            text = " ".join(comments[i] for i in sorted(comments) if begin + 1 < i < end + 1)
            formulas.update(_comment_formulas(text))
            words = _words(text)
            shingles = {tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
            refs.append(Reference(ex_id, frozenset(formulas), frozenset(shingles)))
    return refs


def reference_in(text: str, refs: list[Reference]) -> list[str]:
    """What of the reference material ``text`` (a stub, a bundle file) carries, one line per find."""
    flat = "".join(text.split()).lower()
    try:
        flat += "\n" + "\n".join(
            canonical(n)
            for n in ast.walk(ast.parse(textwrap.dedent(text)))
            if isinstance(n, ast.expr)
        )
    except SyntaxError:
        pass
    words = _words(text)
    runs = {tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
    found = []
    for ref in refs:
        found += [f"{ref.ex_id}: formula {f}" for f in sorted(ref.formulas) if f in flat]
        found += [f"{ref.ex_id}: plan '{' '.join(s)}'" for s in sorted(ref.shingles & runs)[:1]]
    return found
