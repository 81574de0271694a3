"""`python -m grader <verb>`: dispatch only. Each verb is grader/verbs/<verb>.py with
`add_arguments(parser)` and `main(*, ...) -> int`; verbs import lazily, so `--help` never imports torch."""

from __future__ import annotations

import argparse
import importlib
import importlib.util

# verb -> one-line description (the module grader.verbs.<verb> does the work)
VERBS: dict[str, str] = {
    "grade": "grade a folder of submissions; write grades.csv, feedback and results.json",
    "selfcheck": "check the hidden suite: references full marks, stubs 0, every mutant caught",
    "sync": "regenerate exercises/ stubs and tests/data/*.npz from solutions/ and mutants",
    "release": "build the student bundle (no solutions or hidden tests) and run the leak check",
    "nbgrader": "generate an nbgrader course directory from the kit",
    "gradescope": "build a Gradescope autograder.zip",
    "audit": "audit the hidden suite: mutant kill rate and false fails on correct variants, per group",
    "report": "rebuild a graded class's report.html, cases.csv and misconceptions.csv",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m grader", description="normlab's autograder and kit tools.")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    for verb, help_text in VERBS.items():
        if importlib.util.find_spec(f"grader.verbs.{verb}") is None:  # verb not built yet
            continue
        p = sub.add_parser(verb, help=help_text, description=help_text)
        p.set_defaults(_verb=verb)
        _module(verb).add_arguments(p)
    return parser


def _module(verb: str):
    return importlib.import_module(f"grader.verbs.{verb}")


def run(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = vars(parser.parse_args(argv))
    verb = args.pop("verb", None)
    args.pop("_verb", None)
    if verb is None:
        parser.print_help()
        return 2
    from grader import interpret_triton_kernels

    interpret_triton_kernels()
    return int(_module(verb).main(**args) or 0)
