"""Reading a submission's files safely: from a folder or a .zip, never following links, never extracting.

Both sources are seen as a :class:`Tree`: the relative paths of its regular files and a capped ``read``. A zip
is never extracted to disk: its member names are checked (no absolute paths, no ``..``, no drive letters, no
symbolic links, no encrypted members), ``__MACOSX/`` and dot-files are ignored, and a member is read only when
it is wanted, with a size cap on the bytes actually decompressed (a zip bomb's header may lie). Folders are
walked without following symbolic links; a link named like a graded file is reported, not read.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

MAX_MEMBERS = 10_000  # entries in a zip / files walked in a folder
MAX_FILE = 1024 * 1024  # bytes of one file we read (a graded source is a few KB)
MAX_DEPTH = 12


class UnreadableEntry(ValueError):
    """The entry cannot be read at all (corrupt zip, too many members, permission denied)."""


def ignored(rel: str) -> bool:
    """macOS resource forks and dot-files / dot-folders anywhere in the path."""
    parts = PurePosixPath(rel).parts
    return any(p == "__MACOSX" or p.startswith(".") for p in parts)


class Tree:
    """Regular files of one submission entry: ``names`` (relative POSIX paths) and ``read(name)``."""

    names: list[str]
    problems: list[str]
    label: str

    def read(self, name: str) -> bytes | None:  # pragma: no cover - interface
        raise NotImplementedError


class ZipTree(Tree):
    def __init__(self, path: Path) -> None:
        self.label = path.name
        self.problems = []
        self.names = []
        self._path = path
        self._members: dict[str, zipfile.ZipInfo] = {}
        try:
            with zipfile.ZipFile(path) as zf:
                infos = zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
            raise UnreadableEntry(f"{path.name} is not a readable zip ({exc})") from None
        if len(infos) > MAX_MEMBERS:
            raise UnreadableEntry(f"{path.name} has {len(infos)} entries (more than {MAX_MEMBERS})")
        unsafe: list[str] = []
        for info in infos:
            raw = info.filename
            name = raw.replace("\\", "/")
            if name.endswith("/") or info.is_dir():
                continue
            parts = [p for p in name.split("/") if p not in ("", ".")]
            mode = info.external_attr >> 16
            if (
                name.startswith("/")
                or (len(name) > 1 and name[1] == ":")
                or ".." in parts
                or len(parts) > MAX_DEPTH
            ):
                unsafe.append(raw)
                continue
            rel = "/".join(parts)
            if ignored(rel):
                continue
            if stat.S_ISLNK(mode):
                self.problems.append(f"{path.name}: {rel} is a symbolic link; ignored")
                continue
            if info.flag_bits & 0x1:
                self.problems.append(f"{path.name}: {rel} is encrypted; ignored")
                continue
            if rel in self._members:
                self.problems.append(f"{path.name}: {rel} appears twice; the last copy is used")
            self._members[rel] = info
        if unsafe:
            shown = ", ".join(repr(u) for u in unsafe[:3]) + (" ..." if len(unsafe) > 3 else "")
            self.problems.append(
                f"{path.name}: {len(unsafe)} unsafe member name(s) ignored (absolute path or '..'): {shown}"
            )
        self.names = sorted(self._members)

    def read(self, name: str) -> bytes | None:
        info = self._members.get(name)
        if info is None:
            return None
        if info.file_size > MAX_FILE:
            self.problems.append(
                f"{self.label}: {name} is larger than {MAX_FILE >> 10} KiB; not graded"
            )
            return None
        try:
            with zipfile.ZipFile(self._path) as zf, zf.open(info) as f:
                data = f.read(MAX_FILE + 1)
        except (
            zipfile.BadZipFile,
            OSError,
            EOFError,
            ValueError,
            RuntimeError,
            NotImplementedError,
            zlib.error,
        ) as exc:
            self.problems.append(f"{self.label}: {name} could not be read ({exc})")
            return None
        if len(data) > MAX_FILE:
            self.problems.append(
                f"{self.label}: {name} is larger than {MAX_FILE >> 10} KiB; not graded"
            )
            return None
        return data


class FolderTree(Tree):
    def __init__(self, path: Path) -> None:
        self.label = path.name + "/"
        self.problems = []
        self._root = path
        names: list[str] = []
        links: list[str] = []
        try:
            for dirpath, dirnames, filenames in os.walk(
                path, followlinks=False, onerror=self._onerror
            ):
                rel_dir = os.path.relpath(dirpath, path)
                depth = 0 if rel_dir == "." else rel_dir.count(os.sep) + 1
                dirnames[:] = sorted(
                    d
                    for d in dirnames
                    if not ignored(d)
                    and depth < MAX_DEPTH
                    and not os.path.islink(os.path.join(dirpath, d))
                )
                for fname in sorted(filenames):
                    rel = fname if rel_dir == "." else f"{rel_dir.replace(os.sep, '/')}/{fname}"
                    if ignored(rel):
                        continue
                    st = os.lstat(os.path.join(dirpath, fname))
                    if stat.S_ISLNK(st.st_mode):
                        links.append(rel)
                    elif stat.S_ISREG(st.st_mode):
                        names.append(rel)
                    if len(names) > MAX_MEMBERS:
                        raise UnreadableEntry(f"{path.name}/ holds more than {MAX_MEMBERS} files")
        except OSError as exc:
            raise UnreadableEntry(f"{path.name}/ cannot be read ({exc.strerror or exc})") from None
        self.names = names
        self._links = set(links)

    def _onerror(self, exc: OSError) -> None:
        self.problems.append(f"{self.label}: {exc.filename} cannot be read ({exc.strerror})")

    def is_link(self, name: str) -> bool:
        return name in self._links

    def read(self, name: str) -> bytes | None:
        path = self._root.joinpath(*name.split("/"))
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError as exc:
            self.problems.append(f"{self.label}: {name} cannot be read ({exc.strerror})")
            return None
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                self.problems.append(f"{self.label}: {name} is not a regular file; not graded")
                return None
            data = f.read(MAX_FILE + 1)
        if len(data) > MAX_FILE:
            self.problems.append(
                f"{self.label}: {name} is larger than {MAX_FILE >> 10} KiB; not graded"
            )
            return None
        return data
