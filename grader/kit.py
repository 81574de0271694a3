"""The kit as the grader sees it: each exercise group's parallel files, which groups can be graded here, the
trusted files a sandboxed worker gets, and the kit fingerprint (a hash of everything that can decide a grade).

Parallel trees per group (README, "Layout"): ``solutions/<group>.py`` (the reference), ``exercises/<group>.py``
(the generated stub), ``tests/test_<group>.py`` (public tests), ``grader/hidden/<group>.py`` (hidden cases),
``grader/inside/drivers/<group>.py`` (what the sandboxed worker calls), ``grader/mutants/<group>_*.py`` and
``grader/variants/<group>_*.py``. Points per group are the table in grader/points.py.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Iterable
from pathlib import Path

from grader import GROUPS, ROOT

# the groups whose exercise trains on MNIST: their workers get data/*.gz
DATA_GROUPS = ("histograms",)

# Every file under these folders can decide a grade (references, stubs, the feedback library, hidden cases,
# drivers, mutants, judging, the forbidden-API rules and the sandbox, the report writers); caches cannot.
GRADE_PACKAGES = ("solutions", "exercises", "grader")
SKIP_PARTS = ("__pycache__",)
SKIP_SUFFIXES = (".pyc", ".pyo")


# --- each group's files ---------------------------------------------------------------------------------


def reference_file(group: str) -> Path:
    return ROOT / "solutions" / f"{group}.py"


def stub_file(group: str) -> Path:
    return ROOT / "exercises" / f"{group}.py"


def hidden_file(group: str) -> Path:
    return ROOT / "grader" / "hidden" / f"{group}.py"


def driver_file(group: str) -> Path:
    return ROOT / "grader" / "inside" / "drivers" / f"{group}.py"


def variant_files(group: str | None = None) -> list[Path]:
    """grader/variants/<group>_<style>.py, sorted (every group's when ``group`` is None)."""
    found = sorted((ROOT / "grader" / "variants").glob("*.py"))
    return [
        p
        for p in found
        if variant_group(p.stem) is not None and group in (None, variant_group(p.stem))
    ]


def variant_group(stem: str) -> str | None:
    """The group of a variant file `<group>_<style>`: the longest group name that prefixes it."""
    matches = [g for g in GROUPS if stem.startswith(g + "_")]
    return max(matches, key=len) if matches else None


# --- which groups can be graded here ----------------------------------------------------------------------


def available_groups() -> list[str]:
    """Groups with hidden cases, a reference and a driver; the others are graded "not available"."""
    return [
        g
        for g in GROUPS
        if hidden_file(g).is_file()
        and reference_file(g).is_file()
        and driver_file(g).is_file()
        and unavailable_reason(g) is None
    ]


def unavailable_reason(group: str) -> str | None:
    """Why ``group`` cannot be graded on this machine (a package without a wheel here); None when it can.
    (Whether it *is* graded is the instructor's choice: grader/points.py, `grade --groups/--points`.)"""
    if group == "layer_norm_triton" and importlib.util.find_spec("triton") is None:
        return "not available here: Triton is not installed (no wheel for this platform)"
    return None


# --- what a worker gets besides the learner's files -------------------------------------------------------


def helper_files() -> dict[str, bytes]:
    """Trusted files a worker gets: exercises/__init__.py, the provided helpers (not graded files) and the
    bundled data they read (data/*.gz: the MNIST loader finds it next to exercises/, as in the kit; only
    for DATA_GROUPS, as 1 MB copied into every worker is a measurable share of a class run)."""
    out: dict[str, bytes] = {}
    for path in sorted((ROOT / "exercises").glob("*.py")):
        if path.stem not in GROUPS:
            out[f"exercises/{path.name}"] = path.read_bytes()
    for path in sorted((ROOT / "data").glob("*.gz")):
        if path.stat().st_size <= 4 * 1024 * 1024:
            out[f"data/{path.name}"] = path.read_bytes()
    return out


def helpers_for(group: str, helpers: dict[str, bytes]) -> dict[str, bytes]:
    """The part of :func:`helper_files` a worker of ``group`` gets (the data only for DATA_GROUPS)."""
    return {k: v for k, v in helpers.items() if group in DATA_GROUPS or not k.startswith("data/")}


# --- the kit fingerprint ----------------------------------------------------------------------------------


def grade_files(root: Path = ROOT) -> list[Path]:
    """Every file that can decide a grade, sorted: all files of :data:`GRADE_PACKAGES` under ``root``."""
    files: list[Path] = []
    for package in GRADE_PACKAGES:
        for path in (root / package).rglob("*"):
            rel = path.relative_to(root)
            if (
                path.is_file()
                and not set(rel.parts) & set(SKIP_PARTS)
                and path.suffix not in SKIP_SUFFIXES
            ):
                files.append(path)
    return sorted(files)


def kit_fingerprint(groups: Iterable[str], root: Path = ROOT) -> str:
    """Hash of everything that decides a grade (:func:`grade_files`) and of the groups graded: a journal record
    or a dask worker's kit is current only under the same fingerprint."""
    h = hashlib.sha256()
    for path in grade_files(root):
        h.update(str(path.relative_to(root)).encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    h.update(",".join(groups).encode())
    return h.hexdigest()[:16]
