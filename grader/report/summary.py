"""The summary printed at the end of `grader grade`: a table of learners, mean, median, a histogram of totals,
the rows that failed to grade, and the isolation level. A rich table when rich is installed, plain text
otherwise."""

from __future__ import annotations

import statistics
import sys
from collections.abc import Sequence
from typing import TextIO

from grader import GROUPS
from grader.report.class_stats import top_lines
from grader.results import GRADER_ERROR, Result, fmt, weakest_isolation

MAX_ROWS = 40


def failed_rows(results: Sequence[Result]) -> list[tuple[str, str]]:
    """(learner, why) for rows to look at by hand: entries that could not be read or had problems
    (duplicate ids, unsafe zip members), and groups the grader itself failed on. A syntax error or a
    timeout is a graded outcome, not a failure to grade."""
    out = []
    for r in results:
        why = list(r.problems)
        why += [f"{g.group}: {g.message}" for g in r.groups.values() if g.status == GRADER_ERROR]
        if not r.graded or why:
            out.append((r.learner, "; ".join(why) or "not graded"))
    return out


def histogram(totals: Sequence[float], top: float, bins: int = 10, width: int = 30) -> list[str]:
    if not totals or top <= 0:
        return []
    counts = [0] * bins
    for t in totals:
        counts[min(bins - 1, int(t / top * bins))] += 1
    peak = max(counts)
    lines = []
    for i, n in enumerate(counts):
        lo, hi = top * i / bins, top * (i + 1) / bins
        bar = "#" * (round(n / peak * width) if peak else 0)
        lines.append(f"  {lo:6.1f} - {hi:6.1f} | {bar:<{width}} {n}")
    return lines


def print_summary(
    results: Sequence[Result], *, seconds: float, reused: int = 0, out: TextIO | None = None
) -> None:
    out = out or sys.stdout
    groups = [g for g in GROUPS if any(r.groups.get(g) and r.groups[g].counted for r in results)]
    shown = list(results)[:MAX_ROWS]
    try:
        from rich.console import Console
        from rich.table import Table

        table = Table(title="grades", show_lines=False)
        for col in ("learner", "total", *groups, "status"):
            table.add_column(col, justify="right" if col not in ("learner", "status") else "left")
        for r in shown:
            table.add_row(
                r.learner,
                f"{fmt(r.cents)} / {fmt(r.max_cents)}",
                *[fmt(r.groups[g].cents) for g in groups],
                r.status(),
            )
        Console(file=out, soft_wrap=False, width=160).print(table)
    except ImportError:
        head = (
            f"{'learner':<20} {'total':>13} "
            + " ".join(f"{g[:16]:>16}" for g in groups)
            + "  status"
        )
        print(head, file=out)
        for r in shown:
            cols = " ".join(f"{fmt(r.groups[g].cents):>16}" for g in groups)
            total = f"{fmt(r.cents)} / {fmt(r.max_cents)}"
            print(f"{r.learner[:20]:<20} {total:>13} {cols}  {r.status()}", file=out)
    if len(results) > len(shown):
        print(f"... and {len(results) - len(shown)} more rows in grades.csv", file=out)
    totals = [r.cents / 100 for r in results if r.graded]
    top = max((r.max_cents / 100 for r in results), default=0)
    print("", file=out)
    if totals:
        print(
            f"{len(results)} learners graded in {seconds:.1f} s"
            + (f" ({reused} unchanged, taken from the journal)" if reused else "")
            + f"; mean {statistics.mean(totals):.2f}, median {statistics.median(totals):.2f} of {top:g}",
            file=out,
        )
        print("totals:", file=out)
        for line in histogram(totals, top):
            print(line, file=out)
    bad = failed_rows(results)
    if bad:
        print(f"rows that failed to grade ({len(bad)}):", file=out)
        for learner, why in bad:
            print(f"  {learner}: {why}", file=out)
    for line in top_lines(results):  # the five most common misconceptions
        print(line, file=out)
    level, detail = weakest_isolation(results)
    if level:  # the weakest level any worker ran at
        print(f"isolation: {detail}", file=out)
