"""Forbidden APIs per exercise group: one table, a static check on the submitted source, names for the guard.

A learner must write the computation, not call it (SPEC.md, "Forbidden APIs"). Two layers enforce RULES:

- ``static_check(source, group)`` runs in the trusted parent on the submitted file's AST. It resolves import
  aliases (``import torch.nn.functional as F``, ``from torch.nn import init``), simple assignments
  (``ln = F.layer_norm``), ``getattr(x, "name")`` and ``importlib.import_module("...")`` with constant strings,
  and attributes each hit to the graded function it sits in (a private helper's hit is charged to the graded
  functions that call it).
- grader/guard.py refuses the same names at run time in the worker (wrapped callables, a TorchFunctionMode and,
  for aten-level names, a TorchDispatchMode), which also catches names built at run time.

A hit scores 0 for the cases of the function it is charged to, with "API not allowed: <name>".
Worker side too: standard library only, no other part of ``grader``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class Rules:
    """What graded code of one group must not use."""

    torch_free: bool = False  # no torch at all inside graded functions (numpy group)
    refs: tuple[str, ...] = ()  # dotted names (and everything under them) never to be used
    calls: tuple[
        str, ...
    ] = ()  # dotted names refused when called or subclassed (isinstance is fine)
    methods: tuple[
        str, ...
    ] = ()  # method names refused when called on anything (x.reset_parameters())
    aten: tuple[str, ...] = ()  # fragments of aten op names refused at dispatch level
    no_autograd_in: tuple[str, ...] = ()  # method names inside which autograd is refused
    code_files: tuple[str, ...] = ()  # torch source files whose functions graded code must not run
    why: str = ""  # shown after the refused name
    hint: str | None = None  # id in tests/hints.py shown with a refusal
    autograd_hint: str | None = None  # ... with a refusal of autograd inside backward

    def hint_for(self, api: str) -> str | None:
        if api in THREAD_STARTERS:
            return None
        return self.autograd_hint if "inside backward" in api else self.hint

    def why_for(self, api: str) -> str:
        return THREAD_WHY if api in THREAD_STARTERS else self.why

    @property
    def active(self) -> bool:
        return bool(
            self.torch_free
            or self.refs
            or self.calls
            or self.methods
            or self.aten
            or self.no_autograd_in
        )


# Refused in every group with rules when graded code calls them: torch's modes are per thread and a new thread's
# stack does not show the graded code that started it, so what it ran would go unchecked. Dotted names (the guard
# resolves each to its module or class and attribute); threading.Thread.start ends in threading._start_new_thread,
# an alias of _thread's (Python 3.13: the joinable ones).
THREAD_STARTERS = (
    "threading.Thread.start",
    "threading._start_new_thread",
    "threading._start_joinable_thread",
    "_thread.start_new_thread",
    "_thread.start_joinable_thread",
)
THREAD_WHY = "graded code runs on one thread: the checks cannot follow another"

AUTOGRAD = ("torch.autograd", "torch.enable_grad", "torch.set_grad_enabled", "torch.func")

RULES: dict[str, Rules] = {
    "layer_norm": Rules(torch_free=True, why="layer_norm is numpy only"),
    "layer_norm_torch": Rules(
        refs=(
            "torch.nn.functional.layer_norm",
            "torch.layer_norm",
            "torch.native_layer_norm",
            "torch.nn.functional.group_norm",
            "torch.group_norm",
            "torch.native_group_norm",
            "torch._C._nn.layer_norm",
            # layer norm too, given the right view of x: batch/instance norm of the transposed rows, RMS
            # norm of x - mean
            "torch.nn.functional.batch_norm",
            "torch.batch_norm",
            "torch.native_batch_norm",
            "torch.nn.functional.instance_norm",
            "torch.instance_norm",
            "torch.nn.functional.rms_norm",
            "torch.rms_norm",
            # torch's Python decompositions and references compute layer norm and its backward from
            # elementary ops (no layer_norm op reaches the dispatcher): refused by name and, when reached
            # some other way, by code file
            "torch._decomp",
            "torch._refs",
            "torch._prims",
        ),
        calls=(
            "torch.nn.LayerNorm",
            "torch.nn.GroupNorm",
            "torch.nn.modules.normalization.LayerNorm",
            "torch.nn.modules.normalization.GroupNorm",
            "torch.nn.modules.LayerNorm",
            "torch.nn.modules.GroupNorm",
        ),
        # = tests/checks.py TORCH_NORMALIZATIONS (a kit test keeps them equal); modules such as nn.BatchNorm1d
        # or nn.RMSNorm reach these ops too
        aten=("layer_norm", "group_norm", "batch_norm", "instance_norm", "rms_norm"),
        code_files=(
            "torch/_decomp/decompositions.py",
            "torch/_decomp/decompositions_for_jvp.py",
            "torch/_refs/__init__.py",
            "torch/_refs/nn/functional/__init__.py",
        ),
        no_autograd_in=("backward",),
        why="write the normalization yourself",
        hint="lnt-forbidden-api",
        autograd_hint="lnt-autograd-in-backward",
    ),
    "initializers": Rules(
        refs=("torch.nn.init",),
        methods=("reset_parameters",),
        code_files=("torch/nn/init.py",),
        why="write the initializer yourself",
    ),
    "histograms": Rules(),
    # the wrappers only allocate, reshape and launch: torch's normalizations and reductions would compute the
    # statistics or the weight gradients outside the kernels (tensor methods are refused at run time)
    "layer_norm_triton": Rules(
        refs=(
            "torch.nn.functional.layer_norm",
            "torch.layer_norm",
            "torch.native_layer_norm",
            "torch.nn.functional.group_norm",
            "torch.group_norm",
            "torch.nn.functional.batch_norm",
            "torch.batch_norm",
            "torch.nn.functional.instance_norm",
            "torch.nn.functional.rms_norm",
            "torch.rms_norm",
            "torch.sum",
            "torch.mean",
            "torch.var",
            "torch.std",
            "torch.var_mean",
            "torch.std_mean",
            "torch.nansum",
            "torch.nanmean",
            "torch.norm",
            "torch.linalg",
            "torch.einsum",
            "torch.matmul",
            "torch.mm",
            "torch.mv",
            "Tensor.sum",
            "Tensor.mean",
            "Tensor.var",
            "Tensor.std",
            "Tensor.norm",
            "Tensor.nansum",
            "Tensor.nanmean",
            "Tensor.matmul",
            "Tensor.mm",
            "Tensor.mv",
            "Tensor.__matmul__",
            "torch._decomp",
            "torch._refs",
        ),
        calls=("torch.nn.LayerNorm", "torch.nn.modules.normalization.LayerNorm"),
        aten=("layer_norm", "group_norm", "batch_norm", "instance_norm", "rms_norm"),
        why="compute it in your Triton kernels",
        hint="tri-forbidden-api",
    ),
}


def rules_for(group: str) -> Rules:
    return RULES.get(group, Rules())


@dataclass(frozen=True)
class Finding:
    api: str  # the forbidden name, e.g. "torch.nn.functional.layer_norm"
    line: int
    function: str  # graded function charged with it ("LayerNormFunction.backward", "<module>")
    hint: str | None = None  # id in tests/hints.py

    def message(self, why: str = "") -> str:
        tail = f" ({why})" if why else ""
        return f"API not allowed: {self.api} (line {self.line}, in {self.function}){tail}"


def matches(rules: Rules, dotted: str, *, called: bool = False) -> str | None:
    """The rule name ``dotted`` falls under, or None. A torch-free group refuses torch *calls* only
    (``isinstance(x, torch.Tensor)`` is not a computation)."""
    if rules.torch_free and called and (dotted == "torch" or dotted.startswith("torch.")):
        return dotted
    for ref in rules.refs:
        if dotted == ref or dotted.startswith(ref + "."):
            return dotted
    if dotted.startswith("torch.ops.") and any(a in dotted.rsplit(".", 1)[-1] for a in rules.aten):
        return dotted
    if dotted.startswith("torch.ops.") and any(f".{a}" in dotted for a in rules.aten):
        return dotted
    if called:
        for name in rules.calls:
            if dotted == name:
                return dotted
    return None


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
    charged = {f.function for f in findings}
    changed = True
    while changed:
        changed = False
        for func, names in checker.calls_of.items():
            if func in charged:
                continue
            for helper in list(charged):
                short = helper.split(".")[-1]
                if short in names and helper != "<module>":
                    src = next(f for f in findings if f.function == helper)
                    findings.append(Finding(src.api, src.line, func, src.hint))
                    charged.add(func)
                    changed = True
                    break
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
