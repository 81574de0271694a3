"""Write grading results into an nbgrader gradebook (`grade --nbgrader-db COURSE/gradebook.db`).

The course comes from `python -m grader nbgrader` + `nbgrader generate_assignment`, so its gradebook holds one
notebook per exercise group and one grade cell per hidden case, ``<group>-hidden-<case>``. For every learner this
adds the student and the submission if missing and sets each of those grade cells' *manual score* to the points the
sandboxed grader gave (nbgrader shows a manual score over an autograded one), so totals and per-case scores show in
formgrader. Cases without a cell (GPU cases) and groups without a notebook are reported, not invented.
"""

from __future__ import annotations

from pathlib import Path

from grader.results import Result


class GradebookError(RuntimeError):
    pass


def write_gradebook(db: Path, results: list[Result], assignment: str = "normlab") -> list[str]:
    """Record ``results`` in the gradebook at ``db``; returns notes for the instructor."""
    try:
        from nbgrader.api import Gradebook, MissingEntry
    except ImportError as exc:  # pragma: no cover - the [instructor] extra
        raise GradebookError(
            "--nbgrader-db needs nbgrader: pip install -e '.[instructor]'"
        ) from exc
    if not Path(db).exists():
        raise GradebookError(
            f"{db} does not exist: run `nbgrader generate_assignment {assignment}` first"
        )
    notes: list[str] = []
    with Gradebook(f"sqlite:///{Path(db).resolve()}") as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry as exc:
            raise GradebookError(
                f"{db} has no assignment {assignment!r}: run `nbgrader generate_assignment {assignment}`"
            ) from exc
        for result in results:
            if not result.graded:
                notes.append(f"{result.learner}: not graded, nothing written")
                continue
            try:
                gb.find_student(result.learner)
            except MissingEntry:
                gb.add_student(result.learner)
            try:
                gb.find_submission(assignment, result.learner)
            except MissingEntry:
                gb.add_submission(assignment, result.learner)
            for group, g in result.groups.items():
                for case in g.cases:
                    try:
                        grade = gb.find_grade(
                            f"{group}-hidden-{case.name}", group, assignment, result.learner
                        )
                    except MissingEntry:
                        if case.device == "cpu":
                            notes.append(f"{result.learner}: no grade cell for {group}/{case.name}")
                        continue
                    grade.manual_score = case.cents / 100
            gb.db.commit()
    return notes
