"""`python -m grader selfcheck [--jobs N] [--seed N] [--group G] [--timeout S]`: does the hidden suite grade what it
should? References full marks, stubs 0, every mutant caught with its hint, every variant full marks, through the
real grading path (grader/authoring/selfcheck.py); exit 1 if any check fails."""

from __future__ import annotations

import argparse

from grader import GROUPS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = main.__kwdefaults__
    parser.add_argument(
        "--jobs",
        type=int,
        default=d["jobs"],
        metavar="N",
        help="workers at once (default %(default)s)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=d["seed"],
        metavar="N",
        help="seed of the hidden inputs (default %(default)s)",
    )
    parser.add_argument(
        "--group", choices=GROUPS, default=d["group"], help="only this exercise group"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=d["timeout"],
        metavar="S",
        help="seconds per call (default %(default)s)",
    )


def main(*, jobs: int = 2, seed: int = 0, group: str | None = None, timeout: float = 10.0) -> int:
    from grader.authoring.selfcheck import selfcheck

    return selfcheck(jobs=jobs, seed=seed, group=group, timeout=timeout)
