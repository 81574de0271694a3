"""DIR/grades.csv: one row per learner -- learner, total, max, one column per exercise group, status.

A group without hidden tests yet ("not available") has an empty cell and is not in max. Cells that a
spreadsheet would run as a formula (a learner id or status starting with = + - @) are prefixed with '
(grader/report/spreadsheet.py).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from grader import GROUPS
from grader.report.spreadsheet import safe_cell
from grader.results import Result, fmt


def rows(results: Iterable[Result], groups: Sequence[str] | None = None) -> list[list[str]]:
    """The table; one column per group graded in this run (``groups``; default: every group)."""
    columns = list(GROUPS if groups is None else groups)
    out = [["learner", "total", "max", *columns, "status"]]
    for r in results:
        cells = [
            fmt(r.groups[g].cents) if g in r.groups and r.groups[g].counted else "" for g in columns
        ]
        out.append(
            [safe_cell(r.learner), fmt(r.cents), fmt(r.max_cents), *cells, safe_cell(r.status())]
        )
    return out


def write(results: Iterable[Result], path: Path, groups: Sequence[str] | None = None) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows(results, groups))
