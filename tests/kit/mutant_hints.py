"""Kit tool: run the public tests of one group against each of its mutants, in one process.

    python -m tests.kit.mutant_hints <group>

prints one JSON line per mutant: {"mutant", "hint", "failed", "hint_shown"}. tests/kit/test_kit.py checks that
every mutant fails at least one public test and that its declared hint is shown. One process per group keeps
torch imported once; the plugin caches each --impl module.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys

import pytest

from grader.mutants import all_mutants


def main(group: str) -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")
    for mutant in all_mutants(group):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            code = pytest.main(
                [
                    "--impl",
                    f"grader.mutants.{mutant.name}",
                    "-m",
                    f"{group} and not slow and not gpu",
                    "-q",
                    "-p",
                    "no:cacheprovider",
                    "--no-header",
                    "-W",
                    "ignore",
                ]
            )
        text = buf.getvalue()
        print(
            json.dumps(
                {
                    "mutant": mutant.name,
                    "hint": mutant.hint,
                    "failed": code == pytest.ExitCode.TESTS_FAILED,
                    "hint_shown": f"Hint [{mutant.hint}]" in text,
                }
            ),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
