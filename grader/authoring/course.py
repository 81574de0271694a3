"""The learner README, written once: grader/templates/README.learner.md.

It is the release's README (``grader release`` copies it) and, with its headings one level down, the learner
section of the main README.md, between the two markers below: ``python -m grader sync`` rewrites that section and
``sync --check`` (and a kit test) fail when it drifts. One course map, one loop, one description of the hint
levels, in both places.
"""

from __future__ import annotations

import re
from pathlib import Path

from grader import ROOT

SOURCE = Path("grader/templates/README.learner.md")
BEGIN = "<!-- learner-readme:begin (written from grader/templates/README.learner.md by `python -m grader sync`) -->"
END = "<!-- learner-readme:end -->"


def release_readme(root: Path = ROOT) -> str:
    """The release's README.md."""
    return (root / SOURCE).read_text()


def main_readme_section(root: Path = ROOT) -> str:
    """The learner section of the main README: the source without its title, every heading one level down."""
    lines = release_readme(root).splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    out, fenced = [], False
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
        out.append("#" + line if not fenced and re.match(r"#+ ", line) else line)
    return "\n".join(out).strip("\n") + "\n"


def main_readme(root: Path = ROOT) -> str:
    """README.md with its learner section written from the source."""
    text = (root / "README.md").read_text()
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(
            f"README.md: the learner section's markers are missing ({BEGIN} ... {END})"
        )
    return text[: start + len(BEGIN)] + "\n\n" + main_readme_section(root) + "\n" + text[end:]


def drifted(root: Path = ROOT) -> bool:
    return (root / "README.md").read_text() != main_readme(root)


def write(root: Path = ROOT) -> None:
    (root / "README.md").write_text(main_readme(root))
