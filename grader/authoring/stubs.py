"""solutions/<group>.py -> exercises/<group>.py: every solution region becomes a stub that says what to do.

Markers (nbgrader's, with an exercise id and a task)::

    ### BEGIN SOLUTION layer_norm.1: normalize over the last gamma.ndim axes, then scale and shift
    ...reference code...
    ### END SOLUTION

become ``raise NotImplementedError("Exercise layer_norm.1: normalize over ...")`` at the same indentation.
A region with no id (``### BEGIN SOLUTION`` alone, e.g. a private helper at module level) is dropped.
"""

from __future__ import annotations

import re

BEGIN = re.compile(
    r"^(?P<indent>[ \t]*)### BEGIN SOLUTION(?:\s+(?P<id>[\w.]+):\s*(?P<task>.*?))?\s*$"
)
END = re.compile(r"^[ \t]*### END SOLUTION\s*$")

HEADER = (
    "# Your file: replace each `raise NotImplementedError(...)` with your code, then run\n"
    "# `pytest -m {group}` for feedback.\n"
)


class StubError(ValueError):
    pass


def regions(source: str) -> list[tuple[int, int, str | None, str]]:
    """(begin line, end line, exercise id or None, task) of every solution region, 0-based."""
    out, open_at = [], None
    for i, line in enumerate(source.splitlines()):
        if m := BEGIN.match(line):
            if open_at is not None:
                raise StubError(f"line {i + 1}: BEGIN SOLUTION inside another region")
            open_at = (i, m["id"], (m["task"] or "").strip())
        elif END.match(line):
            if open_at is None:
                raise StubError(f"line {i + 1}: END SOLUTION without BEGIN")
            out.append((open_at[0], i, open_at[1], open_at[2]))
            open_at = None
    if open_at is not None:
        raise StubError(f"line {open_at[0] + 1}: BEGIN SOLUTION never ended")
    return out


def make_stub(source: str, group: str) -> str:
    lines = source.splitlines()
    out: list[str] = []
    cursor = 0
    for begin, end, ex_id, task in regions(source):
        out.extend(lines[cursor:begin])
        if ex_id:
            indent = BEGIN.match(lines[begin])["indent"]
            out.extend(_raise_lines(indent, f"Exercise {ex_id}: {task}"))
        cursor = end + 1
    out.extend(lines[cursor:])
    text = "\n".join(out) + "\n"
    return _insert_header(text, HEADER.format(group=group))


def stub_one(source: str, ex_id: str) -> str:
    """``source`` with the region of exercise ``ex_id`` alone replaced by its stub, every other region kept as
    written: a learner who has done everything but that exercise (the kit tests of what one fault costs).
    KeyError when ``source`` has no region ``ex_id``."""
    lines = source.splitlines()
    for begin, end, found, task in regions(source):
        if found == ex_id:
            indent = BEGIN.match(lines[begin])["indent"]
            stub = _raise_lines(indent, f"Exercise {ex_id}: {task}")
            return "\n".join(lines[:begin] + stub + lines[end + 1 :]) + "\n"
    raise KeyError(f"no solution region {ex_id!r}")


def _raise_lines(indent: str, message: str, width: int = 100) -> list[str]:
    """`raise NotImplementedError("...")`, wrapped as `ruff format` would keep it within ``width``."""

    def lit(text: str) -> str:  # ruff format's quote preference: double, unless that needs escapes
        if '"' in text and "'" not in text:
            return "'" + text.replace("\\", "\\\\") + "'"
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    one = f"{indent}raise NotImplementedError({lit(message)})"
    if len(one) <= width:
        return [one]
    inner = indent + "    "
    chunks, line = [], ""
    for word in message.split(" "):
        candidate = f"{line} {word}" if line else word
        if line and len(inner) + len(lit(candidate + " ")) > width:
            chunks.append(line + " ")
            line = word
        else:
            line = candidate
    chunks.append(line)
    return [f"{indent}raise NotImplementedError(", *(inner + lit(c) for c in chunks), f"{indent})"]


def _insert_header(text: str, header: str) -> str:
    """Put the header right after the module docstring (so the docstring stays first)."""
    m = re.match(r'\s*(?P<q>"""|\'\'\')(?:.|\n)*?(?P=q)\n', text)
    if not m:
        return header + "\n" + text
    return text[: m.end()] + "\n" + header + text[m.end() :]


def exercise_ids(source: str) -> list[tuple[str, str]]:
    return [(ex_id, task) for _, _, ex_id, task in regions(source) if ex_id]
