"""Learner notebooks turned into the graded modules' sources, without running them.

A notebook's code cells, minus nbgrader test cells, IPython magics and shell lines, parsed (never executed); only
imports, definitions and plain assignments are kept, so a training loop or a plot in a cell does not run at
import. A cell with a syntax error is left out and reported. ``<group>.ipynb`` is that group's file; any other
notebook supplies every group whose functions it defines.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from grader import GROUPS
from grader.kit import reference_file

KEEP = (
    ast.Import,
    ast.ImportFrom,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Assign,
    ast.AnnAssign,
)


class NotebookError(ValueError):
    pass


def read_notebook(path: Path) -> dict:
    try:
        nb = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise NotebookError(f"{path.name} is not a valid notebook (not JSON: {exc})") from exc
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotebookError(f"{path.name} is not a valid notebook (no list of cells)")
    return nb


def _is_test_cell(cell: dict) -> bool:
    meta = (cell.get("metadata") or {}).get("nbgrader") or {}
    return bool(meta.get("grade")) and not meta.get("solution")


def _strip_magics(src: str) -> str:
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in src.splitlines()
    )


def notebook_code(nb: dict, name: str) -> tuple[str, list[str]]:
    """(module source, problems) from a notebook's code cells: definitions only, never run."""
    parts: list[str] = []
    futures: set[str] = set()  # `from __future__` lines must open the module
    problems: list[str] = []
    for i, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code" or _is_test_cell(cell):
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        src = _strip_magics(src)
        try:
            tree = ast.parse(src)
        except SyntaxError as exc:
            problems.append(
                f"{name}: code cell {i + 1} has a syntax error (line {exc.lineno}: {exc.msg}); "
                "it was left out"
            )
            continue
        kept = [node for node in tree.body if isinstance(node, KEEP)]
        for node in kept:
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                futures.add(ast.unparse(node))
        kept = [n for n in kept if not (isinstance(n, ast.ImportFrom) and n.module == "__future__")]
        if kept:
            parts.append(ast.unparse(ast.Module(body=kept, type_ignores=[])))
    return "\n\n".join(sorted(futures) + parts) + "\n", problems


def defined_names(source: str) -> set[str]:
    tree = ast.parse(source)
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


def group_api(group: str) -> set[str]:
    """Names a group's graded file defines (from the reference, read without importing it)."""
    names = defined_names(reference_file(group).read_text())
    return {n for n in names if not n.startswith("_")}


def notebook_sources(path: Path) -> tuple[dict[str, str], list[str]]:
    """{group: source} from one notebook: ``<group>.ipynb`` is that group's file; any other notebook supplies
    every group whose functions it defines."""
    nb = read_notebook(path)
    source, problems = notebook_code(nb, path.name)
    if path.stem in GROUPS:
        return {path.stem: source}, problems
    names = defined_names(source)
    found = {g: source for g in GROUPS if reference_file(g).exists() and names & group_api(g)}
    if not found:
        problems.append(
            f"{path.name}: no code for any exercise group (no function of any group is defined)"
        )
    return found, problems
