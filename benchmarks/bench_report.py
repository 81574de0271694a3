"""Class report at scale: page size and headless-Chromium render time for a synthetic class.

    python benchmarks/bench_report.py [--learners 2000] [--runs 5] [--from DIR] [--markdown]

The class is synthetic: DIR/run.json of a graded examples class (`grade examples/submissions`; graded here
into a temporary folder when --from is not given) holds six learners' results; N learners are copies of them
under new ids (learner i is a copy of example i mod 6), so the page carries real case tables, hints and faults
without grading N submissions. It times, in this process, building the page and its CSVs from the Results
(`write_insights`), and in Chromium (`--headless --dump-dom`, a fresh browser per run, as the browser test
runs it) the report page against a blank page; the render time is the median difference. Runs are
interleaved (report, blank, report, ...) so machine drift hits both alike.
"""

from __future__ import annotations

import argparse
import copy
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.report.class_report import HTML, load_run, write_insights  # noqa: E402


def graded_examples(tmp: Path) -> Path:
    out = tmp / "examples-graded"
    cmd = [sys.executable, "-m", "grader", "grade", "examples/submissions", "--out", str(out)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise SystemExit(f"grading the examples failed:\n{proc.stderr[-2000:]}")
    return out


def synthetic_class(source: Path, n: int) -> tuple[dict, list]:
    record, results = load_run(source)
    out = []
    for i in range(n):
        r = copy.deepcopy(results[i % len(results)])
        r.learner = f"{r.learner}-{i:05d}"
        r.entry = r.learner
        out.append(r)
    return record, out


def chromium_seconds(page: Path, profile: Path) -> float:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    cmd = [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--dump-dom",
        page.as_uri(),
    ]
    start = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=True, timeout=300)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--from", dest="source", type=Path, help="a graded folder with run.json")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp_name:
        tmp = Path(tmp_name)
        source = args.source or graded_examples(tmp)
        record, results = synthetic_class(source, args.learners)
        folder = tmp / "class"
        folder.mkdir()
        builds = []
        for _ in range(3):
            start = time.perf_counter()
            write_insights(results, folder, record)
            builds.append(time.perf_counter() - start)
        page = folder / HTML
        size = page.stat().st_size
        blank = tmp / "blank.html"
        blank.write_text(
            "<!DOCTYPE html><html><head><title>blank</title></head><body></body></html>"
        )
        if shutil.which("chromium") or shutil.which("chromium-browser"):
            profile = tmp / "profile"
            chromium_seconds(blank, profile)  # first start: profile creation, uncounted
            report_s, blank_s = [], []
            for _ in range(args.runs):
                report_s.append(chromium_seconds(page, profile))
                blank_s.append(chromium_seconds(blank, profile))
            render = statistics.median(r - b for r, b in zip(report_s, blank_s, strict=True))
            browser = (
                f"Chromium --dump-dom: report {statistics.median(report_s):.2f} s, blank page "
                f"{statistics.median(blank_s):.2f} s (medians of {args.runs}); render of the report "
                f"{render:.2f} s (median of the paired differences)"
            )
        else:
            browser = "Chromium: not installed, render time not measured"
        lines = [
            f"learners: {len(results)} (copies of {source.name}'s {len(load_run(source)[1])})",
            f"report.html: {size:,} bytes ({size / 2**20:.2f} MiB; target < 2 MB)",
            f"build (report.html + cases.csv + misconceptions.csv): "
            f"{statistics.median(builds):.2f} s (median of {len(builds)})",
            browser,
        ]
        for line in lines:
            print(f"- {line}" if args.markdown else line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
