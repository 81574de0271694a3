"""`python -m grader release --out DIR [--force] [--max-hint-level N]`: the learner bundle, then the leak check.

The bundle holds what a learner needs and nothing an instructor keeps: the stubs in exercises/ (plus the
provided helpers), the public tests with their stored values, data/, the root conftest.py, a learner README and a
pyproject that installs without nbgrader. Never solutions/, grader/ (hidden cases, mutants, variants) or the kit's
own tests (tests/kit/: the bundle's tests/ is tests/ minus that folder). Its hint levels
(exercises/feedback/hint_levels.py) hold levels 1..N only: N is ``--max-hint-level``, by default
DEFAULT_RELEASE_CAP (3), which keeps the compact results of the derivations (level 4) with the instructor;
``--max-hint-level 4`` releases them. The README is the course's learner README (grader/authoring/course.py). The leak check (grader/authoring/leakcheck.py) then
proves it: a leak fails the release (exit 1) and the bundle is removed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import tomllib
from pathlib import Path

from exercises.feedback.hint_levels import DEFAULT_RELEASE_CAP
from grader import ROOT

HINT_LEVELS = Path(
    "exercises/feedback/hint_levels.py"
)  # cut to --max-hint-level levels in the bundle
KIT_TESTS = (
    "kit"  # tests/kit/: the kit's own tests, never released; everything else under tests/ is
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = main.__kwdefaults__
    parser.add_argument(
        "--out", type=Path, required=True, help="folder to create (must be new or empty)"
    )
    parser.add_argument(
        "--force", action="store_true", default=d["force"], help="replace a non-empty --out folder"
    )
    parser.add_argument(
        "--max-hint-level",
        type=int,
        default=d["max_hint_level"],
        metavar="N",
        help="the bundle holds hint levels 1..N only (exercises/feedback/hint_levels.py); default: "
        f"{DEFAULT_RELEASE_CAP}, which keeps the derivations' compact results back (4 releases them)",
    )


def main(
    *, out: Path, force: bool = False, max_hint_level: int | None = DEFAULT_RELEASE_CAP
) -> int:
    out = Path(out)
    if max_hint_level is not None and max_hint_level < 0:
        print(f"release: --max-hint-level must be 0 or more, got {max_hint_level}", file=sys.stderr)
        return 2
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        if not force:
            print(
                f"release: {out} exists and is not empty; pass --force to replace it",
                file=sys.stderr,
            )
            return 2
        if out.resolve() in (ROOT, *ROOT.parents):
            print(f"release: refusing to replace {out} (it holds the kit)", file=sys.stderr)
            return 2
    from grader.authoring.leakcheck import check

    staging = Path(tempfile.mkdtemp(prefix=".release-", dir=out.resolve().parent))
    try:
        build(staging, max_hint_level=max_hint_level)
        leaks = check(staging, max_hint_level=max_hint_level)
        if leaks:
            for leak in leaks:
                print(f"release: LEAK {leak}", file=sys.stderr)
            print("release: leak check failed; nothing written", file=sys.stderr)
            return 1
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    files = sum(1 for p in out.rglob("*") if p.is_file())
    print(
        f"release: {out} ({files} files); leak check passed: no solution code, hidden cases, mutants or variants"
    )
    return 0


def _ignore(_dir: str, names: list[str]) -> set[str]:
    return {
        n
        for n in names
        if n in ("__pycache__", ".pytest_cache", ".hypothesis") or n.endswith(".pyc")
    }


def _ignore_kit_tests(folder: str, names: list[str]) -> set[str]:
    """tests/ minus tests/kit/ (the learner/kit split is a folder, not a list)."""
    skip = _ignore(folder, names)
    if Path(folder).resolve() == (ROOT / "tests").resolve():
        skip.add(KIT_TESTS)
    return skip


def build(dest: Path, max_hint_level: int | None = None) -> None:
    shutil.copytree(ROOT / "exercises", dest / "exercises", ignore=_ignore)
    shutil.copytree(ROOT / "data", dest / "data", ignore=_ignore)
    shutil.copytree(ROOT / "tests", dest / "tests", ignore=_ignore_kit_tests)
    levels = dest / HINT_LEVELS
    if max_hint_level is not None:
        levels.write_text(capped_hint_levels(max_hint_level))
    shutil.copy2(ROOT / "conftest.py", dest / "conftest.py")
    shutil.copy2(ROOT / "grader" / "templates" / "README.learner.md", dest / "README.md")
    (dest / "pyproject.toml").write_text(learner_pyproject())


def capped_hint_levels(cap: int) -> str:
    """exercises/feedback/hint_levels.py with LEVELS cut to levels 1..cap and CAP = cap: the higher levels' text is gone."""
    import ast
    import pprint

    from exercises.feedback.hint_levels import LEVELS

    source = (ROOT / HINT_LEVELS).read_text()
    lines = source.splitlines()
    replace: dict[int, tuple[int, str]] = {}  # first line (0-based) -> (last line, new text)
    for node in ast.parse(source).body:
        target = getattr(node, "target", None) or (getattr(node, "targets", None) or [None])[0]
        name = getattr(target, "id", None)
        if name == "LEVELS":
            capped = {k: tuple(v[:cap]) for k, v in LEVELS.items()}
            text = "LEVELS: dict[str, tuple[str, ...]] = " + pprint.pformat(capped, width=110)
        elif name == "CAP":
            text = f"CAP: int | None = {cap}"
        else:
            continue
        replace[node.lineno - 1] = (node.end_lineno - 1, text)
    if len(replace) != 2:
        raise RuntimeError(
            "exercises/feedback/hint_levels.py: expected one LEVELS and one CAP assignment"
        )
    out, i = [], 0
    while i < len(lines):
        if i in replace:
            last, text = replace[i]
            out.append(text)
            i = last + 1
        else:
            out.append(lines[i])
            i += 1
    return "\n".join(out) + "\n"


def learner_pyproject() -> str:
    """The learner's pyproject: the kit's runtime dependencies and pytest settings, no instructor extras."""
    kit = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = kit["project"]
    pytest_opts = kit["tool"]["pytest"]["ini_options"]
    lines = [
        "[build-system]",
        'requires = ["setuptools>=68"]',
        'build-backend = "setuptools.build_meta"',
        "",
        "[project]",
        'name = "normlab-exercises"',
        f"version = {_toml(project['version'])}",
        'description = "normlab exercises: layer normalization, weight initialization, weight histograms"',
        f"requires-python = {_toml(project['requires-python'])}",
        f"dependencies = {_toml(project['dependencies'])}",
        "",
        "[tool.setuptools.packages.find]",
        'include = ["exercises*"]',
        "",
        "[tool.pytest.ini_options]",
    ]
    lines += [f"{key} = {_toml(value)}" for key, value in pytest_opts.items()]
    return "\n".join(lines) + "\n"


def _toml(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[\n" + "".join(f"    {_toml(v)},\n" for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
