"""`python -m grader audit [--group G] [--seeds K] [--goal P] [--timeout S] [--show N] [--op OP]
[--false-fail-seeds N] [--no-mutants] [--jobs J] [--markdown]`: the two-sided audit of the hidden suite
(grader/authoring/audit.py), every group (or G), each in a fresh interpreter:
- the mutation audit: every automatic AST mutant of solutions/<group>.py (or those of operator OP) runs the hidden
  suite in a child process of its own, stopping at the first failing case ("killed"; one that does not load, or
  whose process dies, counts as killed; one past S seconds too); a mutant that passes every case is checked for
  equivalence (the reference's outputs on K input draws of every case: left out of the kill rate), else it
  "survived", or is "equivalent by contract" when it changes only a spot the hidden file's FREEDOMS leave free;
  printed per operator, the survivors as diffs (N per group);
- the false-fail check beside it: the hidden suite on the reference and every correct variant under
  grader/variants/<group>_*.py with N seeds (default 3; 0: none); every failed case run is a false fail.
Then one table, per group: mutants, killed, survived, equivalent, equivalent by contract, kill rate, false fails,
seconds. Exit 1 when a group's kill rate is below P % (default 95) or on any false fail. --no-mutants: the
false-fail check alone (CI's gate runs it with 30 seeds, tests/kit/test_validity.py; the full run is
`--no-mutants --false-fail-seeds 1000`). J: child processes at a time (default: the usable cores). --markdown:
the details in a fenced text block before the table (benchmarks/run_all.py pastes it into RESULTS.md).
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
        help="seconds for a mutant's hidden suite before it counts as killed (its equivalence check gets "
        "S per draw; a correct implementation 3 S per seed) (default %(default)s)",
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
        help="child processes at a time, one per mutant or false-fail seed (default: the usable cores)",
    )
    parser.add_argument(
        "--markdown",
        action="store_true",
        help="the per-group details in a fenced text block, then the table: pastes into a Markdown file",
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
    markdown: bool = False,
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
        markdown=markdown,
    )
