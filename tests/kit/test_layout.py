"""The grader's layout, checked: the trust boundary is a folder (grader/inside/ imports nothing from the trusted side of
``grader``), the trusted side is a pipeline of folders whose modules import each other without a cycle (counting
the imports inside functions: a cycle kept alive by a lazy import is still one), the executors declare the seam
they implement, and the lists of exercise groups kept outside the grader are the grader's."""

from __future__ import annotations

import ast
import inspect
import tomllib
from pathlib import Path

import pytest

from grader import GROUPS, ROOT
from grader.run.stage import INSIDE, STAGED_PACKAGE, make_stage

TRUSTED_PACKAGES = ("grader", "solutions", "exercises", "tests")
GRADER = ROOT / "grader"
# the trusted side's stages: every module of grader/ lives in one of these (or is one of TOP_LEVEL)
STAGES = ("intake", "grading", "judging", "run", "inside", "report", "authoring", "verbs")
CASE_TABLES = ("hidden", "mutants", "variants")  # per-group parallel trees (README, "Layout")
TOP_LEVEL = ("__init__.py", "__main__.py", "cli.py", "kit.py", "points.py", "results.py")


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


# --- the pipeline's folders, and no import cycle -----------------------------------------------------------


def test_every_grader_module_sits_in_a_stage_folder() -> None:
    """A newcomer names a module's stage from its path: nothing else sits at grader/'s top level."""
    top = sorted(p.name for p in GRADER.iterdir() if p.suffix == ".py")
    assert top == sorted(TOP_LEVEL)
    folders = sorted(p.name for p in GRADER.iterdir() if p.is_dir() and any(p.glob("*.py")))
    assert folders == sorted(STAGES + CASE_TABLES)
    for stage in STAGES:
        assert (GRADER / stage / "__init__.py").is_file(), f"grader/{stage}/ is not a package"


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: Path, root: Path = ROOT) -> dict[str, set[str]]:
    """module -> the modules of ``package`` it imports, at module level or inside a function alike: ``import
    a.b.c`` and ``from a.b import c`` also run a/__init__ and a/b/__init__, so they count as imports of those
    packages too; relative imports are resolved."""
    modules = {module_name(p, root): p for p in package.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    here = name.split(".") if is_package else name.split(".")[:-1]
                    here = here[: len(here) - (node.level - 1)]
                    base = ".".join(here + ([base] if base else []))
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            for target in targets:
                parts = target.split(".")
                for k in range(1, len(parts) + 1):
                    prefix = ".".join(parts[:k])
                    if prefix in modules and prefix != name:
                        edges.add(prefix)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted: the import cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_lazy_cycle(tmp_path: Path) -> None:
    """The test below can fail: a cycle through an import inside a function is found, as is one through a
    package's __init__; an acyclic package has none."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from pkg import c\n")
    (pkg / "a.py").write_text("import pkg.b\n")
    (pkg / "b.py").write_text("def later():\n    from pkg.a import x\n")
    (pkg / "c.py").write_text("from .sub import d\n")
    (pkg / "sub" / "d.py").write_text("X = 1\n")
    graph = import_graph(pkg, tmp_path)
    assert cycles(graph) == [["pkg.a", "pkg.b"], ["pkg.c", "pkg.sub"]]
    (pkg / "b.py").write_text("X = 1\n")
    (pkg / "sub" / "__init__.py").write_text("")
    assert cycles(import_graph(pkg, tmp_path)) == []


def test_grader_has_no_import_cycle() -> None:
    graph = import_graph(GRADER)
    assert len(graph) > 50
    found = cycles(graph)
    assert not found, "import cycles (lazy imports included):\n" + "\n".join(
        " <-> ".join(c) for c in found
    )


# --- the executor seam ---------------------------------------------------------------------------------


def test_both_executors_declare_the_seam() -> None:
    """LocalExecutor and DaskExecutor are Executors: every member the class loop and `grade` use is declared on
    the base class (abstract where each must supply it), and their start errors share one base type."""
    from grader.run import executor, local, zygote_client

    members = {
        "submit",
        "submit_bundle",
        "close",
        "warm",
        "slots",
        "start_error",
        "remote_verdicts",
    }
    assert members <= set(dir(executor.Executor))
    assert executor.Executor.__abstractmethods__ == {"submit", "submit_bundle", "close", "slots"}
    assert issubclass(local.LocalExecutor, executor.Executor)
    assert not inspect.isabstract(local.LocalExecutor)
    assert issubclass(zygote_client.ZygoteError, executor.ExecutorStartError)
    pytest.importorskip("distributed")
    from grader.run import dask_client, dask_node

    assert issubclass(dask_client.DaskExecutor, executor.Executor)
    assert not inspect.isabstract(dask_client.DaskExecutor)
    assert dask_client.DaskExecutor.remote_verdicts
    assert not local.LocalExecutor.remote_verdicts
    assert issubclass(dask_node.KitMismatch, executor.ExecutorStartError)


def test_verbs_catch_no_internal_error_type() -> None:
    """`grade` and the other verbs know the executors' errors only by their base type."""
    for path in sorted((GRADER / "verbs").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        for internal in ("ZygoteError", "ClusterError", "KitMismatch", "grader.run.zygote_client"):
            assert internal not in text, f"{path.relative_to(ROOT)} names {internal}"


# --- the group lists kept outside the grader ------------------------------------------------------------


def test_the_learner_plugin_lists_the_graders_groups() -> None:
    """tests/plugin.py ships to learners and cannot import the grader: its GROUPS is a copy, pinned here."""
    tree = ast.parse((ROOT / "tests" / "plugin.py").read_text(encoding="utf-8"))
    found = [
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "GROUPS" for t in node.targets)
    ]
    assert found == [GROUPS]


def test_pytest_has_a_marker_per_group() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    markers = {m.split(":")[0] for m in config["tool"]["pytest"]["ini_options"]["markers"]}
    assert set(GROUPS) <= markers
