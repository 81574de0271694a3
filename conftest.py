"""Root conftest: loads normlab's pytest plugin (tests/plugin.py) for every invocation, so `--impl` is known
whatever paths are given on the command line."""

pytest_plugins = ("tests.plugin",)
