"""`python -m grader audit [--group G] [--seeds K] [--goal P] [--timeout S] [--show N] [--op OP]
[--false-fail-seeds N] [--no-mutants] [--jobs J]`: the audit of the hidden suite (grader/authoring/audit.py), per
group: the kill rate of the automatic AST mutants of solutions/ (per operator, the survivors as diffs) and the
false fails of the hidden suite on the reference and every correct variant under grader/variants/ with N seeds;
exit 1 when a group is below --goal or on any false fail. With --no-mutants: the false-fail check alone.
"""

from __future__ import annotations

import argparse

from grader import GROUPS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = main.__kwdefaults__
    parser.add_argument("--group", choices=GROUPS, default=d["group"], help="audit one group only")
    parser.add_argument(
        "--seeds",
        type=int,
        default=d["seeds"],
        help="input draws per case for the equivalence check (default %(default)s)",
    )
    parser.add_argument(
        "--goal",
        type=float,
        default=d["goal"],
        help="minimum kill rate per group, in %% (default %(default)s)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=d["timeout"],
        help="seconds for a mutant's hidden suite before it counts as killed (default %(default)s)",
    )
    parser.add_argument(
        "--show", type=int, default=d["show"], help="surviving diffs to print per group"
    )
    parser.add_argument(
        "--op",
        default=d["op"],
        metavar="OP",
        help="only the mutants of one operator (e.g. ignored: an argument ignored; see grader/authoring/ast_mutants.py)",
    )
    parser.add_argument(
        "--false-fail-seeds",
        type=int,
        default=d["false_fail_seeds"],
        metavar="N",
        help="seeds of the false-fail check: the hidden suite on the reference and every correct variant under "
        "grader/variants/; any failure is a false fail (exit 1). 0: no check (default %(default)s)",
    )
    parser.add_argument(
        "--no-mutants",
        dest="mutants",
        action="store_false",
        help="the false-fail check alone, no mutation audit",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=d["jobs"],
        metavar="J",
        help="mutants judged side by side, each in its own process (default: the usable cores)",
    )


def main(
    *,
    group: str | None = None,
    seeds: int = 4,
    goal: float = 95.0,
    timeout: float = 20.0,
    show: int = 20,
    false_fail_seeds: int = 3,
    mutants: bool = True,
    op: str | None = None,
    jobs: int | None = None,
) -> int:
    from grader.authoring.audit import run

    return run(
        group=group,
        seeds=seeds,
        goal=goal,
        timeout=timeout,
        show=show,
        false_fail_seeds=false_fail_seeds,
        mutants=mutants,
        op=op,
        jobs=jobs,
    )
