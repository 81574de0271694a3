"""`python -m grader report DIR`: rebuild DIR/report.html, DIR/cases.csv and DIR/misconceptions.csv from an
existing `grade` output folder, without grading: they are read from DIR/run.json, which `grade` writes
(grader/report/class_report.py documents it). Exit 0 when written; 2 for misuse (no such folder, no run.json).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dir",
        type=Path,
        metavar="DIR",
        help="a `grade --out` folder (it holds run.json)",
    )


def main(*, dir: Path) -> int:
    """Rebuild the class report and its CSVs in DIR from DIR/run.json."""
    from grader.report.class_report import RUN, load_run, write_insights

    folder = Path(dir)
    if not folder.is_dir():
        return _misuse(f"DIR {folder} is not a folder (expected a `grade --out` folder)")
    if not (folder / RUN).is_file():
        return _misuse(
            f"{folder / RUN} not found: DIR must be written by `python -m grader grade` "
            "(grade it again to get one)"
        )
    try:
        record, results = load_run(folder)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return _misuse(f"cannot read {folder / RUN}: {exc}")
    written = write_insights(results, folder, record)
    print(f"wrote {', '.join(str(folder / n) for n in written)} for {len(results)} learners")
    return 0


def _misuse(message: str) -> int:
    print(f"report: error: {message}", file=sys.stderr)
    return 2
