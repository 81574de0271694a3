"""The static half of the forbidden-API check, in the trusted parent on the submitted file's AST.

The rules (one table per exercise group) live with the runtime guard in grader/inside/forbidden.py, so the
worker reads the same table; this module resolves import aliases, simple assignments, ``getattr`` and
``importlib.import_module`` with constant strings, and charges each hit to the graded function it sits in.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from grader.inside.forbidden import AUTOGRAD, Rules, matches, rules_for
from grader.judging.callgraph import reach


@dataclass(frozen=True)
class Finding:
    api: str  # the forbidden name, e.g. "torch.nn.functional.layer_norm"
    line: int
    function: str  # graded function charged with it ("LayerNormFunction.backward", "<module>")
    hint: str | None = None  # id in exercises/feedback/hints.py

    def message(self, why: str = "") -> str:
        tail = f" ({why})" if why else ""
        return f"API not allowed: {self.api} (line {self.line}, in {self.function}){tail}"


# --- static check -------------------------------------------------------------------------------------


class _Checker(ast.NodeVisitor):
    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.aliases: dict[str, str] = {}
        self.stack: list[str] = []  # enclosing class/def names
        self.findings: list[Finding] = []
        self.calls_of: dict[str, set[str]] = {}  # charged function -> names it references

    # where we are
    def _charged(self) -> str:
        """The graded function a node is charged to: "f", "Class.method", or "<module>"."""
        if not self.stack:
            return "<module>"
        first = self.stack[0]
        if first.startswith("class:"):
            cls = first.removeprefix("class:")
            if len(self.stack) > 1:
                return f"{cls}.{self.stack[1].removeprefix('def:').removeprefix('class:')}"
            return cls
        return first.removeprefix("def:")

    def _in_function(self) -> bool:
        return any(s.startswith("def:") for s in self.stack)

    def _in_method(self, names: tuple[str, ...]) -> bool:
        return any(s.startswith("def:") and s.removeprefix("def:") in names for s in self.stack)

    def _hit(self, api: str, node: ast.AST) -> None:
        line = getattr(node, "lineno", 0)
        self.findings.append(Finding(api, line, self._charged(), self.rules.hint_for(api)))

    # names
    def resolve(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            first = node.args[0]
            # getattr(obj, "name")
            if (
                isinstance(func, ast.Name)
                and func.id == "getattr"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
            ):
                base = self.resolve(first)
                return f"{base}.{node.args[1].value}" if base else None
            # importlib.import_module("a.b") / __import__("a.b")
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                fname = self.resolve(func) or (func.id if isinstance(func, ast.Name) else "")
                if fname in ("importlib.import_module", "__import__"):
                    return first.value
        return None

    # imports
    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            if a.asname:
                self.aliases[a.asname] = a.name
            else:
                top = a.name.split(".")[0]
                self.aliases[top] = top
            self._check_name(a.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module:
            return
        for a in node.names:
            full = f"{node.module}.{a.name}" if a.name != "*" else f"{node.module}.*"
            if a.name != "*":
                self.aliases[a.asname or a.name] = full
            self._check_name(full.removesuffix(".*"), node, star=a.name == "*")

    def _check_name(self, dotted: str, node: ast.AST, star: bool = False) -> None:
        hit = matches(
            self.rules, dotted
        )  # importing is harmless in a torch-free group; calling is not
        if hit:
            self._hit(hit + (".*" if star else ""), node)

    # structure
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for base in node.bases:
            dotted = self.resolve(base)
            if dotted and matches(self.rules, dotted, called=True):
                self._hit(dotted, base)
        for deco in node.decorator_list:
            self.visit(deco)
        self.stack.append(f"class:{node.name}")
        for stmt in node.body:
            self.visit(stmt)
        self.stack.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for deco in node.decorator_list:
            self.visit(deco)
        self.visit(node.args)
        self.stack.append(f"def:{node.name}")
        for stmt in node.body:
            self.visit(stmt)
        self.stack.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)
        dotted = self.resolve(node.value)
        if dotted:
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.aliases[target.id] = dotted

    # uses
    def visit_Call(self, node: ast.Call) -> None:
        dotted = self.resolve(node)
        if dotted is None:
            dotted_func = self.resolve(node.func)
            if dotted_func and self._use_counts():
                hit = matches(self.rules, dotted_func, called=True)
                if hit:
                    self._hit(hit, node)
                    self._visit_args(node)
                    return
        elif self._use_counts():
            hit = matches(self.rules, dotted, called=True)
            if hit:
                self._hit(hit, node)
                self._visit_args(node)
                return
        if isinstance(node.func, ast.Attribute) and self._in_function():
            if node.func.attr in self.rules.methods:
                self._hit(f".{node.func.attr}()", node)
            if self.rules.no_autograd_in and self._in_method(self.rules.no_autograd_in):
                if node.func.attr == "backward":
                    self._hit(".backward() inside backward", node)
        self.generic_visit(node)

    def _visit_args(self, node: ast.Call) -> None:
        for arg in node.args:
            self.visit(arg)
        for kw in node.keywords:
            self.visit(kw)

    def _use_counts(self) -> bool:
        return self._in_function() or not self.rules.torch_free

    def visit_Attribute(self, node: ast.Attribute) -> None:
        dotted = self.resolve(node)
        if dotted and self._use_counts():
            hit = matches(self.rules, dotted)
            if hit:
                self._hit(hit, node)
                return
            if self._autograd_here(dotted):
                self._hit(f"{dotted} inside backward", node)
                return
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if self.stack:
            self.calls_of.setdefault(self._charged(), set()).add(node.id)
        dotted = self.aliases.get(node.id)
        if dotted is None or not isinstance(node.ctx, ast.Load):
            return
        hit = None if self.rules.torch_free else matches(self.rules, dotted)
        if hit:
            self._hit(hit, node)
        elif self._autograd_here(dotted):
            self._hit(f"{dotted} inside backward", node)

    def _autograd_here(self, dotted: str) -> bool:
        return bool(
            self.rules.no_autograd_in
            and self._in_method(self.rules.no_autograd_in)
            and any(dotted == a or dotted.startswith(a + ".") for a in AUTOGRAD)
        )


def static_check(
    source: str | bytes, group: str, *, tree: ast.Module | None = None
) -> list[Finding]:
    """Forbidden names used by the graded functions of ``source`` (parsed, never run).

    A hit inside a private helper is also charged to every top-level function or method that references the
    helper by name, so it reaches the cases of the graded functions that call it. Raises SyntaxError
    (and ValueError for NUL bytes) like ``ast.parse``; ``tree``: the source already parsed.
    """
    rules = rules_for(group)
    tree = tree if tree is not None else ast.parse(source)
    if not rules.active:
        return []
    checker = _Checker(rules)
    checker.visit(tree)
    findings = list(dict.fromkeys(checker.findings))
    # charge helpers' hits to their callers (simple name references, to a fixpoint)
    first: dict[str, Finding] = {}
    for f in findings:
        first.setdefault(f.function, f)
    for func, helper in reach(checker.calls_of, first).items():
        if func not in first:
            src = first[func] = first[helper]
            findings.append(Finding(src.api, src.line, func, src.hint))
    return findings


def charged_to(function: str, case_functions: tuple[str, ...]) -> bool:
    """Does a hit charged to ``function`` concern a case that calls ``case_functions``?

    Names match when equal or when one is the other's class ("LayerNormFunction" vs
    "LayerNormFunction.backward"); a hit at module level ("<module>") concerns no case by itself.
    """
    for name in case_functions:
        if function == name or function.startswith(name + ".") or name.startswith(function + "."):
            return True
    return False


def refusals_charged(
    group: str, case_functions: tuple[str, ...], refused: list[dict]
) -> list[dict]:
    """The run-time refusals of one run (the worker's guard reports the API and the outermost graded function it
    was called from) that concern a case calling ``case_functions``: those charged to one of them, and those the
    group's case table can charge to no graded function at all (a refusal that cannot be placed costs every case
    of the run). A refusal in a method that only another case of the run judges spares this case: SPEC, "a
    refused call scores 0 for that function" (e.g. LayerNorm.forward's refusal and the parameters case that
    shares its run). A case naming no functions is charged with every refusal."""
    if not case_functions:
        return list(refused)
    from grader.judging.cases import load_cases

    graded = tuple(dict.fromkeys(f for c in load_cases(group) for f in c.functions))
    out = []
    for r in refused:
        fn = str(r.get("function", "")) if isinstance(r, dict) else ""
        if charged_to(fn, case_functions) or not charged_to(fn, graded):
            out.append(r)
    return out
