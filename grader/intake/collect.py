"""SUBMISSIONS -> one :class:`Submission` per learner: the graded files' sources, and what was wrong with the entry.

An entry is a folder, a ``.zip`` or a notebook (``.ipynb``), named by learner id (the name without its
extension). Inside a folder or zip, ``<group>.py`` is looked up at the root, under ``exercises/``, and, when the
root holds nothing else but one folder (``ana.zip`` -> ``ana/...`` or ``normlab-main/exercises/...``), inside
that folder. Only the graded files are taken: everything else a worker sees comes from the trusted kit. Nothing is
ever run or extracted here (grader/intake/unpack.py). A bad entry becomes problems on its row, never an exception.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from grader import GROUPS
from grader.intake.notebooks import NotebookError, notebook_sources
from grader.intake.unpack import FolderTree, Tree, UnreadableEntry, ZipTree, ignored

MAX_NOTEBOOK = 32 * 1024 * 1024


@dataclass
class Submission:
    learner: (
        str  # learner id: the entry's name without extension (the entry's full name if ambiguous)
    )
    entry: str  # the entry's file or folder name in SUBMISSIONS
    kind: str  # folder | zip | notebook
    files: dict[str, bytes] = field(default_factory=dict)  # group -> source
    located: dict[str, str] = field(
        default_factory=dict
    )  # group -> where it was found, for feedback
    problems: list[str] = field(default_factory=list)  # shown on the row and in feedback
    unreadable: bool = False  # nothing could be read at all


def learner_id(entry: Path) -> str:
    return entry.name if entry.is_dir() else entry.stem


def collect(folder: Path) -> tuple[list[Submission], list[str]]:
    """(submissions sorted by learner id, class-level notes such as skipped stray files)."""
    notes: list[str] = []
    subs: list[Submission] = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if ignored(entry.name):
            continue
        if entry.is_symlink():
            notes.append(
                f"skipped {entry.name}: a symbolic link (submit the folder or file itself)"
            )
            continue
        reader = _reader(entry)
        if reader is None:
            notes.append(f"skipped {entry.name}: not a folder, .zip or .ipynb")
            continue
        sub = reader(entry)
        subs.append(sub)
    _dedupe(subs)
    return sorted(subs, key=lambda s: s.learner), notes


def _reader(entry: Path) -> Callable[[Path], Submission] | None:
    if entry.is_dir():
        return read_folder
    return READERS.get(entry.suffix.lower())


def _dedupe(subs: list[Submission]) -> None:
    """Two entries for one learner id (ana/ and ana.zip): grade both, each under its entry name, and say so."""
    by_id: dict[str, list[Submission]] = defaultdict(list)
    for s in subs:
        by_id[s.learner].append(s)
    for learner, group in by_id.items():
        if len(group) < 2:
            continue
        names = ", ".join(s.entry + ("/" if s.kind == "folder" else "") for s in group)
        for s in group:
            s.learner = s.entry
            s.problems.insert(
                0,
                f"duplicate learner id {learner!r} (entries {names}): graded separately, keep one",
            )


def read_folder(entry: Path) -> Submission:
    return _read_tree(entry, "folder", FolderTree)


def read_zip(entry: Path) -> Submission:
    return _read_tree(entry, "zip", ZipTree)


def _read_tree(entry: Path, kind: str, open_tree: type) -> Submission:
    """A folder or zip entry: its graded files, or the reason it could not be read."""
    sub = Submission(learner_id(entry), entry.name, kind)
    try:
        tree: Tree = open_tree(entry)
    except UnreadableEntry as exc:
        sub.problems.append(str(exc))
        sub.unreadable = True
        return sub
    _take(sub, tree)
    return sub


def read_notebook_entry(entry: Path) -> Submission:
    """A notebook entry: its code cells become the graded sources (grader/intake/notebooks.py; never executed)."""
    sub = Submission(learner_id(entry), entry.name, "notebook")
    try:
        size = entry.stat().st_size
    except OSError as exc:
        sub.problems.append(f"{entry.name} cannot be read ({exc.strerror})")
        sub.unreadable = True
        return sub
    if size > MAX_NOTEBOOK:
        sub.problems.append(f"{entry.name} is larger than {MAX_NOTEBOOK >> 20} MiB; not graded")
        sub.unreadable = True
        return sub
    _notebook_into(sub, entry, entry.name)
    return sub


def _notebook_into(sub: Submission, path: Path, label: str) -> None:
    try:
        sources, problems = notebook_sources(path)
    except (NotebookError, OSError, ValueError, RecursionError) as exc:
        sub.problems.append(f"{label}: {exc}")
        return
    sub.problems += problems
    for group, source in sources.items():
        if group not in sub.files:
            sub.files[group] = source.encode("utf-8")
            sub.located[group] = f"{label} (code cells)"


READERS: dict[str, Callable[[Path], Submission]] = {
    ".zip": read_zip,
    ".ipynb": read_notebook_entry,
}


def _base(names: list[str]) -> str:
    """The folder inside the entry that holds the work: "" (the root) or the single top-level folder(s)."""
    base = ""
    for _ in range(3):
        here = [n.removeprefix(base) for n in names if n.startswith(base)]
        if any(_graded_name(n) for n in here) or any("/" not in n for n in here):
            return base
        tops = {n.split("/", 1)[0] for n in here}
        if len(tops) != 1:
            return base
        base += tops.pop() + "/"
    return base


def _graded_name(rel: str) -> bool:
    return any(rel in (f"{g}.py", f"exercises/{g}.py") for g in GROUPS)


def _take(sub: Submission, tree: Tree) -> None:
    base = _base(tree.names)
    names = set(tree.names)
    links = getattr(tree, "is_link", lambda _: False)
    for group in GROUPS:
        candidates = [f"{base}exercises/{group}.py", f"{base}{group}.py"]
        for cand in candidates:
            if links(cand):
                sub.problems.append(f"{tree.label}{cand} is a symbolic link; not graded")
        found = [c for c in candidates if c in names]
        if not found:
            continue
        if len(found) > 1:
            sub.problems.append(
                f"{tree.label}: both {found[0]} and {found[1]} exist; graded {found[0]}"
            )
        data = tree.read(found[0])
        if data is not None:
            sub.files[group] = data
            sub.located[group] = found[0]
    notebooks = [n for n in tree.names if n.endswith(".ipynb") and n.startswith(base)]
    if notebooks and len(sub.files) < len(GROUPS):
        for name in notebooks:
            data = tree.read(name)
            if data is None:
                continue
            with tempfile.TemporaryDirectory(prefix="normlab-nb-") as tmp:
                path = Path(tmp) / Path(name).name
                path.write_bytes(data)
                _notebook_into(sub, path, f"{tree.label}{name}")
    sub.problems += tree.problems
    if not sub.files and not sub.problems:
        sub.problems.append(
            f"{tree.label}: no graded file found (looked for <group>.py in ./ and exercises/)"
        )
