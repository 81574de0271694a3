"""`python -m grader nbgrader --out COURSE [--assignment NAME] [--force]`: an nbgrader course folder.

Writes COURSE/nbgrader_config.py and COURSE/source/<assignment>/<group>.ipynb (grader/authoring/nbgrader_course.py). Then, with
the kit's venv on PATH: `cd COURSE && nbgrader generate_assignment <assignment>` makes the release, learners'
notebooks go to COURSE/submitted/<learner>/<assignment>/, and `nbgrader autograde <assignment>` grades them;
`python -m grader grade COURSE/submitted --out DIR --nbgrader-db COURSE/gradebook.db` grades the same notebooks
in the sandbox and writes the totals into nbgrader's gradebook.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from exercises.feedback.hint_levels import DEFAULT_RELEASE_CAP


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = main.__kwdefaults__
    parser.add_argument("--out", type=Path, required=True, help="course folder to create")
    parser.add_argument(
        "--assignment", default=d["assignment"], help="assignment name (default %(default)s)"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        default=d["force"],
        help="replace an existing source/<assignment>/ folder",
    )
    parser.add_argument(
        "--max-hint-level",
        type=int,
        default=d["max_hint_level"],
        metavar="N",
        help="notebooks show hint levels 1..N after each exercise (0: none); default: "
        f"{DEFAULT_RELEASE_CAP}, as a learner release (the derivations' compact results stay back)",
    )


def main(
    *,
    out: Path,
    assignment: str = "normlab",
    force: bool = False,
    max_hint_level: int | None = DEFAULT_RELEASE_CAP,
) -> int:
    from grader.authoring.nbgrader_course import build_course

    out = Path(out)
    target = out / "source" / assignment
    if target.exists() and any(target.iterdir()):
        if not force:
            print(
                f"nbgrader: {target} exists and is not empty; pass --force to replace it",
                file=sys.stderr,
            )
            return 2
        shutil.rmtree(target)
    if (out / "nbgrader_config.py").exists() and not force:
        print(
            f"nbgrader: {out / 'nbgrader_config.py'} exists; pass --force to replace it",
            file=sys.stderr,
        )
        return 2
    written = build_course(out, assignment, max_hint_level)
    for path in written:
        print(f"nbgrader: wrote {path}")
    print(f"nbgrader: next: cd {out} && nbgrader generate_assignment {assignment}")
    return 0
