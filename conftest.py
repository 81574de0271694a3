"""Root conftest: loads normlab's pytest plugins for every invocation, so `--impl` is known whatever paths are
given on the command line: tests/plugin.py (the module under test, stubs, feedback, the scoreboard) and
tests/parallel.py (`--jobs`: the tests on both cores)."""

pytest_plugins = ("tests.plugin", "tests.parallel")
