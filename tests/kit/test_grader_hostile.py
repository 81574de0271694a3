"""Hostile submissions (tests/kit/hostile/*, see its README.md) graded as one class next to a correct control.

Each must end as its spec.json says -- a graded failure with a clear reason, never a crash of the grader -- and
the control learner must keep full marks. One `grader grade` run for the whole corpus (about half a minute).
"""

from __future__ import annotations

import csv
import fnmatch
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader import ROOT
from grader.mutants import apply_patch
from grader.results import Result, fmt

pytestmark = pytest.mark.kit

HOSTILE = Path(__file__).resolve().parent / "hostile"
NAMES = sorted(p.name for p in HOSTILE.iterdir() if (p / "spec.json").is_file())


def _fill(text: str, out: Path | None) -> str:
    return text.replace("@ROOT@", str(ROOT)).replace("@OUT@", str(out) if out else "@OUT@")


def build_entry(name: str, into: Path, out: Path | None = None) -> None:
    """Materialize tests/kit/hostile/<name> as an entry of the class folder ``into`` (see hostile/README.md)."""
    src = HOSTILE / name
    spec = json.loads((src / "spec.json").read_text())
    files: dict[str, str] = {}
    for group, patch in spec.get("from_solutions", {}).items():
        base = (ROOT / "solutions" / f"{group}.py").read_text()
        patch = tuple((old, _fill(new, out)) for old, new in patch)
        files[f"exercises/{group}.py"] = apply_patch(base, patch, name)
    for path in sorted(src.rglob("*")):
        if path.is_file() and path.name != "spec.json":
            files[str(path.relative_to(src))] = _fill(path.read_text(), out)
    encoding, newline = spec.get("encoding", "utf-8"), spec.get("newline", "\n")
    blobs = {rel: text.replace("\n", newline).encode(encoding) for rel, text in files.items()}
    if spec.get("zip"):
        with zipfile.ZipFile(into / f"{name}.zip", "w", zipfile.ZIP_DEFLATED) as zf:
            for rel, data in blobs.items():
                zf.writestr(rel, data)
            for rel, text in spec.get("extra_zip_members", {}).items():
                zf.writestr(
                    zipfile.ZipInfo(rel), text
                )  # ZipInfo keeps '..' and absolute names as given
            if "bomb_member" in spec:  # 256 MiB of zeros, a few hundred KiB compressed
                with zf.open(spec["bomb_member"], "w", force_zip64=True) as member:
                    block = b"\0" * (1 << 24)
                    for _ in range(16):
                        member.write(block)
    else:
        for rel, data in blobs.items():
            target = into / name / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for rel, link in spec.get("symlinks", {}).items():
            target = into / name / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(_fill(link, out))


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    cls = tmp_path_factory.mktemp("hostile-class")
    out = tmp_path_factory.mktemp("hostile-out") / "out"
    for name in NAMES:
        build_entry(name, cls, out)
    cmd = [
        sys.executable,
        "-m",
        "grader",
        "grade",
        str(cls),
        "--out",
        str(out),
        "--jobs",
        "2",
        "--timeout",
        "2",
        "--memory-mb",
        "1024",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    journal = {}
    for line in (out / ".journal.jsonl").read_text().splitlines():
        rec = json.loads(line)
        journal[rec["learner"]] = Result.from_dict(rec)
    with open(out / "grades.csv", newline="") as f:
        rows = {r["learner"]: r for r in csv.DictReader(f)}
    return {"proc": proc, "out": out, "results": journal, "rows": rows}


def test_the_class_run_finishes_with_exit_0_and_a_row_per_learner(graded: dict) -> None:
    proc = graded["proc"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(graded["rows"]) == NAMES
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]


@pytest.mark.parametrize("name", NAMES)
def test_hostile_submission_ends_as_expected(graded: dict, name: str) -> None:
    spec = json.loads((HOSTILE / name / "spec.json").read_text())
    expect = spec["expect"]
    result: Result = graded["results"][name]
    feedback = (graded["out"] / name / "feedback.md").read_text()
    status = graded["rows"][name]["status"]
    for group, want in expect.items():
        if group in ("status", "feedback", "feedback_not"):
            continue
        g = result.groups[group]
        score = g.cents / 100
        if "min" in want:
            assert score >= want["min"], f"{group}: {fmt(g.cents)} < {want['min']}\n{feedback}"
        if "max" in want:
            assert score <= want["max"], f"{group}: {fmt(g.cents)} > {want['max']}\n{feedback}"
        statuses = {c.name: c.status for c in g.cases}
        for pattern, expected in want.get("cases", {}).items():
            matched = fnmatch.filter(statuses, pattern)
            assert matched, f"{group}: no case matches {pattern!r} ({sorted(statuses)})"
            for case in matched:  # "passed|skipped": either
                assert statuses[case] in expected.split("|"), (
                    f"{group}.{case}: {statuses[case]}\n{feedback}"
                )
    for text in expect.get("status", []):
        assert text in status, f"{text!r} not in status {status!r}"
    for text in expect.get("feedback", []):
        assert text in feedback, f"{text!r} not in feedback:\n{feedback}"
    for text in expect.get("feedback_not", []):
        assert text not in feedback, f"{text!r} in feedback:\n{feedback}"


def test_results_json_and_grades_csv_agree_for_every_hostile_learner(graded: dict) -> None:
    for name, row in graded["rows"].items():
        data = json.loads((graded["out"] / name / "results.json").read_text())
        assert fmt(round(data["score"] * 100)) == row["total"]
        assert abs(sum(t["score"] for t in data["tests"]) - data["score"]) < 1e-9


@pytest.mark.parametrize(
    "name",
    [n for n in NAMES if json.loads((HOSTILE / n / "spec.json").read_text()).get("outside_paths")],
)
def test_nothing_is_written_outside_the_output_dir(graded: dict, name: str) -> None:
    spec = json.loads((HOSTILE / name / "spec.json").read_text())
    for raw in spec["outside_paths"]:
        path = Path(_fill(raw, graded["out"]))
        assert not path.exists(), f"{name} wrote {path}"
