"""How the leak checks read a formula: code and prose turned into one plain-text math.

Used by grader/authoring/leakcheck.py (the reference's distinctive expressions and plan) and
grader/authoring/leakterms.py (the backward pass term by term): ``canonical`` rewrites an expression as a
docstring would write it, ``comment_formulas`` finds ``name = expression`` formulas in prose, and
``statements_within`` picks a solution region's statements out of a module.
"""

from __future__ import annotations

import ast
import re


def statements_within(tree: ast.AST, first: int, last: int) -> list[ast.stmt]:
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


# Calls that do not change what a formula says (dtype casts, views), dropped when a formula is canonicalised.
_TRANSPARENT = {
    "astype",
    "to",
    "reshape",
    "view",
    "flatten",
    "unsqueeze",
    "float",
    "double",
    "contiguous",
}
MIN_OPS = (
    4  # an expression with this many operators and calls, over 2 names or more, is distinctive
)


class Math(ast.NodeTransformer):
    """Rewrite code into the plain-text math of a docstring: ``a.mean(axis=1)`` and ``np.mean(a)`` -> ``mean(a)``,
    casts and views dropped, keyword arguments dropped, integral floats as ints."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr in _TRANSPARENT:
                return func.value
            root = func.value
            while isinstance(root, ast.Attribute):
                root = root.value
            module = isinstance(root, ast.Name) and root.id in ("np", "torch", "math", "F", "nn")
            args = node.args if module else [func.value, *node.args]
            return ast.Call(func=ast.Name(id=func.attr, ctx=ast.Load()), args=args, keywords=[])
        if isinstance(func, ast.Name) and func.id in ("float", "int") and len(node.args) == 1:
            return node.args[0]  # float(fan_in + fan_out) reads as fan_in + fan_out
        return ast.Call(func=func, args=node.args, keywords=[])

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, float) and node.value.is_integer():
            return ast.Constant(value=int(node.value))
        return node


def ops(tree: ast.AST) -> tuple[int, int]:
    ops = sum(isinstance(n, ast.BinOp | ast.UnaryOp | ast.Call) for n in ast.walk(tree))
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return ops, len(names)


def canonical(expr: ast.expr) -> str:
    """An expression as whitespace-free, lower-case plain-text math."""
    import copy

    tree = ast.fix_missing_locations(Math().visit(copy.deepcopy(expr)))
    return "".join(ast.unparse(tree).split()).lower()


def distinctive(expr: ast.expr) -> str | None:
    tree = Math().visit(ast.parse(ast.unparse(expr), mode="eval").body)
    n_ops, n_names = ops(tree)
    return canonical(expr) if n_ops >= MIN_OPS and n_names >= 2 else None


def comment_formulas(comment: str) -> list[str]:
    """Distinctive ``name = expression`` formulas written in prose (comments): the longest expression that
    parses after each ``=``."""
    found = []
    for m in re.finditer(r"(?<![=<>!])=(?!=)", comment):
        tail = comment[m.end() : m.end() + 240]
        for end in range(len(tail), 0, -1):
            try:
                expr = ast.parse(tail[:end].strip(), mode="eval").body
            except SyntaxError:
                continue
            parts = expr.elts if isinstance(expr, ast.Tuple) else [expr]
            found += [f for f in map(distinctive, parts) if f is not None]
            break
    return found
