"""`python -m grader sync [--check] [--group G] [--data DIR]`: regenerate the stubs in exercises/ and the public
tests' stored values (tests/data/<group>.npz) from solutions/ and the mutants (grader/authoring/sync.py);
``--check`` writes nothing and exits 1 when something is out of date."""

from __future__ import annotations

import argparse
from pathlib import Path

from grader import GROUPS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = main.__kwdefaults__
    parser.add_argument(
        "--check",
        action="store_true",
        default=d["check"],
        help="write nothing; exit 1 if a generated file is missing or out of date",
    )
    parser.add_argument(
        "--group", choices=GROUPS, default=d["group"], help="only this exercise group"
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=d["data"],
        help="the stored values' folder (default: tests/data)",
    )


def main(*, check: bool = False, group: str | None = None, data: Path | None = None) -> int:
    from grader.authoring.sync import sync

    return sync(check=check, group=group, data=data)
