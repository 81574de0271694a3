"""DIR/<learner>/feedback.md: per exercise group, per hidden case -- status, points, the reason, the hint.

Never the reference's values: reasons come from the judges (mismatch counts and positions, shapes, dtypes,
exception names), hints from exercises/feedback/hints.py. What the learner's code printed is shown as a tail, fenced, with
control characters removed.
"""

from __future__ import annotations

import re

from exercises.feedback.hints import render
from grader import GROUPS
from grader.results import GRADED, NOT_AVAILABLE, PASSED, Result, fmt

MARK = {
    "passed": "passed",
    "failed": "FAILED",
    "timeout": "TIMEOUT",
    "crashed": "CRASHED",
    "skipped": "skipped",
    "not run": "not run",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean(text: str, limit: int = 2000) -> str:
    """Learner-controlled text made safe for Markdown: no control characters, one line, bounded."""
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\n", " "))
    return text if len(text) <= limit else text[: limit - 14] + " ... [cut off]"


def fence(text: str) -> str:
    text = _CONTROL.sub("", text.replace("\r\n", "\n"))
    ticks = max((len(m) for m in re.findall(r"`+", text)), default=0)
    bar = "`" * max(3, ticks + 1)
    return f"{bar}text\n{text.rstrip()}\n{bar}"


def render_result(result: Result) -> str:
    lines = [
        f"# Feedback for {clean(result.learner, 200)}",
        "",
        f"**Total: {fmt(result.cents)} / {fmt(result.max_cents)}**",
        "",
    ]
    if result.isolation:
        lines.append(
            f"Graded in a sandbox, isolation level: {result.isolation_detail or result.isolation}."
        )
    lines.append(f"Entry: `{clean(result.entry, 200)}` · inputs seed {result.seed}.")
    if result.problems:
        lines += ["", "Problems with the submission:"]
        lines += [f"- {clean(p)}" for p in result.problems]
    for group in GROUPS:
        g = result.groups.get(group)
        if g is None:
            continue
        lines += [
            "",
            f"## {group}: {fmt(g.cents)} / {fmt(g.max_cents)}" if g.counted else f"## {group}",
        ]
        if g.status == NOT_AVAILABLE:
            lines += ["", "Not graded yet (no hidden tests for this group)."]
            continue
        if g.located:
            lines += ["", f"Graded file: `{clean(g.located, 200)}`."]
        if g.status != GRADED:
            lines += ["", f"**{g.status}**: {clean(g.message)}"]
        if g.cases:
            lines.append("")
        for c in g.cases:
            pts = f"{fmt(c.cents)} / {fmt(c.max_cents)}"
            doc = f" ({c.doc})" if c.doc else ""
            lines.append(f"- **{MARK.get(c.status, c.status)}** `{c.name}`{doc}: {pts}")
            if c.status != PASSED and c.message:
                lines.append(f"  - {clean(c.message)}")
            if c.hint:
                hint = render(c.hint)
                if hint:
                    lines.append(f"  - {hint}")
        for note in g.notes:
            lines += ["", f"Note: {clean(note)}"]
        if g.output.strip():
            shown = len(g.output.encode())
            more = (
                f" (last {shown:,} of {g.output_bytes:,} bytes)" if g.output_bytes > shown else ""
            )
            lines += ["", f"Output of your code{more}:", "", fence(g.output)]
    lines.append("")
    return "\n".join(lines)
