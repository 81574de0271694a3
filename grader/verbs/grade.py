"""`python -m grader grade SUBMISSIONS --out DIR [--jobs N] [--timeout S] [--memory-mb M] [--seed N]
[--gpu auto|on|off] [--groups G,G] [--points G=P,G=P] [--executor local|dask] [--scheduler tcp://HOST:PORT]
[--nbgrader-db DB]`: grade every entry of SUBMISSIONS in sandboxed workers, on this machine (``--executor
local``, the default), on a dask LocalCluster of N processes (``--executor dask``) or on an existing dask cluster
(``--scheduler``).

Writes DIR/grades.csv, DIR/<learner>/feedback.md and DIR/<learner>/results.json (Gradescope's schema) and the
class report, built in a temporary folder and moved into DIR at the end, so a rerun never mixes old and new
results; DIR/.journal.jsonl keeps every finished learner, so an interrupted or repeated run skips the learners
already graded with the same files, options and kit. Exit 0 whenever the class was graded, however badly
submissions failed; 1 when it could not be; 2 for misuse (a missing SUBMISSIONS folder, bad options). The run
itself is grader/grading/session.py.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = main.__kwdefaults__
    _folders_and_limits(parser, d)
    _what_counts(parser, d)
    _where_it_runs(parser, d)


def _folders_and_limits(parser: argparse.ArgumentParser, d: dict) -> None:
    """SUBMISSIONS, --out, --jobs, --timeout, --memory-mb."""
    parser.add_argument(
        "submissions",
        type=Path,
        metavar="SUBMISSIONS",
        help="folder with one entry per learner: a folder, a .zip or a .ipynb",
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="output folder (grades.csv, <learner>/feedback.md, <learner>/results.json)",
    )
    parser.add_argument(
        "--jobs",
        type=_positive_int,
        default=d["jobs"],
        metavar="N",
        help="workers at once (default: the number of CPU cores)",
    )
    parser.add_argument(
        "--timeout",
        type=_positive_float,
        default=d["timeout"],
        metavar="S",
        help="seconds per call into learner code, the import included (default %(default)s)",
    )
    parser.add_argument(
        "--memory-mb",
        type=_positive_int,
        default=d["memory_mb"],
        metavar="M",
        help="address space a worker may add, in MiB (default %(default)s)",
    )


def _what_counts(parser: argparse.ArgumentParser, d: dict) -> None:
    """--seed, --gpu, --groups, --points."""
    parser.add_argument(
        "--seed",
        type=int,
        default=d["seed"],
        metavar="N",
        help="seed of the hidden inputs (with the learner id; default %(default)s)",
    )
    parser.add_argument(
        "--gpu",
        choices=("auto", "on", "off"),
        default=d["gpu"],
        help="GPU cases: auto = run without points when CUDA is present, on = with "
        "points, off = skip (default %(default)s)",
    )
    parser.add_argument(
        "--groups",
        default=d["groups"],
        metavar="G[,G...]",
        help="grade only these exercise groups (default: every group worth points in grader/points.py; "
        "a 0-point group such as labs is graded, worth nothing, when named here)",
    )
    parser.add_argument(
        "--points",
        default=d["points"],
        metavar="G=P[,G=P...]",
        help="override grader/points.py for this run, e.g. labs=10 (a group given points is graded)",
    )


def _where_it_runs(parser: argparse.ArgumentParser, d: dict) -> None:
    """--executor, --scheduler, --nbgrader-db."""
    parser.add_argument(
        "--executor",
        choices=("local", "dask"),
        default=d["executor"],
        help="local = sandboxed workers of this process; dask = a dask LocalCluster of --jobs "
        "worker processes, each with its own sandbox (needs the [cluster] extra; default %(default)s)",
    )
    parser.add_argument(
        "--scheduler",
        default=d["scheduler"],
        metavar="ADDRESS",
        help="grade on the existing dask cluster whose scheduler is at ADDRESS (tcp://HOST:PORT; "
        "implies --executor dask); every node needs this kit installed",
    )
    parser.add_argument(
        "--nbgrader-db",
        type=Path,
        default=d["nbgrader_db"],
        metavar="DB",
        help="also write every learner's scores into this nbgrader gradebook (COURSE/gradebook.db, "
        "after `nbgrader generate_assignment`), so they show in formgrader",
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def main(
    *,
    submissions: Path,
    out: Path,
    jobs: int = _cores(),
    timeout: float = 10.0,
    memory_mb: int = 4096,
    seed: int = 0,
    gpu: str = "auto",
    nbgrader_db: Path | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    groups: str | None = None,
    points: str | None = None,
) -> int:
    """Grade every entry of SUBMISSIONS; write grades.csv and per-learner feedback under OUT."""
    from grader.grading.session import GradeRequest, grade_folder

    return grade_folder(
        GradeRequest(
            Path(submissions),
            Path(out),
            jobs,
            timeout,
            memory_mb,
            seed,
            gpu,
            nbgrader_db,
            executor,
            scheduler,
            groups,
            points,
        )
    )
