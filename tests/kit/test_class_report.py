"""The class insight report (grade's DIR/report.html, cases.csv, misconceptions.csv and `grader report DIR`):
its numbers against the learners' own feedback.md files, its self-containment, hostile learner ids, and the
page as a real browser (headless Chromium) renders it.

The browser tests need Debian's `chromium` (.ci/run installs it when missing); without it they skip, saying
why. Everything else runs anywhere.
"""

from __future__ import annotations

import base64
import csv
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from grader import GROUPS, ROOT
from grader.report import class_html, class_report, class_stats
from grader.results import FAILED, GRADED, PASSED, CaseResult, GroupResult, Result

pytestmark = pytest.mark.kit

EXAMPLES = ROOT / "examples" / "submissions"
SECTIONS = ("run", "scores", "cases", "misconceptions", "faults", "learners")
HOSTILE = "<script>alert(1)</script>"


def _grader(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("class-report") / "grades"
    proc = _grader("grade", str(EXAMPLES), "--out", str(out), "--jobs", "2", "--timeout", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    learners = [row["learner"] for row in _csv(out / "grades.csv")]
    return {"proc": proc, "out": out, "learners": learners}


def feedback_hints(out: Path, learners: list[str]) -> dict[tuple[str, str], set[str]]:
    """(hint id, group) -> learners, read from the feedback.md files alone (the heading `## group: ...`
    opens a group; `Hint [id]` lines under it)."""
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for learner in learners:
        group = None
        for line in (out / learner / "feedback.md").read_text(encoding="utf-8").splitlines():
            head = re.match(r"## (\w+)", line)
            if head:
                group = head.group(1)
            for hint in re.findall(r"Hint \[([^\]]+)\]", line):
                seen[(hint, group)].add(learner)
    return seen


def test_grade_writes_the_report_the_csvs_and_the_top_misconceptions(graded: dict) -> None:
    out = graded["out"]
    for name in ("report.html", "cases.csv", "misconceptions.csv", "run.json"):
        assert (out / name).is_file(), name
    stdout = graded["proc"].stdout
    assert "most common misconceptions" in stdout
    top = _csv(out / "misconceptions.csv")[:5]
    for row in top:  # the summary's lines are the CSV's first five, with their counts
        assert re.search(rf"\b{row['learners']} / \d+\s+\[{re.escape(row['hint_id'])}\]", stdout)


def test_misconception_counts_agree_with_the_feedback_files(graded: dict) -> None:
    out, learners = graded["out"], graded["learners"]
    expected = feedback_hints(out, learners)
    assert expected, "the examples' feedback carries no hint: nothing to check"
    rows = _csv(out / "misconceptions.csv")
    got = {(r["hint_id"], r["group"]): int(r["learners"]) for r in rows}
    assert got == {k: len(v) for k, v in expected.items()}
    for r in rows:
        assert float(r["share"]) == pytest.approx(int(r["learners"]) / len(learners), abs=1e-4)
        for example in r["examples"].split():
            assert example in expected[(r["hint_id"], r["group"])]
    counts = [int(r["learners"]) for r in rows]
    assert counts == sorted(counts, reverse=True)  # most common first


def test_case_counts_agree_with_the_feedback_files(graded: dict) -> None:
    out, learners = graded["out"], graded["learners"]
    passed: dict[tuple[str, str], int] = defaultdict(int)
    failed: dict[tuple[str, str], int] = defaultdict(int)
    for learner in learners:
        group = None
        for line in (out / learner / "feedback.md").read_text(encoding="utf-8").splitlines():
            head = re.match(r"## (\w+)", line)
            if head:
                group = head.group(1)
            m = re.match(r"- \*\*(passed|FAILED)\*\* `([^`]+)`", line)
            if m:
                (passed if m.group(1) == "passed" else failed)[(group, m.group(2))] += 1
    rows = _csv(out / "cases.csv")
    assert {(r["group"], r["case"]) for r in rows} >= set(passed) | set(failed)
    for r in rows:
        key = (r["group"], r["case"])
        assert int(r["passed"]) == passed[key], key
        assert int(r["failed"]) == failed[key], key
        statuses = ("passed", "failed", "timeout", "crashed", "skipped", "not_run")
        assert sum(int(r[k]) for k in statuses) == len(learners), key
        judged = len(learners) - int(r["skipped"])
        if judged:
            assert float(r["pass_rate"]) == pytest.approx(int(r["passed"]) / judged, abs=1e-4)
        else:
            assert r["pass_rate"] == ""
    for group in GROUPS:  # hardest first within each group
        rates = [float(r["pass_rate"]) for r in rows if r["group"] == group and r["pass_rate"]]
        assert rates == sorted(rates), group


def test_the_page_is_self_contained_and_every_figure_has_alt_text(graded: dict) -> None:
    page = (graded["out"] / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "<script" not in page.lower()
    assert "@import" not in page
    assert "url(" not in page
    imgs = re.findall(r"<img\b[^>]*>", page)
    assert len(imgs) >= 3  # totals, per group, misconceptions
    for img in imgs:
        alt = re.search(r'alt="([^"]+)"', img)
        assert alt, img[:200]
        assert len(alt.group(1)) > 40, alt.group(1)
        src = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', img)
        assert src, img[:200]
        svg = base64.b64decode(src.group(1)).decode()
        assert not re.search(r"""href\s*=\s*["']https?:""", svg)
        assert "<script" not in svg
    for section in SECTIONS:
        assert f'id="{section}"' in page
    assert len(page.encode()) < 2_000_000


def test_report_rebuilds_the_same_files_from_the_output_folder(
    graded: dict, tmp_path: Path
) -> None:
    copy = tmp_path / "grades"
    shutil.copytree(graded["out"], copy)
    for name in ("report.html", "cases.csv", "misconceptions.csv"):
        (copy / name).unlink()
    proc = _grader("report", str(copy))
    assert proc.returncode == 0, proc.stderr
    for name in ("cases.csv", "misconceptions.csv"):
        assert (copy / name).read_bytes() == (graded["out"] / name).read_bytes(), name

    def unstamped(p: Path) -> str:
        return re.sub(r"page built [0-9T:Z-]+", "", p.read_text(encoding="utf-8"))

    assert unstamped(copy / "report.html") == unstamped(graded["out"] / "report.html")


def test_report_on_a_folder_without_a_run_record_is_misuse(tmp_path: Path) -> None:
    proc = _grader("report", str(tmp_path / "missing"))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    proc = _grader("report", str(tmp_path))
    assert proc.returncode == 2, proc.stderr
    assert "run.json" in proc.stderr, proc.stderr


def hostile_class() -> list[Result]:
    """Learner ids and messages a hostile learner controls, plus an ordinary learner."""
    results = []
    for learner in ("=cmd|calc", HOSTILE, '"><img src=x onerror=alert(2)>', "ok"):
        case = CaseResult(
            "forward_2d",
            FAILED if learner != "ok" else PASSED,
            0 if learner != "ok" else 300,
            300,
            message=f"API not allowed: <b>{learner}</b>" if learner != "ok" else "",
            hint="ln-unbiased-var" if learner != "ok" else None,
        )
        group = GroupResult("layer_norm", GRADED, 300, [case], output=learner)
        results.append(
            Result(learner, learner + ".zip", {"layer_norm": group}, problems=[f"bad {learner}"])
        )
    return results


def test_hostile_learner_ids_and_messages_are_escaped(tmp_path: Path) -> None:
    results = hostile_class()
    record = class_report.run_record(results, kit="test")
    record.pop("learners")
    page = class_html.render(results, record)
    assert "<script" not in page.lower()
    assert "<img src=x" not in page
    assert "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Content-Security-Policy" in page  # and were one missed: no script would run
    class_stats.write_misconceptions_csv(class_stats.misconceptions(results), tmp_path / "m.csv")
    (row,) = _csv(tmp_path / "m.csv")
    assert row["learners"] == "3"
    assert row["examples"].startswith("'")


def test_no_learner_folder_takes_a_report_file_name() -> None:
    from grader.report.outfolder import output_folder

    for name in class_report.NAMES:
        assert output_folder(name) != name


def test_run_json_rebuilds_the_results_the_report_shows(tmp_path: Path) -> None:
    results = hostile_class()
    (tmp_path / "run.json").write_text(
        __import__("json").dumps(class_report.run_record(results, kit="k")), encoding="utf-8"
    )
    record, back = class_report.load_run(tmp_path)
    assert record["kit"] == "k"
    assert "learners" not in record
    assert [r.learner for r in back] == [r.learner for r in results]
    assert [r.cents for r in back] == [r.cents for r in results]
    assert class_stats.misconceptions(back) == class_stats.misconceptions(results)
    assert class_stats.faults(back) == class_stats.faults(results)
    assert all(g.output == "" for r in back for g in r.groups.values())  # not kept


# --- in a real browser ----------------------------------------------------------------------------------


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip(
        "Chromium is not installed (.ci/run installs Debian's `chromium`; it could not here)"
    )


def _browse(page: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [
        _chromium(),
        "--headless",
        # a container seldom allows Chromium's own sandbox; the page is ours, static, and its CSP runs no script
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        *args,
        page.resolve().as_uri(),
    ]
    env = {**os.environ, "HOME": str(tmp_path)}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


@pytest.mark.slow
def test_chromium_renders_the_sections_cases_and_hint_ids(graded: dict, tmp_path: Path) -> None:
    out = graded["out"]
    dom = _browse(out / "report.html", tmp_path, "--dump-dom").stdout
    for section in SECTIONS:
        assert f'id="{section}"' in dom, section
    for row in _csv(out / "cases.csv"):
        assert f"<code>{row['case']}</code>" in dom, row["case"]
    for row in _csv(out / "misconceptions.csv"):
        assert f"<code>{row['hint_id']}</code>" in dom, row["hint_id"]
    for learner in graded["learners"]:
        assert f"<td>{learner}</td>" in dom, learner
    assert dom.count("<img") >= 3


@pytest.mark.slow
def test_chromium_screenshot_is_not_blank(graded: dict, tmp_path: Path) -> None:
    from PIL import Image

    shot = tmp_path / "page.png"
    _browse(
        graded["out"] / "report.html", tmp_path, "--window-size=1280,1600", f"--screenshot={shot}"
    )
    image = Image.open(shot).convert("L")
    assert image.size == (1280, 1600)
    histogram = image.histogram()
    dark = sum(histogram[:128]) / sum(histogram)
    assert dark > 0.01, f"only {dark:.2%} of the screenshot is dark: the page looks blank"
    assert sum(1 for n in histogram if n) > 20  # text, hatching and greys, not one flat colour


@pytest.mark.slow
def test_chromium_shows_hostile_learner_ids_as_text(tmp_path: Path) -> None:
    results = hostile_class()
    record = class_report.run_record(results, kit="test")
    record.pop("learners")
    page = tmp_path / "report.html"
    page.write_text(class_html.render(results, record), encoding="utf-8")
    dom = _browse(page, tmp_path, "--dump-dom").stdout
    assert "<script" not in dom.lower()
    assert not re.search(r"<img[^>]*onerror", dom)  # the id is text, not an element
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
