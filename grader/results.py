"""One result model for a graded learner; every report (grades.csv, feedback.md, results.json, the summary)
is written from it, so they always show the same numbers.

Points are kept in integer hundredths: a group's points (grader/points.py) are split over its counted cases
in proportion to their weights by largest remainders, so the cases' points add up to the group's exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

# Case statuses, as shown to learners.
PASSED, FAILED, TIMEOUT, CRASHED, SKIPPED, NOT_RUN = (
    "passed",
    "failed",
    "timeout",
    "crashed",
    "skipped",
    "not run",
)
# Group statuses: GRADED means case by case; the others are one reason for the whole group.
GRADED = "graded"
NOT_SUBMITTED = "file not submitted"
NOT_AVAILABLE = "not available"
SYNTAX_ERROR = "syntax error"
IMPORT_FAILED = "import failed"
GRADER_ERROR = "grader error"
# How isolated a sandboxed worker ran (grader/inside/sandbox.py decides it), weakest first.
ISOLATION_LEVELS = ("minimal", "partial", "full")


def split_cents(points: float, weights: list[float]) -> list[int]:
    """``points`` in hundredths split over ``weights`` (largest remainder): sums exactly to the total."""
    total = round(points * 100)
    wsum = sum(weights)
    if not weights or wsum <= 0:
        return [0] * len(weights)
    raw = [total * w / wsum for w in weights]
    cents = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (cents[i] - raw[i], i))
    for i in order[: total - sum(cents)]:
        cents[i] += 1
    return cents


def fmt(cents: int) -> str:
    """Hundredths as a number for humans and CSV: 2900 -> "29", 2903 -> "29.03"."""
    whole, frac = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}{whole}" if frac == 0 else f"{sign}{whole}.{frac:02d}"


@dataclass
class CaseResult:
    name: str
    status: str
    cents: int  # points earned, in hundredths
    max_cents: int
    message: str = ""  # why it failed, in the learner's terms (never reference values)
    hint: str | None = None  # id in exercises/feedback/hints.py
    doc: str = ""  # what the case checks
    device: str = "cpu"
    seconds: float = 0.0


@dataclass
class GroupResult:
    group: str
    status: str
    max_cents: int
    cases: list[CaseResult] = field(default_factory=list)
    message: str = ""  # the reason when the whole group has one (not submitted, syntax error ...)
    located: str = ""  # where the graded file was found in the entry
    output: str = ""  # tail of what the learner's code printed
    output_bytes: int = 0
    flood: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def cents(self) -> int:
        return sum(c.cents for c in self.cases)

    @property
    def counted(self) -> bool:
        return self.status != NOT_AVAILABLE


@dataclass
class Result:
    learner: str
    entry: str
    groups: dict[str, GroupResult]
    problems: list[str] = field(default_factory=list)
    isolation: str = ""  # one of ISOLATION_LEVELS, or "" (nothing ran)
    isolation_detail: str = ""
    seed: int = 0
    execution_time: float = 0.0
    fingerprint: str = ""
    graded: bool = True  # False: the entry could not be read at all

    @property
    def cents(self) -> int:
        return sum(g.cents for g in self.groups.values() if g.counted)

    @property
    def max_cents(self) -> int:
        return sum(g.max_cents for g in self.groups.values() if g.counted)

    def status(self) -> str:
        """The gradebook's status column: "ok", or what went wrong, then the isolation level."""
        parts: list[str] = list(self.problems)
        for g in self.groups.values():
            if g.status in (NOT_AVAILABLE, GRADED):
                events = _events(g)
                if events:
                    parts.append(f"{g.group}: {events}")
                continue
            parts.append(f"{g.group}: {g.status}")
        text = "; ".join(parts) if parts else "ok"
        if self.isolation:
            text += f"; isolation: {self.isolation}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Result:
        groups = {
            k: GroupResult(**{**g, "cases": [CaseResult(**c) for c in g.get("cases", [])]})
            for k, g in d["groups"].items()
        }
        return cls(**{**d, "groups": groups})


def _events(g: GroupResult) -> str:
    counts: dict[str, int] = {}
    for c in g.cases:
        if c.status in (TIMEOUT, CRASHED):
            counts[c.status] = counts.get(c.status, 0) + 1
        elif c.message.startswith("API not allowed"):
            counts["API not allowed"] = counts.get("API not allowed", 0) + 1
    if g.flood:
        counts["output flood"] = 1
    return ", ".join(f"{n} {k}" if k != "output flood" else k for k, n in counts.items())


def weakest_isolation(results: Sequence[Result]) -> tuple[str, str]:
    """(the weakest isolation level any of ``results`` ran at, its detail line); ("", "") when none ran."""
    levels = sorted(
        {r.isolation for r in results if r.isolation in ISOLATION_LEVELS},
        key=ISOLATION_LEVELS.index,
    )
    if not levels:
        return "", ""
    detail = next((r.isolation_detail for r in results if r.isolation == levels[0]), "")
    return levels[0], detail or levels[0]
