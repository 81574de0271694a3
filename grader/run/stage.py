"""The stage: a private folder holding a copy of grader/inside/ (package ``normlab_worker``), all of ours that a
sandboxed worker runs; and what a worker must not see or may import from (site-packages, never the kit)."""

from __future__ import annotations

import os
import shutil
import site
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from grader import ROOT


@dataclass
class Stage:
    root: Path
    pkg_root: Path  # on the zygote's sys.path: holds normlab_worker/
    run_dir: Path  # logs, fallback work folders

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


INSIDE = (
    Path(__file__).resolve().parents[1] / "inside"
)  # the sandbox side, copied whole into every stage
STAGED_PACKAGE = "normlab_worker"  # its name on the zygote's sys.path


def make_stage() -> Stage:
    """A private folder with a copy of grader/inside/ (package ``normlab_worker``): all the worker runs of ours."""
    root = Path(tempfile.mkdtemp(prefix="normlab-stage-"))
    os.chmod(root, 0o711)  # noqa: S103 - workers (other uids) cross it, cannot list it
    pkg = root / "pkg" / STAGED_PACKAGE
    shutil.copytree(INSIDE, pkg, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for folder in (root / "pkg", *(d for d in pkg.rglob("*") if d.is_dir()), pkg):
        os.chmod(folder, 0o755)  # noqa: S103 - trusted code the worker uid must read
    for path in pkg.rglob("*"):
        if path.is_file():
            os.chmod(path, 0o644)
    run = root / "run"
    run.mkdir(mode=0o711)
    return Stage(root, root / "pkg", run)


def site_dirs() -> list[str]:
    """Folders the zygote imports third-party packages from: site-packages, and wherever numpy, torch and
    matplotlib actually live (a PYTHONPATH install, since the zygote runs isolated), never the kit root."""
    import importlib.util

    found = [*site.getsitepackages(), site.getusersitepackages()]
    for name in ("numpy", "torch", "matplotlib"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            found.append(os.path.dirname(os.path.dirname(spec.origin)))
    dirs: list[str] = []
    for d in found:
        real = os.path.realpath(d)
        if os.path.isdir(real) and real != str(ROOT) and real not in dirs:
            dirs.append(real)
    return dirs


def hidden_paths(extra: Iterable[Path | str]) -> list[str]:
    """Folders a worker must not see: the kit (its packages, when the kit sits inside site-packages), HOME,
    and ``extra`` (submissions, output, staging)."""
    root = str(ROOT)
    if any(root == s or root.startswith(s + "/") for s in site_dirs()):  # installed, not a checkout
        out = [str(ROOT / p) for p in ("solutions", "grader", "tests", "exercises", "examples")]
    else:
        out = [root]
    out.append(os.path.realpath(Path.home()))
    out += [os.path.realpath(p) for p in extra]
    return [p for p in dict.fromkeys(out) if p != "/"]
