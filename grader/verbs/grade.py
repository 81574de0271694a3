"""`python -m grader grade SUBMISSIONS --out DIR [--jobs N] [--timeout S] [--memory-mb M] [--seed N]
[--gpu auto|on|off] [--executor local|dask] [--scheduler tcp://HOST:PORT]`: grade every entry of SUBMISSIONS in
sandboxed workers, on this machine (``--executor local``, the default), on a dask LocalCluster of N processes
(``--executor dask``) or on an existing dask cluster (``--scheduler``; grader/run/dask_client.py).

Writes DIR/grades.csv, DIR/<learner>/feedback.md and DIR/<learner>/results.json (Gradescope's schema), built
in a temporary folder and moved into DIR at the end, so a rerun never mixes old and new results; DIR/.journal.jsonl
keeps every finished learner, so an interrupted or repeated run skips the learners already graded with the
same files, options and kit. Exit 0 whenever the class was graded, however badly submissions failed;
2 for misuse (a missing SUBMISSIONS folder, bad options).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
import threading
import time
from pathlib import Path

MANIFEST = ".normlab-grades.json"  # marks DIR as ours: only what it lists is ever replaced


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = main.__kwdefaults__
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
    submissions, out = Path(submissions), Path(out)
    if not submissions.is_dir():
        what = "does not exist" if not submissions.exists() else "is not a folder"
        return _misuse(
            f"SUBMISSIONS {submissions} {what} (expected a folder with one entry per learner)"
        )
    problem = _check_out(out, submissions)
    if problem:
        return _misuse(problem)

    from grader.points import default_groups, parse_groups, parse_points, points_table

    try:
        overrides = parse_points(points or "")
        table = points_table(overrides)
        chosen = parse_groups(groups) if groups else default_groups(table)
    except ValueError as exc:
        return _misuse(f"--groups/--points: {exc}")
    # a group given points is graded even when --groups does not name it
    chosen = [g for g in table if g in chosen or overrides.get(g, 0) > 0]  # GROUPS order

    from grader.intake.collect import collect

    subs, notes = collect(submissions)
    for note in notes:
        print(f"grade: {note}", file=sys.stderr)
    if not subs:
        return _misuse(
            f"no submissions in {submissions} (expected one folder, .zip or .ipynb per learner)"
        )
    from grader.grading.journal import Journal
    from grader.grading.plan import Options, available_groups, grade_class
    from grader.run.local import LocalExecutor

    kind = "dask" if scheduler else executor
    cluster_errors: tuple[type[Exception], ...] = ()
    if kind == "dask":
        executor, problem = _dask_executor(scheduler, jobs, seed, [submissions, out], chosen)
        if executor is None:
            print(f"grade: error: {problem}", file=sys.stderr)
            return 1
        from grader.run.dask_client import ClusterError

        cluster_errors = (ClusterError,)
    else:
        # the zygote (a fresh interpreter importing torch) starts now, while this process loads the cases
        executor = LocalExecutor(
            jobs, [g for g in available_groups() if g in chosen], hide=[submissions, out]
        )
        executor.warm()
    cuda = False
    if gpu != "off" and _has_gpu_cases():
        cuda = _cuda_available()
        if gpu == "on" and not cuda:
            executor.close()
            return _misuse(
                "--gpu on, but no CUDA device is available (torch.cuda.is_available() is False)"
            )

    from grader.judging.evaluate import warm_up
    from grader.judging.pool import JudgePool
    from grader.report.summary import print_summary
    from grader.run.zygote_client import ZygoteError

    # this process's first-call costs, paid on this core while the zygote starts on another (on dask the
    # workers judge: nothing to warm here)
    if kind == "local":
        warm_up([g for g in available_groups() if g in chosen])

    out.mkdir(parents=True, exist_ok=True)
    _clean_stale(out)
    _write_manifest(out, _read_manifest(out))
    options = Options(
        seed=seed,
        timeout=timeout,
        memory_mb=memory_mb,
        gpu=gpu,
        cuda=cuda,
        groups=tuple(chosen),
        points=tuple((g, table[g]) for g in chosen),
    )
    missing = [g for g in chosen if g not in available_groups()]
    if missing:
        print(f"grade: not available yet (no hidden tests): {', '.join(missing)}", file=sys.stderr)
    start = time.monotonic()
    progress = _Progress(len(subs))
    # judge servers only on cores the workers and this process leave idle: on fewer, a server's start
    # (a fresh interpreter importing torch) costs more than the judging it would move
    spare = (os.cpu_count() or 1) - jobs - 1
    judges = JudgePool(min(jobs, spare)) if spare > 0 and kind == "local" else None
    closer: threading.Thread | None = None
    try:
        try:
            results = grade_class(
                subs,
                options,
                executor,
                journal=Journal(out / ".journal.jsonl"),
                max_inflight=2 * max(jobs, getattr(executor, "slots", jobs)),
                progress=progress,
                judges=judges,
            )
            if executor.start_error is not None:
                raise executor.start_error
        except BaseException:
            executor.close()
            raise
        if (
            kind == "dask"
        ):  # every result is in: the cluster shuts down (~1.5 s) while the reports are written
            closer = threading.Thread(target=executor.close, name="cluster-close", daemon=True)
            closer.start()
        else:
            executor.close()
    except ZygoteError as exc:
        progress.close()
        print(f"grade: could not start the sandboxed workers: {exc}", file=sys.stderr)
        return 1
    except cluster_errors as exc:  # a worker with another kit: nothing is graded with it
        progress.close()
        print(f"grade: error: {exc} (nothing written)", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        progress.close()
        print(
            f"grade: interrupted; finished learners are in {out / '.journal.jsonl'}: rerun to go on",
            file=sys.stderr,
        )
        return 130
    finally:
        if judges is not None:
            judges.close()
    progress.close()
    write_reports(results, out, chosen, {g: table[g] for g in chosen})
    if closer is not None:
        closer.join()
    print_summary(results, seconds=time.monotonic() - start, reused=progress.reused)
    print(f"wrote {out / 'grades.csv'} and feedback for {len(results)} learners")
    if nbgrader_db is not None:
        from grader.report.nbgrader_db import GradebookError, write_gradebook

        try:
            for note in write_gradebook(Path(nbgrader_db), results):
                print(f"grade: nbgrader: {note}", file=sys.stderr)
        except GradebookError as exc:
            print(f"grade: nbgrader: {exc} (grades.csv and feedback are written)", file=sys.stderr)
            return 1
        print(f"wrote the scores into {nbgrader_db}")
    return 0


def _dask_executor(
    scheduler: str | None, jobs: int, seed: int, hide: list[Path], groups: list[str]
) -> tuple[object | None, str]:
    """(the dask executor, "") or (None, why not): an unreachable scheduler, a worker with another kit."""
    try:
        import distributed  # noqa: F401

        from grader.run.dask_client import ClusterError, DaskExecutor
    except ImportError as exc:  # pragma: no cover - the [cluster] extra is not installed
        return None, f"--executor dask needs dask.distributed (pip install '.[cluster]'): {exc}"
    try:
        if scheduler:
            return DaskExecutor.connect(scheduler, seed=seed, hide=hide, groups=groups), ""
        return DaskExecutor.local(jobs, seed=seed, hide=hide, groups=groups), ""
    except ClusterError as exc:
        return None, str(exc)


def _misuse(message: str) -> int:
    print(f"grade: error: {message}", file=sys.stderr)
    return 2


def _has_gpu_cases() -> bool:
    from grader.grading.plan import available_groups
    from grader.judging.cases import load_cases

    return any(c.device != "cpu" for g in available_groups() for c in load_cases(g))


def _cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


# --- output folder ------------------------------------------------------------------------------------


def _check_out(out: Path, submissions: Path) -> str | None:
    if out.exists() and not out.is_dir():
        return f"--out {out} exists and is not a folder"
    try:
        if out.resolve() == submissions.resolve() or submissions.resolve() in out.resolve().parents:
            return f"--out {out} is inside SUBMISSIONS; choose a folder outside it"
    except OSError:
        pass
    if out.is_dir() and not (out / MANIFEST).exists():
        visible = [p for p in out.iterdir() if not p.name.startswith(".")]
        if visible:
            return (
                f"--out {out} is not empty and was not written by `grader grade`; "
                "choose a new or empty folder"
            )
    return None


def _read_manifest(out: Path) -> list[str]:
    try:
        data = json.loads((out / MANIFEST).read_text())
        return [str(x) for x in data.get("written", [])]
    except (OSError, ValueError, AttributeError):
        return []


def _write_manifest(out: Path, written: list[str]) -> None:
    tmp = out / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps({"written": sorted(set(written))}, indent=1))
    tmp.replace(out / MANIFEST)


def _clean_stale(out: Path) -> None:
    for p in out.glob(".new-*"):
        shutil.rmtree(p, ignore_errors=True)
    for p in out.glob(".old-*"):
        shutil.rmtree(p, ignore_errors=True)


def output_folder(learner: str) -> str:
    """A learner's folder name in DIR (never a name the grader itself uses)."""
    from grader.report.class_report import NAMES

    if learner in ("grades.csv", MANIFEST, *NAMES) or learner.startswith(".") or "/" in learner:
        return "learner-" + learner.replace("/", "_").lstrip(".")
    return learner


def write_reports(
    results: list, out: Path, groups: list[str] | None = None, points: dict | None = None
) -> None:
    """Write everything into DIR/.new-*, then swap it in: what the previous run wrote goes, nothing else."""
    from grader.report import class_report, feedback_md, gradebook_csv, gradescope_json

    token = secrets.token_hex(4)
    new = out / f".new-{token}"
    new.mkdir()
    written = ["grades.csv"]
    gradebook_csv.write(results, new / "grades.csv", groups)
    for r in results:
        name = output_folder(r.learner)
        folder = new / name
        folder.mkdir()
        (folder / "feedback.md").write_text(feedback_md.render_result(r), encoding="utf-8")
        (folder / "results.json").write_text(
            json.dumps(gradescope_json.to_dict(r), indent=1) + "\n", encoding="utf-8"
        )
        written.append(name)
    written += class_report.write_all(
        results, new, points
    )  # report.html, cases.csv, ... (after the rest)
    old = out / f".old-{token}"
    old.mkdir()
    for name in _read_manifest(out):
        if (out / name).exists() or (out / name).is_symlink():
            (out / name).rename(old / name)
    for name in written:
        (new / name).rename(out / name)
    _write_manifest(out, written)
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(new, ignore_errors=True)


class _Progress:
    """A progress bar on a TTY (rich when installed), nothing otherwise."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.reused = 0
        self._bar = None
        if sys.stderr.isatty():
            try:
                from rich.progress import Progress

                self._bar = Progress(transient=True)
                self._bar.start()
                self._task = self._bar.add_task("grading", total=total)
            except ImportError:
                self._bar = None
        self._plain = sys.stderr.isatty() and self._bar is None

    def __call__(self, result: object, reused: bool) -> None:
        self.done += 1
        self.reused += int(reused)
        if self._bar is not None:
            self._bar.update(
                self._task, advance=1, description=f"grading {getattr(result, 'learner', '')}"
            )
        elif self._plain:
            print(f"\rgrading: {self.done}/{self.total}", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        elif self._plain:
            print(file=sys.stderr)
            self._plain = False
