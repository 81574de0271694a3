"""What a class got wrong, computed from its Results: per hidden case pass rates, the misconceptions (hint ids)
the learners' feedback carried, the faults (timeouts, crashes, refused APIs, syntax and import errors, unsafe
or unreadable entries) and the score distribution. DIR/cases.csv and DIR/misconceptions.csv are written here;
the page (class_html.py) and the terminal summary show the same numbers.

Counting rules, so every figure can be checked against the feedback files:
- a misconception counts a learner once per (hint id, group) when any case of that group carries the hint in
  the learner's feedback.md (feedback_md renders every case hint that exercises/feedback/hints.py knows);
- a case's pass rate is passed / (learners - skipped): a learner whose group was not graded case by case (file
  not submitted, syntax error, import failed, unreadable entry) has the case "not run", which counts as not
  passed.
"""

from __future__ import annotations

import csv
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from exercises.feedback.hints import HINTS
from grader import GROUPS
from grader.report.spreadsheet import safe_cell
from grader.results import (
    CRASHED,
    FAILED,
    GRADER_ERROR,
    IMPORT_FAILED,
    NOT_RUN,
    PASSED,
    SKIPPED,
    SYNTAX_ERROR,
    TIMEOUT,
    Result,
    fmt,
)

API_REFUSED = "API not allowed"
# fault kinds, in the order the page lists them
FAULT_KINDS = (
    "timeout",
    "crashed",
    "API not allowed",
    "syntax error",
    "import failed",
    "output flood",
    "unsafe or unreadable entry",
    "grader error",
)


@dataclass
class CaseStats:
    group: str
    case: str
    max_cents: int
    doc: str = ""
    counts: dict[str, int] = field(default_factory=dict)  # status -> learners

    @property
    def passed(self) -> int:
        return self.counts.get(PASSED, 0)

    @property
    def attempted(self) -> int:
        """Learners the case counts for: everyone but those it was skipped for."""
        return sum(self.counts.values()) - self.counts.get(SKIPPED, 0)

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.attempted if self.attempted else None


@dataclass
class Misconception:
    hint: str
    group: str
    learners: list[str]  # in class order
    share: float  # of the learners in the report
    see: str  # "function: Section" of the docstring the hint points to, or ""
    text: str


@dataclass
class Fault:
    kind: str
    learner: str
    where: str  # "group: case, case" or the entry's problem


def hint_ids(result: Result) -> set[tuple[str, str]]:
    """(hint id, group) pairs shown in this learner's feedback.md."""
    return {
        (c.hint, group)
        for group, g in result.groups.items()
        for c in g.cases
        if c.hint and c.hint in HINTS
    }


def case_stats(results: Sequence[Result]) -> list[CaseStats]:
    """One row per (group, case), groups in the kit's order, cases in the order first seen."""
    table: dict[tuple[str, str], CaseStats] = {}
    for r in results:
        for group, g in r.groups.items():
            for c in g.cases:
                st = table.setdefault((group, c.name), CaseStats(group, c.name, c.max_cents, c.doc))
                st.max_cents = max(st.max_cents, c.max_cents)
                st.doc = st.doc or c.doc
    for r in results:
        seen = {(group, c.name): c.status for group, g in r.groups.items() for c in g.cases}
        for key, st in table.items():
            status = seen.get(key, NOT_RUN)
            st.counts[status] = st.counts.get(status, 0) + 1
    order = {g: i for i, g in enumerate(GROUPS)}
    return sorted(table.values(), key=lambda s: order.get(s.group, len(order)))


def hardest_first(stats: Iterable[CaseStats]) -> list[CaseStats]:
    """Lowest pass rate first (cases nobody could be judged on last), then by name."""
    return sorted(
        stats, key=lambda s: (s.pass_rate is None, s.pass_rate or 0.0, -s.max_cents, s.case)
    )


def misconceptions(results: Sequence[Result]) -> list[Misconception]:
    """Every (hint id, group) seen, most learners first."""
    seen: dict[tuple[str, str], list[str]] = {}
    for r in results:
        for key in sorted(hint_ids(r)):
            seen.setdefault(key, []).append(r.learner)
    n = len(results) or 1
    out = [
        Misconception(hint, group, learners, len(learners) / n, HINTS[hint].see, HINTS[hint].text)
        for (hint, group), learners in seen.items()
    ]
    order = {g: i for i, g in enumerate(GROUPS)}
    return sorted(out, key=lambda m: (-len(m.learners), order.get(m.group, 99), m.hint))


def faults(results: Sequence[Result]) -> list[Fault]:
    """Every fault, one row per (kind, learner), in FAULT_KINDS then class order."""
    rows: list[Fault] = []
    for r in results:
        if not r.graded or r.problems:
            rows.append(Fault("unsafe or unreadable entry", r.learner, "; ".join(r.problems)))
        per_kind: dict[str, list[str]] = {}
        for group, g in r.groups.items():
            group_kind = {
                SYNTAX_ERROR: "syntax error",
                IMPORT_FAILED: "import failed",
                GRADER_ERROR: "grader error",
            }.get(g.status)
            if group_kind:
                per_kind.setdefault(group_kind, []).append(f"{group}: {g.message}".rstrip(": "))
            if g.flood:
                per_kind.setdefault("output flood", []).append(group)
            for status, kind in ((TIMEOUT, "timeout"), (CRASHED, "crashed")):
                names = [c.name for c in g.cases if c.status == status]
                if names:
                    per_kind.setdefault(kind, []).append(f"{group}: {', '.join(names)}")
            refused = [c for c in g.cases if c.message.startswith(API_REFUSED)]
            if refused:
                apis = sorted(
                    {c.message.split(" (")[0].removeprefix(API_REFUSED + ": ") for c in refused}
                )
                per_kind.setdefault(API_REFUSED, []).append(f"{group}: {', '.join(apis)}")
        for kind, where in per_kind.items():
            rows.append(Fault(kind, r.learner, "; ".join(where)))
    order = {k: i for i, k in enumerate(FAULT_KINDS)}
    index = {r.learner: i for i, r in enumerate(results)}
    return sorted(rows, key=lambda f: (order.get(f.kind, 99), index.get(f.learner, 0)))


@dataclass
class Spread:
    n: int
    mean: float
    median: float
    q1: float
    q3: float
    low: float
    high: float


def spread(values: Sequence[float]) -> Spread | None:
    if not values:
        return None
    if len(values) == 1:
        q1 = q3 = values[0]
    else:
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return Spread(
        len(values),
        statistics.mean(values),
        statistics.median(values),
        q1,
        q3,
        min(values),
        max(values),
    )


def totals(results: Sequence[Result]) -> list[float]:
    return [r.cents / 100 for r in results if r.graded]


def group_scores(results: Sequence[Result], group: str) -> list[float]:
    return [
        r.groups[group].cents / 100
        for r in results
        if r.graded and group in r.groups and r.groups[group].counted
    ]


# --- spreadsheets -----------------------------------------------------------------------------------------


def write_cases_csv(stats: Sequence[CaseStats], path: Path) -> None:
    """group, case, points, passed, failed, timeout, crashed, skipped, not_run, pass_rate (hardest first
    within each group; pass_rate empty when every learner was skipped)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "group",
                "case",
                "points",
                "passed",
                "failed",
                "timeout",
                "crashed",
                "skipped",
                "not_run",
                "pass_rate",
            ]
        )
        for group in GROUPS:
            for s in hardest_first(x for x in stats if x.group == group):
                rate = s.pass_rate
                w.writerow(
                    [
                        s.group,
                        s.case,
                        fmt(s.max_cents),
                        *(s.counts.get(k, 0) for k in (PASSED, FAILED, TIMEOUT, CRASHED, SKIPPED)),
                        s.counts.get(NOT_RUN, 0),
                        "" if rate is None else f"{rate:.4f}",
                    ]
                )


def write_misconceptions_csv(items: Sequence[Misconception], path: Path) -> None:
    """hint_id, group, learners, share, docstring_section, examples (up to 5 learner ids), most common first."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["hint_id", "group", "learners", "share", "docstring_section", "examples"])
        for m in items:
            w.writerow(
                [
                    m.hint,
                    m.group,
                    len(m.learners),
                    f"{m.share:.4f}",
                    m.see,
                    safe_cell(" ".join(m.learners[:5])),
                ]
            )


def top_lines(results: Sequence[Result], k: int = 5) -> list[str]:
    """The terminal summary's lines: the k most common misconceptions with their learner counts."""
    items = misconceptions(results)
    if not items:
        return []
    n = len(results)
    lines = [f"most common misconceptions ({len(items)} seen; all of them in report.html):"]
    for m in items[:k]:
        see = f"  (see {m.see})" if m.see else ""
        lines.append(f"  {len(m.learners):>5} / {n}  [{m.hint}] {m.group}{see}")
    return lines
