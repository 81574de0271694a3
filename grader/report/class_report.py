"""The class insight files in DIR: report.html (class_html.py), cases.csv and misconceptions.csv
(class_stats.py), and run.json, the record they are rebuilt from by `python -m grader report DIR`.

DIR/run.json (written by `grade`; documented here, read only by this module):
    {"format": "normlab-run/1",
     "graded_at": "2026-12-03T13:22:05Z",        # UTC, when grade wrote the reports
     "seeds": [0], "kit": "<kit fingerprint>",   # grader.kit.kit_fingerprint of every group
     "isolation": "full", "isolation_detail": "full (namespaces: ...)",   # the weakest level any worker ran at
     "points": {"layer_norm": 30, ...},          # grader/points.py at grading time
     "case_docs": {"<group>": {"<case>": "what it checks"}},
     "learners": [<Result.to_dict()>, ...]}      # every row of grades.csv, in its order
A learner's record is grader.results.Result's dict without what the class report never shows, to keep the
file small (about 5 KB a learner): the output tail, where the file was found, timings, the per-case docs (once
in case_docs) and the isolation detail (once above), a case message unless it names a fault (timeout, crash,
a refused API), and fields equal to their default. Result.from_dict reads it back (defaults filled in).

Nothing here imports matplotlib or torch at import time: `grade --help` stays fast.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grader.results import CRASHED, TIMEOUT, Result, weakest_isolation

FORMAT = "normlab-run/1"
RUN = "run.json"
HTML = "report.html"
CASES = "cases.csv"
MISCONCEPTIONS = "misconceptions.csv"
NAMES = (RUN, HTML, CASES, MISCONCEPTIONS)  # file names in DIR that no learner folder may take


def _kit_fingerprint() -> str:
    from grader import GROUPS
    from grader.kit import kit_fingerprint

    return kit_fingerprint(list(GROUPS))


# fields left out of run.json: never shown by the class report (ALWAYS), or equal to the dataclass default
ALWAYS = object()
_CASE_DEFAULTS = {"message": "", "hint": None, "doc": ALWAYS, "device": "cpu", "seconds": ALWAYS}
_GROUP_DEFAULTS = {
    "message": "",
    "located": ALWAYS,
    "output": ALWAYS,
    "output_bytes": ALWAYS,
    "notes": [],
}


def _drop_defaults(d: dict[str, Any], defaults: dict[str, Any]) -> None:
    """Result.from_dict puts the dataclass default back for every key dropped here."""
    for key, value in defaults.items():
        if key in d and (value is ALWAYS or d[key] == value):
            del d[key]


def run_record(
    results: Sequence[Result], *, kit: str | None = None, points: dict[str, float] | None = None
) -> dict[str, Any]:
    """The run.json record for this class (its date is now); ``points``: the run's table (default POINTS)."""
    from grader.points import POINTS

    level, detail = weakest_isolation(results)
    docs: dict[str, dict[str, str]] = {}
    learners = []
    for r in results:
        d = r.to_dict()
        d["isolation_detail"] = ""
        for group, g in d["groups"].items():
            for c in g["cases"]:
                if c["doc"]:
                    docs.setdefault(group, {}).setdefault(c["name"], c["doc"])
                fault = c["status"] in (TIMEOUT, CRASHED) or c["message"].startswith(
                    "API not allowed"
                )
                if not fault:
                    c["message"] = ""
                _drop_defaults(c, _CASE_DEFAULTS)
            _drop_defaults(g, _GROUP_DEFAULTS)
        learners.append(d)
    return {
        "format": FORMAT,
        "graded_at": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seeds": sorted({r.seed for r in results}),
        "kit": kit if kit is not None else _kit_fingerprint(),
        "isolation": level,
        "isolation_detail": detail,
        "points": dict(POINTS if points is None else points),
        "case_docs": docs,
        "learners": learners,
    }


def load_run(folder: Path) -> tuple[dict[str, Any], list[Result]]:
    """run.json of a grade output folder -> (record without learners, Results with their case docs)."""
    record = json.loads((Path(folder) / RUN).read_text(encoding="utf-8"))
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise ValueError(f"{Path(folder) / RUN} is not a {FORMAT} record")
    docs = record.get("case_docs", {})
    results = []
    for d in record.pop("learners"):
        r = Result.from_dict(d)
        for group, g in r.groups.items():
            for c in g.cases:
                c.doc = docs.get(group, {}).get(c.name, "")
        results.append(r)
    return record, results


def write_insights(
    results: Sequence[Result], folder: Path, record: dict[str, Any], *, page_date: str | None = None
) -> list[str]:
    """cases.csv, misconceptions.csv and report.html in ``folder``; returns the names written."""
    from grader.report import class_html, class_stats

    stats = class_stats.case_stats(results)
    items = class_stats.misconceptions(results)
    class_stats.write_cases_csv(stats, folder / CASES)
    class_stats.write_misconceptions_csv(items, folder / MISCONCEPTIONS)
    page = class_html.render(results, record, stats=stats, items=items, page_date=page_date)
    tmp = folder / f".{HTML}.tmp"
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(folder / HTML)
    return [CASES, MISCONCEPTIONS, HTML]


def write_all(
    results: Sequence[Result], folder: Path, points: dict[str, float] | None = None
) -> list[str]:
    """What `grade` calls: run.json plus the insight files. A failure here never costs the class its
    grades: it is reported on stderr and the files already written are kept."""
    written: list[str] = []
    try:
        record = run_record(results, points=points)
        (folder / RUN).write_text(
            json.dumps(record, separators=(",", ":")) + "\n", encoding="utf-8"
        )
        written.append(RUN)
        record.pop("learners")
        written += write_insights(results, folder, record)
    except Exception as exc:  # a report bug must not lose the grades written before it
        print(
            f"grade: the class report was not written: {type(exc).__name__}: {exc}", file=sys.stderr
        )
        written += [n for n in NAMES if n not in written and os.path.exists(folder / n)]
    return written
