"""The output folder DIR of `grade`: what may be written there, and the transaction that replaces its contents.

Everything is written into DIR/.new-*, then swapped in: what the previous run wrote (listed in DIR's manifest,
:data:`MANIFEST`) goes, nothing else, so a rerun never mixes old and new results and never deletes a file it did
not write. DIR/.journal.jsonl (grader/grading/journal.py) is kept across runs.
"""

from __future__ import annotations

import json
import secrets
import shutil
from pathlib import Path

MANIFEST = ".normlab-grades.json"  # marks DIR as ours: only what it lists is ever replaced


def out_problem(out: Path, submissions: Path) -> str | None:
    """Why ``out`` cannot be `grade`'s output folder for ``submissions``; None when it can."""
    if out.exists() and not out.is_dir():
        return f"--out {out} exists and is not a folder"
    try:
        if out.resolve() == submissions.resolve() or submissions.resolve() in out.resolve().parents:
            return f"--out {out} is inside SUBMISSIONS; choose a folder outside it"
    except OSError:
        pass
    if out.is_dir() and not (out / MANIFEST).exists():
        visible = [p for p in out.iterdir() if not p.name.startswith(".")]
        if visible:
            return (
                f"--out {out} is not empty and was not written by `grader grade`; "
                "choose a new or empty folder"
            )
    return None


def claim(out: Path) -> None:
    """Make ``out`` ours before grading: created, leftovers of an interrupted swap removed, a manifest there."""
    out.mkdir(parents=True, exist_ok=True)
    for p in out.glob(".new-*"):
        shutil.rmtree(p, ignore_errors=True)
    for p in out.glob(".old-*"):
        shutil.rmtree(p, ignore_errors=True)
    _write_manifest(out, _read_manifest(out))


def _read_manifest(out: Path) -> list[str]:
    try:
        data = json.loads((out / MANIFEST).read_text())
        return [str(x) for x in data.get("written", [])]
    except (OSError, ValueError, AttributeError):
        return []


def _write_manifest(out: Path, written: list[str]) -> None:
    tmp = out / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps({"written": sorted(set(written))}, indent=1))
    tmp.replace(out / MANIFEST)


def output_folder(learner: str) -> str:
    """A learner's folder name in DIR (never a name the grader itself uses)."""
    from grader.report.class_report import NAMES

    if learner in ("grades.csv", MANIFEST, *NAMES) or learner.startswith(".") or "/" in learner:
        return "learner-" + learner.replace("/", "_").lstrip(".")
    return learner


def write_reports(
    results: list, out: Path, groups: list[str] | None = None, points: dict | None = None
) -> None:
    """Write everything into DIR/.new-*, then swap it in: what the previous run wrote goes, nothing else."""
    token = secrets.token_hex(4)
    new = out / f".new-{token}"
    new.mkdir()
    written = _write_all(results, new, groups, points)
    old = out / f".old-{token}"
    old.mkdir()
    for name in _read_manifest(out):
        if (out / name).exists() or (out / name).is_symlink():
            (out / name).rename(old / name)
    for name in written:
        (new / name).rename(out / name)
    _write_manifest(out, written)
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(new, ignore_errors=True)


def _write_all(
    results: list, folder: Path, groups: list[str] | None, points: dict | None
) -> list[str]:
    """grades.csv, each learner's feedback.md and results.json, then the class report; the names written."""
    from grader.report import class_report, feedback_md, gradebook_csv, gradescope_json

    written = ["grades.csv"]
    gradebook_csv.write(results, folder / "grades.csv", groups)
    for r in results:
        name = output_folder(r.learner)
        (folder / name).mkdir()
        (folder / name / "feedback.md").write_text(feedback_md.render_result(r), encoding="utf-8")
        (folder / name / "results.json").write_text(
            json.dumps(gradescope_json.to_dict(r), indent=1) + "\n", encoding="utf-8"
        )
        written.append(name)
    # report.html, cases.csv, ... (after the rest)
    return written + class_report.write_all(results, folder, points)
