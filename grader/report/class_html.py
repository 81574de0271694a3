"""DIR/report.html: one self-contained static page about a graded class, for the instructor.

Self-contained: inline CSS, plots as inline SVG data URIs drawn by matplotlib, no script, no font, nothing
fetched; it reads the same opened from disk, offline, with JavaScript off. Every figure has alt text that
carries its numbers, and the plots use hatching and line styles, never colour alone (readable printed in
greyscale). Every string that comes from a learner (ids from file names, messages, entry problems) is cleaned
of control characters and HTML-escaped.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
from collections import Counter
from collections.abc import Sequence
from typing import Any

from grader import GROUPS
from grader.report.class_stats import (
    FAULT_KINDS,
    CaseStats,
    Misconception,
    Spread,
    case_stats,
    faults,
    group_scores,
    hardest_first,
    misconceptions,
    spread,
    totals,
)
from grader.report.feedback_md import clean
from grader.results import CRASHED, FAILED, NOT_RUN, PASSED, SKIPPED, TIMEOUT, Result, fmt

MAX_LEARNER_ROWS = 300  # the learners table; grades.csv has every row
MAX_FAULT_ROWS = 25  # per fault kind
MAX_EXAMPLES = 5  # learner ids shown per misconception
MAX_PLOTTED_HINTS = 12

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;background:#fff;
 margin:0 auto;max-width:1180px;padding:0 1.2em 3em}
h1{font-size:1.6em;margin:.8em 0 .2em}h2{font-size:1.25em;margin:1.6em 0 .4em;padding-top:.4em;
 border-top:2px solid #222}h3{font-size:1.05em;margin:1.1em 0 .3em}
nav{font-size:.95em;margin:.3em 0 1em}nav a{margin-right:1em;color:#024}
table{border-collapse:collapse;margin:.3em 0 1em;font-size:.9em}
th,td{border:1px solid #999;padding:.2em .5em;text-align:left;vertical-align:top}
th{background:#e4e4e4}tbody tr:nth-child(even){background:#f5f5f5}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code{font-size:.92em;background:#eee;padding:0 .2em;border-radius:2px}
.bar{display:inline-block;width:110px;height:.8em;border:1px solid #333;background:#fff;
 vertical-align:middle;margin-right:.4em}
.bar span{display:block;height:100%;background:repeating-linear-gradient(45deg,#333 0 2px,#999 2px 5px)}
figure{margin:.5em 0 1em}figure img{width:100%;max-width:900px;height:auto;border:1px solid #ccc}
figcaption{font-size:.88em;color:#333}
.kv{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em;font-size:.95em}
.kv dt{font-weight:600}.kv dd{margin:0}
.muted{color:#555;font-size:.9em}.ids{font-size:.88em;overflow-wrap:anywhere;min-width:14em}
td.rate,td code{white-space:nowrap}
"""


def esc(text: Any, limit: int = 300) -> str:
    """Learner-controlled (or any) text as HTML: control characters dropped, bounded, escaped."""
    return html.escape(clean(str(text), limit), quote=True)


def _bar(rate: float | None) -> str:
    if rate is None:
        return '<span class="bar"></span>'
    return f'<span class="bar"><span style="width:{rate * 100:.1f}%"></span></span>'


def _pct(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate * 100:.0f}%"


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


# --- plots --------------------------------------------------------------------------------------------------


def _svg(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue().decode()
    start = svg.find("<svg")  # drop the XML prolog and DOCTYPE (an external DTD URL)
    return "data:image/svg+xml;base64," + base64.b64encode(svg[start:].encode()).decode()


def _figure(fig: Any, alt: str, caption: str) -> str:
    src = _svg(fig)
    return (
        f'<figure><img alt="{esc(alt, 4000)}" src="{src}">'
        f"<figcaption>{esc(caption, 600)}</figcaption></figure>"
    )


def _rc() -> dict[str, Any]:
    return {
        "svg.fonttype": "none",  # text stays text: smaller files, selectable
        "svg.hashsalt": "normlab",  # the same class gives the same page
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "hatch.linewidth": 0.6,
    }


# fixed margins (subplots_adjust), not layout="constrained": that layout doubled the time of the figures


def _hist(ax: Any, values: Sequence[float], top: float, bins: int) -> list[int]:
    counts, _, _ = ax.hist(
        values,
        bins=bins,
        range=(0, top),
        facecolor="0.82",
        edgecolor="black",
        hatch="///",
        linewidth=0.7,
    )
    return [int(c) for c in counts]


def _marks(ax: Any, s: Spread) -> None:
    ax.axvline(s.mean, color="black", linestyle="-", linewidth=1.4, label=f"mean {_num(s.mean)}")
    ax.axvline(
        s.median, color="black", linestyle="--", linewidth=1.4, label=f"median {_num(s.median)}"
    )
    for q in (s.q1, s.q3):
        ax.axvline(q, color="0.35", linestyle=":", linewidth=1.2)
    ax.plot([], [], color="0.35", linestyle=":", label=f"quartiles {_num(s.q1)}, {_num(s.q3)}")


def _count_text(counts: list[int], top: float) -> str:
    width = top / len(counts)
    return "; ".join(
        f"{_num(i * width)}-{_num((i + 1) * width)}: {n}" for i, n in enumerate(counts) if n
    )


def totals_figure(values: Sequence[float], top: float, s: Spread) -> str:
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(_rc()):
        fig = Figure(figsize=(8, 2.8))
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.17, top=0.86)
        ax = fig.add_subplot()
        counts = _hist(ax, values, top, 20)
        _marks(ax, s)
        ax.set_xlim(0, top)
        ax.set_xlabel(f"total points (of {_num(top)})")
        ax.set_ylabel("learners")
        ax.yaxis.get_major_locator().set_params(integer=True)
        # above the axes: inside, it hid the first bins
        ax.legend(frameon=False, loc="lower left", bbox_to_anchor=(0, 1), ncols=3)
        alt = (
            f"Histogram of the total scores of {len(values)} graded learners, 0 to {_num(top)} "
            f"points in 20 bins. Mean {_num(s.mean)}, median {_num(s.median)}, quartiles "
            f"{_num(s.q1)} and {_num(s.q3)}. Learners per bin (empty bins left out): "
            f"{_count_text(counts, top)}."
        )
        return _figure(
            fig, alt, "Totals: hatched bars; mean solid, median dashed, quartiles dotted."
        )


def groups_figure(per_group: dict[str, tuple[list[float], float, Spread]]) -> str:
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(_rc()):
        n = len(per_group)
        fig = Figure(figsize=(8, 2.3))
        fig.subplots_adjust(left=0.075, right=0.985, bottom=0.2, top=0.88, wspace=0.15)
        axes = fig.subplots(1, n, sharey=True, squeeze=False)[0]
        parts = []
        for ax, (group, (values, top, s)) in zip(axes, per_group.items(), strict=True):
            counts = _hist(ax, values, top, 10)
            ax.axvline(s.mean, color="black", linestyle="-", linewidth=1.2)
            ax.axvline(s.median, color="black", linestyle="--", linewidth=1.2)
            ax.set_xlim(0, top)
            ax.set_title(group, fontsize=9)
            ax.set_xlabel(f"points (of {_num(top)})")
            ax.yaxis.get_major_locator().set_params(integer=True)
            parts.append(
                f"{group} (of {_num(top)}): mean {_num(s.mean)}, median {_num(s.median)}; "
                f"learners per bin: {_count_text(counts, top)}"
            )
        axes[0].set_ylabel("learners")
        alt = "Histograms of the points per exercise group, 10 bins each. " + ". ".join(parts) + "."
        return _figure(fig, alt, "Per group: mean solid, median dashed.")


def misconceptions_figure(items: Sequence[Misconception], n: int) -> str:
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    shown = list(items[:MAX_PLOTTED_HINTS])
    with rc_context(_rc()):
        height = 0.9 + 0.28 * len(shown)  # inches; margins in inches below
        fig = Figure(figsize=(8, height))
        fig.subplots_adjust(left=0.36, right=0.98, bottom=0.55 / height, top=1 - 0.12 / height)
        ax = fig.add_subplot()
        labels = [f"{m.hint}  ({m.group})" for m in shown][::-1]
        shares = [m.share * 100 for m in shown][::-1]
        bars = ax.barh(
            labels, shares, facecolor="0.82", edgecolor="black", hatch="\\\\\\", linewidth=0.7
        )
        for bar, m in zip(bars, shown[::-1], strict=True):
            ax.text(
                bar.get_width() + 1,
                bar.get_y() + bar.get_height() / 2,
                f"{len(m.learners)}",
                va="center",
                fontsize=8,
            )
        ax.set_xlim(0, 110)
        ax.set_xlabel(f"share of the {n} learners whose feedback carried the hint (%)")
        alt = (
            f"Bar chart of the {len(shown)} most common misconceptions among {n} learners: "
            + "; ".join(
                f"{m.hint} in {m.group}: {len(m.learners)} learners ({m.share * 100:.0f}%)"
                for m in shown
            )
            + "."
        )
        return _figure(fig, alt, "Most common misconceptions first; the number is the learners.")


# --- sections -----------------------------------------------------------------------------------------------


def _run_section(results: Sequence[Result], record: dict[str, Any], page_date: str) -> str:
    graded = [r for r in results if r.graded]
    not_graded = [r for r in results if not r.graded]
    points = record.get("points", {})
    available = [g for g in GROUPS if any(g in r.groups and r.groups[g].counted for r in results)]
    group_text = ", ".join(
        f"{esc(g)} {_num(points.get(g, 0))}" + ("" if g in available else " (not graded yet)")
        for g in GROUPS
        if g in points
    )
    total = sum(points.get(g, 0) for g in available)
    seeds = ", ".join(str(s) for s in record.get("seeds", [])) or "n/a"
    rows = [
        ("graded", esc(record.get("graded_at", "unknown")) + f" (page built {esc(page_date)})"),
        ("inputs seed", esc(seeds)),
        ("kit fingerprint", f"<code>{esc(record.get('kit', 'unknown'))}</code>"),
        ("groups and points", f"{group_text}; total {_num(total)}"),
        ("isolation", esc(record.get("isolation_detail") or record.get("isolation") or "n/a")),
        ("learners", f"{len(results)}: {len(graded)} graded, {len(not_graded)} not graded"),
    ]
    if not_graded:
        ids = ", ".join(esc(r.learner, 120) for r in not_graded[:50])
        more = f" and {len(not_graded) - 50} more" if len(not_graded) > 50 else ""
        rows.append(("not graded", f'<span class="ids">{ids}{more}</span>'))
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return f'<section id="run"><h2>The run</h2><dl class="kv">{body}</dl></section>'


def _spread_row(name: str, s: Spread | None, top: float) -> str:
    if s is None:
        return f"<tr><td>{esc(name)}</td><td colspan=7>nobody graded</td></tr>"
    cells = (s.mean, s.median, s.q1, s.q3, s.low, s.high)
    return (
        f"<tr><td>{esc(name)}</td><td class=n>{_num(top)}</td><td class=n>{s.n}</td>"
        + "".join(f"<td class=n>{_num(x)}</td>" for x in cells)
        + "</tr>"
    )


def _scores_section(results: Sequence[Result], record: dict[str, Any]) -> str:
    values = totals(results)
    top = max((r.max_cents / 100 for r in results), default=0.0)
    s = spread(values)
    parts = ['<section id="scores"><h2>Score distribution</h2>']
    if s is None or top <= 0:
        return parts[0] + "<p>No learner was graded.</p></section>"
    rows = [_spread_row("total", s, top)]
    per_group: dict[str, tuple[list[float], float, Spread]] = {}
    for g in GROUPS:
        gv = group_scores(results, g)
        gtop = max(
            (r.groups[g].max_cents / 100 for r in results if g in r.groups and r.groups[g].counted),
            default=0.0,
        )
        gs = spread(gv)
        if gs is not None and gtop > 0:
            per_group[g] = (gv, gtop, gs)
            rows.append(_spread_row(g, gs, gtop))
    head = "".join(
        f"<th class=n>{h}</th>"
        for h in ("of", "learners", "mean", "median", "Q1", "Q3", "min", "max")
    )
    parts.append(totals_figure(values, top, s))
    if per_group:
        parts.append(groups_figure(per_group))
    parts.append(
        f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    parts.append("</section>")
    return "".join(parts)


def _cases_section(stats: Sequence[CaseStats], n: int) -> str:
    parts = [
        '<section id="cases"><h2>Hidden cases, hardest first</h2>',
        f'<p class="muted">Pass rate = passed / ({n} learners &minus; skipped). "not run" counts a '
        "learner whose group was not graded case by case (file not submitted, syntax error, import "
        "failed) or whose earlier case timed out.</p>",
    ]
    cols = (PASSED, FAILED, TIMEOUT, CRASHED, SKIPPED, NOT_RUN)
    head = (
        "<tr><th>case</th><th>what it checks</th><th class=n>points</th><th>pass rate</th>"
        + "".join(f"<th class=n>{c}</th>" for c in cols)
        + "</tr>"
    )
    for group in GROUPS:
        rows = hardest_first(s for s in stats if s.group == group)
        if not rows:
            continue
        body = "".join(
            f"<tr><td><code>{esc(s.case)}</code></td><td>{esc(s.doc)}</td>"
            f"<td class=n>{fmt(s.max_cents)}</td><td class=rate>{_bar(s.pass_rate)}{_pct(s.pass_rate)}</td>"
            + "".join(f"<td class=n>{s.counts.get(c, 0)}</td>" for c in cols)
            + "</tr>"
            for s in rows
        )
        parts.append(
            f'<h3 id="cases-{esc(group)}">{esc(group)}</h3>'
            f"<table><thead>{head}</thead><tbody>{body}</tbody></table>"
        )
    parts.append("</section>")
    return "".join(parts)


def _misconceptions_section(items: Sequence[Misconception], n: int) -> str:
    parts = [
        '<section id="misconceptions"><h2>Misconceptions</h2>',
        '<p class="muted">A learner counts once per hint and group when any case of the group carried '
        "the hint in their feedback.md. What to re-teach: the docstring section each hint points to.</p>",
    ]
    if not items:
        parts.append("<p>No feedback carried a misconception hint.</p></section>")
        return "".join(parts)
    parts.append(misconceptions_figure(items, n))
    body = []
    for m in items:
        ids = ", ".join(esc(x, 120) for x in m.learners[:MAX_EXAMPLES])
        if len(m.learners) > MAX_EXAMPLES:
            ids += f", &hellip; ({len(m.learners) - MAX_EXAMPLES} more)"
        body.append(
            f"<tr><td><code>{esc(m.hint)}</code></td><td>{esc(m.group)}</td>"
            f"<td class=n>{len(m.learners)}</td><td class=rate>{_bar(m.share)}{_pct(m.share)}</td>"
            f"<td>{esc(m.see) or '&ndash;'}</td><td>{esc(m.text, 600)}</td>"
            f'<td class="ids">{ids}</td></tr>'
        )
    parts.append(
        "<table><thead><tr><th>hint id</th><th>group</th><th class=n>learners</th><th>share</th>"
        "<th>docstring section</th><th>the hint</th><th>for example</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></section>"
    )
    return "".join(parts)


def _faults_section(results: Sequence[Result]) -> str:
    rows = faults(results)
    parts = ['<section id="faults"><h2>Faults</h2>']
    if not rows:
        parts.append(
            "<p>No timeouts, crashes, refused APIs, syntax or import errors.</p></section>"
        )
        return "".join(parts)
    counts = {k: sum(1 for f in rows if f.kind == k) for k in FAULT_KINDS}
    parts.append(
        "<p>"
        + ", ".join(f"{k}: {n} learner{'s' * (n != 1)}" for k, n in counts.items() if n)
        + ".</p>"
    )
    for kind in FAULT_KINDS:
        of_kind = [f for f in rows if f.kind == kind]
        if not of_kind:
            continue
        body = "".join(
            f"<tr><td>{esc(f.learner, 120)}</td><td>{esc(f.where, 400)}</td></tr>"
            for f in of_kind[:MAX_FAULT_ROWS]
        )
        more = (
            f'<p class="muted">&hellip; and {len(of_kind) - MAX_FAULT_ROWS} more (grades.csv, '
            "status column).</p>"
            if len(of_kind) > MAX_FAULT_ROWS
            else ""
        )
        common = Counter(f.where for f in of_kind).most_common(3)
        pile = ""
        if common[0][1] > 1:  # where a class's faults pile up
            where = "; ".join(f"{esc(w, 200)} ({n})" for w, n in common)
            pile = f'<p class="muted">Most frequent: {where}.</p>'
        parts.append(
            f"<h3>{esc(kind)} ({len(of_kind)})</h3>{pile}<table><thead><tr><th>learner</th>"
            f"<th>where</th></tr></thead><tbody>{body}</tbody></table>{more}"
        )
    parts.append("</section>")
    return "".join(parts)


def _learners_section(results: Sequence[Result]) -> str:
    groups = [g for g in GROUPS if any(g in r.groups and r.groups[g].counted for r in results)]
    shown = list(results)[:MAX_LEARNER_ROWS]
    head = (
        "<tr><th>learner</th><th class=n>total</th>"
        + "".join(f"<th class=n>{esc(g)}</th>" for g in groups)
        + "<th>status</th></tr>"
    )
    body = "".join(
        f"<tr><td>{esc(r.learner, 120)}</td><td class=n>{fmt(r.cents)} / {fmt(r.max_cents)}</td>"
        + "".join(
            f"<td class=n>{fmt(r.groups[g].cents) if g in r.groups else ''}</td>" for g in groups
        )
        + f"<td>{esc(r.status(), 400)}</td></tr>"
        for r in shown
    )
    note = ""
    if len(results) > len(shown):
        note = (
            f'<p class="muted">The first {len(shown)} of {len(results)} learners; every row is in '
            "grades.csv.</p>"
        )
    return (
        f'<section id="learners"><h2>Learners</h2>{note}<table><thead>{head}</thead>'
        f"<tbody>{body}</tbody></table></section>"
    )


def render(
    results: Sequence[Result],
    record: dict[str, Any],
    *,
    stats: Sequence[CaseStats] | None = None,
    items: Sequence[Misconception] | None = None,
    page_date: str | None = None,
) -> str:
    """The whole page as one string."""
    stats = case_stats(results) if stats is None else stats
    items = misconceptions(results) if items is None else items
    page_date = page_date or _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    n = len(results)
    nav = "".join(
        f'<a href="#{a}">{t}</a>'
        for a, t in (
            ("run", "run"),
            ("scores", "scores"),
            ("cases", "cases"),
            ("misconceptions", "misconceptions"),
            ("faults", "faults"),
            ("learners", "learners"),
        )
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "img-src data:; style-src 'unsafe-inline'\">"
        f"<title>normlab class report: {n} learners</title><style>{CSS}</style></head><body>"
        f"<h1>Class report</h1><nav>{nav}</nav>"
        + _run_section(results, record, page_date)
        + _scores_section(results, record)
        + _cases_section(stats, n)
        + _misconceptions_section(items, n)
        + _faults_section(results)
        + _learners_section(results)
        + "</body></html>\n"
    )
