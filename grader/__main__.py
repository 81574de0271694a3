import sys

from grader.cli import run

sys.exit(run())
