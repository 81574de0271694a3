"""Cells for the CSV files in DIR (grades.csv, cases.csv, misconceptions.csv): security, written once.

A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return before one) as a formula, and a
learner chooses their id, hence the rows' first cells: such a cell gets a leading ' so it is shown as text.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """``text`` as a cell no spreadsheet runs as a formula."""
    return "'" + text if text[:1] in FORMULA_STARTS else text
