"""Automatic AST mutants of solutions/<group>.py for `python -m grader audit`.

Each mutant changes ONE node inside a solution region (the learner's part; shared scaffolding is not mutated):

- arith:     + <-> -, * <-> /, ** 2 -> ** 1            - const:  a number c -> c * 100 (eps 1e-5 -> 1e-3),
- drop:      a + b / a - b -> a (a dropped term)                 0 <-> 1, other c -> c + 1, True <-> False
- reduce:    sum <-> mean, max <-> min                   - axis:   axis=/dim= value -> 0, or -> -1
- keepdims:  keepdims=True -> False                      - ddof:   var/std calls get ddof=1 / unbiased=True
- sqrt:      sqrt(e) -> e                                - swap:   return (a, b, ...) with two items swapped
- copy:      copy=False <-> True, .copy()/.clone() dropped, out-of-place op -> in-place (x - y -> x.__isub__)
- compare:   < <-> <=, > <-> >=, == <-> !=
- ignored:   an argument ignored: every use of a parameter (in the solution regions of its function) replaced
             by its default value; or a parameter passed along at a call dropped (a keyword ``f(..., k=p)``, or
             the last positional argument of a call into a function or class of the module), so the callee's
             default applies

Mutants are produced as source text (ast.unparse of the mutated module), named ``<op>@<line>:<col>``.
"""

from __future__ import annotations

import ast
import copy
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from grader.authoring.stubs import regions

REDUCE_SWAP = {
    "sum": "mean",
    "mean": "sum",
    "max": "min",
    "min": "max",
    "amax": "amin",
    "amin": "amax",
}
ARITH_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
CMP_SWAP = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
}


@dataclass(frozen=True)
class AstMutant:
    name: str  # "<op>@<line>:<col>"
    description: str
    source: str
    line: int
    # (line, col, end line, end col) of the mutated node in the original source: what the mutant changes lies
    # inside it (the audit's contract freedoms are matched against it)
    span: tuple[int, int, int, int] = (0, 0, 0, 0)


def _in_regions(node: ast.AST, spans: list[tuple[int, int]]) -> bool:
    line = getattr(node, "lineno", None)
    return line is not None and any(a < line < b for a, b in spans)


def _sites(
    tree: ast.Module, spans: list[tuple[int, int]]
) -> Iterator[tuple[str, str, ast.AST, Callable]]:
    """(op, description, node, apply) for every mutation site; apply(node) mutates a copy's node in place
    and returns True if it changed something."""
    for node in ast.walk(tree):
        if not _in_regions(node, spans):
            continue
        if isinstance(node, ast.BinOp):
            if type(node.op) in ARITH_SWAP:
                new = ARITH_SWAP[type(node.op)]
                yield "arith", f"{type(node.op).__name__} -> {new.__name__}", node, _set("op", new)
            if isinstance(node.op, (ast.Add, ast.Sub)):
                yield "drop", "drop the right-hand term", node, _replace_with("left")
                yield "drop", "drop the left-hand term", node, _replace_with("right")
            if isinstance(node.op, ast.Pow):
                yield "arith", "x ** k -> x", node, _replace_with("left")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool)
        ):
            v = node.value
            for new in _const_changes(v):
                yield "const", f"{v!r} -> {new!r}", node, _set("value", new)
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            yield "const", f"{node.value} -> {not node.value}", node, _set("value", not node.value)
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in CMP_SWAP:
            new = CMP_SWAP[type(node.ops[0])]
            yield "compare", f"{type(node.ops[0]).__name__} -> {new.__name__}", node, _set_ops(new)
        elif isinstance(node, ast.Call):
            yield from _call_sites(node)
        elif (
            isinstance(node, ast.Return)
            and isinstance(node.value, ast.Tuple)
            and len(node.value.elts) >= 2
        ):
            for i in range(len(node.value.elts) - 1):
                yield "swap", f"swap returned items {i} and {i + 1}", node, _swap(i)


def _const_changes(v: float) -> list[float]:
    if v == 0:
        return [1]
    if v == 1:
        return [0, 2]
    if isinstance(v, float) and 0 < abs(v) < 1e-2:
        return [v * 100]
    return [v + 1]


def _call_sites(node: ast.Call) -> Iterator[tuple[str, str, ast.AST, Callable]]:
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    if name in REDUCE_SWAP:
        yield "reduce", f"{name} -> {REDUCE_SWAP[name]}", node, _rename_call(REDUCE_SWAP[name])
    if name == "sqrt" and node.args:
        yield "sqrt", "sqrt(e) -> e", node, _unwrap_call
    if name in ("var", "std", "var_mean", "std_mean"):
        if not any(k.arg in ("ddof", "unbiased", "correction") for k in node.keywords):
            yield "ddof", f"{name}(...) -> {name}(..., ddof=1)", node, _add_kw("ddof", 1)
    if name in ("copy", "clone") and isinstance(node.func, ast.Attribute) and not node.args:
        yield "copy", f".{name}() dropped", node, _unwrap_attr_call
    for i, kw in enumerate(node.keywords):
        if kw.arg in ("axis", "dim"):
            for new in (0, -1):
                yield "axis", f"{kw.arg}=... -> {kw.arg}={new}", node, _set_kw(i, new)
        if kw.arg == "keepdims" and isinstance(kw.value, ast.Constant) and kw.value.value is True:
            yield "keepdims", "keepdims=True -> False", node, _set_kw(i, False)
        if kw.arg == "copy" and isinstance(kw.value, ast.Constant):
            yield (
                "copy",
                f"copy={kw.value.value} -> {not kw.value.value}",
                node,
                _set_kw(i, not kw.value.value),
            )


# --- appliers: each takes the node in a deep-copied tree and mutates it --------------------------------


def _set(attr: str, value) -> Callable:
    def apply(node: ast.AST, parent_fix: Callable) -> None:
        setattr(node, attr, value() if isinstance(value, type) else value)

    return apply


def _set_ops(op_type) -> Callable:
    def apply(node: ast.Compare, parent_fix: Callable) -> None:
        node.ops = [op_type()]

    return apply


def _replace_with(child: str) -> Callable:
    def apply(node: ast.AST, parent_fix: Callable) -> None:
        parent_fix(getattr(node, child))

    return apply


def _unwrap_call(node: ast.Call, parent_fix: Callable) -> None:
    parent_fix(node.args[0])


def _unwrap_attr_call(node: ast.Call, parent_fix: Callable) -> None:
    parent_fix(node.func.value)


def _rename_call(new: str) -> Callable:
    def apply(node: ast.Call, parent_fix: Callable) -> None:
        if isinstance(node.func, ast.Attribute):
            node.func.attr = new
        else:
            node.func.id = new

    return apply


def _add_kw(name: str, value) -> Callable:
    def apply(node: ast.Call, parent_fix: Callable) -> None:
        node.keywords.append(ast.keyword(arg=name, value=ast.Constant(value)))

    return apply


def _set_kw(i: int, value) -> Callable:
    def apply(node: ast.Call, parent_fix: Callable) -> None:
        node.keywords[i].value = ast.Constant(value)

    return apply


def _swap(i: int) -> Callable:
    def apply(node: ast.Return, parent_fix: Callable) -> None:
        elts = node.value.elts
        elts[i], elts[i + 1] = elts[i + 1], elts[i]

    return apply


def _locate(tree: ast.AST, index: int) -> tuple[ast.AST, Callable]:
    """The index-th node of ast.walk(tree) and a function that replaces it in its parent."""
    nodes = list(ast.walk(tree))
    target = nodes[index]
    for parent in nodes:
        for field, value in ast.iter_fields(parent):
            if value is target:
                return target, lambda new, p=parent, f=field: setattr(p, f, new)
            if isinstance(value, list) and any(v is target for v in value):
                k = next(j for j, v in enumerate(value) if v is target)
                return target, lambda new, lst=value, k=k: lst.__setitem__(k, new)
    return target, lambda new: None


class _Module:
    """A module's source as ast.unparse writes it, one top-level statement at a time: a mutant copies and
    unparses only the statement it changes (the whole module's deepcopy and unparse per mutant dominated)."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        first = tree.body[0]
        self.head = ast.unparse(ast.Module([first], []))
        self.chunks = [self.head] + [self._chunk(st) for st in tree.body[1:]]
        self.where: dict[int, tuple[int, int]] = {}  # id(node) -> (statement, index in its walk)
        for i, statement in enumerate(tree.body):
            for k, node in enumerate(ast.walk(ast.Module([statement], []))):
                self.where.setdefault(id(node), (i, k))

    def _chunk(self, statement: ast.stmt) -> str:
        """What ast.unparse writes for ``statement`` after the first one (a blank line before a def, ...)."""
        return ast.unparse(ast.Module([self.tree.body[0], statement], []))[len(self.head) :]

    def mutated(self, node: ast.AST, apply: Callable) -> str:
        """The module's text with ``apply`` done on a copy of ``node`` (as ast.unparse of a mutated copy of the
        whole module writes it)."""
        i, k = self.where[id(node)]
        holder = ast.Module([copy.deepcopy(self.tree.body[i])], [])
        target, parent_fix = _locate(holder, k)
        apply(target, parent_fix)
        ast.fix_missing_locations(holder)
        if i == 0:
            return ast.unparse(ast.Module([*holder.body, *self.tree.body[1:]], []))
        chunk = "".join(self._chunk(st) for st in holder.body)
        return "".join([*self.chunks[:i], chunk, *self.chunks[i + 1 :]])


def generate(source: str) -> list[AstMutant]:
    """Every single-site mutant of the solution regions of ``source`` (deduplicated by resulting source)."""
    tree = ast.parse(source)
    spans = [(b + 1, e + 1) for b, e, _, _ in regions(source)]
    module = _Module(tree)
    original = "".join(module.chunks)
    seen: set[str] = {original}
    out: list[AstMutant] = []
    for op, description, node, apply in [*_sites(tree, spans), *_argument_sites(tree, spans)]:
        try:
            text = module.mutated(node, apply)
            with warnings.catch_warnings():  # a mutant calling None: its SyntaxWarning is no news
                warnings.simplefilter("ignore", SyntaxWarning)
                compile(text, "<mutant>", "exec")
        except (SyntaxError, ValueError, TypeError, AttributeError):
            continue
        if text in seen:
            continue
        seen.add(text)
        line, col = getattr(node, "lineno", 0), getattr(node, "col_offset", 0)
        span = (line, col, getattr(node, "end_lineno", line), getattr(node, "end_col_offset", col))
        out.append(AstMutant(f"{op}@{line}:{col}", description, text, line, span))
    return out


# --- "argument ignored" -------------------------------------------------------------------------------


def _argument_sites(
    tree: ast.Module, spans: list[tuple[int, int]]
) -> Iterator[tuple[str, str, ast.AST, Callable]]:
    """The "ignored" operator's sites: a parameter with a default replaced by it wherever the function's solution
    regions read it; a parameter passed along at a call (keyword, or last positional argument into a function or
    class of this module) dropped, so the callee's own default applies."""
    defs = {
        n.name: n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        params = _params_with_defaults(fn.args)
        names = {a.arg for a in (*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs)}
        for name, default in params.items():
            try:
                value = ast.literal_eval(default)
            except ValueError:
                continue
            if not _reads(fn, name, spans):
                continue
            yield (
                "ignored",
                f"{fn.name}: argument {name} ignored (always {value!r})",
                fn,
                _param_to_default(name, value, spans),
            )
        for call in ast.walk(fn):
            if not isinstance(call, ast.Call) or not _in_regions(call, spans):
                continue
            for i, kw in enumerate(call.keywords):
                if isinstance(kw.value, ast.Name) and kw.value.id in names:
                    yield (
                        "ignored",
                        f"{fn.name}: {kw.arg}={kw.value.id} not passed on (the callee's default)",
                        call,
                        _drop_keyword(i),
                    )
            callee = _callee_root(call.func)
            if (
                call.args
                and isinstance(call.args[-1], ast.Name)
                and call.args[-1].id in names
                and _has_default(defs.get(callee), call)
            ):
                yield (
                    "ignored",
                    f"{fn.name}: {call.args[-1].id} not passed on to {callee} (the callee's default)",
                    call,
                    _drop_last_arg,
                )


def _params_with_defaults(args: ast.arguments) -> dict[str, ast.expr]:
    positional = [*args.posonlyargs, *args.args]
    out = {
        a.arg: d
        for a, d in zip(
            positional[len(positional) - len(args.defaults) :], args.defaults, strict=True
        )
    }
    out.update(
        {a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None}
    )
    return out


def _has_default(callee: ast.AST | None, call: ast.Call) -> bool:
    """Does the module's function ``callee`` have a default for the last positional argument of ``call``?"""
    if not isinstance(callee, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    positional = [*callee.args.posonlyargs, *callee.args.args]
    shift = 1 if isinstance(call.func, ast.Attribute) else 0  # self.m(...): self is the first
    index = len(call.args) - 1 + shift
    return len(positional) - len(callee.args.defaults) <= index < len(positional)


def _reads(fn: ast.AST, name: str, spans: list[tuple[int, int]]) -> bool:
    return any(
        isinstance(n, ast.Name)
        and n.id == name
        and isinstance(n.ctx, ast.Load)
        and _in_regions(n, spans)
        for n in ast.walk(fn)
    )


def _callee_root(func: ast.expr) -> str:
    """The name of the module's function a call goes to: f(...) -> f, self.m(...) -> m."""
    if isinstance(func, ast.Name):
        return func.id
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "self"
    ):
        return func.attr
    return ""


def _param_to_default(name: str, value, spans: list[tuple[int, int]]) -> Callable:
    def apply(fn: ast.AST, parent_fix: Callable) -> None:
        for node in ast.walk(fn):
            for field, child in ast.iter_fields(node):
                if _is_read(child, name, spans):
                    setattr(node, field, ast.Constant(value))
                elif isinstance(child, list):
                    for k, item in enumerate(child):
                        if _is_read(item, name, spans):
                            child[k] = ast.Constant(value)

    return apply


def _is_read(node, name: str, spans: list[tuple[int, int]]) -> bool:
    return (
        isinstance(node, ast.Name)
        and node.id == name
        and isinstance(node.ctx, ast.Load)
        and _in_regions(node, spans)
    )


def _drop_keyword(i: int) -> Callable:
    def apply(node: ast.Call, parent_fix: Callable) -> None:
        del node.keywords[i]

    return apply


def _drop_last_arg(node: ast.Call, parent_fix: Callable) -> None:
    node.args.pop()
