"""The trust boundary is a folder: grader/inside/ is everything that runs in the untrusted worker, copied whole
into the worker's stage, and it imports nothing from the trusted side of ``grader``."""

from __future__ import annotations

import ast
from pathlib import Path

from grader import ROOT
from grader.run.local import INSIDE, STAGED_PACKAGE, make_stage

TRUSTED_PACKAGES = ("grader", "solutions", "exercises", "tests")


def _imports(path: Path) -> list[tuple[str, int]]:
    """(absolute module name, or '.' * level + name for a relative import, line) of every import."""
    out: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            out.append(("." * node.level + (node.module or ""), node.lineno))
    return out


def test_nothing_inside_imports_the_trusted_side() -> None:
    files = sorted(INSIDE.rglob("*.py"))
    assert len(files) > 5
    bad = []
    for path in files:
        for name, line in _imports(path):
            top = name.split(".")[0]
            if top in TRUSTED_PACKAGES:
                bad.append(f"{path.relative_to(ROOT)}:{line}: import {name}")
            if name.startswith("..") and path.parent == INSIDE:
                bad.append(
                    f"{path.relative_to(ROOT)}:{line}: import {name} (outside grader/inside/)"
                )
            if name.startswith("...") and path.parent.parent == INSIDE:
                bad.append(
                    f"{path.relative_to(ROOT)}:{line}: import {name} (outside grader/inside/)"
                )
    assert not bad, "\n".join(bad)


def test_the_stage_holds_grader_inside_and_nothing_else() -> None:
    stage = make_stage()
    try:
        pkg = stage.pkg_root / STAGED_PACKAGE
        staged = {str(p.relative_to(pkg)) for p in pkg.rglob("*") if p.is_file()} | {
            str(p.relative_to(stage.pkg_root)) for p in stage.pkg_root.iterdir() if p.is_file()
        }
        inside = {
            str(p.relative_to(INSIDE))
            for p in INSIDE.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
        }
        assert staged == inside
        assert sorted(p.name for p in stage.pkg_root.iterdir()) == [STAGED_PACKAGE]
        for rel in inside:
            assert (pkg / rel).read_bytes() == (INSIDE / rel).read_bytes(), rel
    finally:
        stage.cleanup()
