"""Learner notebooks turned into the graded modules' sources, without running them.

A notebook's code cells, minus the kit's own cells, IPython magics and shell lines, parsed (never executed); only
imports, definitions and plain assignments are kept, so a training loop or a plot in a cell does not run at
import. A cell with a syntax error is left out and reported. ``<group>.ipynb`` is that group's file; any other
notebook supplies every group whose functions it defines.

Which cells, read from their nbgrader metadata: what the learner wrote (solution cells, and cells without nbgrader
metadata -- every code cell of a plain notebook, or one the learner added to a course notebook) and what it needs
(the course's locked set-up cells: imports, constants). Never the kit's own cells: nbgrader's test cells (the
hidden checks) and the locked public-checks cell (grade_id ``<group>-public``, grader/authoring/nbgrader_course.py),
or any locked cell that imports the kit -- graded code runs where the kit cannot be imported.
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


PUBLIC_CHECKS_SUFFIX = "-public"  # grade_id of the course's public-checks cell: "<group>-public"
KIT_PACKAGE = "grader"


def _nbgrader_meta(cell: dict) -> dict:
    meta = cell.get("metadata")
    meta = meta.get("nbgrader") if isinstance(meta, dict) else None
    return meta if isinstance(meta, dict) else {}


def _imports_kit(src: str) -> bool:
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            roots = [(node.module or "").split(".")[0]]
        else:
            continue
        if KIT_PACKAGE in roots:
            return True
    return False


def is_kit_cell(cell: dict, src: str) -> bool:
    """A cell the kit put in a course notebook to check the learner, never part of the graded module: an
    nbgrader test cell, or a locked cell that is no set-up (the public checks; any that imports the kit)."""
    meta = _nbgrader_meta(cell)
    if not meta or meta.get("solution"):
        return False  # the learner's own code
    if meta.get("grade"):
        return True
    if meta.get("locked"):
        grade_id = str(meta.get("grade_id", ""))
        return grade_id.endswith(PUBLIC_CHECKS_SUFFIX) or _imports_kit(src)
    return False


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
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        if is_kit_cell(cell, src):
            continue
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
